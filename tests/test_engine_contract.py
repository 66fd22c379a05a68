"""The extension contract in the engine: declared factors only, algorithm parameters as plan
factors (forwarded and keyed), no silently ignored factor, rows recomputed when code changes."""
from dataclasses import replace

import numpy as np
import pytest

from engine_task import TASK, make_experiment
from nmfab.errors import NmfabError
from nmfab.experiment import Experiment
from nmfab.experiment.task import Context
from nmfab.experiment.work import run_item

SETTING = dict(dataset="small", algorithm="mu", beta=2.0, rank=2, max_iter=30, delay=0.0,
               threshold=0.0, fail_track="none", tol=1e-4, eval_every=10, l1_H=0.0, seed=0)


def _experiment(tmp_path, **plan):
    exp = make_experiment(tmp_path)
    exp.plans.clear()
    exp.add_plan("p", **plan)
    return exp


def test_reading_an_undeclared_factor_fails_loudly(tmp_path):
    def sneaky(setting, track, inputs, context):
        return {"H": inputs["factorize"]["H"] * setting["dataset"].count("s")}

    steps = [replace(s, func=sneaky) if s.name == "postprocess" else s for s in TASK.steps]
    row = run_item(replace(TASK, steps=steps), SETTING, "t0",
                   Context(data_dir=None, cache_dir=tmp_path))
    assert "step 'postprocess' reads factor 'dataset', which it does not declare" in row["error"]
    for probe in (lambda s: s.get("dataset", 1), lambda s: "dataset" in s):
        steps = [replace(s, func=lambda st, *a, p=probe: p(st)) if s.name == "postprocess"
                 else s for s in TASK.steps]
        row = run_item(replace(TASK, steps=steps), SETTING, "t0",
                       Context(data_dir=None, cache_dir=tmp_path))
        assert "does not declare" in row["error"]


def test_factor_used_by_nothing_is_an_error_naming_the_valid_ones(tmp_path):
    with pytest.raises(NmfabError, match=r"factor 'stepsize' of plan p is used by no step.*"
                                         r"valid factors: .*alpha.*rank"):
        _experiment(tmp_path, algorithm="hals", rank=2, stepsize=[0.1, 1.0])
    with pytest.raises(NmfabError, match="factor 'bogus' of the defaults is used by no step"):
        make_experiment(tmp_path).set_defaults(bogus=1)


def test_parameter_of_an_algorithm_the_plan_does_not_run_is_an_error(tmp_path):
    with pytest.raises(NmfabError, match="it is a parameter of kl_ccd, kl_sn, nenmf, which plan p does not run"):
        _experiment(tmp_path, algorithm="mu", rank=2, inner_iter=[5, 20])


def test_algorithm_parameter_reaches_the_algorithm(tmp_path):
    exp = _experiment(tmp_path, algorithm="nenmf", rank=3, max_iter=3, inner_iter=[1, 30])
    assert exp.main(["-c"]) == 0
    frame = exp.results()
    losses = frame.groupby("inner_iter").final_loss.mean()
    assert losses[30] < 0.9 * losses[1]          # more inner steps: a lower loss at 3 outer
    from nmfab.experiment import load_results

    histories = load_results(tmp_path / "results" / "enginetest.h5", histories=True)
    assert all(list(it) == [0, 3] for it in histories["loss_iter"])     # recorded iterations


def test_bad_parameter_value_in_a_plan_is_one_line(tmp_path):
    exp = _experiment(tmp_path, algorithm="hals", rank=2, alpha=[-1.0])
    with pytest.raises(NmfabError, match=r"parameter alpha must be a real number in \[0, inf\)"):
        exp.settings()


def test_other_algorithm_parameter_off_its_default_is_not_applicable(tmp_path):
    exp = _experiment(tmp_path, algorithm=["mu", "hals"], rank=2, alpha=[0.5, 0.9])
    exp.set_defaults(alpha=0.5)
    selected, skipped = exp.settings()
    assert sorted(sid for sid, _ in selected) == [
        "algorithm=hals+alpha=0.9+rank=2", "algorithm=hals+rank=2", "algorithm=mu+rank=2"]
    assert skipped == [("algorithm=mu+alpha=0.9+rank=2",
                        "algorithm mu has no parameter alpha (put it in its own plan)")]


def test_task_defaults_are_merged_and_overridable(tmp_path):
    task = replace(TASK, defaults=dict(dataset="small", threshold=0.1))
    exp = Experiment("d", task, results_dir=tmp_path)
    assert exp.defaults["threshold"] == 0.1 and exp.defaults["max_iter"] == 200
    exp.set_defaults(threshold=0.0)
    assert exp.defaults["threshold"] == 0.0


def test_plan_without_a_value_for_a_declared_factor(tmp_path):
    exp = Experiment("d", TASK, results_dir=tmp_path)
    exp.add_plan("p", algorithm="mu", beta=2.0, rank=2, delay=0.0, threshold=0.0)
    with pytest.raises(NmfabError, match="plan p gives no value to factor 'dataset'"):
        exp.settings()


def test_edited_step_code_recomputes_stored_rows(tmp_path):
    exp = _experiment(tmp_path, algorithm="mu", rank=2)
    assert exp.main(["-c"]) == 0
    before = exp.results().set_index("track").rel_error

    def postprocess(setting, track, inputs, context):           # a different threshold rule
        H = inputs["factorize"]["H"]
        return {"H": np.where(H >= 0.5 * H.max(), H, 0.0) + 0 * float(setting["threshold"])}

    exp.task = replace(TASK, steps=[replace(s, func=postprocess) if s.name == "postprocess"
                                    else s for s in TASK.steps])
    summary = exp.compute()
    assert (summary.done, summary.skipped) == (3, 0)
    assert summary.hits["feature"] == 3 and summary.hits["factorize"] == 3
    assert summary.hits["postprocess"] == 0
    after = exp.results().set_index("track").rel_error
    assert np.all(after.values > before.values)
    assert exp.compute().skipped == 3                           # nothing edited: all reused


def test_task_registry_holds_builtin_and_researcher_tasks():
    import nmfab.tasks  # noqa: F401  (registers the built-in tasks)
    from nmfab.experiment import TASKS, get_task, register_task

    assert {"transcription", "drums"} <= set(TASKS)
    mine = register_task(replace(TASK, name="my_task"))
    try:
        assert get_task("my_task") is mine
    finally:
        TASKS.pop("my_task")
    with pytest.raises(NmfabError, match="unknown task 'nope'; choose one of: .*drums"):
        get_task("nope")
