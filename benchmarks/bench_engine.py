"""Benchmark of the experiment engine (not a test).

Prints, measured in one run:

1. the cost of a rerun after changing only a post-processing factor, as a
   fraction of the first run (target <= 10%);
2. the speedup of ``-c 2`` over ``-c 1`` on a CPU-bound plan (target >= 1.7x on
   2 idle cores), and of ``--dask local:2`` (a LocalCluster of 2 worker
   processes, its start-up included) on the same plan, when Dask is installed;
3. the engine's own overhead per work item when the task does nothing
   (target < 20 ms).

Usage: ``python benchmarks/bench_engine.py`` (works in a temporary folder).
"""
import contextlib
import importlib.util
import io
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from nmfab import factorize
from nmfab.experiment import Experiment, Step, Task


def feature(setting, track, inputs, context):
    rng = np.random.default_rng(int(track))
    n_bins, n_frames = int(setting["n_bins"]), int(setting["n_frames"])
    return {"V": rng.random((n_bins, 8)) @ rng.random((8, n_frames)) + 0.01}


def factorization(setting, track, inputs, context):
    result = factorize(inputs["feature"]["V"], int(setting["rank"]), algorithm="mu", beta=2.0,
                       init="random", seed=0, max_iter=int(setting["max_iter"]), tol=0.0)
    return result.as_dict()


def threshold(setting, track, inputs, context):
    H = inputs["factorization"]["H"]
    return {"H": np.where(H >= float(setting["threshold"]) * H.max(), H, 0.0)}


def evaluate(setting, track, inputs, context):
    V, W, H = inputs["feature"]["V"], inputs["factorization"]["W"], inputs["threshold"]["H"]
    return {"rel_error": float(np.linalg.norm(V - W @ H) / np.linalg.norm(V))}


def tracks(setting, context):
    return [str(i) for i in range(int(setting["n_tracks"]))]


def nothing(setting, track, inputs, context):
    return {"value": 0.0}


NMF_TASK = Task("bench", [Step("feature", feature, ("n_bins", "n_frames")),
                          Step("factorization", factorization, ("rank", "max_iter")),
                          Step("threshold", threshold, ("threshold",)),
                          Step("evaluate", evaluate, cache=False)], list_tracks=tracks,
                factors=("n_tracks",))
NOTHING_TASK = Task("nothing", [Step("first", nothing), Step("second", nothing),
                                Step("last", nothing, cache=False)], list_tracks=tracks,
                    factors=("n_tracks",))


# The size of a 30 s excerpt's magnitude spectrogram (n_fft=1024, hop 512 at 22050 Hz).
SPECTROGRAM = dict(n_bins=513, n_frames=1292, max_iter=100, n_tracks=2)


def timed_main(experiment, *argv):
    """Seconds taken by ``experiment.main(argv)`` (its printing silenced)."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = experiment.main(list(argv))
    assert status == 0, f"run failed: {argv}"
    return time.perf_counter() - start


def make(root, task, **plan):
    exp = Experiment("bench", task, results_dir=root / "results", cache_dir=root / "cache")
    exp.add_plan("plan", **plan)
    return exp


def rerun_fraction(root):
    exp = make(root, NMF_TASK, rank=[16, 32], threshold=[0.0, 0.1], **SPECTROGRAM)
    first = timed_main(exp, "-c", "-s", "threshold=0")
    again = timed_main(exp, "-c", "-s", "threshold=0.1")
    return first, again


def parallel_speedup(root):
    # ~0.6 s of NMF per item, so that pool start-up is amortised as in a real plan
    plan = dict(SPECTROGRAM, rank=24, threshold=0.0, n_tracks=8, max_iter=300)
    one = timed_main(make(root / "one", NMF_TASK, **plan), "-c", "1")
    two = timed_main(make(root / "two", NMF_TASK, **plan), "-c", "2")
    dask = running = None
    if importlib.util.find_spec("distributed"):
        dask = timed_main(make(root / "dask", NMF_TASK, **plan), "-c", "--dask", "local:2")
        running = dask_on_a_running_cluster(root / "running", plan)
    return one, two, dask, running


def dask_on_a_running_cluster(root, plan):
    """Seconds of ``--dask ADDRESS`` on a LocalCluster of 2 started (and warmed) beforehand."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                      silence_logs=50) as cluster, Client(cluster) as client:
        client.run(importlib.import_module, "nmfab.experiment.dask_runner")
        return timed_main(make(root, NMF_TASK, **plan), "-c", "--dask", cluster.scheduler_address)


def overhead_per_item(root, n_items=200):
    exp = make(root, NOTHING_TASK, n_tracks=n_items)
    return timed_main(exp, "-c") / n_items


def main():
    # One BLAS thread in this process, as in each -c 2 worker (2 cores // 2 workers), so
    # that -c 1 vs -c 2 measures the engine's process parallelism, not BLAS threading.
    with tempfile.TemporaryDirectory() as folder, threadpool_limits(limits=1):
        root = Path(folder)
        first, again = rerun_fraction(root / "rerun")
        print(f"rerun after a post-processing factor change: {again:.2f} s vs first run "
              f"{first:.2f} s = {100 * again / first:.1f}% (target <= 10%)")
        one, two, dask, running = parallel_speedup(root / "parallel")
        print(f"-c 2 vs -c 1 on a CPU-bound plan: {one:.2f} s / {two:.2f} s = "
              f"{one / two:.2f}x speedup (target >= 1.7x on 2 idle cores)")
        if dask is None:
            print('--dask local:2: not measured, Dask is not installed (pip install -e ".[dask]")')
        else:
            print(f"--dask local:2 vs -c 1 on the same plan: {one:.2f} s / {dask:.2f} s = "
                  f"{one / dask:.2f}x speedup, cluster start-up included (-c 2 / --dask "
                  f"local:2 = {two / dask:.2f})")
            print(f"--dask on a running LocalCluster of 2 vs -c 1: {one:.2f} s / {running:.2f} s "
                  f"= {one / running:.2f}x speedup (-c 2 / it = {two / running:.2f})")
        overhead = overhead_per_item(root / "overhead")
        print(f"engine overhead per work item (do-nothing task, 2 cached steps): "
              f"{1000 * overhead:.1f} ms (target < 20 ms)")


if __name__ == "__main__":
    main()
