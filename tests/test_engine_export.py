"""Exports: csv is plain data, other formats keep marks and legend, paths and tagged names."""
import numpy as np
import pandas as pd

from nmfab.experiment.results import rows_to_frame
from test_engine_display import ERRORS, SCORES, make_display_experiment, store_rows


def test_csv_export_is_plain_data(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    assert exp.main(["-e", "x.csv", "-s", "size=1"]) == 0
    frame = pd.read_csv(tmp_path / "export" / "x.csv")
    assert frame["method"].tolist() == ["a", "b", "c", "d"]
    assert (frame["dataset"] == "small").all() and (frame["size"] == 1).all()  # constant factors
    assert frame["score"].dtype == float and frame["score_std"].dtype == float
    assert frame["score"][0] == np.float64(100 * SCORES["a"].mean())
    assert frame["score_mark"].fillna("").tolist() == ["*", "", "~", ""]
    assert frame["n_tracks"].tolist() == [8, 8, 8, 0]
    assert frame["n_expected"].tolist() == [8, 8, 8, 8]


def test_export_all_formats_keep_rows_marks_and_legend(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    assert exp.main(["-e", "-s", "size=1", "-d", "0"]) == 0
    out = capsys.readouterr().out
    paths = {p.suffix: p for p in (tmp_path / "export").iterdir()}
    assert set(paths) == {".csv", ".tex", ".md", ".html"} and "wrote" in out
    shown = exp.table("size=1", "0").shown
    html = paths[".html"].read_text()
    assert all(f"<td>{cell}</td>" in html for cell in shown["score"]) and "ddof=1" in html
    md = paths[".md"].read_text().splitlines()
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in md[2:7]]
    assert md[0].startswith("beta=2, dataset=small") and cells[0][:3] == ["method", "tracks",
                                                                          "score"]
    assert cells[2][2] == shown["score"][0] and "* best of its column" in "\n".join(md)
    tex = paths[".tex"].read_text()
    assert shown["score"][0] in tex and "\\textasciitilde" in tex


def test_export_to_a_path_and_default_name_with_tag(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    target = tmp_path / "elsewhere" / "deep" / "file.csv"
    assert exp.main(["-e", str(target), "-s", "size=1"]) == 0
    assert len(pd.read_csv(target)) == 4
    assert not (tmp_path / "export").exists()
    exp.main(["-e", "-t", "trial", "-s", "size=1"])
    assert "error: no results" in capsys.readouterr().err    # the tagged database is empty
    store_rows(exp, "method=a,size=1", SCORES, ERRORS)   # exp.tag is now "trial"
    assert exp.main(["-e", "-t", "trial", "-s", "method=a,size=1"]) == 0
    assert sorted(p.name for p in (tmp_path / "export").iterdir()) == [
        f"disp_trial.{ext}" for ext in ("csv", "html", "md", "tex")]


def test_export_single_named_format(tmp_path, capsys):
    exp = make_display_experiment(tmp_path)
    assert exp.main(["-e", "mine.md", "-s", "size=1"]) == 0
    assert [p.name for p in (tmp_path / "export").iterdir()] == ["mine.md"]
    assert exp.main(["-e", "mine.png", "-s", "size=1"]) == 0
    assert (tmp_path / "export" / "mine.png").stat().st_size > 0


def test_load_results_histories_hold_loss_iter():
    history = dict(loss=[3.0, 2.0, 1.5], loss_time=[0.0, 0.1, 0.2], loss_iter=[0, 10, 20],
                   n_iter=20)
    frame = rows_to_frame([dict(setting="s", track="t", error="", factors={}, metrics={},
                                history=history)], histories=True)
    assert frame["loss_iter"][0].tolist() == [0, 10, 20]
    assert frame["loss"][0].tolist() == [3.0, 2.0, 1.5]
