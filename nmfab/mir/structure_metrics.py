"""Scoring segment boundaries with mir_eval, and chance baselines.

Boundary hit rates use ``mir_eval.segment.detection`` at 0.5 s and 3 s, each with
``trim=False`` (the first and last boundary, the start and end of the track,
count as hits: what MIREX and much of the literature report, inflating scores
for songs with few sections) and ``trim=True`` (they are left out: the stricter
figure). Both interval sets are first extended to span ``[0, duration]`` with
``mir_eval.util.adjust_intervals``, as msaf does, and checked with
``mir_eval.segment.validate_boundary``.
"""
import zlib

import numpy as np

WINDOWS = (("0.5", 0.5), ("3", 3.0))


def boundaries_to_intervals(boundaries, duration):
    """Sorted boundary times (s) -> intervals spanning ``[0, duration]`` (mir_eval's form).

    Examples
    --------
    >>> boundaries_to_intervals([2.0, 5.0], 8.0).tolist()
    [[0.0, 2.0], [2.0, 5.0], [5.0, 8.0]]
    """
    import mir_eval

    times = np.unique(np.clip(np.asarray(boundaries, dtype=np.float64), 0.0, duration))
    times = np.unique(np.concatenate([[0.0], times, [duration]]))
    return mir_eval.util.boundaries_to_intervals(times)


def boundary_scores(ref_intervals, est_boundaries, duration):
    """Precision, recall and F of the estimated boundaries at 0.5 s and 3 s, trim False and True.

    Parameters
    ----------
    ref_intervals : np.ndarray, shape (n, 2)
        Reference segments (s).
    est_boundaries : np.ndarray
        Estimated boundary times (s), the first and last included or not.
    duration : float
        Track duration: both segmentations are extended to ``[0, duration]``.

    Returns
    -------
    dict
        ``f_0.5``, ``p_0.5``, ``r_0.5``, ``f_3``, ... and the same with ``_trim``.
    """
    import mir_eval

    ref, _ = mir_eval.util.adjust_intervals(np.asarray(ref_intervals, dtype=np.float64),
                                            t_min=0.0, t_max=duration)
    est = boundaries_to_intervals(est_boundaries, duration)
    scores = {}
    for trim in (False, True):
        mir_eval.segment.validate_boundary(ref, est, trim)
        suffix = "_trim" if trim else ""
        for name, window in WINDOWS:
            p, r, f = mir_eval.segment.detection(ref, est, window=window, trim=trim)
            scores.update({f"f_{name}{suffix}": float(f), f"p_{name}{suffix}": float(p),
                           f"r_{name}{suffix}": float(r)})
    return scores


def track_seed(track, seed=0):
    """A deterministic integer seed from a track name (same on every machine)."""
    return zlib.crc32(f"{seed}|{track}".encode())


def chance_boundaries(n_bars, n_segments, kind="random", seed=0):
    """Baseline boundaries on the bar grid with a given number of segments.

    ``even``: ``n_segments`` segments of (nearly) equal length; ``random``:
    ``n_segments - 1`` inner boundaries drawn uniformly without replacement.
    Given the reference's segment count, these are the chance level a
    segmenter must beat.

    Examples
    --------
    >>> chance_boundaries(12, 3, "even").tolist()
    [0, 4, 8, 12]
    """
    n_segments = int(np.clip(n_segments, 1, max(n_bars, 1)))
    if kind == "even":
        inner = np.round(np.arange(1, n_segments) * n_bars / n_segments)
    else:
        rng = np.random.default_rng(seed)
        inner = rng.choice(np.arange(1, n_bars), size=n_segments - 1, replace=False)
    return np.unique(np.concatenate([[0, n_bars], inner])).astype(int)
