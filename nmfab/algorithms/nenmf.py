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
"""
from ..backend import bool_mask, clip_nonneg, namespace
from . import AlgorithmSpec, Interval, Param, register


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

    def step(W, H):
        Wt = ogm(W.T, H @ H.T, H @ V.T, inner_iter, mask_W)
        W = Wt.T
        H = ogm(H, W.T @ W, W.T @ V, inner_iter, mask_H)
        return W, H

    return step


register(AlgorithmSpec(
    name="nenmf", make=make_nenmf, betas=(2.0,), supports_fixed=True, penalties=(),
    params=dict(inner_iter=Param(10, Interval(int, 1, None),
                                 "OGM steps per subproblem")),
    description="ANLS with Nesterov optimal-gradient subproblems (Guan et al. 2012)"))
