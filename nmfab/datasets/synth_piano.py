"""Embedded synthetic piano dataset: exact note ground truth, no download.

Each track is generated deterministically from ``(seed, track index)``: melodies,
chords (polyphony 1-4) and repeated notes over MIDI 36..96. Every note is a sum
of slightly inharmonic partials ``f_k = k f0 sqrt(1 + B k^2)`` whose amplitudes
depend on the velocity (louder notes are brighter) and whose decay grows with
the partial index. The ground-truth offset is the key release; a short release
ramp follows it.

Generated tracks are cached as HDF5 (PyTables, never pickle) under
``<cache_dir>/synth_piano/`` so that later runs only read them.
"""
import hashlib
from pathlib import Path

import numpy as np

from ..errors import DatasetError, check_choice
from .base import Dataset, register

GENERATOR_VERSION = "2"            # 2: checksummed cache files (h5py)
DEFAULTS = dict(n_tracks=6, duration=10.0, sr=22050, seed=0)
PITCH_RANGE = (36, 96)
ATTACK_S = 0.005
RELEASE_S = 0.06


def track_ids(n_tracks=DEFAULTS["n_tracks"]):
    """Identifiers of the generated tracks: ``synth_piano_00``, ``synth_piano_01``, ..."""
    return [f"synth_piano_{index:02d}" for index in range(int(n_tracks))]


def check_track(track):
    """Return ``track`` if it is a synth_piano track, else raise one line listing them."""
    return check_choice("synth_piano track", track, track_ids(), DatasetError)


def track_index(track):
    """The integer index of a track identifier returned by :func:`track_ids`."""
    return int(str(track).rsplit("_", 1)[-1])


def _random_pitches(rng, n_voices, previous=None):
    """``n_voices`` distinct pitches, a chord spread over at most two octaves."""
    low = int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] - 23))
    if previous is not None and n_voices == 1:
        step = int(rng.integers(-5, 6))
        return [int(np.clip(previous + step, PITCH_RANGE[0], PITCH_RANGE[1]))]
    candidates = np.arange(low, min(low + 24, PITCH_RANGE[1]) + 1)
    return sorted(int(p) for p in rng.choice(candidates, size=n_voices, replace=False))


def _voices(rng, style):
    """Polyphony of the next event: 1 (melody), 2-4 (chords) or 1-3 (mixture)."""
    if style == 0:
        return 1
    return int(rng.integers(2, 5)) if style == 1 else int(rng.integers(1, 4))


def score(index, duration=DEFAULTS["duration"], seed=DEFAULTS["seed"]):
    """The notes of track ``index``: array (n_notes, 4) of onset s, offset s, MIDI pitch, velocity.

    The style alternates with the index: melody (polyphony 1), chords (2-4
    voices), and a mixture with repeated notes. Notes of the same pitch never
    overlap.
    """
    rng = np.random.default_rng([int(seed), int(index)])
    style = index % 3
    notes, t, previous = [], 0.1, None
    while t < duration - 0.5:
        n_voices = _voices(rng, style)
        length = float(rng.uniform(0.15, 0.8))
        pitches = _random_pitches(rng, n_voices, previous if style == 0 else None)
        repeats = int(rng.integers(2, 4)) if style == 2 and rng.random() < 0.3 else 1
        for _ in range(repeats):
            offset = min(t + length, duration - 0.05)
            for pitch in pitches:
                notes.append((t, offset, pitch, float(rng.uniform(0.3, 1.0))))
            t = offset + float(rng.uniform(0.05, 0.3))
        previous = pitches[-1]
    return np.array(notes, dtype=np.float64).reshape(-1, 4)


def render_note(pitch, velocity, length, sr, rng):
    """Samples of one note held ``length`` seconds, followed by a release ramp."""
    import librosa

    f0 = librosa.midi_to_hz(pitch)
    inharmonicity = 1e-4 * 2.0 ** ((pitch - 60) / 24.0)
    n_partials = np.arange(1, 31)
    freqs = n_partials * f0 * np.sqrt(1.0 + inharmonicity * n_partials ** 2)
    keep = freqs < 0.45 * sr
    freqs, n_partials = freqs[keep], n_partials[keep]
    amplitudes = n_partials ** -(1.6 - 0.8 * velocity) * velocity
    decays = (0.6 + 0.015 * (pitch - 36)) * (1.0 + 0.25 * (n_partials - 1))
    t = np.arange(int((length + RELEASE_S) * sr)) / sr
    phases = rng.uniform(0, 2 * np.pi, size=len(freqs))
    partials = np.sin(2 * np.pi * freqs[:, None] * t + phases[:, None])
    envelope = np.exp(-decays[:, None] * t) * amplitudes[:, None]
    y = np.sum(partials * envelope, axis=0)
    gate = np.clip(t / ATTACK_S, 0, 1) * np.clip((length + RELEASE_S - t) / RELEASE_S, 0, 1)
    return y * gate


def render(notes, duration, sr, seed=0):
    """Mix the notes of a score into a float32 signal of ``duration`` seconds, peak 0.9."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int(duration * sr) + int(RELEASE_S * sr) + 1)
    for onset, offset, pitch, velocity in notes:
        note = render_note(pitch, velocity, offset - onset, sr, rng)
        start = int(round(onset * sr))
        y[start:start + len(note)] += note[:len(y) - start]
    y = y[:int(duration * sr)]
    return (0.9 * y / max(np.max(np.abs(y)), 1e-12)).astype(np.float32)


def generate(track, duration=DEFAULTS["duration"], sr=DEFAULTS["sr"], seed=DEFAULTS["seed"]):
    """Generate one track: ``(y, sr, notes)``; notes columns are onset, offset, pitch, velocity."""
    index = track_index(track)
    notes = score(index, duration=duration, seed=seed)
    return render(notes, duration, sr, seed=[int(seed), index, 1]), int(sr), notes


def _cache_path(cache_dir, track, duration, sr, seed):
    """HDF5 file holding a generated track, named by the generator parameters."""
    text = f"{GENERATOR_VERSION}|{track}|{duration}|{sr}|{seed}"
    key = hashlib.sha1(text.encode()).hexdigest()[:12]
    return Path(cache_dir) / "synth_piano" / f"{track}-{key}.h5"


def _write_h5(path, y, notes, sr):
    """Write audio and notes to ``path`` (checksummed, atomic: :mod:`nmfab.experiment.store`)."""
    from ..experiment import store

    store.write_atomic(path, dict(audio=np.asarray(y), notes=np.asarray(notes), sr=int(sr)))


def _read_h5(path):
    """Read ``(y, sr, notes)`` back, or None when the file is missing or damaged."""
    from ..experiment import store

    try:
        data = store.read(path)
        return data["audio"], int(data["sr"]), data["notes"]
    except Exception:  # missing, half-written or damaged file: regenerate
        return None


def load_track(track, cache_dir=None, duration=DEFAULTS["duration"], sr=DEFAULTS["sr"],
               seed=DEFAULTS["seed"]):
    """``(y, sr, notes)`` of a track, read from the cache or generated and cached.

    Parameters
    ----------
    track : str
        An identifier from :func:`track_ids`.
    cache_dir : str or Path or None
        Cache folder; None generates without caching.
    duration, sr, seed
        Generator parameters (part of the cache key).
    """
    return cached_track(generate, track, track, cache_dir, duration, sr, seed)


def cached_track(make, track, key, cache_dir, duration, sr, seed):
    """``make(track, duration, sr, seed)``, read from or written to the HDF5 cache under ``key``.

    Shared by the embedded synthetic pianos (``key`` names the generator's version).
    """
    if cache_dir is None:
        return make(track, duration, sr, seed)
    path = _cache_path(cache_dir, key, duration, sr, seed)
    cached = _read_h5(path) if path.is_file() else None
    if cached is not None:
        return cached
    y, sr, notes = make(track, duration, sr, seed)
    _write_h5(path, y, notes, sr)
    return y, sr, notes


@register
class SynthPiano(Dataset):
    """The embedded synthetic piano dataset (tracks of ``DEFAULTS["duration"]`` seconds).

    Parameters
    ----------
    root : ignored (embedded)
    cache_dir : str or Path or None
        Generated tracks are cached as HDF5 below it; None generates without caching.
    """

    name = "synth_piano"
    task = "transcription"
    embedded = True

    def tracks(self):
        """``synth_piano_00``, ``synth_piano_01``, ..."""
        return track_ids()

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)``: the track rendered at ``sr`` (default 22050 Hz), cut to ``duration``."""
        check_track(track)
        y, sr, _ = load_track(track, self.cache_dir, sr=sr or DEFAULTS["sr"])
        return (y if duration is None else y[:int(duration * sr)]), sr

    def annotation(self, track):
        """Notes (n, 4) of ``track``: onset, offset, MIDI pitch, velocity (exact)."""
        return score(track_index(check_track(track)))
