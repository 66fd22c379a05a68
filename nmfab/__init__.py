"""nmfab: the NMF audio benchmark.

Public API: :func:`factorize` (one call), :class:`NMF` (scikit-learn-style
estimator), the algorithm registry :data:`ALGORITHMS` with
:func:`register_algorithm`, and :mod:`nmfab.testing` (the checks every
registered algorithm must pass).
"""
__version__ = "0.1.0"

from .algorithms import ALGORITHMS, AlgorithmSpec, Interval, Param  # noqa: E402
from .algorithms import register as register_algorithm  # noqa: E402
from .nmf import NMFResult, factorize  # noqa: E402
from .estimator import NMF  # noqa: E402
from .algorithms import load_plugins as _load_plugins  # noqa: E402

_load_plugins()       # installed packages' entry points in the group "nmfab.algorithms"

__all__ = ["ALGORITHMS", "AlgorithmSpec", "Interval", "NMF", "NMFResult", "Param", "factorize",
           "register_algorithm", "__version__"]
