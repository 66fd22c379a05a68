"""Convolutive NMF (NMFD) with majorisation-minimisation multiplicative updates, beta in {0, 1, 2}.

The model has ``K`` templates of ``T = n_lags`` frames, ``W_0 .. W_{T-1}`` (F x K each)::

    Lambda = sum_tau W_tau shift_tau(H),     shift_tau(H)[:, n] = H[:, n - tau] (0 for n < tau)

(Smaragdis 2004). W is stored as F x K*T, lag-major: ``W[:, tau*K + k]`` is frame
``tau`` of template ``k`` (``AlgorithmSpec.w_blocks = "n_lags"``: the driver sizes W
and repeats an init computed from V over the lags, divided by T); H is K x N.

Lambda is the ordinary product ``W @ S(H)`` with the stacked shifts
``S(H) = [shift_0 H; ...; shift_{T-1} H]`` (K*T x N), linear in W and in H
with nonnegative coefficients. The updates are therefore the MM updates of
Févotte & Idier (2011) for that linear model (the form derived for the
convolutive beta-NMF, e.g. Fagot, Wendt & Févotte 2019), with the MM exponent
:func:`nmfab.algorithms.mu.mm_exponent`, so the objective never increases:

* W (all lags jointly): ``W *= ((P S(H)^T) / (Y S(H)^T)) ** gamma``, exactly
  ``mu``'s W update with ``S(H)`` for H (its beta = 2 Gram and beta = 1 sum paths);
* H: ``H *= (fold(W^T P) / fold(W^T Y)) ** gamma`` where ``fold`` sums block
  ``tau`` of a K*T x N matrix shifted ``tau`` frames to the left (the adjoint of
  ``S``): numerators and denominators of all lags are summed, not averaged.

``P = V * Lambda**(beta-2)``, ``Y = Lambda**(beta-1)``. For beta < 2 the model is
``Lambda + EPS`` (the eps policy of :mod:`nmfab.backend`), computed inside the
GEMM by ``mu``'s fixed extra component. With ``n_lags = 1`` this is ``mu``.
No rescaling is done (MM needs none), so there is no normalisation to undo.
A fixed component keeps all its template frames (``fixed_W``) or its activation
row (``fixed_H``) bit-identical.
"""
import numpy as np

from ..backend import bool_mask, device, namespace
from ..divergences import beta_divergence
from . import AlgorithmSpec, Interval, Param, register
from .mu import _apply, augment, mm_exponent, terms_H, update_W

BETAS = (0.0, 1.0, 2.0)


def stack_shifts(H, n_lags, out=None):
    """``S(H)``: the K*T x N matrix ``[shift_0 H; ...; shift_{T-1} H]`` (lag-major).

    Parameters
    ----------
    H : array (K, N)
    n_lags : int
    out : array (K*T, N), optional
        Filled in place (its zeros below the shifts are rewritten).

    Returns
    -------
    array (K*T, N)
    """
    xp = namespace(H)
    K, N = H.shape
    if out is None:
        out = xp.zeros((K * n_lags, N), dtype=H.dtype, device=device(H))
    for tau in range(n_lags):
        block = out[tau * K:(tau + 1) * K, :]
        shift = min(tau, N)
        block[:, :shift] = 0.0
        block[:, shift:] = H[:, :N - shift]
    return out


def fold(G, n_lags):
    """The adjoint of :func:`stack_shifts`: ``sum_tau`` block ``tau`` of G shifted ``tau`` left.

    Parameters
    ----------
    G : array (K*T, N)
    n_lags : int

    Returns
    -------
    array (K, N): ``out[:, m] = sum_tau G[tau*K:(tau+1)*K, m + tau]`` (terms with
    ``m + tau >= N`` are zero).
    """
    K, N = G.shape[0] // n_lags, G.shape[1]
    out = G[:K, :] * 1.0
    for tau in range(1, min(n_lags, N)):
        out[:, :N - tau] += G[tau * K:(tau + 1) * K, tau:]
    return out


def convolve(W, H, *, n_lags, **_):
    """The convolutive model ``sum_tau W_tau shift_tau(H)`` (F x N).

    Parameters
    ----------
    W : array (F, K*n_lags), lag-major
    H : array (K, N)
    n_lags : int

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0, 2.0]])          # one template, two frames: 1 then 2
    >>> convolve(W, np.array([[1.0, 0.0, 3.0]]), n_lags=2)
    array([[1., 2., 3.]])
    """
    if W.shape[1] != H.shape[0] * n_lags:
        raise ValueError(f"W has {W.shape[1]} columns, need K*n_lags = "
                         f"{H.shape[0]}*{n_lags} for H of {H.shape[0]} rows")
    return W @ stack_shifts(H, n_lags)


def objective(V, W, H, *, beta, l1_H=0.0, n_lags, **params):
    """Beta-divergence ``D_beta(V | Lambda)`` of the convolutive model (``Lambda + EPS`` for
    beta < 2, as :func:`nmfab.divergences.beta_divergence`)."""
    return beta_divergence(V, W, H, beta, WH=convolve(W, H, n_lags=n_lags))


def _update_H(V, W, H, Hs, beta, gamma, bufs, aug, n_lags, fixed=None):
    """One MM update of the free rows of H (in place), then ``Hs = S(H)`` refreshed."""
    xp = namespace(V)
    num, den = terms_H(V, W, Hs, beta, bufs, aug)
    if beta == 1:                                   # a K x 1 column: fold needs every lag
        den = den * xp.ones_like(Hs)
    _apply(H, fold(num, n_lags), fold(den, n_lags), gamma, fixed, axis=0)
    stack_shifts(H, n_lags, out=Hs)
    return H


def make_nmfd(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, n_lags=10):
    """Build the one-iteration NMFD step (all template frames, then H).

    ``W`` is F x K*n_lags (lag-major), ``H`` K x N; masks are over the K components.
    """
    xp = namespace(V)
    K = H.shape[0]
    gamma = mm_exponent(beta)
    mask_W = bool_mask(None if fixed_W is None else np.tile(fixed_W, n_lags), V)
    mask_H = bool_mask(fixed_H, V)
    n_bufs = 0 if beta == 2 else 1 if beta == 1 else 2
    bufs = tuple(xp.empty_like(V) for _ in range(n_bufs))
    Wa, Ha = augment(W, stack_shifts(H, n_lags))         # Wa @ Ha = Lambda + EPS
    Wv, Hs = Wa[:, :K * n_lags], Ha[:K * n_lags, :]      # views: W and S(H)
    Hv = xp.asarray(H, copy=True)

    def step(W, H):
        if W is not Wv:                                   # first call: adopt the given factors
            Wv[...] = W
        if H is not Hv:
            Hv[...] = H
            stack_shifts(Hv, n_lags, out=Hs)
        update_W(V, Wv, Hs, beta, gamma, bufs, mask_W, 0.0, (Wa, Ha))
        _update_H(V, Wv, Hv, Hs, beta, gamma, bufs, (Wa, Ha), n_lags, mask_H)
        return Wv, Hv

    return step


register(AlgorithmSpec(
    name="nmfd", make=make_nmfd, betas=BETAS, supports_fixed=True, penalties=(),
    params=dict(n_lags=Param(10, Interval(int, 1, None),
                             "frames T per template (W is F x K*T, lag-major)")),
    objective=objective, w_blocks="n_lags", model=convolve, rescale_data=True,
    description="convolutive NMF (NMFD): templates of n_lags frames, MM updates, beta 0/1/2"))
