"""Music structure analysis with barwise NMF: bars -> barwise log-mel -> W -> self-similarity
-> segmentation (CBM or Foote) -> mir_eval boundary hit rates.

Steps and the factors they read (the audio logic is in :mod:`nmfab.mir.structure`):

* ``feature`` (dataset, annotator, bars, feature, n_mels, hop_length, frames_per_bar):
  the bars (``annotated`` downbeats of the dataset, or ``estimated`` by librosa's
  beat tracker and the phase rule of :func:`~nmfab.mir.structure.estimate_downbeats`),
  a nonnegative log-mel spectrogram at 22050 Hz resampled to ``frames_per_bar``
  frames per bar, one row per bar; the reference segments.
* ``factorize`` (representation, rank, init + the algorithm factors): NMF of the
  barwise matrix (bars as rows): ``W`` (bars x rank) is the bar representation.
  ``representation=raw`` skips NMF: the rows of the barwise matrix are used.
* ``postprocess`` (representation, similarity): the bar self-similarity matrix.
* ``evaluate`` (segmenter, cbm_band, cbm_penalty, cbm_max_size, foote_kernel,
  foote_threshold): boundaries by ``cbm``, ``foote``, or the chance baselines ``even`` /
  ``random`` (the reference's segment count on the bar grid); mir_eval hit rates at
  0.5 s and 3 s, trim False and True (:mod:`nmfab.mir.structure_metrics`), and the
  hit-rate curves over the segmenter's tuning grid that :func:`finalize`
  cross-validates over tracks (``cv_folds``).
"""
import numpy as np

from .. import datasets
from ..errors import NmfabError, check_choice
from ..experiment.task import Step, Task, register_task
from ..mir import structure as mir
from ..mir.note_metrics import cross_validate
from ..mir.structure_metrics import boundary_scores, chance_boundaries, track_seed
from .common import algorithm_applicable, factorize_setting

SR = 22050
SEGMENTERS = ("cbm", "foote", "even", "random")
REPRESENTATIONS = ("nmf", "raw")
BARS = ("annotated", "estimated")
#: The tuning parameter of each segmenter and its grid, cross-validated by :func:`finalize`.
TUNING = dict(cbm=("cbm_penalty", np.array([0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0])),
              foote=("foote_threshold", np.array([0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7])))
CV_METRICS = ("f_0.5_trim", "f_3_trim")
DEFAULTS = dict(dataset="synth_structure", annotator=1, bars="annotated", feature="nn_log_mel",
                n_mels=80, hop_length=256, frames_per_bar=96, representation="nmf", rank=12,
                init="nndsvda", similarity="cosine", segmenter="cbm", cbm_band=7,
                cbm_penalty=0.25, cbm_max_size=32, foote_kernel=8, foote_threshold=0.3,
                cv_folds=3, n_tracks=0)
FEATURE_FACTORS = ("dataset", "annotator", "bars", "feature", "n_mels", "hop_length",
                   "frames_per_bar")
EVALUATE_FACTORS = ("segmenter", "cbm_band", "cbm_penalty", "cbm_max_size", "foote_kernel",
                    "foote_threshold")


def open_dataset(setting, context):
    """The setting's dataset (one of ``datasets.for_task("structure")``), validated."""
    return datasets.open_dataset(setting["dataset"], context, "structure",
                                 annotator=setting.get("annotator", DEFAULTS["annotator"]))


def list_tracks(setting, context):
    """Tracks of the setting's dataset (the first ``n_tracks`` when > 0)."""
    tracks = open_dataset(setting, context).tracks()
    n_tracks = int(setting.get("n_tracks", 0))
    return tracks[:n_tracks] if n_tracks > 0 else tracks


def feature_step(setting, track, inputs, context):
    """Audio -> downbeats and the barwise log-mel matrix (bars x bands*frames); reference."""
    y, sr, ref = open_dataset(setting, context).load(track, sr=SR)
    bars = check_choice("bars", setting["bars"], BARS)
    downbeats = ref["downbeats"] if bars == "annotated" else mir.estimate_downbeats(y, sr)
    if len(downbeats) < 2:
        raise NmfabError(f"track {track} has no usable bar times for bars={bars} "
                         f"({len(downbeats)} downbeats); use bars=estimated or another track")
    hop = int(setting["hop_length"])
    S = mir.mel_feature(y, sr, setting["feature"], hop, int(setting["n_mels"]))
    X = mir.barwise_matrix(S, sr / hop, downbeats, int(setting["frames_per_bar"]))
    return dict(X=X, downbeats=np.asarray(downbeats, dtype=np.float64),
                ref_intervals=np.asarray(ref["intervals"], dtype=np.float64).reshape(-1, 2),
                duration=len(y) / float(sr), n_bars=int(len(X)))


def factorize_step(setting, track, inputs, context):
    """Barwise matrix -> W (bars x rank), H; nothing for ``representation=raw``."""
    if check_choice("representation", setting["representation"], REPRESENTATIONS) == "raw":
        return dict(raw=True)
    return factorize_setting(inputs["feature"]["X"], setting, rank=int(setting["rank"]),
                             init=setting["init"])


def postprocess_step(setting, track, inputs, context):
    """Bar representations (W rows, or the barwise rows when raw) -> self-similarity."""
    raw = setting["representation"] == "raw"
    bars = inputs["feature"]["X"] if raw else inputs["factorize"]["W"]
    return dict(ssm=mir.self_similarity(np.asarray(bars), setting["similarity"]))


def segment(ssm, setting, segmenter, n_segments=1, seed=0, **override):
    """Boundaries (bar indices) of ``segmenter`` with the setting's parameters (or ``override``)."""
    values = {name: override.get(name, setting[name]) for name in EVALUATE_FACTORS[1:]}
    if segmenter == "cbm":
        return mir.cbm_segment(ssm, float(values["cbm_penalty"]), band=int(values["cbm_band"]),
                               max_size=int(values["cbm_max_size"]))
    if segmenter == "foote":
        return mir.foote_segment(ssm, int(values["foote_kernel"]),
                                 float(values["foote_threshold"]))
    return chance_boundaries(len(ssm), n_segments, segmenter, seed)


def evaluate_step(setting, track, inputs, context):
    """Boundaries, mir_eval hit rates (0.5 s, 3 s; trim False/True), curves over the tuning grid."""
    feature, ssm = inputs["feature"], np.asarray(inputs["postprocess"]["ssm"])
    segmenter = check_choice("segmenter", setting["segmenter"], SEGMENTERS)
    ref = np.asarray(feature["ref_intervals"]).reshape(-1, 2)
    downbeats, duration = np.asarray(feature["downbeats"]), float(feature["duration"])

    def scores(**override):
        bounds = segment(ssm, setting, segmenter, len(ref), track_seed(track), **override)
        return boundary_scores(ref, mir.bars_to_times(bounds, downbeats), duration), bounds

    metrics, bounds = scores()
    metrics.update(n_segments_est=int(len(bounds) - 1), n_segments_ref=int(len(ref)),
                   boundaries=mir.bars_to_times(bounds, downbeats))
    if segmenter in TUNING:
        name, grid = TUNING[segmenter]
        curves = [scores(**{name: value})[0] for value in grid]
        metrics["tuning_grid"] = grid.copy()
        for metric in CV_METRICS:
            metrics[f"{metric}_curve"] = np.array([c[metric] for c in curves])
    return metrics


def finalize(setting, outputs_by_track, context):
    """Cross-validated hit rates: the segmenter's tuning value chosen on the other folds' tracks."""
    if setting.get("segmenter") not in TUNING:
        return {}
    grid = TUNING[setting["segmenter"]][1]
    out = {track: {} for track in outputs_by_track}
    for metric in CV_METRICS:
        curves = {track: np.asarray(o[f"{metric}_curve"]) for track, o in outputs_by_track.items()}
        chosen = cross_validate(curves, grid, n_folds=int(setting.get("cv_folds", 3)))
        for track, c in chosen.items():
            out[track][f"{metric}_cv"] = c["score_cv"]
            if metric == "f_3_trim":
                out[track]["tuning_cv"] = c["threshold_cv"]
    return out


def applicable(setting):
    """Why a setting cannot run, or None."""
    dataset = datasets.get(setting.get("dataset"), "structure")
    if setting.get("bars") == "annotated" and not dataset.has_bars:
        return f"dataset {dataset.name} has no annotated bars (use bars=estimated)"
    if setting.get("segmenter") not in SEGMENTERS:
        return f"unknown segmenter {setting.get('segmenter')} (one of {', '.join(SEGMENTERS)})"
    return algorithm_applicable(setting)


TASK = register_task(Task(
    name="structure",
    steps=(Step("feature", feature_step, FEATURE_FACTORS, version="1"),
           Step("factorize", factorize_step, ("representation", "rank", "init"), version="1",
                algorithm=True),
           Step("postprocess", postprocess_step, ("representation", "similarity"), version="1"),
           Step("evaluate", evaluate_step, EVALUATE_FACTORS, version="1", cache=False)),
    list_tracks=list_tracks,
    finalize=finalize,
    applicable=applicable,
    defaults=DEFAULTS,
    factors=("cv_folds", "n_tracks"),
    description="Music structure analysis: barwise NMF, bar self-similarity, CBM or Foote "
                "segmentation, mir_eval boundary hit rates",
))

__all__ = ["TASK", "DEFAULTS", "TUNING"]
