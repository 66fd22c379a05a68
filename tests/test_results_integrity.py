"""Results you can trust: damaged, crafted and missing files, a full disk, a dead worker,
path traversal. Each failure is one line; what was stored before stays intact."""
import hashlib
import os
import pickle
from dataclasses import replace
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import engine_task
from engine_task import make_experiment
from nmfab.errors import NmfabError
from nmfab.experiment import load_results, store
from nmfab.experiment.cache import remove_stale_temporaries
from nmfab.experiment.results import ResultsStore

SELECT = "euclidean/algorithm=mu,rank=2,threshold=0"      # 1 setting x 3 tracks


class Payload:
    """Unpickling it creates ``marker``: proof that a reader ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _db(tmp_path):
    return tmp_path / "results" / "enginetest.db"


def _table(tmp_path):
    frame = load_results(_db(tmp_path))
    return frame.set_index(["setting", "track"]).rel_error.sort_index()


def test_damaged_row_is_reported_and_recomputed(tmp_path, caplog):
    exp = make_experiment(tmp_path)
    assert exp.main(["-c", "-s", SELECT]) == 0
    before = _table(tmp_path)
    with sqlite3.connect(_db(tmp_path)) as connection:        # one flipped digit in a row
        text, checksum, rowid = connection.execute(
            "SELECT row, checksum, rowid FROM rows LIMIT 1").fetchone()
        damaged = text.replace('"rel_error": 0.', '"rel_error": 1.', 1)
        assert damaged != text
        connection.execute("UPDATE rows SET row = ? WHERE rowid = ?", (damaged, rowid))
    with caplog.at_level("WARNING", logger="nmfab.experiment"):
        assert len(load_results(_db(tmp_path))) == 2          # left out, never a wrong value
    assert "damaged result row" in caplog.text and "checksum mismatch" in caplog.text
    assert exp.main(["-c", "-s", SELECT]) == 0                # recomputed
    assert _table(tmp_path).equals(before)


@pytest.mark.parametrize("damage", ["random", "zeros", "truncate", "directory"])
def test_unreadable_database_is_set_aside_and_rebuilt(tmp_path, damage, capsys, caplog):
    exp = make_experiment(tmp_path)
    assert exp.main(["-c", "-s", SELECT]) == 0
    before = _table(tmp_path)
    path = _db(tmp_path)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    size = path.stat().st_size
    if damage == "directory":
        path.unlink()
        path.mkdir()
    else:
        data = {"random": np.random.default_rng(0).bytes(size), "zeros": bytes(size),
                "truncate": path.read_bytes()[:size // 3]}[damage]
        path.write_bytes(data)
    assert exp.main(["-d", "-s", SELECT]) == 2                # one line, no traceback
    assert capsys.readouterr().err.startswith("error: results database")
    assert exp.main(["-c", "-s", SELECT]) == 0                # set aside, recomputed
    assert "set aside as enginetest.db.corrupt-" in caplog.text
    assert _table(tmp_path).equals(before)
    assert list(path.parent.glob("enginetest.db.corrupt-*"))


def test_damaged_cache_files_are_misses_never_wrong(tmp_path, caplog):
    exp = make_experiment(tmp_path)
    assert exp.main(["-c", "-s", SELECT]) == 0
    before = _table(tmp_path)
    rng = np.random.default_rng(1)
    files = sorted((tmp_path / "data_cache").rglob("*.h5"))
    for index, path in enumerate(files):                      # bit flip, zeros, truncation
        data = bytearray(path.read_bytes())
        kind = index % 3
        if kind == 0:
            position = int(rng.integers(len(data)))
            data[position] ^= 1 << int(rng.integers(8))
        elif kind == 1:
            data[600:700] = bytes(100)
        else:
            data = data[:len(data) // 2]
        path.write_bytes(bytes(data))
    exp.main(["-R", "-y", "-s", SELECT])
    with caplog.at_level("WARNING", logger="nmfab.experiment"):
        assert exp.main(["-c", "-s", SELECT]) == 0
    assert caplog.text.count("unreadable cache file") >= len(files) - 3
    assert _table(tmp_path).equals(before)


def _plant_pickle_in_cache_file(path, marker):
    """A crafted cache file: a pickle in attributes and a string dataset, valid checksum."""
    payload = pickle.dumps(Payload(marker), protocol=0)
    data = store.read(path)
    with h5py.File(path, "w", userblock_size=store.USERBLOCK) as h5:
        store._write_group(h5, data)
        h5.attrs["evil"] = np.void(payload)
        h5.attrs["TITLE"] = payload
        for name in h5:
            h5[name].attrs["scalar"] = np.void(payload)
    image = bytearray(path.read_bytes())
    digest = hashlib.sha256(image[store.USERBLOCK:]).hexdigest().encode()
    image[:len(store.MAGIC) + 65] = store.MAGIC + digest + b"\n"
    path.write_bytes(bytes(image))


def test_crafted_pickles_never_run(tmp_path):
    exp = make_experiment(tmp_path)
    assert exp.main(["-c", "-s", SELECT]) == 0
    marker = tmp_path / "PWNED"
    for path in (tmp_path / "data_cache").rglob("*.h5"):
        _plant_pickle_in_cache_file(path, marker)
    with sqlite3.connect(_db(tmp_path)) as connection:       # a pickle as a row, valid checksum
        payload = pickle.dumps(Payload(marker), protocol=0).decode("latin-1")
        connection.execute("UPDATE rows SET row = ?, checksum = ?",
                           (payload, hashlib.sha256(payload.encode()).hexdigest()))
    exp.main(["-d", "-s", SELECT])
    load_results(_db(tmp_path))
    exp.main(["-c", "-s", SELECT, "--force"])
    exp.main(["-c", "-s", SELECT])
    assert not marker.exists()


def test_disk_full_stops_with_one_line_and_keeps_what_was_stored(tmp_path, monkeypatch, capsys):
    exp = make_experiment(tmp_path)
    assert exp.main(["-c", "-s", "euclidean/algorithm=mu,threshold=0"]) == 0
    stored = len(load_results(_db(tmp_path)))
    real = ResultsStore.write_many
    calls = []

    def fail_on_second(self, rows, setting=None):
        calls.append(1)
        if len(calls) >= 2:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, rows, setting)

    monkeypatch.setattr(ResultsStore, "write_many", fail_on_second)
    status = exp.main(["-c", "-s", "euclidean/algorithm=hals,threshold=0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert err[0].startswith("error: disk full at") and "1 rows stored" in err[0]
    assert "free space and rerun -c" in err[0]
    monkeypatch.undo()
    assert len(load_results(_db(tmp_path))) == stored + 1     # intact, readable
    assert exp.main(["-c", "-s", "euclidean/algorithm=hals,threshold=0"]) == 0


def test_real_disk_full_on_a_small_tmpfs(tmp_path):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)],
                      capture_output=True).returncode:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        script = Path(__file__).with_name("engine_experiment.py")
        done = subprocess.run([sys.executable, str(script), str(mount), "-c", "-s",
                               "euclidean/threshold=0"], cwd=mount, capture_output=True,
                              text=True, timeout=300)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and lines and lines[-1].startswith("error: disk full at")
        assert "Traceback" not in done.stderr
        frame = load_results(mount / "results" / "enginetest.db")   # what is there is intact
        assert frame.error.eq("").all()
        assert not list(mount.rglob("*.tmp"))
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_stale_temporaries_are_removed_live_ones_kept(tmp_path):
    folder = tmp_path / "factorize"
    folder.mkdir()
    dead = folder / ".abc.h5.999999999.tmp"
    live = folder / f".abc.h5.{os.getpid()}.tmp"
    dead.write_bytes(b"x"), live.write_bytes(b"x")
    assert remove_stale_temporaries(tmp_path) == 1
    assert not dead.exists() and live.exists()


def test_dead_worker_costs_only_its_item(tmp_path):
    script = Path(__file__).with_name("engine_experiment.py")
    done = subprocess.run([sys.executable, str(script), str(tmp_path), "-c", "2", "-s",
                           "euclidean/algorithm=mu,rank=2,threshold=0,delay=0"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NMFAB_TEST_KILL_TRACK": "t1"})
    assert done.returncode == 1, done.stderr
    assert "the worker process died on this item" in done.stderr and "Traceback" not in done.stderr
    assert "1 failed" in done.stdout
    frame = load_results(_db(tmp_path))
    assert sorted(frame[frame.error == ""].track) == ["t0", "t2"]


@pytest.mark.parametrize("tag", ["../../x", "a/b", ".hidden", ""])
def test_tag_cannot_leave_the_results_folder(tmp_path, tag, capsys):
    exp = make_experiment(tmp_path)
    status = exp.main(["-c", "-s", SELECT, "-t", tag]) if tag else 0
    if tag:
        assert status == 2 and "must be a plain name" in capsys.readouterr().err
        assert not (tmp_path.parent / "x.db").exists()
    with pytest.raises(NmfabError, match="must be a plain name"):
        type(exp)("../evil", engine_task.TASK)


def test_row_from_cached_steps_keeps_its_loss_history(tmp_path):
    exp = make_experiment(tmp_path)
    assert exp.main(["-c", "-s", SELECT]) == 0
    first = load_results(_db(tmp_path), histories=True).set_index("track")
    exp.main(["-R", "-y", "-s", SELECT])                      # rows gone, caches kept
    assert exp.main(["-c", "-s", SELECT]) == 0                # every step from the cache
    again = load_results(_db(tmp_path), histories=True).set_index("track")
    assert again.hit_postprocess.all() and again.hit_factorize.all()
    for track in first.index:
        assert again.n_iter[track] == first.n_iter[track] > 0
        assert again.final_loss[track] == first.final_loss[track]
        assert list(again.loss_iter[track]) == list(first.loss_iter[track])


def test_in_process_runs_use_one_blas_thread(tmp_path):
    from threadpoolctl import threadpool_info

    seen = []
    real = engine_task.feature

    def feature(setting, track, inputs, context):
        seen.extend(pool["num_threads"] for pool in threadpool_info()
                    if pool["user_api"] == "blas")
        return real(setting, track, inputs, context)

    exp = make_experiment(tmp_path)
    exp.task = replace(exp.task, steps=[replace(engine_task.TASK.steps[0], func=feature),
                                        *engine_task.TASK.steps[1:]])
    assert exp.main(["-c", "1", "-s", SELECT]) == 0
    assert seen and set(seen) == {1}
