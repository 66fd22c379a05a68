"""Drum templates: the averaged magnitude spectrum of annotated hits of each class."""
import numpy as np

from ..errors import NmfabError

HIT_FRAMES = 3        # frames averaged after each onset (~70 ms at 22.05 kHz, hop 512)
ISOLATION = 0.05      # s: a hit is isolated when no other class starts this close to it


def isolated_onsets(onsets, name, isolation=ISOLATION):
    """Onsets of class ``name`` with no onset of another class within ``isolation`` s.

    Falls back to every onset of the class when none is isolated.
    """
    own = np.asarray(onsets.get(name, ()), dtype=float)
    others = [np.asarray(t, dtype=float) for c, t in onsets.items() if c != name]
    others = np.sort(np.concatenate(others)) if others else np.array([])
    if own.size == 0 or others.size == 0:
        return own
    idx = np.clip(np.searchsorted(others, own), 1, others.size)
    nearest = np.minimum(np.abs(own - others[idx - 1]),
                         np.abs(own - others[np.minimum(idx, others.size - 1)]))
    keep = own[nearest > isolation]
    return keep if keep.size else own


def hit_spectra(V, frame_rate, onsets, classes, hit_frames=HIT_FRAMES):
    """Sum of the hit spectra of each class and the number of hits summed.

    Parameters
    ----------
    V : np.ndarray, shape (n_bins, n_frames)
        Magnitude spectrogram of a recording.
    frame_rate : float
        Frames per second of ``V``.
    onsets : dict
        ``{class: onset times (s)}`` annotated in that recording.
    classes : sequence of str

    Returns
    -------
    sums : np.ndarray, shape (n_bins, n_classes)
        Sum over hits of the mean spectrum of the ``hit_frames`` frames from each onset.
    counts : np.ndarray of int, shape (n_classes,)
    """
    sums = np.zeros((V.shape[0], len(classes)))
    counts = np.zeros(len(classes), dtype=int)
    for j, name in enumerate(classes):
        for time in isolated_onsets(onsets, name):
            start = int(round(time * frame_rate))
            if 0 <= start < V.shape[1]:
                sums[:, j] += V[:, start:start + hit_frames].mean(axis=1)
                counts[j] += 1
    return sums, counts


def hit_frames(V, frame_rate, onsets, classes, n_frames):
    """Sum over hits of each class of the ``n_frames`` frames from each onset (time-varying
    templates for convolutive NMF), and the number of hits summed.

    Same hits as :func:`hit_spectra` (isolated onsets inside ``V``); frames past the end
    of ``V`` count as zeros.

    Returns
    -------
    sums : np.ndarray, shape (n_bins, n_classes, n_frames)
    counts : np.ndarray of int, shape (n_classes,)
    """
    padded = np.concatenate([V, np.zeros((V.shape[0], n_frames))], axis=1)
    sums = np.zeros((V.shape[0], len(classes), n_frames))
    counts = np.zeros(len(classes), dtype=int)
    for j, name in enumerate(classes):
        for time in isolated_onsets(onsets, name):
            start = int(round(time * frame_rate))
            if 0 <= start < V.shape[1]:
                sums[:, j, :] += padded[:, start:start + n_frames]
                counts[j] += 1
    return sums, counts


def templates_from_hits(sums, counts, classes):
    """Unit-L2-norm templates from pooled ``hit_spectra`` sums and counts (or, for
    ``hit_frames`` sums, templates of several frames with unit Frobenius norm per class).

    Raises
    ------
    NmfabError
        When a class has no annotated hit in the template sources.
    """
    missing = [c for c, n in zip(classes, counts) if n == 0]
    if missing:
        raise NmfabError(f"no annotated hit of class {', '.join(missing)} in the template "
                         "sources; choose classes present in the dataset")
    if sums.ndim == 3:                     # (bins, classes, frames): unit Frobenius norm per class
        W = sums / counts[:, None]
        norms = np.sqrt(np.sum(W * W, axis=(0, 2)))
        return W / np.maximum(norms, np.finfo(float).tiny)[:, None]
    W = sums / counts
    return W / np.maximum(np.linalg.norm(W, axis=0), np.finfo(float).tiny)
