"""Digests of the code a step runs, so that editing it invalidates exactly its cache entries.

:func:`code_digest` hashes a function's source together with everything it
reaches by global name that is *project code*: functions, classes and modules
of nmfab or of the researcher's own files (anything outside the installed
third-party packages and the standard library), recursively, plus the values
of the plain constants it reads (numbers, strings, tuples, dicts, arrays).
Third-party libraries are identified by their versions in each row's
provenance instead. Names looked up dynamically (``getattr``, registries,
local imports) are not followed: an algorithm's code enters the factorize key
through :func:`nmfab.algorithms.code_digest` instead.
"""
import hashlib
import inspect
import sys
import sysconfig
import types
from functools import lru_cache
from pathlib import Path

import numpy as np

_CONSTANTS = (bool, int, float, complex, str, bytes, tuple, frozenset, list, dict, type(None))


@lru_cache(maxsize=None)
def _library_roots():
    """Folders of the standard library and installed packages (not project code)."""
    roots = set()
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(name)
        if path:
            roots.add(Path(path).resolve())
    roots.update(Path(p).resolve() for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}
                 if p and Path(p).name != "")
    return tuple(roots)


def _is_project(module):
    """nmfab itself, or a module from a file outside the libraries (the researcher's)."""
    if module is None:
        return False
    name = module.__name__
    if name == "nmfab" or name.startswith("nmfab."):
        return True
    path = getattr(module, "__file__", None)
    if not path:
        return False
    resolved = Path(path).resolve()
    return not any(root in resolved.parents for root in _library_roots())


def _source(obj):
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        code = getattr(obj, "__code__", None)
        return repr(code.co_code) + repr(code.co_consts) if code else repr(obj)


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _constant(value):
    if isinstance(value, np.ndarray):
        return hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest() + str(value.dtype)
    return repr(value)


def _walk(obj, seen, parts):
    """Append the source of ``obj`` and of the project code it reaches to ``parts``."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if inspect.ismodule(obj):
        if _is_project(obj):
            parts.append(_source(obj))
        return
    if inspect.isclass(obj):
        if _is_project(sys.modules.get(obj.__module__)):
            parts.append(_source(obj))
            for member in vars(obj).values():
                if inspect.isfunction(member):
                    _walk_function(member, seen, parts)
        return
    if inspect.isfunction(obj) and _is_project(sys.modules.get(obj.__module__)):
        parts.append(_source(obj))
        _walk_function(obj, seen, parts)


def _walk_function(func, seen, parts):
    seen.add(id(func))
    scope = func.__globals__
    for code in _code_objects(func.__code__):
        for name in code.co_names:
            if name not in scope:
                continue
            value = scope[name]
            if isinstance(value, _CONSTANTS + (np.ndarray,)):
                parts.append(f"{name}={_constant(value)}")
            else:
                _walk(value, seen, parts)


@lru_cache(maxsize=None)
def code_digest(func):
    """A 16-hex-digit digest of ``func`` and the project code and constants it reaches.

    Examples
    --------
    >>> def f(x):
    ...     return x + 1
    >>> len(code_digest(f))
    16
    """
    parts = []
    _walk(func, set(), parts)
    if not parts:                      # a builtin or a library function: its identity
        parts.append(f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', func)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
