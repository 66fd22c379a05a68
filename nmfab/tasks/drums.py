"""Drum transcription with partially fixed NMF (Wu and Lerch 2015; "Keep the beat going").

The magnitude STFT (window 2048, hop 512) is factorized as
``V ~ [W_D W_H] [H_D; H_H]``: ``W_D`` holds one fixed template per drum class,
``W_H`` is a free part of rank ``rank_h`` (0 allowed) absorbing what is not
drums. Onsets are picked on the rows of ``H_D`` and scored with mir_eval.

Factors read from a setting: ``dataset`` (one of ``datasets.for_task("drums")``),
``mix`` ("drums" or "full"),
``accomp_db`` (synth_drums accompaniment level), ``classes`` ("KD_SD_HH"),
``template`` ("other_tracks" or "same_track_oracle"), ``rank_h``, ``picker``
("topk" or "median") and the algorithm factors of :mod:`nmfab.tasks.common`.

With a convolutive algorithm (one whose W holds several blocks, ``nmfd``: its
``n_lags`` template frames) each drum template is the averaged first
``n_lags`` frames of the annotated hits (up to :data:`MAX_TEMPLATE_FRAMES`),
all of its frames kept fixed; with ``n_lags = 1`` it is the NMF template.
"""
import numpy as np

from .. import algorithms, datasets
from ..errors import NmfabError, check_choice
from ..experiment.task import Step, Task, register_task
from ..features import stft_magnitude
from ..mir.onsets import PICKERS, onset_scores, pick_onsets
from ..mir.templates import hit_frames, hit_spectra, templates_from_hits
from ..experiment.factors import algorithm_params
from .common import algorithm_applicable, factorize_setting, unknown_choice

N_FFT, HOP_LENGTH = 2048, 512
MAX_TEMPLATE_FRAMES = 32   # frames of the time-varying templates stored by the template step
TEMPLATE_SOURCES = ("other_tracks", "same_track_oracle")
# ``algorithm`` has no task default: every plan names it (it stays in the identifiers).
DEFAULTS = dict(beta=2.0, dataset="synth_drums", mix="drums", accomp_db=-6.0, classes="KD_SD_HH",
                template="other_tracks", rank_h=4, picker="topk", onset_tolerance=0.05)
FEATURE_FACTORS = ("dataset", "mix", "accomp_db")
ONSETS = "onsets_"   # feature output key prefix of the reference onsets of each class


def factor(setting, name):
    """``setting[name]``, or the task default."""
    return setting.get(name, DEFAULTS.get(name))


def class_names(setting):
    """The drum classes of a setting, e.g. ("KD", "SD", "HH")."""
    return tuple(str(factor(setting, "classes")).split("_"))


def open_dataset(setting, context, factors=FEATURE_FACTORS):
    """The setting's dataset (one of ``datasets.for_task("drums")``), given ``factors`` only."""
    passed = {name: setting[name] for name in factors if name in setting}
    return datasets.open_dataset(factor(setting, "dataset"), context, "drums", **passed)


def list_tracks(setting, context):
    """Tracks of the setting's dataset that have audio for its mix."""
    return open_dataset(setting, context).tracks()


def feature_step(setting, track, inputs, context):
    """Magnitude STFT of the track (window 2048, hop 512) and its reference onsets."""
    y, sr, onsets = open_dataset(setting, context).load(track)
    V, params = stft_magnitude(y, sr, n_fft=N_FFT, hop_length=HOP_LENGTH)
    return dict(V=V, sr=params["sr"], n_fft=N_FFT, hop_length=HOP_LENGTH,
                **{ONSETS + name: np.asarray(times, dtype=np.float64)
                   for name, times in onsets.items()})


def reference_onsets(feature):
    """``{class: onset times}`` stored in a feature step output."""
    return {key[len(ONSETS):]: np.asarray(value) for key, value in feature.items()
            if key.startswith(ONSETS)}


def template_step(setting, track, inputs, context):
    """Fixed drum templates W_D from the hits of other tracks (or of the track: oracle).

    Also ``W_D_frames`` (bins x classes x :data:`MAX_TEMPLATE_FRAMES`): the averaged
    frames from each hit, the time-varying templates of convolutive algorithms.
    """
    source = check_choice("template source", factor(setting, "template"), TEMPLATE_SOURCES)
    dataset, classes = open_dataset(setting, context, ()), class_names(setting)
    sources = [track] if source == "same_track_oracle" else dataset.kit_tracks(track)
    if not sources:
        raise NmfabError(f"track {track} has no other track of its kit for other_tracks templates;"
                         " use template=same_track_oracle")
    sr_track = inputs["feature"]["sr"]
    sums, counts, frames = 0.0, 0, 0.0
    for name in sources:
        y, sr, onsets = dataset.template_source(name)
        if sr != sr_track:
            raise NmfabError(f"template source {name} is at {sr} Hz but {track} at {sr_track} Hz")
        V, _ = stft_magnitude(y, sr, n_fft=N_FFT, hop_length=HOP_LENGTH)
        s, n = hit_spectra(V, sr / HOP_LENGTH, onsets, classes)
        sums, counts = sums + s, counts + n
        frames = frames + hit_frames(V, sr / HOP_LENGTH, onsets, classes, MAX_TEMPLATE_FRAMES)[0]
    return dict(W_D=templates_from_hits(sums, counts, classes), n_hits=np.asarray(counts),
                W_D_frames=templates_from_hits(frames, counts, classes))


def drum_templates(templates, n_lags):
    """The fixed templates for an algorithm with ``n_lags`` frames per template.

    ``W_D`` (bins x classes) for 1, else the first ``n_lags`` of ``W_D_frames``
    (bins x classes x n_lags), each class at unit Frobenius norm.
    """
    if n_lags == 1:
        return np.asarray(templates["W_D"])
    if n_lags > MAX_TEMPLATE_FRAMES:
        raise NmfabError(f"the drums task stores templates of at most {MAX_TEMPLATE_FRAMES} "
                         f"frames; use n_lags <= {MAX_TEMPLATE_FRAMES}, got {n_lags}")
    frames = np.asarray(templates["W_D_frames"])[:, :, :n_lags]
    norms = np.sqrt(np.sum(frames * frames, axis=(0, 2)))
    return frames / np.maximum(norms, np.finfo(float).tiny)[:, None]


def initial_factors(V, W_D, rank_h, seed):
    """Random W and H (nmfab.init) with the drum components of W set to the templates.

    ``W_D`` is bins x classes, or bins x classes x T for templates of T frames: W is
    then lag-major (``W[:, tau*K + k]``, K = classes + rank_h), the free components'
    init repeated over the lags and divided by T (as :func:`nmfab.factorize` widens one).
    """
    from ..init import initialize

    frames = W_D if W_D.ndim == 3 else W_D[:, :, None]
    n_classes, n_lags = frames.shape[1:]
    K = n_classes + rank_h
    W, H, _ = initialize(V, K, init="random", seed=seed)
    W = np.array(W, dtype=float)
    scale = np.mean(np.linalg.norm(W, axis=0))
    W = np.tile(W, (1, n_lags)) / n_lags
    for tau in range(n_lags):
        W[:, tau * K:tau * K + n_classes] = frames[:, :, tau] * scale
    return W, np.array(H, dtype=float)


def factorize_step(setting, track, inputs, context):
    """Partially fixed NMF: the template columns of W (all their frames) stay fixed."""
    V = inputs["feature"]["V"]
    spec = algorithms.get(setting["algorithm"])
    W_D = drum_templates(inputs["templates"], spec.n_blocks(algorithm_params(setting)))
    rank_h = int(factor(setting, "rank_h"))
    if rank_h < 0:
        raise NmfabError(f"rank_h must be >= 0, got {rank_h}")
    W0, H0 = initial_factors(V, W_D, rank_h, int(setting.get("seed", 0)))
    fixed_W = np.arange(H0.shape[0]) < W_D.shape[1]
    return factorize_setting(V, setting, rank=H0.shape[0], init="custom", W0=W0, H0=H0,
                             fixed_W=fixed_W)


def evaluate_step(setting, track, inputs, context):
    """Onsets from H_D with the setting's picker; mir_eval F, P, R per class and mean."""
    classes = class_names(setting)
    feature = inputs["feature"]
    reference = reference_onsets(feature)
    H = np.asarray(inputs["factorize"]["H"])
    estimated = pick_onsets(H[:len(classes)], classes, factor(setting, "picker"),
                            feature["sr"] / feature["hop_length"], reference)
    return onset_scores(reference, estimated, classes, float(factor(setting, "onset_tolerance")))


def applicable(setting):
    """Why a setting cannot run, or None."""
    return (unknown_choice("picker", factor(setting, "picker"), PICKERS)
            or algorithm_applicable(setting))


TASK = register_task(Task(
    name="drums",
    steps=(Step("feature", feature_step, FEATURE_FACTORS, version="2"),
           Step("templates", template_step, ("dataset", "template", "classes"), version="2"),
           Step("factorize", factorize_step, ("rank_h",), version="1", algorithm=True),
           Step("evaluate", evaluate_step, ("picker", "classes", "onset_tolerance"),
                version="1", cache=False)),
    list_tracks=list_tracks,
    applicable=applicable,
    defaults=DEFAULTS,
    description="Drum transcription with partially fixed NMF: fixed drum templates W_D, "
                "free rank_h part, onsets from H_D scored with mir_eval (50 ms).",
))
