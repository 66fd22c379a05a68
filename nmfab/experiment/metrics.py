"""Declared metrics: how a stored output is reduced over tracks, shown and compared."""
from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np

from ..errors import NmfabError

ALPHA = 0.05
# A two-sided paired Wilcoxon signed-rank test on n pairs cannot give p < 0.05 for
# n <= 5 (its smallest exact p-value is 2 / 2**n): below this, nothing is tested.
MIN_PAIRED = 6
# Rows are only compared (best mark, significance) within the same dataset; losses
# also within the same objective (beta divergence and penalty).
COMPARED_WITHIN = ("dataset",)
OBJECTIVE_FACTORS = ("beta", "l1_H")


def std_over_tracks(values):
    """Sample standard deviation over tracks (ddof=1, NaNs dropped); NaN below 2 values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.std(values, ddof=1)) if len(values) >= 2 else np.nan


REDUCERS = {"mean": np.nanmean, "median": np.nanmedian, "std": std_over_tracks,
            "min": np.nanmin, "max": np.nanmax}


def not_worse_than_best(best, other):
    """Whether ``other`` is not significantly different from ``best`` (paired Wilcoxon).

    Parameters
    ----------
    best, other : pandas.Series
        Track -> value; only the tracks both share are compared.

    Returns
    -------
    bool or None
        True when p > ALPHA (or all paired differences are zero), False when
        p <= ALPHA, None when fewer than MIN_PAIRED tracks are shared: too few
        tracks to test.
    """
    shared = best.index.intersection(other.index)
    if len(shared) < MIN_PAIRED:
        return None
    a, b = best[shared].to_numpy(dtype=float), other[shared].to_numpy(dtype=float)
    if np.allclose(a - b, 0.0):
        return True
    from scipy.stats import wilcoxon  # imported on use: scipy.stats is slow to import

    return bool(wilcoxon(a, b).pvalue > ALPHA)


@dataclass(frozen=True)
class Metric:
    """One column of the comparison table.

    Parameters
    ----------
    name : str
        Column name.
    output : str, optional
        The stored per-track metric it reduces (default: ``name``).
    reduce : str or callable
        "mean" (default), "median", "std", "min", "max" or a function of a 1-D array.
    percent : bool
        Show values multiplied by 100.
    higher_is_better : bool
        Which end is best (for the best mark and the significance test).
    precision : int
        Decimals shown.
    significance : bool
        Mark settings not significantly different from the best (paired Wilcoxon).
    """

    name: str
    output: Optional[str] = None
    reduce: Union[str, Callable] = "mean"
    percent: bool = False
    higher_is_better: bool = True
    precision: int = 2
    significance: bool = False

    def __post_init__(self):
        if isinstance(self.reduce, str) and self.reduce not in REDUCERS:
            raise NmfabError(f"metric {self.name}: unknown reducer {self.reduce!r}; valid: "
                             + ", ".join(REDUCERS) + " or a function")

    @property
    def is_loss(self):
        """Whether this metric is a loss value (comparable only under one objective)."""
        return "loss" in self.source or "loss" in self.name

    @property
    def compared_within(self):
        """Factors whose values must be equal for two rows to be compared."""
        return COMPARED_WITHIN + (OBJECTIVE_FACTORS if self.is_loss else ())

    @property
    def source(self):
        """The stored column this metric reads."""
        return self.output or self.name

    def reducer(self):
        """The reducing function."""
        return REDUCERS[self.reduce] if isinstance(self.reduce, str) else self.reduce

    def scale(self, values):
        """Values as shown (times 100 for percent metrics)."""
        return values * 100.0 if self.percent else values
