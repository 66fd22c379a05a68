"""NeNMF: the compiled OGM passes (numba, which librosa installs) give the iterates of the
array-API path (numpy operations), with fixed rows kept to the bit."""
import sys

import numpy as np
import pytest

import nmfab
from nmfab.init import initialize

nenmf = sys.modules["nmfab.algorithms.nenmf"]


@pytest.mark.skipif(nenmf.numba is None, reason="numba (a librosa dependency) is not installed")
@pytest.mark.parametrize("K,fixed_W,fixed_H", [(4, None, None), (17, [0, 5], [16])])
def test_compiled_ogm_matches_the_numpy_path(monkeypatch, K, fixed_W, fixed_H):
    rng = np.random.default_rng(K)
    V = rng.gamma(0.5, size=(70, 2 * K)) @ rng.gamma(0.5, size=(2 * K, 90)) + 0.01
    W0, H0, _ = initialize(V, K, "nndsvda")
    masks = [None if f is None else np.isin(np.arange(K), f) for f in (fixed_W, fixed_H)]
    runs = []
    for module in (nenmf.numba, None):
        monkeypatch.setattr(nenmf, "numba", module)
        runs.append(nmfab.factorize(V, W0=W0, H0=H0, algorithm="nenmf", max_iter=8, tol=0,
                                    fixed_W=masks[0], fixed_H=masks[1], inner_iter=7))
    compiled, plain = runs
    np.testing.assert_allclose(compiled.W, plain.W, rtol=0, atol=1e-10 * np.abs(plain.W).max())
    np.testing.assert_allclose(compiled.H, plain.H, rtol=0, atol=1e-10 * np.abs(plain.H).max())
    np.testing.assert_allclose(compiled.loss, plain.loss, rtol=1e-12)
    if masks[0] is not None:
        np.testing.assert_array_equal(compiled.W[:, masks[0]], W0[:, masks[0]])
        np.testing.assert_array_equal(compiled.H[masks[1]], H0[masks[1]])
