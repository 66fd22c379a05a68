"""Multiplicative updates for the beta-divergence (Fevotte & Idier 2011).

Each half-update multiplies the free entries by ``(num / den) ** gamma`` with
the majorisation-minimisation exponent :func:`mm_exponent`, which guarantees a
nonincreasing loss for any real beta. W is updated first, then H (as in
scikit-learn). Fast paths: beta = 2 uses ``W^T V`` and K x K Gram matrices;
beta = 1 uses row/column sums of the factors for the denominator; beta = 0 uses
one reciprocal and two products; any other beta computes one power of the model,
``(WH)**(beta-1)`` (through a square root and a reciprocal when beta is a
multiple of 1/2, several times cheaper than a fractional power), and gets
``(WH)**(beta-2)`` from it by one division by WH. Two F x T work buffers are
allocated once per run (one for beta = 1). For beta = 0 on numpy the three
F x T passes (reciprocal, two products) are one compiled pass when numba
(installed with librosa) is present, bit-identical to the numpy passes and about
twice as fast; likewise the K x N passes that apply an update (divide, power,
multiply, float32 floor) are one compiled pass (:func:`_apply`).

float32: entries that MU drives toward zero would make subnormal products in
the GEMMs (5-7x slower: the float32 harmonic transcription runs were 4-7x
slower than float64) and then underflow to an absorbing zero. float32 numpy
factors are floored after each update at the square root of the smallest normal
float32 (about 1.1e-19: a product of two factor entries stays normal), a change
of the loss far below float32 resolution on data in units of their mean
(:func:`nmfab.nmf.data_scale`). float64 is untouched.

Eps policy (see :mod:`nmfab.backend`): for beta < 2 the model is ``WH + EPS``.
It is computed inside the GEMM: W and H are stored with one extra component,
a column ``sqrt(EPS)`` in W and a row ``sqrt(EPS)`` in H, that is never updated.
MU is then an exact MM algorithm for ``D(V | WH + EPS)`` (a fixed component is
just a fixed part), so the loss stays nonincreasing, at no extra pass over F x T.

L1 sparsity on H with unit-norm W columns: the objective is the scale-invariant
``J = D(V|WH) + l1_H * sum_k ||w_k||_1 ||h_k||_1``. With H fixed its penalty is
linear in W (weight ``l1_H ||h_k||_1`` on column k), with W fixed linear in H
(weight ``l1_H ||w_k||_1`` on row k); a linear term added to the MU denominator
gives a step that decreases the MM auxiliary function for every beta (it lies
between the current point and the auxiliary minimiser), so J never increases.
After the W update, columns that are free in both factors are rescaled to unit
L1 norm (H rows compensated): WH and J are unchanged, and for those columns the
penalty is exactly ``l1_H * sum(H)``.
"""
import numpy as np

from ..backend import (EPS, bool_mask, device, divide_into, floor_, is_numpy, matmul_into,
                       multiply_into, namespace, power_into)
from . import AlgorithmSpec, register

try:
    import numba
except ImportError:            # librosa's numba missing (a stripped install): numpy passes
    numba = None


def _is_pass(v, m, p):
    """Flat arrays: ``m <- 1 / m`` and ``p <- v * (1/m) * (1/m)``, the numpy passes' roundings."""
    for i in range(m.size):
        m[i] = 1.0 / m[i]
        y = m[i]                   # as stored (float32 data: rounded like numpy's)
        p[i] = v[i] * y * y


def _apply_pass(X, num, den, eps, root, floor):
    """2-d arrays, ``den`` of X's shape, 1 x T or K x 1: ``X <- max(X (num / max(den, eps))**g,
    floor)`` with g = 1/2 when ``root`` else 1 (no floor: ``floor = -inf``); numpy's NaN rules."""
    K, T = X.shape
    for i in range(K):
        x_i, n_i = X[i], num[i]
        if den.shape[1] == 1 and T != 1:            # one denominator per row
            d = den[i, 0]
            d = eps if d < eps else d
            for j in range(T):
                q = n_i[j] / d
                q = np.sqrt(q) if root else q
                x = x_i[j] * q
                x_i[j] = floor if x < floor else x
        else:
            d_i = den[0] if den.shape[0] == 1 else den[i]
            for j in range(T):
                d = d_i[j]
                d = eps if d < eps else d
                q = n_i[j] / d
                q = np.sqrt(q) if root else q
                x = x_i[j] * q
                x_i[j] = floor if x < floor else x


_is_kernel = None if numba is None else numba.njit(_is_pass, cache=True, nogil=True,
                                                     error_model="numpy")
_apply_kernel = None if numba is None else numba.njit(_apply_pass, cache=True, nogil=True,
                                                      error_model="numpy")


def mm_exponent(beta):
    """MM exponent: 1/(2-beta) for beta<1, 1 for 1<=beta<=2, 1/(beta-1) for beta>2."""
    if beta < 1:
        return 1.0 / (2.0 - beta)
    if beta > 2:
        return 1.0 / (beta - 1.0)
    return 1.0


def _model_matrices(V, Wa, Ha, beta, bufs):
    """(P, Y) with P = V * M**(beta-2) and Y = M**(beta-1) (None for beta = 1).

    ``M = Wa @ Ha = WH + EPS`` (augmented factors, see the module docstring),
    computed into the first of the two F x T buffers ``bufs``.
    """
    M = matmul_into(Wa, Ha, bufs[0])
    if beta == 1:
        return divide_into(V, M), None
    if beta == 0 and _is_kernel is not None and is_numpy(M):
        _is_kernel(V.reshape(-1), M.reshape(-1), bufs[1].reshape(-1))
        return bufs[1], M
    if beta == 0:
        Y = divide_into(1.0, M)           # 1 / M
        P = multiply_into(V, Y, bufs[1])  # V / M
        P *= Y                            # V / M**2
        return P, Y
    Y = power_into(M, beta - 1.0, bufs[1])    # M**(beta-1)
    P = divide_into(Y, M)                     # M**(beta-2), in M's buffer
    P *= V
    return P, Y


_FLOOR32 = float(np.finfo(np.float32).tiny) ** 0.5     # about 1.1e-19


def _apply(X, num, den, gamma, fixed, axis):
    """``X *= (num / max(den, EPS)) ** gamma`` leaving the ``fixed`` slices at factor 1.

    float32 numpy factors are then floored at the square root of the smallest
    normal float32 (about 1.1e-19; fixed slices untouched). On numpy, with numba,
    for gamma 1 or 1/2 and nothing fixed, this is one compiled pass, bit-identical
    to the numpy passes (``x ** 0.5`` is numpy's correctly rounded square root).
    """
    K, T = X.shape
    if (_apply_kernel is not None and fixed is None and gamma in (1.0, 0.5) and is_numpy(X)
            and X.dtype == num.dtype == den.dtype and den.shape in ((K, T), (1, T), (K, 1))):
        floor = _FLOOR32 if X.dtype == np.float32 else -np.inf
        _apply_kernel(X, num, den, X.dtype.type(EPS), gamma == 0.5, X.dtype.type(floor))
        return X
    floor_(den)
    num /= den
    if gamma != 1:
        num **= gamma
    if fixed is not None:
        if axis == 1:
            num[:, fixed] = 1.0
        else:
            num[fixed, :] = 1.0
    X *= num
    if is_numpy(X) and X.dtype == np.float32:     # no subnormal (slow) or underflowed zero
        free = True if fixed is None else (~fixed[None, :] if axis == 1 else ~fixed[:, None])
        np.maximum(X, _FLOOR32, out=X, where=free)
    return X


def terms_W(V, W, H, beta, bufs=(), aug=None):
    """``(num, den)`` of the MM update of W, data term only: ``W *= (num / den) ** gamma``.

    ``den`` is a 1 x K row for beta = 1 (``sum_t h_kt``, broadcast over F).
    Algorithms built on MU add their penalties to these (``nmfab.algorithms.*``).
    """
    xp = namespace(V)
    if beta == 2:
        return V @ H.T, W @ (H @ H.T)
    P, Y = _model_matrices(V, *aug, beta, bufs)
    return P @ H.T, (xp.sum(H, axis=1)[None, :] if Y is None else Y @ H.T)


def terms_H(V, W, H, beta, bufs=(), aug=None):
    """``(num, den)`` of the MM update of H, data term only (``den`` K x 1 for beta = 1)."""
    xp = namespace(V)
    if beta == 2:
        return W.T @ V, (W.T @ W) @ H
    P, Y = _model_matrices(V, *aug, beta, bufs)
    return W.T @ P, (xp.sum(W, axis=0)[:, None] if Y is None else W.T @ Y)


def update_W(V, W, H, beta, gamma, bufs, fixed=None, l1_H=0.0, aug=None):
    """One MM update of the free columns of W (in place), L1 weight ``l1_H ||h_k||_1``.

    ``aug`` = (Wa, Ha): augmented storage whose first K columns/rows are W and H
    (required for beta != 2).
    """
    num, den = terms_W(V, W, H, beta, bufs, aug)
    if l1_H:
        den = den + l1_H * namespace(V).sum(H, axis=1)[None, :]
    return _apply(W, num, den, gamma, fixed, axis=1)


def update_H(V, W, H, beta, gamma, bufs, fixed=None, l1_H=0.0, aug=None):
    """One MM update of the free rows of H (in place), L1 weight ``l1_H ||w_k||_1``."""
    num, den = terms_H(V, W, H, beta, bufs, aug)
    if l1_H:
        den = den + l1_H * namespace(V).sum(W, axis=0)[:, None]
    return _apply(H, num, den, gamma, fixed, axis=0)


def augment(W, H):
    """(Wa, Ha): W and H with the fixed extra component ``sqrt(EPS)`` (model WH + EPS)."""
    xp = namespace(W)
    K = W.shape[1]
    Wa = xp.full((W.shape[0], K + 1), EPS ** 0.5, dtype=W.dtype, device=device(W))
    Ha = xp.full((K + 1, H.shape[1]), EPS ** 0.5, dtype=H.dtype, device=device(H))
    Wa[:, :K] = W
    Ha[:K, :] = H
    return Wa, Ha


def normalize_columns(W, H, rescale):
    """Scale the columns of W flagged in ``rescale`` to unit L1 norm, compensating in H.

    Unflagged columns get the factor 1.0 exactly, so they stay bit-identical.
    """
    xp = namespace(W)
    norms = xp.sum(W, axis=0)
    norms = xp.where(rescale & (norms > 0), norms, xp.ones_like(norms))
    W /= norms[None, :]
    H *= norms[:, None]


def _rescalable(fixed_W, fixed_H, rank):
    """Boolean numpy array: components free in both W and H."""
    free = np.ones(rank, dtype=bool)
    for mask in (fixed_W, fixed_H):
        if mask is not None:
            free &= ~np.asarray(mask, dtype=bool)
    return free


def make_mu(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0):
    """Build the one-iteration MU step (W then H) for this problem."""
    xp = namespace(V)
    gamma = mm_exponent(beta)
    mask_W, mask_H = bool_mask(fixed_W, V), bool_mask(fixed_H, V)
    rescale = bool_mask(_rescalable(fixed_W, fixed_H, W.shape[1]), V) if l1_H else None
    K = W.shape[1]
    all_fixed_W = fixed_W is not None and bool(np.all(fixed_W))
    all_fixed_H = fixed_H is not None and bool(np.all(fixed_H))
    if beta == 2:
        bufs, aug = (), None
    else:
        n_bufs = 1 if beta == 1 else 2
        bufs, aug = tuple(xp.empty_like(V) for _ in range(n_bufs)), augment(W, H)
        views = (aug[0][:, :K], aug[1][:K, :])

    def step(W, H):
        if aug is not None:
            if W is not views[0] or H is not views[1]:   # first call: adopt the given factors
                views[0][...], views[1][...] = W, H
            W, H = views
        if not all_fixed_W:                # a wholly fixed factor costs nothing (supervised runs)
            update_W(V, W, H, beta, gamma, bufs, mask_W, l1_H, aug)
        if rescale is not None:
            normalize_columns(W, H, rescale)
        if not all_fixed_H:
            update_H(V, W, H, beta, gamma, bufs, mask_H, l1_H, aug)
        return W, H

    return step


register(AlgorithmSpec(
    name="mu", make=make_mu, betas=None, supports_fixed=True, penalties=("l1_H",),
    description="multiplicative updates with the MM exponent, any real beta"))
