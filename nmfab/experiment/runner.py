"""The driver: runs (setting, track) work items, in-process or on worker processes.

Workers compute and return plain dicts; only this driver writes the results
database, one row file per finished item, so a kill loses only work in flight.
"""
import contextlib
import fcntl
import os
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from threadpoolctl import threadpool_limits
from tqdm import tqdm

from ..errors import NmfabError
from .cache import StepCache, chain_keys, remove_stale_temporaries
from .results import DiskFull, is_disk_full, provenance
from .work import run_item

_WORKER = {}


def _exit_with_driver(driver_pid, period=0.5):
    """Leave as soon as the driver is gone (e.g. SIGKILLed), instead of lingering orphaned."""
    while os.getppid() == driver_pid:
        time.sleep(period)
    os._exit(1)


def _init_worker(task, context, not_before, threads, driver_pid):
    """Worker start: remember the task, cap BLAS/OpenMP threads, watch the driver.

    Ctrl-C is the driver's to handle (it stops the workers): workers ignore SIGINT.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.update(task=task, context=context, not_before=not_before,
                   limits=threadpool_limits(limits=threads))
    threading.Thread(target=_exit_with_driver, args=(driver_pid,), daemon=True).start()


def _work(setting, track):
    """Run one work item on a worker process (with what :func:`_init_worker` stored)."""
    return run_item(_WORKER["task"], setting, track, _WORKER["context"], _WORKER["not_before"])


class _Scheduler:
    """Hands out work items so that no two in flight compute the same cache entry.

    An item waits while another running item is computing one of its cached
    steps (same key, not on disk yet), and then finds that output in the cache:
    a factorization shared by several post-processing settings is computed once.
    """

    WINDOW = 256   # how far ahead of the queue to look for an item that can start

    def __init__(self, task, items, context, not_before):
        self.cached = [step for step in task.steps if step.cache]
        self.cache, self.not_before = StepCache(context.cache_dir), not_before
        self.pending = list(items)
        self.busy = Counter()

    def _missing(self, item):
        keys = chain_keys(self.cached, item[1], item[2])
        return {(name, key) for name, key in keys.items()
                if not self.cache.is_fresh(name, key, self.not_before)}

    def next_item(self):
        """The first pending item not blocked by one in flight, with its missing keys, or None."""
        for index, item in enumerate(self.pending[:self.WINDOW]):
            missing = self._missing(item)
            if not missing & set(self.busy):
                del self.pending[index]
                self.busy.update(missing)
                return item, missing
        return None

    def release(self, missing):
        self.busy.subtract(missing)
        self.busy += Counter()   # drop zero counts


def _iterate_parallel(items, task, context, not_before, n_jobs):
    """Yield (item, result) as work items finish on ``n_jobs`` worker processes."""
    threads = max(1, (os.cpu_count() or 1) // n_jobs)
    scheduler = _Scheduler(task, items, context, not_before)
    running, suspects, restarts = {}, [], 0

    def new_pool():
        return ProcessPoolExecutor(n_jobs, initializer=_init_worker,
                                   initargs=(task, context, not_before, threads, os.getpid()))

    pool = new_pool()
    try:
        while scheduler.pending or running or suspects:
            broken = False
            try:
                if suspects:        # after a worker died: rerun what was in flight, one alone
                    if not running:
                        item = suspects[0]
                        running[pool.submit(_work, item[1], item[2])] = (item, set(), True)
                        suspects.pop(0)
                else:
                    while len(running) < n_jobs and (chosen := scheduler.next_item()):
                        item, missing = chosen
                        try:
                            running[pool.submit(_work, item[1], item[2])] = (item, missing,
                                                                            False)
                        except BrokenProcessPool:
                            scheduler.release(missing)
                            scheduler.pending.insert(0, item)
                            raise
            except BrokenProcessPool:           # it broke before we could submit
                broken = True
            if not broken:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = any(isinstance(f.exception(), BrokenProcessPool) for f in done)
            if broken:
                # A worker died (killed, out of memory): the pool is gone. An item that
                # killed it while running alone is recorded as failed; the others retry.
                restarts += 1
                if restarts > 3 and not running:
                    raise NmfabError("worker processes die as soon as they start (out of "
                                     "memory?); rerun with -c 1 to see why")
                for item, missing, alone in running.values():
                    scheduler.release(missing)
                    if alone:
                        yield item, dead_worker_result(task)
                    else:
                        suspects.append(item)
                running.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                continue
            restarts = 0
            for future in done:
                item, missing, _ = running.pop(future)
                scheduler.release(missing)
                yield item, future.result()
    except BaseException:
        # Interrupted (Ctrl-C) or failed: stop the workers now instead of waiting for them.
        workers = list((pool._processes or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.terminate()
        raise
    pool.shutdown()


def dead_worker_result(task):
    """The result recorded for an item whose worker process died while running it alone."""
    return dict(metrics={}, outputs={}, history={}, seconds={}, hits={}, key="",
                error="the worker process died on this item (killed, e.g. out of memory); "
                      "rerun -c to retry it")


def _iterate(items, task, context, not_before, n_jobs, dask=None):
    """Yield (item, result) as work items finish (in this process when ``n_jobs`` is 1,
    on the Dask cluster at ``dask`` when given).

    In-process runs use one BLAS thread, like each of ``-c N``'s workers uses
    ``cores // N``: the BLAS never spins on cores another process needs (two
    ``-c 1`` at once were 11x slower with two threads each).
    """
    if dask:
        from .dask_runner import iterate_dask      # Dask is imported only when used

        yield from iterate_dask(items, task, context, not_before, dask)
        return
    if n_jobs > 1:
        yield from _iterate_parallel(items, task, context, not_before, n_jobs)
        return
    with threadpool_limits(limits=1):
        for item in items:
            yield item, run_item(task, item[1], item[2], context, not_before)


def _make_row(setting_id, setting, track, result, versions):
    """The stored row of one finished work item."""
    timings = {f"time_{name}": float(s) for name, s in result["seconds"].items() if s is not None}
    timings.update({f"hit_{name}": bool(hit) for name, hit in result["hits"].items()})
    return dict(setting=setting_id, track=track, error=result["error"], factors=setting,
                metrics=result["metrics"], outputs=result["outputs"],
                history=result["history"], timings=timings, provenance=versions,
                finalized=False, key=result.get("key", ""))


@contextlib.contextmanager
def _deferred_interrupt():
    """Hold Ctrl-C (SIGINT) until the block is done, then raise it: a row is never stored
    without being counted in the "N rows stored" line."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`compute`; ``stored`` rows were recorded before it."""

    def __init__(self, stored):
        super().__init__(stored)
        self.stored = stored


@contextlib.contextmanager
def results_lock(results):
    """Hold an exclusive lock on the results database while computing into it.

    The lock is ``fcntl.flock`` on ``<root>.lock`` beside the row folder, which
    holds the pid of the process that has it; the kernel releases it when that
    process ends, even on ``kill -9``.

    Raises
    ------
    NmfabError
        When another process holds the lock (naming its pid).
    """
    path = results.root.with_name(results.root.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise NmfabError(f"results {results.root} are being computed by process {holder} "
                             f"(lock {path}); wait for it to finish or stop it") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class RunSummary:
    """Counts of one ``-c`` run, printed as one line."""

    def __init__(self, total):
        self.total, self.done, self.skipped, self.failed = total, 0, 0, 0
        self.hits, self.used = Counter(), Counter()

    def add(self, result):
        self.done += not result["error"]
        self.failed += bool(result["error"])
        for name, hit in result["hits"].items():
            self.used[name] += 1
            self.hits[name] += hit

    def line(self, cached_steps):
        hits = ", ".join(f"{name} {self.hits[name]}/{self.used[name]}"
                         for name in cached_steps if self.used[name])
        return (f"{self.total} settings x tracks: {self.done} done, {self.skipped} skipped, "
                f"{self.failed} failed; cache hits: {hits or 'none'}")


def compute(task, items, results, context, n_jobs=1, force=False, progress=False, dask=None):
    """Compute the work items not stored yet and record each as it finishes.

    Parameters
    ----------
    task : nmfab.experiment.Task
    items : list of (setting_id, setting, track)
    results : nmfab.experiment.results.ResultsStore
    context : nmfab.experiment.Context
    n_jobs : int
        Worker processes (1: in this process).
    force : bool
        Recompute stored pairs and the cached steps (outputs written during
        this run are reused, so a shared step is still computed once).
    progress : bool
        Show a tqdm bar.
    dask : str, optional
        Run on a Dask cluster instead (``n_jobs`` is then unused): a scheduler
        address or ``local:N`` (:mod:`nmfab.experiment.dask_runner`).

    Returns
    -------
    RunSummary

    Raises
    ------
    Interrupted
        On Ctrl-C, with the number of rows stored by this run (they are kept:
        rerunning resumes).
    """
    summary = RunSummary(len(items))
    remove_stale_temporaries(context.cache_dir)
    results.check()
    last = task.steps[-1].name
    todo = [item for item in items if force or not results.is_current(
        item[1], item[2], chain_keys(task.steps, item[1], item[2])[last])]
    summary.skipped = len(items) - len(todo)
    versions = provenance()
    not_before = time.time() if force else 0.0
    with tqdm(total=len(todo), disable=not progress, unit="item") as bar:
        finished = _iterate(todo, task, context, not_before, n_jobs, dask)
        try:
            for (setting_id, setting, track), result in finished:
                with _deferred_interrupt():        # stored and counted, or neither
                    results.write(_make_row(setting_id, setting, track, result, versions),
                                  setting)
                    summary.add(result)
                if result["error"]:
                    tqdm.write(f"failed: {setting_id or '(defaults)'} track {track}: "
                               f"{result['error']}", file=sys.stderr)
                bar.update()
        except KeyboardInterrupt:
            finished.close()   # stops the worker processes now
            raise Interrupted(summary.done + summary.failed) from None
        except Exception as error:
            if not is_disk_full(error):
                raise
            finished.close()
            where = getattr(error, "filename", None) or results.path
            raise DiskFull(f"disk full at {where}: {summary.done + summary.failed} rows stored "
                           "by this run (all stored rows are intact); free space and rerun -c") \
                from None
    return summary


def finalize(task, settings_tracks, results, context):
    """Run ``task.finalize`` for each setting whose tracks are all stored.

    Parameters
    ----------
    settings_tracks : list of (setting_id, setting, list of tracks)

    Returns
    -------
    finalized, failures : int
        Settings finalized now, and settings whose finalize step failed.
    """
    finalized = failures = 0
    for setting_id, setting, tracks in settings_tracks:
        rows = {row["track"]: row for row in results.read_setting(setting)
                if not row["error"]}
        if set(tracks) - set(rows) or all(row.get("finalized") for row in rows.values()):
            continue
        outputs = {track: {**rows[track]["metrics"], **rows[track].get("outputs", {})}
                   for track in tracks}
        try:
            extra = task.finalize(setting, outputs, context)
        except Exception as error:
            print(f"failed: finalize {setting_id or '(defaults)'}: {type(error).__name__}: "
                  f"{error}", file=sys.stderr)
            failures += 1
            continue
        for track in tracks:
            rows[track].update(final={k: float(v) for k, v in extra.get(track, {}).items()},
                               finalized=True)
        results.write_many([rows[track] for track in tracks], setting)
        finalized += 1
    return finalized, failures
