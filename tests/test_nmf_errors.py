"""Every bad input raises NmfabError with a message that says what is wrong."""
import numpy as np
import pytest

import nmfab
from nmfab.algorithms import check_supported, supports
from nmfab.errors import NmfabError

V = np.random.default_rng(0).random((12, 10))


@pytest.mark.parametrize("bad,message", [
    (-V, "negative"),
    (np.where(V > 0.5, np.nan, V), "NaN"),
    (np.where(V > 0.5, np.inf, V), "infinite"),
    (V[0], "2-D"),
])
def test_bad_data(bad, message):
    with pytest.raises(NmfabError, match=message):
        nmfab.factorize(bad, 3)


@pytest.mark.parametrize("rank", [0, -2, 11, 2.5, None, "3"])
def test_bad_rank(rank):
    with pytest.raises(NmfabError, match="rank"):
        nmfab.factorize(V, rank)


@pytest.mark.parametrize("kwargs", [
    dict(fixed_W=np.ones(4, bool)),
    dict(fixed_H=np.ones((3, 1), bool)),
    dict(fixed_W=np.ones(3)),          # not boolean
])
def test_bad_masks(kwargs):
    with pytest.raises(NmfabError, match="boolean array of length rank=3"):
        nmfab.factorize(V, 3, **kwargs)


@pytest.mark.parametrize("W0,H0", [
    (np.ones((12, 3)), np.ones((4, 10))),
    (np.ones((11, 3)), np.ones((3, 10))),
    (np.ones((12, 3)), np.ones((3, 9))),
    (np.ones((12, 2)), np.ones((2, 10))),             # consistent, but not rank=3
])
def test_mismatched_factors(W0, H0):
    with pytest.raises(NmfabError, match="do not match"):
        nmfab.factorize(V, 3, W0=W0, H0=H0)


def test_negative_initial_factor():
    with pytest.raises(NmfabError, match="W0 must be finite and nonnegative"):
        nmfab.factorize(V, 3, W0=-np.ones((12, 3)), H0=np.ones((3, 10)))


def test_unknown_algorithm_lists_valid_names():
    with pytest.raises(NmfabError, match=r"unknown algorithm 'als'; choose one of: hals, .*mu, nenmf"):
        nmfab.factorize(V, 3, algorithm="als")


def test_unknown_init_lists_valid_names():
    with pytest.raises(NmfabError, match=r"unknown init 'svd'.*nndsvda"):
        nmfab.factorize(V, 3, init="svd")


@pytest.mark.parametrize("algorithm", ["hals", "nenmf"])
def test_unsupported_beta(algorithm):
    assert not supports(algorithm, 1.0) and supports(algorithm, 2) and supports("mu", 0.3)
    with pytest.raises(NmfabError, match=r"supports beta in \[2.0\], not 1.*'mu'"):
        nmfab.factorize(V, 3, algorithm=algorithm, beta=1)
    with pytest.raises(NmfabError):
        check_supported(algorithm, 0)


def test_custom_init_needs_both_factors():
    with pytest.raises(NmfabError, match="custom"):
        nmfab.factorize(V, 3, init="custom", W0=np.ones((12, 3)))


def test_harmonic_init_needs_sr_and_matching_rows():
    with pytest.raises(NmfabError, match="sr=..., n_fft"):
        nmfab.factorize(V, None, init="harmonic")
    with pytest.raises(NmfabError, match="rows"):
        nmfab.factorize(V, None, init="harmonic", init_params=dict(sr=8000, n_fft=64,
                                                                    midi_pitches=[60, 64]))


@pytest.mark.parametrize("kwargs,message", [
    (dict(l1_H=1.0, algorithm="hals"), "no L1 penalty"),
    (dict(l1_H=-1.0), "l1_H must be >= 0"),
    (dict(inner_iter=5), "no parameter"),
    (dict(max_iter=0), "max_iter"),
    (dict(eval_every=0), "eval_every"),
    (dict(max_time=-1), "max_time"),
    (dict(dtype="int32"), "dtype"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(NmfabError, match=message):
        nmfab.factorize(V, 3, **kwargs)


@pytest.mark.parametrize("name,value", [("max_iter", "5"), ("max_iter", 0), ("eval_every", 1.5),
                                        ("max_time", -1.0), ("tol", -1e-4)])
def test_bad_budget_is_one_clear_error(name, value):
    with pytest.raises(NmfabError, match=name):
        nmfab.factorize(V, 3, **{name: value})


def test_given_factors_may_have_more_components_than_frames():
    """88 fixed templates on a 5-frame clip: only H is estimated, which is well posed."""
    rng = np.random.default_rng(1)
    W0, H0 = rng.random((12, 8)), rng.random((8, 5))
    res = nmfab.factorize(V[:, :5], W0=W0, H0=H0, fixed_W=np.ones(8, bool), max_iter=20)
    assert res.H.shape == (8, 5) and np.array_equal(res.W, W0)
    with pytest.raises(NmfabError, match="min"):
        nmfab.factorize(V[:, :5], 8, init="nndsvda")
