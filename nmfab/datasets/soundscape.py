"""Shared pieces of the ecoacoustics datasets (task ``"ecoacoustics"``).

The annotation of an ecoacoustics clip is a dict:

* ``count`` (int): how many distinct sound sources (species, sound types) are active;
* ``labels`` (str): their names, comma-separated (may be empty);
* ``sources`` (optional, array (n, n_samples)): the isolated sources, at the
  rate of the audio returned, when they are known (synthetic mixtures).
"""
import numpy as np

from ..errors import DatasetError
from .base import Dataset


class SoundscapeDataset(Dataset):
    """Base class of the ecoacoustics datasets: ``load`` returns ``(y, sr, annotation dict)``."""

    task = "ecoacoustics"

    def load(self, track, sr=None, duration=None):
        """``(y, sr, annotation)``; the count covers the whole clip (``duration`` is not applied
        to it, so clips are loaded whole by the task)."""
        y, sr = self.audio(track, sr=sr, duration=duration)
        return y, sr, self.annotation(track)


def annotation_of(labels, sources=None):
    """The annotation dict of a clip whose active sources are ``labels``.

    Examples
    --------
    >>> annotation_of(["SP", "CRER", "SP"])
    {'count': 2, 'labels': 'CRER,SP'}
    """
    names = sorted(set(labels))
    out = dict(count=len(names), labels=",".join(names))
    if sources is not None:
        out["sources"] = np.asarray(sources, dtype=np.float32)
    return out


def read_event_labels(path):
    """Events ``[(start_s, end_s, label)]`` of an Audacity label file (or scaper's ``.txt``).

    Lines starting with a backslash (Audacity's spectral selection) are skipped.

    Raises
    ------
    DatasetError
        One line naming the file and the line that is not ``start<TAB>end<TAB>label``.
    """
    events = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip() or line.startswith("\\"):
                continue
            parts = line.rstrip("\n").split("\t")
            try:
                events.append((float(parts[0]), float(parts[1]), parts[2].strip()))
            except (IndexError, ValueError):
                raise DatasetError(f"{path}:{number}: expected 'start<TAB>end<TAB>label', "
                                   f"got {line.strip()!r}") from None
    return events


def labels_in_window(events, start, end, min_overlap=0.1):
    """Labels of the events overlapping ``[start, end)`` by at least ``min_overlap`` seconds.

    Examples
    --------
    >>> labels_in_window([(0.0, 1.0, "a"), (1.95, 3.0, "b")], 0.0, 2.0)
    ['a']
    """
    return [label for t0, t1, label in events if min(t1, end) - max(t0, start) >= min_overlap]
