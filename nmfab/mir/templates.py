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


# --- piano note templates -----------------------------------------------------------------

# Register-dependent inharmonicity B(m) = B_T exp(S_T (m - 60)) + B_B exp(-S_B (m - 21)): the
# sum of a treble and a bass asymptote, the two-asymptote form of Rigaud, David & Daudet
# (JASA 133(5), 2013), with typical grand-piano values: B about 4e-4 at C4, 1e-2 at C8,
# 2e-4 at A0 and a minimum near 1.5e-4 in the tenor (Fletcher & Rossing, ch. 12).
TREBLE_B, TREBLE_SLOPE = 4e-4, 0.07
BASS_B, BASS_SLOPE = 2e-4, 0.06


def piano_inharmonicity(midi):
    """Typical inharmonicity coefficient ``B`` of a piano string at MIDI pitch(es) ``midi``.

    Examples
    --------
    >>> [round(float(piano_inharmonicity(m)), 5) for m in (21, 60, 108)]
    [0.00023, 0.00042, 0.01152]
    """
    m = np.asarray(midi, dtype=float)
    return TREBLE_B * np.exp(TREBLE_SLOPE * (m - 60)) + BASS_B * np.exp(-BASS_SLOPE * (m - 21))


def partial_frequencies(f0, n_partials, inharmonicity):
    """Frequencies ``f_k = k f0 sqrt(1 + B k^2)``, k = 1..n_partials: array (len(f0), n_partials).

    Examples
    --------
    >>> partial_frequencies([100.0], 3, 0.0)
    array([[100., 200., 300.]])
    """
    k = np.arange(1, int(n_partials) + 1, dtype=float)
    f0 = np.atleast_1d(np.asarray(f0, dtype=float))[:, None]
    B = np.broadcast_to(np.asarray(inharmonicity, dtype=float), f0.shape[:1])[:, None]
    return k * f0 * np.sqrt(1.0 + B * k ** 2)


def piano_templates(freqs, midi_pitches, n_partials=30, decay=1.0, width=1.0, floor=0.0,
                    inharmonic=True):
    """Inharmonic comb templates of piano notes on any increasing frequency axis.

    Partial ``k`` of pitch ``p`` lies at ``k f0 sqrt(1 + B(p) k^2)`` with ``B``
    from :func:`piano_inharmonicity` (0 when ``inharmonic`` is False); its
    weight is ``k ** -decay``. It is spread with a triangular lobe of
    ``width`` bins around its fractional position on ``freqs`` (linear STFT
    bins or log-spaced CQT bins alike). Partials beyond the axis are dropped.

    Parameters
    ----------
    freqs : np.ndarray, shape (n_bins,)
        Increasing bin centre frequencies (Hz): :func:`nmfab.features.bin_frequencies`.
    midi_pitches : iterable of int
    n_partials, decay, width, floor
        Partials per note, their amplitude decay, lobe half-width in bins, and
        the fraction of each column's maximum added everywhere.
    inharmonic : bool

    Returns
    -------
    np.ndarray, shape (n_bins, n_pitches)
        Unit-L1-norm columns.
    """
    import librosa

    freqs = np.asarray(freqs, dtype=float)
    pitches = np.asarray(list(midi_pitches), dtype=float)
    if freqs.ndim != 1 or freqs.size < 2 or np.any(np.diff(freqs) <= 0) or pitches.size == 0:
        raise NmfabError("piano_templates needs an increasing frequency axis of >= 2 bins "
                         "and at least one MIDI pitch")
    B = piano_inharmonicity(pitches) if inharmonic else np.zeros(pitches.size)
    partials = partial_frequencies(librosa.midi_to_hz(pitches), n_partials, B)
    position = np.interp(partials, freqs, np.arange(freqs.size), left=-np.inf, right=np.inf)
    weights = np.arange(1, int(n_partials) + 1, dtype=float) ** -float(decay)
    bins = np.arange(freqs.size)[:, None]
    W = np.zeros((freqs.size, pitches.size))
    for k in range(int(n_partials)):
        inside = np.isfinite(position[:, k])
        lobe = np.maximum(0.0, 1.0 - np.abs(bins - np.where(inside, position[:, k], -1e9))
                          / float(width))
        W += weights[k] * lobe
    W += float(floor) * W.max(axis=0, keepdims=True)
    return W / np.maximum(W.sum(axis=0, keepdims=True), np.finfo(float).tiny)
