"""Piano transcription with NMF: audio -> spectrogram -> W, H -> pitched notes -> mir_eval scores.

Pipeline (one step per stage, each depending on the factors it lists):

* ``feature`` (dataset, feature, sr, n_fft, hop_length, excerpt, maps_instruments):
  mono audio of a dataset of ``datasets.for_task("transcription")`` resampled to
  ``sr``, first ``excerpt`` seconds, magnitude STFT or CQT, and the reference
  notes cropped to the audio loaded.
* ``factorize`` (algorithm, beta, rank, init, fixed_W, max_iter, tol, seed, ...):
  any registered algorithm; ``init="harmonic"`` uses harmonic combs over MIDI
  21..108 (rank 88) on STFT bins; ``init="piano"`` uses piano templates
  (inharmonic partials ``k f0 sqrt(1 + B k^2)`` with a register-dependent
  ``B``, :func:`nmfab.mir.templates.piano_templates`) on the bins of any
  feature, ``init="comb"`` the same combs without inharmonicity; all three
  optionally kept fixed (``fixed_W``).
* ``postprocess`` (salience): MIDI pitch of each W column (the template's when
  W came from the harmonic init, else harmonic-sum matching), rows of H merged
  by pitch.
* ``evaluate`` (threshold, hysteresis, min_duration, onset): notes, note-level and
  frame-level scores, and the note-F curve over :data:`THRESHOLD_GRID` that
  :func:`finalize` cross-validates over tracks (``cv_folds``).

:func:`transcribe` runs the same functions on one signal, without the engine.
"""
import numpy as np

from .. import datasets
from ..errors import NmfabError
from ..experiment.task import Step, Task, register_task
from ..features import bin_frequencies, compute_feature
from ..mir.note_metrics import cross_validate, frame_scores, note_scores
from ..mir.notes import activations_to_notes
from ..mir.pitch import column_pitches, merge_by_pitch
from ..mir.templates import piano_templates
from .common import algorithm_applicable, factorize_setting

HARMONIC_PITCHES = range(21, 109)
TEMPLATE_INITS = ("piano", "comb")     # templates built here, on the feature's own bins
# Half-width (bins) of a partial's lobe: a Hann window's main lobe spans 2 STFT bins either
# side, and so does a CQT filter's (librosa's filter_scale=1 sets its bandwidth to the bin spacing).
LOBE_WIDTH = dict(stft=2.0, cqt=2.0)
THRESHOLD_GRID = np.array([0.02, 0.03, 0.05, 0.07, 0.1, 0.14, 0.2, 0.3])
# min_duration 0.08 s: on synth_piano_hard note F rises steadily with it (77.6 at 0.05 s, 78.4 at
# 0.08, 79.7 at 0.15: shorter activations are mostly hammer transients caught by other pitches);
# 0.1 s already drops a real 0.22-s note of the madmom recording, hence 0.08.
# ``algorithm`` and ``beta`` have no task default: every plan names them (and they stay in
# the setting identifiers). ``n_tracks`` > 0 keeps the first n tracks of the dataset.
DEFAULTS = dict(dataset="synth_piano", feature="stft", sr=11025, n_fft=1024, hop_length=256,
                excerpt=30.0, init="nndsvda", fixed_W=False, salience=0.4, threshold=0.15,
                hysteresis=0.5, min_duration=0.08, onset="level", cv_folds=3,
                maps_instruments="all", n_tracks=0)
FEATURE_FACTORS = ("dataset", "feature", "sr", "n_fft", "hop_length", "excerpt", "maps_instruments")


def value(setting, name):
    """Factor ``name`` of ``setting``, or its transcription default."""
    return setting.get(name, DEFAULTS.get(name))


def spectrogram(y, sr, setting):
    """Magnitude feature of a mono signal with the setting's feature factors: ``(V, params)``."""
    if value(setting, "feature") == "stft":
        kwargs = dict(n_fft=int(value(setting, "n_fft")),
                      hop_length=int(value(setting, "hop_length")))
    else:
        kwargs = dict(hop_length=int(value(setting, "hop_length")))
    return compute_feature(y, sr, feature=value(setting, "feature"), **kwargs)


def note_templates(params, init="piano"):
    """Piano (``init="piano"``) or harmonic (``"comb"``) templates of MIDI 21..108 on the bins
    of a feature computed with ``params``: array (n_bins, 88)."""
    return piano_templates(bin_frequencies(params), HARMONIC_PITCHES, inharmonic=init == "piano",
                           width=LOBE_WIDTH[params["feature"]], floor=1e-3)


def factorize_spectrogram(V, params, setting):
    """Factorize ``V`` with the setting's algorithm, rank and init; returns a step output dict."""
    from ..experiment.factors import FACTORIZE_DEFAULTS
    from ..init import random_init

    init = value(setting, "init")
    if init in TEMPLATE_INITS:
        W0 = note_templates(params, init)
        fixed = np.full(W0.shape[1], bool(value(setting, "fixed_W")))
        seed = int(setting.get("seed", FACTORIZE_DEFAULTS["seed"]))
        H0 = random_init(np.asarray(V), W0.shape[1], seed)[1]
        out = factorize_setting(V, setting, rank=W0.shape[1], init="custom", W0=W0, H0=H0,
                                fixed_W=fixed)
        out["pitches"] = np.asarray(HARMONIC_PITCHES, dtype=np.int64)
        return out
    if init == "harmonic":
        if params["feature"] != "stft":
            raise NmfabError("init='harmonic' needs feature='stft' (its combs sit on STFT bins)")
        n_pitches = len(HARMONIC_PITCHES)
        fixed = np.full(n_pitches, bool(value(setting, "fixed_W")))
        return factorize_setting(V, setting, rank=n_pitches, init="harmonic", fixed_W=fixed,
                                 init_params=dict(sr=params["sr"], n_fft=params["n_fft"],
                                                  midi_pitches=HARMONIC_PITCHES))
    return factorize_setting(V, setting, rank=int(setting["rank"]), init=init)


def pitch_activations(factors, params, salience=DEFAULTS["salience"]):
    """Rows of H merged by the pitch of their W column: ``(activations, pitches)``."""
    W, H = np.asarray(factors["W"]), np.asarray(factors["H"])
    if "pitches" in factors:
        pitches = np.asarray(factors["pitches"], dtype=int)
    else:
        pitches, _ = column_pitches(W, bin_frequencies(params), salience_threshold=salience)
    return merge_by_pitch(W, H, pitches)


def notes_from(activations, pitches, params, setting, threshold=None):
    """Notes (n, 4) from pitch activations with the setting's note factors."""
    return activations_to_notes(
        activations, pitches, params["sr"], params["hop_length"],
        threshold=float(value(setting, "threshold") if threshold is None else threshold),
        hysteresis=float(value(setting, "hysteresis")),
        min_duration=float(value(setting, "min_duration")), onset=str(value(setting, "onset")))


def transcribe(audio, sr, *, algorithm="mu", beta=1.0, init="piano", rank=None, fixed_W=True,
               feature="stft", target_sr=11025, n_fft=1024, hop_length=256, max_iter=200,
               threshold=0.15, hysteresis=0.5, min_duration=0.08, onset="level", salience=0.4,
               seed=0):
    """Transcribe a piano recording into notes with NMF (no engine, no cache).

    Parameters
    ----------
    audio : np.ndarray, shape (n,) or (n_channels, n)
        The signal; channels are averaged.
    sr : int
        Its sampling rate; it is resampled to ``target_sr``.
    algorithm, beta, max_iter, seed
        Passed to :func:`nmfab.factorize`.
    init : {"piano", "comb", "harmonic", "nndsvda", ...}
        ``"piano"``: 88 inharmonic piano templates (MIDI 21..108, rank ignored;
        any ``feature``); ``"comb"``: the same without inharmonicity;
        ``"harmonic"``: the harmonic combs of :func:`nmfab.init.harmonic_templates`
        (STFT only); otherwise an unsupervised init of ``rank`` components
        labelled by pitch.
    fixed_W : bool
        Keep the templates fixed.
    feature : {"stft", "cqt"}
    threshold, hysteresis, min_duration, onset, salience
        Note extraction and pitch labelling parameters (see :mod:`nmfab.mir.notes`).

    Returns
    -------
    np.ndarray, shape (n_notes, 4)
        onset (s), offset (s), MIDI pitch, amplitude.
    """
    import librosa

    y = librosa.to_mono(np.asarray(audio, dtype=np.float32))
    if int(sr) != int(target_sr):
        y = librosa.resample(y, orig_sr=int(sr), target_sr=int(target_sr))
    setting = dict(algorithm=algorithm, beta=beta, init=init, rank=rank, fixed_W=fixed_W,
                   feature=feature, n_fft=n_fft, hop_length=hop_length, max_iter=max_iter,
                   threshold=threshold, hysteresis=hysteresis, min_duration=min_duration,
                   onset=onset, seed=seed)
    if init not in ("harmonic",) + TEMPLATE_INITS and rank is None:
        raise NmfabError(f"init={init!r} needs a rank (number of components); e.g. rank=64")
    V, params = spectrogram(y, int(target_sr), setting)
    activations, pitches = pitch_activations(factorize_spectrogram(V, params, setting), params,
                                             salience)
    return notes_from(activations, pitches, params, setting)


# --- engine steps -------------------------------------------------------------------------

def open_dataset(setting, context):
    """The setting's dataset (one of ``datasets.for_task("transcription")``), validated."""
    factors = {name: setting[name] for name in FEATURE_FACTORS if name in setting}
    return datasets.open_dataset(value(setting, "dataset"), context, "transcription", **factors)


def list_tracks(setting, context):
    """Track identifiers of the setting's dataset (the first ``n_tracks`` when > 0)."""
    tracks = open_dataset(setting, context).tracks()
    n_tracks = int(value(setting, "n_tracks"))
    return tracks[:n_tracks] if n_tracks > 0 else tracks


def feature_step(setting, track, inputs, context):
    """Audio of ``track`` -> spectrogram ``V``, its parameters and the reference notes."""
    excerpt = float(value(setting, "excerpt"))
    y, sr, ref = open_dataset(setting, context).load(track, sr=int(value(setting, "sr")),
                                                     duration=excerpt if excerpt > 0 else None)
    V, params = spectrogram(y, sr, setting)
    return dict(V=V, ref_notes=np.asarray(ref, dtype=np.float64)[:, :3].reshape(-1, 3),
                duration=len(y) / float(sr), **params)


def feature_params(feature):
    """The feature parameters stored in a feature step's output."""
    keys = ("feature", "sr", "n_fft", "hop_length", "fmin_midi", "n_bins", "bins_per_octave")
    return {key: feature[key] for key in keys if key in feature}


def factorize_step(setting, track, inputs, context):
    """V -> W, H and the loss history (``pitches`` when the harmonic init was used)."""
    feature = inputs["feature"]
    return factorize_spectrogram(feature["V"], feature_params(feature), setting)


def postprocess_step(setting, track, inputs, context):
    """W, H -> pitch activations (rows merged by pitch) and their MIDI pitches."""
    params = feature_params(inputs["feature"])
    activations, pitches = pitch_activations(inputs["factorize"], params,
                                             float(value(setting, "salience")))
    return dict(activations=activations, pitches=np.asarray(pitches, dtype=np.int64))


def evaluate_step(setting, track, inputs, context):
    """Notes at the setting's threshold, mir_eval scores, and the note-F curve over thresholds."""
    feature, post = inputs["feature"], inputs["postprocess"]
    params = feature_params(feature)
    ref = np.asarray(feature["ref_notes"]).reshape(-1, 3)
    est = notes_from(post["activations"], post["pitches"], params, setting)
    metrics = note_scores(ref, est)
    metrics.update(frame_scores(ref, est, float(feature["duration"])))
    curve = [note_scores(ref, notes_from(post["activations"], post["pitches"], params, setting,
                                         threshold=t))["f_onset"] for t in THRESHOLD_GRID]
    metrics.update(n_notes=int(len(est)), threshold_grid=THRESHOLD_GRID.copy(),
                   f_onset_curve=np.asarray(curve, dtype=np.float64))
    return metrics


def finalize(setting, outputs_by_track, context):
    """Cross-validated note F (onset only): threshold chosen on the other folds' tracks."""
    curves = {track: np.asarray(out["f_onset_curve"]) for track, out in outputs_by_track.items()}
    chosen = cross_validate(curves, THRESHOLD_GRID, n_folds=int(value(setting, "cv_folds")))
    return {track: dict(f_onset_cv=c["score_cv"], threshold_cv=c["threshold_cv"])
            for track, c in chosen.items()}


def applicable(setting):
    """Why a setting cannot run, or None."""
    if value(setting, "init") == "harmonic" and value(setting, "feature") != "stft":
        return "the harmonic init needs feature=stft"
    return algorithm_applicable(setting)


TASK = register_task(Task(
    name="transcription",
    steps=(
        Step("feature", feature_step, factors=FEATURE_FACTORS, version="2"),
        Step("factorize", factorize_step, factors=("rank", "init", "fixed_W"), version="1",
             algorithm=True),
        Step("postprocess", postprocess_step, factors=("salience",), version="1"),
        Step("evaluate", evaluate_step,
             factors=("threshold", "hysteresis", "min_duration", "onset"), version="2",
             cache=False),
    ),
    list_tracks=list_tracks,
    finalize=finalize,
    defaults=DEFAULTS,
    factors=("cv_folds", "n_tracks"),
    applicable=applicable,
    description="Piano transcription: pitch-labelled NMF activations -> notes, scored by mir_eval",
))

__all__ = ["TASK", "DEFAULTS", "transcribe"]
