"""Temporally smooth NMF: IS (or KL) NMF with a smoothness penalty on the rows of H (Fevotte 2011).

Fevotte, "Majorization-minimization algorithm for smooth Itakura-Saito
nonnegative matrix factorization", ICASSP 2011. The objective is::

    C(W, H) = D_beta(V | WH) + lam_eff * sum_k sum_{n>=2} D_IS(h_{k,n-1} | h_{kn})

with ``D_IS(x|y) = x/y - log(x/y) - 1``: up to terms in ``log h``, the negative log of an
inverse-gamma Markov chain on each row of H (``h_kn`` has its mode at ``h_{k,n-1}``).
The IS divergence is scale-free, so C is invariant to ``(w_k, h_k) -> (s w_k, h_k / s)``
and W needs no normalisation. ``lam_eff = lam * mean(V) ** beta``: ``lam`` for IS (the
paper's lambda), ``lam * mean(V)`` for KL, whose divergence scales with V, so the same
``lam`` smooths alike at any scale of V.

W is updated by the MU of :mod:`nmfab.algorithms.mu` (``update_W``, MM exponent; the
penalty does not involve W). H, W fixed: the data term is replaced by its MM auxiliary
function (Fevotte & Idier 2011; separable over the entries of H, tight at the current
H) and the penalty is kept exact. The penalty couples ``h_kn`` to its neighbours only,
so given the even frames the objective is separable over the odd frames and vice
versa: the odd frames are updated all at once (vectorised over k and n), then the even
frames given the new odd ones. Each half exactly minimises a majoriser over a block, so
C never increases. (The paper sweeps the frames in time order, ``h_{k,n-1}`` already
updated, ``h_{k,n+1}`` not: a loop over T; the odd/even order is the same kind of block
MM, and vectorises.) Per entry, with ``A``, ``B`` the MU denominator and numerator,
``h~`` the current value and ``p = h_{k,n-1}``, ``q = h_{k,n+1}`` (absent at the edges),
the minimiser is the positive root of ``a h^2 - d h - c = 0``:

* beta = 0 (IS): ``a = A + lam/q``, ``d = lam [n first] - lam [n last]``, ``c = B h~^2 + lam p``
  (the paper's per-entry equations; interior frames: ``h = sqrt(c / a)``);
* beta = 1 (KL): ``a = A + lam/q``, ``d = B h~ + lam [n first] - lam [n last]``, ``c = lam p``.

The derivative of the per-entry majoriser has the sign of ``a h^2 - d h - c``: negative,
then positive on ``h > 0``, so the root is its global minimiser. With ``lam = 0`` the
update is ``mu``'s (same iterates, to rounding). The penalty is infinite at zeros of H:
with ``lam > 0`` H must be positive (``init="nndsvda"`` or ``"random"``, not ``"nndsvd"``).

The objective scales with the data (``lam_eff`` is relative to ``mean(V)``), so it is
declared ``rescale_data=True``: ``factorize`` runs it on V in units of its mean, like ``mu``,
and the absolute eps rule does not swallow quiet data.

The default ``lam = 0.003`` smooths mildly, so that activations that are not smooth
(exactly low-rank random data) are still fitted to 1%; the data term grows with the
number of rows F of V while the penalty does not, so spectrograms with hundreds of
frequency bins need a larger ``lam`` (e.g. 0.1 to 10) for a visible effect.

Examples
--------
>>> import numpy as np, nmfab
>>> V = np.random.default_rng(0).random((20, 30)) + 0.1
>>> rough = [nmfab.factorize(V, 3, algorithm="smooth", beta=0, lam=lam, init="random",
...                          seed=0, max_iter=100).H for lam in (0.0, 10.0)]
>>> [bool(np.abs(np.diff(np.log(H))).mean() < 0.2) for H in rough]
[False, True]
"""
import numpy as np

from ..backend import EPS, bool_mask, floor_, like, namespace, scalar
from ..divergences import beta_divergence
from ..errors import NmfabError
from . import AlgorithmSpec, Interval, Param, register
from .mu import augment, mm_exponent, terms_H, update_W


def penalty_weight(V, beta, lam):
    """``lam * mean(V) ** beta``: the weight of the smoothness penalty in the objective."""
    if not lam or beta == 0:
        return float(lam)
    mean = scalar(namespace(V).mean(V))
    return lam * mean ** beta if mean > 0 else float(lam)


def roughness(H):
    """``sum_k sum_{n>=2} D_IS(h_{k,n-1} | h_kn)`` (0 for one frame; inf at zeros of H).

    Examples
    --------
    >>> import numpy as np
    >>> roughness(np.array([[1.0, 1.0, 1.0]])), round(roughness(np.array([[1.0, 2.0]])), 6)
    (0.0, 0.193147)
    """
    xp = namespace(H)
    ratio = H[:, :-1] / H[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(scalar(xp.sum(ratio - xp.log(ratio) - 1.0))) if ratio.shape[1] else 0.0


def smooth_objective(V, W, H, *, beta, l1_H=0.0, lam=0.003):
    """``D_beta(V|WH) + lam_eff * roughness(H)`` (see the module docstring)."""
    weight = penalty_weight(V, beta, lam)
    loss = beta_divergence(V, W, H, beta)
    return loss + weight * roughness(H) if weight else loss


def positive_root(a, d, c):
    """The root ``x >= 0`` of ``a x^2 - d x - c = 0`` (a > 0, c >= 0), without cancellation."""
    xp = namespace(a)
    s = (d * d + 4.0 * a * c) ** 0.5
    big = xp.abs(d) + s
    return xp.where(d >= 0, big / (2.0 * a), 2.0 * c / xp.maximum(big, xp.full_like(big, EPS)))


def update_H_smooth(H, A, B, weight, beta, fixed=None):
    """Odd frames, then even frames, of the free rows of H (in place): exact block MM.

    ``A`` (K x T, or K x 1 for beta = 1) and ``B`` (K x T) are the MU denominator and
    numerator at the current H; ``fixed`` a boolean mask of rows kept as they are.
    """
    xp = namespace(H)
    K, T = H.shape
    edge = np.zeros(T)
    edge[0] += 1.0
    edge[-1] -= 1.0
    edge = like(edge, H)[None, :] * weight
    zero = xp.zeros_like(H[:, :1])
    for first in (1, 0) if T > 1 else (0,):      # odd frames (1, 3, ...), then even
        cols = slice(first, None, 2)
        h = H[:, cols]
        n = h.shape[1]
        a = (A if A.shape[1] == 1 else A[:, cols]) + xp.zeros_like(h)
        if beta == 0:
            d, c = xp.zeros_like(h), B[:, cols] * h * h
        else:
            d, c = B[:, cols] * h, xp.zeros_like(h)
        if weight:                                  # (lam = 0: no 0 * inf where h underflows)
            a = a + weight * xp.concat([1.0 / H[:, 1:], zero], axis=1)[:, cols]  # 1/h_{k,n+1}
            c = c + weight * xp.concat([zero, H], axis=1)[:, first:first + 2 * n:2]  # h_{k,n-1}
            d = d + edge[:, cols]
        new = positive_root(a, d, c)
        if fixed is not None:
            new = xp.where(fixed[:, None], h, new)
        H[:, cols] = new
    return H


def make_smooth(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, lam=0.003):
    """Build the one-iteration step: W by MU, then H by the smooth block MM.

    Parameters
    ----------
    V : array (F, T)
    W, H : arrays (F, K), (K, T): the initial factors (adopted at the first call); with
        ``lam > 0``, H must be positive (NmfabError otherwise)
    beta : {0.0, 1.0}
    fixed_W, fixed_H : boolean numpy arrays of length K, optional
        Fixed columns / rows stay bit-identical.
    l1_H : float
        Unused (no L1 penalty).
    lam : float
        Smoothness weight (module docstring).

    Returns
    -------
    callable ``step(W, H) -> (W, H)``
    """
    xp = namespace(V)
    weight = penalty_weight(V, beta, lam)
    if weight and not bool(xp.all(H > 0)):
        raise NmfabError("algorithm 'smooth' needs a positive H (its penalty is infinite at "
                         "zeros): use init='nndsvda' or 'random', or H0 > 0")
    gamma = mm_exponent(beta)
    mask_W, mask_H = bool_mask(fixed_W, V), bool_mask(fixed_H, V)
    K = W.shape[1]
    bufs = tuple(xp.empty_like(V) for _ in range(1 if beta == 1 else 2))
    aug = augment(W, H)
    views = (aug[0][:, :K], aug[1][:K, :])

    def step(W, H):
        if W is not views[0] or H is not views[1]:   # first call: adopt the given factors
            views[0][...], views[1][...] = W, H
        W, H = views
        update_W(V, W, H, beta, gamma, bufs, mask_W, 0.0, aug)
        B, A = terms_H(V, W, H, beta, bufs, aug)
        update_H_smooth(H, floor_(A), B, weight, beta, mask_H)
        return W, H

    return step


register(AlgorithmSpec(
    name="smooth", make=make_smooth, betas=(0.0, 1.0), supports_fixed=True,
    params=dict(lam=Param(0.003, Interval(float, 0, None),
                          "weight of the IS smoothness penalty on the rows of H "
                          "(times mean(V) for beta=1)")),
    objective=smooth_objective, rescale_data=True,
    description="temporally smooth IS/KL NMF, inverse-gamma Markov chain on H rows "
                "(Fevotte 2011), block MM"))
