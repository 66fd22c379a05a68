"""kl_ccd and kl_sn against slow obvious references, their safeguards, and stationarity."""
import numpy as np
import pytest
from scipy.optimize import minimize_scalar

import nmfab
from nmfab.backend import EPS
from nmfab.algorithms import kl_ccd as kl_ccd_module
from nmfab.algorithms.kl_ccd import make_kl_ccd
from nmfab.algorithms.kl_sn import LAMBDA_FULL, make_kl_sn


def kl(V, W, H):
    """D(V | WH + EPS) up to the constant sum(V log V - V)."""
    M = W @ H + EPS
    return float(np.sum(M - V * np.log(M)))


def problem(seed=0, shape=(6, 9), rank=3):
    rng = np.random.default_rng(seed)
    V = rng.random(shape) ** 3                      # wide dynamic range, like spectrograms
    V[0, :3] = 0.0                                  # zeros in the data
    return V, rng.random((shape[0], rank)) + 0.1, rng.random((rank, shape[1])) + 0.1


def derivatives(v, x_row, A, k):
    """f'(x) and f''(x) of x = x_row[k] for the row's model x_row @ A.T + EPS (scalar loops)."""
    g = h = 0.0
    for j in range(A.shape[0]):
        m = sum(x_row[c] * A[j, c] for c in range(A.shape[1])) + EPS
        g += A[j, k] * (1.0 - v[j] / m)
        h += v[j] * A[j, k] ** 2 / m ** 2
    return g, max(h, EPS)


def ccd_reference(V, W, H, inner_iter, shrink):
    """Hsieh-Dhillon CCD with the certified step, one variable at a time (slow, obvious)."""
    W, H = W.copy(), H.copy()
    for data, X, A in ((V, W, H.T), (V.T, H.T, W)):
        for i in range(X.shape[0]):
            for k in range(X.shape[1]):
                for _ in range(inner_iter):
                    g, h = derivatives(data[i], X[i], A, k)
                    x0 = X[i, k]
                    x1 = max(x0 - g / h, shrink * x0)
                    X[i, k] = x1
                    g1, _ = derivatives(data[i], X[i], A, k)
                    if g > 0 and g1 < -g:                  # not certified: secant point
                        X[i, k] = x0 + (x1 - x0) * g / (g - g1)
    return W, H


def sn_reference(V, W, H, inner_iter, delta, cast=float):
    """Hien-Gillis scalar Newton, row by row (per-row stopping), constant ``cast(c)``."""
    W, H = W.copy(), H.copy()
    for data, X, A in ((V, W, H.T), (V.T, H.T, W)):
        for i in range(X.shape[0]):
            positive = data[i][data[i] > 0]
            c = cast(1.0 / np.sqrt(positive.min())) if positive.size else 0.0
            first = None
            for sweep in range(inner_iter):
                change = 0.0
                for k in range(X.shape[1]):
                    g, h = derivatives(data[i], X[i], A, k)
                    d = max(X[i, k] - g / h, 0.0) - X[i, k]
                    lam = c * np.sqrt(h) * abs(d)
                    if g > 0 and lam > LAMBDA_FULL:
                        d = d / (1.0 + lam)
                    X[i, k] += d
                    change += d * d
                if sweep == 0:
                    first = change
                    if change == 0:
                        break
                elif change < delta ** 2 * first:
                    break
    return W, H


@pytest.fixture(params=["compiled", "vectorised"])
def ccd_path(request, monkeypatch):
    """kl_ccd's compiled sweep (numba, numpy arrays) or its vectorised array-API path."""
    if request.param == "compiled":
        pytest.importorskip("numba")
    else:
        monkeypatch.setattr(kl_ccd_module, "compiled_available", lambda: False)
    return request.param


def make_ccd(path, V, W, H, **params):
    step = make_kl_ccd(V, W, H, beta=1.0, **params)
    assert (step.__name__ == "compiled_step") == (path == "compiled")
    return step


@pytest.mark.parametrize("inner_iter,shrink", [(1, 0.1), (3, 0.0), (2, 0.5)])
def test_ccd_step_matches_scalar_loop(inner_iter, shrink, ccd_path):
    V, W0, H0 = problem()
    W, H = W0.copy(), H0.copy()
    make_ccd(ccd_path, V, W, H, inner_iter=inner_iter, shrink=shrink)(W, H)
    W_ref, H_ref = ccd_reference(V, W0, H0, inner_iter, shrink)
    np.testing.assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(H, H_ref, rtol=1e-9, atol=1e-12)


def test_ccd_with_many_newton_steps_minimises_each_variable_exactly():
    """inner_iter large: each variable is the exact minimiser given the others
    (scipy's bounded scalar minimiser, variable by variable in the paper's order)."""
    V, W0, H0 = problem(seed=1)
    W, H = W0.copy(), H0.copy()
    make_kl_ccd(V, W, H, beta=1.0, inner_iter=60, shrink=0.5)(W, H)
    W_ref, H_ref = W0.copy(), H0.copy()
    for X, shape in ((W_ref, W0.shape), (H_ref.T, H0.T.shape)):
        for i in range(shape[0]):
            for k in range(shape[1]):
                def f(x):
                    old, X[i, k] = X[i, k], x
                    value = kl(V, W_ref, H_ref)
                    X[i, k] = old
                    return value
                X[i, k] = minimize_scalar(f, bounds=(0.0, 20.0), method="bounded",
                                          options=dict(xatol=1e-11)).x
    np.testing.assert_allclose(W, W_ref, atol=2e-6)
    np.testing.assert_allclose(H, H_ref, atol=2e-6)
    assert kl(V, W, H) <= kl(V, W_ref, H_ref) + 1e-9


@pytest.mark.parametrize("inner_iter,delta", [(5, 0.2), (1, 0.2), (8, 0.0)])
def test_sn_step_matches_scalar_loop(inner_iter, delta):
    V, W0, H0 = problem(seed=2)
    W, H = W0.copy(), H0.copy()
    make_kl_sn(V, W, H, beta=1.0, inner_iter=inner_iter, delta=delta)(W, H)
    W_ref, H_ref = sn_reference(V, W0, H0, inner_iter, delta)
    np.testing.assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(H, H_ref, rtol=1e-9, atol=1e-12)


def test_full_newton_threshold_is_the_root():
    lam = LAMBDA_FULL
    assert abs(lam * lam + lam + np.log1p(-lam)) < 1e-12 and 0.68 < lam < 0.69


def overshoot_problem():
    """One row of W, one component (minimiser 1), where the Newton step from 2.2 lands higher."""
    return np.array([[1.0, 1.0]]), np.array([[2.2]]), np.array([[1.0, 1.0]])


def test_ccd_safeguard_rejects_an_uphill_newton_step(ccd_path):
    V, W, H = overshoot_problem()
    g, h = derivatives(V[0], W[0], H.T, 0)
    newton = np.array([[max(W[0, 0] - g / h, 0.1 * W[0, 0])]])
    assert kl(V, newton, H) > kl(V, W, H)          # the unguarded step would go up
    W1 = W.copy()
    make_ccd(ccd_path, V, W1, H, fixed_H=np.array([True]))(W1, H)
    assert kl(V, W1, H) < kl(V, W, H) and W1[0, 0] != newton[0, 0]


def spectrogram_like(seed, shape=(40, 30), rank=4):
    """Entries spanning many decades, F-ordered (as librosa's), a few zeros."""
    rng = np.random.default_rng(seed)
    V = np.asfortranarray(rng.random(shape) ** 6 * rng.random(shape[0])[:, None] ** 4)
    V[3, :5] = 0.0
    return V, rng.random((shape[0], rank)) + 0.01, rng.random((rank, shape[1])) + 0.01


@pytest.mark.parametrize("fixed,inner_iter,shrink", [(None, 1, 0.1), ("W", 2, 0.0),
                                                     ("H", 3, 0.5), ("both", 1, 0.1)])
def test_compiled_sweep_equals_vectorised_path(monkeypatch, fixed, inner_iter, shrink):
    """Same iterates (float64, up to rounding) after a few iterations, fixed parts included."""
    pytest.importorskip("numba")
    V, W0, H0 = spectrogram_like(seed=5)
    mask = np.array([True, False, False, True])
    params = dict(inner_iter=inner_iter, shrink=shrink,
                  fixed_W=mask if fixed in ("W", "both") else None,
                  fixed_H=~mask if fixed in ("H", "both") else None)
    runs = {}
    for path in ("compiled", "vectorised"):
        if path == "vectorised":
            monkeypatch.setattr(kl_ccd_module, "compiled_available", lambda: False)
        W, H = W0.copy(), np.asfortranarray(H0)       # H not C-ordered: written back in place
        step = make_ccd(path, V, W, H, **params)
        for _ in range(4):
            assert step(W, H)[1] is H
        runs[path] = W, H
    (Wc, Hc), (Wv, Hv) = runs["compiled"], runs["vectorised"]
    np.testing.assert_allclose(Wc, Wv, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(Hc, Hv, rtol=1e-10, atol=1e-14)
    assert np.abs(Wc - W0).max() > 1e-3 and np.abs(Hc - H0).max() > 1e-3    # it did move
    if params["fixed_W"] is not None:
        np.testing.assert_array_equal(Wc[:, mask], W0[:, mask])
    if params["fixed_H"] is not None:
        np.testing.assert_array_equal(Hc[~mask], H0[~mask])


def test_compiled_sweep_float32_descends_with_model_floored(ccd_path):
    """float32: loss (float64 evaluation) never increases; close to the float64 iterates."""
    V, W0, H0 = spectrogram_like(seed=6)
    W, H = W0.astype(np.float32), H0.astype(np.float32)
    V32 = V.astype(np.float32)
    step = make_ccd(ccd_path, V32, W, H)
    W64, H64 = W0.copy(), H0.copy()
    step64 = make_kl_ccd(V, W64, H64, beta=1.0)
    losses = [kl(V, W0, H0)]
    for _ in range(5):
        step(W, H)
        step64(W64, H64)
        losses.append(kl(V, W.astype(float), H.astype(float)))
    assert np.all(np.diff(losses) <= 1e-5 * abs(losses[0])) and losses[-1] < losses[0]
    np.testing.assert_allclose(W, W64, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", ["kl_ccd", "kl_sn"])
def test_stationary_after_convergence(name):
    """KKT conditions of min D(V|WH+EPS) s.t. W, H >= 0: min(X, grad) = 0 elementwise."""
    rng = np.random.default_rng(4)
    V = rng.random((20, 4)) @ rng.random((4, 25)) + 0.1 * rng.random((20, 25))
    res = nmfab.factorize(V, 4, algorithm=name, beta=1, init="random", seed=0,
                          max_iter=1500, tol=1e-13, eval_every=50)
    W, H = res.W, res.H
    R = V / (W @ H + EPS)
    grad_W = H.sum(axis=1)[None, :] - R @ H.T
    grad_H = W.sum(axis=0)[:, None] - W.T @ R
    assert grad_W.min() > -1e-5 and grad_H.min() > -1e-5
    assert np.abs(np.minimum(W, grad_W)).max() < 1e-5
    assert np.abs(np.minimum(H, grad_H)).max() < 1e-5


def test_sn_damping_uses_the_real_constant():
    """min V > 1 makes the integer-cast constant 0 (no damping); the real one damps."""
    V, W0, H0 = problem(seed=3)
    V = V + 1.5
    W, H = W0 * 40.0, H0.copy()                    # far too large: decreasing steps
    make_kl_sn(V, W, H, beta=1.0, inner_iter=1, fixed_H=np.ones(3, bool))(W, H)
    W_ref, _ = sn_reference(V, W0 * 40.0, H0, 1, 0.2)
    W_int, _ = sn_reference(V, W0 * 40.0, H0, 1, 0.2, cast=int)
    np.testing.assert_allclose(W, W_ref, rtol=1e-9)
    assert np.abs(W - W_int).max() > 1e-3 * np.abs(W_int).max()


def test_compiled_sweep_follows_the_blas_thread_limit(monkeypatch):
    """threadpoolctl limits (the runner's workers) cap the sweep's numba threads; numba's
    own setting is restored after each step."""
    numba = pytest.importorskip("numba")
    from threadpoolctl import threadpool_limits
    from nmfab.algorithms._kl_ccd_kernel import numba_threads, sweep_threads

    assert 1 <= sweep_threads() <= numba.get_num_threads()
    used = []

    def recording(threads):
        used.append(threads)
        return numba_threads(threads)

    monkeypatch.setattr(kl_ccd_module, "numba_threads", recording)
    V, W, H = spectrogram_like(seed=7)
    before = numba.get_num_threads()
    with threadpool_limits(limits=1):
        assert sweep_threads() == 1
        step = make_ccd("compiled", V, W, H)
    step(W, H)
    assert used == [1] and numba.get_num_threads() == before
