"""What the drum datasets share: the "time label" onset files and the drum base class."""
from pathlib import Path

import numpy as np

from ..errors import DatasetError, check_choice
from .base import Dataset, crop_annotation


def read_labelled_onsets(path, label_map=None):
    """Read a "time label" annotation file as ``{class: sorted onset times}``.

    Parameters
    ----------
    path : str or Path
        One onset per line, whitespace-separated time (s) and label.
    label_map : callable or None
        Maps a raw label to a class name (or None to drop it); identity when None.

    Raises
    ------
    DatasetError
        When the file is missing or a line is not "time label".
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"annotation file not found: {path} (check the dataset folder)")
    onsets = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            time, label = float(fields[0]), fields[1]
        except (ValueError, IndexError):
            raise DatasetError(f"{path}:{number}: expected 'time label', got {line.strip()!r}")
        if not (np.isfinite(time) and time >= 0):
            raise DatasetError(f"{path}:{number}: onset time must be finite and >= 0, "
                               f"got {fields[0]}")
        name = label if label_map is None else label_map(label)
        if name is not None:
            onsets.setdefault(name, []).append(time)
    return {name: np.sort(np.asarray(times)) for name, times in onsets.items()}


class DrumDataset(Dataset):
    """Base of the drum datasets: a ``mix`` factor, templates from drum recordings, kits.

    Subclasses set ``mixes`` and implement :meth:`tracks_for`, :meth:`recording`
    and :meth:`annotation` (a class attribute ``label_map`` maps raw labels to
    classes for :meth:`read_onsets`).

    Parameters
    ----------
    root, cache_dir
        As for :class:`~nmfab.datasets.Dataset`.
    mix : str
        One of ``mixes``: ``"drums"`` (drums only), ``"full"`` (drums and accompaniment), ...
    """

    task = "drums"
    factors = ("mix",)
    mixes = ("drums", "full")
    label_map = None

    def __init__(self, root=None, cache_dir=None, mix="drums"):
        super().__init__(root, cache_dir)
        self.mix = check_choice("mix", mix, self.mixes, DatasetError)

    def tracks_for(self, mix):
        """Annotated tracks that have audio for ``mix``."""
        raise NotImplementedError

    def recording(self, track, mix, sr=None, duration=None):
        """``(y, sr)`` of ``track`` in ``mix``."""
        raise NotImplementedError

    def tracks(self):
        """Annotated tracks that have audio for the dataset's mix."""
        return self.tracks_for(self.mix)

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)`` of ``track`` in the dataset's mix."""
        return self.recording(track, self.mix, sr=sr, duration=duration)

    def read_onsets(self, path):
        """``{class: onset times}`` of a "time label" file, labels mapped by ``label_map``."""
        return read_labelled_onsets(path, type(self).label_map)

    def template_source(self, track):
        """The drums-only recording of ``track`` and its onsets: ``(y, sr, {class: times})``."""
        y, sr = self.recording(track, "drums")
        return y, sr, crop_annotation(self.annotation(track), len(y) / float(sr))

    def kit_tracks(self, track):
        """Tracks played on the same kit as ``track`` (template sources), ``track`` excluded."""
        return [t for t in self.tracks_for("drums") if t != track]
