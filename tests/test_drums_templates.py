"""Drum templates from annotated hits."""
import numpy as np
import pytest

from nmfab.datasets.synth_drums import SynthDrums
from nmfab.errors import NmfabError
from nmfab.features import stft_magnitude
from nmfab.mir.templates import hit_spectra, isolated_onsets, templates_from_hits


def test_templates_recover_known_spectra():
    rng = np.random.default_rng(1)
    s_kick, s_hat = rng.random(30), rng.random(30)
    frame_rate, V = 10.0, np.zeros((30, 100))
    onsets = {"KD": np.array([1.0, 4.0, 7.0]), "HH": np.array([2.5, 5.5])}
    for t in onsets["KD"]:
        V[:, int(t * frame_rate):int(t * frame_rate) + 3] += 2.0 * s_kick[:, None]
    for t in onsets["HH"]:
        V[:, int(t * frame_rate):int(t * frame_rate) + 3] += 0.5 * s_hat[:, None]
    sums, counts = hit_spectra(V, frame_rate, onsets, ("KD", "HH"))
    np.testing.assert_array_equal(counts, [3, 2])
    W = templates_from_hits(sums, counts, ("KD", "HH"))
    np.testing.assert_allclose(W[:, 0], s_kick / np.linalg.norm(s_kick))
    np.testing.assert_allclose(W[:, 1], s_hat / np.linalg.norm(s_hat))
    with pytest.raises(NmfabError, match="no annotated hit of class SD"):
        templates_from_hits(*hit_spectra(V, frame_rate, onsets, ("KD", "SD")), ("KD", "SD"))


def test_isolated_onsets_drop_simultaneous_hits():
    onsets = {"KD": np.array([0.0, 1.0, 2.0]), "HH": np.array([0.01, 1.5, 2.2])}
    np.testing.assert_array_equal(isolated_onsets(onsets, "KD"), [1.0, 2.0])
    # every kick coincides with a hat: fall back to all kicks
    np.testing.assert_array_equal(isolated_onsets({"KD": [0.0], "HH": [0.0]}, "KD"), [0.0])


def test_synth_templates_have_the_expected_spectral_order():
    y, sr, onsets = SynthDrums(None, n_tracks=1).template_source("groove00")
    V, _ = stft_magnitude(y, sr)
    W = templates_from_hits(*hit_spectra(V, sr / 512, onsets, ("KD", "SD", "HH")),
                            ("KD", "SD", "HH"))
    freqs = np.fft.rfftfreq(2048, 1 / sr)
    centroid = (freqs @ W**2) / np.sum(W**2, axis=0)
    assert centroid[0] < 300 < centroid[1] < centroid[2]
    assert centroid[2] > 5000
