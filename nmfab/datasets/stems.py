"""The protocol shared by the source separation datasets (task ``"separation"``).

``load(track, sr=None, duration=None)`` returns ``(mixture, sr, references)``:
the mixture ``(n_samples, n_channels)`` float32 and ``{source: (n_samples,
n_channels)}`` for the sources of :data:`SOURCES` present in the track (a
source with no stem, or silent over the audio loaded, is left out: its scores
are NaN, never a zero reference under another label). ``training_tracks(track)``
lists the tracks a supervised method may learn from (never ``track``).

A subclass on disk implements ``tracks``, ``training_tracks`` and
``stem_files(track) -> (mixture path or None, {source: [paths]})``; the paths
of a source are summed, and a missing mixture path means the mixture is the
sum of the references.
"""
import numpy as np

from ..errors import DatasetError
from .audio import load_audio
from .base import Dataset

SOURCES = ("vocals", "drums", "bass", "other")


def to_channels(y, n_channels):
    """``(n,)`` or ``(n, c)`` samples as ``(n, n_channels)`` (a mono signal is repeated)."""
    y = np.asarray(y, dtype=np.float32)
    y = y[:, None] if y.ndim == 1 else y
    return np.repeat(y, n_channels, axis=1) if y.shape[1] != n_channels else y


def stack_sources(signals):
    """Bring signals ``(n_i, c_i)`` to one length (zero-padded) and channel count."""
    signals = [to_channels(y, 1) if np.ndim(y) == 1 else y for y in signals]
    n = max(len(y) for y in signals)
    channels = max(y.shape[1] for y in signals)
    return [np.pad(to_channels(y, channels), ((0, n - len(y)), (0, 0))) for y in signals]


class StemsDataset(Dataset):
    """Base class of the separation datasets (see the module docstring)."""

    task = "separation"

    def training_tracks(self, track):
        """Tracks a supervised method may learn from for ``track`` (never ``track`` itself)."""
        raise NotImplementedError

    def stem_files(self, track):
        """``(mixture path or None, {source: [paths]})``."""
        raise NotImplementedError

    def _read(self, path, sr, duration):
        y, sr_out = load_audio(path, sr=sr, mono=False, duration=duration)
        return (y.T if y.ndim == 2 else y), sr_out

    def load(self, track, sr=None, duration=None):
        """``(mixture, sr, references)`` of ``track`` (the first ``duration`` seconds)."""
        mixture_path, files = self.stem_files(track)
        names, signals, rate = [], [], sr
        for source, paths in files.items():
            for path in paths:
                y, rate = self._read(path, rate, duration)
                names.append(source)
                signals.append(y)
        if mixture_path is not None:
            y, rate = self._read(mixture_path, rate, duration)
            signals.append(y)
        if not signals:
            raise DatasetError(f"{self.name}: track {track} has no stem files")
        signals = stack_sources(signals)
        references = {}
        for source, y in zip(names, signals):
            references[source] = references.get(source, 0) + y
        references = {s: references[s] for s in SOURCES if s in references and np.any(references[s])}
        if not references:
            raise DatasetError(f"{self.name}: every stem of track {track} is silent")
        mixture = signals[-1] if mixture_path is not None else sum(references.values())
        return mixture.astype(np.float32), int(rate), references

    def audio(self, track, sr=None, duration=None):
        """The mono mixture (the Dataset protocol's ``audio``)."""
        mixture, sr, _ = self.load(track, sr=sr, duration=duration)
        return mixture.mean(axis=1), sr

    def annotation(self, track):
        """The references are audio: use :meth:`load`."""
        raise DatasetError(f"{self.name}: separation references are audio; use load()")
