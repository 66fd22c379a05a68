"""Comparison tables, best and significance marks, pivots and exports on constructed results."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon

from engine_task import TASK
from nmfab.errors import NmfabError
from nmfab.experiment import Experiment, Task
from nmfab.experiment.display import not_worse_than_best
from nmfab.experiment.results import provenance

N_TRACKS = 8
BASE = np.linspace(0.80, 0.94, N_TRACKS)
# Per algorithm: score per track (higher is better) and error (lower is better).
SCORES = {
    "a": BASE,                                        # best score
    "b": BASE - 0.2 - 0.01 * np.arange(N_TRACKS),     # worse on every track: p < 0.05
    "c": BASE + 0.002 * (-1) ** np.arange(N_TRACKS) - 0.0001,  # tied with a: p > 0.05
}
ERRORS = {"a": np.full(N_TRACKS, 0.3), "b": np.full(N_TRACKS, 0.1), "c": np.full(N_TRACKS, 0.2)}


def make_display_experiment(tmp_path):
    task = Task("constructed", TASK.steps, list_tracks=lambda s, c: [f"t{i}" for i in
                                                                     range(N_TRACKS)])
    exp = Experiment("disp", task, results_dir=tmp_path / "results",
                     export_dir=tmp_path / "export", cache_dir=tmp_path / "cache")
    exp.set_defaults(dataset="small")
    exp.add_plan("p", algorithm=["a", "b", "c", "d"], rank=4, size=[1, 2])
    exp.add_metric("score", percent=True, precision=1, significance=True)
    exp.add_metric("distortion", higher_is_better=False, precision=2)
    store = exp.store()
    for sid, setting in exp.settings("size=1")[0]:
        if setting["algorithm"] == "d":
            continue                                   # no results: shown as "-"
        for i in range(N_TRACKS):
            metrics = dict(score=SCORES[setting["algorithm"]][i],
                           distortion=ERRORS[setting["algorithm"]][i])
            store.write(dict(setting=sid, track=f"t{i}", error="", factors=setting,
                             metrics=metrics, provenance=provenance()))
    return exp


def test_constructed_p_values_are_what_the_marks_assume():
    assert wilcoxon(SCORES["a"], SCORES["b"]).pvalue < 0.05
    assert wilcoxon(SCORES["a"], SCORES["c"]).pvalue > 0.05
    a, c = (pd.Series(SCORES[k], index=range(N_TRACKS)) for k in "ac")
    assert not_worse_than_best(a, c)
    assert not not_worse_than_best(a, a - 0.1 - 0.01 * np.arange(N_TRACKS))
    assert not_worse_than_best(a, a)                   # identical: all differences zero
    assert not not_worse_than_best(a, pd.Series([1.0], index=[99]))   # nothing shared


def test_display_rows_best_and_significance_marks(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    assert exp.main(["-d", "-s", "size=1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "dataset=small, rank=4, size=1; 8 tracks"
    table = pd.DataFrame([line.split() for line in lines[2:]],
                         columns=["algorithm", "score", "score_std", "distortion",
                                  "distortion_std"])
    assert list(table.algorithm) == ["a", "b", "c", "d"]
    expected_a = f"{100 * SCORES['a'].mean():.1f}*"
    assert table.score.tolist() == [expected_a, f"{100 * SCORES['b'].mean():.1f}",
                                    f"{100 * SCORES['c'].mean():.1f}~", "-"]
    assert table.score_std[0] == f"{100 * SCORES['a'].std():.1f}"
    assert table.distortion.tolist() == ["0.30", "0.10*", "0.20", "-"]  # lower is better, no test


def test_display_metric_selection(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    header, table = exp.table("size=1", "1")
    assert list(table.columns) == ["algorithm", "distortion", "distortion std"]
    _, table = exp.table("size=1", "[1,0]")
    assert list(table.columns) == ["algorithm", "distortion", "distortion std", "score",
                                   "score std"]
    assert exp.main(["-d", "7", "-s", "size=1"]) == 2
    assert "unknown metric 7" in capsys.readouterr().err


def test_display_pivot_metric_by_factor(tmp_path):
    exp = make_display_experiment(tmp_path)
    header, table = exp.table(None, "distortion:size")
    assert header.startswith("distortion by size")
    assert list(table.columns) == ["algorithm", "1", "2"]
    # the best of each row is marked; here each row has one value
    assert table.set_index("algorithm")["1"].to_dict() == {"a": "0.30*", "b": "0.10*",
                                                           "c": "0.20*", "d": "-"}
    assert table.set_index("algorithm")["2"].eq("-").all()
    header, table = exp.table("size=1", "distortion:algorithm")
    assert table.iloc[0].to_dict() == {"a": "0.30", "b": "0.10*", "c": "0.20", "d": "-"}
    with pytest.raises(NmfabError, match="unknown factor 'colour'"):
        exp.table(None, "distortion:colour")


def test_export_all_formats_keep_rows_and_marks(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    assert exp.main(["-e", "-s", "size=1", "-d", "0"]) == 0
    out = capsys.readouterr().out
    paths = {p.suffix: p for p in (tmp_path / "export").iterdir()}
    assert set(paths) == {".csv", ".tex", ".md", ".html"} and "wrote" in out
    csv = pd.read_csv(paths[".csv"], comment="#", dtype=str)
    assert csv["score"].tolist()[0].endswith("*") and csv["score"].tolist()[2].endswith("~")
    assert csv["algorithm"].tolist() == ["a", "b", "c", "d"]
    html = paths[".html"].read_text()
    assert all(f"<td>{cell}</td>" in html for cell in csv["score"])
    md = paths[".md"].read_text().splitlines()
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in md[2:]]
    assert md[0].startswith("dataset=small") and cells[0][:2] == ["algorithm", "score"]
    assert cells[2][1] == csv["score"][0]
    tex = paths[".tex"].read_text()
    assert csv["score"][0].rstrip("*") + "*" in tex and "\\textasciitilde" in tex


def test_export_single_named_format_and_unknown_format(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    assert exp.main(["-e", "mine.md", "-s", "size=1"]) == 0
    assert [p.name for p in (tmp_path / "export").iterdir()] == ["mine.md"]
    assert exp.main(["-e", "mine.png", "-s", "size=1"]) == 0
    assert (tmp_path / "export" / "mine.png").stat().st_size > 0
