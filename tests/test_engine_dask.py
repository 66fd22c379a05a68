"""``-c --dask``: work items on a Dask cluster (optional extra ``pip install -e ".[dask]"``).

The cluster tests skip with their reason when Dask is not installed; the checks
of the ``--dask`` value run without it. Most tests share one LocalCluster (its
address given to ``--dask``, as for a remote scheduler); one starts its own
through ``--dask local:2``.
"""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from engine_task import make_experiment
from nmfab.experiment import load_results

SUBSET = "euclidean/algorithm=hals,rank=2:beta/algorithm=mu"   # 4 settings, 12 items
ONE_SETTING = "euclidean/algorithm=mu,rank=2,threshold=0"      # 3 items
NEED_DASK = 'Dask is optional: pip install -e ".[dask]"'


def table_of(frame):
    columns = ["setting", "track", "rel_error", "density", "rel_error_centered", "n_iter",
               "final_loss"]
    return frame[columns].sort_values(["setting", "track"]).reset_index(drop=True)


def last_line(text):
    return text.strip().splitlines()[-1]


def stored(root):
    return load_results(root / "results" / "enginetest.db")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A LocalCluster of 2 worker processes whose evaluate step dies on request (kill folder)."""
    distributed = pytest.importorskip("distributed", reason=NEED_DASK)
    import dask

    kill_dir = tmp_path_factory.mktemp("kill")
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=50,
                                         env={"NMFAB_TEST_KILL_DIR": str(kill_dir)})
    with local:
        yield local.scheduler_address, kill_dir


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: SUBSET computed in this process (-c 1)."""
    pytest.importorskip("distributed", reason=NEED_DASK)
    root = tmp_path_factory.mktemp("serial")
    exp = make_experiment(root)
    assert exp.main(["-c", "1", "-s", SUBSET, "-q"]) == 0
    return table_of(exp.results(SUBSET))


@pytest.mark.parametrize("argv, message", [
    (["--dask", "local:0"], "--dask local:0: local:N needs a number N >= 1"),
    (["--dask", "local:two"], "--dask local:two: local:N needs a number N >= 1"),
    (["--dask", "scheduler"], "--dask 'scheduler': not a scheduler address"),
    (["--dask", "tcp://host:99999"], "--dask 'tcp://host:99999': not a scheduler address"),
    (["-c", "2", "--dask", "local:2"], "-c 2 and --dask both set the workers"),
])
def test_bad_dask_value_is_one_line(tmp_path, capsys, argv, message):
    assert make_experiment(tmp_path).main(argv + ["-s", ONE_SETTING]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: {message}") and captured.err.count("\n") == 1
    assert not (tmp_path / "results").exists()


def test_without_dask_installed_says_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)       # import distributed fails
    assert make_experiment(tmp_path).main(["--dask", "local:2", "-s", ONE_SETTING]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.strip().endswith('pip install -e ".[dask]"')


def test_a_cache_folder_some_worker_cannot_see_is_one_line(tmp_path):
    """The shared-file-system check, with workers that answer as a real Client.run does."""
    from nmfab.errors import NmfabError
    from nmfab.experiment.dask_runner import _check_shared
    from nmfab.experiment.task import Context

    class Client:         # worker 2 runs on a machine without the driver's folder
        def run(self, function, path):
            return {"tcp://w1:1": function(path), "tcp://w2:1": False}

    context = Context(data_dir=None, cache_dir=tmp_path / "cache")
    with pytest.raises(NmfabError, match=r"^the step cache folder .*cache is not visible on 1 "
                       r"of 2 Dask workers \(e.g. tcp://w2:1\): put it on a file system every "
                       r"worker shares \(--cache DIR\)$"):
        _check_shared(Client(), context)
    assert list((tmp_path / "cache").iterdir()) == []        # the probe file is removed

    class Shared:
        def run(self, function, path):
            return {"tcp://w1:1": function(path), "tcp://w2:1": function(path)}

    _check_shared(Shared(), context)


def test_no_scheduler_at_the_address_is_one_line(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed", reason=NEED_DASK)
    monkeypatch.setattr("nmfab.experiment.dask_runner.CONNECT_TIMEOUT", 1)
    with socket.socket() as free:        # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    assert make_experiment(tmp_path).main(["--dask", address, "-s", ONE_SETTING, "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --dask {address}: no Dask scheduler answered within 1 s")
    assert err.count("\n") == 1 and not (tmp_path / "results" / "enginetest.db").exists()


def test_local_cluster_stores_what_a_serial_run_stores(tmp_path, capsys, serial):
    pytest.importorskip("distributed", reason=NEED_DASK)
    exp = make_experiment(tmp_path)
    assert exp.main(["--dask", "local:2", "-s", SUBSET, "-q"]) == 0
    captured = capsys.readouterr()
    # shared features and factorizations are still computed once, as in -c 1
    assert last_line(captured.out) == ("12 settings x tracks: 12 done, 0 skipped, 0 failed; "
                                       "cache hits: feature 6/12, factorize 3/12, "
                                       "postprocess 0/12")
    assert "dask: 2 workers, 2 threads" in captured.err and "/status" in captured.err
    pd.testing.assert_frame_equal(table_of(exp.results(SUBSET)), serial)
    # nothing left to do: no cluster is started
    assert exp.main(["-c", "--dask", "local:2", "-s", SUBSET, "-q"]) == 0
    captured = capsys.readouterr()
    assert "0 done, 12 skipped, 0 failed" in captured.out and "dask:" not in captured.err


def test_resume_computes_only_the_missing_items_then_force_all(tmp_path, capsys, cluster,
                                                               serial):
    address, _ = cluster
    exp = make_experiment(tmp_path)
    assert exp.main(["-c", "-s", "beta/algorithm=mu", "-q"]) == 0       # 6 of the 12, here
    before = stored(tmp_path).set_index(["setting", "track"])
    capsys.readouterr()
    assert exp.main(["--dask", address, "-s", SUBSET, "-q"]) == 0
    assert "12 settings x tracks: 6 done, 6 skipped, 0 failed" in capsys.readouterr().out
    after = stored(tmp_path).set_index(["setting", "track"])
    assert len(after) == 12 and not after.index.duplicated().any()
    # the stored rows were not recomputed (each computation has its own timings)
    assert after.loc[before.index, "time_factorize"].equals(before["time_factorize"])
    pd.testing.assert_frame_equal(table_of(exp.results(SUBSET)), serial)

    assert exp.main(["-c", "--dask", address, "-s", SUBSET, "--force", "-q"]) == 0
    assert last_line(capsys.readouterr().out) == (
        "12 settings x tracks: 12 done, 0 skipped, 0 failed; cache hits: feature 6/12, "
        "factorize 3/12, postprocess 0/12")
    forced = stored(tmp_path).set_index(["setting", "track"])
    assert len(forced) == 12 and not forced.index.duplicated().any()
    assert (forced.loc[after.index, "time_factorize"] != after["time_factorize"]).all()
    pd.testing.assert_frame_equal(table_of(exp.results(SUBSET)), serial)


def test_a_worker_killed_mid_item_costs_only_that_item(tmp_path, capsys, cluster, serial):
    address, kill_dir = cluster
    (kill_dir / "t1").touch()              # the first item of track t1 kills its worker
    exp = make_experiment(tmp_path)
    assert exp.main(["--dask", address, "-s", SUBSET, "-q"]) == 0
    assert not (kill_dir / "t1").exists()                  # a worker did die
    assert "12 done, 0 skipped, 0 failed" in capsys.readouterr().out
    frame = stored(tmp_path)
    assert len(frame) == 12 and not frame.duplicated(["setting", "track"]).any()
    pd.testing.assert_frame_equal(table_of(exp.results(SUBSET)), serial)


def test_an_item_that_kills_every_worker_is_recorded_failed(tmp_path, capsys, cluster):
    address, kill_dir = cluster
    (kill_dir / "t1.always").touch()
    try:
        status = make_experiment(tmp_path).main(["--dask", address, "-s", ONE_SETTING, "-q"])
    finally:
        (kill_dir / "t1.always").unlink()
    captured = capsys.readouterr()
    assert status == 1 and "3 settings x tracks: 2 done, 0 skipped, 1 failed" in captured.out
    failed = [line for line in captured.err.splitlines() if line.startswith("failed:")]
    assert failed == ["failed: algorithm=mu+rank=2 track t1: the worker process died on this "
                      "item (killed, e.g. out of memory); rerun -c to retry it"]
    assert "Traceback" not in captured.err
    frame = stored(tmp_path)
    assert len(frame) == 3 and sorted(frame[frame.error == ""].track) == ["t0", "t2"]


SCRIPT_TASK = '''
import sys
import numpy as np
from nmfab.experiment import Experiment, Step, Task

def feature(setting, track, inputs, context):
    return {"V": np.random.default_rng(int(track)).random((4, 5)) + 0.1}

def evaluate(setting, track, inputs, context):
    return {"m": float(inputs["feature"]["V"].sum() * int(setting["k"]))}

TASK = Task("script_task", [Step("feature", feature), Step("evaluate", evaluate, ("k",))],
            list_tracks=lambda setting, context: ["0", "1"])

if __name__ == "__main__":
    exp = Experiment("script", TASK, results_dir="results", cache_dir="cache")
    exp.add_plan("p", k=[1, 2])
    raise SystemExit(exp.main(sys.argv[1:]))
'''


def test_steps_defined_in_the_script_resume(tmp_path, cluster):
    """Steps of the running script reach the workers by value (cloudpickle), without their
    source: the rows they store still carry the driver's keys, so -c resumes them."""
    address, _ = cluster
    (tmp_path / "script.py").write_text(SCRIPT_TASK)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}

    def run(*argv):
        done = subprocess.run([sys.executable, "script.py", *argv, "-q"], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "4 done, 0 skipped, 0 failed; cache hits: feature 2/4" in run("--dask", address)
    assert "0 done, 4 skipped" in run("-c")
