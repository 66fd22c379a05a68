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
(installed with librosa), they run as compiled passes (:func:`_project`,
:func:`_objective`, :func:`_extrapolate`): the same operations in the same
order, except that the objective is summed in float64 in any order
(vectorised); iterates equal the numpy path's up to the rare tie that summation
order could break differently in the best-iterate test.
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


def _objective(new, G_new, B):
    """Flat arrays: ``sum(new * (0.5 G_new - B))`` in float64."""
    obj = 0.0
    for i in range(new.size):
        obj += new[i] * (0.5 * G_new[i] - B[i])
    return obj


def _extrapolate(new, G_new, prev, G_prev, momentum, Y, G_Y):
    """Flat arrays: ``Y, G_Y <-`` the extrapolations of ``new`` and ``G_new``."""
    for i in range(new.size):
        Y[i] = new[i] + momentum * (new[i] - prev[i])
        G_Y[i] = G_new[i] + momentum * (G_new[i] - G_prev[i])


if numba is not None:
    _project = numba.njit(_project, cache=True, nogil=True, error_model="numpy")
    # the sum in any order (vectorised: 4x faster on float32); the elementwise passes strict
    _objective = numba.njit(_objective, cache=True, nogil=True, error_model="numpy",
                            fastmath={"reassoc"})
    _extrapolate = numba.njit(_extrapolate, cache=True, nogil=True, error_model="numpy")


def flat(a):
    """The C-ordered array ``a`` as a 1-d view."""
    return a.reshape(-1)


def _array_api_passes():
    """OGM's elementwise passes as array-API expressions (numpy or torch)."""
    def project(Y, G_Y, B, L):
        return clip_nonneg(Y - (G_Y - B) / L)

    def combine(new, G_new, B, prev, G_prev, momentum):
        xp = namespace(new)
        return (xp.sum(new * (0.5 * G_new - B)), new + momentum * (new - prev),
                G_new + momentum * (G_new - G_prev))        # G @ Y by linearity

    def keep(better, new, best, obj, best_obj):        # no host sync on a GPU
        xp = namespace(new)
        return xp.where(better, new, best), xp.where(better, obj, best_obj)

    return project, combine, keep


def _compiled_passes(X):
    """The same passes for C-ordered numpy arrays shaped like X, as compiled loops."""
    Y_buf, G_Y_buf = np.empty_like(X), np.empty_like(X)

    def project(Y, G_Y, B, L):
        new = np.empty_like(Y)
        _project(flat(Y), flat(G_Y), flat(B), float(L), flat(new))
        return new

    def combine(new, G_new, B, prev, G_prev, momentum):
        obj = _objective(flat(new), flat(G_new), flat(B))
        _extrapolate(flat(new), flat(G_new), flat(prev), flat(G_prev), momentum, flat(Y_buf),
                     flat(G_Y_buf))
        return obj, Y_buf, G_Y_buf

    def keep(better, new, best, obj, best_obj):
        return (new, obj) if better else (best, best_obj)

    return project, combine, keep


def ogm(X, G, B, inner_iter, fixed=None, passes=None):
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
    passes : tuple, optional
        The elementwise passes (:func:`_array_api_passes`, the default, or
        :func:`_compiled_passes` for C-ordered numpy arrays).

    Returns
    -------
    array (K, N): the best iterate met (never worse than X).
    """
    project, combine, keep = passes or _array_api_passes()
    L = namespace(X).linalg.matrix_norm(G, ord=2)
    start = X
    G_prev = G @ X
    best_obj = combine(X, G_prev, B, X, G_prev, 0.0)[0]
    best, Y, G_Y, prev, alpha = X, X, G_prev, X, 1.0
    for _ in range(inner_iter):
        new = project(Y, G_Y, B, L)
        if fixed is not None:
            new[fixed, :] = start[fixed, :]
        G_new = G @ new                        # the only K x K x N product of the step
        alpha_next = (1.0 + (4.0 * alpha * alpha + 1.0) ** 0.5) / 2.0
        momentum = (alpha - 1.0) / alpha_next
        obj, Y, G_Y = combine(new, G_new, B, prev, G_prev, momentum)
        best, best_obj = keep(obj < best_obj, new, best, obj, best_obj)
        prev, G_prev, alpha = new, G_new, alpha_next
    if fixed is not None:
        best[fixed, :] = start[fixed, :]
    return best


def make_nenmf(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, inner_iter=10):
    """Build the one-iteration NeNMF step (W subproblem, then H subproblem)."""
    mask_W, mask_H = bool_mask(fixed_W, V), bool_mask(fixed_H, V)

    compiled = numba is not None and is_numpy(V)

    def solve(X, G, B, inner_iter, fixed):
        if not compiled:
            return ogm(X, G, B, inner_iter, fixed)
        X = np.ascontiguousarray(X)
        return ogm(X, G, np.ascontiguousarray(B), inner_iter, fixed, _compiled_passes(X))

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
