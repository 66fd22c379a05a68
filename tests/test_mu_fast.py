"""mu at beta=0: the compiled F x T pass (numba, which librosa installs) gives the numpy
passes' iterates bit for bit, in float64 and float32."""
import sys

import numpy as np
import pytest

import nmfab
from nmfab.init import initialize

mu = sys.modules["nmfab.algorithms.mu"]


@pytest.mark.skipif(mu.numba is None, reason="numba (a librosa dependency) is not installed")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_itakura_saito_compiled_pass_is_bit_identical(monkeypatch, dtype):
    rng = np.random.default_rng(3)
    V = (rng.gamma(0.5, size=(60, 12)) @ rng.gamma(0.5, size=(12, 80)) + 0.01).astype(dtype)
    W0, H0, _ = initialize(V, 8, "nndsvda")
    fixed = np.arange(8) == 2
    runs = []
    for kernel in (mu._is_kernel, None):
        monkeypatch.setattr(mu, "_is_kernel", kernel)
        runs.append(nmfab.factorize(V, W0=W0, H0=H0, beta=0, max_iter=15, tol=0,
                                    fixed_H=fixed, eval_every=5))
    compiled, plain = runs
    assert compiled.W.dtype == dtype
    np.testing.assert_array_equal(compiled.W, plain.W)
    np.testing.assert_array_equal(compiled.H, plain.H)
    np.testing.assert_array_equal(compiled.loss, plain.loss)
    assert np.all(np.diff(compiled.loss) <= 0)


@pytest.mark.parametrize("beta", [2.0, 1.0, 0.0])
def test_float32_factors_stay_normal_and_fixed_rows_keep_their_bits(beta):
    rng = np.random.default_rng(4)
    V = rng.random((40, 50)).astype(np.float32)
    V[:, :10] = 0.0 if beta > 0 else V[:, :10]   # silent frames drive H toward zero
    W0, H0 = rng.random((40, 6)), rng.random((6, 50))
    H0[1, :5] = 1e-30                              # a fixed row holding tiny values
    fixed = np.arange(6) == 1
    res = nmfab.factorize(V, W0=W0, H0=H0, beta=beta, max_iter=300, tol=0, fixed_H=fixed)
    floor = np.sqrt(np.finfo(np.float32).tiny) * res.info["scale"]
    free_H = res.H[~fixed] / res.info["scale"]
    assert res.W.min() >= np.sqrt(np.finfo(np.float32).tiny) and free_H.min() > 0
    assert np.all(res.H[~fixed] >= floor * (1 - 1e-6))
    np.testing.assert_array_equal(res.H[fixed], H0[fixed].astype(np.float32))
    ref = nmfab.factorize(V.astype(np.float64), W0=W0, H0=H0, beta=beta, max_iter=300, tol=0,
                          fixed_H=fixed)
    np.testing.assert_allclose(res.loss[-1], ref.loss[-1], rtol=1e-3)
