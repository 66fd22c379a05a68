"""Comparison tables: track counts, best and significance marks, legend, pivots (constructed rows)."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon

from nmfab.errors import NmfabError
from nmfab.experiment import Experiment, Step, Task
from nmfab.experiment.display import not_worse_than_best
from nmfab.experiment.results import provenance

N_TRACKS = {"small": 8, "few": 5}
BASE = np.linspace(0.80, 0.94, 8)
# Per method: score per track (higher is better) and error (lower is better).
SCORES = {
    "a": BASE,                                   # best score
    "b": BASE - 0.2 - 0.01 * np.arange(8),       # worse on every track: p < 0.05
    "c": BASE + 0.002 * (-1) ** np.arange(8) - 0.0001,  # tied with a: p > 0.05
}
ERRORS = {"a": np.full(8, 0.3), "b": np.full(8, 0.1), "c": np.full(8, 0.2)}


def _not_run(setting, track, inputs, context):
    raise AssertionError("the display tests never compute")


def list_tracks(setting, context):
    return [f"t{i}" for i in range(N_TRACKS[setting["dataset"]])]


TASK = Task("constructed", [Step("evaluate", _not_run, factors=("method", "size", "dataset", "beta"),
                                 cache=False)], list_tracks=list_tracks)


def make_experiment(tmp_path, **plan):
    exp = Experiment("disp", TASK, results_dir=tmp_path / "results",
                     export_dir=tmp_path / "export", cache_dir=tmp_path / "cache")
    exp.set_defaults(dataset="small", size=1, beta=2.0)
    exp.add_plan("p", **(plan or dict(method=["a", "b", "c", "d"], size=[1, 2])))
    exp.add_metric("score", percent=True, precision=1, significance=True)
    exp.add_metric("distortion", higher_is_better=False, precision=2)
    return exp


def store_rows(exp, selector, scores, errors, n_tracks=8, shift=None):
    """Store rows of the selected settings (methods without scores are left empty)."""
    shift = shift or {}
    for sid, setting in exp.settings(selector)[0]:
        method = setting["method"]
        if method not in scores:
            continue
        for i in range(n_tracks):
            metrics = dict(score=scores[method][i] + shift.get(setting["dataset"], 0.0),
                           distortion=errors[method][i])
            exp.store().write(dict(setting=sid, track=f"t{i}", error="", factors=setting,
                                   metrics=metrics, provenance=provenance()))


def make_display_experiment(tmp_path):
    exp = make_experiment(tmp_path)
    store_rows(exp, "size=1", SCORES, ERRORS)
    store_rows(exp, "size=2,method=a", SCORES, ERRORS, n_tracks=4)   # interrupted run
    return exp


def parse(lines, columns):
    return pd.DataFrame([line.split() for line in lines], columns=columns)


def test_constructed_p_values_are_what_the_marks_assume():
    assert wilcoxon(SCORES["a"], SCORES["b"]).pvalue < 0.05
    assert wilcoxon(SCORES["a"], SCORES["c"]).pvalue > 0.05
    a, c = (pd.Series(SCORES[k], index=range(8)) for k in "ac")
    assert not_worse_than_best(a, c)
    assert not not_worse_than_best(a, a - 0.1 - 0.01 * np.arange(8))
    assert not_worse_than_best(a, a)                   # identical: all differences zero
    assert not_worse_than_best(a, pd.Series([1.0], index=[99])) is None   # nothing shared
    # five shared tracks can never give p < 0.05: not tested at all
    assert not_worse_than_best(a[:5], a[:5] - 1.0) is None
    # compared on the tracks both share: c's extra tracks are ignored
    assert not_worse_than_best(a, pd.concat([c, pd.Series([9.0], index=[99])]))


def test_display_rows_counts_marks_and_legend(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    assert exp.main(["-d", "-s", "size=1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "beta=2, dataset=small, size=1"
    table = parse(lines[2:6], ["method", "tracks", "score", "score_std", "distortion",
                               "distortion_std"])
    assert list(table.method) == ["a", "b", "c", "d"]
    assert list(table.tracks) == ["8", "8", "8", "0/8"]
    expected_a = f"{100 * SCORES['a'].mean():.1f}*"
    assert table.score.tolist() == [expected_a, f"{100 * SCORES['b'].mean():.1f}",
                                    f"{100 * SCORES['c'].mean():.1f}~", "-"]
    assert table.score_std[0] == f"{100 * SCORES['a'].std(ddof=1):.1f}"   # over tracks, ddof=1
    assert table.distortion.tolist() == ["0.30", "0.10*", "0.20", "-"]  # lower is better, no test
    legend = "\n".join(lines[6:])
    assert "* best" in legend and "~ not significantly different" in legend
    assert "std: standard deviation over tracks (ddof=1)" in legend
    assert "only a of the b tracks" in legend and "too few tracks" not in legend


def test_partial_row_is_marked(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    table = exp.table("method=a")
    assert table.shown["tracks"].tolist() == ["8", "4/8"]
    assert table.data["n_tracks"].tolist() == [8, 4] and table.data["n_expected"].tolist() == [8, 8]
    assert any("only a of the b tracks" in line for line in table.legend)


def test_too_few_tracks_to_test_says_so_instead_of_marks(tmp_path, capsys):
    exp = make_experiment(tmp_path, method=["a", "b", "c"], dataset="few")
    store_rows(exp, None, SCORES, ERRORS, n_tracks=5)
    assert exp.main(["-d"]) == 0
    out = capsys.readouterr().out
    assert "~" not in out.split("\n* best")[0]         # no ~ mark in the table itself
    assert "too few tracks to test" in out
    assert "~ not significantly different" not in out    # no test ran: no ~ legend


def test_best_is_chosen_within_each_dataset(tmp_path):
    exp = make_experiment(tmp_path, method=["a", "b"], dataset=["small", "other"])
    N_TRACKS["other"] = 8
    store_rows(exp, None, SCORES, ERRORS, shift={"other": -0.5})
    table = exp.table()
    marks = dict(zip(zip(table.data.dataset, table.data.method), table.data.score_mark))
    assert marks == {("small", "a"): "*", ("small", "b"): "", ("other", "a"): "*",
                     ("other", "b"): ""}


def test_loss_best_is_chosen_within_one_objective(tmp_path):
    exp = make_experiment(tmp_path, method=["a", "b"], beta=[1.0, 2.0])
    exp.metrics = []
    exp.add_metric("end_loss", output="distortion", higher_is_better=False)
    exp.add_metric("distortion", higher_is_better=False)
    store_rows(exp, None, SCORES, ERRORS)
    data = exp.table().data
    assert data.end_loss_mark.tolist().count("*") == 2       # one per beta
    assert data.distortion_mark.tolist().count("*") == 1     # not a loss: one overall


def test_display_without_results_is_one_line_and_fails(tmp_path, capsys):
    exp = make_experiment(tmp_path)
    assert exp.main(["-d"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: no results for this selection (run -c first")
    assert len(captured.err.splitlines()) == 1


def test_display_metric_selection(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    header, table = exp.table("size=1", "1")
    assert list(table.columns) == ["method", "tracks", "distortion", "distortion std"]
    _, table = exp.table("size=1", "[1,0]")
    assert list(table.columns) == ["method", "tracks", "distortion", "distortion std", "score",
                                   "score std"]
    assert exp.main(["-d", "7", "-s", "size=1"]) == 2
    assert "unknown metric 7" in capsys.readouterr().err


def test_display_pivot_metric_by_factor(tmp_path):
    exp = make_display_experiment(tmp_path)
    header, table = exp.table(None, "distortion:size")
    assert header.startswith("distortion by size")
    assert list(table.columns) == ["method", "tracks", "1", "2"]
    # the best of each row is marked; here each row has one value
    assert table.set_index("method")["1"].to_dict() == {"a": "0.30*", "b": "0.10*",
                                                        "c": "0.20*", "d": "-"}
    assert table.set_index("method")["tracks"].to_dict() == {"a": "4/8", "b": "0/8",
                                                             "c": "0/8", "d": "0/8"}
    header, table = exp.table("size=1", "distortion:method")
    assert table.iloc[0].to_dict() == {"tracks": "0/8", "a": "0.30", "b": "0.10*", "c": "0.20",
                                       "d": "-"}
    with pytest.raises(NmfabError, match="unknown factor 'colour'"):
        exp.table(None, "distortion:colour")
