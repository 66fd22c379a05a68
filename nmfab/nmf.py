"""factorize(): the one-call NMF entry point, and its result object."""
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse

from . import algorithms
from .backend import (as_float, bool_mask, contiguous, is_torch, like, resolve_dtype,
                      to_numpy)
from .divergences import safe_data
from .errors import NmfabError
from .init import initialize
from . import validation as check


@dataclass
class NMFResult:
    """Factors and history of one factorization.

    Attributes
    ----------
    W, H : arrays (F x K, K x T), same kind and device as V
    loss : ndarray of float, the algorithm's objective (divergence + penalties, see
        ``AlgorithmSpec.objective``) at recorded iterations
    loss_time : ndarray of float, wall seconds at which each was reached, loss evaluation excluded
    loss_iter : ndarray of int, the iteration of each record (0 = initial factors)
    n_iter : int
    stop_reason : {"tol", "max_iter", "max_time"}
    info : dict (``pitches`` for the harmonic init, ``algorithm``, ``beta``)
    """

    W: object
    H: object
    loss: np.ndarray
    loss_time: np.ndarray
    loss_iter: np.ndarray
    n_iter: int
    stop_reason: str
    info: dict = field(default_factory=dict)

    def as_dict(self):
        """Numpy arrays and scalars, usable as an experiment step output."""
        out = dict(W=to_numpy(self.W), H=to_numpy(self.H), loss=self.loss,
                   loss_time=self.loss_time, loss_iter=self.loss_iter,
                   n_iter=int(self.n_iter), stop_reason=self.stop_reason)
        if "pitches" in self.info:
            out["pitches"] = np.asarray(self.info["pitches"])
        return out


def as_array(V):
    """``V`` as an array :func:`factorize` works on: array-API arrays and torch tensors as
    they are, a scipy sparse matrix densified (``V.toarray()``), anything else through
    ``np.asarray``."""
    if hasattr(V, "__array_namespace__") or is_torch(V):
        return V
    if scipy.sparse.issparse(V):
        return V.toarray()
    return np.asarray(V)


def _sync(x):
    """Wait for queued device work on ``x`` (CUDA torch), so that clocks are honest."""
    if is_torch(x) and x.is_cuda:
        import torch
        torch.cuda.synchronize(x.device)


def _initial_factors(V, rank, init, W0, H0, seed, init_params, blocks=1):
    """(W, H, info) on the host, from W0/H0 where given and ``init`` otherwise.

    W has ``blocks`` blocks of ``rank`` columns (``AlgorithmSpec.w_blocks``): an init
    computed from V is repeated over them, divided by ``blocks``.
    """
    Vh = to_numpy(V)
    if rank is None and (W0 is not None or H0 is not None):
        rank = (W0.shape[1] // blocks if W0 is not None else H0.shape[0])
    given = W0 is not None and H0 is not None
    if init != "harmonic" or rank is not None:
        rank = check.check_rank(rank, V.shape, bounded=not given and init != "harmonic")
    if given:
        init = "custom"
        init_params = dict(init_params, W0=to_numpy(W0), H0=to_numpy(H0))
    elif init == "custom":
        raise NmfabError("init='custom' needs both W0 and H0")
    W, H, info = initialize(Vh, rank, init, seed, **init_params)
    if rank is None:                                   # harmonic: one column per pitch
        rank = check.check_rank(W.shape[1], V.shape, bounded=False)
    W = to_numpy(W0).astype(Vh.dtype) if W0 is not None else W
    if W0 is None and blocks > 1:
        W = np.tile(W, (1, blocks)) / blocks
    H = to_numpy(H0).astype(Vh.dtype) if H0 is not None else H
    check.check_factors(W, H, V.shape, rank, blocks)
    return np.array(W, dtype=Vh.dtype), np.array(H, dtype=Vh.dtype), info


def _run(step, objective, V, W, H, max_iter, tol, max_time, eval_every):
    """Iterate ``step``; record ``objective(V, W, H)`` every ``eval_every`` iterations
    (clock paused)."""
    losses, times, iters = [float(objective(V, W, H))], [0.0], [0]
    elapsed, stop, it = 0.0, "max_iter", 0
    for it in range(1, max_iter + 1):
        start = time.perf_counter()
        W, H = step(W, H)
        record = it % eval_every == 0 or it == max_iter
        if record:
            _sync(W)
        elapsed += time.perf_counter() - start
        out_of_time = max_time is not None and elapsed >= max_time
        if record or out_of_time:
            losses.append(float(objective(V, W, H)))
            times.append(elapsed)
            iters.append(it)
            prev = losses[-2]
            if tol > 0 and (prev - losses[-1]) < tol * max(abs(prev), np.finfo(float).tiny):
                stop = "tol"
                break
        if out_of_time:
            stop = "max_time"
            break
    history = (np.array(losses), np.array(times), np.array(iters, dtype=int))
    return contiguous(W), contiguous(H), history, it, stop


def _power(scale, exponent):
    """``scale ** exponent`` as a float, inf when it is out of range (a loss in huge units)."""
    with np.errstate(over="ignore"):
        return float(np.power(np.float64(scale), exponent))


def data_scale(V):
    """The mean of ``V`` (1 for an all-zero or non-finite V): the unit :func:`factorize` works in.

    :func:`factorize` divides V (and a given H0) by it, runs, and multiplies H
    back (the loss by ``scale ** beta``), so results do not depend on the
    data's units: the eps rule of :mod:`nmfab.backend` is absolute, and without
    this, data around 1e-7 collapse to ``WH = 0`` and data around 1e150
    overflow at beta = 2. Fixed rows of H are returned as given, to the bit.
    It applies to algorithms with the default objective (divergence + L1, whose
    weight is rescaled by ``scale ** (1 - beta)``) and to those declaring
    ``AlgorithmSpec(rescale_data=True)``; any other algorithm sees V as given.
    """
    from .backend import namespace

    mean = float(namespace(V).mean(V)) if V.shape[0] * V.shape[1] else 0.0
    return mean if np.isfinite(mean) and mean > 0 else 1.0


def factorize(V, rank=None, *, algorithm="mu", beta=2.0, init="nndsvda", W0=None, H0=None,
              fixed_W=None, fixed_H=None, max_iter=200, tol=1e-4, max_time=None, eval_every=10,
              l1_H=0.0, dtype=None, seed=None, init_params=None, **algorithm_params):
    """Nonnegative matrix factorization ``V ~ W H`` under the beta-divergence.

    Parameters
    ----------
    V : array (F, T), nonnegative
        numpy, or torch (results stay on its device); a scipy sparse matrix is converted to
        a dense numpy array (``V.toarray()``), the algorithms being dense.
    rank : int, optional
        K, in [1, min(F, T)]; may be left out with W0/H0 or ``init="harmonic"``.
    algorithm : str
        A name of :data:`nmfab.algorithms.ALGORITHMS` ("mu", "hals", "nenmf").
    beta : float or {"frobenius", "kullback-leibler", "itakura-saito"}
        2 or "frobenius": Euclidean (half squared Frobenius), 1 or "kullback-leibler",
        0 or "itakura-saito" (scikit-learn's ``beta_loss`` names); any real number for ``mu``.
    init : {"random", "nndsvd", "nndsvda", "nndsvdar", "harmonic", "custom"}
        Used for the factors not given as W0/H0 (see :func:`nmfab.init.initialize`).
    W0, H0 : arrays, optional
        Initial factors (both given: ``init`` is "custom").
    fixed_W, fixed_H : boolean arrays of length K, optional
        True = that column of W / row of H is kept fixed (returned bit-identical).
    max_iter : int
    tol : float
        Stop when the loss decreased by less than ``tol`` (relative) over an evaluation interval;
        0 disables.
    max_time : float, optional
        Seconds of algorithm time (loss evaluation excluded).
    eval_every : int
        Iterations between loss records.
    l1_H : float
        L1 penalty weight on H (``mu`` only), for W columns of unit L1 norm: the loss is
        ``D(V|WH) + l1_H * sum_k ||w_k||_1 ||h_k||_1`` (scale invariant), and ``mu``
        rescales each column of W to unit L1 norm after its update (H compensated,
        loss unchanged), so it is ``D + l1_H * sum(H)`` for those columns.
    dtype : {"float64", "float32"}, optional
        Working precision, and that of W and H; by default V's own when V is float32 or
        float64, else (integer data) float64.
    seed : int, optional
    init_params : dict, optional
        E.g. ``dict(sr=22050, n_fft=2048, midi_pitches=range(21, 109))`` for ``harmonic``.
    **algorithm_params
        The algorithm's declared parameters (``nmfab.ALGORITHMS[name].params``), e.g.
        ``inner_iter`` for ``nenmf``; each is validated (one clear error line).

    Returns
    -------
    NMFResult
    """
    beta = check.check_beta(beta)
    spec = algorithms.check_supported(algorithm, beta)
    check.check_init_name(init)
    l1_H = check.check_real("l1_H", l1_H)
    params = check.check_algorithm_params(spec, algorithm_params, l1_H)
    max_iter = check.check_positive("max_iter", max_iter, integer=True)
    eval_every = check.check_positive("eval_every", eval_every, integer=True)
    max_time = check.check_positive("max_time", max_time, allow_none=True)
    if not tol >= 0:
        raise NmfabError(f"tol must be >= 0 (0 disables the tolerance stop), got {tol!r}")
    V = as_array(V)
    check.check_data(V)
    V = as_float(V, resolve_dtype(V, dtype), copy=beta <= 0)
    scale = data_scale(V) if spec.rescale_data else 1.0
    given_H = None if H0 is None else to_numpy(H0)
    if scale != 1.0:                       # V in units of its mean (see data_scale)
        V = V / scale
        H0 = None if H0 is None else given_H / scale
        l1_H = l1_H * _power(scale, 1.0 - beta)
    V = safe_data(V, beta)
    W, H, info = _initial_factors(V, rank, init, W0, H0, seed, dict(init_params or {}),
                                  spec.n_blocks(params))
    fixed_W = check.check_mask(fixed_W, H.shape[0], "fixed_W")
    fixed_H = check.check_mask(fixed_H, H.shape[0], "fixed_H")
    check.check_fixing(spec, fixed_W, fixed_H)
    W, H = like(W, V), like(H, V)
    step = spec.make(V, W, H, beta=beta, fixed_W=fixed_W, fixed_H=fixed_H, l1_H=l1_H, **params)

    def declared_objective(V, W, H):
        return spec.objective(V, W, H, beta=beta, l1_H=l1_H, **params)

    # a run's own objective when it depends on state make fixed (AlgorithmSpec.make)
    objective = getattr(step, "objective", None) or declared_objective

    W, H, history, n_iter, stop = _run(step, objective, V, W, H, max_iter, float(tol),
                                       max_time, eval_every)
    if scale != 1.0:
        H = H * scale
        rows = bool_mask(fixed_H, H) if given_H is not None else None
        if rows is not None:                              # fixed rows: the given bits
            H[rows] = like(given_H[fixed_H], H)
        history = (history[0] * _power(scale, beta),) + history[1:]
    info.update(algorithm=algorithm, beta=beta, params=params, scale=scale)
    return NMFResult(W, H, *history, n_iter=n_iter, stop_reason=stop, info=info)
