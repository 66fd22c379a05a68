"""Initialisations: harmonic comb templates, custom, random seeding (NNDSVD vs sklearn is in
test_nmf_sklearn.py)."""
import numpy as np
import pytest

import nmfab
from nmfab.init import harmonic_templates, initialize, midi_to_hz


def test_harmonic_templates_peak_at_partials():
    sr, n_fft = 22050, 4096
    W, pitches = harmonic_templates(sr, n_fft, midi_pitches=[45, 69], floor=0.0)
    assert W.shape == (1 + n_fft // 2, 2) and list(pitches) == [45, 69]
    np.testing.assert_allclose(W.sum(axis=0), 1.0)
    f0 = 440.0                                           # MIDI 69, independent of midi_to_hz
    for h in (1, 2, 3, 5):
        k = int(round(h * f0 * n_fft / sr))
        assert W[k, 1] > 0 and W[k, 1] == W[k - 3:k + 4, 1].max()
    def lobe(h):                                       # energy of partial h (3 bins)
        k = int(round(h * f0 * n_fft / sr))
        return W[k - 1:k + 2, 1].sum()
    assert lobe(1) == pytest.approx(2 * lobe(2), rel=0.05)             # weights 1/h
    between = int(round(1.5 * f0 * n_fft / sr))
    assert W[between, 1] == 0.0


def test_harmonic_templates_stop_at_nyquist_and_floor():
    W, _ = harmonic_templates(8000, 256, midi_pitches=[100], floor=1e-3)
    assert midi_to_hz(100) * 2 > 4000                 # only the fundamental fits
    assert np.count_nonzero(W[:, 0] > 2e-3 * W[:, 0].max()) <= 3
    assert W.min() > 0


def test_harmonic_init_returns_pitches():
    sr, n_fft = 8000, 254
    V = np.random.default_rng(0).random((1 + n_fft // 2, 200))
    res = nmfab.factorize(V, init="harmonic", max_iter=3,
                          init_params=dict(sr=sr, n_fft=n_fft, midi_pitches=range(40, 80)))
    assert res.W.shape == (128, 40)
    assert list(res.as_dict()["pitches"]) == list(range(40, 80))


def test_random_init_is_seeded_and_scaled():
    V = np.random.default_rng(1).random((30, 20)) * 4.0
    W1, H1, _ = initialize(V, 5, "random", seed=3)
    W2, H2, _ = initialize(V, 5, "random", seed=3)
    W3, _, _ = initialize(V, 5, "random", seed=4)
    assert np.array_equal(W1, W2) and np.array_equal(H1, H2) and not np.array_equal(W1, W3)
    # E|N(0,1)| = sqrt(2/pi): entries average sqrt(mean(V)/K) * sqrt(2/pi)
    expected = np.sqrt(V.mean() / 5) * np.sqrt(2 / np.pi)
    assert np.concatenate([W1.ravel(), H1.ravel()]).mean() == pytest.approx(expected, rel=0.15)


def test_custom_init_uses_given_factors():
    V = np.random.default_rng(2).random((10, 8))
    W0, H0 = np.full((10, 2), 0.5), np.full((2, 8), 0.25)
    res = nmfab.factorize(V, init="custom", W0=W0, H0=H0, max_iter=1, tol=0)
    assert res.loss[0] == pytest.approx(0.5 * ((V - W0 @ H0) ** 2).sum())


def test_one_given_factor_completes_the_other_from_init():
    V = np.random.default_rng(2).random((10, 8))
    W0 = np.full((10, 2), 0.5)
    res = nmfab.factorize(V, W0=W0, fixed_W=np.ones(2, bool), init="random", seed=0, max_iter=5)
    assert np.array_equal(res.W, W0) and res.H.shape == (2, 8)
