"""MIDI pitch of the columns of W, and merging the rows of H by pitch.

Columns that came from the harmonic initialisation keep the pitch of their
template. Other columns are labelled by harmonic-sum matching over MIDI
21..108: the salience of a candidate pitch is the weighted sum (weights
``1 / h``) of the column's maximum near each harmonic ``h f0``; the best
candidate is kept when the fraction of the column's energy lying near its
harmonics reaches ``salience_threshold``, otherwise the column is unpitched
and dropped (-1).
"""
import librosa
import numpy as np

MIDI_RANGE = (21, 108)
N_HARMONICS = 10
PEAK_TOLERANCE = 0.35   # semitones either side of a harmonic
MIN_HALF_WIDTH = 1      # bins either side of a harmonic, at least


def _harmonic_windows(freqs, midi_pitches, n_harmonics):
    """Bin ranges ``[lo, hi)`` near each harmonic of each pitch: array (n_pitches, n_harmonics, 2).

    Works for any increasing frequency axis (linear STFT bins or log CQT bins):
    a window spans ``PEAK_TOLERANCE`` semitones either side of the harmonic and
    at least ``MIN_HALF_WIDTH`` bins either side of the nearest bin.
    """
    f0 = librosa.midi_to_hz(np.asarray(midi_pitches, dtype=float))
    harmonics = f0[:, None] * np.arange(1, n_harmonics + 1)[None, :]
    ratio = 2 ** (PEAK_TOLERANCE / 12)
    nearest = np.clip(np.searchsorted(freqs, harmonics), 0, len(freqs) - 1)
    lo = np.minimum(np.searchsorted(freqs, harmonics / ratio), nearest - MIN_HALF_WIDTH)
    hi = np.maximum(np.searchsorted(freqs, harmonics * ratio, side="right"),
                    nearest + MIN_HALF_WIDTH + 1)
    beyond = harmonics > freqs[-1]
    lo, hi = np.clip(lo, 0, len(freqs)), np.clip(hi, 0, len(freqs))
    hi[beyond] = lo[beyond]  # harmonics above the axis contribute nothing
    return np.stack([lo, hi], axis=-1)


def column_pitches(W, freqs, midi_range=MIDI_RANGE, salience_threshold=0.4,
                   n_harmonics=N_HARMONICS):
    """Estimate the MIDI pitch of each column of W.

    Parameters
    ----------
    W : np.ndarray, shape (n_bins, n_components)
        Spectral templates on the frequency axis ``freqs``.
    freqs : np.ndarray, shape (n_bins,)
        Increasing bin centre frequencies in Hz (STFT or CQT).
    midi_range : (int, int)
        Lowest and highest candidate pitch, inclusive.
    salience_threshold : float
        Minimum fraction of a column's energy near the harmonics of its pitch.
    n_harmonics : int
        Harmonics considered per candidate.

    Returns
    -------
    pitches : np.ndarray of int, shape (n_components,)
        MIDI pitch of each column, -1 for unpitched columns.
    salience : np.ndarray, shape (n_components,)
        The energy fraction of each column near its pitch's harmonics.
    """
    W = np.asarray(W, dtype=np.float64)
    candidates = np.arange(midi_range[0], midi_range[1] + 1)
    windows = _harmonic_windows(np.asarray(freqs, dtype=float), candidates, n_harmonics)
    weights = 1.0 / np.arange(1, n_harmonics + 1)
    scores = np.zeros((len(candidates), W.shape[1]))
    for c in range(len(candidates)):
        for h, (lo, hi) in enumerate(windows[c]):
            if hi > lo:
                scores[c] += weights[h] * W[lo:hi].max(axis=0)
    best = np.argmax(scores, axis=0)
    energy = np.maximum(W.sum(axis=0), 1e-300)
    comb = [_comb_energy(W[:, k], windows[best[k]]) for k in range(W.shape[1])]
    salience = np.array(comb) / energy
    pitches = np.where(salience >= salience_threshold, candidates[best], -1)
    return pitches.astype(int), salience


def _comb_energy(column, windows):
    """Sum of ``column`` over the union of the bin ranges ``windows``."""
    mask = np.zeros(len(column), dtype=bool)
    for lo, hi in windows:
        mask[lo:hi] = True
    return float(column[mask].sum())


def merge_by_pitch(W, H, pitches):
    """Pitch activations: rows of H with the same pitch summed, each weighted by its W column's sum.

    Weighting by the column's L1 norm makes activations of different templates
    comparable (each row then measures the magnitude it contributes). Columns
    with pitch < 0 (unpitched) are dropped.

    Returns
    -------
    activations : np.ndarray, shape (n_pitches, n_frames)
    unique_pitches : np.ndarray of int, shape (n_pitches,)
    """
    pitches = np.asarray(pitches, dtype=int)
    scaled = np.asarray(H, dtype=np.float64) * np.asarray(W, dtype=np.float64).sum(axis=0)[:, None]
    unique = np.unique(pitches[pitches >= 0])
    activations = np.zeros((len(unique), scaled.shape[1]))
    for row, pitch in enumerate(unique):
        activations[row] = scaled[pitches == pitch].sum(axis=0)
    return activations, unique
