"""The beta-divergence between V and WH, with fast paths for beta = 2, 1, 0.

``D_beta(V | Y) = sum(V**beta + (beta-1) Y**beta - beta V Y**(beta-1)) / (beta (beta-1))``
with the limits ``sum(V log(V/Y) - V + Y)`` (beta = 1, generalised Kullback-Leibler)
and ``sum(V/Y - log(V/Y) - 1)`` (beta = 0, Itakura-Saito); beta = 2 gives half
the squared Frobenius norm, as in scikit-learn. ``Y = WH + EPS`` (the eps
policy of :mod:`nmfab.backend`) for beta < 2.
"""
import numpy as np

from .backend import (EPS, divide_into, floor_, inner, is_numpy, log_, namespace, power_into,
                      scalar)


def safe_data(V, beta):
    """``V`` made safe for ``beta``: for beta <= 0, floored at EPS (in place); else unchanged.

    For beta <= 0 the divergence of a zero entry of V is infinite, so the data
    are floored once, before any iteration (the eps policy).
    """
    return floor_(V) if beta <= 0 else V


def beta_divergence(V, W, H, beta, WH=None):
    """Beta-divergence ``D_beta(V | WH)`` as a Python float.

    At most two F x T temporaries are allocated (one for beta in {0, 1, 2}).

    Parameters
    ----------
    V : array, shape (F, T)
        Nonnegative data (strictly positive for beta <= 0, see :func:`safe_data`).
    W : array, shape (F, K)
    H : array, shape (K, T)
    beta : float
    WH : array, optional
        ``W @ H`` when already computed; it is overwritten.

    Returns
    -------
    float
    """
    xp = namespace(V)
    Y = W @ H if WH is None else WH
    if beta == 2:
        Y -= V
        return 0.5 * scalar(inner(Y, Y))
    Y += EPS
    # sum(Y) - sum(V) and sum(r) - sum(log r) - F T cancel near a fit: float32 numpy data are
    # summed in float64 (in float32 the loss of a close fit was off by ~1e-3, relative)
    acc = dict(dtype=np.float64) if is_numpy(Y) and Y.dtype == np.float32 else {}
    if beta == 1:
        total = xp.sum(Y, **acc) - xp.sum(V, **acc)
        log_(floor_(divide_into(V, Y)))      # log(max(V/Y, EPS)): finite, times V = 0
        if acc:
            Y *= V
            return scalar(total + xp.sum(Y, **acc))
        return scalar(total + inner(V, Y))
    if beta == 0:
        divide_into(V, Y)
        total = xp.sum(Y, **acc)
        return scalar(total - xp.sum(log_(Y), **acc)) - V.shape[0] * V.shape[1]
    T = power_into(Y, beta - 1.0, xp.empty_like(Y))       # Y**(beta-1)
    cross = inner(V, T)
    T *= Y
    model = xp.sum(T)                                        # sum Y**beta
    data = xp.sum(power_into(V, beta, Y))                    # sum V**beta
    return scalar(data + (beta - 1) * model - beta * cross) / (beta * (beta - 1))


def l1_penalty(W, H, l1_H):
    """``l1_H * sum_k ||w_k||_1 ||h_k||_1`` as a float (0 when ``l1_H`` is 0).

    This scale-invariant form equals ``l1_H * sum(H)`` when the columns of W
    have unit L1 norm, which ``mu`` maintains for the columns it may rescale.
    """
    if not l1_H:
        return 0.0
    xp = namespace(H)
    return l1_H * scalar(xp.sum(xp.sum(W, axis=0) * xp.sum(H, axis=1)))


__all__ = ["EPS", "beta_divergence", "l1_penalty", "safe_data"]
