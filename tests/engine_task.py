"""A small task of the engine's own: a generated matrix, an NMF, a threshold, relative error.

Used by tests/test_engine_*.py and benchmarks/bench_engine.py. ``CALLS`` counts
step executions in this process (in-process runs, ``-c 1``).
"""
import os
import signal
import sqlite3
import time
import zlib
from collections import Counter

import numpy as np

from nmfab.errors import DatasetError
from nmfab.experiment import Experiment, Step, Task
from nmfab.tasks.common import algorithm_applicable, factorize_setting

CALLS = Counter()
SHAPES = {"small": (12, 20), "tall": (30, 16)}


def _rng(*parts):
    return np.random.default_rng(zlib.crc32("/".join(map(str, parts)).encode()))


def feature(setting, track, inputs, context):
    """A nonnegative low-rank-plus-noise matrix, deterministic in (dataset, track)."""
    CALLS["feature"] += 1
    n_rows, n_cols = SHAPES[setting["dataset"]]
    rng = _rng(setting["dataset"], track)
    V = rng.random((n_rows, 3)) @ rng.random((3, n_cols)) + 0.05 * rng.random((n_rows, n_cols))
    return {"V": V}


def factorize(setting, track, inputs, context):
    """NMF of the feature with the setting's algorithm, rank and beta."""
    CALLS["factorize"] += 1
    time.sleep(float(setting.get("delay", 0.0)))
    V = inputs["feature"]["V"]
    return factorize_setting(V, setting, rank=int(setting["rank"]), init="random")


def postprocess(setting, track, inputs, context):
    """Zero the activations below ``threshold`` times the largest one."""
    CALLS["postprocess"] += 1
    H = inputs["factorize"]["H"]
    return {"H": np.where(H >= float(setting["threshold"]) * H.max(), H, 0.0)}


def _kill_requested(track):
    """Whether a test asks the worker to die on ``track``: NMFAB_TEST_KILL_TRACK names it, or
    the folder NMFAB_TEST_KILL_DIR holds ``<track>.always`` (every time) or ``<track>`` (once:
    the first item to remove that file dies)."""
    if os.environ.get("NMFAB_TEST_KILL_TRACK") == track:
        return True
    folder = os.environ.get("NMFAB_TEST_KILL_DIR")
    if not folder:
        return False
    if os.path.exists(os.path.join(folder, f"{track}.always")):
        return True
    try:
        os.remove(os.path.join(folder, track))
    except FileNotFoundError:
        return False
    return True


def evaluate(setting, track, inputs, context):
    """Relative Frobenius error of the thresholded model; fails on ``fail_track``."""
    CALLS["evaluate"] += 1
    if _kill_requested(track):
        os.kill(os.getpid(), signal.SIGKILL)                # a worker killed (e.g. OOM)
    if setting.get("fail_track") == track:
        raise ValueError(f"deliberate failure on {track}")
    V, W = inputs["feature"]["V"], inputs["factorize"]["W"]
    H = inputs["postprocess"]["H"]
    error = np.linalg.norm(V - W @ H) / np.linalg.norm(V)
    return {"rel_error": float(error), "density": float(np.mean(H > 0)),
            "curve": np.array([error, error])}


def list_tracks(setting, context):
    if setting["dataset"] not in SHAPES:
        raise DatasetError(f"dataset {setting['dataset']} not found; use small or tall")
    return [f"t{i}" for i in range(int(setting.get("n_tracks", 3)))]


def finalize(setting, outputs_by_track, context):
    """Cross-track metric: each track's error minus the setting's mean error."""
    mean = np.mean([out["rel_error"] for out in outputs_by_track.values()])
    return {track: {"rel_error_centered": out["rel_error"] - mean}
            for track, out in outputs_by_track.items()}


TASK = Task(
    name="engine_test",
    steps=[Step("feature", feature, factors=("dataset",)),
           Step("factorize", factorize, factors=("rank", "delay"), algorithm=True),
           Step("postprocess", postprocess, factors=("threshold",)),
           Step("evaluate", evaluate, factors=("fail_track",), cache=False)],
    list_tracks=list_tracks, applicable=algorithm_applicable, finalize=finalize,
    factors=("n_tracks",))


def count_rows(root):
    """Rows stored so far in the test experiment's results database under ``root``."""
    try:
        with sqlite3.connect(root / "results" / "enginetest.db") as connection:
            return connection.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
    except sqlite3.Error:
        return 0


def make_experiment(root, **plan_overrides):
    """The test experiment, with every location under ``root``."""
    exp = Experiment("enginetest", TASK, description="engine test task",
                     results_dir=root / "results", cache_dir=root / "data_cache",
                     export_dir=root / "export")
    exp.set_defaults(dataset="small", beta=2.0, max_iter=30, delay=0.0, threshold=0.0,
                     fail_track="none")
    exp.add_plan("euclidean", algorithm=["mu", "hals"], rank=[2, 3],
                 threshold=[0.0, 0.1], **plan_overrides)
    exp.add_plan("beta", algorithm=["mu", "hals"], beta=[1.0, 2.0], rank=3, dataset="tall")
    exp.add_metric("rel_error", higher_is_better=False, precision=4, significance=True)
    exp.add_metric("density", percent=True, precision=1)
    return exp
