"""synth_structure: deterministic songs made of repeated sections, with exact boundaries and bars.

Each song follows a form (AABA, verse/chorus, ...) whose sections last 4 or 8
bars of 4/4 at a tempo drawn in [100, 130] BPM. Every section letter has its
own chord progression, pad timbre and register, melody and drum pattern
(possibly no drums), so a repeated letter sounds the same (up to small
velocity jitter) and a new letter sounds different. The audio ends with the
last bar, so the reference boundaries are the section starts and the end, and
the downbeats are exact. Generated from a seed (no download); cached as ``.npz``
in the cache folder.
"""
import numpy as np

from ..errors import DatasetError, check_choice
from .base import register
from .structure_annotations import StructureDataset, cached_arrays

SR = 22050
N_TRACKS = 6
SEED = 0
VERSION = "1"
FORMS = ("IABABCBO", "AABA", "ABABCB", "IAABAB", "ABCABC", "IABAB")
MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])


def track_ids(n_tracks=N_TRACKS):
    """``song00``, ``song01``, ..."""
    return [f"song{i:02d}" for i in range(n_tracks)]


def tone(f0, length, sr, harmonics, decay):
    """An additive tone: ``harmonics`` amplitudes at multiples of ``f0``, exponential decay."""
    t = np.arange(int(length * sr)) / sr
    k = np.arange(1, len(harmonics) + 1)[:, None]
    partials = np.asarray(harmonics)[:, None] * np.sin(2 * np.pi * f0 * k * t)
    partials[(k[:, 0] * f0 >= 0.45 * sr)] = 0.0
    gate = np.clip(t / 0.01, 0, 1) * np.clip((length - t) / 0.03, 0, 1)
    return partials.sum(0) * np.exp(-decay * t) * gate


def drum_sounds(rng, sr):
    """One kick, snare and hi-hat sample (0.25 s each) for a section."""
    n = int(0.25 * sr)
    t = np.arange(n) / sr
    f0 = rng.uniform(50, 90)
    kick = np.sin(2 * np.pi * np.cumsum(f0 + 100 * np.exp(-t / 0.02)) / sr) * np.exp(-t / 0.08)
    noise = rng.standard_normal(n)
    snare = (0.6 * noise + 0.4 * np.sin(2 * np.pi * rng.uniform(160, 240) * t)) * np.exp(-t / 0.06)
    hat = np.diff(noise, prepend=0.0) * 0.3 * np.exp(-t / rng.uniform(0.01, 0.05))
    return dict(kick=kick, snare=snare, hat=hat)


def section_style(rng, sr):
    """The sound of one section letter (dict): chords, timbre, melody, drums."""
    n_harm = int(rng.integers(2, 9))
    return dict(
        degrees=rng.choice(7, size=4), octave=int(rng.integers(-1, 2)),
        harmonics=rng.uniform(0.1, 1.0, n_harm) / np.arange(1, n_harm + 1) ** rng.uniform(0.5, 2),
        decay=rng.uniform(0.2, 3.0), melody=rng.integers(0, 7, size=(4, 8)),
        melody_harmonics=rng.uniform(0.1, 1.0, 4), drums=rng.random() < 0.75,
        kick=rng.random(16) < 0.3, snare=rng.random(16) < 0.25, hat=rng.random(16) < 0.7,
        drum_sounds=drum_sounds(rng, sr), level=rng.uniform(0.5, 1.0))


def song_plan(index, seed=SEED):
    """Form, tempo, key and section lengths of song ``index``: ``(form, tempo, key, lengths)``."""
    rng = np.random.default_rng([seed, index])
    form = FORMS[index % len(FORMS)]
    lengths = {letter: int(rng.choice([4, 8])) for letter in sorted(set(form))}
    return form, float(rng.uniform(100, 130)), int(rng.integers(48, 60)), lengths


def add(y, start, sound):
    """Mix ``sound`` into ``y`` from sample ``start`` (cut at the end of ``y``)."""
    end = min(len(y), start + len(sound))
    if end > start:
        y[start:end] += sound[:end - start]


def render_bar(y, start, bar, style, key, jitter, sr):
    """Mix one bar (of ``bar`` seconds, its position in the phrase ``jitter[0]``) into ``y``."""
    position, rng = jitter
    root = key + 12 * style["octave"] + MAJOR[style["degrees"][position % 4]]
    chord = [root, root + 4 - (style["degrees"][position % 4] in (1, 2, 5)), root + 7]
    level = style["level"] * rng.uniform(0.9, 1.0)
    for pitch in chord + [root - 12]:
        add(y, start, level * tone(440 * 2 ** ((pitch - 69) / 12), bar, sr, style["harmonics"],
                                   style["decay"]))
    eighth = bar / 8
    for step, degree in enumerate(style["melody"][position % 4]):
        pitch = key + 12 + MAJOR[degree]
        add(y, start + int(step * eighth * sr),
            0.6 * level * tone(440 * 2 ** ((pitch - 69) / 12), eighth, sr,
                               style["melody_harmonics"], 4.0))
    if style["drums"]:
        for step in range(16):
            for name in ("kick", "snare", "hat"):
                if style[name][step] or (name == "kick" and step == 0):
                    add(y, start + int(step * bar / 16 * sr), style["drum_sounds"][name])


def generate(index, seed=SEED, sr=SR):
    """Render song ``index``: dict with ``y``, ``downbeats``, ``starts`` (bars) and ``letters``."""
    form, tempo, key, lengths = song_plan(index, seed)
    rng = np.random.default_rng([seed, index, 1])
    styles = {letter: section_style(rng, sr) for letter in sorted(set(form))}
    bar = 4 * 60.0 / tempo
    n_bars = sum(lengths[letter] for letter in form)
    downbeats = np.arange(n_bars + 1) * bar
    y = np.zeros(int(round(downbeats[-1] * sr)))
    starts, first = [], 0
    for letter in form:
        starts.append(first)
        for position in range(lengths[letter]):
            render_bar(y, int(round(downbeats[first + position] * sr)), bar, styles[letter], key,
                       (position, rng), sr)
        first += lengths[letter]
    y = 0.9 * y / max(np.max(np.abs(y)), 1e-12)
    return dict(y=y.astype(np.float32), downbeats=downbeats, starts=np.array(starts + [n_bars]),
                letters=np.array(list(form)))


@register
class SynthStructure(StructureDataset):
    """The embedded synthetic structure dataset (:data:`N_TRACKS` songs, exact bars)."""

    name = "synth_structure"
    embedded = True
    has_bars = True

    def __init__(self, root=None, cache_dir=None, n_tracks=N_TRACKS, seed=SEED):
        super().__init__(None, cache_dir)
        self.n_tracks, self.seed = n_tracks, seed
        self._memory = {}

    def tracks(self):
        """``song00``, ``song01``, ..."""
        return track_ids(self.n_tracks)

    def _song(self, track):
        check_choice("synth_structure track", track, self.tracks(), DatasetError)
        if track not in self._memory:
            path = None if self.cache_dir is None else (
                self.cache_dir / "synth_structure" / f"v{VERSION}_seed{self.seed}_{track}.npz")
            self._memory[track] = cached_arrays(
                path, lambda: generate(int(track[len("song"):]), self.seed))
        return self._memory[track]

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)`` at ``sr`` (default 22050 Hz), the first ``duration`` seconds."""
        y = self._song(track)["y"]
        if sr is not None and int(sr) != SR:
            import librosa

            y = librosa.resample(y, orig_sr=SR, target_sr=int(sr))
        rate = SR if sr is None else int(sr)
        return (y if duration is None else y[:int(duration * rate)]), rate

    def annotation(self, track):
        """Sections (bar-exact times, labelled by letter) and the downbeats."""
        song = self._song(track)
        times = song["downbeats"][song["starts"]]
        return dict(intervals=np.column_stack([times[:-1], times[1:]]),
                    labels=[str(letter) for letter in song["letters"]],
                    downbeats=np.asarray(song["downbeats"]))
