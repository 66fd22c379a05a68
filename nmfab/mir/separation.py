"""Source separation by NMF: soft masks, component grouping and BSS Eval v4 scores.

Conventions: audio is ``(n_samples, n_channels)``; a stack of sources is
``(n_sources, n_samples, n_channels)`` (museval's layout); a complex STFT is
``(n_channels, F, T)``. The factorization runs on a mono spectrogram
``|X|^p`` (``p`` the ``power``), so ``W_j H_j`` models ``|S_j|^p``.

Masks (:func:`soft_masks`): with modelled magnitudes ``A_j = (W_j H_j)^(1/p)``,
``M_j = A_j^a / sum_k A_k^a``; ``a = 1`` is the amplitude ratio mask
(``ratio``, museval's IRM1 from references), ``a = 2`` the Wiener (power ratio)
mask (``wiener``, IRM2; for ``p = 2`` it is ``W_j H_j / sum_k W_k H_k``). The
masks sum to one in every bin (a bin where every model is zero is shared
equally), so the masked estimates sum to the mixture.

Only :func:`bss_eval_v4` imports museval (which needs ffmpeg at import).
Nothing here reads files or knows the experiment engine.
"""
import numpy as np

MASK_EXPONENTS = {"ratio": 1.0, "wiener": 2.0}
MUSEVAL_MISSING = ("museval cannot be imported ({reason}): install ffmpeg (e.g. apt-get install "
                   "ffmpeg; museval's musdb dependency needs ffmpeg and ffprobe on PATH) and "
                   "pip install -e \".[separation]\"")


def stft(audio, n_fft, hop_length):
    """Complex STFT of every channel: ``(n_samples, n_channels)`` -> ``(n_channels, F, T)``.

    Examples
    --------
    >>> stft(np.zeros((4096, 2)), 1024, 256).shape
    (2, 513, 17)
    """
    import librosa

    return librosa.stft(np.ascontiguousarray(np.asarray(audio, dtype=np.float64).T),
                        n_fft=n_fft, hop_length=hop_length)


def istft(spectra, hop_length, length):
    """Inverse of :func:`stft` for a stack ``(..., n_channels, F, T)`` -> ``(..., length, n_channels)``.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((4096, 1))
    >>> np.allclose(istft(stft(x, 1024, 256), 256, 4096), x)
    True
    """
    import librosa

    n_fft = 2 * (spectra.shape[-2] - 1)
    y = librosa.istft(spectra, hop_length=hop_length, n_fft=n_fft, length=length)
    return np.moveaxis(y, -1, -2)


def source_models(W, H, labels, n_sources):
    """``W_j H_j`` for each source ``j``: the sum of the components labelled ``j``.

    Parameters
    ----------
    W : ndarray (F, K)
    H : ndarray (K, T)
    labels : ndarray of int (K,)
        The source of each component (a source without component gets zeros).
    n_sources : int

    Examples
    --------
    >>> source_models(np.eye(2), np.ones((2, 3)), np.array([1, 1]), 2)[:, :, 0]
    array([[0., 0.],
           [1., 1.]])
    """
    labels = np.asarray(labels)
    return np.stack([W[:, labels == j] @ H[labels == j] for j in range(n_sources)])


def soft_masks(magnitudes, exponent):
    """Masks ``A_j^a / sum_k A_k^a`` summing to one in every bin.

    Parameters
    ----------
    magnitudes : ndarray (n_sources, F, T), nonnegative
        Modelled (or reference) magnitudes ``A_j``.
    exponent : float
        ``a``: 1 (ratio mask) or 2 (Wiener mask).

    Examples
    --------
    >>> soft_masks(np.array([[[3.0, 0.0]], [[1.0, 0.0]]]), 2.0)[:, 0]
    array([[0.9, 0.5],
           [0.1, 0.5]])
    """
    powered = np.asarray(magnitudes, dtype=np.float64) ** exponent
    total = powered.sum(axis=0, keepdims=True)
    share = np.full_like(powered, 1.0 / len(powered))
    return np.divide(powered, total, out=share, where=total > 0)


def apply_masks(mixture_stft, masks):
    """Masked mixture STFTs ``(n_sources, n_channels, F, T)``: each mask on every channel."""
    return masks[:, None] * mixture_stft[None]


def magnitude_with_mixture_phase(mixture_stft, magnitudes):
    """``A_j exp(i angle(X))`` on every channel: the unmasked reconstruction (``mask=none``)."""
    return magnitudes[:, None] * np.exp(1j * np.angle(mixture_stft))[None]


def ideal_masks(reference_stfts, exponent):
    """Oracle masks from the references' STFTs ``(n_sources, n_channels, F, T)``, per channel.

    ``exponent`` 1 is museval's IRM1, 2 its IRM2 (``|S_j|^a / sum_k |S_k|^a``).
    """
    return soft_masks(np.abs(reference_stfts), exponent)


def mfcc_features(W, sr, n_mfcc=13):
    """Timbre of each component: MFCC (coefficient 0, the level, dropped) of its column of W.

    The columns are treated as the frames of a power spectrogram, so the
    clustering sees the spectral envelope of each component, not its gain.

    Examples
    --------
    >>> mfcc_features(np.random.default_rng(0).random((513, 5)), 22050).shape
    (5, 12)
    """
    import librosa

    n_fft = 2 * (W.shape[0] - 1)
    mel = librosa.feature.melspectrogram(S=np.asarray(W, dtype=np.float64), sr=sr, n_fft=n_fft,
                                         n_mels=64)
    return librosa.feature.mfcc(S=librosa.power_to_db(mel, ref=np.max), n_mfcc=n_mfcc)[1:].T


def cluster_components(features, n_clusters, seed=0):
    """K-means labels (scipy ``kmeans2``, k-means++ seeding) of standardized features.

    Examples
    --------
    >>> f = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> labels = cluster_components(f, 2)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    from scipy.cluster.vq import kmeans2, whiten

    features = np.asarray(features, dtype=np.float64)
    spread = features.std(axis=0)
    scaled = whiten(features) if np.all(spread > 0) else features - features.mean(axis=0)
    _, labels = kmeans2(scaled, n_clusters, minit="++", seed=seed)
    return labels


def oracle_labels(W, H, reference_models):
    """Each component's source: the reference whose ``|S_j|^p`` it correlates with most.

    The score is the cosine similarity between the rank-one part ``w_k h_k`` and
    the reference model ``R_j`` (both nonnegative): ``w^T R_j h / (|w| |h| |R_j|)``.

    Examples
    --------
    >>> R = np.stack([np.outer([1, 0], [1, 1]), np.outer([0, 1], [1, 1])]).astype(float)
    >>> oracle_labels(np.array([[0.0, 1.0], [1.0, 0.0]]), np.ones((2, 2)), R)
    array([1, 0])
    """
    projections = np.einsum("fk,jft,kt->jk", W, reference_models, H)
    norms = np.linalg.norm(reference_models.reshape(len(reference_models), -1), axis=1)
    scale = np.linalg.norm(W, axis=0) * np.linalg.norm(H, axis=1)
    return np.argmax(projections / np.maximum(norms[:, None] * scale[None], 1e-300), axis=0)


def si_sdr(reference, estimate):
    """Scale-invariant SDR in dB (Le Roux et al. 2019) over all samples and channels.

    NaN for a silent reference; ``-inf`` for a silent estimate.

    Examples
    --------
    >>> x = np.sin(np.arange(1000) / 10.0)
    >>> round(si_sdr(x, 0.5 * x + 0.01 * np.cos(np.arange(1000) / 3.0)), 1)
    34.0
    """
    s, e = np.ravel(reference).astype(np.float64), np.ravel(estimate).astype(np.float64)
    energy = s @ s
    if energy == 0:
        return float("nan")
    target = (e @ s) / energy * s
    with np.errstate(divide="ignore"):
        return float(10 * np.log10((target @ target) / max((e - target) @ (e - target), 1e-300)))


def assign_estimates(estimates, references, score=si_sdr):
    """Hungarian assignment of estimates to references maximising the total ``score``.

    One estimate per reference (``scipy.optimize.linear_sum_assignment``), never
    a best match per estimate. Non-finite scores count as -1000 dB.

    Returns
    -------
    ndarray of int
        ``order[j]``: the estimate assigned to reference ``j``.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((2, 100))
    >>> assign_estimates(x[::-1], x)
    array([1, 0])
    """
    from scipy.optimize import linear_sum_assignment

    scores = np.array([[score(ref, est) for ref in references] for est in estimates])
    scores = np.nan_to_num(scores, nan=-1e3, posinf=1e3, neginf=-1e3)
    rows, cols = linear_sum_assignment(scores, maximize=True)
    order = np.empty(len(references), dtype=int)
    order[cols] = rows
    return order


def mixture_estimates(mixture, n_sources):
    """The floor: every estimate is ``mixture / n_sources``."""
    return np.repeat(np.asarray(mixture)[None] / n_sources, n_sources, axis=0)


def bss_eval_v4(references, estimates, sr, window=1.0, hop=1.0):
    """museval BSS Eval v4 (framewise, ``window`` and ``hop`` in seconds).

    Parameters
    ----------
    references, estimates : ndarray (n_sources, n_samples, n_channels)
        Every reference must be non-silent. A silent estimate (which museval
        rejects) is scored as a dither 120 dB below its reference's RMS: a
        very low but finite score instead of a crash.
    sr : int

    Returns
    -------
    dict
        ``sdr``, ``isr``, ``sir``, ``sar``: ndarrays (n_sources, n_frames),
        NaN in frames where the reference is silent (museval's convention).

    Raises
    ------
    ImportError
        One line saying to install ffmpeg and the ``separation`` extra.
    """
    try:
        import museval
    except Exception as error:  # ImportError, or musdb's RuntimeError without ffmpeg
        raise ImportError(MUSEVAL_MISSING.format(reason=str(error).splitlines()[0])) from None
    estimates = np.array(estimates, dtype=np.float64)
    references = np.asarray(references, dtype=np.float64)
    for j, estimate in enumerate(estimates):
        if not np.any(estimate):
            level = 1e-6 * np.sqrt(np.mean(references[j] ** 2))
            estimate[...] = level * np.random.default_rng(j).standard_normal(estimate.shape)
    sdr, isr, sir, sar = museval.evaluate(references, estimates, win=int(window * sr),
                                          hop=int(hop * sr))
    return dict(sdr=sdr, isr=isr, sir=sir, sar=sar)
