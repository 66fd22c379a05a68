"""Results do not depend on the data's units (the exact power-of-two rescaling of factorize)."""
import numpy as np
import pytest

import nmfab
from nmfab.nmf import data_scale
from nmfab.testing import noisy_data


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.0, 3.0])
@pytest.mark.parametrize("units", [1e-8, 1e8])
def test_same_factors_up_to_scale_in_any_units(beta, units):
    V = noisy_data()
    kwargs = dict(beta=beta, init="nndsvda", max_iter=50, tol=0, eval_every=10)
    ref = nmfab.factorize(V, 4, **kwargs)
    res = nmfab.factorize(V * units, 4, **kwargs)
    # the same components (each W column up to a factor) and the same model in the new units
    np.testing.assert_allclose(res.W / res.W.sum(axis=0), ref.W / ref.W.sum(axis=0), rtol=1e-5)
    np.testing.assert_allclose(res.W @ res.H, ref.W @ ref.H * units, rtol=1e-5)
    np.testing.assert_allclose(res.loss, ref.loss * units ** beta, rtol=1e-5)


@pytest.mark.parametrize("beta", [2.0, 3.0])
def test_huge_values_stay_finite(beta):
    res = nmfab.factorize(noisy_data() * 1e150, 4, beta=beta, max_iter=30, tol=0)
    assert np.all(np.isfinite(res.W)) and np.all(np.isfinite(res.H))
    if beta == 2:                 # at beta = 3 the loss itself (~1e450) is out of range: inf
        assert np.all(np.isfinite(res.loss)) and res.loss[-1] < res.loss[0]


def test_tiny_values_are_not_swallowed_by_eps():
    V = noisy_data() * 1e-9
    res = nmfab.factorize(V, 4, beta=1, max_iter=200, tol=0)
    assert np.linalg.norm(V - res.W @ res.H) / np.linalg.norm(V) < 0.2


@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_l1_problem_in_other_units_has_the_same_solution(beta):
    # J(cV; W, cH, l1 c^(beta-1)) = c^beta J(V; W, H, l1): the same minimiser
    V, c = noisy_data(), 2.0 ** 20
    ref = nmfab.factorize(V, 4, beta=beta, l1_H=0.5, max_iter=40, tol=0, eval_every=1)
    res = nmfab.factorize(V * c, 4, beta=beta, l1_H=0.5 * c ** (beta - 1), max_iter=40, tol=0,
                          eval_every=1)
    np.testing.assert_allclose(res.W, ref.W, rtol=1e-7)
    np.testing.assert_allclose(res.H, ref.H * c, rtol=1e-7)
    np.testing.assert_allclose(res.loss, ref.loss * c ** beta, rtol=1e-7)


def test_fixed_rows_stay_bit_identical_after_rescaling():
    V = noisy_data() * 3.7e-5
    rng = np.random.default_rng(0)
    W0, H0 = rng.random((30, 4)), rng.random((4, 40)) * 3.7e-5
    fixed_H = np.array([True, False, True, False])
    res = nmfab.factorize(V, W0=W0, H0=H0, fixed_H=fixed_H, max_iter=20, tol=0)
    assert res.info["scale"] != 1.0
    assert np.array_equal(res.H[fixed_H], H0[fixed_H])


def test_data_scale_is_the_mean():
    assert data_scale(np.array([[1.0, 2.0], [3.0, 6.0]])) == 3.0
    assert data_scale(np.zeros((2, 2))) == 1.0
