"""Convolutive NMF (nmfd): reduces to mu, matches slow loops, beats NMF on convolutive data,
and runs the drum task."""
import numpy as np
import pytest

import nmfab
from nmfab.algorithms import get
from nmfab.algorithms.mu import mm_exponent
from nmfab.algorithms.nmfd import convolve, objective
from nmfab.backend import EPS
from nmfab.errors import NmfabError
from nmfab.experiment.task import Context
from nmfab.tasks import drums

BETAS = (0.0, 1.0, 2.0)


def slow_model(W, H, T):
    """sum_tau W_tau shift_tau(H), entry by entry."""
    F, (K, N) = W.shape[0], H.shape
    L = np.zeros((F, N))
    for f in range(F):
        for n in range(N):
            for tau in range(T):
                for k in range(K):
                    if n - tau >= 0:
                        L[f, n] += W[f, tau * K + k] * H[k, n - tau]
    return L


def slow_divergence(V, L, beta):
    """D_beta(V | L), from the textbook formulas (L + EPS below beta 2)."""
    if beta == 2:
        return 0.5 * np.sum((V - L) ** 2)
    L = L + EPS
    if beta == 1:
        return np.sum(V * np.log(V / L) - V + L)
    return np.sum(V / L - np.log(V / L) - 1)


def slow_step(V, W, H, T, beta, fixed_W=None, fixed_H=None):
    """One MM iteration written with loops: every lag of W jointly, then H."""
    F, (K, N) = W.shape[0], H.shape
    gamma = mm_exponent(beta)
    W, H = W.copy(), H.copy()

    def parts():
        L = slow_model(W, H, T) + (EPS if beta < 2 else 0.0)
        return V * L ** (beta - 2), L ** (beta - 1)

    P, Y = parts()
    new_W = W.copy()
    for f in range(F):
        for tau in range(T):
            for k in range(K):
                if fixed_W is not None and fixed_W[k]:
                    continue
                num = sum(P[f, n] * H[k, n - tau] for n in range(tau, N))
                den = sum(Y[f, n] * H[k, n - tau] for n in range(tau, N))
                new_W[f, tau * K + k] *= (num / max(den, EPS)) ** gamma
    W = new_W
    P, Y = parts()
    new_H = H.copy()
    for k in range(K):
        if fixed_H is not None and fixed_H[k]:
            continue
        for m in range(N):
            num = sum(W[f, tau * K + k] * P[f, m + tau]
                      for tau in range(T) for f in range(F) if m + tau < N)
            den = sum(W[f, tau * K + k] * Y[f, m + tau]
                      for tau in range(T) for f in range(F) if m + tau < N)
            new_H[k, m] *= (num / max(den, EPS)) ** gamma
    return W, new_H


def run(name, V, W, H, beta, n_iter, **params):
    """Iterates of algorithm ``name`` from copies of (W, H)."""
    step = get(name).make(V, W.copy(), H.copy(), beta=beta, **params)
    W, H, out = W.copy(), H.copy(), []
    for _ in range(n_iter):
        W, H = step(W, H)
        out.append((np.array(W), np.array(H)))
    return out


@pytest.mark.parametrize("beta", BETAS)
def test_one_lag_reproduces_mu_iterates(beta):
    rng = np.random.default_rng(0)
    V = rng.random((20, 25)) + 0.05
    W0, H0 = rng.random((20, 3)) + 0.1, rng.random((3, 25)) + 0.1
    mu = run("mu", V, W0, H0, beta, 8)
    nmfd = run("nmfd", V, W0, H0, beta, 8, n_lags=1)
    for (Wm, Hm), (Wd, Hd) in zip(mu, nmfd):
        np.testing.assert_allclose(Wd, Wm, rtol=1e-10)
        np.testing.assert_allclose(Hd, Hm, rtol=1e-10)
    assert not np.allclose(mu[-1][1], H0)          # they moved


@pytest.mark.parametrize("beta", BETAS)
def test_model_objective_and_updates_match_slow_loops(beta):
    rng = np.random.default_rng(1)
    T, K = 3, 2
    V = rng.random((6, 9)) + 0.1
    W, H = rng.random((6, K * T)) + 0.1, rng.random((K, 9)) + 0.1
    np.testing.assert_allclose(convolve(W, H, n_lags=T), slow_model(W, H, T), rtol=1e-12)
    np.testing.assert_allclose(objective(V, W, H, beta=beta, n_lags=T),
                               slow_divergence(V, slow_model(W, H, T), beta), rtol=1e-10)
    for fixed_W, fixed_H in ((None, None), (np.array([True, False]), np.array([False, True]))):
        got = run("nmfd", V, W, H, beta, 1, n_lags=T, fixed_W=fixed_W, fixed_H=fixed_H)[0]
        want = slow_step(V, W, H, T, beta, fixed_W, fixed_H)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-10)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-10)


def convolutive_data(T=6, K=3, F=40, N=150, seed=2):
    """Sparse onsets convolved with decaying templates of T frames, plus a little noise."""
    rng = np.random.default_rng(seed)
    W = rng.random((F, K * T)) * np.repeat(0.6 ** np.arange(T), K)[None, :]
    H = rng.random((K, N)) * (rng.random((K, N)) < 0.08)
    return convolve(W, H, n_lags=T) + 0.01 * rng.random((F, N))


@pytest.mark.parametrize("beta", (1.0, 2.0))
def test_right_lags_fit_convolutive_data_far_better_than_nmf(beta):
    V = convolutive_data()
    kwargs = dict(beta=beta, init="nndsvda", max_iter=300, tol=0)
    nmf = nmfab.factorize(V, 3, algorithm="mu", **kwargs)
    nmfd = nmfab.factorize(V, 3, algorithm="nmfd", n_lags=6, **kwargs)
    assert nmfd.W.shape == (40, 18) and nmfd.H.shape == (3, 150)
    assert nmfd.loss[-1] < 0.05 * nmf.loss[-1], (nmfd.loss[-1], nmf.loss[-1])
    # the recorded loss is the divergence of the convolutive model
    L = convolve(nmfd.W, nmfd.H, n_lags=6)
    assert nmfd.loss[-1] == pytest.approx(slow_divergence(V, L, beta), rel=1e-6)  # EPS, V rescaled


def test_widths_and_masks_count_components():
    V = convolutive_data()
    W0 = np.random.default_rng(0).random((40, 12)) + 0.1
    res = nmfab.factorize(V, algorithm="nmfd", n_lags=4, W0=W0,
                          H0=np.ones((3, 150)), max_iter=5, fixed_W=np.array([True, False, False]))
    assert res.W.shape == (40, 12)
    assert np.array_equal(res.W[:, [0, 3, 6, 9]], W0[:, [0, 3, 6, 9]])   # every lag of comp. 0
    res = nmfab.factorize(V, 3, algorithm="nmfd", n_lags=4, max_iter=2)   # nndsvda widened
    assert res.W.shape == (40, 12)
    with pytest.raises(NmfabError, match=r"need \(40, 12 = 4 blocks x 3\)"):
        nmfab.factorize(V, 3, algorithm="nmfd", n_lags=4, W0=W0[:, :3], H0=np.ones((3, 150)))
    with pytest.raises(NmfabError, match="n_lags must be an integer"):
        nmfab.factorize(V, 3, algorithm="nmfd", n_lags=0)
    with pytest.raises(NmfabError, match="several columns of W per component"):
        nmfab.NMF(3, algorithm="nmfd").fit(V.T)


def test_drum_task_runs_nmfd_with_fixed_template_frames(tmp_path):
    context = Context(data_dir=None, cache_dir=tmp_path)
    setting = dict(dataset="synth_drums", rank_h=2, tol=0.0, eval_every=5, seed=0,
                   template="same_track_oracle", algorithm="nmfd", beta=2.0, max_iter=15)
    out = {}
    for step in drums.TASK.steps[:-1]:
        out[step.name] = step.func(dict(setting, n_lags=4), "groove00", out, context)
    W, H, K = out["factorize"]["W"], out["factorize"]["H"], 5
    assert W.shape == (1025, 4 * K) and H.shape[0] == K
    frames = drums.drum_templates(out["templates"], 4)     # (bins, 3, 4), unit norm per class
    scale = np.linalg.norm(W[:, [0, K, 2 * K, 3 * K]])    # class 0, all lags
    for tau in range(4):                                   # every frame stayed fixed
        np.testing.assert_allclose(W[:, tau * K:tau * K + 3] / scale, frames[:, :, tau],
                                   rtol=1e-10, atol=1e-15)
    assert np.all(np.diff(out["factorize"]["loss"]) <= 0)
    scores = drums.evaluate_step(dict(setting, picker="topk"), "groove00", out, context)
    assert scores["f_mean"] > 0.9
    # one frame per template: the NMF templates, and the same activations as mu
    one = drums.factorize_step(dict(setting, n_lags=1), "groove00", out, context)
    mu = drums.factorize_step(dict(setting, algorithm="mu"), "groove00", out, context)
    np.testing.assert_allclose(one["H"], mu["H"], rtol=1e-8)
