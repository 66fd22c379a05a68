"""synth_mix: deterministic synthetic mono mixtures with exact stems (no download).

Each track mixes four sources at equal RMS (mono keeps museval's BSS Eval v4,
whose cost grows with the cube of sources x channels, within the default
plan's time budget; the stereo path is exercised by the real datasets):
``vocals`` (a sung-like line: harmonic tones with vibrato and two formants),
``drums`` (a synth_drums groove on its own kit), ``bass`` (plucked harmonic
bass notes, MIDI 28-45) and ``other`` (a synth_piano score). Tracks
``synth_mix_00`` .. ``_02`` are the train split (``supervised`` learns on
them), ``_03`` .. ``_05`` the test split (evaluated). Everything derives from
``(seed, track index)``; generated tracks are kept in memory.
"""
from functools import lru_cache

import librosa
import numpy as np

from ..errors import DatasetError, check_choice
from . import synth_drums, synth_piano
from .base import register
from .stems import SOURCES, StemsDataset

SR = 22050
DURATION = 4.0
N_TRAIN, N_TEST = 3, 3
SEED = 0


def track_ids():
    """Every track: the train split first, then the test split."""
    return [f"synth_mix_{i:02d}" for i in range(N_TRAIN + N_TEST)]


def harmonic_line(rng, sr, n, pitches, note_s, partials, decay, vibrato=0.0, formants=()):
    """A monophonic line of harmonic notes.

    Parameters
    ----------
    pitches : (low, high) MIDI range of the notes.
    note_s : (shortest, longest) note length in seconds.
    partials : number of harmonics, amplitude ``1 / k``.
    decay : amplitude decay rate per second (0: sustained).
    vibrato : depth in semitones (5.5 Hz).
    formants : centre frequencies (Hz) of Gaussian spectral bumps (400 Hz wide).
    """
    y, start = np.zeros(n), int(0.05 * sr)
    while start < n - int(0.2 * sr):
        length = int(rng.uniform(*note_s) * sr)
        t = np.arange(min(length, n - start)) / sr
        f0 = librosa.midi_to_hz(rng.integers(*pitches)) * 2 ** (
            vibrato * np.sin(2 * np.pi * 5.5 * t) / 12)
        phase = 2 * np.pi * np.cumsum(f0) / sr
        envelope = np.minimum(1, t / 0.01) * np.minimum(1, (t[-1] - t) / 0.03) * np.exp(-decay * t)
        for k in range(1, partials + 1):
            weight = 1.0 / k + sum(np.exp(-((k * f0 - f) / 400.0) ** 2) for f in formants)
            y[start:start + len(t)] += envelope * weight * np.sin(k * phase) * (k * f0 < sr / 2)
        start += length + int(rng.uniform(0.0, 0.15) * sr)
    return y


def generate(index, seed=SEED, sr=SR, duration=DURATION):
    """``{source: (n, 1) float32}`` of track ``index`` (each source at RMS 0.05)."""
    rng = np.random.default_rng([int(seed), int(index), 7])
    n = int(duration * sr)
    kit = synth_drums.random_kit(rng)
    notes = synth_piano.score(index, duration=duration, seed=seed)
    mono = dict(
        vocals=harmonic_line(rng, sr, n, (57, 72), (0.25, 0.7), 12, 0.5, vibrato=0.3,
                             formants=rng.uniform([500, 1200], [800, 2200])),
        drums=synth_drums.mix_events(synth_drums.groove_events(rng, duration), kit, sr, n, rng),
        bass=harmonic_line(rng, sr, n, (28, 46), (0.15, 0.4), 8, 4.0),
        other=synth_piano.render(notes, duration, sr, seed=[int(seed), int(index), 1]))
    out = {}
    for source in SOURCES:
        y = mono[source] * 0.05 / max(np.sqrt(np.mean(mono[source] ** 2)), 1e-12)
        out[source] = y[:, None].astype(np.float32)
    return out


@lru_cache(maxsize=16)
def _cached(index):
    return generate(index)


@register
class SynthMix(StemsDataset):
    """The embedded separation dataset (see the module docstring)."""

    name = "synth_mix"
    embedded = True

    def tracks(self):
        """The test split."""
        return track_ids()[N_TRAIN:]

    def training_tracks(self, track):
        """The train split."""
        return track_ids()[:N_TRAIN]

    def load(self, track, sr=None, duration=None):
        check_choice("synth_mix track", track, track_ids(), DatasetError)
        references = dict(_cached(int(track.rsplit("_", 1)[-1])))
        if sr is not None and int(sr) != SR:
            references = {s: librosa.resample(y.T, orig_sr=SR, target_sr=int(sr)).T
                          for s, y in references.items()}
        rate = int(sr or SR)
        if duration:
            references = {s: y[:int(duration * rate)] for s, y in references.items()}
        return sum(references.values()).astype(np.float32), rate, references
