"""NMF algorithms: one file per algorithm, each registered by name with what it declares.

An algorithm is an :class:`AlgorithmSpec` whose ``make`` builds a one-iteration
update from the problem::

    step = spec.make(V, W, H, beta=beta, fixed_W=mask_or_None, fixed_H=mask_or_None,
                     l1_H=l1_H, **params)
    W, H = step(W, H)          # one iteration; may update W and H in place

The driver (:func:`nmfab.factorize`) owns initialisation, validation of the
declared parameters, loss records (the spec's ``objective``), timing and
stopping. Fixed masks are boolean numpy arrays of length K (True = fixed);
fixed parts must come back bit-identical and the objective must never
increase (:mod:`nmfab.testing` checks both for every registered algorithm).

An algorithm may live anywhere: a researcher's file calls
``nmfab.algorithms.register(AlgorithmSpec(...))``; an installed package may
instead declare an entry point in the group ``nmfab.algorithms`` (a module that
registers, or an AlgorithmSpec), loaded when :mod:`nmfab` is imported.
"""
import hashlib
import importlib.metadata
import inspect
import logging
import sys
from functools import lru_cache
from pathlib import Path

from ..errors import NmfabError, check_choice
from .spec import AlgorithmSpec, Interval, Param, default_objective

ENTRY_POINT_GROUP = "nmfab.algorithms"
ALGORITHMS = {}
log = logging.getLogger("nmfab")


def register(spec):
    """Add ``spec`` to :data:`ALGORITHMS` under ``spec.name`` and return it.

    Registering a name again replaces the earlier spec (a researcher reloading
    their file), so the newest code is what runs.

    Examples
    --------
    >>> from nmfab.algorithms import AlgorithmSpec, register, ALGORITHMS
    >>> def make_noop(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0):
    ...     return lambda W, H: (W, H)
    >>> _ = register(AlgorithmSpec("noop_doc", make_noop, betas=(2.0,)))
    >>> "noop_doc" in ALGORITHMS
    True
    >>> _ = ALGORITHMS.pop("noop_doc")
    """
    if not isinstance(spec, AlgorithmSpec):
        raise NmfabError(f"register() takes an AlgorithmSpec, got {type(spec).__name__}")
    ALGORITHMS[spec.name] = spec
    return spec


def get(name):
    """The spec of algorithm ``name``; one NmfabError line listing the valid names otherwise."""
    return ALGORITHMS[check_choice("algorithm", name, sorted(ALGORITHMS))]


def supports(name, beta):
    """True when algorithm ``name`` exists and handles ``beta``."""
    spec = ALGORITHMS.get(name)
    return spec is not None and spec.supports(beta)


def check_supported(name, beta):
    """Raise NmfabError unless algorithm ``name`` handles ``beta`` (names the valid choices)."""
    spec = get(name)
    if not spec.supports(beta):
        valid = [n for n in sorted(ALGORITHMS) if supports(n, beta)]
        raise NmfabError(f"algorithm {name!r} supports beta in {list(spec.betas)}, not {beta:g}; "
                         f"for beta={beta:g} use one of {valid}")
    return spec


def parameter_names():
    """Every parameter name declared by a registered algorithm."""
    return sorted({name for spec in ALGORITHMS.values() for name in spec.params})


def load_plugins():
    """Import the algorithms that installed packages declare in the ``nmfab.algorithms`` group.

    An entry point may name a module (importing it registers) or an
    :class:`AlgorithmSpec` (registered here). A plugin that fails to load is
    reported in one warning line and skipped.
    """
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as error:  # a broken plugin must not break nmfab
            log.warning("warning: nmfab algorithm plugin %s (%s) failed to load: %s: %s",
                        entry.name, entry.value, type(error).__name__, error)
            continue
        if isinstance(loaded, AlgorithmSpec):
            register(loaded)


# ----------------------------------------------------------------- code digests

_CORE_MODULES = ("nmfab.nmf", "nmfab.backend", "nmfab.divergences", "nmfab.init",
                 "nmfab.validation", "nmfab.algorithms", "nmfab.algorithms.spec")


@lru_cache(maxsize=256)
def _file_bytes(path, mtime_ns, size):
    """A file's bytes, read again only when its modification time or size changes."""
    return Path(path).read_bytes()


def _source_bytes(obj):
    """The source of the module defining ``obj`` (a function, class or module)."""
    module = obj if inspect.ismodule(obj) else sys.modules.get(getattr(obj, "__module__", ""))
    path = getattr(module, "__file__", None)
    if path and Path(path).is_file():
        info = Path(path).stat()
        return _file_bytes(path, info.st_mtime_ns, info.st_size)
    code = getattr(obj, "__code__", None)        # defined interactively: its bytecode
    return code.co_code + repr(code.co_consts).encode() if code else repr(obj).encode()


@lru_cache(maxsize=None)
def core_digest():
    """Digest of the NMF driver's own modules (loss, eps rule, inits, validation)."""
    digest = hashlib.sha256()
    for name in _CORE_MODULES:
        digest.update(_source_bytes(sys.modules[name]))
    return digest.hexdigest()[:16]


def _helper_module(value):
    """The project module (nmfab's or the researcher's) a function or class comes from.

    Algorithms reuse helpers from other modules (``from .mu import update_W``, or
    a researcher's own helper file): those modules are part of the code that runs
    them. Third-party libraries are not (their versions are in each row's provenance).
    """
    from ..experiment.digest import _is_project     # late: the engine imports this package

    if not (inspect.isfunction(value) or inspect.isclass(value)):
        return None
    module = sys.modules.get(getattr(value, "__module__", "") or "")
    return module if _is_project(module) else None


def code_digest(name):
    """Digest of the code that runs algorithm ``name``: its module's source, the sources of
    the nmfab modules whose functions it imports (``mu.py`` for algorithms that reuse
    its updates), and the core's.

    Part of the factorize step's cache key, so editing an algorithm's file (or
    the core) recomputes exactly the factorizations it produced.
    """
    spec = get(name)
    digest = hashlib.sha256(core_digest().encode())
    modules = {sys.modules.get(obj.__module__) for obj in (spec.make, spec.objective, spec.model)
               if obj is not None}
    modules |= {_helper_module(value) for module in list(modules) if module is not None
                for value in vars(module).values()}
    sources = {_source_bytes(module) for module in modules if module is not None}
    for source in sorted(sources):
        digest.update(source)
    return digest.hexdigest()[:16]


from . import (mu, hals, nenmf, minvol, nmfd, smooth, sparse_norm,  # noqa: E402,F401
               kl_ccd, kl_sn)                                     # (registration lines)

__all__ = ["ALGORITHMS", "AlgorithmSpec", "ENTRY_POINT_GROUP", "Interval", "Param",
           "check_supported", "code_digest", "default_objective", "get", "load_plugins",
           "parameter_names", "register", "supports"]
