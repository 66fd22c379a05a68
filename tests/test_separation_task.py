"""The separation task: steps on synth_mix without museval; BSS Eval v4 and real data with it.

The museval tests skip with a reason when museval cannot be imported (it needs
the ``separation`` extra and ffmpeg on PATH); CI installs both.
"""
import shutil
from pathlib import Path

import numpy as np
import pytest

from nmfab.experiment import Context
from nmfab.mir import separation as sep
from nmfab.tasks import separation as task

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "separation"
FAST = dict(task.DEFAULTS, algorithm="mu", max_iter=30, excerpt=2.0, eval_every=10, tol=0.0, l1_H=0.0,
            seed=0, rank=12, rank_source=6)


def _museval():
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("museval needs ffmpeg and ffprobe on PATH (apt-get install ffmpeg)")
    return pytest.importorskip("museval", reason="museval not installed: pip install -e '.[separation]'")


def run_steps(setting, track, context, upto="separate"):
    """Run the task's steps in order (no engine), returning the outputs."""
    outputs = {}
    for step in task.TASK.steps:
        outputs[step.name] = step.func(setting, track, outputs, context)
        if step.name == upto:
            return outputs
    return outputs


@pytest.fixture(scope="module")
def synth_outputs(tmp_path_factory):
    context = Context(data_dir=None, cache_dir=tmp_path_factory.mktemp("cache"))
    track = task.list_tracks(FAST, context)[0]
    return {(grouping, mask): run_steps(dict(FAST, grouping=grouping, mask=mask), track, context)
            for grouping, mask in [("supervised", "wiener"), ("oracle_grouping", "none"),
                                   ("oracle_grouping", "ratio"), ("blind_mfcc", "wiener"),
                                   ("oracle_irm", "wiener"), ("mixture", "none")]}


def test_masked_estimates_sum_to_the_mixture_and_unmasked_do_not(synth_outputs):
    for (grouping, mask), out in synth_outputs.items():
        estimates, mixture = out["separate"]["estimates"], out["feature"]["mixture"]
        assert estimates.shape == out["feature"]["references"].shape
        error = np.abs(estimates.sum(axis=0) - mixture).max()
        assert (error < 1e-4) == (mask != "none" or grouping == "mixture"), (grouping, mask, error)


def test_oracle_irm_is_the_ceiling_and_the_mixture_the_floor_in_si_sdr(synth_outputs):
    def score(key):
        out = synth_outputs[key]
        refs = out["feature"]["references"]
        return np.mean([sep.si_sdr(r, e) for r, e in zip(refs, out["separate"]["estimates"])])

    scores = {key: score(key) for key in synth_outputs}
    ceiling, floor = scores.pop(("oracle_irm", "wiener")), scores.pop(("mixture", "none"))
    assert all(ceiling > value + 3.0 for value in scores.values()), scores
    assert all(floor < value for key, value in scores.items() if key[0] != "blind_mfcc"), scores


def test_supervised_dictionaries_never_see_the_test_track(synth_outputs):
    out = synth_outputs[("supervised", "wiener")]
    W = out["dictionaries"]["W"]
    assert W.shape[1] == 4 * FAST["rank_source"]
    np.testing.assert_array_equal(out["factorize"]["W"], W)           # kept fixed
    assert "mask=none" in task.applicable(dict(FAST, grouping="mixture", mask="wiener"))
    assert task.applicable(dict(FAST, grouping="oracle_irm", mask="ratio")) is None


def test_bss_eval_v4_wrapper_matches_closed_forms_and_museval():
    museval = _museval()
    rng = np.random.default_rng(0)
    sr = 8000
    refs = rng.standard_normal((2, 3 * sr, 1))
    scores = sep.bss_eval_v4(refs, refs.copy(), sr)
    assert np.all(scores["sdr"] > 60)                                 # perfect estimate
    scaled = sep.bss_eval_v4(refs, 0.5 * refs, sr)    # v4 images: (g - 1) s is distortion
    np.testing.assert_allclose(scaled["sdr"], -20 * np.log10(0.5), atol=1e-3)
    noisy = refs + 0.1 * rng.standard_normal(refs.shape)
    np.testing.assert_allclose(np.nanmedian(sep.bss_eval_v4(refs, noisy, sr)["sdr"], axis=1),
                               20.0, atol=0.5)                          # -20 dB white noise
    direct = museval.evaluate(refs, noisy, win=sr, hop=sr)
    np.testing.assert_allclose(sep.bss_eval_v4(refs, noisy, sr)["sir"], direct[2])
    zero = noisy.copy()
    zero[1] = 0                    # museval would raise; v4 scores a (dithered) silence 0 dB
    assert np.nanmedian(sep.bss_eval_v4(refs, zero, sr)["sdr"][1]) == pytest.approx(0, abs=0.01)


def test_evaluate_step_names_every_source_and_nan_for_absent_ones(synth_outputs):
    _museval()
    out = dict(synth_outputs[("mixture", "none")])
    feature = dict(out["feature"], references=out["feature"]["references"][1:],
                   sources="drums,bass,other")
    out = dict(out, feature=feature, separate=dict(estimates=out["separate"]["estimates"][1:]))
    metrics = task.evaluate_step(FAST, "t", out, None)
    assert np.isnan(metrics["sdr_vocals"]) and np.isnan(metrics["si_sdr_vocals"])
    assert np.isfinite(metrics["sdr_drums"]) and -3 < metrics["sdr_mean"] < 6


@pytest.mark.skipif(not (DATA / "medleydb").is_dir(), reason=f"{DATA}/medleydb is absent")
def test_medleydb_supervised_and_oracle_grouping_beat_the_mixture_on_drums_and_bass(tmp_path):
    _museval()
    context = Context(data_dir=DATA, cache_dir=tmp_path)
    setting = dict(FAST, dataset="medleydb", excerpt=6.0, rank=16, rank_source=8)
    scores = {}
    for grouping, mask in [("supervised", "wiener"), ("oracle_grouping", "wiener"),
                           ("mixture", "none")]:
        out = run_steps(dict(setting, grouping=grouping, mask=mask), "MusicDelta_Country1",
                        context, upto="evaluate")
        scores[grouping] = out["evaluate"]
    def margin(grouping, source):
        return scores[grouping][f"sdr_{source}"] - scores["mixture"][f"sdr_{source}"]

    # measured on this 6-s excerpt (dB over the floor): drums +9.6 supervised, +10.4
    # oracle_grouping; bass +1.1 oracle_grouping but -1.1 supervised (the dictionaries of
    # the three other tracks' basses do not fit this one): asserted as measured
    assert margin("supervised", "drums") > 5 and margin("oracle_grouping", "drums") > 5
    assert margin("oracle_grouping", "bass") > 0.5
    assert margin("supervised", "bass") < 0
