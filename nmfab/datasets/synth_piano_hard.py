"""synth_piano_hard: a less idealised embedded piano, to rank methods the way real pianos do.

Same protocol and exact note ground truth as :mod:`synth_piano`, with what
makes real recordings hard for NMF transcription (every choice deterministic
from ``(seed, track index)``):

* inharmonicity that grows towards both ends of the keyboard, with a per-note
  spread of +-20 % (its constants differ from the template model's
  :func:`nmfab.mir.templates.piano_inharmonicity`, so templates cannot match
  it exactly), and a stretched tuning (up to about +-15 cents at the ends);
* register-dependent timbre: a weak fundamental in the bass, fewer and darker
  partials in the treble, a hammer striking at 1/8 of the string (every 8th
  partial missing), brighter loud notes;
* a two-stage decay (fast prompt sound, slow aftersound) and a short hammer
  noise at each attack;
* dense chords (up to 6 voices, octaves included) and sustain-pedal spans:
  while the pedal is down, released notes keep sounding until it is lifted
  (the ground-truth offset stays the key release, as in MAPS and MAESTRO
  without pedal extension), and the strings a 12th, an octave and two octaves
  below each struck note resonate sympathetically;
* room reverberation (exponentially decaying noise, RT60 0.5-0.9 s).
"""
import numpy as np

from .base import register
from .synth_piano import DEFAULTS, SynthPiano, cached_track, track_ids

GENERATOR_VERSION = "hard-1"
PITCH_RANGE = (24, 100)
HAMMER_POSITION = 1 / 8
SYMPATHETIC = ((-12, 0.06), (-19, 0.04), (-24, 0.03))    # (interval, relative level)


def inharmonicity(pitch):
    """The synthetic piano's B: treble and bass asymptotes (not the template model's)."""
    return 1.5e-4 * 2.0 ** ((pitch - 52) / 10.0) + 2.5e-4 * 2.0 ** (-(pitch - 24) / 12.0)


def stretch_cents(pitch):
    """Stretched tuning (cents) relative to equal temperament, 0 at A4."""
    return 0.003 * np.sign(pitch - 69) * (pitch - 69) ** 2


def score(index, duration=DEFAULTS["duration"], seed=DEFAULTS["seed"]):
    """Notes (n, 4) onset, offset, pitch, velocity and the pedal spans (m, 2) of track ``index``."""
    rng = np.random.default_rng([int(seed), int(index), 7])
    style = index % 3
    notes, t = [], 0.1
    while t < duration - 0.6:
        n_voices = 1 if style == 0 else int(rng.integers(2, 7 if style == 1 else 4))
        low = int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] - 24))
        pool = np.arange(low, low + 25)
        pitches = sorted(int(p) for p in rng.choice(pool, size=n_voices, replace=False))
        if n_voices > 1 and rng.random() < 0.4 and pitches[0] + 12 not in pitches:
            pitches = sorted(set(pitches[1:] + [pitches[0], pitches[0] + 12]))   # an octave
        length = float(rng.uniform(0.12, 0.9))
        offset = min(t + length, duration - 0.05)
        spread = rng.uniform(0, 0.02, size=len(pitches))        # a chord is not simultaneous
        for pitch, delay in zip(pitches, spread):
            notes.append((t + delay, offset, pitch, float(rng.uniform(0.25, 1.0))))
        t = offset + float(rng.uniform(0.03, 0.35))
    notes = _no_overlap(np.array(notes, dtype=np.float64).reshape(-1, 4))
    pedal, start = [], float(rng.uniform(0.5, 2.0))
    while start < duration - 1.0:
        end = min(start + float(rng.uniform(1.0, 2.5)), duration)
        pedal.append((start, end))
        start = end + float(rng.uniform(0.5, 2.0))
    return notes, np.array(pedal, dtype=np.float64).reshape(-1, 2)


def _no_overlap(notes):
    """Shorten a note when the same pitch is struck again before its release (sorted by onset)."""
    notes = notes[np.argsort(notes[:, 0], kind="stable")]
    last = {}
    for i, (onset, _, pitch, _) in enumerate(notes):
        j = last.get(pitch)
        if j is not None and notes[j, 1] > onset - 0.01:
            notes[j, 1] = max(onset - 0.01, notes[j, 0] + 0.02)
        last[pitch] = i
    return notes


def _sounding_until(onset, release, pedal):
    """When a note released at ``release`` stops sounding: at the pedal lift if held then."""
    for start, end in pedal:
        if start <= release < end:
            return end
    return release


def render_note(pitch, velocity, length, sr, rng, level=1.0, n_partials=40):
    """Samples of one note sounding ``length`` s (release ramp after it), with a hammer noise."""
    import librosa

    f0 = librosa.midi_to_hz(pitch) * 2 ** (stretch_cents(pitch) / 1200)
    k = np.arange(1, n_partials + 1)
    B = inharmonicity(pitch) * rng.uniform(0.8, 1.2)
    freqs = k * f0 * np.sqrt(1 + B * k ** 2)
    keep = freqs < 0.45 * sr
    k, freqs = k[keep], freqs[keep]
    cutoff = 1200 + 3500 * velocity                             # brighter when louder
    amplitudes = velocity * k ** -0.8 * np.exp(-freqs / cutoff)
    amplitudes *= np.abs(np.sin(np.pi * k * HAMMER_POSITION)) + 0.02
    if pitch < 40:                                              # weak bass fundamental
        amplitudes[0] *= 0.15 + 0.85 * max(pitch - PITCH_RANGE[0], 0) / (40 - PITCH_RANGE[0])
    audible = amplitudes > 1e-3 * amplitudes.max()
    k, freqs, amplitudes = k[audible], freqs[audible], amplitudes[audible]
    fast = (1.5 + 0.06 * (pitch - 24)) * (1 + 0.15 * (k - 1))
    t = (np.arange(int((length + 0.1) * sr)) / sr).astype(np.float32)
    phases = rng.uniform(0, 2 * np.pi, size=len(freqs))
    envelope = (0.7 * np.exp(-fast[:, None] * t) + 0.3 * np.exp(-fast[:, None] / 6 * t))
    y = np.sum(amplitudes[:, None] * envelope * np.sin(2 * np.pi * freqs[:, None] * t
                                                       + phases[:, None]), axis=0)
    n_noise = int(0.012 * sr)
    y[:n_noise] += (0.2 * velocity * rng.standard_normal(n_noise)
                    * np.exp(-np.arange(n_noise) / (0.003 * sr)))
    gate = np.clip(t / 0.003, 0, 1) * np.clip((length + 0.1 - t) / 0.1, 0, 1)
    return level * y * gate


def reverb(y, sr, rng):
    """``y`` convolved with a decaying-noise room response (RT60 0.5-0.9 s), direct path kept."""
    from scipy import signal

    rt60 = float(rng.uniform(0.5, 0.9))
    t = np.arange(int(rt60 * sr)) / sr
    response = rng.standard_normal(t.size) * np.exp(-6.9 * t / rt60)
    response[:int(0.01 * sr)] = 0.0                             # 10 ms pre-delay
    response *= 0.5 / np.sqrt(np.sum(response ** 2))
    response[0] = 1.0
    return signal.fftconvolve(y, response)[:len(y)]


def generate(track, duration=DEFAULTS["duration"], sr=DEFAULTS["sr"], seed=DEFAULTS["seed"]):
    """``(y, sr, notes)`` of one track; notes columns are onset, offset, pitch, velocity."""
    index = int(str(track).rsplit("_", 1)[-1])
    notes, pedal = score(index, duration, seed)
    rng = np.random.default_rng([int(seed), index, 8])
    y = np.zeros(int(duration * sr) + int(3 * sr))
    for onset, release, pitch, velocity in notes:
        sounding = _sounding_until(onset, release, pedal)
        strings = [(pitch, 1.0)]
        if any(start <= onset < end for start, end in pedal):
            strings += [(pitch + step, level) for step, level in SYMPATHETIC
                        if pitch + step >= 21]
        for string, level in strings:
            note = render_note(string, velocity, sounding - onset, sr, rng, level,
                               n_partials=40 if level == 1.0 else 8)
            start = int(round(onset * sr))
            y[start:start + len(note)] += note[:len(y) - start]
    y = reverb(y, sr, rng)[:int(duration * sr)]
    return (0.9 * y / max(np.max(np.abs(y)), 1e-12)).astype(np.float32), int(sr), notes


@register
class SynthPianoHard(SynthPiano):
    """The harder embedded piano set (tracks ``synth_piano_hard_00`` ...)."""

    name = "synth_piano_hard"

    def tracks(self):
        """``synth_piano_hard_00``, ``synth_piano_hard_01``, ..."""
        return [t.replace("synth_piano", self.name) for t in track_ids()]

    def _check(self, track):
        from ..errors import DatasetError, check_choice

        return check_choice("synth_piano_hard track", track, self.tracks(), DatasetError)

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)``: the track rendered at ``sr`` (default 22050 Hz), cut to ``duration``."""
        y, sr, _ = load_track(self._check(track), self.cache_dir, sr=sr or DEFAULTS["sr"])
        return (y if duration is None else y[:int(duration * sr)]), sr

    def annotation(self, track):
        """Notes (n, 4) of ``track``: onset, offset (key release), MIDI pitch, velocity."""
        return score(int(self._check(track).rsplit("_", 1)[-1]))[0]


def load_track(track, cache_dir=None, duration=DEFAULTS["duration"], sr=DEFAULTS["sr"],
               seed=DEFAULTS["seed"]):
    """``(y, sr, notes)``, read from the HDF5 cache or generated and cached."""
    return cached_track(generate, track, f"{GENERATOR_VERSION}-{track}", cache_dir, duration, sr,
                        seed)
