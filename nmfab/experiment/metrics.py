"""Declared metrics: how a stored output is reduced over tracks and shown."""
from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np

from ..errors import NmfabError

REDUCERS = {"mean": np.nanmean, "median": np.nanmedian, "std": np.nanstd,
            "min": np.nanmin, "max": np.nanmax}


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
    def source(self):
        """The stored column this metric reads."""
        return self.output or self.name

    def reducer(self):
        """The reducing function."""
        return REDUCERS[self.reduce] if isinstance(self.reduce, str) else self.reduce

    def scale(self, values):
        """Values as shown (times 100 for percent metrics)."""
        return values * 100.0 if self.percent else values
