"""Onset pickers (top-k, median threshold) and the per-class scores."""
import mir_eval
import numpy as np
import pytest

from nmfab.errors import NmfabError
from nmfab.mir.onsets import (median_threshold, onset_scores, pick_median, pick_onsets,
                                pick_topk)

PEAKS = np.array([20, 55, 90, 140, 170])
HEIGHTS = np.array([1.0, 0.8, 0.9, 0.7, 0.6])


def activation(n=200, noise_peaks=(35, 120), noise_height=0.1, baseline=0.0):
    """Narrow bumps at PEAKS with HEIGHTS plus small bumps at ``noise_peaks``."""
    t = np.arange(n)
    x = np.full(n, baseline, dtype=float)
    for p, h in zip(PEAKS, HEIGHTS):
        x += h * np.exp(-0.5 * ((t - p) / 0.6) ** 2)
    for p in noise_peaks:
        x += noise_height * np.exp(-0.5 * ((t - p) / 0.6) ** 2)
    return x


def test_topk_returns_the_k_highest_peaks():
    x = activation()
    np.testing.assert_array_equal(pick_topk(x, 5), PEAKS)
    # the 3 highest, in time order
    np.testing.assert_array_equal(pick_topk(x, 3), [20, 55, 90])
    # more than the number of local maxima: all of them
    assert pick_topk(x, 50).size == 7
    assert pick_topk(x, 0).size == 0


def test_median_threshold_matches_a_sliding_median():
    rng = np.random.default_rng(0)
    x = rng.random(50)
    got = median_threshold(x, 5, 0.1)
    padded = np.pad(x, 2, mode="edge")
    expected = np.median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1)
    np.testing.assert_allclose(got, expected + 0.1 * x.max())


def test_median_picker_keeps_peaks_above_offset_only():
    x = activation(baseline=0.05)
    frame_rate = 43.0
    np.testing.assert_array_equal(pick_median(x, frame_rate, 0.15), PEAKS)
    # an offset between the small bumps (0.1 + baseline) and the peaks keeps only the peaks;
    # a tiny offset also keeps the small bumps
    assert set(pick_median(x, frame_rate, 0.01)) == set(PEAKS) | {35, 120}
    # the threshold at a peak is its 5-frame median (0.249 h + baseline) + offset * max:
    # with offset 0.6 only the peaks of height 1.0 and 0.9 pass
    np.testing.assert_array_equal(pick_median(x, frame_rate, 0.6), [20, 90])


def test_pick_onsets_converts_frames_to_seconds_and_uses_reference_counts():
    H = np.vstack([activation(), activation()[::-1]])
    reference = {"KD": np.arange(5) * 1.0, "SD": np.arange(2) * 1.0}
    est = pick_onsets(H, ("KD", "SD"), "topk", 10.0, reference)
    np.testing.assert_allclose(est["KD"], PEAKS / 10.0)
    assert est["SD"].size == 2
    with pytest.raises(NmfabError, match="unknown picker"):
        pick_onsets(H, ("KD", "SD"), "mean", 10.0, reference)


def test_onset_scores_agree_with_mir_eval_and_skip_absent_classes():
    ref = {"KD": np.array([0.5, 1.0, 1.5, 2.0]), "SD": np.array([0.75, 1.75]),
           "HH": np.array([])}
    est = {"KD": np.array([0.52, 1.2, 1.49]), "SD": np.array([]), "HH": np.array([1.0])}
    scores = onset_scores(ref, est, ("KD", "SD", "HH"), window=0.05)
    f, p, r = mir_eval.onset.f_measure(ref["KD"], est["KD"], window=0.05)
    assert scores["f_KD"] == pytest.approx(f) and scores["p_KD"] == pytest.approx(p)
    assert scores["r_KD"] == pytest.approx(r) == 0.5
    assert scores["f_SD"] == 0.0
    assert np.isnan(scores["f_HH"])
    assert scores["f_mean"] == pytest.approx((f + 0.0) / 2)
