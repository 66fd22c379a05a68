"""Ecoacoustics helpers (nmfab.mir.ecoacoustics): SI-SDR, assignment, grouping, masks, counting."""
import numpy as np
import pytest

from nmfab.mir import ecoacoustics as eco


def test_si_sdr_matches_the_closed_form_for_an_orthogonal_error():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(1000)
    n = rng.standard_normal(1000)
    s, n = s - s.mean(), n - n.mean()
    n -= (n @ s) / (s @ s) * s                       # orthogonal to s, zero mean
    expected = 10 * np.log10((s @ s) / (0.3 ** 2 * n @ n))
    assert eco.si_sdr(s, 2.5 * (s + 0.3 * n)) == pytest.approx(expected, abs=1e-9)
    assert eco.si_sdr(s, -s) == pytest.approx(120.0)     # scale-invariant, capped
    assert eco.si_sdr(s, n) == pytest.approx(-120.0, abs=1e-6)


def test_si_sdr_improvement_assigns_estimates_by_hungarian_matching():
    rng = np.random.default_rng(1)
    refs = rng.standard_normal((3, 2000))
    mix = refs.sum(axis=0)
    estimates = refs[[2, 0, 1]] + 0.1 * rng.standard_normal((3, 2000))
    gains = eco.si_sdr_improvement(refs, estimates, mix)
    expected = [eco.si_sdr(refs[i], estimates[j]) - eco.si_sdr(refs[i], mix)
                for i, j in ((0, 1), (1, 2), (2, 0))]
    np.testing.assert_allclose(gains, expected)
    # one estimate only: two references keep the mixture (gain 0)
    assert np.count_nonzero(eco.si_sdr_improvement(refs, estimates[:1], mix)) == 1
    assert not eco.si_sdr_improvement(refs, np.zeros((0, 2000)), mix).any()


def activations(rates, n_per_rate, frame_rate=50.0, seconds=6.0, seed=0):
    """Pulse-train activations: ``n_per_rate`` noisy copies per call rate."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * frame_rate)) / frame_rate
    rows = []
    for rate in rates:
        phase = rng.uniform(0, 1)
        base = (np.sin(2 * np.pi * (rate * t + phase)) > 0.8).astype(float)
        rows += [base * rng.uniform(0.5, 2) + 0.05 * rng.random(len(t)) for _ in range(n_per_rate)]
    return np.array(rows), frame_rate


@pytest.mark.parametrize("grouping", ["correlation", "periodicity"])
def test_grouping_counts_sources_of_distinct_call_rates(grouping):
    H, frame_rate = activations([1.3, 3.1, 6.0], 3)
    background = np.ones((2, H.shape[1])) + 0.01 * np.random.default_rng(2).random((2, H.shape[1]))
    H = np.vstack([H, background])
    labels, counts = eco.group_components(H, frame_rate, grouping, np.array([0.3]),
                                          np.array([4.0]))
    assert counts[0] == 3
    assert (labels[0, -2:] == 0).all()                       # stationary rows: background
    for block in range(3):                                    # each source is one group
        assert len(set(labels[0, 3 * block:3 * block + 3])) == 1


def test_group_components_grid_and_event_components():
    H, frame_rate = activations([1.3, 3.1], 2)
    thresholds, ratios = np.array([0.01, 0.3, 2.0]), np.array([4.0, 4.0, 1e9])
    labels, counts = eco.group_components(H, frame_rate, "correlation", thresholds, ratios)
    assert labels.shape == (3, 4)
    assert counts[0] >= counts[1] == 2 and counts[2] == 0     # nothing is an event at 1e9
    assert not eco.event_components(np.ones((2, 10)), 2.0).any()


def test_group_masks_sum_with_background_to_one():
    rng = np.random.default_rng(3)
    W, H = rng.random((20, 5)), rng.random((5, 30))
    masks = eco.group_masks(W, H, np.array([1, 1, 2, 0, 2]))
    assert masks.shape == (2, 20, 30)
    background = (W[:, [3]] @ H[[3]]) / (W @ H)
    np.testing.assert_allclose(masks.sum(axis=0) + background, 1.0, atol=1e-5)
    assert eco.group_masks(W, H, np.zeros(5, dtype=int)).shape == (0, 20, 30)


def test_separate_with_ideal_masks_recovers_disjoint_sources():
    import librosa

    sr, n = 8000, 8000
    t = np.arange(n) / sr
    sources = np.array([np.sin(2 * np.pi * 500 * t), 0.5 * np.sin(2 * np.pi * 2500 * t)])
    y = sources.sum(axis=0)
    mags = np.abs(librosa.stft(sources, n_fft=512, hop_length=128))
    X = librosa.stft(y, n_fft=512, hop_length=128)
    masks = eco.ideal_ratio_masks(mags, np.abs(X))
    estimates = eco.separate(X, masks, slice(0, X.shape[0]), 128, n)
    assert estimates.shape == (2, n)
    assert (eco.si_sdr_improvement(sources, estimates, y) > 10).all()


def test_count_scores_and_compression():
    assert eco.count_scores([1, 2, 3], [1, 2, 3]) == dict(accuracy=1.0, mae=0.0, spearman=1.0)
    assert eco.count_scores([1, 2, 3], [2, 2, 2])["spearman"] == 0.0     # constant estimate
    V = np.random.default_rng(4).random((16, 40))
    for method in ("none", "log", "pcen"):
        C = eco.compress(V, method, 22050, 256)
        assert C.shape == V.shape and (C >= 0).all() and np.isfinite(C).all()
