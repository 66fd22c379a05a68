"""Music structure analysis at the bar level: barwise features, self-similarity, segmentation.

The pipeline of Marmoret et al. ("Barwise compression schemes for audio-based
music structure analysis", SMC 2022; "Uncovering audio patterns in music with
nonnegative Tucker decomposition", ISMIR 2020):

1. bars: downbeat times, annotated or estimated (:func:`estimate_downbeats`);
2. a time-frequency matrix resampled to a fixed number of frames per bar and
   flattened so that one row is one bar (:func:`barwise_matrix`);
3. a bar representation (the rows of that matrix, or of W after NMF) and its
   self-similarity (:func:`self_similarity`, cosine or RBF);
4. segmentation on the bar grid: Correlation Block-Matching by dynamic
   programming (:func:`cbm_segment`) or Foote's checkerboard novelty
   (:func:`foote_novelty`, :func:`foote_segment`).

Boundaries are bar indices ``0 = b_0 < b_1 < ... < b_m = n_bars`` (the first and
last are always there); :func:`bars_to_times` maps them to seconds. Scoring is in
:mod:`nmfab.mir.structure_metrics`. Pure functions: arrays in, arrays out.
"""
import numpy as np

from ..errors import NmfabError, check_choice

SIMILARITIES = ("cosine", "rbf")
FEATURES = ("nn_log_mel", "log_mel")
PENALTIES = ("modulo8", "none")


def estimate_downbeats(y, sr, beats_per_bar=4, hop_length=512):
    """Downbeat times from librosa's beat tracker and a fixed-meter phase rule.

    Rule: the beats are grouped by ``beats_per_bar``; of the ``beats_per_bar``
    possible phases, the one whose beats carry the largest mean onset
    strength (librosa's spectral flux) is taken as the downbeat phase. No
    model, no network: a documented baseline, good on steady pop meters.

    Returns
    -------
    np.ndarray
        Sorted downbeat times (s); empty when fewer than two bars of beats are found.
    """
    import librosa

    envelope = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop_length)
    _, beats = librosa.beat.beat_track(onset_envelope=envelope, sr=sr, hop_length=hop_length,
                                       trim=False)
    beats = np.asarray(beats, dtype=int)
    if len(beats) < 2 * beats_per_bar:
        return np.zeros(0)
    strength = [envelope[beats[phase::beats_per_bar]].mean() for phase in range(beats_per_bar)]
    chosen = beats[int(np.argmax(strength))::beats_per_bar]
    return librosa.frames_to_time(chosen, sr=sr, hop_length=hop_length)


def mel_feature(y, sr, feature="nn_log_mel", hop_length=256, n_mels=80):
    """A nonnegative log-mel spectrogram ``(n_mels, n_frames)``; frame t is at ``t * hop / sr``.

    ``nn_log_mel``: ``log(1 + mel power)``; ``log_mel``: mel power in dB
    (librosa, ``top_db=80``) shifted up by 80 dB, so both are >= 0 (NMF input).
    """
    import librosa

    check_choice("structure feature", feature, FEATURES)
    mel = librosa.feature.melspectrogram(y=y, sr=sr, hop_length=hop_length, n_mels=n_mels,
                                         n_fft=4 * hop_length)
    if feature == "nn_log_mel":
        return np.log1p(mel)
    return librosa.power_to_db(mel, ref=np.max, top_db=80.0) + 80.0


def barwise_matrix(S, frame_rate, downbeats, frames_per_bar=96):
    """Resample a spectrogram to ``frames_per_bar`` frames per bar and put one bar per row.

    Parameters
    ----------
    S : np.ndarray, shape (n_bands, n_frames)
        Frame t is at ``t / frame_rate`` seconds.
    frame_rate : float
        Frames per second.
    downbeats : np.ndarray, shape (n_bars + 1,)
        Bar i spans ``[downbeats[i], downbeats[i + 1])``.
    frames_per_bar : int

    Returns
    -------
    np.ndarray, shape (n_bars, n_bands * frames_per_bar)
        Row i is bar i's ``(n_bands, frames_per_bar)`` matrix flattened band by band.

    Examples
    --------
    >>> S = np.tile(np.arange(8.0), (2, 1))          # 2 bands, value = frame index
    >>> barwise_matrix(S, 1.0, np.array([0.0, 4.0, 8.0]), frames_per_bar=2)
    array([[0., 2., 0., 2.],
           [4., 6., 4., 6.]])
    """
    from scipy.interpolate import interp1d

    downbeats = np.asarray(downbeats, dtype=np.float64)
    if len(downbeats) < 2:
        raise NmfabError("a barwise feature needs at least two downbeats (one bar)")
    S = np.asarray(S, dtype=np.float64)
    times = np.arange(S.shape[1]) / float(frame_rate)
    starts, ends = downbeats[:-1], downbeats[1:]
    grid = starts[:, None] + (ends - starts)[:, None] * np.arange(frames_per_bar) / frames_per_bar
    grid = np.clip(grid, times[0], times[-1])
    sampled = interp1d(times, S, axis=1, assume_sorted=True)(grid.ravel())
    sampled = np.clip(sampled, S.min(), S.max())    # no rounding below 0: an NMF input stays valid
    return sampled.reshape(S.shape[0], len(starts), frames_per_bar).transpose(1, 0, 2).reshape(
        len(starts), -1)


def self_similarity(X, kind="cosine"):
    """Bar self-similarity of the rows of ``X``.

    ``cosine``: cosine of the rows (an all-zero row is similar to nothing);
    ``rbf``: ``exp(-d^2 / median(d^2))`` with d the Euclidean distances (off-diagonal median).

    Examples
    --------
    >>> self_similarity(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]]))
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 1.]])
    """
    from scipy.spatial.distance import cdist

    check_choice("similarity", kind, SIMILARITIES)
    X = np.asarray(X, dtype=np.float64)
    if kind == "cosine":
        norms = np.linalg.norm(X, axis=1)
        unit = X / np.where(norms > 0, norms, 1.0)[:, None]
        return np.clip(unit @ unit.T, -1.0, 1.0)
    d2 = cdist(X, X, "sqeuclidean")
    off = d2[~np.eye(len(X), dtype=bool)]
    scale = np.median(off) if off.size and np.median(off) > 0 else 1.0
    return np.exp(-d2 / scale)


def band_kernel_sums(S, band=7):
    """Integral image of ``S`` masked to the band ``1 <= |i - j| <= band``.

    ``block_sum(C, a, b)`` below reads the band sum of any diagonal block in O(1).
    """
    n = len(S)
    offsets = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    masked = np.where((offsets >= 1) & (offsets <= band), S, 0.0)
    C = np.zeros((n + 1, n + 1))
    C[1:, 1:] = masked.cumsum(0).cumsum(1)
    return C


def block_sum(C, a, b):
    """Sum of the masked matrix over the block ``[a, b) x [a, b)`` from its integral image."""
    return C[b, b] - C[a, b] - C[b, a] + C[a, a]


def size_penalty(size, kind="modulo8"):
    """The segment-size prior of CBM: ``modulo8`` favours 8 bars, then multiples of 4, then 2.

    0 for 8 bars, 1/4 for other multiples of 4, 1/2 for other even sizes, 1 otherwise
    (Marmoret et al.); ``none`` is 0 for every size.

    Examples
    --------
    >>> [size_penalty(s) for s in (8, 4, 16, 6, 3)]
    [0.0, 0.25, 0.25, 0.5, 1.0]
    """
    check_choice("CBM penalty", kind, PENALTIES)
    if kind == "none" or size == 8:
        return 0.0
    return 0.25 if size % 4 == 0 else 0.5 if size % 2 == 0 else 1.0


def cbm_segment(S, penalty_weight=1.0, band=7, max_size=32, penalty="modulo8"):
    """Correlation Block-Matching: the segmentation maximising block scores minus size penalties.

    A segment ``[a, b)`` scores ``sum(K * S[a:b, a:b]) / (b - a)`` with the band kernel
    ``K[i, j] = 1`` for ``1 <= |i - j| <= band``, minus
    ``penalty_weight * size_penalty(b - a) * m8``, where ``m8`` is the largest score of
    an 8-bar block of ``S`` (so the weight does not depend on the similarity's scale).
    Dynamic programming over segment ends, segments of 1 to ``max_size`` bars.
    A uniform block of p bars scores ``p - 1`` up to ``p = band + 1``, then
    ``2 * band - band * (band + 1) / p``: the band kernel itself favours segments of
    about ``band + 1`` bars (8 for the default 7), as the modulo8 prior does.

    Parameters
    ----------
    S : np.ndarray, shape (n_bars, n_bars)
        Bar self-similarity.

    Returns
    -------
    np.ndarray of int
        Boundaries as bar indices, from 0 to ``n_bars`` included.

    Examples
    --------
    >>> blocks = np.kron(np.eye(3), np.ones((8, 8)))       # three 8-bar sections
    >>> cbm_segment(blocks).tolist()
    [0, 8, 16, 24]
    """
    S = np.asarray(S, dtype=np.float64)
    n = len(S)
    C = band_kernel_sums(S, band)
    eights = [block_sum(C, a, a + 8) / 8.0 for a in range(n - 7)]
    scale = max(max(eights), 1e-12) if eights else 1.0
    best = np.full(n + 1, -np.inf)
    best[0] = 0.0
    start = np.zeros(n + 1, dtype=int)
    for b in range(1, n + 1):
        for a in range(max(0, b - max_size), b):
            size = b - a
            score = (best[a] + block_sum(C, a, b) / size
                     - penalty_weight * size_penalty(size, penalty) * scale)
            if score > best[b]:
                best[b], start[b] = score, a
    bounds = [n]
    while bounds[-1] > 0:
        bounds.append(start[bounds[-1]])
    return np.asarray(bounds[::-1], dtype=int)


def checkerboard_kernel(size):
    """Foote's Gaussian-tapered checkerboard kernel, ``size`` (even) bars wide.

    Examples
    --------
    >>> np.sign(checkerboard_kernel(2))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    half = size // 2
    if size < 2 or size % 2:
        raise NmfabError(f"the Foote kernel size must be an even number >= 2, got {size}")
    position = np.arange(-half, half) + 0.5
    sign = np.sign(position)
    taper = np.exp(-0.5 * (position / (0.5 * half)) ** 2)
    return np.outer(sign * taper, sign * taper)


def foote_novelty(S, size=8):
    """Foote's novelty: the checkerboard kernel correlated along the diagonal of ``S``.

    Value t measures a change between bars ``t - size/2 .. t-1`` and ``t .. t + size/2 - 1``
    (``S`` zero-padded), so a peak at t is a boundary at the start of bar t.

    Returns
    -------
    np.ndarray, shape (n_bars + 1,)
    """
    S = np.asarray(S, dtype=np.float64)
    K = checkerboard_kernel(size)
    half = size // 2
    padded = np.pad(S, half)
    return np.array([np.sum(K * padded[t:t + size, t:t + size]) for t in range(len(S) + 1)])


def foote_segment(S, size=8, threshold=0.3):
    """Boundaries from Foote's novelty: local maxima above ``threshold`` times its maximum.

    Peaks are found by :func:`scipy.signal.find_peaks` (at least 2 bars apart).

    Examples
    --------
    >>> blocks = np.kron(np.eye(3), np.ones((8, 8)))
    >>> foote_segment(blocks).tolist()
    [0, 8, 16, 24]
    """
    from scipy.signal import find_peaks

    novelty = foote_novelty(S, size)
    top = novelty.max()
    peaks, _ = find_peaks(novelty, height=threshold * top if top > 0 else np.inf, distance=2)
    return np.unique(np.concatenate([[0, len(S)], peaks])).astype(int)


def bars_to_times(boundaries, downbeats):
    """Bar-index boundaries to seconds (``downbeats`` has one more entry than there are bars)."""
    return np.asarray(downbeats, dtype=np.float64)[np.asarray(boundaries, dtype=int)]


def times_to_bars(times, downbeats):
    """The bar index whose start is nearest each time (the inverse of :func:`bars_to_times`)."""
    downbeats = np.asarray(downbeats, dtype=np.float64)
    return np.abs(np.subtract.outer(np.asarray(times, dtype=np.float64), downbeats)).argmin(1)
