"""synth_soundscape: deterministic synthetic soundscapes with exact sources (no download).

Each clip (3 s at 22,050 Hz) mixes 0 to 5 synthetic animal-like callers over a
background of low-passed ("pink-ish") noise. A caller repeats one call type at
its own rate in its own frequency band: periodic up-chirps, amplitude-modulated
trills, frequency-modulated whistles, band-limited broadband pulses or harmonic
notes. Within a clip callers have distinct bands and distinct rates, so the
number of sources is well defined; four clips hold each count 0..5, in a seeded
order (:data:`COUNTS`, so that no count follows the clip index). The
annotation gives the count, the call types and every isolated source.
"""
import numpy as np
from scipy import signal

from .base import register
from .soundscape import SoundscapeDataset, annotation_of

SR = 22050
DURATION = 3.0
N_TRACKS = 24
MAX_SOURCES = 5
SEED = 7
CALLS = ("chirp", "trill", "whistle", "pulse", "harmonic")
BANDS_HZ = (1400.0, 2300.0, 3400.0, 4800.0, 6500.0, 8500.0)
RATES_HZ = (1.3, 2.2, 3.1, 4.4, 6.0)
COUNTS = np.random.default_rng(SEED).permutation(np.repeat(np.arange(MAX_SOURCES + 1), 4))
CALL_SECONDS = {"chirp": 0.08, "trill": 0.35, "whistle": 0.25, "pulse": 0.03, "harmonic": 0.15}


def _call(kind, f0, sr, rng):
    """Samples of one call of ``kind`` centred on ``f0`` Hz, with a Hann envelope."""
    n = int(CALL_SECONDS[kind] * sr)
    t = np.arange(n) / sr
    if kind == "chirp":
        x = signal.chirp(t, f0 * 0.8, t[-1], f0 * 1.25)
    elif kind == "trill":
        x = np.sin(2 * np.pi * f0 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 35.0 * t))
    elif kind == "whistle":
        x = np.sin(2 * np.pi * f0 * t + (0.08 * f0 / 8.0) * np.sin(2 * np.pi * 8.0 * t))
    elif kind == "pulse":
        sos = signal.butter(4, [f0 * 0.7, min(f0 * 1.4, 0.45 * sr)], "bandpass", fs=sr,
                            output="sos")
        x = signal.sosfilt(sos, rng.standard_normal(n))
        x /= np.max(np.abs(x)) + 1e-12
    else:
        x = sum(np.sin(2 * np.pi * f0 * 0.5 * h * t) / h for h in (1, 2, 3))
    return x * np.hanning(n)


def caller(kind, f0, rate, sr, n_samples, rng):
    """A caller repeating ``kind`` calls at ``rate`` per second (small jitter) over the clip."""
    out = np.zeros(n_samples)
    period = 1.0 / rate
    start = rng.uniform(0, period)
    while start < n_samples / sr:
        call = _call(kind, f0, sr, rng) * rng.uniform(0.7, 1.0)
        i = int(start * sr)
        out[i:i + len(call)] += call[:n_samples - i]
        start += period * rng.uniform(0.95, 1.05)
    return out


def render_clip(index, sr=SR, duration=DURATION, seed=SEED):
    """Mixture, isolated sources and call types of clip ``index`` (deterministic).

    Returns
    -------
    y : np.ndarray, shape (n,)
        The mixture (float32), sources plus background.
    sources : np.ndarray, shape (n_sources, n)
    kinds : list of str
    """
    rng = np.random.default_rng([seed, index])
    n = int(duration * sr)
    n_sources = int(COUNTS[index % len(COUNTS)])
    kinds = list(rng.choice(CALLS, n_sources, replace=False))
    bands = rng.choice(BANDS_HZ, n_sources, replace=False)
    rates = rng.choice(RATES_HZ, n_sources, replace=False)
    sources = np.array([caller(k, f0 * rng.uniform(0.95, 1.05), r, sr, n, rng)
                        * rng.uniform(0.05, 0.15) for k, f0, r in zip(kinds, bands, rates)])
    sources = sources.reshape(n_sources, n)
    sos = signal.butter(1, 600.0, "lowpass", fs=sr, output="sos")
    background = signal.sosfilt(sos, rng.standard_normal(n)) + 0.1 * rng.standard_normal(n)
    background *= rng.uniform(0.005, 0.015) / np.std(background)
    y = (sources.sum(axis=0) + background).astype(np.float32)
    return y, sources.astype(np.float32), [str(k) for k in kinds]


@register
class SynthSoundscape(SoundscapeDataset):
    """The embedded synthetic soundscapes (``clip00`` .. ``clip23``)."""

    name = "synth_soundscape"
    embedded = True

    def tracks(self):
        """``clip00`` ... ``clip23``."""
        return [f"clip{i:02d}" for i in range(N_TRACKS)]

    def load(self, track, sr=None, duration=None):
        """``(y, sr, annotation)`` with the isolated sources, resampled with the mixture."""
        import librosa

        y, sources, kinds = render_clip(int(track[4:]))
        if sr is not None and int(sr) != SR:
            y = librosa.resample(y, orig_sr=SR, target_sr=int(sr))
            sources = librosa.resample(sources, orig_sr=SR, target_sr=int(sr), axis=-1)
        sr = SR if sr is None else int(sr)
        if duration is not None:
            y, sources = y[:int(duration * sr)], sources[:, :int(duration * sr)]
        return y, sr, annotation_of(kinds, sources)
