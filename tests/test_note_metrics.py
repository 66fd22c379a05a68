"""mir_eval scoring conventions and cross-validation of the note threshold."""
import mir_eval
import numpy as np
import pytest

from nmfab.mir.note_metrics import (cross_validate, frame_scores, note_scores,
                                            notes_to_frames, random_notes)

REF = np.array([[0.5, 1.0, 60], [1.2, 2.0, 64], [1.2, 1.6, 67], [2.5, 3.0, 72]], dtype=float)


def test_perfect_estimate_scores_one():
    scores = note_scores(REF, REF)
    assert all(v == pytest.approx(1.0) for v in scores.values())
    assert frame_scores(REF, REF, 3.0)["acc_frame"] == pytest.approx(1.0)


def test_onset_tolerance_is_50_ms():
    late = REF.copy()
    late[:, :2] += 0.04
    assert note_scores(REF, late)["f_onset"] == pytest.approx(1.0)
    later = REF.copy()
    later[:, :2] += 0.06
    assert note_scores(REF, later)["f_onset"] == pytest.approx(0.0)


def test_offset_scores_match_mir_eval_with_ratio_02():
    est = REF.copy()
    est[:, 1] += np.array([0.0, 0.5, 0.01, 0.3])
    ref_hz, est_hz = mir_eval.util.midi_to_hz(REF[:, 2]), mir_eval.util.midi_to_hz(est[:, 2])
    expected = mir_eval.transcription.precision_recall_f1_overlap(
        REF[:, :2], ref_hz, est[:, :2], est_hz, onset_tolerance=0.05, offset_ratio=0.2)
    scores = note_scores(REF, est)
    assert (scores["p_offset"], scores["r_offset"], scores["f_offset"]) == pytest.approx(
        expected[:3])
    assert scores["f_onset"] == pytest.approx(1.0) and scores["f_offset"] < 1.0


def test_frame_grid_and_empty_estimate():
    frames = notes_to_frames(REF, np.array([0.4, 0.5, 1.3, 1.99, 2.0]))
    assert [len(f) for f in frames] == [0, 1, 2, 1, 0]
    assert note_scores(REF, np.zeros((0, 3)))["f_onset"] == 0.0
    half = frame_scores(REF, REF[:2], 3.0)
    assert half["p_frame"] == pytest.approx(1.0) and half["r_frame"] < 1.0


def test_random_baseline_is_poor():
    est = random_notes(len(REF), 3.0, seed=0)
    assert est.shape == (4, 3) and np.all(est[:, 1] > est[:, 0])
    assert note_scores(REF, est)["f_onset"] < 0.5


def test_cross_validation_chooses_on_training_folds_only():
    grid = np.array([0.1, 0.2, 0.3])
    curves = {"a": np.array([0.9, 0.1, 0.1]), "b": np.array([0.1, 0.8, 0.1]),
              "c": np.array([0.5, 0.6, 0.1]), "d": np.array([0.2, 0.9, 0.3])}
    out = cross_validate(curves, grid, n_folds=2)   # folds: a, c | b, d
    # held-out a, c: trained on b + d -> argmax of mean = 0.2
    assert out["a"] == dict(threshold_cv=0.2, score_cv=0.1)
    assert out["c"] == dict(threshold_cv=0.2, score_cv=0.6)
    # held-out b, d: trained on a + c -> mean [0.7, 0.35, 0.1] -> 0.1
    assert out["b"] == dict(threshold_cv=0.1, score_cv=0.1)
    assert out["d"]["threshold_cv"] == 0.1
    assert cross_validate({"a": curves["a"]}, grid) == {}


def mir_eval_frame_scores(ref, est, duration, hop=0.01):
    """The reference: mir_eval.multipitch.evaluate on the active pitches of each frame."""
    import warnings

    times = np.arange(int(np.ceil(duration / hop))) * hop
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = mir_eval.multipitch.evaluate(times, notes_to_frames(ref, times),
                                              times, notes_to_frames(est, times))
    return dict(p_frame=result["Precision"], r_frame=result["Recall"],
                acc_frame=result["Accuracy"])


def varied_estimates(ref, rng):
    """Estimates near ``ref``: jittered, octave and semitone errors, duplicates, grid times."""
    est = ref.copy()
    est[:, :2] += rng.normal(0, 0.03, (len(ref), 2))
    wrong = rng.uniform(size=len(ref)) < 0.3
    est[wrong, 2] += rng.choice([-12, -1, 1, 12], wrong.sum())
    on_grid = np.column_stack([rng.integers(0, 300, 10) * 0.01, rng.integers(0, 300, 10) * 0.01,
                               rng.integers(40, 80, 10)]).astype(float)
    on_grid[:, 1] += on_grid[:, 0]
    return [est, np.vstack([est, est[:5]]), on_grid, est[:0], random_notes(30, 3.0, seed=3)]


def test_frame_scores_equal_mir_eval_exactly():
    rng = np.random.default_rng(11)
    cases = [(REF, REF, 3.0), (REF, REF[:0], 3.0), (REF[:0], REF, 3.0), (REF, REF, 0.004)]
    for seed in range(6):
        ref = random_notes(40, 3.0, seed=seed, midi_range=(36, 84))
        ref = np.vstack([ref, ref[:3] + [0.05, 0.1, 0]])          # overlapping same-pitch notes
        cases += [(ref, est, 3.0 + 0.1 * seed) for est in varied_estimates(ref, rng)]
    for ref, est, duration in cases:
        assert frame_scores(ref, est, duration) == mir_eval_frame_scores(ref, est, duration)


def test_frame_scores_off_the_midi_grid_fall_back_to_mir_eval():
    est = REF.copy()
    est[:, 2] += 0.4                    # within a quarter tone: mir_eval still matches them
    assert frame_scores(REF, est, 3.0) == mir_eval_frame_scores(REF, est, 3.0)
    assert frame_scores(REF, est, 3.0)["acc_frame"] == pytest.approx(1.0)
