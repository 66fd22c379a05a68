"""minvol: the simplex multipliers, the W step against a direct minimisation of its majoriser,
and the surplus components it removes where plain MU splits sources."""
from pathlib import Path

import librosa
import numpy as np
import pytest
from scipy.optimize import minimize

import nmfab
from nmfab.algorithms import minvol
from nmfab.algorithms.mu import augment
from nmfab.backend import EPS
from nmfab.datasets.piano_recordings import MadmomPiano

BETAS = (0.0, 1.0, 2.0)


def d_beta(x, y, beta):
    """Elementwise beta-divergence, written out."""
    if beta == 2:
        return 0.5 * (x - y) ** 2
    if beta == 1:
        return x * np.log(x / y) - x + y
    return x / y - np.log(x / y) - 1


def objective(V, W, H, beta, weight, delta):
    """J for W on the simplex: D(V | WH (+EPS)) + weight * logdet(W^T W + delta I)."""
    model = W @ H + (EPS if beta < 2 else 0.0)
    return d_beta(V, model, beta).sum() + weight * np.linalg.slogdet(
        W.T @ W + delta * np.eye(W.shape[1]))[1]


def majorizer(V, W, W0, H, beta, weight, delta):
    """The auxiliary function of the W step at W0, from its definition (module docstring)."""
    eps = EPS if beta < 2 else 0.0
    M0 = W0 @ H + eps
    share = W0[:, :, None] * H[None] / M0[:, None, :]          # Jensen weights, F x K x T
    part = M0[:, None, :] * (W / W0)[:, :, None]               # M0 * u for each component
    Vb = V[:, None, :]
    if beta == 2:
        div = (share * 0.5 * (Vb - part) ** 2).sum()
    elif beta == 1:
        div = (share * d_beta(Vb, part, 1)).sum() + (eps / M0 * d_beta(V, M0, 1)).sum()
    else:                      # convex part V / M by Jensen, concave part log M by its tangent
        div = ((share * Vb / part).sum() + (eps / M0 * V / M0).sum()
               + (np.log(M0) + (W @ H + eps - M0) / M0 - np.log(V) - 1).sum())
    X0 = W0.T @ W0 + delta * np.eye(W0.shape[1])
    Q = np.linalg.inv(X0)
    curv = (W0 @ np.abs(Q)) / W0
    if beta == 0:               # w^2 <= w0^2 (2 (w/w0)^3 + 1) / 3
        square = curv * (W0 ** 2 * (2 * (W / W0) ** 3 + 1) / 3 - 2 * W0 * W + W0 ** 2)
    else:
        square = curv * (W - W0) ** 2
    pen = np.linalg.slogdet(X0)[1] + 2 * np.sum((W0 @ Q) * (W - W0)) + square.sum()
    return div + weight * pen


def tiny_problem(seed=0, F=5, K=3, T=6):
    rng = np.random.default_rng(seed)
    W0 = rng.random((F, K)) + 0.1
    W0 /= W0.sum(axis=0)
    return rng.random((F, T)) + 0.2, W0, rng.random((K, T)) + 0.1


def random_simplex(rng, F, K):
    W = rng.random((F, K)) ** 3 + 1e-3
    return W / W.sum(axis=0)


@pytest.mark.parametrize("beta", BETAS)
def test_multipliers_put_each_column_on_the_simplex(beta):
    V, W0, H = tiny_problem(1, F=30, K=4, T=40)
    weight, delta = 50.0, 1.0
    aug = augment(W0, H)
    bufs = tuple(np.empty_like(V) for _ in range(2)) if beta != 2 else ()
    column = minvol.minvol_stationarity(V, W0, H, beta, weight, delta, np.ones(4), bufs, aug)
    for start in (0.0, 1e8, -1e8):           # far starts: bisection brings Newton back
        mu, u = minvol.multipliers(W0, column, np.ones(4), np.full(4, start))
        np.testing.assert_allclose((W0 * u).sum(axis=0), 1.0, rtol=0, atol=1e-10)
        assert np.all(u >= 0)
    shifted = column.ratio(mu + 1e-3)[0]      # sums decrease in mu: the root is unique
    assert np.all((W0 * shifted).sum(axis=0) < 1.0)


@pytest.mark.parametrize("beta", BETAS)
def test_runs_keep_free_columns_on_the_simplex(beta):
    V = np.random.default_rng(2).random((30, 40)) + 0.1
    res = nmfab.factorize(V, 5, algorithm="minvol", beta=beta, init="random", seed=0,
                          max_iter=40, lam=0.1, tol=0)
    np.testing.assert_allclose(res.W.sum(axis=0), 1.0, rtol=0, atol=1e-10)
    # a free column whose H row is fixed keeps its initial sum (it cannot be rescaled)
    rng = np.random.default_rng(3)
    W0, H0 = rng.random((30, 5)) + 0.05, rng.random((5, 40)) + 0.05
    res = nmfab.factorize(V, W0=W0, H0=H0, algorithm="minvol", beta=beta, max_iter=40, tol=0,
                          fixed_H=np.array([False, True, False, False, False]))
    sums = res.W.sum(axis=0)
    np.testing.assert_allclose(sums[1], W0[:, 1].sum(), rtol=1e-10)
    np.testing.assert_allclose(np.delete(sums, 1), 1.0, rtol=0, atol=1e-10)


@pytest.mark.parametrize("beta", BETAS)
def test_zero_columns_from_nndsvd_stay_zero(beta):
    rng = np.random.default_rng(0)
    V = rng.random((40, 3)) @ rng.random((3, 50)) + 0.01     # rank 3 + floor: nndsvd gives zeros
    res = nmfab.factorize(V, 6, algorithm="minvol", beta=beta, init="nndsvd", lam=0.03,
                          max_iter=30, eval_every=1, tol=0)
    sums = res.W.sum(axis=0)
    dead = sums == 0
    assert dead.any() and np.isfinite(res.loss).all()
    np.testing.assert_allclose(sums[~dead], 1.0, rtol=0, atol=1e-10)
    assert np.diff(res.loss).max() <= 1e-10 * res.loss[0]


@pytest.mark.parametrize("beta", BETAS)
def test_weight_is_relative_to_the_initial_point(beta):
    V, W0, H0 = tiny_problem(4, F=12, K=3, T=15)
    lam, delta = 0.3, 0.5
    res = nmfab.factorize(V, W0=W0, H0=H0, algorithm="minvol", beta=beta, lam=lam,
                          delta=delta, max_iter=5, tol=0)
    d0 = objective(V, W0, H0, beta, 0.0, delta)
    logdet0 = np.linalg.slogdet(W0.T @ W0 + delta * np.eye(3))[1]
    np.testing.assert_allclose(res.loss[0], d0 + lam * d0 * np.sign(logdet0), rtol=1e-5)  # EPS: data rescaled
    weight = lam * d0 / abs(logdet0)          # kept for the whole run, not recomputed
    np.testing.assert_allclose(res.loss[-1], objective(V, res.W, res.H, beta, weight, delta),
                               rtol=1e-5)


@pytest.mark.parametrize("beta", BETAS)
def test_w_step_minimises_its_majoriser_over_the_simplex(beta):
    V, W0, H = tiny_problem(5)
    lam, delta = 0.5, 1.0
    weight = lam * objective(V, W0, H, beta, 0.0, delta) / abs(
        np.linalg.slogdet(W0.T @ W0 + delta * np.eye(3))[1])
    rng = np.random.default_rng(6)
    at_w0 = majorizer(V, W0, W0, H, beta, weight, delta)
    assert at_w0 == pytest.approx(objective(V, W0, H, beta, weight, delta), rel=1e-12)
    for _ in range(20):                       # an upper bound everywhere on the simplex
        W = random_simplex(rng, *W0.shape)
        assert majorizer(V, W, W0, H, beta, weight, delta) >= \
            objective(V, W, H, beta, weight, delta) - 1e-9 * abs(at_w0)
    # the step (one iteration of factorize: W step, then H) against scipy on the majoriser
    ours = nmfab.factorize(V, W0=W0, H0=H, algorithm="minvol", beta=beta, lam=lam,
                           delta=delta, max_iter=1, tol=0).W
    F, K = W0.shape
    sums = [{"type": "eq", "fun": lambda x, k=k: x.reshape(F, K)[:, k].sum() - 1.0}
            for k in range(K)]
    ref = minimize(lambda x: majorizer(V, x.reshape(F, K), W0, H, beta, weight, delta),
                   W0.ravel(), method="SLSQP", bounds=[(1e-9, None)] * (F * K),
                   constraints=sums, options=dict(ftol=1e-15, maxiter=500)).x.reshape(F, K)
    np.testing.assert_allclose(ours, ref, atol=2e-5)
    assert majorizer(V, ours, W0, H, beta, weight, delta) <= \
        majorizer(V, ref, W0, H, beta, weight, delta) + 1e-10 * abs(at_w0)
    assert majorizer(V, ours, W0, H, beta, weight, delta) < at_w0


def sources(seed, F=40, T=200, r=3):
    """V = W H * F: r peaky spectra on the simplex, sparse activations."""
    rng = np.random.default_rng(seed)
    W = rng.random((F, r)) ** 4
    W /= W.sum(axis=0)
    H = rng.random((r, T)) * (rng.random((r, T)) < 0.3)
    return W @ H * F, W


def mass_shares(W, H):
    """Share of sum(WH) carried by each rank-one component, largest first."""
    mass = W.sum(axis=0) * H.sum(axis=1)
    return np.sort(mass / mass.sum())[::-1], np.argsort(mass)[::-1]


@pytest.mark.parametrize("beta,seed", [(1.0, 0), (1.0, 1), (2.0, 2)])
def test_surplus_components_vanish_where_mu_splits(beta, seed):
    V, W_true = sources(seed)
    kwargs = dict(beta=beta, init="nndsvda", max_iter=500, tol=0, eval_every=100)
    ours = nmfab.factorize(V, 6, algorithm="minvol", lam=0.03, **kwargs)
    plain = nmfab.factorize(V, 6, algorithm="mu", **kwargs)
    shares, order = mass_shares(ours.W, ours.H)
    assert shares[3:].sum() < 1e-3, shares                 # measured ~1e-8
    assert mass_shares(plain.W, plain.H)[0][3:].sum() > 0.02  # measured 0.05 to 0.28
    found = ours.W[:, order[:3]] / np.linalg.norm(ours.W[:, order[:3]], axis=0)
    cosines = found.T @ (W_true / np.linalg.norm(W_true, axis=0))
    assert cosines.max(axis=0).min() > 0.97     # each true spectrum recovered (measured 0.977-0.997)


MADMOM = Path(__file__).resolve().parents[2] / "shared" / "data" / "transcription" / "madmom_piano"


@pytest.mark.skipif(not MADMOM.is_dir(), reason=f"shared piano recording absent ({MADMOM})")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_surplus_components_vanish_on_a_real_piano(seed):
    """madmom's stereo_sample (8 distinct pitches), rank 8 + 3, KL, random init, default lam:
    the 3 smallest components of minvol carry under 1 % of the mass (measured 0.03-0.3 %,
    seeds 0-4), plain mu's over 5 % (measured 12-13 %: it splits notes)."""
    dataset = MadmomPiano(MADMOM)
    y, sr = dataset.audio("stereo_sample", sr=11025)
    n_pitches = np.unique(dataset.annotation("stereo_sample")[:, 2]).size
    V = np.abs(librosa.stft(y, n_fft=1024, hop_length=256))
    kwargs = dict(beta=1.0, init="random", seed=seed, max_iter=500, tol=0, eval_every=100)
    ours = nmfab.factorize(V, n_pitches + 3, algorithm="minvol", **kwargs)
    plain = nmfab.factorize(V, n_pitches + 3, algorithm="mu", **kwargs)
    assert mass_shares(ours.W, ours.H)[0][n_pitches:].sum() < 0.01
    assert mass_shares(plain.W, plain.H)[0][n_pitches:].sum() > 0.05
