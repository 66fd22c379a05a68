"""labelled_soundscapes: long field recordings with event labels, cut into fixed windows.

Layout under ``<data>/labelled_soundscapes/`` (sub-folders allowed)::

    <name>.wav|flac     a recording (any rate)
    <name>.txt          its events, ``start_s<TAB>end_s<TAB>label`` per line (an Audacity
                        label track; spectral-selection lines starting with ``\\`` are skipped,
                        so scikit-maad's and scaper's label files are read as they are)

Each recording is cut into non-overlapping windows of ``clip_seconds`` (the
last, shorter one dropped); a track is ``<name>@<start s>``, and its count is
the number of distinct labels overlapping the window by at least 0.1 s. No
isolated sources: separation is not scored on this dataset.
"""
from functools import lru_cache

from ..errors import DatasetError
from .audio import AUDIO_EXTENSIONS, load_audio
from .base import register
from .soundscape import SoundscapeDataset, annotation_of, labels_in_window, read_event_labels


@lru_cache(maxsize=8)
def _duration(path):
    """Length in seconds of an audio file (soundfile's header)."""
    import soundfile

    return soundfile.info(str(path)).duration


@register
class LabelledSoundscapes(SoundscapeDataset):
    """Labelled recordings under ``root``, windowed.

    Parameters
    ----------
    root : str or Path
        ``<data>/labelled_soundscapes``.
    cache_dir : ignored
    clip_seconds : float
        Window length (s).
    """

    name = "labelled_soundscapes"
    factors = ("clip_seconds",)

    def __init__(self, root=None, cache_dir=None, clip_seconds=2.0):
        super().__init__(root, cache_dir)
        self.clip_seconds = float(clip_seconds)
        if self.clip_seconds <= 0:
            raise DatasetError(f"clip_seconds must be > 0, got {clip_seconds}")

    def recordings(self):
        """``{name: audio path}`` of the recordings that have a label file (others warn)."""
        audio = sorted(p for p in self.root.rglob("*") if p.suffix in AUDIO_EXTENSIONS)
        names = {p.relative_to(self.root).with_suffix("").as_posix(): p for p in audio}
        kept = self.keep_annotated((n, p.with_suffix(".txt")) for n, p in names.items())
        if not kept:
            raise DatasetError(f"no recording with a .txt label file in {self.root}")
        return {name: names[name] for name in kept}

    def tracks(self):
        """``<name>@<start>`` for each full window of each recording."""
        out = []
        for name, path in self.recordings().items():
            n_windows = int(_duration(path) // self.clip_seconds)
            out += [f"{name}@{i * self.clip_seconds:g}" for i in range(n_windows)]
        return out

    def _split(self, track):
        name, _, start = track.rpartition("@")
        recordings = self.recordings()
        if name not in recordings:
            raise DatasetError(f"unknown track {track!r} of {self.name} (no {name}.wav/.flac)")
        return recordings[name], float(start)

    def audio(self, track, sr=None, duration=None):
        """Samples of the window (``duration`` shortens it)."""
        path, start = self._split(track)
        y, sr = load_audio(path, sr=sr, duration=start + self.clip_seconds)
        length = self.clip_seconds if duration is None else min(duration, self.clip_seconds)
        return y[int(start * sr):int((start + length) * sr)], sr

    def annotation(self, track):
        """Count and names of the labels active in the window."""
        path, start = self._split(track)
        events = read_event_labels(path.with_suffix(".txt"))
        return annotation_of(labels_in_window(events, start, start + self.clip_seconds))
