"""Piano note templates (inharmonic combs on STFT and CQT axes) and the task's template inits."""
import librosa
import numpy as np
import pytest
from scipy import signal

from nmfab.errors import NmfabError
from nmfab.features import bin_frequencies, compute_feature
from nmfab.mir.templates import partial_frequencies, piano_inharmonicity, piano_templates
from nmfab.tasks.transcription import applicable, factorize_spectrogram, note_templates


def test_inharmonicity_grows_towards_both_ends_of_the_keyboard():
    B = piano_inharmonicity(np.arange(21, 109))
    lowest = int(np.argmin(B)) + 21
    assert 35 <= lowest <= 55                       # minimum in the tenor
    assert np.all(np.diff(B[lowest - 21:]) > 0) and np.all(np.diff(B[:lowest - 21]) < 0)
    assert 1e-4 < B.min() < 3e-4 and 5e-3 < B.max() < 3e-2


def test_template_peaks_sit_at_the_inharmonic_partials():
    sr, n_fft = 22050, 16384                         # 1.35 Hz bins: partials resolved
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    pitch = 33                                       # A1, 55 Hz
    W = piano_templates(freqs, [pitch], n_partials=25, width=1.0)[:, 0]
    peaks, _ = signal.find_peaks(W, height=W.max() * 1e-3)
    B = 2e-4 * np.exp(-0.06 * (pitch - 21)) + 4e-4 * np.exp(0.07 * (pitch - 60))
    k = np.arange(1, 26)
    expected = k * 55.0 * np.sqrt(1 + B * k ** 2)    # the formula, written out independently
    np.testing.assert_allclose(freqs[peaks], expected, atol=freqs[1] / 2 + 1e-9)
    np.testing.assert_allclose(partial_frequencies([55.0], 25, B)[0], expected)
    # the 25th partial is several bins sharp of 25 f0: a harmonic comb would miss it
    assert expected[-1] - 25 * 55.0 > 3 * freqs[1]
    harmonic = piano_templates(freqs, [pitch], n_partials=25, width=1.0, inharmonic=False)[:, 0]
    hpeaks, _ = signal.find_peaks(harmonic, height=harmonic.max() * 1e-3)
    np.testing.assert_allclose(freqs[hpeaks], k * 55.0, atol=freqs[1] / 2 + 1e-9)


def test_cqt_templates_map_each_pitch_to_its_bin():
    y = np.zeros(11025)
    V, params = compute_feature(y, 11025, "cqt", hop_length=256)
    freqs = bin_frequencies(params)
    np.testing.assert_allclose(freqs, librosa.cqt_frequencies(params["n_bins"],
                                                               fmin=librosa.note_to_hz("A0"),
                                                               bins_per_octave=36))
    W = note_templates(params, "piano")
    assert W.shape == (V.shape[0], 88)
    np.testing.assert_allclose(W.sum(axis=0), 1.0)
    # with 1/k weights the fundamental is the strongest bin: 3 CQT bins per semitone from A0
    np.testing.assert_array_equal(np.argmax(W, axis=0), 3 * np.arange(88))
    assert np.allclose(librosa.hz_to_midi(freqs[np.argmax(W, axis=0)]), np.arange(21, 109))


def test_template_input_errors():
    with pytest.raises(NmfabError, match="increasing"):
        piano_templates(np.array([100.0, 50.0]), [60])
    with pytest.raises(NmfabError, match="MIDI pitch"):
        piano_templates(np.array([50.0, 100.0]), [])


def test_piano_init_keeps_fixed_templates_and_labels_pitches():
    sr, hop = 11025, 256
    t = np.arange(sr) / sr
    y = np.sin(2 * np.pi * librosa.midi_to_hz(60) * t) * np.exp(-2 * t)
    for feature in ("stft", "cqt"):
        kwargs = dict(n_fft=1024) if feature == "stft" else {}
        V, params = compute_feature(y, sr, feature, hop_length=hop, **kwargs)
        setting = dict(algorithm="mu", beta=1, init="piano", fixed_W=True, max_iter=30)
        out = factorize_spectrogram(V, params, setting)
        np.testing.assert_array_equal(out["pitches"], np.arange(21, 109))
        np.testing.assert_allclose(out["W"], note_templates(params, "piano"), rtol=1e-12)
        assert int(out["pitches"][np.argmax(out["H"].sum(axis=1))]) == 60
        assert applicable(dict(setting, feature=feature)) is None
    assert "stft" in applicable(dict(init="harmonic", feature="cqt", algorithm="mu", beta=1))
