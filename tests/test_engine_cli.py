"""The command line never fails silently: progress, Ctrl-C, -R without a terminal, lock, --data."""
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from engine_task import count_rows, make_experiment
from nmfab.errors import NmfabError
from nmfab.experiment.runner import results_lock

SCRIPT = Path(__file__).with_name("engine_experiment.py")
SLOW = "euclidean/delay=0.05"   # 8 settings x 3 tracks, 50 ms each


def _command(root, *args):
    return [sys.executable, str(SCRIPT), str(root), *args]


def _run(root, *args, **kwargs):
    return subprocess.run(_command(root, *args), cwd=root, capture_output=True, text=True,
                          **kwargs)


def _wait_for_rows(root, count, process):
    deadline = time.monotonic() + 60
    while count_rows(root) < count and time.monotonic() < deadline:
        assert process.poll() is None, "finished before it could be interrupted"
        time.sleep(0.01)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_says_what_is_stored_and_exits_130(tmp_path, jobs):
    process = subprocess.Popen(_command(tmp_path, "-c", jobs, "-s", SLOW), cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_rows(tmp_path, 1, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("interrupted: ") and line.endswith(" rows stored, rerun -c to resume")
    stored = int(line.split()[1])
    assert stored >= 1
    rerun = _run(tmp_path, "-c", "-s", SLOW)
    assert rerun.returncode == 0 and f"{stored} skipped" in rerun.stdout


def test_progress_bar_by_default_on_a_terminal_and_q_silences_it(tmp_path):
    def stderr_on_terminal(*args):
        leader, follower = pty.openpty()   # a terminal of 100 columns (tqdm needs a width)
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        process = subprocess.Popen(_command(tmp_path, *args), cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
        os.close(leader)
        return b"".join(chunks).decode(errors="replace")

    assert "3/3" in stderr_on_terminal("-c", "-s", "beta/algorithm=mu,beta=2")
    assert stderr_on_terminal("-c", "-q", "--force", "-s", "beta/algorithm=hals,beta=2") == ""
    # not a terminal: no bar unless -P
    assert "3/3" not in _run(tmp_path, "-c", "--force", "-s", "beta/algorithm=mu,beta=2").stderr
    assert "3/3" in _run(tmp_path, "-c", "-P", "--force", "-s", "beta/algorithm=mu,beta=2").stderr


def test_remove_without_terminal_refuses_without_y(tmp_path):
    assert _run(tmp_path, "-c", "-s", "beta/algorithm=hals,beta=2").returncode == 0
    refused = _run(tmp_path, "-R", "-s", "beta/algorithm=hals,beta=2", stdin=subprocess.DEVNULL)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == ("error: -R asks before removing and there is no terminal "
                                      "to ask on; add -y to remove without asking")
    removed = _run(tmp_path, "-R", "-y", "-s", "beta/algorithm=hals,beta=2",
                   stdin=subprocess.DEVNULL)
    assert removed.returncode == 0 and "removed 3 rows" in removed.stdout


def test_second_compute_on_the_same_results_says_who_holds_the_lock(tmp_path):
    exp = make_experiment(tmp_path)
    with results_lock(exp.store()):
        blocked = _run(tmp_path, "-c", "-s", "beta/algorithm=hals,beta=2")
        with pytest.raises(NmfabError, match=f"process {os.getpid()}"):
            with results_lock(exp.store()):
                pass
    assert blocked.returncode == 2
    assert blocked.stderr.strip().startswith("error: results ")
    assert f"are being computed by process {os.getpid()}" in blocked.stderr
    assert len(blocked.stderr.strip().splitlines()) == 1
    assert _run(tmp_path, "-c", "-s", "beta/algorithm=hals,beta=2").returncode == 0   # released


def test_nonexistent_data_folder_is_one_line(tmp_path, capsys, monkeypatch):
    exp = make_experiment(tmp_path)
    assert exp.main(["-l", "--data", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"error: --data {tmp_path / 'nowhere'}: no such folder; point it at "
                           "the folder holding one sub-folder per dataset")
    monkeypatch.setenv("NMFAB_DATA", str(tmp_path / "gone"))
    assert exp.main(["-l"]) == 2
    assert "NMFAB_DATA" in capsys.readouterr().err
