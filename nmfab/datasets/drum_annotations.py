"""Onset annotations shared by the drum datasets ("time label" text files)."""
from pathlib import Path

import numpy as np

from ..errors import DatasetError


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
        name = label if label_map is None else label_map(label)
        if name is not None:
            onsets.setdefault(name, []).append(time)
    return {name: np.sort(np.asarray(times)) for name, times in onsets.items()}


class AnnotatedDrums:
    """What the drum datasets share: onsets cropped to ``duration``, template recordings.

    Subclasses set ``duration`` and define ``audio(track, mix)`` and
    ``annotation_path(track)`` (plus ``label_map`` when labels need mapping).
    """

    label_map = None

    def onsets(self, track):
        """``{class: onset times}`` of ``track`` (only those before ``duration``)."""
        onsets = read_labelled_onsets(self.annotation_path(track), type(self).label_map)
        if self.duration is not None:
            onsets = {c: t[t < self.duration] for c, t in onsets.items()}
        return onsets

    def template_source(self, track):
        """The drums-only recording of ``track`` and its onsets (hits for templates)."""
        y, sr = self.audio(track, "drums")
        return y, sr, self.onsets(track)
