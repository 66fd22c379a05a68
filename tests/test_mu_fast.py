"""mu's fast paths: at beta=0 the compiled F x T pass (numba, which librosa installs) gives the
numpy passes' iterates bit for bit, in float64 and float32; a wholly fixed W skips its update."""
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


@pytest.mark.parametrize("beta", [0.0, 1.0, 1.5, 2.0])
def test_wholly_fixed_W_runs_only_the_H_updates(beta):
    # supervised transcription: W fixed, H by MU; against an obvious H-only loop
    from nmfab.backend import EPS
    from nmfab.algorithms.mu import mm_exponent
    rng = np.random.default_rng(4)
    V, W, H0 = rng.random((30, 40)) + 0.1, rng.random((30, 5)), rng.random((5, 40))
    res = nmfab.factorize(V, W0=W, H0=H0, fixed_W=np.ones(5, bool), beta=beta, max_iter=20,
                          tol=0, eval_every=1)
    scale = V.mean()
    Vs, H = V / scale, H0 / scale
    for _ in range(20):
        M = W @ H + (EPS if beta < 2 else 0.0)
        H = H * ((W.T @ (Vs * M ** (beta - 2))) / (W.T @ M ** (beta - 1))) ** mm_exponent(beta)
    assert np.array_equal(res.W, W)
    np.testing.assert_allclose(res.H, H * scale, rtol=1e-10)
    assert np.all(np.diff(res.loss) <= 1e-12 * res.loss[0])


@pytest.mark.skipif(mu.numba is None, reason="numba (a librosa dependency) is not installed")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("beta", [2.0, 1.0, 0.0])
def test_compiled_update_pass_is_bit_identical(monkeypatch, dtype, beta):
    """The fused ``X *= (num / max(den, EPS)) ** gamma`` (+ float32 floor) against numpy's passes,
    over whole runs (W and H free, then a run with fixed rows, which takes the numpy path)."""
    rng = np.random.default_rng(5)
    V = (rng.gamma(0.5, size=(50, 10)) @ rng.gamma(0.5, size=(10, 70))).astype(dtype)
    V[:, :5] = 0.0 if beta > 0 else V[:, :5]        # silent frames: the float32 floor acts
    W0, H0, _ = initialize(V, 6, "nndsvda")
    runs = []
    for kernel in (mu._apply_kernel, None):
        monkeypatch.setattr(mu, "_apply_kernel", kernel)
        runs.append(nmfab.factorize(V, W0=W0, H0=H0, beta=beta, max_iter=30, tol=0,
                                    eval_every=10))
    compiled, plain = runs
    np.testing.assert_array_equal(compiled.W, plain.W)
    np.testing.assert_array_equal(compiled.H, plain.H)
    np.testing.assert_array_equal(compiled.loss, plain.loss)


@pytest.mark.skipif(mu.numba is None, reason="numba (a librosa dependency) is not installed")
def test_compiled_update_pass_follows_numpy_on_edge_values(monkeypatch):
    """Denominators below EPS (and 0), a NaN, the float32 floor: numpy's results, bit for bit."""
    rng = np.random.default_rng(6)
    kernel = mu._apply_kernel
    for dtype in (np.float32, np.float64):
        X = rng.random((4, 7)).astype(dtype)
        X[0, 0] = 1e-30 if dtype == np.float32 else 0.0
        num = rng.random((4, 7)).astype(dtype)
        num[1, 2] = np.nan
        for den in (rng.random((4, 7)), rng.random((1, 7)), rng.random((4, 1))):
            den = den.astype(dtype)
            den.flat[0], den.flat[-1] = 0.0, 1e-12
            for gamma in (1.0, 0.5):
                results = []
                for path in (kernel, None):
                    monkeypatch.setattr(mu, "_apply_kernel", path)
                    results.append(mu._apply(X.copy(), num.copy(), den.copy(), gamma, None, 0))
                np.testing.assert_array_equal(*results)
