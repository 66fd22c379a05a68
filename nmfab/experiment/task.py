"""What a task hands to the experiment engine.

A task is a list of steps (feature -> factorize -> post-process -> evaluate) plus
a way to list the tracks of a setting. The engine knows nothing about audio: it
derives cache keys from the factors each step declares, runs the missing steps
for each (setting, track) work item, and stores the last step's scalar outputs
as metrics in the results database.

Contract
--------
``Step.func(setting, track, inputs, context) -> dict``

* ``setting``: a read-only mapping factor -> value holding only the factors the
  step declares (``Step.factors``; for ``algorithm=True`` steps also the
  factorize factors and the algorithm's declared parameters). Reading any
  other factor raises, so every factor a step's output depends on is in its
  cache key.
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
such settings when the plan is built and never runs them. ``finalize``,
``applicable`` and ``list_tracks`` see the whole setting; the factors they read
that no step declares are listed in ``Task.factors``.

Cache keys (see :mod:`nmfab.experiment.factors`): a step's key holds its
declared factors, a digest of its code (the step function and the project code
it reaches, :mod:`nmfab.experiment.digest`), its ``version`` and the key of the
step before it; an algorithm step's key adds the algorithm's parameters and a
digest of the algorithm's module.
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
        Bump to invalidate this step's cache (and everything downstream) by hand,
        e.g. when a library it calls changed behaviour; editing the step's own
        code already does (its digest is in the key).
    cache : bool
        Store the output in ``data_cache/``. Cheap steps (evaluation) set False.
    algorithm : bool
        The step runs an NMF algorithm (through
        :func:`nmfab.tasks.common.factorize_setting`): it also sees the
        factorize factors and the algorithm's declared parameters.
    code : tuple of callables or modules
        Extra code whose digest enters the key (what the step reaches only
        dynamically, e.g. through a registry).
    """

    name: str
    func: Callable
    factors: Sequence[str] = ()
    version: str = "1"
    cache: bool = True
    algorithm: bool = False
    code: Sequence = ()


@dataclass(frozen=True)
class Task:
    """A task: its steps in order and how to list the tracks of a setting.

    ``list_tracks(setting, context) -> list[str]`` depends only on dataset
    factors; it raises :class:`nmfab.errors.DatasetError` with one clear line
    when a dataset root is missing.

    ``defaults`` are the task's factor defaults, declared once here and merged
    by every :class:`nmfab.experiment.Experiment` of the task (its own
    ``set_defaults`` override them). ``factors`` lists factors read outside the
    steps (by ``list_tracks``, ``finalize`` or ``applicable``).
    """

    name: str
    steps: Sequence[Step]
    list_tracks: Callable
    finalize: Optional[Callable] = None
    applicable: Optional[Callable] = None
    description: str = ""
    defaults: dict = field(default_factory=dict)
    factors: Sequence[str] = ()
    extra: dict = field(default_factory=dict)


TASKS = {}


def register_task(task):
    """Add ``task`` to :data:`TASKS` under ``task.name`` and return it (usable from a
    researcher's own module: one registration line per task)."""
    if not isinstance(task, Task):
        raise TypeError(f"register_task() takes a Task, got {type(task).__name__}")
    TASKS[task.name] = task
    return task


def get_task(name):
    """The registered task ``name`` (the built-in tasks register when :mod:`nmfab.tasks`
    is imported); one NmfabError line listing the valid names otherwise."""
    from ..errors import check_choice

    return TASKS[check_choice("task", name, sorted(TASKS))]
