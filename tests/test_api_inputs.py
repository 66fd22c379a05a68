"""What factorize() and NMF accept: beta names, all-zero and sparse V, dtypes, and
scikit-learn's meaning of ``reconstruction_err_``."""
import numpy as np
import pytest
import scipy.sparse

import nmfab
from nmfab.errors import NmfabError

V = np.random.default_rng(0).random((12, 10))


def _data():
    rng = np.random.default_rng(0)
    return rng.random((40, 3)) @ rng.random((3, 25)) + 0.01     # (n_samples, n_features)


@pytest.mark.parametrize("name,number", [("frobenius", 2.0), ("kullback-leibler", 1.0),
                                         ("itakura-saito", 0.0)])
def test_beta_accepts_sklearn_names(name, number):
    named = nmfab.factorize(V, 3, beta=name, max_iter=5, seed=0)
    numbered = nmfab.factorize(V, 3, beta=number, max_iter=5, seed=0)
    assert named.info["beta"] == number
    np.testing.assert_array_equal(named.W, numbered.W)
    est = nmfab.NMF(3, beta=name, max_iter=5).fit(V.T)
    assert est.result_.info["beta"] == number


@pytest.mark.parametrize("bad", ["kl", "Frobenius", None, True, float("nan"), [2]])
def test_unknown_beta_is_one_line_listing_names_and_numbers(bad):
    with pytest.raises(NmfabError) as caught:
        nmfab.factorize(V, 3, beta=bad)
    message = str(caught.value)
    assert "\n" not in message and repr(bad) in message
    assert "'frobenius' (2), 'kullback-leibler' (1), 'itakura-saito' (0)" in message


@pytest.mark.parametrize("init", ["nndsvd", "nndsvda", "nndsvdar", "random"])
def test_all_zero_data_is_one_clear_line(init):
    with pytest.raises(NmfabError, match=r"^V is all zeros .*pass W0 and H0$"):
        nmfab.factorize(np.zeros((40, 30)), 3, init=init)


def test_all_zero_data_with_given_factors_still_factorizes():
    W0, H0 = np.ones((12, 2)), np.ones((2, 10))
    res = nmfab.factorize(np.zeros((12, 10)), W0=W0, H0=H0, fixed_W=np.ones(2, bool),
                          max_iter=5)
    assert np.all(res.H < 1e-3)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_data_is_densified(fmt):
    sparse = scipy.sparse.random(30, 20, density=0.3, format=fmt, random_state=0)
    dense = sparse.toarray()
    res, ref = (nmfab.factorize(x, 3, max_iter=10, seed=0) for x in (sparse, dense))
    assert isinstance(res.W, np.ndarray)
    np.testing.assert_array_equal(res.W, ref.W)
    np.testing.assert_array_equal(res.H, ref.H)
    est = nmfab.NMF(3, max_iter=10).fit(sparse.T)
    assert est.components_.shape == (3, 30) and est.transform(sparse.T).shape == (20, 3)


@pytest.mark.parametrize("dtype,expected", [(np.float32, np.float32), (np.float64, np.float64),
                                            (np.int64, np.float64), (np.uint8, np.float64)])
def test_dtype_is_kept_when_not_given(dtype, expected):
    data = (V * 100).astype(dtype)
    res = nmfab.factorize(data, 3, max_iter=5)
    assert res.W.dtype == expected and res.H.dtype == expected
    est = nmfab.NMF(3, max_iter=5)
    assert est.fit_transform(data.T).dtype == expected and est.components_.dtype == expected


def test_explicit_dtype_wins():
    res = nmfab.factorize(V.astype(np.float32), 3, max_iter=5, dtype="float64")
    assert res.W.dtype == np.float64
    res = nmfab.factorize(V, 3, max_iter=5, dtype=np.float32)
    assert res.W.dtype == np.float32


def test_reconstruction_err_is_frobenius_norm_for_beta_2():
    X = _data()
    est = nmfab.NMF(3, beta=2, algorithm="hals", max_iter=30, l1_H=0.0)
    A = est.fit_transform(X)
    assert est.reconstruction_err_ == pytest.approx(np.linalg.norm(X - A @ est.components_),
                                                    rel=1e-10)


def test_reconstruction_err_is_sqrt_twice_the_divergence_without_penalty():
    X = _data()
    est = nmfab.NMF(3, beta=1, max_iter=30, l1_H=0.5)
    Y = est.fit_transform(X) @ est.components_
    kl = np.sum(X * np.log(X / Y) - X + Y)
    assert est.reconstruction_err_ == pytest.approx(np.sqrt(2 * kl), rel=1e-5)
    assert est.result_.loss[-1] > kl                  # the objective includes the penalty


def test_reconstruction_err_matches_sklearn_fit():
    sk = pytest.importorskip("sklearn.decomposition", reason="scikit-learn (test extra)")
    X = _data()
    # nndsvd: nndsvda fills zeros with mean(X), which is not scale-equivariant, and nmfab
    # works in units of mean(X) (see nmfab.nmf.data_scale)
    theirs = sk.NMF(3, beta_loss="frobenius", solver="mu", init="nndsvd", max_iter=50,
                    tol=0).fit(X)
    ours = nmfab.NMF(3, beta="frobenius", init="nndsvd", max_iter=50, tol=0).fit(X)
    assert ours.reconstruction_err_ == pytest.approx(theirs.reconstruction_err_, rel=1e-3)


@pytest.mark.parametrize("beta", ["frobenius", "kullback-leibler", "itakura-saito", 0.5, 1.5])
def test_reconstruction_err_is_sklearns_formula(beta):
    """The function scikit-learn sets ``reconstruction_err_`` with, on our fitted factors."""
    nmf = pytest.importorskip("sklearn.decomposition._nmf", reason="scikit-learn (test extra)")
    X = _data()
    est = nmfab.NMF(3, beta=beta, max_iter=50, tol=0)
    A = est.fit_transform(X)
    expected = nmf._beta_divergence(X, A, est.components_, beta, square_root=True)
    assert est.reconstruction_err_ == pytest.approx(expected, rel=1e-5)
