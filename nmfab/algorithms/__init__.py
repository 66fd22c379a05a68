"""NMF algorithms: one file per algorithm, each registered by name.

An algorithm is an :class:`AlgorithmSpec` whose ``make`` builds a one-iteration
update from the problem::

    step = spec.make(V, W, H, beta=beta, fixed_W=mask_or_None, fixed_H=mask_or_None,
                     l1_H=l1_H, **params)
    W, H = step(W, H)          # one iteration; may update W and H in place

The driver (:func:`nmfab.factorize`) owns initialisation, loss records, timing and
stopping. Fixed masks are boolean numpy arrays of length K (True = fixed);
fixed parts must come back bit-identical and the loss must never increase.
Adding an algorithm: a new module that calls :func:`register`, plus its import
line at the bottom of this file.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

from ..errors import NmfabError


@dataclass(frozen=True)
class AlgorithmSpec:
    """What an algorithm is and supports.

    Attributes
    ----------
    name : str
    make : callable
        ``make(V, W, H, *, beta, fixed_W, fixed_H, l1_H, **params) -> step``.
    betas : tuple of float or None
        Supported betas; None for any real beta.
    supports_fixed : bool
        Whether masks of fixed W columns / H rows are honoured.
    penalties : tuple of str
        Supported penalties (``"l1_H"``).
    defaults : dict
        Default algorithm parameters (e.g. ``inner_iter``).
    description : str
    """

    name: str
    make: Callable
    betas: Optional[Tuple[float, ...]] = None
    supports_fixed: bool = True
    penalties: Tuple[str, ...] = ()
    defaults: dict = field(default_factory=dict)
    description: str = ""


ALGORITHMS = {}


def register(spec):
    """Add ``spec`` to :data:`ALGORITHMS` under ``spec.name`` and return it."""
    ALGORITHMS[spec.name] = spec
    return spec


def get(name):
    """The spec of algorithm ``name``; NmfabError listing the valid names otherwise."""
    if name not in ALGORITHMS:
        raise NmfabError(f"unknown algorithm {name!r}; choose one of {sorted(ALGORITHMS)}")
    return ALGORITHMS[name]


def supports(name, beta):
    """True when algorithm ``name`` exists and handles ``beta``."""
    spec = ALGORITHMS.get(name)
    return spec is not None and (spec.betas is None or float(beta) in spec.betas)


def check_supported(name, beta):
    """Raise NmfabError unless algorithm ``name`` handles ``beta`` (names the valid choices)."""
    spec = get(name)
    if not supports(name, beta):
        valid = [n for n in sorted(ALGORITHMS) if supports(n, beta)]
        raise NmfabError(f"algorithm {name!r} supports beta in {list(spec.betas)}, not {beta:g}; "
                         f"for beta={beta:g} use one of {valid}")
    return spec


from . import mu, hals, nenmf  # noqa: E402,F401  (registration lines)
