"""The shipped worked example, run as a researcher would: a copy of examples/plugin placed
outside the repository, `-c` then `-d`, then an edit of the algorithm file and `-c` again."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "plugin"


def _run(folder, *args):
    done = subprocess.run([sys.executable, "my_experiment.py", *args], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _rows(table):
    """{(algorithm, step): f_onset text} of the -d table."""
    rows = {}
    for line in table.splitlines():
        fields = line.split()
        if fields and fields[0] in ("pg", "mu"):
            rows[fields[0], fields[1]] = fields[3]
    return rows


def test_plugin_example_from_outside_the_repository(tmp_path):
    folder = tmp_path / "my_research"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__", "results",
                                                                   "data_cache"))
    assert "6 settings x tracks: 6 done, 0 skipped, 0 failed" in _run(folder, "-c")
    first = _rows(_run(folder, "-d"))
    assert set(first) == {("pg", "0.1"), ("pg", "1"), ("mu", "-")}
    assert first["pg", "0.1"] != first["pg", "1"]          # the parameter reached the algorithm

    with open(folder / "my_algorithm.py", "a") as handle:    # an edit that changes behaviour
        handle.write("\nlipschitz = lambda gram: 4 * float((gram * gram).sum() ** 0.5)\n")
    summary = _run(folder, "-c")
    assert "4 done, 2 skipped" in summary                    # the pg rows only
    assert re.search(r"feature 4/4, factorize 0/4", summary)
    second = _rows(_run(folder, "-d"))
    assert second["mu", "-"] == first["mu", "-"]
    assert second["pg", "1"] != first["pg", "1"]
    assert "0 done, 6 skipped" in _run(folder, "-c")         # nothing edited: all reused
