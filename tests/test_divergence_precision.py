"""The beta-divergence of float32 data equals an independent float64 reference (scipy's
``kl_div``; the Itakura-Saito sum written out) to float32 resolution: the IS form
``sum(r) - sum(log r) - F T`` cancels, so float32 numpy data are summed in float64."""
import numpy as np
import pytest
from scipy.special import kl_div

from nmfab.backend import EPS
from nmfab.divergences import beta_divergence


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    W = rng.gamma(0.5, size=(200, 5))
    H = rng.gamma(0.5, size=(5, 300))
    V = W @ H * rng.gamma(1e4, 1e-4, size=(200, 300))     # a close fit: a small divergence
    return V, W, H


def _reference(V, W, H, beta):
    model = W.astype(np.float64) @ H.astype(np.float64) + EPS
    V = V.astype(np.float64)
    if beta == 1:
        return float(np.sum(kl_div(V, model)))
    ratio = V / model
    return float(np.sum(ratio - np.log(ratio) - 1.0))


@pytest.mark.parametrize("beta,rel", [(1.0, 1e-5), (0.0, 1e-5)])
def test_float32_divergence_matches_the_float64_reference(beta, rel):
    V, W, H = (a.astype(np.float32) for a in _problem())
    exact = _reference(V, W, H, beta)
    assert beta_divergence(V, W, H, beta) == pytest.approx(exact, rel=rel)
    V64, W64, H64 = _problem()
    assert beta_divergence(V64, W64, H64, beta) == pytest.approx(_reference(V64, W64, H64, beta),
                                                                   rel=1e-10)
