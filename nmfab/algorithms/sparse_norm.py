"""Sparse NMF with unit l2-norm W columns, by block MM (Marmin, Goulart & Fevotte 2023).

The problem of sparse NMF with a normalised dictionary,
``min D_beta(V|WH) + lam ||H||_1`` subject to ``||w_k||_2 = 1``, is solved through
its scale-invariant reformulation (Marmin et al., IEEE TSP 2023, which answers
Le Roux, Weninger & Hershey 2015, "Sparse NMF - half-baked or well done?")::

    J(W, H) = D_beta(V | WH) + lam_eff * sum_k ||w_k||_2 ||h_k||_1

J is unchanged by ``(w_k, h_k) -> (s w_k, h_k / s)``, and equals the constrained
objective where the columns of W have unit l2 norm, which this algorithm
restores after every W update (H compensated, J unchanged). Each half-update
minimises a majoriser of J, so J never increases (the common checks verify it):

* H (W fixed): the penalty is linear in H, weight ``lam_eff ||w_k||_2`` on row k;
  added to the MU denominator it gives the minimiser of the auxiliary function
  for beta < 1, and a point between the current one and that minimiser otherwise
  (see :mod:`nmfab.algorithms.mu`).
* W (H fixed): ``||w_k||_2 <= ||w_k||_2^2 / (2 ||w~_k||_2) + ||w~_k||_2 / 2`` (tight at
  the current ``w~_k``) adds ``c = lam_eff ||h_k||_1 w~_fk / ||w~_k||_2`` times ``r^2 / 2``
  to the MM auxiliary function of entry ``w_fk = r w~_fk``. With ``B`` / ``A`` the MU
  numerator / denominator, its minimiser is the positive root of
  ``A r^p + c r^q = B`` (p = 1/mm_exponent(beta); q = 3 - beta for beta <= 2, 1 above):
  ``r = B / (A + c)`` for beta = 2, ``r = 2B / (A + sqrt(A^2 + 4cB))`` for beta = 1,
  and otherwise Newton's method on ``log(A r^p + c r^q) = log B`` in ``log r``
  (convex and increasing, started from the MU point, which lies right of the root:
  it decreases monotonically to the root; iterated to 1e-13, 4e-6 in float32).

``lam_eff = lam * mean(V) ** (beta - 1)``: the divergence scales as ``V ** beta`` and the
penalty as ``V``, so the same ``lam`` gives the same sparsity at any scale of V.
With ``lam = 0`` this is ``mu`` up to the scaling of the components: W H, and the
loss, equal ``mu``'s at every iteration (to rounding); W and H themselves differ by
that scaling. The default ``lam = 0.01`` is mild (exactly low-rank data are still
fitted to about 0.5%); sparser activations need a larger ``lam`` (0.1 to 3), and more
iterations, as MU slows down when ``lam`` grows. (``mu``'s ``l1_H`` solves the same
problem for unit l1-norm W columns, a penalty linear in W.)

The objective scales with the data (``lam_eff`` is relative to ``mean(V)``), so it is
declared ``rescale_data=True``: ``factorize`` runs it on V in units of its mean, like ``mu``,
and the absolute eps rule does not swallow quiet data.

Examples
--------
>>> import numpy as np, nmfab
>>> V = np.random.default_rng(0).random((20, 30))
>>> res = nmfab.factorize(V, 3, algorithm="sparse_norm", beta=1, lam=0.5, init="random",
...                       seed=0, max_iter=100)
>>> bool(np.allclose(np.linalg.norm(res.W, axis=0), 1.0)), bool(np.all(np.diff(res.loss) <= 0))
(True, True)
"""
from ..backend import EPS, bool_mask, device, floor_, like, namespace, scalar
from ..divergences import beta_divergence
from . import AlgorithmSpec, Interval, Param, register
from .mu import _apply, _rescalable, augment, mm_exponent, terms_H, terms_W

NEWTON_TOL, NEWTON_MAX = 1e-13, 60


def penalty_weight(V, beta, lam):
    """``lam * mean(V) ** (beta - 1)`` (0.0 when lam is 0): the penalty's weight in J."""
    if not lam:
        return 0.0
    mean = scalar(namespace(V).mean(V))
    return lam * mean ** (beta - 1.0) if mean > 0 else lam


def sparse_norm_objective(V, W, H, *, beta, l1_H=0.0, lam=0.01):
    """``D_beta(V|WH) + lam_eff * sum_k ||w_k||_2 ||h_k||_1`` (= ``D + lam_eff ||H||_1`` for unit W)."""
    loss = beta_divergence(V, W, H, beta)
    weight = penalty_weight(V, beta, lam)
    if not weight:
        return loss
    xp = namespace(H)
    norms = xp.sum(W * W, axis=0) ** 0.5
    return loss + weight * scalar(xp.sum(norms * xp.sum(H, axis=1)))


def penalised_ratio(A, B, c, beta):
    """The positive root r of ``A r^p + c r^q = B`` (elementwise; A > 0, B, c >= 0).

    ``p = 1 / mm_exponent(beta)``; ``q = 3 - beta`` for beta <= 2, else 1. This is the
    minimiser of the W majoriser (module docstring) in units of the current entry.

    Examples
    --------
    >>> import numpy as np
    >>> r = penalised_ratio(np.array([2.0]), np.array([3.0]), np.array([1.0]), 0.0)
    >>> bool(abs(2 * r[0] ** 2 + r[0] ** 3 - 3) < 1e-12)
    True
    """
    xp = namespace(A)
    gamma = mm_exponent(beta)
    if beta == 2:
        return B / (A + c)
    if beta == 1:
        return 2.0 * B / (A + (A * A + 4.0 * c * B) ** 0.5)
    p, q = 1.0 / gamma, (3.0 - beta if beta <= 2 else 1.0)
    info = xp.finfo(A.dtype)
    tiny = xp.asarray(info.tiny, dtype=A.dtype, device=device(A))
    tol = max(NEWTON_TOL, 32 * float(info.eps))      # 1e-13 (float64), 4e-6 (float32)
    log_B = xp.log(xp.maximum(B, tiny))
    log_A, log_c = xp.log(A), xp.log(xp.maximum(c, tiny))
    u = gamma * (log_B - log_A)                      # the MU point: right of the root
    for _ in range(NEWTON_MAX):
        a, b = log_A + p * u, log_c + q * u          # logs of A r^p and c r^q
        top = xp.maximum(a, b)
        ea, eb = xp.exp(a - top), xp.exp(b - top)
        phi = top + xp.log(ea + eb) - log_B
        step = phi * (ea + eb) / (p * ea + q * eb)
        u = u - step
        if scalar(xp.max(xp.abs(step))) < tol:
            break
    r = xp.exp(u)
    r = xp.where(A + c >= B, xp.minimum(r, xp.ones_like(r)), r)   # root <= 1: stay in [root, 1]
    return xp.where(B > 0, r, xp.zeros_like(r))


def normalize_l2(W, H, rescale):
    """Scale the columns of W flagged in ``rescale`` to unit l2 norm, compensating in H.

    Unflagged columns get the factor 1.0 exactly (bit-identical). Returns the l2 norms
    of the columns of W after the rescaling.
    """
    xp = namespace(W)
    norms = xp.sum(W * W, axis=0) ** 0.5
    factor = xp.where(rescale & (norms > 0), norms, xp.ones_like(norms))
    W /= factor[None, :]
    H *= factor[:, None]
    return norms / factor


def make_sparse_norm(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, lam=0.01):
    """Build the one-iteration step: W (MM, then unit l2 columns), then H (MM).

    Parameters
    ----------
    V : array (F, T)
    W, H : arrays (F, K), (K, T): the initial factors (adopted at the first call)
    beta : float
    fixed_W, fixed_H : boolean numpy arrays of length K, optional
        Fixed columns / rows stay bit-identical; a column is rescaled to unit norm only
        when it is free in both factors (otherwise its norm enters the penalty as it is).
    l1_H : float
        Unused (the penalty is ``lam``'s).
    lam : float
        Sparsity weight (module docstring).

    Returns
    -------
    callable ``step(W, H) -> (W, H)``
    """
    xp = namespace(V)
    gamma = mm_exponent(beta)
    weight = penalty_weight(V, beta, lam)
    mask_W, mask_H = bool_mask(fixed_W, V), bool_mask(fixed_H, V)
    rescale = like(_rescalable(fixed_W, fixed_H, W.shape[1]), V) > 0
    K = W.shape[1]
    bufs = tuple(xp.empty_like(V) for _ in range(0 if beta == 2 else 2))
    aug = None if beta == 2 else augment(W, H)
    views = None if aug is None else (aug[0][:, :K], aug[1][:K, :])

    def step(W, H):
        if views is not None:
            if W is not views[0] or H is not views[1]:   # first call: adopt the given factors
                views[0][...], views[1][...] = W, H
            W, H = views
        num, den = terms_W(V, W, H, beta, bufs, aug)
        floor_(den)
        norms = xp.sum(W * W, axis=0) ** 0.5
        c = weight * (xp.sum(H, axis=1) / xp.maximum(norms, xp.full_like(norms, EPS)))[None, :] * W
        ratio = penalised_ratio(den + xp.zeros_like(num), num, c, beta)
        if mask_W is not None:
            ratio[:, mask_W] = 1.0
        W *= ratio
        norms = normalize_l2(W, H, rescale)
        num, den = terms_H(V, W, H, beta, bufs, aug)
        _apply(H, num, den + weight * norms[:, None], gamma, mask_H, axis=0)
        return W, H

    return step


register(AlgorithmSpec(
    name="sparse_norm", make=make_sparse_norm, betas=None, supports_fixed=True,
    params=dict(lam=Param(0.01, Interval(float, 0, None),
                          "L1 weight on H, for unit l2-norm W columns, relative to mean(V)**(beta-1)")),
    objective=sparse_norm_objective, rescale_data=True,
    description="sparse NMF (L1 on H) with unit l2-norm W columns, block MM "
                "(Marmin, Goulart & Fevotte 2023), any real beta"))
