"""Separation helpers without museval: masks, grouping, assignment, SI-SDR, the synthetic set."""
import numpy as np
import pytest

from nmfab.datasets.stems import SOURCES
from nmfab.datasets.synth_separation import SynthMix
from nmfab.mir import separation as sep

N_FFT, HOP = 512, 128


@pytest.fixture(scope="module")
def track():
    """A stereo version of a synth_mix track (each source panned differently)."""
    _, sr, references = SynthMix().load("synth_mix_04", duration=2.0)
    pans = np.linspace(0.2, 0.8, len(references))
    stereo = np.stack([np.hstack([r * (1 - p), r * p]) for r, p in zip(references.values(), pans)])
    return stereo.sum(axis=0), sr, stereo


def test_synth_mix_is_deterministic_and_sums_to_its_mixture():
    mixture, sr, references = SynthMix().load("synth_mix_04", duration=2.0)
    from nmfab.datasets.synth_separation import generate

    assert sr == 22050 and mixture.shape == (2 * sr, 1) and list(references) == list(SOURCES)
    np.testing.assert_array_equal(generate(4)["bass"][:2 * sr], references["bass"])
    np.testing.assert_allclose(sum(references.values()), mixture, atol=1e-6)
    assert SynthMix().tracks() == ["synth_mix_03", "synth_mix_04", "synth_mix_05"]
    assert not set(SynthMix().training_tracks("synth_mix_04")) & set(SynthMix().tracks())


@pytest.mark.parametrize("mask", ["ratio", "wiener"])
def test_masked_estimates_sum_to_the_mixture_on_every_channel(track, mask):
    mixture, _, references = track
    X = sep.stft(mixture, N_FFT, HOP)
    rng = np.random.default_rng(0)
    magnitudes = rng.random((4,) + X.shape[1:]) * (rng.random(X.shape[1:]) > 0.3)  # zero bins too
    estimates = sep.istft(sep.apply_masks(X, sep.soft_masks(magnitudes, sep.MASK_EXPONENTS[mask])),
                          HOP, len(mixture))
    assert estimates.shape == references.shape
    np.testing.assert_allclose(estimates.sum(axis=0), mixture, atol=1e-5)


def test_unmasked_reconstruction_does_not_sum_to_the_mixture(track):
    mixture, _, _ = track
    X = sep.stft(mixture, N_FFT, HOP)
    magnitudes = np.stack([np.abs(X[0])] * 4)
    estimates = sep.istft(sep.magnitude_with_mixture_phase(X, magnitudes), HOP, len(mixture))
    assert np.abs(estimates.sum(axis=0) - mixture).max() > 0.1 * np.abs(mixture).max()


def test_oracle_ideal_masks_beat_the_mixture_floor(track):
    mixture, _, references = track
    X = sep.stft(mixture, N_FFT, HOP)
    refs = np.stack([sep.stft(r, N_FFT, HOP) for r in references])
    floor = sep.mixture_estimates(mixture, 4)
    np.testing.assert_allclose(floor.sum(axis=0), mixture, rtol=1e-6)
    for exponent in (1.0, 2.0):
        estimates = sep.istft(sep.ideal_masks(refs, exponent) * X[None], HOP, len(mixture))
        for ref, est, low in zip(references, estimates, floor):
            assert sep.si_sdr(ref, est) > sep.si_sdr(ref, low) + 5.0


def test_si_sdr_closed_form():
    x = np.random.default_rng(0).standard_normal(4000)
    noise = np.random.default_rng(1).standard_normal(4000)
    noise -= (noise @ x) / (x @ x) * x                     # orthogonal to x
    noise *= np.linalg.norm(x) / np.linalg.norm(noise) / 10.0
    assert sep.si_sdr(x, 3.0 * (x + noise)) == pytest.approx(20.0, abs=1e-9)   # scale-invariant
    assert np.isnan(sep.si_sdr(np.zeros(10), x[:10]))
    assert sep.si_sdr(x, np.zeros_like(x)) == -np.inf        # a silent estimate: no crash


def test_hungarian_gives_one_estimate_per_source_where_best_match_would_not():
    rng = np.random.default_rng(0)
    refs = rng.standard_normal((3, 500))
    # estimates 0 and 1 both resemble reference 0 most; best-match would give it twice
    estimates = np.stack([refs[0] + 0.1 * refs[1], refs[0] + 0.6 * refs[1], refs[2]])
    best_match = [int(np.argmax([sep.si_sdr(r, e) for r in refs])) for e in estimates]
    assert best_match.count(0) == 2
    order = sep.assign_estimates(estimates, refs)
    assert sorted(order) == [0, 1, 2] and list(order) == [0, 1, 2]
    assert list(sep.assign_estimates(np.stack([refs[2], np.zeros(500), refs[0]]), refs)) == [2, 1, 0]


def test_component_grouping_oracle_and_mfcc_clusters():
    rng = np.random.default_rng(0)
    low, high = np.zeros((513, 3)), np.zeros((513, 3))
    low[5:40] = rng.random((35, 3))
    high[200:400] = rng.random((200, 3))
    W, H = np.hstack([low, high]), rng.random((6, 50))
    labels = sep.cluster_components(sep.mfcc_features(W, 22050), 2)
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]
    references = sep.source_models(W, H, np.array([1, 1, 1, 0, 0, 0]), 2)
    np.testing.assert_array_equal(sep.oracle_labels(W, H, references), [1, 1, 1, 0, 0, 0])
    models = sep.source_models(W, H, labels, 2)
    np.testing.assert_allclose(models.sum(axis=0), W @ H)


def test_museval_missing_is_one_line(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_museval(name, *args, **kwargs):
        if name == "museval":
            raise RuntimeError("ffmpeg or ffprobe could not be found\nmore")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_museval)
    with pytest.raises(ImportError, match=r"^museval cannot be imported \(ffmpeg .*install ffmpeg"):
        sep.bss_eval_v4(np.ones((1, 10, 1)), np.ones((1, 10, 1)), 10)
