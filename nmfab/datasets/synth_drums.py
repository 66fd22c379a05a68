"""synth_drums: deterministic synthetic drum grooves with exact onsets (no download).

Each track is a groove played on its own synthetic kit (kick: pitch-swept sine,
snare: tone + noise, closed and open hi-hat: high-passed noise), with tempo and
velocity variation, an optional harmonic accompaniment (the "minus-one"
situation) and a recording of isolated hits of the same kit, used to build
drum templates. Everything derives from the seed; the audio is cached as
``.npz`` files (read back with ``allow_pickle=False``) in the cache folder.
"""
import numpy as np
from scipy import signal

from ..atomic import atomic_path
from ..errors import DatasetError, check_choice
from .base import register
from .drum_annotations import DrumDataset

SR = 22050
N_TRACKS = 4
DURATION = 8.0
SEED = 0
VERSION = "1"
CLASSES = ("KD", "SD", "HH")
MIXES = ("drums", "full")
HIT_LABELS = {"kick": "KD", "snare": "SD", "chh": "HH", "ohh": "HH"}


def _envelope(n, sr, decay):
    """Exponential decay ``exp(-t / decay)`` over ``n`` samples."""
    return np.exp(-np.arange(n) / (sr * decay))


def _noise(rng, n, sr, low=None, high=None):
    """White noise, band-limited by a 4th-order Butterworth filter."""
    x = rng.standard_normal(n)
    if low is not None and high is not None:
        sos = signal.butter(4, [low, high], btype="bandpass", fs=sr, output="sos")
    elif low is not None:
        sos = signal.butter(4, low, btype="highpass", fs=sr, output="sos")
    else:
        return x
    return signal.sosfilt(sos, x)


def random_kit(rng):
    """Draw the parameters of one synthetic kit (dict of floats)."""
    return dict(kick_f0=rng.uniform(110, 160), kick_f1=rng.uniform(40, 60),
                kick_decay=rng.uniform(0.08, 0.15), snare_f0=rng.uniform(170, 240),
                snare_decay=rng.uniform(0.06, 0.12), snare_noise=rng.uniform(0.5, 0.8),
                hat_cutoff=rng.uniform(6000, 8000), chh_decay=rng.uniform(0.02, 0.04),
                ohh_decay=rng.uniform(0.18, 0.3))


def render_hit(kind, kit, sr, rng):
    """Samples of one hit of ``kind`` ("kick", "snare", "chh", "ohh") at unit velocity."""
    check_choice("hit kind", kind, HIT_LABELS)
    n = int(0.5 * sr)
    t = np.arange(n) / sr
    if kind == "kick":
        sweep = kit["kick_f1"] + (kit["kick_f0"] - kit["kick_f1"]) * np.exp(-t / 0.03)
        phase = 2 * np.pi * np.cumsum(sweep) / sr
        return np.sin(phase) * _envelope(n, sr, kit["kick_decay"])
    if kind == "snare":
        tone = np.sin(2 * np.pi * kit["snare_f0"] * t) * _envelope(n, sr, kit["snare_decay"] / 2)
        noise = _noise(rng, n, sr, 1000.0, 8000.0) * _envelope(n, sr, kit["snare_decay"])
        noise /= np.max(np.abs(noise)) + 1e-12
        return (1 - kit["snare_noise"]) * tone + kit["snare_noise"] * noise
    noise = _noise(rng, n, sr, low=kit["hat_cutoff"])   # chh or ohh
    noise /= np.max(np.abs(noise)) + 1e-12
    return 0.5 * noise * _envelope(n, sr, kit[f"{kind}_decay"])


def groove_events(rng, duration):
    """Onsets of a rock/funk groove: list of (time_s, kind, velocity).

    Tempo is drawn in [90, 130] BPM, the grid is 16th notes; kick on beats 1
    and 3 plus random syncopations, snare on 2 and 4 plus ghost notes, hi-hat
    on 8th notes with an open hi-hat on some off-beats.
    """
    tempo = rng.uniform(90, 130)
    step = 60.0 / tempo / 4
    events = []
    for i in range(int((duration - 0.6) / step)):
        pos, time = i % 16, 0.1 + i * step
        if pos in (0, 8) or (pos in (6, 10, 14) and rng.random() < 0.3):
            events.append((time, "kick", rng.uniform(0.7, 1.0)))
        if pos in (4, 12):
            events.append((time, "snare", rng.uniform(0.75, 1.0)))
        elif pos in (7, 15) and rng.random() < 0.15:
            events.append((time, "snare", rng.uniform(0.3, 0.45)))
        if pos % 2 == 0:
            kind = "ohh" if pos == 14 and rng.random() < 0.5 else "chh"
            events.append((time, kind, rng.uniform(0.5, 0.9)))
    return events


def mix_events(events, kit, sr, n_samples, rng):
    """Render a list of (time, kind, velocity) events into ``n_samples`` samples."""
    y = np.zeros(n_samples)
    for time, kind, velocity in events:
        hit = velocity * render_hit(kind, kit, sr, rng)
        start = int(round(time * sr))
        stop = min(n_samples, start + hit.size)
        y[start:stop] += hit[:stop - start]
    return y


def accompaniment(rng, sr, n_samples):
    """A harmonic accompaniment: bass and 3-note chords of 6-partial tones, 1 chord per second."""
    import librosa

    t = np.arange(n_samples) / sr
    y = np.zeros(n_samples)
    roots = rng.choice([40, 43, 45, 47, 48, 50], size=int(np.ceil(n_samples / sr)))
    for i, root in enumerate(roots):
        span = slice(i * sr, min(n_samples, (i + 1) * sr))
        local = t[span] - i
        env = np.minimum(1.0, local / 0.02) * np.exp(-local / 0.8)
        for midi in (root - 12, root + 12, root + 16, root + 19):
            f0 = librosa.midi_to_hz(midi)
            for p in range(1, 7):
                if p * f0 < sr / 2:
                    y[span] += env * np.sin(2 * np.pi * p * f0 * local) / p
    return y


def _rms(y):
    return float(np.sqrt(np.mean(np.square(y)))) + 1e-12


def events_to_onsets(events):
    """Map synth events to ``{class: sorted onset times}`` (chh and ohh are HH)."""
    onsets = {c: [] for c in CLASSES}
    for time, kind, _ in events:
        onsets[HIT_LABELS[kind]].append(time)
    return {c: np.sort(np.asarray(v, dtype=float)) for c, v in onsets.items()}


def isolated_hit_events(rng):
    """Isolated hits of each kind, 0.6 s apart, at three velocities."""
    kinds = ["kick"] * 3 + ["snare"] * 3 + ["chh"] * 2 + ["ohh"]
    return [(0.1 + 0.6 * i, kind, v) for i, (kind, v) in
            enumerate(zip(kinds, [1.0, 0.8, 0.6] * 3))]


def generate_track(index, seed=SEED, sr=SR, duration=DURATION):
    """Generate track ``index``: drums, accompaniment, events and isolated hits.

    Returns
    -------
    dict
        ``drums``, ``accompaniment`` (unit RMS relative to drums), ``hits``
        (isolated-hit recording), float arrays; ``onset_times``/``onset_kinds``
        (drum events) and ``hit_times``/``hit_kinds`` (isolated hits).
    """
    rng = np.random.default_rng([seed, index])
    kit = random_kit(rng)
    n = int(duration * sr)
    events = groove_events(rng, duration)
    drums = mix_events(events, kit, sr, n, rng)
    accomp = accompaniment(rng, sr, n)
    accomp *= _rms(drums) / _rms(accomp)
    hit_events = isolated_hit_events(rng)
    hits = mix_events(hit_events, kit, sr, int((hit_events[-1][0] + 0.6) * sr), rng)
    return dict(drums=drums, accompaniment=accomp, hits=hits,
                onset_times=np.array([e[0] for e in events]),
                onset_kinds=np.array([e[1] for e in events]),
                hit_times=np.array([e[0] for e in hit_events]),
                hit_kinds=np.array([e[1] for e in hit_events]))


def _onsets_from_arrays(times, kinds):
    return events_to_onsets(list(zip(times, kinds, np.ones(len(times)))))


@register
class SynthDrums(DrumDataset):
    """The embedded synthetic drum dataset.

    Parameters
    ----------
    root : ignored (embedded)
    cache_dir : str or Path or None
        Where generated tracks are stored (``synth_drums/`` below it); None keeps
        them in memory only.
    mix : {"drums", "full"}
        ``full`` adds the harmonic accompaniment.
    accomp_db : float
        Level of the accompaniment relative to the drums (``mix="full"``).
    n_tracks, seed, sr, duration
        Generation parameters (part of the cache file name).
    """

    name = "synth_drums"
    embedded = True
    factors = ("mix", "accomp_db")
    mixes = MIXES

    def __init__(self, root=None, cache_dir=None, mix="drums", accomp_db=-6.0,
                 n_tracks=N_TRACKS, seed=SEED, sr=SR, duration=DURATION):
        super().__init__(None, cache_dir, mix=mix)
        self.accomp_db = float(accomp_db)
        self.n_tracks, self.seed, self.sr, self.duration = n_tracks, seed, sr, duration
        self._memory = {}

    def tracks_for(self, mix):
        """Track names: ``groove00``, ``groove01``, ... (every mix exists)."""
        return [f"groove{i:02d}" for i in range(self.n_tracks)]

    def _data(self, track):
        check_choice("synth_drums track", track, self.tracks_for("drums"), DatasetError)
        if track in self._memory:
            return self._memory[track]
        path = None
        if self.cache_dir is not None:
            name = f"v{VERSION}_seed{self.seed}_sr{self.sr}_dur{self.duration:g}_{track}.npz"
            path = self.cache_dir / "synth_drums" / name
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as npz:
                data = {key: npz[key] for key in npz.files}
        else:
            data = generate_track(int(track[len("groove"):]), self.seed, self.sr, self.duration)
            if path is not None:
                with atomic_path(path) as tmp, open(tmp, "wb") as handle:
                    np.savez(handle, **data)
        self._memory[track] = data
        return data

    def _at(self, y, sr, duration):
        """``y`` (at the generator's rate) resampled to ``sr`` and cut to ``duration`` s."""
        if sr is not None and int(sr) != self.sr:
            import librosa

            y = librosa.resample(y, orig_sr=self.sr, target_sr=int(sr))
        rate = self.sr if sr is None else int(sr)
        return (y if duration is None else y[:int(duration * rate)]), rate

    def recording(self, track, mix, sr=None, duration=None):
        """Samples and rate: the drums, plus the accompaniment at ``accomp_db`` when mix="full"."""
        check_choice("mix", mix, MIXES, DatasetError)
        data = self._data(track)
        y = data["drums"].copy()
        if mix == "full":
            y += 10 ** (self.accomp_db / 20) * data["accompaniment"]
        return self._at((y / (np.max(np.abs(y)) + 1e-12)).astype(np.float32), sr, duration)

    def annotation(self, track):
        """``{class: onset times}`` of the groove (exact)."""
        data = self._data(track)
        return _onsets_from_arrays(data["onset_times"], data["onset_kinds"])

    def template_source(self, track):
        """The isolated-hit recording of ``track``'s kit: (y, sr, {class: onset times})."""
        data = self._data(track)
        return (data["hits"].astype(np.float32), self.sr,
                _onsets_from_arrays(data["hit_times"], data["hit_kinds"]))
