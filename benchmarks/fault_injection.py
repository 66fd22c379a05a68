"""Fault injection on the experiment engine (not a test; bounded, runs on this machine).

Runs the engine's test experiment (tests/engine_experiment.py) and, against a
reference run, injects:

1. random SIGKILLs of ``-c`` (1 and 2 worker processes), each followed by a rerun;
2. a full disk: ``-c`` on a 400 KB tmpfs (needs root; skipped with a reason otherwise);
3. damage to random cache and result files: truncation, zeros, random bytes, one bit;
4. crafted pickles planted in every cache file and in the results database;
5. a second ``-c`` on the same results while the first runs.

It prints rows lost, rows duplicated, rows wrong in the final table, crashes
(tracebacks) and payloads executed: all must be zero.

Usage: ``python benchmarks/fault_injection.py [--kills N] [--seed S]``.
"""
import argparse
import hashlib
import os
import pickle
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from engine_task import count_rows  # noqa: E402
from nmfab.experiment import load_results  # noqa: E402
from test_results_integrity import Payload, _plant_pickle_in_cache_file  # noqa: E402

SCRIPT = TESTS / "engine_experiment.py"
SELECT = "euclidean/delay=0.05"          # 8 settings x 3 tracks, 50 ms each


def run(root, *args, wait=True):
    command = [sys.executable, str(SCRIPT), str(root), *args]
    if not wait:
        return subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600)


def table(root):
    frame = load_results(root / "results" / "enginetest.db")
    return frame.set_index(["setting", "track"]).sort_index()


class Tally:
    def __init__(self, reference):
        self.reference = reference
        self.counts = dict(lost=0, duplicated=0, wrong=0, crashes=0, payloads=0)

    def crashed(self, done):
        self.counts["crashes"] += "Traceback" in (done.stderr or "")

    def compare(self, root):
        frame = load_results(root / "results" / "enginetest.db")
        keys = list(zip(frame.setting, frame.track))
        self.counts["duplicated"] += len(keys) - len(set(keys))
        got = frame.set_index(["setting", "track"])
        self.counts["lost"] += len(set(self.reference.index) - set(got.index))
        common = got.index.intersection(self.reference.index)
        self.counts["wrong"] += int((got.loc[common, "rel_error"]
                                     != self.reference.loc[common, "rel_error"]).sum())


def kills(tally, base, n_kills, rng):
    for round_ in range(n_kills):
        root = base / f"kill{round_}"
        root.mkdir()
        jobs = rng.choice(["1", "2"])
        process = run(root, "-c", jobs, "-s", SELECT, wait=False)
        target = rng.randint(1, 20)
        deadline = time.monotonic() + 60
        while count_rows(root) < target and process.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        done = run(root, "-c", jobs, "-s", SELECT)
        tally.crashed(done)
        tally.compare(root)


def disk_full(tally, base):
    mount = base / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs",
                                            str(mount)], capture_output=True).returncode:
        return "skipped (mounting a tmpfs needs root)"
    try:
        done = run(mount, "-c", "-s", SELECT)
        tally.crashed(done)
        last = done.stderr.strip().splitlines()[-1:] or [""]
        if (mount / "results" / "enginetest.db").exists():
            frame = load_results(mount / "results" / "enginetest.db")
            tally.counts["wrong"] += int((frame.error != "").sum())
        return f"exit {done.returncode}: {last[0]}"
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def damage(tally, base, rng, reference_root):
    root = base / "damage"
    shutil.copytree(reference_root, root)
    files = sorted((root / "data_cache").rglob("*.h5")) + [root / "results" / "enginetest.db"]
    damaged = 0
    for path in rng.sample(files, k=min(len(files), 40)):
        data = bytearray(path.read_bytes())
        kind = rng.choice(["truncate", "zeros", "random", "bit"])
        if kind == "truncate":
            data = data[:rng.randint(0, len(data) - 1)]
        elif kind == "zeros":
            start = rng.randint(0, len(data) - 1)
            data[start:start + 256] = bytes(len(data[start:start + 256]))
        elif kind == "random":
            start = rng.randint(0, len(data) - 1)
            data[start:start + 256] = os.urandom(len(data[start:start + 256]))
        else:
            position = rng.randint(0, len(data) - 1)
            data[position] ^= 1 << rng.randint(0, 7)
        path.write_bytes(bytes(data))
        damaged += 1
    for suffix in ("-wal", "-shm"):
        Path(str(root / "results" / "enginetest.db") + suffix).unlink(missing_ok=True)
    for args in (["-d", "-s", SELECT], ["-c", "-s", SELECT], ["-d", "-s", SELECT]):
        tally.crashed(run(root, *args))
    tally.compare(root)
    return damaged


def pickles(tally, base, reference_root):
    root = base / "pickles"
    shutil.copytree(reference_root, root)
    marker = base / "PAYLOAD_RAN"
    for path in (root / "data_cache").rglob("*.h5"):
        _plant_pickle_in_cache_file(path, marker)
    payload = pickle.dumps(Payload(marker), protocol=0).decode("latin-1")
    with sqlite3.connect(root / "results" / "enginetest.db") as connection:
        connection.execute("UPDATE rows SET row = ?, checksum = ?",
                           (payload, hashlib.sha256(payload.encode()).hexdigest()))
    for args in (["-d"], ["-c", "-s", SELECT], ["-c", "-s", SELECT, "--force"], ["-d"]):
        tally.crashed(run(root, *args))
    load_results(root / "results" / "enginetest.db")
    tally.counts["payloads"] += marker.exists()
    tally.compare(root)


def concurrent(tally, base):
    """Two -c started together on one results folder: one computes, the other refuses."""
    root = base / "concurrent"
    root.mkdir()
    runs = [run(root, "-c", "-s", SELECT, wait=False) for _ in range(2)]
    outputs = [process.communicate() for process in runs]
    for (_, err) in outputs:
        tally.counts["crashes"] += "Traceback" in err
    tally.compare(root)
    return sorted(process.returncode for process in runs), \
        [err.strip().splitlines()[-1] for _, err in outputs if err.strip()][:1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        reference_root = base / "reference"
        reference_root.mkdir()
        assert run(reference_root, "-c", "-s", SELECT).returncode == 0
        tally = Tally(table(reference_root))
        kills(tally, base, args.kills, rng)
        print(f"{args.kills} random SIGKILLs of -c (1 and 2 processes), each rerun")
        print(f"disk full on a 400 KB tmpfs: {disk_full(tally, base)}")
        print(f"damaged files (truncate, zeros, random bytes, one bit): "
              f"{damage(tally, base, rng, reference_root)}")
        pickles(tally, base, reference_root)
        print("crafted pickles planted in every cache file and every result row")
        statuses, lines = concurrent(tally, base)
        print(f"two -c at once on the same results: exit codes {statuses}; {' '.join(lines)}")
        print(", ".join(f"{name}: {count}" for name, count in tally.counts.items()))
        return 0 if not any(tally.counts.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
