"""Note extraction from activations: timing, hysteresis, last-note emission."""
import numpy as np
import pytest

from nmfab.errors import NmfabError
from nmfab.mir.notes import activations_to_notes

SR, HOP = 22050, 512
FRAME = HOP / SR


def test_onset_and_offset_times_are_frame_times_without_shift():
    row = np.zeros(100)
    row[20:40] = 1.0
    notes = activations_to_notes(row[None], [60], SR, HOP, threshold=0.5, min_duration=0.0)
    assert notes.shape == (1, 4)
    # frame t is at t * hop / sr exactly (no n_fft / 2 shift)
    assert notes[0, 0] == pytest.approx(20 * FRAME)
    assert notes[0, 1] == pytest.approx(40 * FRAME)
    assert notes[0, 2] == 60
    assert notes[0, 3] == pytest.approx(1.0)


def test_onset_refined_from_crossing_to_steepest_rise():
    row = np.zeros(60)
    row[10:30] = [0.12, 0.7, 1.0] + [0.9] * 17   # crosses 0.1 at 10, rises most at 11
    notes = activations_to_notes(row[None], [64], SR, HOP, threshold=0.1, min_duration=0.0)
    assert notes[0, 0] == pytest.approx(11 * FRAME)


def test_note_active_at_the_end_is_emitted():
    row = np.zeros(50)
    row[5:15] = 1.0
    row[30:] = 0.8
    notes = activations_to_notes(row[None], [70], SR, HOP, threshold=0.3, min_duration=0.0)
    assert len(notes) == 2
    assert notes[1, 0] == pytest.approx(30 * FRAME)
    assert notes[1, 1] == pytest.approx(50 * FRAME)


def test_hysteresis_keeps_a_dip_and_splits_below_the_offset_level():
    row = np.zeros(80)
    row[10:30] = 1.0
    row[18:20] = 0.3          # above hysteresis * onset level = 0.25: same note
    row[40:70] = 1.0
    row[50:52] = 0.1          # below 0.25: two notes
    notes = activations_to_notes(row[None], [50], SR, HOP, threshold=0.5, hysteresis=0.5,
                                 min_duration=0.0)
    np.testing.assert_allclose(notes[:, 0], np.array([10, 40, 52]) * FRAME)
    np.testing.assert_allclose(notes[:, 1], np.array([30, 50, 70]) * FRAME)


def test_min_duration_and_threshold_relative_to_scale():
    acts = np.zeros((2, 40))
    acts[0, 5:7] = 10.0       # 2 frames: 46 ms, dropped at min_duration 0.05
    acts[0, 20:30] = 10.0
    acts[1, 10:30] = 0.5      # 5 % of the scale: below a 0.1 threshold
    notes = activations_to_notes(acts, [40, 41], SR, HOP, threshold=0.1, min_duration=0.05)
    assert notes.shape == (1, 4) and notes[0, 2] == 40
    scaled = activations_to_notes(acts * 1000, [40, 41], SR, HOP, threshold=0.1,
                                  min_duration=0.05)
    np.testing.assert_allclose(scaled, notes)
    low = activations_to_notes(acts, [40, 41], SR, HOP, threshold=0.04, min_duration=0.05)
    assert sorted(low[:, 2]) == [40, 41]


def test_notes_sorted_and_silence_gives_none():
    acts = np.zeros((3, 30))
    acts[2, 3:20] = 1.0
    acts[0, 10:20] = 1.0
    notes = activations_to_notes(acts, [72, 60, 48], SR, HOP, min_duration=0.0)
    assert list(notes[:, 2]) == [48, 72]
    assert activations_to_notes(np.zeros((2, 10)), [1, 2], SR, HOP).shape == (0, 4)


def test_bad_shapes_are_one_line_errors():
    with pytest.raises(NmfabError, match="one row per pitch"):
        activations_to_notes(np.ones((3, 10)), [60, 61], SR, HOP)
    with pytest.raises(NmfabError, match="hysteresis"):
        activations_to_notes(np.ones((1, 10)), [60], SR, HOP, hysteresis=2.0)


def _struck(n, strikes, decay=0.05):
    """An activation row with exponentially decaying strikes {frame: amplitude}."""
    row = np.zeros(n)
    for frame, amplitude in strikes.items():
        row[frame:] += amplitude * np.exp(-decay * np.arange(n - frame))
    return row


def test_attack_rule_splits_a_repeated_note_that_level_rule_merges():
    row = _struck(120, {10: 1.0, 40: 0.8})       # struck again while still above the off level
    level = activations_to_notes(row[None], [60], SR, HOP, threshold=0.15, min_duration=0.0)
    attack = activations_to_notes(row[None], [60], SR, HOP, threshold=0.15, min_duration=0.0,
                                  onset="attack")
    assert len(level) == 1 and level[0, 0] == pytest.approx(10 * FRAME)
    np.testing.assert_allclose(attack[:, 0], [10 * FRAME, 40 * FRAME])
    assert attack[0, 1] == pytest.approx(40 * FRAME)            # the first ends at the restrike


def test_attack_rule_drops_a_creeping_activation():
    creep = np.concatenate([np.linspace(0, 0.5, 80), np.full(20, 0.5)])   # no attack
    rows = np.stack([creep, _struck(100, {30: 1.0})])
    level = activations_to_notes(rows, [50, 60], SR, HOP, threshold=0.15, min_duration=0.0)
    attack = activations_to_notes(rows, [50, 60], SR, HOP, threshold=0.15, min_duration=0.0,
                                  onset="attack")
    assert sorted(level[:, 2]) == [50, 60]
    assert attack[:, 2].tolist() == [60] and attack[0, 0] == pytest.approx(30 * FRAME)
    with pytest.raises(NmfabError, match="onset"):
        activations_to_notes(rows, [50, 60], SR, HOP, onset="peak")


def reference_notes(activations, pitches, threshold, hysteresis, min_duration, max_peak_shift,
                    sr=SR, hop=HOP):
    """The slow obvious path: :func:`row_notes` on each row in turn (the former implementation)."""
    from nmfab.mir.notes import row_notes

    activations = np.asarray(activations, dtype=np.float64)
    scale = float(np.max(activations, initial=0.0))
    if scale <= 0:
        return np.zeros((0, 4))
    frame_s = hop / float(sr)
    on_level = threshold * scale
    notes = []
    for pitch, row in zip(pitches, activations):
        for onset, offset, peak in row_notes(row, on_level, hysteresis * on_level,
                                             int(round(max_peak_shift / frame_s))):
            if (offset - onset) * frame_s >= min_duration:
                notes.append((onset * frame_s, offset * frame_s, float(pitch), peak / scale))
    notes = np.array(notes, dtype=np.float64).reshape(-1, 4)
    return notes[np.lexsort((notes[:, 2], notes[:, 0]))]


def random_activations(rng, n_pitches, n_frames, kind):
    """Bursty activations; ``kind="ties"`` quantises them so that rises and levels tie often."""
    acts = np.zeros((n_pitches, n_frames))
    for row in acts:
        for start in rng.integers(0, n_frames, rng.integers(0, 8)):
            length = rng.integers(1, 40)
            row[start:start + length] += rng.uniform(0.05, 1) * np.exp(
                -np.arange(min(length, n_frames - start)) / rng.uniform(2, 20))
    acts += rng.uniform(0, 0.03, acts.shape) * (rng.uniform(size=acts.shape) < 0.3)
    return np.round(acts * 8) / 8 if kind == "ties" else acts


@pytest.mark.parametrize("kind", ["smooth", "ties"])
def test_vectorised_notes_equal_the_row_by_row_reference(kind):
    rng = np.random.default_rng(7)
    for case in range(40):
        n_pitches, n_frames = int(rng.integers(1, 12)), int(rng.integers(1, 200))
        acts = random_activations(rng, n_pitches, n_frames, kind)
        pitches = rng.permutation(np.arange(30, 30 + n_pitches))
        if case % 5 == 0:
            pitches[-1] = pitches[0]          # two rows of one pitch
        for threshold in (0.02, 0.1, 0.3, 0.9):
            hysteresis = float(rng.choice([0.2, 0.5, 1.0]))
            min_duration = float(rng.choice([0.0, 0.05, 0.08]))
            shift = float(rng.choice([0.0, 0.02, 0.1, 0.5]))
            fast = activations_to_notes(acts, pitches, SR, HOP, threshold=threshold,
                                        hysteresis=hysteresis, min_duration=min_duration,
                                        max_peak_shift=shift)
            slow = reference_notes(acts, pitches, threshold, hysteresis, min_duration, shift)
            assert fast.shape == slow.shape
            assert np.array_equal(fast, slow), (case, threshold)
