"""Scoring transcriptions with mir_eval, and cross-validating the note threshold.

Notes are arrays (n_notes, >= 3) of onset s, offset s, MIDI pitch (extra columns
ignored). Note-level scores use ``mir_eval.transcription`` with the field's
50 ms onset tolerance (onset only, and with offsets at ``offset_ratio=0.2``);
frame-level scores use ``mir_eval.multipitch`` on a 10 ms grid.
"""
import warnings

import numpy as np

ONSET_TOLERANCE = 0.05
OFFSET_RATIO = 0.2
FRAME_HOP = 0.01


def _intervals_and_hz(notes):
    """mir_eval inputs: intervals (n, 2) with positive durations and pitches in Hz."""
    import mir_eval

    notes = np.asarray(notes, dtype=np.float64).reshape(-1, max(np.shape(notes)[-1:] + (3,)))
    intervals = notes[:, :2].copy()
    intervals[:, 1] = np.maximum(intervals[:, 1], intervals[:, 0] + 1e-3)
    return intervals, mir_eval.util.midi_to_hz(notes[:, 2])


def note_scores(ref_notes, est_notes, onset_tolerance=ONSET_TOLERANCE, offset_ratio=OFFSET_RATIO):
    """Note precision, recall and F, onset only and with offsets (dict of six floats)."""
    import mir_eval

    ref_iv, ref_hz = _intervals_and_hz(ref_notes)
    est_iv, est_hz = _intervals_and_hz(est_notes)
    scores = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mir_eval warns on empty estimates
        for suffix, ratio in (("onset", None), ("offset", offset_ratio)):
            p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
                ref_iv, ref_hz, est_iv, est_hz, onset_tolerance=onset_tolerance, offset_ratio=ratio)
            scores.update({f"p_{suffix}": p, f"r_{suffix}": r, f"f_{suffix}": f})
    return scores


def notes_to_frames(notes, times):
    """Active pitches (Hz) at each time: list of arrays, one per time (onset <= t < offset)."""
    import mir_eval

    notes = np.asarray(notes, dtype=np.float64).reshape(-1, max(np.shape(notes)[-1:] + (3,)))
    active = (notes[None, :, 0] <= times[:, None]) & (times[:, None] < notes[None, :, 1])
    hz = mir_eval.util.midi_to_hz(notes[:, 2]) if len(notes) else np.zeros(0)
    return [hz[row] for row in active]


def _as_notes(notes):
    """Notes as a float array (n, >= 3)."""
    return np.asarray(notes, dtype=np.float64).reshape(-1, max(np.shape(notes)[-1:] + (3,)))


def _on_midi_grid(notes):
    """Whether every note has finite times and an integer MIDI pitch inside mir_eval's range."""
    import mir_eval

    hz = mir_eval.util.midi_to_hz(notes[:, 2])
    return bool(np.all(np.isfinite(notes[:, :2])) and np.all(notes[:, 2] == np.round(notes[:, 2]))
                and np.all((hz >= mir_eval.multipitch.MIN_FREQ)
                           & (hz <= mir_eval.multipitch.MAX_FREQ)))


def _pitch_counts(notes, times, columns):
    """Number of active notes of each pitch of ``columns`` at each time (onset <= t < offset)."""
    first = np.searchsorted(times, notes[:, 0], side="left")   # first t >= onset
    stop = np.searchsorted(times, notes[:, 1], side="left")    # first t >= offset
    column = np.searchsorted(columns, notes[:, 2])
    active = first < stop
    steps = np.zeros((len(times) + 1, len(columns)), dtype=np.int64)
    np.add.at(steps, (first[active], column[active]), 1)
    np.add.at(steps, (stop[active], column[active]), -1)
    return np.cumsum(steps[:-1], axis=0)


def frame_counts(ref_notes, est_notes, times):
    """Per-frame true positives, reference and estimate counts of ``mir_eval.multipitch``.

    For notes on the MIDI grid (integer pitches): two such frequencies lie
    within mir_eval's half-semitone window exactly when their pitches are
    equal, so the maximum matching of a frame pairs equal pitches only and
    has ``sum over pitches of min(n_ref, n_est)`` pairs.

    Returns
    -------
    tuple of np.ndarray, each shape (n_times,)
        ``true_positives`` (float, as mir_eval), ``n_ref``, ``n_est`` (int).
    """
    ref_notes, est_notes = _as_notes(ref_notes), _as_notes(est_notes)
    columns = np.unique(np.concatenate([ref_notes[:, 2], est_notes[:, 2]]))
    ref = _pitch_counts(ref_notes, times, columns)
    est = _pitch_counts(est_notes, times, columns)
    return (np.minimum(ref, est).sum(axis=1).astype(np.float64), ref.sum(axis=1),
            est.sum(axis=1))


def frame_scores(ref_notes, est_notes, duration, hop=FRAME_HOP):
    """Frame-level multipitch precision, recall and accuracy on a ``hop`` grid to ``duration``.

    The scores of ``mir_eval.multipitch.evaluate``; for notes on the MIDI grid
    the per-frame matching is counted with arrays (:func:`frame_counts`), and
    mir_eval's own ``compute_accuracy`` turns the counts into scores.
    """
    import mir_eval

    times = np.arange(int(np.ceil(duration / hop))) * hop
    ref_notes, est_notes = _as_notes(ref_notes), _as_notes(est_notes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(times) and _on_midi_grid(ref_notes) and _on_midi_grid(est_notes):
            p, r, acc = mir_eval.multipitch.compute_accuracy(
                *frame_counts(ref_notes, est_notes, times))
            result = dict(Precision=p, Recall=r, Accuracy=acc)
        else:
            result = mir_eval.multipitch.evaluate(times, notes_to_frames(ref_notes, times),
                                                  times, notes_to_frames(est_notes, times))
    return dict(p_frame=float(result["Precision"]), r_frame=float(result["Recall"]),
                acc_frame=float(result["Accuracy"]))


def random_notes(n_notes, duration, seed=0, midi_range=(21, 108), note_length=(0.1, 1.0)):
    """A random-notes baseline: uniform onsets, pitches and lengths (array (n, 3))."""
    rng = np.random.default_rng(seed)
    onsets = rng.uniform(0, duration, n_notes)
    offsets = np.minimum(onsets + rng.uniform(*note_length, n_notes), duration)
    pitches = rng.integers(midi_range[0], midi_range[1] + 1, n_notes)
    return np.column_stack([onsets, offsets, pitches]).astype(np.float64)


def fold_of(tracks, n_folds):
    """Fold index of each track: tracks sorted by name, dealt round-robin."""
    order = sorted(tracks)
    return {track: order.index(track) % n_folds for track in tracks}


def cross_validate(curves, grid, n_folds=3):
    """k-fold cross-validation of a threshold over tracks.

    Parameters
    ----------
    curves : dict track -> np.ndarray, shape (n_thresholds,)
        A score (higher is better) of each track at each threshold of ``grid``.
    grid : np.ndarray, shape (n_thresholds,)
        The candidate thresholds.
    n_folds : int
        Folds (at most the number of tracks).

    Returns
    -------
    dict track -> dict
        ``threshold_cv``: the threshold maximising the mean score over the
        *other* folds' tracks; ``score_cv``: this track's score at it. Empty
        when there are fewer than two tracks (nothing to train on).
    """
    tracks = list(curves)
    if len(tracks) < 2:
        return {}
    folds = fold_of(tracks, min(int(n_folds), len(tracks)))
    out = {}
    for fold in set(folds.values()):
        train = [curves[t] for t in tracks if folds[t] != fold]
        best = int(np.argmax(np.mean(train, axis=0)))
        for track in (t for t in tracks if folds[t] == fold):
            out[track] = dict(threshold_cv=float(grid[best]), score_cv=float(curves[track][best]))
    return out
