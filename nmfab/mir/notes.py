"""Note events from pitch activations (the rows of H merged by pitch).

A note of pitch ``p`` starts when its activation rises above ``threshold``
times the activations' scale (their maximum over all pitches and frames) and
ends when it falls below ``hysteresis`` times that onset level. The onset is
refined from the crossing frame to the local peak of the activation's rise
(its largest frame-to-frame increase within ``max_peak_shift`` seconds of the
crossing): the frame centred on the attack, for loud and soft notes alike.
Notes shorter than ``min_duration`` are dropped, and notes still active at
the last frame are emitted with the end of the signal as offset.

With ``onset="attack"`` a note must also start with an attack: the
activation's rise over ``ATTACK_LAG`` frames must peak at no less than
``ATTACK_FRACTION`` times the onset level (a piano note's activation jumps at
the hammer strike, while the leak of a neighbour's partials or a resonance
creeps up), and every further such rise peak inside a note starts a new note
of the same pitch (a key struck again before its activation fell: repeated
notes, sustain pedal).

Frame ``t`` is at ``t * hop_length / sr`` seconds (centred STFT, no shift).
"""
import numpy as np
from scipy import signal

from ..errors import NmfabError, check_choice

ONSET_RULES = ("level", "attack")
ATTACK_LAG = 2          # frames over which a rise is measured
ATTACK_FRACTION = 0.25  # least rise at an attack, as a fraction of the onset level


def _segments(mask):
    """Start (inclusive) and end (exclusive) indices of the True runs of a 1-D bool array."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.diff(padded)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _steepest_rise(row, crossing, lowest, highest):
    """Frame in ``[lowest, highest]`` where ``row`` rises most from the previous frame.

    This is the local peak of the activation's rise around its threshold
    crossing: for an attack smeared by a centred window it is the frame centred
    on the attack, whatever the note's loudness (an absolute crossing is early
    for loud notes and late for soft ones; the activation peak is late).
    """
    lowest = max(int(lowest), 1)
    if highest < lowest:
        return crossing
    rise = row[lowest:highest + 1] - row[lowest - 1:highest]
    return lowest + int(np.argmax(rise))


def row_notes(row, on_level, off_level, max_shift):
    """Onset frame, offset frame (exclusive) and peak value of each note in one activation row."""
    notes = []
    previous_end = 0
    starts, ends = _segments(row >= off_level)
    for start, end in zip(starts, ends):
        above = np.flatnonzero(row[start:end] >= on_level)
        if above.size == 0:
            continue
        crossing = start + int(above[0])
        onset = _steepest_rise(row, crossing, max(crossing - max_shift, previous_end),
                               min(crossing + max_shift, end - 1))
        notes.append((onset, end, float(np.max(row[crossing:end]))))
        previous_end = end
    return notes


def attack_frames(row, level, min_gap=1):
    """Frames where ``row`` rises by at least ``level`` over ``ATTACK_LAG`` frames (rise peaks).

    The rise at frame ``t`` is ``row[t] - row[t - ATTACK_LAG]``; the returned
    frames are its local maxima reaching ``level``, at least ``min_gap`` apart,
    each moved to the steepest one-frame rise at or before it (the frame centred
    on the attack).

    Examples
    --------
    >>> row = np.array([0, 0, 1, 2, 2, 1.5, 1, 2.5, 3, 3, 0.0])
    >>> attack_frames(row, 1.0).tolist()
    [2, 7]
    """
    row = np.asarray(row, dtype=float)
    rise = np.zeros_like(row)
    rise[ATTACK_LAG:] = row[ATTACK_LAG:] - row[:-ATTACK_LAG]
    peaks, _ = signal.find_peaks(np.concatenate(([0.0], rise, [0.0])), height=level,
                                 distance=max(int(min_gap), 1))
    frames = []
    for peak in peaks - 1:
        lo = max(peak - ATTACK_LAG + 1, 1)
        step = row[lo:peak + 1] - row[lo - 1:peak]
        frames.append(lo + int(np.argmax(step)) if step.size else int(peak))
    return np.unique(frames).astype(int)


def attack_notes(row, on_level, off_level, min_gap):
    """Like :func:`row_notes`, with onsets at attacks only (``onset="attack"``)."""
    notes = []
    attacks = attack_frames(row, ATTACK_FRACTION * on_level, min_gap)
    starts, ends = _segments(row >= off_level)
    for start, end in zip(starts, ends):
        inside = attacks[(attacks >= start - ATTACK_LAG) & (attacks < end)]
        bounds = list(np.maximum(inside, 0)) + [end]
        for onset, stop in zip(bounds[:-1], bounds[1:]):
            peak = float(np.max(row[onset:max(stop, onset + 1)]))
            if peak >= on_level:
                notes.append((int(onset), int(stop), peak))
    return notes


def level_notes(activations, on_level, off_level, max_shift):
    """:func:`row_notes` on every row at once: arrays ``(row, onset, offset, peak)``.

    Same notes, in the same order (by row, then time), with the same values as
    calling :func:`row_notes` on each row: the runs above ``off_level`` are
    found on all rows together, the crossing of ``on_level`` by a running
    minimum of the next frame above it, and the steepest rise in a window of at
    most ``2 max_shift + 1`` frames by one masked ``argmax``.
    """
    n_rows, n_frames = activations.shape
    padded = np.zeros((n_rows, n_frames + 2), dtype=np.int8)
    padded[:, 1:-1] = activations >= off_level
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]          # same row order: one end per start
    flat = activations.ravel()
    above = np.flatnonzero(flat >= on_level)
    # first frame >= on_level at or after each start (flat index), if inside the run
    first = np.searchsorted(above, rows * n_frames + starts)
    first = np.append(above, flat.size)[first]
    keep = first < rows * n_frames + ends
    rows, starts, ends, first = rows[keep], starts[keep], ends[keep], first[keep]
    crossing = first - rows * n_frames
    # peak: max over [crossing, end) of each run
    bounds = np.empty(2 * rows.size, dtype=np.intp)
    bounds[0::2], bounds[1::2] = first, rows * n_frames + ends
    peaks = np.maximum.reduceat(np.append(flat, 0.0), bounds)[0::2] if rows.size else flat[:0]
    # previous_end: the end of the previous kept run of the same row, else 0
    previous_end = np.zeros_like(ends)
    same = rows[1:] == rows[:-1]
    previous_end[1:][same] = ends[:-1][same]
    lowest = np.maximum(np.maximum(crossing - max_shift, previous_end), 1)
    highest = np.minimum(crossing + max_shift, ends - 1)
    # rise at frame t (t >= 1): row[t] - row[t - 1], -inf outside [lowest, highest]
    offsets = np.arange(2 * max_shift + 1)
    frames = lowest[:, None] + offsets
    inside = frames <= highest[:, None]
    frames = np.where(inside, frames, 1)
    base = (rows * n_frames)[:, None]
    rise = np.where(inside, flat[base + frames] - flat[base + frames - 1], -np.inf)
    onsets = np.where(highest < lowest, crossing, lowest + np.argmax(rise, axis=1))
    return rows, onsets, ends, peaks


def activations_to_notes(activations, pitches, sr, hop_length, threshold=0.15, hysteresis=0.5,
                         min_duration=0.05, max_peak_shift=0.1, scale=None, onset="level"):
    """Turn pitch activations into notes.

    Parameters
    ----------
    activations : np.ndarray, shape (n_pitches, n_frames)
        Nonnegative activation of each pitch over frames.
    pitches : array-like of int, length n_pitches
        MIDI pitch of each row.
    sr : int
        Sampling rate of the analysed audio.
    hop_length : int
        Hop between frames in samples; frame ``t`` is at ``t * hop_length / sr``.
    threshold : float
        Onset level as a fraction of ``scale``.
    hysteresis : float
        Offset level as a fraction of the onset level (in (0, 1]).
    min_duration : float
        Shortest note kept, in seconds.
    max_peak_shift : float
        Longest move (s) from the threshold crossing to the steepest rise.
    scale : float or None
        Activation scale; defaults to the maximum of ``activations``.
    onset : {"level", "attack"}
        ``"level"``: a note starts where its activation crosses the onset
        level; ``"attack"``: only at an attack (see the module docstring).

    Returns
    -------
    np.ndarray, shape (n_notes, 4)
        Columns: onset (s), offset (s), MIDI pitch, amplitude (peak activation / scale),
        sorted by onset then pitch.
    """
    activations = np.asarray(activations, dtype=np.float64)
    if activations.ndim != 2 or activations.shape[0] != len(pitches):
        raise NmfabError(f"activations must be (n_pitches, n_frames) with one row per pitch; got "
                         f"shape {activations.shape} for {len(pitches)} pitches")
    if not 0 < hysteresis <= 1:
        raise NmfabError(f"hysteresis must be in (0, 1], got {hysteresis}")
    check_choice("onset", onset, ONSET_RULES)
    scale = float(np.max(activations, initial=0.0)) if scale is None else float(scale)
    if scale <= 0:
        return np.zeros((0, 4))
    frame_s = hop_length / float(sr)
    on_level = threshold * scale
    max_shift = int(round(max_peak_shift / frame_s))
    min_gap = max(int(round(min_duration / frame_s)), 1)
    if onset == "level" and max_shift >= 0 and np.all(np.isfinite(activations)):
        rows, onsets, ends, peaks = level_notes(activations, on_level, hysteresis * on_level,
                                                max_shift)
        long = (ends - onsets) * frame_s >= min_duration
        pitch_values = np.asarray(pitches, dtype=np.float64).reshape(-1)
        notes = np.column_stack([onsets[long] * frame_s, ends[long] * frame_s,
                                 pitch_values[rows[long]], peaks[long] / scale])
        return notes[np.lexsort((notes[:, 2], notes[:, 0]))]
    notes = []
    for pitch, row in zip(pitches, activations):
        found = (row_notes(row, on_level, hysteresis * on_level, max_shift) if onset == "level"
                 else attack_notes(row, on_level, hysteresis * on_level, min_gap))
        for onset_frame, offset, peak in found:
            if (offset - onset_frame) * frame_s >= min_duration:
                notes.append((onset_frame * frame_s, offset * frame_s, float(pitch), peak / scale))
    notes = np.array(notes, dtype=np.float64).reshape(-1, 4)
    return notes[np.lexsort((notes[:, 2], notes[:, 0]))]
