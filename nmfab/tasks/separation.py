"""Music source separation by NMF, scored with museval BSS Eval v4 (issue 11).

Steps (the audio logic is in :mod:`nmfab.mir.separation`):

* ``feature`` (dataset, excerpt, sr, n_fft, hop_length, power): the mixture and
  references (sources present in the track, see :mod:`nmfab.datasets.stems`)
  and the mono spectrogram ``V = |STFT(mean of channels)|^power``.
* ``dictionaries`` (algorithm step; rank_source): for ``supervised``, one
  dictionary per source learned by NMF on that source's stems from the
  training tracks (never the test track).
* ``factorize`` (algorithm step; grouping, rank): ``supervised``: the
  concatenated dictionaries kept fixed (``fixed_W``), H estimated on the
  mixture; the blind groupings: a free NMF of rank ``rank``.
* ``separate`` (grouping, mask): component labels (``supervised``: by
  dictionary; ``oracle_grouping``: best-correlated reference;
  ``blind_mfcc``: k-means on MFCCs of W's columns, clusters assigned to sources
  by the Hungarian algorithm on SI-SDR), then ``wiener`` / ``ratio`` soft masks
  on the complex STFT of every channel, or ``none`` (modelled magnitude with
  the mixture's phase); baselines ``oracle_irm`` (IRM1 with ``ratio``, IRM2
  with ``wiener``) and ``mixture`` (mixture / n_sources, mask ``none``).
  The separated audio is a cached intermediate, never a results row.
* ``evaluate`` (eval_window): museval BSS Eval v4, median over 1-s frames of
  SDR, SIR, SAR, ISR per source (NaN for a source absent from the track), their
  mean over sources, and SI-SDR.
"""
import numpy as np

from .. import datasets
from ..datasets.stems import SOURCES
from ..errors import DatasetError
from ..experiment.task import Step, Task, register_task
from ..mir import separation as sep
from .common import algorithm_applicable, factorize_setting

GROUPINGS = ("supervised", "blind_mfcc", "oracle_grouping", "oracle_irm", "mixture")
BASELINES = ("oracle_irm", "mixture")
MASKS = ("wiener", "ratio", "none")
DEFAULTS = dict(beta=1.0, dataset="synth_mix", excerpt=0.0, sr=22050, n_fft=2048,
                hop_length=512, power=1.0, grouping="supervised", rank=16, rank_source=8,
                mask="wiener", eval_window=1.0)
FEATURE_FACTORS = ("dataset", "excerpt", "sr", "n_fft", "hop_length", "power")
METRICS = ("sdr", "sir", "sar", "isr")


def factor(setting, name):
    """``setting[name]``, or the task default."""
    return setting.get(name, DEFAULTS.get(name))


def open_dataset(setting, context):
    """The setting's separation dataset."""
    return datasets.open_dataset(factor(setting, "dataset"), context, "separation")


def list_tracks(setting, context):
    """The evaluated tracks (test split) of the setting's dataset."""
    return open_dataset(setting, context).tracks()


def load(setting, context, track):
    """``(mixture, sr, references)`` at the setting's rate and excerpt (0: the full track)."""
    excerpt = float(factor(setting, "excerpt"))
    return open_dataset(setting, context).load(track, sr=int(factor(setting, "sr")),
                                               duration=excerpt or None)


def spectrogram(audio, setting):
    """``|STFT|^power`` of the mono downmix of ``audio`` (n_samples, n_channels)."""
    X = sep.stft(np.mean(audio, axis=1, keepdims=True), int(factor(setting, "n_fft")),
                 int(factor(setting, "hop_length")))[0]
    return np.abs(X) ** float(factor(setting, "power"))


def feature_step(setting, track, inputs, context):
    """Mixture, references and the spectrogram V to factorize."""
    mixture, sr, references = load(setting, context, track)
    return dict(mixture=mixture, references=np.stack(list(references.values())),
                sources=",".join(references), sr=sr, V=spectrogram(mixture, setting))


def track_sources(feature):
    """The source names of a feature output, in the order of its references."""
    return str(feature["sources"]).split(",")


def dictionary_step(setting, track, inputs, context):
    """One dictionary of ``rank_source`` columns per source, from the training tracks."""
    if factor(setting, "grouping") != "supervised":
        return dict(note="no dictionaries: not supervised")
    dataset, sources = open_dataset(setting, context), track_sources(inputs["feature"])
    training = [name for name in dataset.training_tracks(track) if name != track]
    spectra = {source: [] for source in sources}
    for name in training:
        _, _, references = load(setting, context, name)
        for source in sources:
            if source in references:
                spectra[source].append(spectrogram(references[source], setting))
    rank, parts = int(factor(setting, "rank_source")), []
    for index, source in enumerate(sources):
        if not spectra[source]:
            raise DatasetError(f"{dataset.name}: no training track has a {source} stem for "
                               f"{track} (training tracks: {', '.join(training) or 'none'})")
        W = factorize_setting(np.hstack(spectra[source]), setting, rank=rank)["W"]
        parts.append(W / np.maximum(W.sum(axis=0), 1e-12))
    return dict(W=np.hstack(parts), labels=np.repeat(np.arange(len(sources)), rank))


def factorize_step(setting, track, inputs, context):
    """Fixed dictionaries (supervised) or a free NMF of rank ``rank`` of the mixture."""
    V, grouping = inputs["feature"]["V"], factor(setting, "grouping")
    if grouping in BASELINES:
        return dict(note=f"no factorization: {grouping} is a baseline")
    if grouping != "supervised":
        return factorize_setting(V, setting, rank=int(factor(setting, "rank")))
    dictionaries = inputs["dictionaries"]
    W0 = dictionaries["W"]
    out = factorize_setting(V, setting, rank=W0.shape[1], init="random", W0=W0,
                            fixed_W=np.ones(W0.shape[1], dtype=bool))
    return dict(out, labels=dictionaries["labels"])


def reconstruct(X, magnitudes, mask, hop_length, length):
    """Estimates (n_sources, length, n_channels) from modelled magnitudes and a mask name."""
    if mask == "none":
        spectra = sep.magnitude_with_mixture_phase(X, magnitudes)
    else:
        spectra = sep.apply_masks(X, sep.soft_masks(magnitudes, sep.MASK_EXPONENTS[mask]))
    return sep.istft(spectra, hop_length, length)


def separate_step(setting, track, inputs, context):
    """The separated audio of every source present (n_sources, n_samples, n_channels)."""
    feature = inputs["feature"]
    mixture, references = feature["mixture"], feature["references"]
    grouping, mask = factor(setting, "grouping"), factor(setting, "mask")
    n_fft, hop = int(factor(setting, "n_fft")), int(factor(setting, "hop_length"))
    n, length = len(references), len(mixture)
    if grouping == "mixture":
        return dict(estimates=sep.mixture_estimates(mixture, n).astype(np.float32))
    X = sep.stft(mixture, n_fft, hop)
    if grouping == "oracle_irm":
        masks = sep.ideal_masks(np.stack([sep.stft(r, n_fft, hop) for r in references]),
                                sep.MASK_EXPONENTS[mask])
        estimates = sep.istft(masks * X[None], hop, length)
        return dict(estimates=estimates.astype(np.float32))
    W, H, power = inputs["factorize"]["W"], inputs["factorize"]["H"], float(factor(setting, "power"))
    if grouping == "supervised":
        labels = inputs["factorize"]["labels"]
    elif grouping == "oracle_grouping":
        labels = sep.oracle_labels(W, H, np.stack([spectrogram(r, setting) for r in references]))
    else:
        labels = sep.cluster_components(sep.mfcc_features(W, int(feature["sr"])), n,
                                        seed=int(setting.get("seed", 0)))
    magnitudes = sep.source_models(W, H, labels, n) ** (1.0 / power)
    estimates = reconstruct(X, magnitudes, mask, hop, length)
    if grouping == "blind_mfcc":
        estimates = estimates[sep.assign_estimates(estimates, references)]
    return dict(estimates=estimates.astype(np.float32), labels=np.asarray(labels))


def evaluate_step(setting, track, inputs, context):
    """museval BSS Eval v4 medians per source, their mean, and SI-SDR (NaN: source absent)."""
    feature, estimates = inputs["feature"], inputs["separate"]["estimates"]
    sources, references = track_sources(feature), feature["references"]
    scores = sep.bss_eval_v4(references, estimates, int(feature["sr"]),
                             window=float(factor(setting, "eval_window")),
                             hop=float(factor(setting, "eval_window")))
    out = {f"{metric}_{source}": np.nan for metric in METRICS + ("si_sdr",) for source in SOURCES}
    for j, source in enumerate(sources):
        for metric in METRICS:
            frames = scores[metric][j]
            out[f"{metric}_{source}"] = (float(np.nanmedian(frames)) if np.any(np.isfinite(frames))
                                         else np.nan)
        out[f"si_sdr_{source}"] = sep.si_sdr(references[j], estimates[j])
    for metric in METRICS + ("si_sdr",):
        values = [out[f"{metric}_{s}"] for s in sources if np.isfinite(out[f"{metric}_{s}"])]
        out[f"{metric}_mean"] = float(np.mean(values)) if values else np.nan
    return out


def applicable(setting):
    """Why a setting cannot run, or None."""
    grouping, mask = factor(setting, "grouping"), factor(setting, "mask")
    if grouping not in GROUPINGS or mask not in MASKS:
        return f"unknown grouping {grouping} or mask {mask}"
    if grouping == "oracle_irm" and mask == "none":
        return "oracle_irm needs a mask (ratio: IRM1, wiener: IRM2)"
    if grouping == "mixture" and mask != "none":
        return "the mixture baseline uses no mask (mask=none)"
    return algorithm_applicable(setting)


TASK = register_task(Task(
    name="separation",
    steps=(Step("feature", feature_step, FEATURE_FACTORS, version="1"),
           Step("dictionaries", dictionary_step, FEATURE_FACTORS + ("grouping", "rank_source"),
                version="1", algorithm=True),
           Step("factorize", factorize_step, ("grouping", "rank"), version="1", algorithm=True),
           Step("separate", separate_step, ("grouping", "mask", "n_fft", "hop_length", "power", "seed"),
                version="1", code=(sep,)),
           Step("evaluate", evaluate_step, ("eval_window",), version="1", cache=False)),
    list_tracks=list_tracks,
    applicable=applicable,
    defaults=DEFAULTS,
    factors=("dataset",),
    description="Music source separation: supervised / blind / oracle-grouped NMF with soft "
                "masks, oracle IRM ceiling and mixture floor, museval BSS Eval v4 medians.",
))
