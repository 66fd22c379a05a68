"""smooth (Fevotte 2011) and sparse_norm (block MM, Marmin et al. 2023): what the common checks don't say.

The common checks (tests/test_algorithms_common.py) already cover: objective never rises,
fixed parts, numpy/torch parity, low rank, bad parameters.
"""
import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar

import nmfab
from nmfab import testing
from nmfab.backend import EPS
from nmfab.divergences import beta_divergence, safe_data
from nmfab.algorithms.mu import make_mu
from nmfab.algorithms.smooth import make_smooth, roughness, smooth_objective, update_H_smooth
from nmfab.algorithms.sparse_norm import (make_sparse_norm, penalised_ratio,
                                          sparse_norm_objective)
from nmfab.errors import NmfabError


def _problem(seed=0, shape=(12, 15), rank=3, beta=0.0):
    rng = np.random.default_rng(seed)
    V = safe_data(rng.random(shape) + 0.1 * (beta > 0), beta)
    return V, rng.random((shape[0], rank)) + 0.1, rng.random((rank, shape[1])) + 0.1


def _run(make, V, W, H, n_iter, beta, **params):
    step = make(V, W.copy(), H.copy(), beta=beta, **params)
    W, H = W.copy(), H.copy()
    out = []
    for _ in range(n_iter):
        W, H = step(W, H)
        out.append((W.copy(), H.copy()))
    return out


# --- lam = 0 is mu ------------------------------------------------------------------------

@pytest.mark.parametrize("beta", [0.0, 1.0])
def test_smooth_with_lam_zero_has_the_iterates_of_mu(beta):
    V, W, H = _problem(beta=beta)
    V[:, 3] = EPS * (beta == 0)              # a silent frame: KL drives h[:, 3] to exactly 0
    ours = _run(make_smooth, V, W, H, 40, beta, lam=0.0)
    ref = _run(make_mu, V, W, H, 40, beta)
    for (W1, H1), (W2, H2) in zip(ours, ref):
        np.testing.assert_allclose(W1, W2, rtol=1e-10, atol=0)
        np.testing.assert_allclose(H1, H2, rtol=1e-10, atol=0)
    assert not np.allclose(ours[-1][1], H)                     # it did move
    assert np.isfinite(ours[-1][1]).all()


@pytest.mark.parametrize("beta", [0.0, 1.0, 1.5, 2.0])
def test_sparse_norm_with_lam_zero_has_the_model_and_loss_of_mu(beta):
    """Iterates differ from mu's by a per-component scale (W columns have unit l2 norm);
    the model WH and the loss agree with mu's after every iteration."""
    V, W, H = _problem(beta=beta)
    ours = _run(make_sparse_norm, V, W, H, 40, beta, lam=0.0)
    ref = _run(make_mu, V, W, H, 40, beta)
    for (W1, H1), (W2, H2) in zip(ours, ref):
        np.testing.assert_allclose(W1 @ H1, W2 @ H2, rtol=1e-10, atol=0)
        np.testing.assert_allclose(np.linalg.norm(W1, axis=0), 1.0, rtol=1e-12)
        np.testing.assert_allclose(sparse_norm_objective(V, W1, H1, beta=beta, lam=0.0),
                                   beta_divergence(V, W2, H2, beta), rtol=1e-10)
    assert not np.allclose(ours[-1][0], ref[-1][0])           # the iterates themselves differ


# --- smooth: the H update minimises the per-entry majoriser --------------------------------

def _d_is(x, y):
    return x / y - np.log(x / y) - 1.0


@pytest.mark.parametrize("beta", [0.0, 1.0])
def test_smooth_H_update_is_the_exact_minimiser_of_the_majoriser(beta):
    """Odd frames (neighbours: the current even ones), then even frames (neighbours: the new
    odd ones); each entry minimises the MM auxiliary function of the data term plus the
    exact penalty, found here by scipy's bounded scalar minimiser."""
    lam = 0.7
    V, W, H = _problem(seed=4, shape=(5, 7), rank=2, beta=beta)
    M = W @ H + EPS
    A = W.T @ (1.0 / M) if beta == 0 else W.sum(axis=0)[:, None] + 0 * H
    B = W.T @ (V / M ** 2) if beta == 0 else W.T @ (V / M)
    ours = update_H_smooth(H.copy(), A.copy(), B, lam, beta)
    expected, T = H.copy(), H.shape[1]
    for first in (1, 0):
        for k in range(H.shape[0]):
            for n in range(first, T, 2):
                h0 = H[k, n]

                def majoriser(h):
                    if beta == 0:          # Jensen on V/M, tangent on log M
                        value = A[k, n] * h + B[k, n] * h0 * h0 / h
                    else:                  # Jensen on -V log M, M exact (linear)
                        value = A[k, n] * h - B[k, n] * h0 * np.log(h)
                    if n > 0:
                        value += lam * _d_is(expected[k, n - 1], h)
                    if n < T - 1:
                        value += lam * _d_is(h, expected[k, n + 1])
                    return value

                best = minimize_scalar(lambda u: majoriser(np.exp(u)), bounds=(-12, 6),
                                       method="bounded", options=dict(xatol=1e-11))
                expected[k, n] = np.exp(best.x)
    np.testing.assert_allclose(ours, expected, rtol=1e-6)


def test_smooth_refuses_zeros_in_H_in_one_line():
    V = testing.noisy_data()
    with pytest.raises(NmfabError, match="positive H") as info:
        nmfab.factorize(V, 4, algorithm="smooth", beta=0, init="nndsvd", lam=0.1, max_iter=2)
    assert "\n" not in str(info.value)


def test_larger_lam_gives_smoother_H():
    V = testing.noisy_data()
    lams = [0.0, 0.01, 0.1, 1.0, 10.0]
    for beta in (0.0, 1.0):
        jumps = []
        for lam in lams:
            res = nmfab.factorize(V, 4, algorithm="smooth", beta=beta, lam=lam, init="random",
                                  seed=0, max_iter=300, tol=0)
            jumps.append(np.abs(np.diff(np.log(res.H), axis=1)).mean())
            assert res.loss[-1] == pytest.approx(
                smooth_objective(V, res.W, res.H, beta=beta, lam=lam), rel=1e-6)  # run in V's mean units: EPS
        assert all(np.diff(jumps) < 0), f"beta={beta}: mean |log h_n - log h_n-1| {jumps}"
        assert jumps[-1] < 0.2 * jumps[0]


def test_roughness_is_scale_invariant_and_the_objective_too():
    V, W, H = _problem(seed=2)
    s = np.array([3.0, 0.1, 7.0])
    assert roughness(H * s[:, None]) == pytest.approx(roughness(H), rel=1e-12)
    assert smooth_objective(V, W / s, H * s[:, None], beta=0.0, lam=2.0) == pytest.approx(
        smooth_objective(V, W, H, beta=0.0, lam=2.0), rel=1e-10)


# --- sparse_norm ----------------------------------------------------------------------------

def _w_majoriser(r, A, B, c, beta):
    """MM auxiliary function of one entry of W, in units of its current value (+ the
    quadratic bound of lam ||h_k|| ||w_k||_2), up to constants (Fevotte & Idier 2011)."""
    if beta < 1:
        data = A * r + B * r ** (beta - 1) / (1 - beta)
    elif beta == 1:
        data = A * r - B * np.log(r)
    elif beta <= 2:
        data = A * r ** beta / beta - B * r ** (beta - 1) / (beta - 1)
    else:
        data = A * r ** beta / beta - B * r
    return data + c * r * r / 2


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_sparse_W_ratio_minimises_the_majoriser(beta):
    rng = np.random.default_rng(int(beta * 10))
    A, B, c = rng.random(20) + 0.05, rng.random(20) + 0.05, 3 * rng.random(20)
    r = penalised_ratio(A, B, c, beta)
    for i in range(20):
        best = minimize_scalar(lambda u: _w_majoriser(np.exp(u), A[i], B[i], c[i], beta),
                               bounds=(-20, 20), method="bounded", options=dict(xatol=1e-12))
        assert r[i] == pytest.approx(np.exp(best.x), rel=1e-5)
        p = 2 - beta if beta < 1 else (1 if beta <= 2 else beta - 1)
        q = 3 - beta if beta <= 2 else 1
        root = brentq(lambda x: A[i] * x ** p + c[i] * x ** q - B[i], 1e-12, 1e6, xtol=1e-15)
        assert r[i] == pytest.approx(root, rel=1e-10)


def _half_baked(V, W, H, lam, beta):
    """The common heuristic (KL): MU on H with lam in the denominator, plain MU on W, then
    unit l2 columns of W (H compensated)."""
    M = W @ H
    H = H * (W.T @ (V * M ** (beta - 2))) / (W.T @ M ** (beta - 1) + lam)
    M = W @ H
    W = W * ((V * M ** (beta - 2)) @ H.T) / (M ** (beta - 1) @ H.T)
    norms = np.linalg.norm(W, axis=0)
    return W / norms, H * norms[:, None]


def test_sparse_norm_descends_where_the_half_baked_update_rises():
    """Le Roux et al. 2015: the heuristic has no descent guarantee. On this problem it raises
    D(V|WH) + lam ||H||_1 (unit-norm W); sparse_norm's block MM never does."""
    beta, lam = 1.0, 1.0
    rng = np.random.default_rng(0)
    V = rng.random((6, 8)) * 2
    W = rng.random((6, 3))
    W /= np.linalg.norm(W, axis=0)
    H = rng.random((3, 8))
    assert V.mean() ** (beta - 1) == 1.0             # lam_eff = lam for KL

    def J(W, H):
        return sparse_norm_objective(V, W, H, beta=beta, lam=lam)

    hb, Wh, Hh = [J(W, H)], W.copy(), H.copy()
    for _ in range(20):
        Wh, Hh = _half_baked(V, Wh, Hh, lam, beta)
        hb.append(J(Wh, Hh))
    assert np.diff(hb).max() > 1e-4 * hb[0]           # the heuristic rises
    ours = [J(W, H)] + [J(W1, H1) for W1, H1 in _run(make_sparse_norm, V, W, H, 20, beta,
                                                      lam=lam)]
    assert np.diff(ours).max() <= 1e-12 * ours[0]
    assert ours[-1] < hb[-1]


def test_larger_lam_gives_sparser_H():
    """||H||_1 / ||H||_F falls as lam grows (300 iterations: MU slows down as lam grows, so
    larger lam values need more iterations to show it)."""
    V = testing.noisy_data()
    lams = [0.0, 0.03, 0.3, 1.0]
    for beta in (0.0, 1.0, 2.0):
        l1_over_l2 = []
        for lam in lams:
            res = nmfab.factorize(V, 4, algorithm="sparse_norm", beta=beta, lam=lam,
                                  init="random", seed=0, max_iter=300, tol=0)
            np.testing.assert_allclose(np.linalg.norm(res.W, axis=0), 1.0, rtol=1e-10)
            l1_over_l2.append(res.H.sum() / np.linalg.norm(res.H))
        assert all(np.diff(l1_over_l2) < 0), f"beta={beta}: ||H||_1/||H||_F {l1_over_l2}"
        assert l1_over_l2[-1] < 0.9 * l1_over_l2[0]
