"""Ecoacoustics with NMF: how many sound sources a clip holds, and separating them.

Pipeline (each step depends on the factors it lists):

* ``feature`` (dataset, sr, n_fft, hop_length, power, fmin, fmax, compression,
  clip_seconds, subset): magnitude (``power=1``) or power (2) STFT restricted to
  ``[fmin, fmax]`` Hz (``fmax=0``: Nyquist), optionally log- or PCEN-compressed
  (:func:`nmfab.mir.ecoacoustics.compress`); the reference count, and the
  isolated sources when the dataset has them.
* ``factorize`` (rank, init, and the algorithm factors).
* ``count`` (counter): source label of each component and the count, over a
  grid of the counter's parameters (:data:`GRID`): ``correlation``
  (agglomerative clustering of smoothed H rows under the correlation distance),
  ``periodicity`` (the same on the rows' periodicity spectra, PC-NMF) or
  ``baseline`` (a constant count: the grid is 0..:data:`MAX_BASELINE`).
  Components with a stationary activation are background and not counted.
* ``separate`` (mask_power): for each distinct grouping of the grid, soft masks
  -> one signal per estimated source; and the ideal-ratio-mask signals.
* ``evaluate``: count error and SI-SDR improvement (Hungarian assignment) over
  the grid, the IRM ceiling.

:func:`finalize` chooses the grid point by cross-validation over the clips
(``cv_folds`` folds, lowest mean absolute error on the other folds): for the
baseline that is the training folds' median count. It reports per clip the
count chosen, its absolute error, exact match, the Spearman correlation of the
setting (one value over all clips) and the SI-SDR improvement at that point.
"""
import numpy as np

from .. import datasets
from ..experiment.task import Step, Task, register_task
from ..mir import ecoacoustics as eco
from ..mir.note_metrics import cross_validate
from .common import algorithm_applicable, factorize_setting, unknown_choice

COUNTERS = ("correlation", "periodicity", "baseline")
MAX_BASELINE = 8
#: The counter grid: clustering cut (correlation distance) x background test (peak/median).
GRID = dict(threshold=np.repeat([0.3, 0.45, 0.6, 0.75, 0.9, 1.05], 3),
            min_ratio=np.tile([2.0, 4.0, 8.0], 6))
# ``algorithm`` and ``beta`` have no default: every plan names them.
DEFAULTS = dict(dataset="synth_soundscape", sr=22050, n_fft=1024, hop_length=256, power=1.0,
                fmin=500.0, fmax=0.0, compression="none", clip_seconds=2.0, subset="test",
                rank=16, init="nndsvda", counter="correlation", mask_power=1.0, cv_folds=4)
FEATURE_FACTORS = ("dataset", "sr", "n_fft", "hop_length", "power", "fmin", "fmax",
                   "compression", "clip_seconds", "subset")


def value(setting, name):
    """Factor ``name`` of ``setting``, or its ecoacoustics default."""
    return setting.get(name, DEFAULTS.get(name))


def open_dataset(setting, context):
    """The setting's dataset (one of ``datasets.for_task("ecoacoustics")``), validated."""
    factors = {name: setting[name] for name in FEATURE_FACTORS if name in setting}
    return datasets.open_dataset(value(setting, "dataset"), context, "ecoacoustics", **factors)


def list_tracks(setting, context):
    """Clips of the setting's dataset."""
    return open_dataset(setting, context).tracks()


def band_rows(sr, n_fft, fmin, fmax):
    """The slice of STFT rows between ``fmin`` and ``fmax`` Hz (``fmax <= 0``: Nyquist)."""
    import librosa

    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    keep = np.flatnonzero((freqs >= fmin) & (freqs <= (fmax if fmax > 0 else sr / 2.0)))
    return slice(int(keep[0]), int(keep[-1]) + 1)


def feature_step(setting, track, inputs, context):
    """Clip -> band-limited, optionally compressed spectrogram, reference count and sources."""
    from ..features import stft_magnitude

    sr = int(value(setting, "sr"))
    y, sr, ann = open_dataset(setting, context).load(track, sr=sr if sr > 0 else None)
    n_fft, hop = int(value(setting, "n_fft")), int(value(setting, "hop_length"))
    S, _ = stft_magnitude(y, sr, n_fft=n_fft, hop_length=hop, power=float(value(setting, "power")))
    rows = band_rows(sr, n_fft, float(value(setting, "fmin")), float(value(setting, "fmax")))
    V = eco.compress(S[rows], value(setting, "compression"), sr, hop)
    out = dict(V=V, y=np.asarray(y, np.float32), sr=sr, n_fft=n_fft, hop_length=hop,
               row_start=rows.start, row_stop=rows.stop, count_ref=int(ann["count"]),
               labels=ann["labels"])
    if len(ann.get("sources", ())):
        out["sources"] = ann["sources"]
    return out


def factorize_step(setting, track, inputs, context):
    """V -> W, H with the setting's algorithm, rank and init."""
    return factorize_setting(inputs["feature"]["V"], setting, rank=int(value(setting, "rank")),
                             init=value(setting, "init"))


def count_step(setting, track, inputs, context):
    """Component labels (0: background) and source count at each point of the counter's grid."""
    from ..errors import check_choice

    counter = check_choice("counter", value(setting, "counter"), COUNTERS)
    if counter == "baseline":
        return dict(counts=np.arange(MAX_BASELINE + 1))
    feature, H = inputs["feature"], np.asarray(inputs["factorize"]["H"])
    labels, counts = eco.group_components(H, feature["sr"] / feature["hop_length"], counter,
                                          GRID["threshold"], GRID["min_ratio"])
    return dict(labels=labels, counts=counts)


def separate_step(setting, track, inputs, context):
    """Estimated sources of each distinct grouping (``est_<j>``; ``grouping_of``: grid -> j)
    and the ideal-ratio-mask signals (``irm``), when the clip has isolated sources."""
    feature, labels = inputs["feature"], inputs["count"].get("labels")
    if "sources" not in feature or labels is None:
        return {}
    power = float(value(setting, "mask_power"))
    rows, n_fft, hop = (slice(feature["row_start"], feature["row_stop"]), feature["n_fft"],
                        feature["hop_length"])
    import librosa

    y, W, H = feature["y"], inputs["factorize"]["W"], inputs["factorize"]["H"]
    X = librosa.stft(y, n_fft=n_fft, hop_length=hop)
    groupings, index = np.unique(labels, axis=0, return_inverse=True)
    out = {f"est_{j}": eco.separate(X, eco.group_masks(W, H, lab, power), rows, hop, len(y))
           for j, lab in enumerate(groupings)}
    mags = np.abs(librosa.stft(np.asarray(feature["sources"]), n_fft=n_fft, hop_length=hop))
    irm = eco.ideal_ratio_masks(mags[:, rows], np.abs(X[rows]), power)
    out.update(grouping_of=np.asarray(index).ravel(), irm=eco.separate(X, irm, rows, hop, len(y)))
    return out


def evaluate_step(setting, track, inputs, context):
    """Reference count, count and absolute error over the grid, SI-SDRi over the grid and IRM."""
    feature, counts, sep = inputs["feature"], inputs["count"]["counts"], inputs["separate"]
    ref = int(feature["count_ref"])
    out = dict(count_ref=ref, count_curve=np.asarray(counts, dtype=np.float64),
               abs_err_curve=np.abs(np.asarray(counts, dtype=np.float64) - ref),
               sisdri_curve=np.full(len(counts), np.nan), sisdri_irm=np.nan)
    if sep:
        y, sources = feature["y"], feature["sources"]
        gains = [np.mean(eco.si_sdr_improvement(sources, sep[f"est_{j}"], y))
                 for j in range(int(sep["grouping_of"].max()) + 1)]
        out["sisdri_curve"] = np.asarray(gains)[sep["grouping_of"]]
        out["sisdri_irm"] = float(np.mean(eco.si_sdr_improvement(sources, sep["irm"], y)))
    return out


def finalize(setting, outputs_by_track, context):
    """Grid point chosen on the other folds (lowest mean absolute count error), then the scores."""
    curves = {t: -np.asarray(o["abs_err_curve"]) for t, o in outputs_by_track.items()}
    grid = np.arange(len(next(iter(curves.values())))) if curves else np.arange(0)
    chosen = {t: int(c["threshold_cv"])
              for t, c in cross_validate(curves, grid, int(value(setting, "cv_folds"))).items()}
    tracks = sorted(chosen)
    est = {t: float(outputs_by_track[t]["count_curve"][chosen[t]]) for t in tracks}
    rho = eco.count_scores([outputs_by_track[t]["count_ref"] for t in tracks],
                           [est[t] for t in tracks])["spearman"]
    out = {}
    for t in tracks:
        ref, point = outputs_by_track[t]["count_ref"], chosen[t]
        out[t] = dict(count=est[t], abs_err=abs(est[t] - ref), exact=float(est[t] == ref),
                      spearman=rho, sisdri=float(outputs_by_track[t]["sisdri_curve"][point]),
                      grid_point=point)
    return out


def applicable(setting):
    """Why a setting cannot run, or None."""
    return (unknown_choice("counter", value(setting, "counter"), COUNTERS)
            or algorithm_applicable(setting))


TASK = register_task(Task(
    name="ecoacoustics",
    steps=(
        Step("feature", feature_step, factors=FEATURE_FACTORS, version="1"),
        Step("factorize", factorize_step, factors=("rank", "init"), version="1", algorithm=True),
        Step("count", count_step, factors=("counter",), version="1", cache=False),
        Step("separate", separate_step, factors=("mask_power",), version="1", cache=False),
        Step("evaluate", evaluate_step, version="1", cache=False),
    ),
    list_tracks=list_tracks,
    finalize=finalize,
    applicable=applicable,
    defaults=DEFAULTS,
    factors=("cv_folds",),
    description="Ecoacoustics: number of sound sources per clip from NMF components (clustered "
                "by activation correlation or periodicity, vs a constant baseline), and their "
                "separation by soft masks (SI-SDR improvement)",
))

__all__ = ["TASK", "DEFAULTS", "GRID"]
