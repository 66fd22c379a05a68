"""Drum transcription task: the paper's ordering claim, the pipeline, and real MDB-Drums audio."""
from pathlib import Path

import numpy as np
import pytest

from nmfab.errors import DatasetError, NmfabError
from nmfab.experiment import Experiment, load_results
from nmfab.experiment.task import Context
from nmfab.tasks import drums
from nmfab.mir.onsets import onset_scores

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "drums"
MUR = dict(algorithm="mu", beta=2.0, max_iter=100)
NENMF = dict(algorithm="nenmf", beta=2.0, max_iter=10, inner_iter=10)
CLASSES = ("KD", "SD", "HH")


def run_steps(setting, track, context, pickers=("topk",)):
    """Run the task's steps directly (no engine); returns (factorize output, {picker: scores})."""
    out = {}
    for step in drums.TASK.steps[:-1]:
        out[step.name] = step.func(setting, track, out, context)
    scores = {p: drums.evaluate_step(dict(setting, picker=p), track, out, context)
              for p in pickers}
    return out["factorize"], scores


def loss_at(result, seconds):
    """The lowest loss recorded at or before ``seconds`` of wall time."""
    return result["loss"][result["loss_time"] <= seconds].min()


@pytest.fixture(scope="module")
def synth_context(tmp_path_factory):
    return Context(data_dir=None, cache_dir=tmp_path_factory.mktemp("cache"))


def test_nenmf_reaches_lower_loss_than_mur_at_equal_wall_time(synth_context):
    setting = dict(dataset="synth_drums", rank_h=4, tol=0.0, eval_every=1, seed=0)
    mur, nenmf = [], []
    for track in drums.list_tracks(setting, synth_context):
        out = {}
        out["feature"] = drums.feature_step(setting, track, out, synth_context)
        out["templates"] = drums.template_step(setting, track, out, synth_context)
        a = drums.factorize_step(dict(setting, **MUR), track, out, synth_context)
        b = drums.factorize_step(dict(setting, **NENMF), track, out, synth_context)
        # the templates stay fixed
        np.testing.assert_allclose(b["W"][:, :3] / np.linalg.norm(b["W"][:, :3], axis=0),
                                   out["templates"]["W_D"], rtol=1e-10)
        common = min(a["loss_time"][-1], b["loss_time"][-1])
        mur.append(loss_at(a, common))
        nenmf.append(loss_at(b, common))
    # averaged over tracks, as in the paper's figure 4
    assert np.mean(nenmf) < np.mean(mur)


def test_pipeline_on_synth_drums(synth_context):
    setting = dict(dataset="synth_drums", rank_h=0, tol=0.0, eval_every=10, **MUR)
    _, oracle = run_steps(dict(setting, template="same_track_oracle"), "groove00", synth_context)
    assert oracle["topk"]["f_mean"] > 0.95
    _, other = run_steps(dict(setting, template="other_tracks"), "groove01", synth_context,
                         ("topk", "median"))
    assert other["topk"]["f_mean"] > 0.85 and other["median"]["f_mean"] > 0.8
    assert set(other["topk"]) >= {f"{k}_{c}" for k in "fpr" for c in CLASSES + ("mean",)}


def test_experiment_engine_on_synth_drums(tmp_path):
    exp = Experiment("drums_test", task=drums.TASK, results_dir=tmp_path / "results",
                     cache_dir=tmp_path / "cache")
    exp.set_defaults(dataset="synth_drums", tol=0.0, eval_every=5)
    exp.add_plan("pair", algorithm="nenmf", max_iter=4, inner_iter=5, rank_h=2,
                 picker=["topk", "median"])
    exp.add_metric("f_mean")
    exp.compute()
    frame = load_results(exp.store().root)
    assert len(frame) == 2 * 4 and frame["f_mean"].between(0, 1).all()
    assert (frame["n_iter"] == 4).all() and (frame["final_loss"] > 0).all()


def test_task_errors(synth_context):
    with pytest.raises(DatasetError, match="unknown drums dataset 'nodata'.*mdb_drums"):
        drums.list_tracks(dict(dataset="nodata"), synth_context)
    with pytest.raises(DatasetError, match="pass --data DIR"):
        drums.list_tracks(dict(dataset="mdb_drums"), synth_context)
    with pytest.raises(NmfabError, match="unknown template source"):
        drums.template_step(dict(template="same_track"), "groove00", {}, synth_context)
    assert drums.applicable(dict(algorithm="hals", beta=1.0)) is not None
    assert drums.applicable(dict(algorithm="nenmf", beta=2.0)) is None


def random_baseline(dataset, tracks, n_draws=50, seed=0):
    """Mean per-class F of onsets drawn uniformly at random (as many as the reference has)."""
    rng, scores = np.random.default_rng(seed), []
    for track in tracks:
        y, sr, reference = dataset.load(track)
        for _ in range(n_draws):
            guess = {c: np.sort(rng.uniform(0, y.size / sr, len(reference.get(c, ()))))
                     for c in CLASSES}
            scores.append(onset_scores(reference, guess, CLASSES))
    return {c: np.mean([s[f"f_{c}"] for s in scores]) for c in CLASSES}


# Established on the two MDB-Drums tracks (drum_only, other_tracks templates, rank_h=0):
# measured track-mean F  topk: KD 1.00, SD 0.90, HH 0.38; median: KD 0.82, SD 0.72, HH 0.78;
# random onsets (mean of 50 draws): KD 0.12, SD 0.07, HH 0.24.
FLOORS = {"topk": dict(KD=0.8, SD=0.7, HH=0.3), "median": dict(KD=0.6, SD=0.5, HH=0.5)}


@pytest.mark.skipif(not (DATA / "mdb_drums").is_dir(),
                    reason=f"shared real audio not found at {DATA} (../shared/data/drums)")
@pytest.mark.parametrize("algorithm", [MUR, NENMF], ids=["mur", "nenmf"])
def test_real_mdb_drums_beats_random_onsets(algorithm, tmp_path):
    context = Context(data_dir=DATA, cache_dir=tmp_path)
    setting = dict(dataset="mdb_drums", rank_h=0, tol=0.0, eval_every=10, **algorithm)
    tracks = drums.list_tracks(setting, context)
    assert tracks == ["MusicDelta_Reggae", "MusicDelta_Rock"]
    results = [run_steps(setting, t, context, ("topk", "median"))[1] for t in tracks]
    chance = random_baseline(drums.open_dataset(setting, context), tracks)
    for picker, floors in FLOORS.items():
        for name, floor in floors.items():
            measured = np.mean([r[picker][f"f_{name}"] for r in results])
            assert chance[name] < floor <= measured, (picker, name, measured, chance[name])
