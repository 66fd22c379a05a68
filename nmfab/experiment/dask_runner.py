"""Distributed runs: ``-c --dask ADDRESS`` sends the work items to a Dask cluster.

``ADDRESS`` is a running ``dask.distributed`` scheduler (``tcp://host:8786``)
or ``local:N``, a ``LocalCluster`` of N worker processes started for the run.
Workers run :func:`nmfab.experiment.work.run_item`, the same work function as
``-c N``, and return plain dicts; only the driver writes the results database
(:func:`nmfab.experiment.runner.compute` consumes what this module yields, as
it does for ``-c N``). The step cache must be a folder every worker reaches.

Dask is an optional extra (``pip install -e ".[dask]"``): it is imported here
only, and only when ``--dask`` is used.
"""
import contextlib
import dataclasses
import logging
import os
import re
import signal
import sys
import threading
import time
import uuid
import warnings
from collections import Counter
from pathlib import Path

from threadpoolctl import threadpool_limits

from ..errors import NmfabError
from .cache import chain_keys
from .runner import _Scheduler, dead_worker_result
from .work import run_item

CONNECT_TIMEOUT = 10      # seconds to wait for a scheduler to answer
LOCAL_ALLOWED_FAILURES = 1  # local:N: an item whose worker dies is retried once, then failed
INSTALL = 'pip install -e ".[dask]"'
_ADDRESS = re.compile(r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:[\w.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})")
_WORKER = {}


def parse_address(value):
    """``("local", N)`` for ``local:N``, else ``("remote", address)``.

    Raises
    ------
    NmfabError
        For anything else (one line saying what is accepted).

    Examples
    --------
    >>> parse_address("local:4")
    ('local', 4)
    >>> parse_address("tcp://10.0.0.5:8786")
    ('remote', 'tcp://10.0.0.5:8786')
    """
    if value.startswith("local:"):
        count = value[len("local:"):]
        if not count.isdigit() or int(count) < 1:
            raise NmfabError(f"--dask {value}: local:N needs a number N >= 1 of worker "
                             "processes, e.g. local:4")
        return "local", int(count)
    match = _ADDRESS.fullmatch(value)
    if not match or not 0 < int(match.group(1)) < 65536:
        raise NmfabError(f"--dask {value!r}: not a scheduler address; give tcp://HOST:PORT "
                         "(e.g. tcp://10.0.0.5:8786) or local:N")
    return "remote", value


def check(value):
    """Validate ``--dask VALUE`` and that Dask is installed, before anything runs."""
    parse_address(value)
    _distributed()


def _distributed():
    try:
        import distributed
    except ImportError:
        raise NmfabError(f"--dask needs Dask's distributed scheduler, which is not installed: "
                         f"{INSTALL}") from None
    return distributed


def dask_setup(worker):
    """Preload of ``local:N``'s workers: Ctrl-C is the driver's to handle (it stops the
    cluster), so its workers ignore SIGINT, as ``-c N``'s do."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _cores():
    """CPU cores this process may use (its affinity: a SLURM allocation, not the whole node)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _work(task, setting, track, context, not_before, keys, host_slots):
    """Run one work item on a Dask worker, with BLAS threads = cores // task slots on its host.

    The cache ``keys`` are the driver's: a step defined in the driver's script reaches the
    worker by value (cloudpickle), without the source its digest reads.
    """
    from distributed import get_worker

    worker = get_worker()
    threads = max(1, _cores() // host_slots.get(worker.ip, worker.state.nthreads))
    if _WORKER.get("threads") != threads:        # once per worker process, as -c N does
        _WORKER.update(threads=threads, limits=threadpool_limits(limits=threads))
    return run_item(task, setting, track, context, not_before, keys)


def _absolute(context):
    """The context with absolute folders: workers may start elsewhere."""
    return dataclasses.replace(
        context, cache_dir=Path(context.cache_dir).resolve(),
        data_dir=Path(context.data_dir).resolve() if context.data_dir else None)


def _check_shared(client, context):
    """Every worker sees the driver's cache (and data) folder: a shared file system."""
    context.cache_dir.mkdir(parents=True, exist_ok=True)
    marker = context.cache_dir / f".nmfab-shared-{uuid.uuid4().hex}"
    marker.touch()
    try:
        folders = [("step cache folder", context.cache_dir, marker, "--cache DIR")]
        if context.data_dir:
            folders.append(("dataset folder", context.data_dir, context.data_dir, "--data DIR"))
        for what, folder, probe, option in folders:
            seen = client.run(os.path.exists, str(probe))
            blind = [worker for worker, found in seen.items() if not found]
            if blind:
                raise NmfabError(f"the {what} {folder} is not visible on {len(blind)} of "
                                 f"{len(seen)} Dask workers (e.g. {blind[0]}): put it on a "
                                 f"file system every worker shares ({option})")
    finally:
        marker.unlink()


@contextlib.contextmanager
def _client(address):
    """A Client of the scheduler at ``address``, or of a LocalCluster it starts (closed after)."""
    distributed = _distributed()
    kind, value = parse_address(address)
    if kind == "local":
        import dask

        try:
            # the dashboard on port 8787, or a free one when taken (the first line says which)
            with dask.config.set({"distributed.scheduler.allowed-failures":
                                  LOCAL_ALLOWED_FAILURES}), warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Port 8787 is already in use")
                cluster = distributed.LocalCluster(n_workers=value, threads_per_worker=1,
                                                   processes=True, dashboard_address=":8787",
                                                   silence_logs=logging.CRITICAL,
                                                   preload=[__name__])
        except Exception as error:
            raise NmfabError(f"--dask {address}: the local Dask cluster did not start "
                             f"({type(error).__name__}: {error}); a script that computes must "
                             'run its command line under if __name__ == "__main__":') from None
        with cluster, distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError):
        raise NmfabError(f"--dask {address}: no Dask scheduler answered within "
                         f"{CONNECT_TIMEOUT} s; start it first (README: Running experiments) "
                         "or check the address") from None
    with client:
        yield client


def _host_slots(nthreads):
    """Task slots (worker threads) per host, from ``{worker address: threads}``."""
    from distributed.comm import get_address_host

    slots = Counter()
    for address, count in nthreads.items():
        slots[get_address_host(address)] += count
    return dict(slots)


def _outcome(task, future, result):
    """The result dict of a finished future; a worker that died on it makes a failed row."""
    from distributed import KilledWorker

    if future.status != "error":
        return result
    error = future.exception()
    if isinstance(error, KilledWorker):
        return dead_worker_result(task)
    if isinstance(error, OSError):
        raise error                       # e.g. disk full: compute() stops with one line
    raise NmfabError(f"a Dask worker could not run the work item: {type(error).__name__}: "
                     f"{error}; workers need the driver's environment (nmfab and the "
                     "experiment's modules importable)")


class _Workers:
    """The cluster's task slots, asked again at most every ``period`` seconds (it may grow)."""

    def __init__(self, client, period=1.0):
        self.client, self.period, self.asked = client, period, -period

    def slots(self):
        """(total slots, slots per host)."""
        if time.monotonic() - self.asked >= self.period:
            nthreads = self.client.nthreads()
            self.total, self.per_host = max(1, sum(nthreads.values())), _host_slots(nthreads)
            self.asked = time.monotonic()
        return self.total, self.per_host


def iterate_dask(items, task, context, not_before, address):
    """Yield (item, result) as work items finish on the Dask cluster at ``address``.

    Items go out as worker threads free up, through the runner's scheduler, so
    that no two in flight compute the same cache entry (a factorization shared
    by several post-processing settings is still computed once), and a worker
    that dies holds one item only.
    """
    if not items:
        return
    distributed = _distributed()
    context = _absolute(context)
    with _client(address) as client:
        nthreads = client.nthreads()
        print(f"dask: {len(nthreads)} workers, {sum(nthreads.values())} threads at "
              f"{client.scheduler.address}; dashboard {client.dashboard_link}", file=sys.stderr)
        _check_shared(client, context)
        scheduler, workers, running = _Scheduler(task, items, context, not_before), \
            _Workers(client), {}
        finished = distributed.as_completed(loop=client.loop, with_results=True,
                                            raise_errors=False)

        def submit():
            slots, per_host = workers.slots()
            while len(running) < slots and (chosen := scheduler.next_item()):
                item, missing = chosen
                keys = chain_keys(task.steps, item[1], item[2])
                future = client.submit(_work, task, item[1], item[2], context, not_before,
                                       keys, per_host, pure=False,
                                       key=f"{task.name}-{uuid.uuid4().hex}")
                running[future] = (item, missing)
                finished.add(future)

        try:
            submit()
            for future, result in finished:
                item, missing = running.pop(future)
                scheduler.release(missing)
                result = _outcome(task, future, result)
                future.release()
                submit()
                yield item, result
        finally:
            if running:        # interrupted or failed: drop what is still queued or running
                client.cancel(list(running))
