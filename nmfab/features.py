"""Time-frequency features through librosa, with every parameter recorded.

Frame ``t`` of a centred STFT (librosa's default, ``center=True``) is centred
on sample ``t * hop_length``, so its time is exactly ``t * hop_length / sr``;
no ``n_fft / 2`` shift is added (one of the older benchmark's defects).
"""
import numpy as np

FEATURES = ("stft", "cqt")


def frame_times(n_frames, sr, hop_length):
    """Time in seconds of each frame centre: ``t * hop_length / sr``."""
    return np.arange(n_frames) * (hop_length / float(sr))


def stft_magnitude(y, sr, n_fft=2048, hop_length=512, window="hann", power=1.0):
    """Magnitude (``power=1``) or power (``power=2``) STFT of a mono signal.

    Returns
    -------
    V : np.ndarray, shape (1 + n_fft // 2, n_frames)
        Nonnegative float64 spectrogram.
    params : dict
        Every parameter needed to reproduce ``V`` and to place its bins and frames.
    """
    import librosa

    S = np.abs(librosa.stft(np.asarray(y, dtype=np.float32), n_fft=n_fft,
                            hop_length=hop_length, window=window, center=True))
    V = S.astype(np.float64) ** power
    params = dict(feature="stft", sr=int(sr), n_fft=int(n_fft), hop_length=int(hop_length),
                  window=str(window), power=float(power), center=True)
    return V, params


def cqt_magnitude(y, sr, hop_length=512, fmin_midi=21, n_bins=88 * 3, bins_per_octave=36):
    """Magnitude constant-Q transform starting at MIDI pitch ``fmin_midi``.

    ``hop_length`` must be a multiple of ``2 ** (n_octaves - 1)`` as librosa requires.
    """
    import librosa

    fmin = librosa.midi_to_hz(fmin_midi)
    C = np.abs(librosa.cqt(np.asarray(y, dtype=np.float32), sr=sr, hop_length=hop_length,
                           fmin=fmin, n_bins=n_bins, bins_per_octave=bins_per_octave))
    params = dict(feature="cqt", sr=int(sr), hop_length=int(hop_length), fmin_midi=int(fmin_midi),
                  n_bins=int(n_bins), bins_per_octave=int(bins_per_octave), center=True)
    return C.astype(np.float64), params


def bin_frequencies(params):
    """Centre frequency in Hz of each row of a feature computed with ``params``."""
    import librosa

    if params["feature"] == "stft":
        return librosa.fft_frequencies(sr=params["sr"], n_fft=params["n_fft"])
    fmin = librosa.midi_to_hz(params["fmin_midi"])
    return librosa.cqt_frequencies(params["n_bins"], fmin=fmin,
                                   bins_per_octave=params["bins_per_octave"])


def compute_feature(y, sr, feature="stft", **kwargs):
    """Dispatch on the ``feature`` name: ``"stft"`` or ``"cqt"``."""
    from .errors import check_choice

    check_choice("feature", feature, FEATURES)
    return stft_magnitude(y, sr, **kwargs) if feature == "stft" else cqt_magnitude(y, sr, **kwargs)
