"""Minimum-volume beta-NMF (Leplat, Gillis & Ang 2020, IEEE TSP 68), beta in {0, 1, 2}.

Objective::

    J(W, H) = D_beta(V | WH) + weight * logdet(Wn^T Wn + delta I),   Wn = W / (column sums of W)

with the columns of W on the unit simplex (they sum to 1, as in the paper) and
``weight = lam * D_beta(V | W0 H0) / |logdet(Wn0^T Wn0 + delta I)|`` fixed from
the initial point (the paper's relative weight ``lam``). The penalty is written
on the column-normalised ``Wn``, which equals W on the simplex; J is thereby
invariant to rescaling a component (column of W up, row of H down), so the
initial factors are first normalised (H compensated) without changing J.
A small log-determinant makes the columns of W nearly collinear; with an
over-estimated rank the surplus components are driven to zero (their H rows
vanish), instead of splitting sources as plain NMF does.

One iteration: an MM update of W under the simplex constraint, then the
multiplicative update of H (:func:`nmfab.algorithms.mu.update_H`).

W step (majorisation-minimisation, derived here; entries ``w`` of a column k,
``u = w / w_old``). The logdet is concave in ``X = Wn^T Wn``: it is majorised by
its tangent ``tr(Q W^T W)`` with ``Q = S^-1 (Xold + delta I)^-1 S^-1`` (S: the
column sums, fixed by the constraint); each row's quadratic ``w^T Q w`` is
majorised by the separable bound with curvature ``(W_old |Q|) / W_old``. The
divergence gets Févotte & Idier's auxiliary function (Jensen on its convex part,
tangent of its concave part, model ``WH + EPS`` as in ``mu``). Setting the
derivative of the majoriser plus ``mu_k (sum_f w_fk - 1)`` to zero gives, with
``alpha = 2 weight W_old |Q|``, ``push = 4 weight W_old Q^-`` (``Q^- = max(-Q, 0)``),
``c = (V M^(beta-2)) H^T`` and ``M = WH + EPS``:

- beta = 2: ``(W_old H H^T + alpha) u = c + push - mu_k``, u clipped at 0;
- beta = 1: ``alpha u^2 + (H 1 - push + mu_k) u - c = 0``;
- beta = 0: ``alpha s^2 + (M^-1 H^T - push + mu_k) s - c = 0`` with ``s = u^2`` (there
  ``w^2`` in the quadratic bound is itself majorised by ``w_old^2 (2 u^3 + 1) / 3``,
  which makes the equation quadratic in ``u^2`` instead of cubic in u).

The positive root is taken, and ``mu_k`` is the root of the decreasing function
``sum_f w_fk(mu_k) - 1``, found per column by Newton's method inside a bracket
(bisection when a Newton step leaves it; the bracket comes from the bounds
``s <= c / b`` and ``s >= -b / a`` of the root). It is converged to a relative
``256 * eps`` so the columns sum to 1 to rounding. Each half-step minimises a
majoriser over the feasible set, so J never increases (checked by the common
checks for each beta).

An all-zero column of W (e.g. from ``nndsvd`` on rank-deficient data) stays
zero, as under MU, and is left off the simplex (its component is unused).

Fixed parts: fixed W columns keep their bits (their update factor is 1.0) and
enter the penalty as constants; a free column whose H row is fixed keeps its
initial column sum instead of 1 (it cannot be rescaled); fixed H rows are
handled by the MU step.

Choosing ``lam``: the penalty trades fit for volume. The default 0.005 keeps
the relative error on exactly low-rank data under 1e-2 (the common checks);
removing surplus components when the rank is over-estimated takes about 0.03
(``tests/test_minvol.py``). The weight grows when the initial ``Wn0`` has a
small volume: a ``random`` init (flat columns) gives a much stronger penalty
than ``nndsvda`` for the same ``lam``. The objective scales with the data (the
weight is relative to the initial divergence), so the driver runs it on V in
units of its mean like ``mu``.

The absolute weight depends on the initial point (so on ``init`` and ``seed``):
``make`` fixes it and hands the driver this run's objective as ``step.objective``
(see :class:`~nmfab.algorithms.AlgorithmSpec`); :func:`minvol_objective` called on
its own takes the given (W, H) as the initial point.

Examples
--------
>>> import numpy as np, nmfab
>>> rng = np.random.default_rng(0)
>>> V = rng.random((20, 3)) @ rng.random((3, 30))
>>> res = nmfab.factorize(V, 5, algorithm="minvol", beta=1, lam=0.1, init="random",
...                       seed=0, max_iter=100, eval_every=1, tol=0)
>>> bool(np.allclose(res.W.sum(axis=0), 1.0, atol=1e-10))
True
>>> bool(np.all(np.diff(res.loss) <= 1e-12 * res.loss[0]))
True
"""
from functools import partial

import numpy as np

from ..backend import bool_mask, device, like, namespace, scalar, to_numpy
from ..divergences import beta_divergence
from . import AlgorithmSpec, Interval, Param, register
from .mu import _rescalable, augment, mm_exponent, normalize_columns, terms_W, update_H

MAX_NEWTON = 100


def _normalized(W):
    """W with each column divided by its sum (zero columns left as they are)."""
    xp = namespace(W)
    sums = xp.sum(W, axis=0)
    return W / xp.where(sums > 0, sums, xp.ones_like(sums))[None, :]


def logdet_volume(W, delta):
    """``logdet(Wn^T Wn + delta I)`` for the column-normalised ``Wn`` (0-d array), by slogdet."""
    xp = namespace(W)
    Wn = _normalized(W)
    K = W.shape[1]
    gram = Wn.T @ Wn + delta * xp.eye(K, dtype=W.dtype, device=device(W))
    return xp.linalg.slogdet(gram)[1]


def absolute_weight(V, W, H, beta, lam, delta):
    """The paper's ``lam * D_beta(V | WH) / |logdet(Wn^T Wn + delta I)|`` at (W, H)."""
    volume = abs(scalar(logdet_volume(W, delta)))
    return lam * beta_divergence(V, W, H, beta) / max(volume, np.finfo(float).tiny)


def minvol_objective(V, W, H, *, beta, l1_H=0.0, lam=0.005, delta=1.0, weight=None):
    """``D_beta(V | WH) + weight * logdet(Wn^T Wn + delta I)`` (see the module docstring).

    ``weight`` is the run's absolute weight (fixed by :func:`make_minvol`); by
    default the given (W, H) is taken as the initial point.
    """
    if weight is None:
        weight = absolute_weight(V, W, H, beta, lam, delta)
    return beta_divergence(V, W, H, beta) + weight * scalar(logdet_volume(W, delta))


def _positive_root(a, b, c):
    """(s, r): the root ``s >= 0`` of ``a s^2 + b s - c`` (a > 0, c >= 0), ``r = sqrt(b^2 + 4ac)``.

    Computed without cancellation: ``2c / (b + r)`` for b >= 0, ``(r - b) / 2a`` otherwise.
    """
    xp = namespace(a)
    r = xp.sqrt(b * b + 4.0 * a * c)
    plus = b + r
    s = xp.where(b >= 0, 2.0 * c / xp.where(plus > 0, plus, xp.ones_like(plus)),
                 (r - b) / (2.0 * a))
    return s, r


class _Column:
    """The W-step's stationarity conditions for given data terms: ``u(mu)`` and ``du/dmu``."""

    def __init__(self, beta, a, b0, c):
        self.beta, self.a, self.b0, self.c = beta, a, b0, c

    def ratio(self, mu):
        """(u, du/dmu): the update factors of W (F x K) for multipliers ``mu`` (K,)."""
        xp = namespace(self.a)
        if self.beta == 2:                         # a u = c - mu, clipped at 0
            num = self.c - mu[None, :]
            inside = num > 0
            return (xp.where(inside, num, xp.zeros_like(num)) / self.a,
                    xp.where(inside, -1.0 / self.a, xp.zeros_like(num)))
        s, r = _positive_root(self.a, self.b0 + mu[None, :], self.c)
        safe_r = xp.where(r > 0, r, xp.ones_like(r))
        if self.beta == 1:
            return s, -s / safe_r
        u = xp.sqrt(s)
        return u, -u / (2.0 * safe_r)

    def bracket(self, W, target):
        """(lo, hi) with ``sum_f w u(lo) >= target >= sum_f w u(hi)`` per nonzero column."""
        xp = namespace(W)

        def positive(x):                                      # 1 for an all-zero column
            return xp.where(x > 0, x, xp.ones_like(x))

        if self.beta == 2:
            hi = xp.max(self.c, axis=0)                       # every u is 0 there
            lo = xp.min(self.c, axis=0) - target / positive(xp.sum(W / self.a, axis=0))
            return lo, hi
        q = 1.0 if self.beta == 1 else 2.0                    # u = s ** (1 / q)
        hi = xp.max(-self.b0, axis=0) + (xp.sum(W * self.c ** (1 / q), axis=0) / target) ** q
        lo = xp.min(-self.b0, axis=0) - (target / positive(
            xp.sum(W * self.a ** (-1 / q), axis=0))) ** q
        return lo, hi


def multipliers(W, column, target, mu0):
    """(mu, u): the Lagrange multipliers making ``sum_f W[f, k] u[f, k] = target[k]``, by Newton.

    ``mu0`` is the starting point (the previous iteration's); it is clipped
    into the bracket, and a Newton step that leaves the bracket is replaced by
    bisection, so the iteration converges for each column.
    """
    xp = namespace(W)
    lo, hi = column.bracket(W, target)
    mu = xp.minimum(xp.maximum(mu0, lo), hi)
    live = xp.sum(W, axis=0) > 0                 # an all-zero column stays zero: not checked
    tol = 256 * float(np.finfo(np.float32 if str(W.dtype).endswith("float32") else np.float64).eps)
    for _ in range(MAX_NEWTON):
        u, du = column.ratio(mu)
        phi = xp.sum(W * u, axis=0) - target
        if scalar(xp.max(xp.where(live, xp.abs(phi) / target, xp.zeros_like(phi)))) <= tol:
            break
        lo = xp.where(phi > 0, mu, lo)
        hi = xp.where(phi < 0, mu, hi)
        slope = xp.sum(W * du, axis=0)
        newton = mu - phi / xp.where(slope < 0, slope, -xp.ones_like(slope))
        ok = (slope < 0) & (newton > lo) & (newton < hi)
        mu = xp.where(ok, newton, 0.5 * (lo + hi))
    return mu, u


def minvol_stationarity(V, W, H, beta, weight, delta, target, bufs=(), aug=None):
    """The W step's :class:`_Column` (data terms of the majoriser) at the current (W, H)."""
    xp = namespace(W)
    K = W.shape[1]
    c, data_den = terms_W(V, W, H, beta, bufs, aug)
    curv, lin = (data_den, None) if beta == 2 else (None, data_den)
    inv_t = 1.0 / target
    Wn = W * inv_t[None, :]
    eye = xp.eye(K, dtype=W.dtype, device=device(W))
    Q = xp.linalg.inv(Wn.T @ Wn + delta * eye) * inv_t[:, None] * inv_t[None, :]
    alpha = 2.0 * weight * (W @ xp.abs(Q))
    push = 2.0 * weight * (W @ (xp.abs(Q) - Q))           # 4 weight W Q^-
    if beta == 2:
        a = curv + alpha
        return _Column(beta, xp.where(a > 0, a, xp.ones_like(a)), None, c + push)
    a = xp.where(alpha > 0, alpha, xp.ones_like(alpha))   # alpha = 0 only on zero rows of W
    return _Column(beta, a, lin - push, c)


def make_minvol(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, lam=0.005, delta=1.0):
    """Build the one-iteration step (simplex-constrained MM update of W, then MU of H)."""
    xp = namespace(V)
    K = W.shape[1]
    weight = absolute_weight(V, W, H, beta, lam, delta)
    gamma = mm_exponent(beta)
    mask_W, mask_H = bool_mask(fixed_W, V), bool_mask(fixed_H, V)
    free_both = _rescalable(fixed_W, fixed_H, K)
    rescale = bool_mask(free_both, V)
    sums = to_numpy(xp.sum(W, axis=0))
    target = like(np.where(free_both | (sums <= 0), 1.0, sums), V)   # column sums kept
    if beta == 2:
        bufs, aug = (), None
    else:
        bufs, aug = tuple(xp.empty_like(V) for _ in range(1 if beta == 1 else 2)), augment(W, H)
        views = (aug[0][:, :K], aug[1][:K, :])
    state = dict(mu=xp.zeros(K, dtype=V.dtype, device=device(V)), first=True)

    def step(W, H):
        if aug is not None and (W is not views[0] or H is not views[1]):
            views[0][...], views[1][...] = W, H           # first call: adopt the given factors
            W, H = views
        if state["first"]:
            if rescale is not None:
                normalize_columns(W, H, rescale)          # onto the simplex; J unchanged
            state["first"] = False
        column = minvol_stationarity(V, W, H, beta, weight, delta, target, bufs, aug)
        state["mu"], u = multipliers(W, column, target, state["mu"])
        if mask_W is not None:
            u[:, mask_W] = 1.0
        W *= u
        update_H(V, W, H, beta, gamma, bufs, mask_H, 0.0, aug)
        return W, H

    step.objective = partial(minvol_objective, beta=beta, lam=lam, delta=delta, weight=weight)
    return step


register(AlgorithmSpec(
    name="minvol", make=make_minvol, betas=(0.0, 1.0, 2.0), supports_fixed=True, penalties=(),
    params=dict(lam=Param(0.005, Interval(float, 0, None, closed="neither"),
                          "volume weight relative to D(V|W0H0) / |logdet| at the initial point"),
                delta=Param(1.0, Interval(float, 0, None, closed="neither"),
                            "logdet(W^T W + delta I): keeps the volume finite")),
    objective=minvol_objective, rescale_data=True,
    description="minimum-volume beta-NMF, W columns on the simplex (Leplat, Gillis & Ang 2020)"))
