"""Structure analysis helpers against closed-form cases: CBM, Foote, barwise features, scores."""
import numpy as np
import pytest

from nmfab.errors import NmfabError
from nmfab.mir import structure as st
from nmfab.mir.structure_metrics import boundary_scores, chance_boundaries

SECTIONS = [8, 4, 8, 6]                      # bars (band-7 CBM splits uniform blocks > 8 bars)
TRUE_BOUNDS = [0, 8, 12, 20, 26]


def block_ssm(lengths, noise=0.0, seed=0, repeat=()):
    """Block-diagonal self-similarity (1 inside a section, 0 across), plus optional noise;
    ``repeat`` lists pairs of sections that are similar to each other (0.6)."""
    labels = np.repeat(np.arange(len(lengths)), lengths)
    S = (labels[:, None] == labels[None, :]).astype(float)
    for a, b in repeat:
        S[np.ix_(labels == a, labels == b)] = S[np.ix_(labels == b, labels == a)] = 0.6
    rng = np.random.default_rng(seed)
    E = rng.uniform(0, noise, S.shape)
    return np.clip(S + (E + E.T) / 2, 0, 1)


def test_cbm_block_scores_closed_form():
    # all-ones 8-bar block, band 7: 2 * (7 + 6 + ... + 1) = 56 kernel entries -> 56 / 8
    C = st.band_kernel_sums(np.ones((8, 8)), band=7)
    assert st.block_sum(C, 0, 8) / 8 == pytest.approx(7.0)
    assert st.block_sum(C, 0, 4) == pytest.approx(12.0)     # 2 * (3 + 2 + 1)
    assert [st.size_penalty(s) for s in (8, 12, 6, 5)] == [0.0, 0.25, 0.5, 1.0]
    assert st.size_penalty(5, "none") == 0.0


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_cbm_recovers_known_sections(noise):
    S = block_ssm(SECTIONS, noise=noise, repeat=[(0, 2)])
    assert st.cbm_segment(S, penalty_weight=0.0).tolist() == TRUE_BOUNDS
    assert st.cbm_segment(S, penalty_weight=0.1).tolist() == TRUE_BOUNDS


def test_cbm_band_and_penalty_closed_form():
    # a uniform block of p bars scores p - 1 for p <= band + 1,
    # then 2 * band - band * (band + 1) / p:
    # band 7 splits 16 bars into 8 + 8 (7 + 7 > 10.5); band 15 keeps them (15 > 14) unless the
    # modulo8 prior (0.25 for 16 bars, 0 for 8) weighs more than 1 / (0.25 * m8) = 4/7 here
    S = np.ones((16, 16))
    assert st.cbm_segment(S, penalty_weight=0.0).tolist() == [0, 8, 16]
    assert st.cbm_segment(S, penalty_weight=0.0, band=15).tolist() == [0, 16]
    assert st.cbm_segment(S, penalty_weight=0.5, band=15).tolist() == [0, 16]
    assert st.cbm_segment(S, penalty_weight=0.6, band=15).tolist() == [0, 8, 16]
    assert st.cbm_segment(S, penalty_weight=0.0, max_size=4).tolist() == [0, 4, 8, 12, 16]


def test_foote_novelty_peaks_at_section_changes():
    S = block_ssm(SECTIONS, noise=0.2, seed=1)
    novelty = st.foote_novelty(S, size=8)
    assert novelty.shape == (27,)
    inner = TRUE_BOUNDS[1:-1]
    assert set(np.argsort(novelty)[-len(inner):]) == set(inner)
    assert st.foote_segment(S, size=8, threshold=0.5).tolist() == TRUE_BOUNDS
    with pytest.raises(NmfabError, match="even"):
        st.checkerboard_kernel(5)


def test_barwise_matrix_resamples_each_bar():
    rate = 10.0                                     # frames per second; S(t) = t
    S = np.vstack([np.arange(100) / rate, 2 * np.arange(100) / rate])
    downbeats = np.array([1.0, 3.0, 7.0])           # bars of 2 s and 4 s
    X = st.barwise_matrix(S, rate, downbeats, frames_per_bar=4)
    assert X.shape == (2, 8)
    np.testing.assert_allclose(X[0, :4], [1.0, 1.5, 2.0, 2.5])
    np.testing.assert_allclose(X[1, :4], [3.0, 4.0, 5.0, 6.0])
    np.testing.assert_allclose(X[1, 4:], 2 * X[1, :4])
    with pytest.raises(NmfabError, match="two downbeats"):
        st.barwise_matrix(S, rate, [1.0])


def test_self_similarity_kinds():
    X = np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    cos = st.self_similarity(X, "cosine")
    np.testing.assert_allclose(cos[:3, :3], [[1, 1, 0], [1, 1, 0], [0, 0, 1]])
    assert cos[3].sum() == 0                       # an all-zero bar is similar to nothing
    rbf = st.self_similarity(X, "rbf")
    np.testing.assert_allclose(np.diag(rbf), 1.0)
    np.testing.assert_allclose(rbf, rbf.T)
    assert rbf[0, 1] > rbf[0, 2]                    # distance 2 < distance sqrt(5)


def test_boundary_scores_trim_conventions():
    ref = np.array([[0.0, 10.0], [10.0, 20.0], [20.0, 30.0]])
    exact = boundary_scores(ref, [0.0, 10.0, 20.0, 30.0], 30.0)
    assert all(value == 1.0 for value in exact.values())
    shifted = boundary_scores(ref, [0.0, 11.0, 21.0, 30.0], 30.0)
    # only the first and last boundaries hit within 0.5 s: counted by trim=False alone
    assert shifted["f_0.5"] == pytest.approx(0.5) and shifted["f_0.5_trim"] == 0.0
    assert shifted["f_3"] == 1.0 and shifted["f_3_trim"] == 1.0
    over = boundary_scores(ref, np.arange(0.0, 31.0, 5.0), 30.0)   # 7 boundaries for 4
    assert over["r_3_trim"] == 1.0 and over["p_3_trim"] == pytest.approx(2 / 5)


def test_chance_boundaries():
    assert chance_boundaries(32, 4, "even").tolist() == [0, 8, 16, 24, 32]
    random = chance_boundaries(32, 4, "random", seed=3)
    assert len(random) == 5 and random[0] == 0 and random[-1] == 32
    assert random.tolist() == chance_boundaries(32, 4, "random", seed=3).tolist()
    assert random.tolist() != chance_boundaries(32, 4, "random", seed=4).tolist()


def test_estimate_downbeats_on_accented_clicks():
    sr, beat = 22050, 0.5                           # 120 BPM, accent every 4th beat from 1.0 s
    y = np.zeros(int(14 * sr), dtype=np.float32)
    click = np.sin(2 * np.pi * 1000 * np.arange(400) / sr) * np.hanning(400)
    for i, t in enumerate(np.arange(0.0, 13.5, beat)):
        y[int(t * sr):int(t * sr) + 400] += (1.0 if i % 4 == 2 else 0.3) * click
    downbeats = st.estimate_downbeats(y, sr)
    np.testing.assert_allclose(np.diff(downbeats), 2.0, atol=0.05)
    np.testing.assert_allclose(np.mod(downbeats - 1.0 + 0.5, 2.0) - 0.5, 0.0, atol=0.05)
    assert st.times_to_bars(downbeats[1:3] + 0.1, downbeats).tolist() == [1, 2]
