"""The scikit-learn-style estimator and its use through librosa.decompose.decompose."""
import numpy as np
import pytest

import nmfab


def _data():
    rng = np.random.default_rng(0)
    return rng.random((40, 3)) @ rng.random((3, 25)) + 0.01     # (n_samples, n_features)


def test_get_set_params_round_trip():
    est = nmfab.NMF(4, algorithm="nenmf", beta=2, algorithm_params={"inner_iter": 5})
    params = est.get_params()
    assert params["n_components"] == 4 and params["algorithm"] == "nenmf"
    assert nmfab.NMF(**params).get_params() == params
    assert est.set_params(max_iter=7, tol=0) is est and est.max_iter == 7
    with pytest.raises(ValueError, match="invalid parameter 'rank'"):
        est.set_params(rank=3)


def test_fit_transform_follows_sklearn_convention():
    X = _data()
    est = nmfab.NMF(3, beta=2, algorithm="hals", max_iter=300, tol=1e-10, seed=0)
    A = est.fit_transform(X)
    assert A.shape == (40, 3) and est.components_.shape == (3, 25)
    assert est.n_components_ == 3 and est.n_iter_ >= 1
    assert np.linalg.norm(X - A @ est.components_) / np.linalg.norm(X) < 1e-3
    np.testing.assert_allclose(est.inverse_transform(A), A @ est.components_)


def test_transform_keeps_components_and_fits_activations():
    X = _data()
    est = nmfab.NMF(3, algorithm="hals", max_iter=300, tol=1e-10, seed=0).fit(X)
    components = est.components_.copy()
    A = est.transform(X[:10])
    assert A.shape == (10, 3)
    assert np.array_equal(est.components_, components)
    assert np.linalg.norm(X[:10] - A @ components) / np.linalg.norm(X[:10]) < 1e-2


@pytest.mark.parametrize("beta", [2.0, 1.0, 0.5])
def test_transform_matches_sklearn_transform(beta):
    sk = pytest.importorskip("sklearn.decomposition", reason="scikit-learn (test extra)")
    X = _data()
    theirs = sk.NMF(3, beta_loss=beta, solver="mu", max_iter=40, tol=0, random_state=0).fit(X)
    ours = nmfab.NMF(3, beta=beta, max_iter=40, tol=0)
    ours.components_ = theirs.components_.copy()
    # both start the activations at sqrt(mean(X)/K) and run MU with the components fixed
    A, B = ours.transform(X), theirs.transform(X)
    assert np.abs(A - B).max() / np.abs(B).max() < 1e-6


def test_librosa_decompose_with_nmfab_transformer():
    librosa = pytest.importorskip("librosa", reason="librosa is a core dependency")
    S = np.abs(np.random.default_rng(3).standard_normal((65, 30)))
    comps, acts = librosa.decompose.decompose(
        S, transformer=nmfab.NMF(5, beta=1, max_iter=30, seed=0))
    assert comps.shape == (65, 5) and acts.shape == (5, 30)
    assert comps.min() >= 0 and acts.min() >= 0


def test_transform_of_fewer_samples_than_components():
    """Transforming a single frame works, as in scikit-learn."""
    X = np.random.default_rng(3).random((30, 12))
    model = nmfab.NMF(n_components=4, max_iter=50).fit(X)
    H = model.transform(X[:1])
    assert H.shape == (1, 4) and np.all(H >= 0)
    full = model.transform(X)[:1]
    assert np.allclose(H, full, rtol=1e-3, atol=1e-8)
