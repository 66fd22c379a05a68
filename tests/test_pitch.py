"""Pitch labelling of W columns and merging rows of H by pitch."""
import librosa
import numpy as np
import pytest

from nmfab.features import bin_frequencies, cqt_magnitude, stft_magnitude
from nmfab.mir.pitch import column_pitches, merge_by_pitch

SR = 22050


def harmonic_tone(midi, n_partials=8, seconds=1.0):
    """A harmonic tone with 1/h partial amplitudes, synthesised independently of nmfab."""
    t = np.arange(int(seconds * SR)) / SR
    f0 = librosa.midi_to_hz(midi)
    return sum(np.sin(2 * np.pi * h * f0 * t) / h for h in range(1, n_partials + 1)
               if h * f0 < SR / 2)


@pytest.mark.parametrize("midi", [40, 57, 69, 81])
def test_pure_harmonic_column_gets_its_pitch(midi):
    V, params = stft_magnitude(harmonic_tone(midi), SR, n_fft=2048, hop_length=512)
    pitches, salience = column_pitches(V.mean(axis=1, keepdims=True), bin_frequencies(params))
    assert pitches[0] == midi
    assert salience[0] > 0.6


def test_cqt_column_gets_its_pitch():
    C, params = cqt_magnitude(harmonic_tone(62), SR, hop_length=512)
    pitches, _ = column_pitches(C.mean(axis=1, keepdims=True), bin_frequencies(params))
    assert pitches[0] == 62


def test_noise_column_is_unpitched():
    rng = np.random.default_rng(0)
    V, params = stft_magnitude(rng.standard_normal(SR), SR, n_fft=2048, hop_length=512)
    pitches, salience = column_pitches(V.mean(axis=1, keepdims=True), bin_frequencies(params))
    assert pitches[0] == -1 and salience[0] < 0.4


def test_merge_by_pitch_sums_weighted_rows_and_drops_unpitched():
    rng = np.random.default_rng(1)
    W, H = rng.random((20, 4)), rng.random((4, 7))
    acts, unique = merge_by_pitch(W, H, [60, -1, 60, 48])
    np.testing.assert_array_equal(unique, [48, 60])
    norms = W.sum(axis=0)
    np.testing.assert_allclose(acts[0], norms[3] * H[3])
    np.testing.assert_allclose(acts[1], norms[0] * H[0] + norms[2] * H[2])
    # the weighted activations reproduce the magnitude each template contributes
    np.testing.assert_allclose(acts.sum(axis=0), (W[:, [0, 2, 3]] @ H[[0, 2, 3]]).sum(axis=0))
