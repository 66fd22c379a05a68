"""What the structure datasets share: the annotation they yield, cropping, cached renders.

A structure annotation is a dict:

* ``intervals``: array (n, 2) of segment start and end times (s), sorted;
* ``labels``: list of n segment labels (str);
* ``downbeats``: sorted bar start times (s), the last one ending the last bar,
  or None when the dataset does not annotate bars (``has_bars = False``).

:class:`MirdataStructure` is the base of the loaders read through mirdata
(``salami``, ``rwc_popular``, ``beatles``): mirdata's data_home is
``<data>/<name>/`` and its index must be there already (nmfab never downloads).
"""
import json
import logging
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..errors import DatasetError
from .audio import load_audio, require_dir
from .base import Dataset

log = logging.getLogger(__name__)


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


def mirdata_home(name, root, layout):
    """mirdata's dataset ``name`` on data_home ``root``, its index known to be on disk.

    The index is mirdata's own (its ``datasets/indexes`` folder) or a copy saved as
    ``root/<index file name>``; when neither exists, one :class:`DatasetError` line
    says where to fetch it (nmfab does not download at run time). A missing mirdata
    is one line naming the extra; ``layout`` describes the expected folder.
    """
    try:
        import mirdata
    except ImportError:
        raise DatasetError(f"dataset {name} is read through mirdata, which is not installed: "
                           'pip install -e ".[mirdata]"') from None
    root = require_dir(root, f"{name} dataset folder", f"put mirdata's {name} data_home there "
                       f"({layout})")
    dataset = mirdata.initialize(name, data_home=str(root))
    local = root / Path(dataset.index_path).name
    if local.is_file():
        dataset.index_path = str(local)
    if not Path(dataset.index_path).is_file():
        remote = dataset._index_data.remote
        url = remote.url if remote else "(no URL known)"
        raise DatasetError(
            f"the mirdata {name} index {local.name} is absent and nmfab does not download at "
            f"run time: fetch it once from {url} and save it as {local} (or run "
            f"mirdata.initialize('{name}', data_home='{root}').download() with network)")
    return dataset


def section_annotation(sections, source):
    """mirdata ``SectionData`` -> ``intervals``, ``labels`` (one line when there is none)."""
    if sections is None or len(sections.intervals) == 0:
        raise DatasetError(f"no segment in the section annotation {source}")
    intervals = np.asarray(sections.intervals, dtype=np.float64).reshape(-1, 2)
    order = np.argsort(intervals[:, 0], kind="stable")
    return dict(intervals=intervals[order], labels=[str(sections.labels[i]) for i in order])


def beat_downbeats(beats):
    """Bar starts from mirdata ``BeatData`` (``positions`` 1 = downbeat), or None without beats.

    A bar still open after the last downbeat (beats annotated past it) is closed at
    the median bar length, so that the last downbeat ends the last bar.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> positions = np.array([3, 4] + [1, 2, 3, 4] * 2)
    >>> b = SimpleNamespace(times=np.arange(10) * 0.5, positions=positions)
    >>> beat_downbeats(b).tolist()
    [1.0, 3.0, 5.0]
    """
    if beats is None or beats.positions is None:
        return None
    times = np.asarray(beats.times, dtype=np.float64)
    downbeats = np.sort(times[np.asarray(beats.positions) == 1])
    if len(downbeats) < 2:
        return None
    if times.max() > downbeats[-1]:
        downbeats = np.append(downbeats, downbeats[-1] + np.median(np.diff(downbeats)))
    return downbeats


class MirdataStructure(StructureDataset):
    """A structure dataset read through mirdata, with data_home ``<data>/<name>/``.

    ``name`` is mirdata's; a subclass gives ``layout`` (for the messages) and
    ``has_bars``. Sections are read by the mirdata module's ``load_sections`` on
    the track's ``sections_path`` and, when ``has_bars``, downbeats from its
    ``load_beats`` on ``beats_path``; override :meth:`sections_path` (or
    :meth:`sections`, :meth:`beats`) for another layout. Tracks are the index's
    tracks whose audio and section annotation are on disk.
    """

    layout = ""

    def __init__(self, root=None, cache_dir=None):
        super().__init__(root, cache_dir)
        self._mirdata = None

    def dataset(self):
        """mirdata's dataset on the root (its index checked)."""
        if self._mirdata is None:
            self._mirdata = mirdata_home(self.name, self.root, self.layout)
        return self._mirdata

    def validate(self):
        """One line when mirdata, the root or the index is missing."""
        self.dataset()

    def _item(self, track):
        dataset = self.dataset()
        if track not in dataset.track_ids:
            raise DatasetError(f"unknown {self.name} track {track!r} (not in the mirdata index)")
        return dataset.track(track)

    def _reader(self, function):
        """mirdata's ``load_<function>`` of the dataset's module."""
        import importlib

        return getattr(importlib.import_module(f"mirdata.datasets.{self.name}"), function)

    def sections_path(self, item):
        """Path of the section annotation of mirdata track ``item`` (None when not indexed)."""
        return item.sections_path

    def sections(self, item):
        """mirdata ``SectionData`` of ``item`` (the module's ``load_sections``)."""
        return self._reader("load_sections")(self.sections_path(item))

    def beats(self, item):
        """mirdata ``BeatData`` of ``item`` (the module's ``load_beats``); None without beats."""
        path = getattr(item, "beats_path", None)
        if not self.has_bars or not path or not Path(path).is_file():
            return None
        return self._reader("load_beats")(path)

    def tracks(self):
        """Index tracks whose audio is on disk and that have a section annotation, sorted.

        Tracks without audio are the usual case (the audio is not distributed): they
        are counted in the log; audio without its annotation warns.
        """
        dataset = self.dataset()
        items = [dataset.track(t) for t in sorted(dataset.track_ids)]
        present = [i for i in items if i.audio_path and Path(i.audio_path).is_file()]
        if not present:
            raise DatasetError(f"no audio of the {self.name} index found under {self.root} "
                               f"(expected {self.layout})")
        if len(present) < len(items):
            log.info("%s: %d of %d indexed tracks have their audio under %s", self.name,
                     len(present), len(items), self.root)
        unindexed = [i.track_id for i in present if not self.sections_path(i)]
        if unindexed:
            log.warning("%s: %d tracks have no section annotation in the index (%s); skipped",
                        self.name, len(unindexed), ", ".join(unindexed[:5]))
        return self.keep_annotated((i.track_id, self.sections_path(i)) for i in present
                                   if self.sections_path(i))

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)`` of ``track``, mono."""
        return load_audio(self._item(track).audio_path, sr=sr, duration=duration)

    def annotation(self, track):
        """Segments of the track's section annotation; downbeats from its beats (None without)."""
        item = self._item(track)
        path = self.sections_path(item)
        if not path or not Path(path).is_file():
            raise DatasetError(f"{self.name} section annotation of track {track} not found: "
                               f"{path}")
        annotation = section_annotation(self.sections(item), path)
        annotation["downbeats"] = beat_downbeats(self.beats(item)) if self.has_bars else None
        return annotation
