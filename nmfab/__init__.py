"""nmfab: the NMF audio benchmark.

Public API: :func:`factorize` (one call), :class:`NMF` (scikit-learn-style
estimator) and the algorithm registry :data:`ALGORITHMS`.
"""
__version__ = "0.1.0"

from .algorithms import ALGORITHMS  # noqa: E402
from .nmf import NMFResult, factorize  # noqa: E402
from .estimator import NMF  # noqa: E402

__all__ = ["ALGORITHMS", "NMF", "NMFResult", "factorize", "__version__"]
