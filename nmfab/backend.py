"""Array namespace, dtype/device handling and THE eps policy.

Every numerical routine of nmfab is written against the array API through
:mod:`array_api_compat`: numpy in, numpy out; torch in, torch out on the
tensor's device. The few operations that the array API cannot express in place
(flooring, in-place division, fractional powers) are routed here, with a fast
``out=`` path for numpy and an in-place path for torch.

Eps policy
----------
One constant, ``EPS = np.finfo(np.float32).eps`` (about 1.19e-7, the constant
scikit-learn uses for the same purpose), keeps zeros away from divisions and
negative powers, in three documented places and nowhere else:

1. the model: wherever ``WH`` is divided by or raised to a negative power
   (beta < 2) the model is ``WH + EPS``. ``mu`` gets this inside its GEMM from a
   fixed extra component (see :mod:`nmfab.algorithms.mu`), so it remains an exact
   MM algorithm for ``D(V | WH + EPS)``; :func:`nmfab.divergences.beta_divergence`
   evaluates the same ``D(V | WH + EPS)``;
2. denominators of multiplicative / coordinate updates (K-sized arrays) are
   floored at ``EPS`` by :func:`floor_` (this only ever damps a step);
3. for beta <= 0 (where a zero of V has infinite divergence) V is floored once
   at ``EPS`` before any iteration (:func:`nmfab.divergences.safe_data`).

Iterates are never zeroed or clipped (scikit-learn zeroes entries below float64
eps for beta <= 1; an exact zero is absorbing under MU).
"""
import numpy as np
import array_api_compat

from .errors import NmfabError

EPS = float(np.finfo(np.float32).eps)
DTYPES = {"float64": np.float64, "float32": np.float32}


def namespace(*arrays):
    """The array-API namespace shared by ``arrays`` (numpy, torch, cupy, ...)."""
    return array_api_compat.array_namespace(*arrays)


def is_numpy(x):
    """True when ``x`` is a numpy array."""
    return array_api_compat.is_numpy_array(x)


def is_torch(x):
    """True when ``x`` is a torch tensor."""
    return array_api_compat.is_torch_array(x)


def device(x):
    """The device ``x`` lives on."""
    return array_api_compat.device(x)


def to_numpy(x):
    """A numpy copy/view of ``x`` (moved to the host when needed)."""
    if is_numpy(x):
        return x
    if is_torch(x):
        return x.detach().cpu().numpy()
    return np.asarray(array_api_compat.to_device(x, "cpu"))


def like(a, ref):
    """``a`` (numpy or same kind as ``ref``) as an array of ``ref``'s kind, dtype and device."""
    if is_numpy(ref):
        return np.asarray(a, dtype=ref.dtype)
    xp = namespace(ref)
    if not is_numpy(a) and namespace(a) is xp:
        return xp.asarray(a, dtype=ref.dtype, device=device(ref))
    return xp.asarray(np.asarray(a), dtype=ref.dtype, device=device(ref))


def _dtype_name(dtype):
    """``"float32"``, ``"int64"``, ... for a numpy/torch dtype or its name."""
    try:
        return np.dtype(dtype).name
    except TypeError:
        name = str(dtype).replace("torch.", "")
    try:
        return np.dtype(name).name
    except TypeError:
        return name


def resolve_dtype(V, dtype):
    """The working dtype name: ``dtype`` if given, else V's own when it is float32 or
    float64, else (integer, boolean, half precision data) ``"float64"``.

    Parameters
    ----------
    V : array
    dtype : {"float64", "float32"}, numpy/torch dtype or None

    Raises
    ------
    NmfabError
        For any other ``dtype``.
    """
    if dtype is None:
        own = _dtype_name(getattr(V, "dtype", None))
        return own if own in DTYPES else "float64"
    name = _dtype_name(dtype)
    if name not in DTYPES:
        raise NmfabError(f"dtype {dtype!r} is not supported; use 'float64' or 'float32'")
    return name


def as_float(V, dtype_name, copy=False):
    """``V`` as floating dtype ``dtype_name``, same kind and device.

    Without ``copy`` the input itself is used when it already has the dtype
    (numpy: when it is also C-contiguous); it is only read, never written.
    """
    if is_numpy(V) or not (hasattr(V, "__array_namespace__") or is_torch(V)):
        if copy:
            return np.array(V, dtype=DTYPES[dtype_name], order="C")
        return np.ascontiguousarray(V, dtype=DTYPES[dtype_name])
    xp = namespace(V)
    return xp.asarray(V, dtype=getattr(xp, dtype_name), copy=True if copy else None)


def floor_(x):
    """Floor ``x`` at :data:`EPS` in place (the eps policy, items 2-3) and return it."""
    if is_numpy(x):
        return np.maximum(x, EPS, out=x)
    if is_torch(x):
        return x.clamp_(min=EPS)
    xp = namespace(x)
    return xp.maximum(x, xp.asarray(EPS, dtype=x.dtype, device=device(x)))


def clip_nonneg(x):
    """``max(x, 0)`` as a new array."""
    if is_numpy(x):
        return np.maximum(x, 0.0)
    if is_torch(x):
        return x.clamp(min=0.0)
    xp = namespace(x)
    return xp.maximum(x, xp.zeros_like(x))


def divide_into(num, den):
    """``den <- num / den`` in place and return it."""
    if is_numpy(den):
        return np.divide(num, den, out=den)
    if is_torch(den):
        return den.reciprocal_().mul_(num)
    return num / den


def multiply_into(a, b, out):
    """``out <- a * b`` and return it."""
    if is_numpy(out):
        return np.multiply(a, b, out=out)
    if is_torch(out):
        import torch
        return torch.mul(a, b, out=out)
    out[...] = a * b
    return out


def power_into(x, p, out):
    """``out <- x ** p`` (``x`` > 0), with sqrt/reciprocal paths for half-integer ``p``.

    ``np.power`` with a fractional exponent is several times slower than a
    square root, so exponents that are multiples of 1/2 (beta = 0.5, 1.5, ...)
    go through ``sqrt``, integer powers and one reciprocal.
    """
    twice = 2.0 * p
    if twice != round(twice) or not is_numpy(x):
        if is_numpy(x):
            return np.power(x, p, out=out)
        out[...] = x ** p
        return out
    half, whole = int(round(twice)) % 2, abs(int(np.floor(abs(p))))
    if half:
        np.sqrt(x, out=out)
    else:
        out.fill(1.0)
    for _ in range(whole):
        out *= x
    if p < 0:
        np.reciprocal(out, out=out)
    return out


def log_(x):
    """Natural log of ``x`` in place; returns it."""
    if is_numpy(x):
        return np.log(x, out=x)
    if is_torch(x):
        return x.log_()
    return namespace(x).log(x)


def inner(a, b):
    """``sum(a * b)`` as a 0-d array/float, without an F x T temporary on numpy."""
    if is_numpy(a):
        return np.vdot(np.ravel(a), np.ravel(b))
    return namespace(a).sum(a * b)


def scalar(x):
    """A Python float from a 0-d array (one host transfer; used for loss records only)."""
    return float(to_numpy(x)) if not isinstance(x, float) else x


def matmul_into(a, b, out):
    """``out <- a @ b`` without a temporary where the backend allows it."""
    if is_numpy(out):
        return np.matmul(a, b, out=out)
    if is_torch(out):
        import torch
        return torch.matmul(a, b, out=out)
    out[...] = a @ b
    return out


def contiguous(x):
    """``x`` in contiguous (C) memory: a copy only when it is a strided view."""
    if is_numpy(x):
        return np.ascontiguousarray(x)
    if is_torch(x):
        return x.contiguous()
    return x


def bool_mask(mask, ref):
    """Boolean mask ``mask`` (numpy) on ``ref``'s backend and device, or None."""
    if mask is None or not bool(np.any(mask)):
        return None
    if is_numpy(ref):
        return np.asarray(mask, dtype=bool)
    xp = namespace(ref)
    return xp.asarray(np.asarray(mask, dtype=bool), device=device(ref))
