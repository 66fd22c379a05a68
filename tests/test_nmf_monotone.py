"""MU specifics: L1 penalty, fixed templates with L1, zeros in the data.

The checks every algorithm passes (monotone, fixed parts, low rank, torch) are in
test_algorithms_common.py."""
import numpy as np
import pytest

import nmfab
from nmfab.testing import noisy_data

K = 4


def _noisy(seed=5):
    return noisy_data(seed)


def _masks(kind):
    fixed = np.array([True, False, True, False])
    return {"none": {}, "W": {"fixed_W": fixed}, "H": {"fixed_H": fixed},
            "both": {"fixed_W": fixed, "fixed_H": ~fixed}}[kind]


def _assert_nonincreasing(loss):
    assert np.all(np.diff(loss) <= 1e-12 * abs(loss[0])), np.diff(loss).max()


@pytest.mark.parametrize("beta", [2.0, 1.0, 0.0, 0.5])
@pytest.mark.parametrize("masks", ["none", "W", "H", "both"])
def test_loss_with_l1_never_increases(beta, masks):
    V = _noisy()
    res = nmfab.factorize(V, K, beta=beta, init="random", seed=1, max_iter=60, eval_every=1,
                          tol=0, l1_H=0.5, **_masks(masks))
    _assert_nonincreasing(res.loss)


def test_l1_keeps_unit_norm_templates_and_sparsifies():
    V = _noisy()
    plain = nmfab.factorize(V, K, beta=1, init="random", seed=2, max_iter=200, tol=0)
    sparse = nmfab.factorize(V, K, beta=1, init="random", seed=2, max_iter=200, tol=0, l1_H=5.0)
    np.testing.assert_allclose(sparse.W.sum(axis=0), 1.0, rtol=1e-12)
    H_unit = plain.H * plain.W.sum(axis=0)[:, None]       # plain H at the same W scale
    assert sparse.H.sum() < 0.9 * H_unit.sum()
    divergence = nmfab.factorize(V, W0=sparse.W, H0=sparse.H, beta=1, max_iter=1).loss[0]
    assert sparse.loss[-1] == pytest.approx(divergence + 5.0 * sparse.H.sum(), rel=1e-9)


def test_l1_with_fixed_templates_leaves_them_unscaled():
    V = _noisy()
    W0 = np.random.default_rng(4).random((30, K)) + 0.1        # column sums far from 1
    fixed = np.array([True, True, False, False])
    res = nmfab.factorize(V, K, W0=W0, fixed_W=fixed, beta=1, init="random", seed=0,
                          max_iter=30, tol=0, l1_H=1.0, eval_every=1)
    assert np.array_equal(res.W[:, fixed], W0[:, fixed])
    np.testing.assert_allclose(res.W[:, ~fixed].sum(axis=0), 1.0, rtol=1e-12)
    _assert_nonincreasing(res.loss)


@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0, 1.5])
def test_zeros_in_data_and_factors_stay_finite(beta):
    V = _noisy()
    V[V < 1.0] = 0.0                                  # many exact zeros
    W0 = np.random.default_rng(1).random((30, K))
    W0[:5] = 0.0                                       # rows of W0 with zero model
    res = nmfab.factorize(V, W0=W0, H0=np.ones((K, 40)), beta=beta, max_iter=40, eval_every=1,
                          tol=0)
    assert np.all(np.isfinite(res.loss)) and np.all(np.isfinite(res.W))
    assert np.all(np.isfinite(res.H)) and res.W.min() >= 0 and res.H.min() >= 0
    _assert_nonincreasing(res.loss)
