"""What the structure datasets share: the annotation they yield, cropping, cached renders.

A structure annotation is a dict:

* ``intervals``: array (n, 2) of segment start and end times (s), sorted;
* ``labels``: list of n segment labels (str);
* ``downbeats``: sorted bar start times (s), the last one ending the last bar,
  or None when the dataset does not annotate bars (``has_bars = False``).
"""
import json
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..errors import DatasetError
from .base import Dataset


def crop_structure(annotation, end):
    """Keep the segments and downbeats before ``end`` seconds (segments clipped to it).

    Examples
    --------
    >>> a = dict(intervals=np.array([[0.0, 4.0], [4.0, 9.0]]), labels=["A", "B"],
    ...          downbeats=np.array([0.0, 2.0, 4.0, 6.0, 8.0]))
    >>> c = crop_structure(a, 5.0)
    >>> c["intervals"].tolist(), c["labels"], c["downbeats"].tolist()
    ([[0.0, 4.0], [4.0, 5.0]], ['A', 'B'], [0.0, 2.0, 4.0])
    """
    intervals = np.asarray(annotation["intervals"], dtype=np.float64).reshape(-1, 2)
    keep = intervals[:, 0] < end
    cropped = intervals[keep].copy()
    cropped[:, 1] = np.minimum(cropped[:, 1], end)
    downbeats = annotation.get("downbeats")
    if downbeats is not None:
        downbeats = np.asarray(downbeats, dtype=np.float64)
        downbeats = downbeats[downbeats <= end + 1e-6]
    labels = [label for label, k in zip(annotation["labels"], keep) if k]
    return dict(intervals=cropped, labels=labels, downbeats=downbeats)


def read_jams_segments(path, namespace_prefix="segment"):
    """Segments of the first ``segment_*`` annotation of a JAMS file (plain JSON, no jams package).

    Returns
    -------
    dict
        ``intervals`` (n, 2), ``labels`` (list of str), ``downbeats`` None.

    Raises
    ------
    DatasetError
        When the file is missing, is not JSON or holds no segment annotation.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"annotation file not found: {path} (check the dataset folder)")
    try:
        jam = json.loads(path.read_text())
    except ValueError as error:
        raise DatasetError(f"cannot read JAMS file {path}: {error}") from error
    for annotation in jam.get("annotations", []):
        if str(annotation.get("namespace", "")).startswith(namespace_prefix):
            data = sorted(annotation["data"], key=lambda obs: obs["time"])
            intervals = np.array([[o["time"], o["time"] + o["duration"]] for o in data],
                                 dtype=np.float64).reshape(-1, 2)
            return dict(intervals=intervals, labels=[str(o["value"]) for o in data],
                        downbeats=None)
    raise DatasetError(f"{path} holds no {namespace_prefix}_* annotation")


def cached_arrays(path, make):
    """Arrays read from the ``.npz`` at ``path``, or ``make()`` (a dict of arrays) written there.

    ``path`` None computes without caching; the file is written atomically and read
    back without pickle.
    """
    if path is not None and Path(path).is_file():
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {key: npz[key] for key in npz.files}
        except (OSError, ValueError):      # a damaged file: make it again
            pass
    data = make()
    if path is not None:
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **data)
    return data


class StructureDataset(Dataset):
    """Base of the structure datasets: ``annotation(track)`` is a structure annotation.

    ``has_bars`` says whether annotations carry downbeats (the ``bars=annotated``
    setting needs them).
    """

    task = "structure"
    has_bars = False

    def load(self, track, sr=None, duration=None):
        """``(y, sr, annotation)`` with the segments and downbeats cropped to the audio loaded."""
        y, sr = self.audio(track, sr=sr, duration=duration)
        return y, sr, crop_structure(self.annotation(track), len(y) / float(sr))
