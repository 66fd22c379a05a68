"""Onsets from drum activations (top-k and median-threshold pickers) and their scores.

Both pickers work on one row of H (one drum class) and return frame indices;
peaks are local maxima found with :func:`scipy.signal.find_peaks`.
"""
import numpy as np
from scipy import ndimage, signal

from ..errors import NmfabError, check_choice

PICKERS = ("topk", "median")
# The paper's median-threshold offsets, relative to the row's maximum.
MEDIAN_OFFSETS = {"HH": 0.05, "SD": 0.1, "KD": 0.15}
DEFAULT_OFFSET = 0.1


def pick_topk(activation, k):
    """Frames of the ``k`` highest local maxima of ``activation`` (sorted by time).

    Parameters
    ----------
    activation : array_like, shape (n_frames,)
    k : int
        How many onsets to return (the paper uses the ground-truth count).
    """
    x = np.asarray(activation, dtype=float)
    peaks, _ = signal.find_peaks(x)
    if k <= 0 or peaks.size == 0:
        return np.array([], dtype=int)
    best = peaks[np.argsort(x[peaks], kind="stable")[::-1][:k]]
    return np.sort(best)


def median_threshold(activation, window_frames, offset):
    """Moving median over ``window_frames`` plus ``offset``, both relative to the row's maximum.

    Returns the threshold in the units of ``activation``.
    """
    x = np.asarray(activation, dtype=float)
    scale = float(np.max(x)) if x.size else 0.0
    if scale <= 0:
        return np.full(x.shape, np.inf)
    size = max(1, int(window_frames))
    return ndimage.median_filter(x, size=size, mode="nearest") + offset * scale


def pick_median(activation, frame_rate, offset, window=0.1):
    """Frames of the local maxima of ``activation`` above its median threshold.

    Parameters
    ----------
    activation : array_like, shape (n_frames,)
    frame_rate : float
        Frames per second (``sr / hop_length``).
    offset : float
        Added to the moving median, as a fraction of the row's maximum
        (paper: 0.05 hi-hat, 0.1 snare, 0.15 bass drum).
    window : float
        Length of the moving median in seconds (paper: 0.1 s).
    """
    x = np.asarray(activation, dtype=float)
    threshold = median_threshold(x, int(round(window * frame_rate)) | 1, offset)
    peaks, _ = signal.find_peaks(x, height=threshold)
    return peaks


def pick_onsets(H_drums, classes, picker, frame_rate, reference=None):
    """Onset times (s) of each class from the rows of ``H_drums``.

    Parameters
    ----------
    H_drums : array_like, shape (n_classes, n_frames)
    classes : sequence of str
        The class of each row.
    picker : {"topk", "median"}
    frame_rate : float
        Frames per second; frame ``t`` is at ``t / frame_rate`` seconds.
    reference : dict or None
        ``{class: onset times}``; "topk" takes k from it.
    """
    check_choice("picker", picker, PICKERS)
    if picker == "topk" and reference is None:
        raise NmfabError("the topk picker needs the reference onsets (k = number of hits)")
    estimated = {}
    for row, name in zip(np.asarray(H_drums), classes):
        if picker == "topk":
            frames = pick_topk(row, len(reference.get(name, ())))
        else:
            frames = pick_median(row, frame_rate, MEDIAN_OFFSETS.get(name, DEFAULT_OFFSET))
        estimated[name] = frames / float(frame_rate)
    return estimated


def onset_scores(reference, estimated, classes, window=0.05):
    """Per-class and mean F-measure, precision and recall (mir_eval, ``window`` s).

    A class with no reference onset in the track scores NaN and is left out of
    the means. Returns a flat dict: ``f_mean, p_mean, r_mean, f_<class>, ...``.
    """
    import mir_eval

    scores = {}
    for name in classes:
        ref = np.asarray(reference.get(name, ()), dtype=float)
        est = np.asarray(estimated.get(name, ()), dtype=float)
        if ref.size == 0:
            f = p = r = float("nan")
        elif est.size == 0:
            f = p = r = 0.0
        else:
            f, p, r = mir_eval.onset.f_measure(ref, est, window=window)
        scores.update({f"f_{name}": float(f), f"p_{name}": float(p), f"r_{name}": float(r)})
    for kind in "fpr":
        values = [scores[f"{kind}_{c}"] for c in classes]
        scores[f"{kind}_mean"] = float(np.nanmean(values)) if not np.all(np.isnan(values)) \
            else float("nan")
    return scores
