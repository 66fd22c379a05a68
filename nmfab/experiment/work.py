"""The work function: run a task's steps for one (setting, track), using the cache.

This is what worker processes execute (and what a distributed engine would run).
It never touches the results database: it returns a plain dict row that the
driver records.
"""
import time
import traceback
from collections.abc import Mapping

import numpy as np

from .cache import StepCache, chain_keys
from .factors import StepSetting, visible_factors
from .results import RESERVED, is_disk_full


class _Pipeline:
    """Resolves step outputs lazily: from the cache when present, else by computing.

    Steps reach earlier outputs through ``inputs[name]``, so an upstream step is
    only loaded or computed when a later step actually needs it.
    """

    def __init__(self, task, setting, track, context, not_before, keys=None):
        self.task, self.setting, self.track = task, setting, track
        self.context, self.not_before = context, not_before
        self.cache = StepCache(context.cache_dir)
        self.steps = {step.name: step for step in task.steps}
        self.keys = keys or chain_keys(task.steps, setting, track)
        self.outputs, self.seconds, self.hits = {}, {}, {}
        self._nested = []

    def get(self, name):
        """The output dict of step ``name`` (load or compute it on first use)."""
        if name not in self.outputs:
            start = time.perf_counter()
            self._nested.append(0.0)
            try:
                self.outputs[name] = self._resolve(self.steps[name], start)
            finally:
                self._nested.pop()
                if self._nested:
                    self._nested[-1] += time.perf_counter() - start
        return self.outputs[name]

    def _resolve(self, step, start):
        """Load ``step`` from the cache, or run it (and store it when it caches)."""
        key = self.keys[step.name]
        if step.cache:
            output, seconds = self.cache.load(step.name, key, self.not_before)
            if output is not None:
                self.hits[step.name], self.seconds[step.name] = True, seconds
                return output
        names = [s.name for s in self.task.steps]
        inputs = _Inputs(self, names[:names.index(step.name)])
        visible = StepSetting(self.setting, visible_factors(step, self.setting), step.name)
        output = step.func(visible, self.track, inputs, self.context)
        if not isinstance(output, dict):
            raise TypeError(f"step {step.name} returned {type(output).__name__}, not a dict")
        seconds = time.perf_counter() - start - self._nested[-1]
        self.hits[step.name], self.seconds[step.name] = False, seconds
        if step.cache:
            self.cache.save(step.name, key, output, seconds)
        return output


class _Inputs(Mapping):
    """Mapping step name -> output of the upstream steps, resolved on access."""

    def __init__(self, pipeline, names):
        self._pipeline, self._names = pipeline, names

    def __getitem__(self, name):
        if name not in self._names:
            raise KeyError(f"step {name!r} is not upstream; available: {self._names}")
        return self._pipeline.get(name)

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)


def _split_outputs(output):
    """Split the last step's output into scalar metrics and other outputs."""
    metrics, other = {}, {}
    for key, value in output.items():
        if key in RESERVED - {"loss", "loss_time", "loss_iter", "n_iter"}:
            raise ValueError(f"last step output {key!r} clashes with a results column; rename it")
        if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            metrics[key] = float(value)
        elif value is not None:
            other[key] = value
    return metrics, other


def _history(outputs):
    """The loss history (loss, loss_time, n_iter) found in any step output, last one wins."""
    found = {}
    for output in outputs.values():
        for key in ("loss", "loss_time", "loss_iter", "n_iter"):
            if key in output:
                found[key] = output[key]
    if "loss" in found and np.size(found["loss"]):
        found["final_loss"] = float(np.asarray(found["loss"])[-1])
    return found


def run_item(task, setting, track, context, not_before=0.0, keys=None):
    """Run every step of ``task`` for one (setting, track).

    Cached step outputs written before ``not_before`` (epoch seconds; ``--force``
    passes the start of the run) are ignored and recomputed. ``keys`` (step name
    -> cache key) are the driver's, when the steps' code reached this process
    by value (a Dask worker) and could not be digested here as it is there.

    Returns
    -------
    dict
        ``metrics`` (scalars of the last step), ``outputs`` (its arrays and
        strings), ``history`` (loss, loss_time, n_iter, final_loss), ``seconds``
        and ``hits`` per step, ``key`` (the last step's cache key: it names the
        code and factors the row was computed with) and ``error`` ("" on
        success, else the message).
    """
    pipeline = _Pipeline(task, setting, track, context, not_before, keys)
    row = dict(metrics={}, outputs={}, history={}, error="")
    try:
        metrics, other = _split_outputs(pipeline.get(task.steps[-1].name))
        for step in task.steps:          # the loss history even when later steps were cached
            if step.algorithm:
                pipeline.get(step.name)
        row.update(metrics=metrics, outputs=other, history=_history(pipeline.outputs))
    except Exception as error:
        if is_disk_full(error):
            raise                        # the driver stops the run with one line
        last = traceback.extract_tb(error.__traceback__)[-1]
        row["error"] = (f"{type(error).__name__}: {error} "
                        f"({last.filename.rsplit('/', 1)[-1]}:{last.lineno})")
    row.update(seconds=dict(pipeline.seconds), hits=dict(pipeline.hits),
               key=pipeline.keys[task.steps[-1].name])
    return row
