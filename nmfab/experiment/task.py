"""What a task hands to the experiment engine.

A task is a list of steps (feature -> factorize -> post-process -> evaluate) plus
a way to list the tracks of a setting. The engine knows nothing about audio: it
derives cache keys from the factors each step declares, runs the missing steps
for each (setting, track) work item, and stores the last step's scalar outputs
as metrics in the results database.

Contract
--------
``Step.func(setting, track, inputs, context) -> dict``

* ``setting``: dict factor -> value, every factor of the plan (defaults filled).
* ``track``: the track identifier (str) returned by ``Task.list_tracks``.
* ``inputs``: dict step name -> that earlier step's output dict (same track).
* ``context``: :class:`Context` (data folder, cache folder).
* returns a dict of str -> numpy array, int, float, bool or str. Outputs of a
  cached step are stored in HDF5 (arrays and plain attributes, never pickle).

Keys with a meaning for the engine, in any step's output:

* ``loss`` (1-D float array: the loss at recorded iterations), ``loss_time``
  (1-D, the wall time at which each was reached, loss evaluation excluded),
  ``n_iter`` (int): recorded in the results database as the loss history,
  ``final_loss`` and ``n_iter`` of the (setting, track).
* In the **last** step's output every int/float/bool value is a metric
  (a column of the results table). Arrays and strings in the last step's
  output are stored alongside (e.g. a metric curve over thresholds).

``Task.finalize(setting, outputs_by_track, context) -> dict track -> dict``
(optional) runs once all tracks of a setting are computed; it sees the last
step's outputs of every track (for example threshold curves) and returns
extra scalar metrics per track (for example a cross-validated F-measure and
the threshold chosen on the other folds). These are stored like metrics.

``Task.applicable(setting) -> str | None`` (optional) says why a setting
cannot run (e.g. a beta the algorithm does not support); the engine reports
such settings when the plan is built and never runs them.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence


@dataclass(frozen=True)
class Context:
    """Where things are: the dataset folder (``--data`` / NMFAB_DATA) and the cache folder."""

    data_dir: Optional[Path]
    cache_dir: Path

    def dataset_root(self, name):
        """``<data>/<name>``, the folder of a real dataset; one clear line without ``--data``."""
        from ..errors import DatasetError

        if self.data_dir is None:
            raise DatasetError(f"dataset {name!r} is read from disk: pass --data DIR "
                               f"(or set NMFAB_DATA) to a folder holding {name}/")
        return Path(self.data_dir) / name


@dataclass(frozen=True)
class Step:
    """One pipeline step.

    Parameters
    ----------
    name : str
        Unique within the task ("feature", "factorize", "postprocess", "evaluate").
    func : callable
        ``func(setting, track, inputs, context) -> dict`` (see module docstring).
    factors : tuple of str
        The factors this step's output depends on (besides the track and the
        upstream steps). Changing any other factor reuses the cached output.
    version : str
        Bump when the step's code changes meaning: invalidates its cache and
        every cache downstream of it.
    cache : bool
        Store the output in ``data_cache/``. Cheap steps (evaluation) set False.
    """

    name: str
    func: Callable
    factors: Sequence[str] = ()
    version: str = "1"
    cache: bool = True


@dataclass(frozen=True)
class Task:
    """A task: its steps in order and how to list the tracks of a setting.

    ``list_tracks(setting, context) -> list[str]`` depends only on dataset
    factors; it raises :class:`nmfab.errors.DatasetError` with one clear line
    when a dataset root is missing.
    """

    name: str
    steps: Sequence[Step]
    list_tracks: Callable
    finalize: Optional[Callable] = None
    applicable: Optional[Callable] = None
    description: str = ""
    extra: dict = field(default_factory=dict)
