"""Counting and separating sound sources in soundscapes from an NMF ``V ~ W H``.

Pure functions (arrays in, arrays out) used by :mod:`nmfab.tasks.ecoacoustics`:

* which components are events and which are stationary background
  (:func:`event_components`);
* grouping components into sources, either by the correlation of their
  activations (the older toolbox's idea, with an agglomerative clustering) or
  by the similarity of their activation periodicity spectra (Lin et al.'s
  periodicity-coded NMF): :func:`component_features`, :func:`cluster_labels`;
* soft masks from groups of components (:func:`group_masks`) and the ideal
  ratio masks of known sources (:func:`ideal_ratio_masks`);
* scores: :func:`si_sdr`, :func:`si_sdr_improvement` (Hungarian assignment of
  estimates to references) and :func:`count_scores`.
"""
import numpy as np
from scipy import stats
from scipy.cluster import hierarchy
from scipy.ndimage import uniform_filter1d
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import pdist

from ..backend import EPS

GROUPINGS = ("correlation", "periodicity")
TINY = np.finfo(np.float64).tiny
FLOOR = 1e-12   # SI-SDR stays within +-120 dB


def event_components(H, min_ratio, min_share=1e-3):
    """Components whose activation is event-like (peaky), not stationary background.

    A row of ``H`` is an event when its 95th percentile is at least
    ``min_ratio`` times its median, and it carries at least ``min_share`` of
    the total activation energy.

    Parameters
    ----------
    H : np.ndarray, shape (K, T)
    min_ratio : float
    min_share : float

    Returns
    -------
    np.ndarray of bool, shape (K,)

    Examples
    --------
    >>> H = np.array([[1.0, 1.1, 0.9, 1.0], [0.0, 0.0, 5.0, 0.01]])
    >>> event_components(H, min_ratio=3.0)
    array([False,  True])
    """
    H = np.asarray(H, dtype=np.float64)
    if H.size == 0:
        return np.zeros(H.shape[0], dtype=bool)
    peak = np.percentile(H, 95, axis=1)
    ratio = peak / (np.median(H, axis=1) + EPS)
    energy = np.sum(H ** 2, axis=1)
    return (ratio >= min_ratio) & (energy >= min_share * max(energy.sum(), EPS))


def periodicity_spectra(H, frame_rate, fmin=0.25, fmax=20.0):
    """Magnitude spectrum of each mean-removed activation between ``fmin`` and ``fmax`` Hz.

    The "periodicity code" of PC-NMF: components of one calling animal share
    the call rate, so their spectra peak at the same modulation frequencies.

    Parameters
    ----------
    H : np.ndarray, shape (K, T)
    frame_rate : float
        Frames per second of ``H``.
    fmin, fmax : float
        Modulation frequency band (Hz).

    Returns
    -------
    np.ndarray, shape (K, n_freqs)

    Examples
    --------
    >>> t = np.arange(400) / 100.0
    >>> H = np.vstack([np.sin(2 * np.pi * 4 * t) ** 2, np.sin(2 * np.pi * 4 * t + 1) ** 2])
    >>> P = periodicity_spectra(H, 100.0)
    >>> bool(np.corrcoef(P)[0, 1] > 0.99)
    True
    """
    H = np.asarray(H, dtype=np.float64)
    n = int(2 ** np.ceil(np.log2(max(2 * H.shape[1], 2))))
    spectra = np.abs(np.fft.rfft(H - H.mean(axis=1, keepdims=True), n=n, axis=1))
    freqs = np.fft.rfftfreq(n, d=1.0 / frame_rate)
    return spectra[:, (freqs >= fmin) & (freqs <= fmax)]


def component_features(H, frame_rate, grouping, smooth=0.1):
    """What the components are grouped by: smoothed activations or their periodicity spectra.

    Parameters
    ----------
    H : np.ndarray, shape (K, T)
    frame_rate : float
    grouping : {"correlation", "periodicity"}
    smooth : float
        Moving-average length (s) applied to the activations first, so that
        components of one call a few frames apart still correlate.

    Returns
    -------
    np.ndarray, shape (K, n_features)
    """
    from ..errors import check_choice

    check_choice("grouping", grouping, GROUPINGS)
    size = max(1, int(round(smooth * frame_rate)))
    Hs = uniform_filter1d(np.asarray(H, dtype=np.float64), size=size, axis=1, mode="nearest")
    return Hs if grouping == "correlation" else periodicity_spectra(Hs, frame_rate)


def cluster_labels(features, thresholds):
    """Average-linkage clusters of rows under the correlation distance, per cut threshold.

    Parameters
    ----------
    features : np.ndarray, shape (K, n)
    thresholds : sequence of float
        Cut heights in correlation distance ``1 - r`` (0 .. 2).

    Returns
    -------
    np.ndarray of int, shape (len(thresholds), K)
        Cluster labels from 1.

    Examples
    --------
    >>> X = np.array([[1, 2, 3, 4.0], [1, 2, 3, 5.0], [4, 3, 2, 1.0]])
    >>> cluster_labels(X, [0.1, 2.0])
    array([[1, 1, 2],
           [1, 1, 1]])
    """
    X = np.asarray(features, dtype=np.float64)
    if X.shape[0] < 2:
        return np.ones((len(thresholds), X.shape[0]), dtype=np.int64)
    X = X + 1e-12 * np.arange(X.shape[1])          # constant rows: defined distance
    distance = np.clip(np.nan_to_num(pdist(X, "correlation"), nan=1.0), 0.0, 2.0)
    tree = hierarchy.linkage(distance, method="average")
    return np.array([hierarchy.fcluster(tree, t, criterion="distance") for t in thresholds],
                    dtype=np.int64)


def group_components(H, frame_rate, grouping, thresholds, min_ratios):
    """Source label of each component (0: background) for each point of a parameter grid.

    Parameters
    ----------
    H : np.ndarray, shape (K, T)
    frame_rate : float
    grouping : {"correlation", "periodicity"}
    thresholds, min_ratios : np.ndarray, shape (n_grid,)
        The grid: clustering cut (:func:`cluster_labels`) and background test
        (:func:`event_components`) of each point.

    Returns
    -------
    labels : np.ndarray of int, shape (n_grid, K)
        0 for background components, 1..n for the n estimated sources.
    counts : np.ndarray of int, shape (n_grid,)
        The number of sources at each grid point.
    """
    H = np.asarray(H, dtype=np.float64)
    features = component_features(H, frame_rate, grouping)
    labels = np.zeros((len(thresholds), H.shape[0]), dtype=np.int64)
    for ratio in np.unique(min_ratios):
        events = event_components(H, ratio)
        rows = np.flatnonzero(np.asarray(min_ratios) == ratio)
        if events.any():
            found = cluster_labels(features[events], np.asarray(thresholds)[rows])
            for row, lab in zip(rows, found):
                labels[row, events] = np.unique(lab, return_inverse=True)[1] + 1
    return labels, labels.max(axis=1, initial=0).astype(np.int64)


def group_masks(W, H, labels, power=1.0):
    """Soft (Wiener-like) masks of each group of components.

    ``mask_g = (W_g H_g) ** power / (sum over groups + background)``, where the
    background is the components labelled 0.

    Parameters
    ----------
    W : np.ndarray, shape (F, K)
    H : np.ndarray, shape (K, T)
    labels : np.ndarray of int, shape (K,)
        0: background (in the denominator only); 1..G: the sources.
    power : float

    Returns
    -------
    np.ndarray, shape (G, F, T)

    Examples
    --------
    >>> W, H = np.eye(2), np.ones((2, 3))
    >>> group_masks(W, H, np.array([1, 0]))[0].round(4)
    array([[1., 1., 1.],
           [0., 0., 0.]])
    """
    W, H, labels = np.asarray(W, float), np.asarray(H, float), np.asarray(labels)
    parts = [(W[:, labels == g] @ H[labels == g]) ** power
             for g in range(int(labels.max(initial=0)) + 1)]
    total = np.sum(parts, axis=0) + EPS
    return np.array([part / total for part in parts[1:]]).reshape((-1,) + total.shape)


def ideal_ratio_masks(source_mags, mixture_mag, power=1.0):
    """Ideal ratio masks: ``|S_i| ** p / (sum_j |S_j| ** p + |residual| ** p)``.

    Parameters
    ----------
    source_mags : np.ndarray, shape (n, F, T)
        Magnitude spectrograms of the isolated sources.
    mixture_mag : np.ndarray, shape (F, T)
        The mixture's; what the sources do not explain (background) is the residual.
    power : float

    Returns
    -------
    np.ndarray, shape (n, F, T)
    """
    S = np.asarray(source_mags, dtype=np.float64) ** power
    residual = np.maximum(np.asarray(mixture_mag, float) - np.sum(source_mags, axis=0), 0) ** power
    return S / (S.sum(axis=0) + residual + EPS)


def si_sdr_matrix(references, estimates):
    """SI-SDR (dB) of every estimate against every reference (Le Roux et al., 2019).

    With mean-removed signals and ``c = <e, s>``, the scaled target ``a s``
    (``a = c / <s, s>``) has energy ``c^2 / <s, s>`` and the residual
    ``<e, e> - c^2 / <s, s>``, so ``SI-SDR = 10 log10(c^2 / (<s, s><e, e> - c^2))``,
    kept within +-120 dB (:data:`FLOOR`).

    Parameters
    ----------
    references : np.ndarray, shape (n_ref, n_samples)
    estimates : np.ndarray, shape (n_est, n_samples)

    Returns
    -------
    np.ndarray, shape (n_ref, n_est)
    """
    S = np.atleast_2d(np.asarray(references, dtype=np.float64))
    E = np.atleast_2d(np.asarray(estimates, dtype=np.float64))
    S = S - S.mean(axis=1, keepdims=True)
    E = E - E.mean(axis=1, keepdims=True)
    c2 = (S @ E.T) ** 2
    energy = np.sum(S ** 2, axis=1)[:, None] * np.sum(E ** 2, axis=1)
    floor = FLOOR * energy + TINY
    return 10 * np.log10((c2 + floor) / (np.maximum(energy - c2, 0.0) + floor))


def si_sdr(reference, estimate):
    """Scale-invariant signal-to-distortion ratio (dB) of ``estimate`` against ``reference``.

    Examples
    --------
    An estimate made of the reference plus an orthogonal error ``n`` scores
    ``10 log10(|s|^2 / |n|^2)``, whatever its gain:

    >>> s, n = np.array([1.0, -1, 1, -1]), np.array([1.0, 1, -1, -1])
    >>> round(si_sdr(s, 3 * (s + 0.5 * n)), 4)
    6.0206
    """
    return float(si_sdr_matrix(reference, estimate)[0, 0])


def si_sdr_improvement(references, estimates, mixture):
    """SI-SDR gain over the mixture of each reference after a Hungarian assignment.

    Estimates are assigned one-to-one to references so as to maximise the total
    SI-SDR (``scipy.optimize.linear_sum_assignment``). A reference left without
    an estimate (fewer estimates than references) keeps the mixture: gain 0.

    Parameters
    ----------
    references : np.ndarray, shape (n_ref, n_samples)
    estimates : np.ndarray, shape (n_est, n_samples)
    mixture : np.ndarray, shape (n_samples,)

    Returns
    -------
    np.ndarray, shape (n_ref,)
        dB of improvement per reference.

    Examples
    --------
    >>> s = np.array([[1.0, -1, 1, -1], [1.0, 1, -1, -1]])
    >>> si_sdr_improvement(s, s[::-1] * 2, s.sum(axis=0)).round(1)
    array([120., 120.])
    """
    references = np.atleast_2d(references)
    base = si_sdr_matrix(references, mixture)[:, 0]
    gains = np.zeros(len(references))
    estimates = np.asarray(estimates).reshape(-1, references.shape[1])
    if len(estimates) == 0:
        return gains
    scores = si_sdr_matrix(references, estimates)
    rows, cols = linear_sum_assignment(scores, maximize=True)
    gains[rows] = scores[rows, cols] - base[rows]
    return gains


def count_scores(reference, estimate):
    """Counting scores over clips: exact-match accuracy, mean absolute error, Spearman rho.

    Spearman's rho is 0 when either side is constant (no ranking to correlate).

    Examples
    --------
    >>> {k: round(v, 4) for k, v in count_scores([0, 1, 2, 3], [0, 1, 3, 3]).items()}
    {'accuracy': 0.75, 'mae': 0.25, 'spearman': 0.9487}
    """
    ref, est = np.asarray(reference, float), np.asarray(estimate, float)
    constant = len(ref) < 2 or np.ptp(ref) == 0 or np.ptp(est) == 0
    rho = 0.0 if constant else float(stats.spearmanr(ref, est)[0])
    return dict(accuracy=float(np.mean(ref == est)), mae=float(np.mean(np.abs(ref - est))),
                spearman=rho)


def compress(V, method, sr, hop_length):
    """Dynamic-range compression of a magnitude spectrogram before NMF.

    Parameters
    ----------
    V : np.ndarray, shape (F, T)
    method : {"none", "log", "pcen"}
        ``log``: ``log1p(V / median(V))``; ``pcen``: :func:`librosa.pcen` with
        its defaults (the input scaled to the 32-bit integer range, as librosa advises).
    sr, hop_length : int
        For PCEN's time constants.

    Returns
    -------
    np.ndarray, shape (F, T), nonnegative
    """
    from ..errors import check_choice

    check_choice("compression", method, ("none", "log", "pcen"))
    V = np.asarray(V, dtype=np.float64)
    if method == "log":
        return np.log1p(V / (np.median(V) + EPS))
    if method == "pcen":
        import librosa

        return np.maximum(librosa.pcen(V * 2 ** 31, sr=sr, hop_length=hop_length), 0.0)
    return V


def separate(X, masks, rows, hop_length, length):
    """One signal per mask: the mixture's STFT masked on ``rows``, zero elsewhere, inverted.

    Parameters
    ----------
    X : np.ndarray of complex, shape (F, T)
        The mixture's STFT (``librosa.stft``, centred, Hann window).
    masks : np.ndarray, shape (G, len(rows), T)
    rows : slice
        The STFT rows the masks cover (the feature's frequency band).
    hop_length, length : int
        The STFT hop and the number of samples of the mixture.

    Returns
    -------
    np.ndarray, shape (G, length)
    """
    import librosa

    if len(masks) == 0:
        return np.zeros((0, int(length)))
    masked = np.zeros((len(masks),) + X.shape, dtype=X.dtype)
    masked[:, rows] = np.asarray(masks) * X[rows]
    return librosa.istft(masked, hop_length=hop_length, n_fft=2 * (X.shape[0] - 1), length=length)
