"""Initial factors: random, NNDSVD variants, harmonic combs, custom.

``initialize(V, rank, init, seed, **init_params) -> (W, H, info)`` works on numpy
arrays (inits are computed once, on the host, then moved to V's device by the
caller). ``random`` and the NNDSVD variants follow scikit-learn's
``_initialize_nmf`` definitions exactly (the SVD is an exact truncated one, so
results equal scikit-learn's up to the accuracy of its randomized SVD).
"""
import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from .errors import NmfabError, check_choice

INITS = ("random", "nndsvd", "nndsvda", "nndsvdar", "harmonic", "custom")
NNDSVD_EPS = 1e-6   # entries below this are zeroed, as in scikit-learn


def random_init(V, rank, seed=None):
    """``|N(0,1)| * sqrt(mean(V) / rank)`` for H then W (scikit-learn's order and scale)."""
    avg = np.sqrt(V.mean() / rank)
    rng = np.random.RandomState(seed)
    H = np.abs(avg * rng.standard_normal(size=(rank, V.shape[1])).astype(V.dtype, copy=False))
    W = np.abs(avg * rng.standard_normal(size=(V.shape[0], rank)).astype(V.dtype, copy=False))
    return W, H


def truncated_svd(V, rank, seed=None):
    """Leading ``rank`` singular triplets (U, s, Vt), largest first."""
    if rank < min(V.shape) // 4:
        v0 = np.random.RandomState(seed).uniform(-1, 1, size=min(V.shape))
        U, s, Vt = scipy.sparse.linalg.svds(V.astype(np.float64), k=rank, v0=v0)
        order = np.argsort(s)[::-1]
        return U[:, order], s[order], Vt[order]
    U, s, Vt = scipy.linalg.svd(V.astype(np.float64), full_matrices=False)
    return U[:, :rank], s[:rank], Vt[:rank]


def _nndsvd_core(V, rank, seed=None):
    """Boutsidis & Gallopoulos (2008) NNDSVD factors with entries < 1e-6 zeroed."""
    U, s, Vt = truncated_svd(V, rank, seed)
    W, H = np.zeros((V.shape[0], rank)), np.zeros((rank, V.shape[1]))
    W[:, 0], H[0] = np.sqrt(s[0]) * np.abs(U[:, 0]), np.sqrt(s[0]) * np.abs(Vt[0])
    for j in range(1, rank):
        x, y = U[:, j], Vt[j]
        xp_, yp_ = np.maximum(x, 0), np.maximum(y, 0)
        xn_, yn_ = np.abs(np.minimum(x, 0)), np.abs(np.minimum(y, 0))
        m_p = np.linalg.norm(xp_) * np.linalg.norm(yp_)
        m_n = np.linalg.norm(xn_) * np.linalg.norm(yn_)
        (u, v), sigma = ((xp_, yp_), m_p) if m_p > m_n else ((xn_, yn_), m_n)
        lbd = np.sqrt(s[j] * sigma)
        W[:, j], H[j] = lbd * u / np.linalg.norm(u), lbd * v / np.linalg.norm(v)
    W[W < NNDSVD_EPS], H[H < NNDSVD_EPS] = 0, 0
    return W.astype(V.dtype), H.astype(V.dtype)


def nndsvd_init(V, rank, variant="nndsvd", seed=None):
    """NNDSVD; ``nndsvda`` fills zeros with mean(V), ``nndsvdar`` with |N(0,1)| mean(V)/100."""
    W, H = _nndsvd_core(V, rank, seed)
    avg = V.mean()
    if variant == "nndsvda":
        W[W == 0], H[H == 0] = avg, avg
    elif variant == "nndsvdar":
        rng = np.random.RandomState(seed)
        W[W == 0] = np.abs(avg * rng.standard_normal(size=int((W == 0).sum())) / 100)
        H[H == 0] = np.abs(avg * rng.standard_normal(size=int((H == 0).sum())) / 100)
    return W, H


def midi_to_hz(midi):
    """Equal-tempered frequency (A4 = 440 Hz) of MIDI pitch(es)."""
    import librosa

    return librosa.midi_to_hz(np.asarray(midi, dtype=float))


def harmonic_templates(sr, n_fft, midi_pitches=range(21, 109), n_partials=20, decay=1.0,
                       width=1.0, floor=1e-3):
    """Harmonic comb spectral templates, one unit-L1-norm column per MIDI pitch.

    Partial ``h`` (h = 1..n_partials, below Nyquist) of pitch ``p`` sits at
    ``h * f0(p)`` Hz with weight ``h ** -decay`` (default 1/h, a sawtooth-like
    spectral envelope); it is spread over the STFT bins within ``width`` bins of
    its exact position with a triangular lobe. Every entry gets ``floor`` times
    the column maximum added, so multiplicative updates can still move
    off-comb entries (set ``floor=0`` for strict combs, which MU keeps at zero).

    Parameters
    ----------
    sr : float
        Sample rate (Hz).
    n_fft : int
        FFT size; the templates have ``1 + n_fft // 2`` rows.
    midi_pitches : iterable of int
    n_partials : int
    decay : float
    width : float
        Half-width of the lobe in bins.
    floor : float

    Returns
    -------
    W : ndarray (1 + n_fft // 2, K)
    pitches : ndarray (K,) of int
    """
    pitches = np.asarray(list(midi_pitches), dtype=int)
    if pitches.size == 0 or sr <= 0 or n_fft <= 0:
        raise NmfabError("harmonic_templates needs sr > 0, n_fft > 0 and at least one MIDI pitch")
    bins = np.arange(1 + n_fft // 2)[:, None]
    W = np.zeros((bins.shape[0], pitches.size))
    for h in range(1, n_partials + 1):
        pos = h * midi_to_hz(pitches) * n_fft / sr          # exact bin of partial h
        lobe = np.maximum(0.0, 1.0 - np.abs(bins - pos) / width)
        W += (pos < n_fft / 2) * h ** -float(decay) * lobe
    W += floor * W.max(axis=0, keepdims=True)
    W /= np.maximum(W.sum(axis=0, keepdims=True), np.finfo(float).tiny)
    return W, pitches


def _harmonic_init(V, rank, seed=None, sr=None, n_fft=None, midi_pitches=range(21, 109), **kw):
    """Harmonic W (needs sr and n_fft) and random H scaled to the data."""
    if sr is None or n_fft is None:
        raise NmfabError("init='harmonic' needs init_params=dict(sr=..., n_fft=...)")
    W, pitches = harmonic_templates(sr, n_fft, midi_pitches, **kw)
    if W.shape[0] != V.shape[0]:
        raise NmfabError(f"init='harmonic': templates have {W.shape[0]} rows (1 + n_fft//2) "
                         f"but V has {V.shape[0]}; pass the n_fft used for V")
    if rank is not None and rank != W.shape[1]:
        raise NmfabError(f"init='harmonic' gives {W.shape[1]} columns (one per pitch), "
                         f"not rank={rank}; pass rank=None or matching midi_pitches")
    H = random_init(V, W.shape[1], seed)[1]
    return W.astype(V.dtype), H, {"pitches": pitches}


def initialize(V, rank, init="random", seed=None, **init_params):
    """Initial (W, H, info) for ``V`` (numpy, F x T) and ``rank``.

    Parameters
    ----------
    V : ndarray (F, T), nonnegative
    rank : int or None (None only for ``harmonic``)
    init : {"random", "nndsvd", "nndsvda", "nndsvdar", "harmonic", "custom"}
    seed : int or None
    **init_params
        ``harmonic``: sr, n_fft, midi_pitches, n_partials, decay, width, floor
        (see :func:`harmonic_templates`); ``custom``: W0, H0.

    Returns
    -------
    W : ndarray (F, K)
    H : ndarray (K, T)
    info : dict (``pitches`` for ``harmonic``)
    """
    check_choice("init", init, INITS)
    V = np.asarray(V)
    if init in ("random", "nndsvd", "nndsvda", "nndsvdar") and not V.any():
        raise NmfabError(f"V is all zeros (silent input?): init {init!r} cannot be computed "
                         "from it; check the data, or pass W0 and H0")
    if init == "random":
        return (*random_init(V, rank, seed), {})
    if init in ("nndsvd", "nndsvda", "nndsvdar"):
        return (*nndsvd_init(V, rank, init, seed), {})
    if init == "harmonic":
        return _harmonic_init(V, rank, seed, **init_params)
    if init_params.get("W0") is None or init_params.get("H0") is None:   # init == "custom"
        raise NmfabError("init='custom' needs both W0 and H0")
    return np.array(init_params["W0"], V.dtype), np.array(init_params["H0"], V.dtype), {}
