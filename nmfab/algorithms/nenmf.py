"""NeNMF (Guan, Tao, Luo & Yuan 2012): ANLS with Nesterov optimal-gradient subproblems.

Each outer iteration solves ``min_{W>=0} ||V - WH||`` then ``min_{H>=0} ||V - WH||``
approximately by ``inner_iter`` steps of Nesterov's optimal gradient method
(OGM) with step ``1/L``, ``L`` the spectral norm of the K x K Gram matrix. OGM is
not monotone by itself, so each subproblem returns the best iterate met (its
objective comes from the Gram matrices; ``G @ Y`` at the extrapolated point is
obtained by linearity, so one K x K x T product per inner step); the first
OGM step from the current factor is a projected gradient step, a descent step,
so the loss never increases. Fixed rows keep a zero step and are restored
bit-identically.

Speed: an inner step is one small product and some fifteen K x N elementwise
operations, which dominate at spectrogram sizes. For numpy data, with numba
(installed with librosa), they run as two compiled passes (:func:`_project`,
:func:`_objective_and_extrapolate`): the same operations in the same order,
except that the objective is summed sequentially (float64 iterates equal to
the numpy path's up to the rare tie it could break differently).
"""
import numpy as np

from ..backend import bool_mask, clip_nonneg, is_numpy, namespace
from . import AlgorithmSpec, Interval, Param, register

try:
    import numba
except ImportError:            # librosa's numba missing (a stripped install): numpy passes
    numba = None


def _project(Y, G_Y, B, L, new):
    """Flat arrays: ``new <- max(Y - (G_Y - B) / L, 0)``."""
    for i in range(new.size):
        new[i] = max(Y[i] - (G_Y[i] - B[i]) / L, 0.0)


def _objective_and_extrapolate(new, G_new, B, prev, G_prev, momentum, Y, G_Y):
    """Flat arrays: returns ``sum(new * (0.5 G_new - B))``; ``Y, G_Y <-`` the extrapolations."""
    obj = 0.0
    for i in range(new.size):
        obj += new[i] * (0.5 * G_new[i] - B[i])
        Y[i] = new[i] + momentum * (new[i] - prev[i])
        G_Y[i] = G_new[i] + momentum * (G_new[i] - G_prev[i])
    return obj


if numba is not None:
    _project = numba.njit(_project, cache=True, nogil=True, error_model="numpy")
    _objective_and_extrapolate = numba.njit(_objective_and_extrapolate, cache=True,
                                            nogil=True, error_model="numpy")


def flat(a):
    """The C-ordered array ``a`` as a 1-d view."""
    return a.reshape(-1)


def _ogm_compiled(X, G, B, inner_iter, fixed=None):
    """:func:`ogm` for C-ordered numpy arrays, through the compiled passes."""
    L = float(np.linalg.norm(G, 2))
    start, G_prev = X, G @ X
    B = np.ascontiguousarray(B)
    Y_buf, G_Y_buf = np.empty_like(X), np.empty_like(X)
    best = X
    best_obj = _objective_and_extrapolate(flat(X), flat(G_prev), flat(B), flat(X), flat(G_prev),
                                          0.0, flat(Y_buf), flat(G_Y_buf))
    Y, G_Y, prev, alpha = X, G_prev, X, 1.0
    for _ in range(inner_iter):
        new = np.empty_like(X)
        _project(flat(Y), flat(G_Y), flat(B), L, flat(new))
        if fixed is not None:
            new[fixed, :] = start[fixed, :]
        G_new = G @ new
        alpha_next = (1.0 + (4.0 * alpha * alpha + 1.0) ** 0.5) / 2.0
        momentum = (alpha - 1.0) / alpha_next
        obj = _objective_and_extrapolate(flat(new), flat(G_new), flat(B), flat(prev),
                                         flat(G_prev), momentum, flat(Y_buf), flat(G_Y_buf))
        if obj < best_obj:
            best, best_obj = new, obj
        Y, G_Y = Y_buf, G_Y_buf
        prev, G_prev, alpha = new, G_new, alpha_next
    if fixed is not None:
        best[fixed, :] = start[fixed, :]
    return best


def ogm(X, G, B, inner_iter, fixed=None):
    """Approximately solve ``min_{X>=0} 0.5 <X, G X> - <X, B>`` (X: K x N) by OGM.

    Parameters
    ----------
    X : array (K, N)
        Starting point (not modified).
    G : array (K, K)
        Gram matrix (symmetric PSD).
    B : array (K, N)
    inner_iter : int
    fixed : boolean array (K,) or None
        Rows kept at their starting value.

    Returns
    -------
    array (K, N): the best iterate met (never worse than X).
    """
    xp = namespace(X)
    L = xp.linalg.matrix_norm(G, ord=2)
    start = X
    G_prev = G @ X
    best, best_obj = X, xp.sum(X * (0.5 * G_prev - B))
    Y, G_Y, prev, alpha = X, G_prev, X, 1.0
    for _ in range(inner_iter):
        new = clip_nonneg(Y - (G_Y - B) / L)
        if fixed is not None:
            new[fixed, :] = start[fixed, :]
        G_new = G @ new                        # the only K x K x N product of the step
        obj = xp.sum(new * (0.5 * G_new - B))
        better = obj < best_obj
        best = xp.where(better, new, best)
        best_obj = xp.where(better, obj, best_obj)
        alpha_next = (1.0 + (4.0 * alpha * alpha + 1.0) ** 0.5) / 2.0
        momentum = (alpha - 1.0) / alpha_next
        Y = new + momentum * (new - prev)
        G_Y = G_new + momentum * (G_new - G_prev)     # G @ Y by linearity
        prev, G_prev, alpha = new, G_new, alpha_next
    if fixed is not None:
        best[fixed, :] = start[fixed, :]
    return best


def make_nenmf(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, inner_iter=10):
    """Build the one-iteration NeNMF step (W subproblem, then H subproblem)."""
    mask_W, mask_H = bool_mask(fixed_W, V), bool_mask(fixed_H, V)

    solve = ogm
    if numba is not None and is_numpy(V):
        solve = (lambda X, *args: _ogm_compiled(np.ascontiguousarray(X), *args))

    def step(W, H):
        Wt = solve(W.T, H @ H.T, H @ V.T, inner_iter, mask_W)
        W = Wt.T
        H = solve(H, W.T @ W, W.T @ V, inner_iter, mask_H)
        return W, H

    return step


register(AlgorithmSpec(
    name="nenmf", make=make_nenmf, betas=(2.0,), supports_fixed=True, penalties=(),
    params=dict(inner_iter=Param(10, Interval(int, 1, None),
                                 "OGM steps per subproblem")),
    description="ANLS with Nesterov optimal-gradient subproblems (Guan et al. 2012)"))
