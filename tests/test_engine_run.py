"""Computing, resuming, parallel runs, failures, removal and the results database."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import h5py

import engine_task
from engine_task import count_rows, make_experiment
from nmfab.experiment import load_results

SCRIPT = Path(__file__).with_name("engine_experiment.py")
SUBSET = "euclidean/algorithm=hals,rank=2:beta/algorithm=mu"   # 2 + 2 settings, 12 items


def summary_line(capsys):
    out = capsys.readouterr().out.strip().splitlines()
    return out[-1]


def table_of(frame):
    """The stored metrics, ordered, for comparisons between runs."""
    columns = ["setting", "track", "rel_error", "density", "rel_error_centered", "n_iter",
               "final_loss"]
    return frame[columns].sort_values(["setting", "track"]).reset_index(drop=True)


def test_compute_then_compute_again_computes_nothing(tmp_path, capsys):
    exp = make_experiment(tmp_path)
    engine_task.CALLS.clear()
    assert exp.main(["-c", "-s", SUBSET]) == 0
    assert summary_line(capsys).startswith("12 settings x tracks: 12 done, 0 skipped, 0 failed")
    assert engine_task.CALLS["evaluate"] == 12
    engine_task.CALLS.clear()
    assert exp.main(["-c", "-s", SUBSET]) == 0
    assert summary_line(capsys) == ("12 settings x tracks: 0 done, 12 skipped, 0 failed; "
                                    "cache hits: none")
    assert sum(engine_task.CALLS.values()) == 0


def test_post_process_factor_change_reuses_factorizations(tmp_path, capsys):
    exp = make_experiment(tmp_path)
    exp.main(["-c", "-s", "euclidean/threshold=0"])
    capsys.readouterr()
    engine_task.CALLS.clear()
    exp.main(["-c", "-s", "euclidean/threshold=0.1"])
    assert engine_task.CALLS["factorize"] == 0 and engine_task.CALLS["postprocess"] == 12
    assert "factorize 12/12, postprocess 0/12" in summary_line(capsys)


def test_results_rows_hold_metrics_history_timings_provenance(tmp_path):
    exp = make_experiment(tmp_path)
    exp.main(["-c", "-s", SUBSET])
    frame = load_results(tmp_path / "results" / "enginetest.db", histories=True)
    assert len(frame) == 12 and not frame.duplicated(["setting", "track"]).any()
    row = frame[(frame.setting == "algorithm=hals+rank=2") & (frame.track == "t1")].iloc[0]
    assert row["algorithm"] == "hals" and row["rank"] == 2 and row["threshold"] == 0.0
    assert 0 < row["n_iter"] <= 30 and len(row["loss"]) >= 2
    assert row["final_loss"] == row["loss"][-1] and len(row["loss_time"]) == len(row["loss"])
    assert np.all(np.diff(row["loss_time"]) >= 0)
    assert row["time_factorize"] > 0 and row["error"] == "" and row["nmfab_version"]
    assert f"numpy={np.__version__}" in row["versions"].split()
    assert f"h5py={h5py.__version__}" in row["versions"].split()
    # finalize ran: centered errors of a setting sum to zero
    for _, group in frame.groupby("setting"):
        assert group["rel_error_centered"].sum() == pytest.approx(0.0, abs=1e-12)
        assert group["rel_error_centered"].to_numpy() == pytest.approx(
            group["rel_error"].to_numpy() - group["rel_error"].mean())
    with sqlite3.connect(tmp_path / "results" / "enginetest.db") as connection:
        raw = pd.read_sql("SELECT setting, track, failed FROM rows", connection)
    assert len(raw) == 12 and raw.failed.sum() == 0      # plain SQL works for users too


def test_parallel_equals_serial(tmp_path, capsys):
    serial, parallel = make_experiment(tmp_path / "a"), make_experiment(tmp_path / "b")
    assert serial.main(["-c", "1", "-s", SUBSET]) == 0
    serial_line = summary_line(capsys)
    assert parallel.main(["-c", "2", "-s", SUBSET, "-P"]) == 0
    # shared features and factorizations are computed once in parallel runs too
    assert summary_line(capsys) == serial_line
    assert "feature 6/12, factorize 3/12" in serial_line
    a, b = serial.results(), parallel.results()
    pd.testing.assert_frame_equal(table_of(a), table_of(b))
    assert serial.table().shown.equals(parallel.table().shown)


def test_failing_track_recorded_others_go_on(tmp_path, capsys):
    exp = make_experiment(tmp_path, fail_track=["none", "t1"])
    status = exp.main(["-c", "2", "-s", "euclidean/algorithm=mu,rank=2,threshold=0"])
    captured = capsys.readouterr()
    assert status == 1
    assert "6 settings x tracks: 5 done, 0 skipped, 1 failed" in captured.out
    assert "failed: algorithm=mu+fail_track=t1+rank=2 track t1: ValueError: deliberate" \
        in captured.err
    frame = exp.results()
    failed = frame[frame.error != ""]
    assert list(failed.track) == ["t1"] and np.isnan(failed.rel_error.iloc[0])
    # failed pairs are retried by the next -c, stored ones are skipped
    assert exp.main(["-c", "-s", "euclidean/algorithm=mu,rank=2,threshold=0"]) == 1
    assert "0 done, 5 skipped, 1 failed" in capsys.readouterr().out


def test_force_recomputes_each_shared_step_once(tmp_path, capsys):
    exp = make_experiment(tmp_path)
    exp.main(["-c", "-s", "euclidean/rank=2"])
    engine_task.CALLS.clear()
    exp.main(["-c", "-s", "euclidean/rank=2", "--force"])
    assert "12 done, 0 skipped" in summary_line(capsys)
    # 2 algorithms x 3 tracks factorizations, each shared by 2 thresholds
    assert engine_task.CALLS["factorize"] == 6 and engine_task.CALLS["feature"] == 3
    assert len(exp.results()) == 12
    exp.main(["-c", "2", "-s", "euclidean/rank=2", "--force"])
    assert "factorize 6/12, postprocess 0/12" in summary_line(capsys)


def test_remove_only_the_selection(tmp_path, monkeypatch, capsys):
    exp = make_experiment(tmp_path)
    exp.main(["-c", "-s", SUBSET])
    monkeypatch.setattr("nmfab.experiment.cli._can_ask", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    exp.main(["-R", "-s", "beta/"])
    assert len(exp.results()) == 12
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    exp.main(["-R", "-s", "beta/"])
    assert set(exp.results().setting) == {"algorithm=hals+rank=2",
                                          "algorithm=hals+rank=2+threshold=0.1"}
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked despite -y"))
    exp.main(["-R", "-y", "-s", "threshold=0.1"])
    assert set(exp.results().setting) == {"algorithm=hals+rank=2"}
    assert len(load_results(tmp_path / "results" / "enginetest.db")) == 3


def test_tag_uses_a_separate_database(tmp_path):
    exp = make_experiment(tmp_path)
    exp.main(["-c", "-s", "beta/algorithm=hals", "-t", "trial"])
    assert (tmp_path / "results" / "enginetest_trial.db").exists()
    assert len(load_results(tmp_path / "results" / "enginetest_trial.db")) == 3
    assert exp.main(["-d", "-t", "other"]) == 2 and exp.results().empty


def test_missing_dataset_is_one_line_exit_2(tmp_path, capsys):
    exp = make_experiment(tmp_path)
    exp.add_plan("lost", algorithm="mu", rank=2, dataset="missing")
    assert exp.main(["-c", "-s", "lost/"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: dataset missing not found; use small or tall")


def test_data_option_and_environment(tmp_path, monkeypatch):
    exp = make_experiment(tmp_path)
    (tmp_path / "env").mkdir(), (tmp_path / "opt").mkdir()
    monkeypatch.setenv("NMFAB_DATA", str(tmp_path / "env"))
    exp.main(["-l"])
    assert exp.context().data_dir == tmp_path / "env"
    exp.main(["-l", "--data", str(tmp_path / "opt")])
    assert exp.context().data_dir == tmp_path / "opt"


def _run_script(root, *args, **kwargs):
    return subprocess.run([sys.executable, str(SCRIPT), str(root), *args], cwd=root,
                          capture_output=True, text=True, **kwargs)


def test_sigkill_mid_run_then_resume_equals_uninterrupted(tmp_path):
    selector = "euclidean/delay=0.05,rank=2"   # 4 settings x 3 tracks, 50 ms each
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    clean.mkdir(), killed.mkdir()
    assert _run_script(clean, "-c", "-s", selector).returncode == 0
    process = subprocess.Popen([sys.executable, str(SCRIPT), str(killed), "-c", "-s", selector],
                               cwd=killed, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while count_rows(killed) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = load_results(killed / "results" / "enginetest.db")
    assert 3 <= len(partial) < 12   # killed mid-run, what is stored is readable
    rerun = _run_script(killed, "-c", "-s", selector)
    assert rerun.returncode == 0 and f"{len(partial)} skipped" in rerun.stdout
    a = load_results(clean / "results" / "enginetest.db")
    b = load_results(killed / "results" / "enginetest.db")
    assert len(b) == 12 and not b.duplicated(["setting", "track"]).any()
    pd.testing.assert_frame_equal(table_of(a), table_of(b))
    assert _run_script(clean, "-d", "-s", selector).stdout == \
        _run_script(killed, "-d", "-s", selector).stdout


def test_changed_default_is_recomputed_not_read_from_old_rows(tmp_path, capsys):
    exp = make_experiment(tmp_path)
    exp.main(["-c", "-s", "beta/algorithm=hals"])
    assert "3 done, 0 skipped" in summary_line(capsys)
    exp.set_defaults(max_iter=60)
    assert exp.main(["-c", "-s", "beta/algorithm=hals"]) == 0
    assert "3 done, 0 skipped" in summary_line(capsys)
    frame = exp.results("beta/algorithm=hals")
    assert len(frame) == 3 and set(frame.max_iter) == {60}
    assert set(frame.setting) == {"algorithm=hals+dataset=tall+rank=3"}
    exp.set_defaults(max_iter=30)                     # the old rows are still there
    exp.main(["-c", "-s", "beta/algorithm=hals"])
    assert "0 done, 3 skipped" in summary_line(capsys)
    assert set(exp.results("beta/algorithm=hals").max_iter) == {30}
    exp.main(["-R", "-y", "-s", "beta/algorithm=hals"])
    assert exp.results("beta/algorithm=hals").empty


def _row(error=""):
    return dict(setting="a=1", track="t0", error=error, factors={"a": 1}, metrics={"m": 1.0})


def test_one_row_per_pair_the_latest_outcome(tmp_path):
    from nmfab.experiment.results import ResultsStore

    results = ResultsStore(tmp_path / "results" / "x")
    results.write(_row("ValueError: boom"))
    results.write(_row())
    assert [r["error"] for r in results.read_all()] == [""]
    assert [r["error"] for r in results.read_setting({"a": 1})] == [""]
    assert len(load_results(tmp_path / "results" / "x.db")) == 1
    assert results.has({"a": 1}, "t0") and not results.has({"a": 2}, "t0")


def test_a_transaction_stores_all_rows_or_none(tmp_path):
    from nmfab.experiment.results import ResultsStore

    results = ResultsStore(tmp_path / "x")
    results.write(_row())
    with pytest.raises(TypeError):                       # the second row cannot be stored
        results.write_many([dict(_row(), track="t1"), dict(_row(), track="t2", bad=object())])
    assert [r["track"] for r in results.read_all()] == ["t0"]
