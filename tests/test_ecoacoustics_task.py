"""Ecoacoustics task: NMF counters against the constant baseline, separation, the CLI."""
import numpy as np
import pytest

from nmfab.experiment.task import Context
from nmfab.tasks import ecoacoustics as eco_task

SETTING = dict(eco_task.DEFAULTS, algorithm="mu", beta=1.0, rank=8, max_iter=60, tol=0.0,
               eval_every=10, l1_H=0.0, seed=0)
TRACKS = [f"clip{i:02d}" for i in range(12)]


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """feature and factorize outputs of 12 synthetic clips."""
    context = Context(data_dir=None, cache_dir=tmp_path_factory.mktemp("cache"))
    out = {}
    for track in TRACKS:
        steps = {}
        steps["feature"] = eco_task.feature_step(SETTING, track, steps, context)
        steps["factorize"] = eco_task.factorize_step(SETTING, track, steps, context)
        out[track] = steps
    return out, context


def cross_validated(upstream, counter):
    """finalize's per-clip scores for ``counter`` (separation left out)."""
    steps, context = upstream
    setting = dict(SETTING, counter=counter)
    outputs = {}
    for track, s in steps.items():
        done = dict(s, count=eco_task.count_step(setting, track, s, context), separate={})
        outputs[track] = eco_task.evaluate_step(setting, track, done, context)
    return eco_task.finalize(setting, outputs, context)


def test_best_nmf_counter_beats_the_constant_baseline(upstream):
    mae = {c: np.mean([r["abs_err"] for r in cross_validated(upstream, c).values()])
           for c in eco_task.COUNTERS}
    baseline = cross_validated(upstream, "baseline")
    assert len({r["count"] for r in baseline.values()}) <= 2      # a constant per fold
    assert min(mae["correlation"], mae["periodicity"]) < 0.75 * mae["baseline"], mae


def test_separation_is_scored_against_the_ideal_ratio_mask(upstream):
    steps, context = upstream
    track = next(t for t in TRACKS if steps[t]["feature"]["count_ref"] >= 2)
    s = dict(steps[track])
    s["count"] = eco_task.count_step(SETTING, track, s, context)
    s["separate"] = eco_task.separate_step(SETTING, track, s, context)
    out = eco_task.evaluate_step(SETTING, track, s, context)
    assert np.isfinite(out["sisdri_curve"]).all() and len(out["sisdri_curve"]) == 18
    assert out["sisdri_irm"] > max(5.0, np.max(out["sisdri_curve"]) - 1.0)


def test_experiment_plan_and_bad_counter(tmp_path):
    import runpy

    exp = runpy.run_path("experiments/ecoacoustics.py")["build"](["--data", str(tmp_path)])
    selected, skipped = exp.settings()
    assert {s["counter"] for _, s in selected} == set(eco_task.COUNTERS) and not skipped
    assert eco_task.applicable(dict(SETTING, counter="dbscan")).startswith("unknown counter")
