"""The beta-divergence's compiled pass (beta = 1, 0; numba, which librosa installs) equals an
independent float64 reference (scipy's ``kl_div``, the Itakura-Saito sum written out) and the
numpy passes, for float64 and float32 data, zeros in V included."""
import numpy as np
import pytest
from scipy.special import kl_div

from nmfab import divergences
from nmfab.backend import EPS

pytestmark = pytest.mark.skipif(divergences.numba is None,
                                reason="numba (a librosa dependency) is not installed")


def _problem(dtype, seed=0, zeros=True):
    rng = np.random.default_rng(seed)
    W = rng.gamma(0.5, size=(60, 5)).astype(dtype)
    H = rng.gamma(0.5, size=(5, 70)).astype(dtype)
    V = (rng.gamma(0.5, size=(60, 70)) * 1e-3 + W.astype(float) @ H).astype(dtype)
    if zeros:
        V[::7, ::5] = 0.0
    return V, W, H


def _reference(V, W, H, beta):
    model = W.astype(np.float64) @ H.astype(np.float64) + EPS
    V = V.astype(np.float64)
    if beta == 1:
        return float(np.sum(kl_div(V, model)))
    ratio = V / model
    return float(np.sum(ratio - np.log(ratio) - 1.0))


def _numpy_path(V, W, H, beta, monkeypatch):
    monkeypatch.setattr(divergences, "_COMPILED", {})
    return divergences.beta_divergence(V, W, H, beta)


@pytest.mark.parametrize("beta", [1.0, 0.0])
def test_compiled_pass_equals_reference_float64(beta, monkeypatch):
    V, W, H = _problem(np.float64, zeros=beta == 1)
    compiled = divergences.beta_divergence(V, W, H, beta)
    assert compiled == pytest.approx(_reference(V, W, H, beta), rel=1e-12)
    assert compiled == pytest.approx(_numpy_path(V, W, H, beta, monkeypatch), rel=1e-12)


@pytest.mark.parametrize("beta", [1.0, 0.0])
def test_compiled_pass_float32_is_closer_to_the_exact_sum(beta, monkeypatch):
    V, W, H = _problem(np.float32, seed=1, zeros=beta == 1)
    # the reference in float64 from the float32 model, as both paths see it
    exact = _reference(V, W.astype(np.float64), H.astype(np.float64), beta)
    compiled = divergences.beta_divergence(V, W, H, beta)
    numpy_path = _numpy_path(V, W, H, beta, monkeypatch)
    assert compiled == pytest.approx(exact, rel=1e-6)
    # numpy sums float32 in float32 (IS: sum(r) - sum(log r) - F T cancels): never closer
    assert abs(compiled - exact) <= abs(numpy_path - exact)


def test_compiled_pass_is_used_and_leaves_the_model_untouched(monkeypatch):
    V, W, H = _problem(np.float64)
    calls = []
    real = divergences._COMPILED[1]
    monkeypatch.setitem(divergences._COMPILED, 1,
                        lambda v, y, eps: calls.append(1) or real(v, y, eps))
    WH = W @ H
    before = WH.copy()
    divergences.beta_divergence(V, W, H, 1.0, WH=WH)
    assert calls == [1]
    np.testing.assert_array_equal(WH, before)


def test_is_of_a_zero_entry_is_infinite_on_both_paths(monkeypatch):
    V, W, H = _problem(np.float64, zeros=False)
    V[0, 0] = 0.0
    assert divergences.beta_divergence(V, W, H, 0.0) == np.inf
    assert _numpy_path(V, W, H, 0.0, monkeypatch) == np.inf
