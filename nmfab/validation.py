"""Checks of factorize() inputs: each failure is one NmfabError line saying what to do."""
import numpy as np

from .backend import namespace, to_numpy
from .errors import NmfabError, check_choice
from .init import INITS

#: scikit-learn's names of the usual beta values (``NMF(beta_loss=...)``).
BETA_NAMES = {"frobenius": 2.0, "kullback-leibler": 1.0, "itakura-saito": 0.0}


def check_beta(beta):
    """``beta`` as a float: a real number, or one of scikit-learn's names (:data:`BETA_NAMES`).

    Raises
    ------
    NmfabError
        For any other value, in one line listing the names and their numbers.
    """
    if isinstance(beta, str) and beta in BETA_NAMES:
        return BETA_NAMES[beta]
    try:
        value = float(beta) if not isinstance(beta, (str, bool)) else float("nan")
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value):
        names = ", ".join(f"{name!r} ({number:g})" for name, number in BETA_NAMES.items())
        raise NmfabError(f"beta must be a real number or one of {names}, got {beta!r}")
    return value


def check_data(V):
    """V must be 2-D, finite and nonnegative (checked on V's device, two scalars come back)."""
    if getattr(V, "ndim", None) != 2:
        raise NmfabError(f"V must be a 2-D (F x T) array, got shape {getattr(V, 'shape', None)}")
    xp = namespace(V)
    if not bool(xp.all(xp.isfinite(V))):
        raise NmfabError("V contains NaN or infinite entries; clean the spectrogram first")
    low = float(xp.min(V)) if V.shape[0] * V.shape[1] else 0.0
    if low < 0:
        raise NmfabError(f"V has negative entries (min {low:g}); NMF needs V >= 0, "
                         "use a magnitude or power spectrogram")


def check_rank(rank, shape, bounded=True):
    """0 < rank, and rank <= min(F, T) when ``bounded``.

    The bound applies when the factors are estimated from V alone; given or
    template factors (``custom``, ``harmonic``) may have more components than
    frames, e.g. 88 fixed pitch templates on a 1 s clip.
    """
    if rank is None:
        raise NmfabError("rank is required (or pass W0/H0, or init='harmonic')")
    upper = min(shape) if bounded else np.inf
    try:
        valid = int(rank) == rank and 0 < rank <= upper
    except (TypeError, ValueError):
        valid = False
    if not valid:
        limit = f"[1, min(F, T)] = [1, {min(shape)}]" if bounded else ">= 1"
        short = ("; V has a single frame (column): is the audio empty or shorter than one "
                 "frame?" if bounded and shape[1] == 1 < shape[0] else "")
        raise NmfabError(f"rank must be an integer in {limit}, got {rank!r}{short}")
    return int(rank)


def check_init_name(init):
    """init must be one of INITS."""
    check_choice("init", init, INITS)


def check_factors(W, H, shape, rank, blocks=1):
    """W is F x K (F x blocks*K, see ``AlgorithmSpec.w_blocks``), H is K x T, both finite and
    nonnegative."""
    F, T = shape
    if tuple(W.shape) != (F, blocks * rank) or tuple(H.shape) != (rank, T):
        width = f"{blocks * rank} = {blocks} blocks x {rank}" if blocks > 1 else f"{rank}"
        raise NmfabError(f"W0/H0 shapes {tuple(W.shape)}/{tuple(H.shape)} do not match V "
                         f"{(F, T)} and rank {rank}: need ({F}, {width}) and ({rank}, {T})")
    for name, X in (("W0", W), ("H0", H)):
        host = to_numpy(X)
        if not np.all(np.isfinite(host)) or host.min() < 0:
            raise NmfabError(f"{name} must be finite and nonnegative")


def check_mask(mask, rank, name):
    """A boolean mask of length rank, returned as a numpy bool array (or None)."""
    if mask is None:
        return None
    arr = np.asarray(to_numpy(mask) if hasattr(mask, "shape") else mask)
    if arr.shape != (rank,) or arr.dtype != bool:
        raise NmfabError(f"{name} must be a boolean array of length rank={rank} (True = fixed), "
                         f"got dtype {arr.dtype} and shape {arr.shape}")
    return arr


def check_positive(name, value, allow_none=False, integer=False):
    """value > 0 (an int when ``integer``)."""
    if value is None and allow_none:
        return None
    kind = "a positive integer" if integer else "positive"
    try:
        valid = value is not None and value > 0 and (not integer or int(value) == value)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise NmfabError(f"{name} must be {kind}, got {value!r}")
    return int(value) if integer else float(value)


def check_real(name, value):
    """``value`` as a finite float; one NmfabError line otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number):
        raise NmfabError(f"{name} must be a finite number, got {value!r}")
    return number


def check_algorithm_params(spec, params, l1_H):
    """The algorithm's parameters validated (defaults filled); L1 only where supported."""
    values = spec.check_params(params)
    if not l1_H >= 0:
        raise NmfabError(f"l1_H must be >= 0, got {l1_H}")
    if l1_H and "l1_H" not in spec.penalties:
        with_l1 = ", ".join(sorted(n for n, s in _registry().items() if "l1_H" in s.penalties))
        raise NmfabError(f"algorithm {spec.name!r} has no L1 penalty; use one of: {with_l1}")
    return values


def check_fixing(spec, fixed_W, fixed_H):
    """Masks of fixed components only for an algorithm that declares ``supports_fixed``."""
    fixing = any(m is not None and bool(np.any(m)) for m in (fixed_W, fixed_H))
    if fixing and not spec.supports_fixed:
        with_fixed = ", ".join(sorted(n for n, s in _registry().items() if s.supports_fixed))
        raise NmfabError(f"algorithm {spec.name!r} cannot keep components fixed (fixed_W/fixed_H); "
                         f"use one of: {with_fixed}")


def _registry():
    from .algorithms import ALGORITHMS

    return ALGORITHMS
