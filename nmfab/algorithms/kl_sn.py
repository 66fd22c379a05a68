"""Scalar Newton with self-concordant damping for the KL divergence (Hien & Gillis 2021), beta = 1.

Hien & Gillis (J. Sci. Comput. 87:93, "Algorithms for nonnegative matrix
factorization with the Kullback-Leibler divergence", algorithm SN) update a row
of W (all K entries, H fixed; then a column of H, W fixed) by repeated sweeps of
one Newton step per entry, stopping when a sweep changes the row by less than
``delta`` times the first sweep's change, after at most ``inner_iter`` sweeps.

Each entry's one-variable objective ``f(x) = sum_j M_j - V_j log M_j`` (``M = WH + EPS``,
the eps rule of :mod:`nmfab.backend`) is self-concordant with constant
``2 c``, ``c = 1 / sqrt(min_j {V_j : V_j > 0})`` over the entries of V that the
row touches (``-v log`` is self-concordant with constant ``2 / sqrt(v)``). With
``s = max(x - g / h, 0)``, ``d = s - x`` and the Newton decrement ``lam = c sqrt(h) |d|``:

* g <= 0: ``x <- s`` (an increasing step cannot overshoot: ``f''`` decreases with x);
* g > 0 and ``lam > LAMBDA_FULL``: the damped step ``x <- x + d / (1 + lam)``, which
  minimises the self-concordant upper bound, so f decreases by at least
  ``(lam - log(1 + lam)) / c**2``;
* g > 0 otherwise: ``x <- s``, which decreases f as ``lam**2 + lam + log(1 - lam) > 0``
  for ``lam < LAMBDA_FULL`` (the root, 0.6838...).

So every step is a majorisation-minimisation step and the objective never rises.
``c`` is the real number above for every row (the public C code of the paper
casts it to an integer, which disables the damping whenever ``min V > 1``).

Vectorisation and order: rows of W are independent given H, so sweep t of
component k is done for all rows at once (the same iterates as the paper's
row-by-row loop, per-row stopping included: a stopped row gets zero steps).
Rows go in cache-sized blocks; H is handled on the transposed problem. W is
updated before H, as in nmfab's other algorithms (the paper's code does H first).

On audio spectrograms the damping dominates: a row's smallest positive entry is
about 1e-9 of the mean, so ``c`` is ~3e4 and a decreasing step is cut to about
``sqrt(min V / h)``; SN then needs far more iterations than ``mu`` (see
``benchmarks/bench_convergence.py``). It is kept as published, for comparison.
"""
import numpy as np
from scipy.optimize import brentq

from ..backend import clip_nonneg, like, namespace, to_numpy
from . import AlgorithmSpec, Interval, Param, register
from .kl_ccd import RowBlocks, free_components, transposed_data

#: Largest Newton decrement for which the full step provably decreases f.
LAMBDA_FULL = brentq(lambda lam: lam * lam + lam + np.log1p(-lam), 0.5, 0.9, xtol=1e-15)


def concordance(V):
    """``1 / sqrt(min positive entry)`` of each row of V (0 for a row without one)."""
    Vh = to_numpy(V)
    low = np.where(Vh > 0, Vh, np.inf).min(axis=1)
    return np.where(np.isfinite(low), 1.0 / np.sqrt(low), 0.0)


def sn_rows(prob, X, free, c, inner_iter, delta):
    """SN sweeps over the free columns of X, rows in blocks (rows independent)."""
    xp = namespace(X)
    for (Vb, Mb, Xb, scratch), (r0, r1) in zip(prob.blocks(X), prob.bounds):
        cb = c[r0:r1]
        active, first = None, None
        for sweep in range(inner_iter):
            change = xp.zeros_like(cb)
            for k in free:
                prob.ratios(Vb, Mb, scratch)
                x = Xb[:, k] * 1.0
                g, h = prob.grad(scratch, k), prob.hess(scratch, k)
                d = clip_nonneg(x - g / h) - x
                lam = cb * h ** 0.5 * xp.abs(d)
                d = xp.where((g > 0) & (lam > LAMBDA_FULL), d / (1.0 + lam), d)
                if active is not None:
                    d = xp.where(active, d, xp.zeros_like(d))
                prob.move(Mb, scratch, d, k)
                Xb[:, k] = x + d
                change = change + d * d
            if first is None:
                first, active = change, change > 0
            else:
                active = active & (change >= delta * delta * first)
            if not bool(xp.any(active)):
                break


def make_kl_sn(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, inner_iter=5,
               delta=0.2):
    """Build the one-iteration SN step (W then H)."""
    K = W.shape[1]
    free_W, free_H = free_components(fixed_W, K), free_components(fixed_H, K)
    Vt = transposed_data(V)
    rows_W, rows_H = RowBlocks(V), RowBlocks(Vt)
    c_W, c_H = like(concordance(V), V), like(concordance(Vt), V)

    def step(W, H):
        rows_W.start(W, H.T)
        sn_rows(rows_W, W, free_W, c_W, inner_iter, delta)
        Ht = H.T
        rows_H.start(Ht, W)
        sn_rows(rows_H, Ht, free_H, c_H, inner_iter, delta)
        return W, H

    return step


register(AlgorithmSpec(
    name="kl_sn", make=make_kl_sn, betas=(1.0,), supports_fixed=True, penalties=(),
    params=dict(inner_iter=Param(5, Interval(int, 1, None),
                                 "at most this many sweeps over a row of W / column of H"),
                delta=Param(0.2, Interval(float, 0, 1),
                            "stop sweeping a row when it changes less than delta x the first sweep")),
    description="scalar Newton with self-concordant damping, KL (Hien & Gillis 2021)"))
