"""A dataset that cannot list its tracks does not stop the others: one line each, exit 1."""
import engine_task
from engine_task import make_experiment
from nmfab.experiment import load_results

MESSAGE = "dataset missing not found; use small or tall"


def test_broken_dataset_reported_once_and_others_run(tmp_path, capsys):
    exp = make_experiment(tmp_path)
    exp.add_plan("lost", algorithm="mu", rank=[2, 3], dataset="missing")
    engine_task.CALLS.clear()
    assert exp.main(["-c", "-s", "lost/:beta/algorithm=mu"]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert err == [f"skipped 2 settings of dataset missing: {MESSAGE}",
                   "not computed: the settings of dataset missing (its tracks could not be "
                   "listed, see above)"]
    assert captured.out.strip().splitlines()[-1].startswith(
        "6 settings x tracks: 6 done, 0 skipped, 0 failed")
    assert engine_task.CALLS["evaluate"] == 6
    frame = load_results(tmp_path / "results" / "enginetest.h5")
    assert len(frame) == 6 and frame["rel_error_centered"].notna().all()   # finalized


def test_work_items_leave_out_the_broken_dataset(tmp_path):
    exp = make_experiment(tmp_path)
    exp.add_plan("lost", algorithm="mu", rank=[2, 3], dataset="missing")
    items, tracks, broken = exp.work_items(exp.settings("lost/:beta/algorithm=hals")[0])
    assert broken == {"missing": (MESSAGE, 2)}
    assert list(tracks) == ["algorithm=hals+dataset=tall+rank=3"] and len(items) == 3


def test_only_broken_datasets_is_one_error_line(tmp_path, capsys):
    exp = make_experiment(tmp_path)
    exp.add_plan("lost", algorithm="mu", rank=[2, 3], dataset="missing")
    assert exp.main(["-c", "-s", "lost/"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {MESSAGE}"
