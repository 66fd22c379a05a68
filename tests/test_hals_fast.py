"""HALS: the compiled sweeps (numba, which librosa installs) and the Python loop give the
iterates of a slow reference written here, the plain column-by-column HALS."""
import sys

import numpy as np
import pytest

import nmfab
from nmfab.backend import EPS
from nmfab.init import initialize

hals = sys.modules["nmfab.algorithms.hals"]


def reference_update(X, A, B, free, max_sweeps, delta):
    """Column-by-column HALS sweeps on X (F x K) for min ||A-type - X B||, plain numpy."""
    first = None
    for _ in range(max_sweeps):
        change = 0.0
        for k in free:
            new = np.maximum(X[:, k] + (A[:, k] - X @ B[:, k]) / max(B[k, k], EPS), 0.0)
            change += float(np.sum((new - X[:, k]) ** 2))
            X[:, k] = new
        if first is None:
            first = change
        elif change <= delta * delta * first:
            break


def reference_hals(V, W, H, n_iter, fixed_W=(), fixed_H=(), alpha=0.5, delta=0.1):
    F, T = V.shape
    K = W.shape[1]
    W, H = W.copy(), H.copy()
    for _ in range(n_iter):
        reference_update(W, V @ H.T, H @ H.T, [k for k in range(K) if k not in fixed_W],
                         hals._n_sweeps(F, T, K, alpha), delta)
        Ht = H.T.copy()
        reference_update(Ht, (W.T @ V).T, W.T @ W, [k for k in range(K) if k not in fixed_H],
                         hals._n_sweeps(T, F, K, alpha), delta)
        H = Ht.T.copy()
    return W, H


def problem(F, T, K, seed=0):
    rng = np.random.default_rng(seed)
    V = rng.gamma(0.5, size=(F, 2 * K)) @ rng.gamma(0.5, size=(2 * K, T))
    V += 0.01 * rng.random((F, T))
    V /= V.mean()
    W0, H0, _ = initialize(V, K, "nndsvda")
    return V, W0, H0


PATHS = ["loop", pytest.param("numba", marks=pytest.mark.skipif(
    hals.numba is None, reason="numba (a librosa dependency) is not installed"))]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("K,fixed_W,fixed_H", [(3, (), ()), (21, (0, 9, 20), (4,)),
                                               (40, (), tuple(range(0, 40, 3)))])
def test_hals_iterates_equal_the_reference(monkeypatch, path, K, fixed_W, fixed_H):
    if path == "loop":
        monkeypatch.setattr(hals, "_kernel", None)
    V, W0, H0 = problem(90, 70, K)
    mask_W, mask_H = np.isin(np.arange(K), fixed_W), np.isin(np.arange(K), fixed_H)
    res = nmfab.factorize(V, W0=W0, H0=H0, algorithm="hals", max_iter=6, tol=0,
                          fixed_W=mask_W, fixed_H=mask_H)
    W, H = reference_hals(V, W0, H0, 6, fixed_W, fixed_H)
    np.testing.assert_allclose(res.W, W, rtol=0, atol=1e-10 * np.abs(W).max())
    np.testing.assert_allclose(res.H, H, rtol=0, atol=1e-10 * np.abs(H).max())
    np.testing.assert_array_equal(res.W[:, mask_W], W0[:, mask_W])
    np.testing.assert_array_equal(res.H[mask_H], H0[mask_H])


@pytest.mark.skipif(hals.numba is None, reason="numba (a librosa dependency) is not installed")
def test_compiled_hals_float32_close_to_float64():
    V, W0, H0 = problem(60, 50, 7, seed=1)
    runs = [nmfab.factorize(V.astype(d), W0=W0.astype(d), H0=H0.astype(d), algorithm="hals",
                            max_iter=5, tol=0) for d in (np.float32, np.float64)]
    assert runs[0].W.dtype == np.float32
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, rtol=1e-4)
