"""The one dataset protocol of nmfab, and the registry of datasets.

A dataset is a class with four attributes and three methods:

* ``name``: the value of the ``dataset`` factor (and the folder name under ``--data``);
* ``task``: the task family whose annotation it yields: ``"transcription"``
  (notes, array (n, 3+) of onset s, offset s, MIDI pitch) or ``"drums"``
  (dict class -> sorted onset times);
* ``embedded``: True for generated datasets that need no ``--data`` folder;
* ``factors``: the setting factors the dataset reads, passed to ``__init__``
  as keyword arguments;
* ``validate()``: one :class:`~nmfab.errors.DatasetError` line naming what is
  missing under the root and what to do;
* ``tracks()``: list of track identifiers;
* ``load(track, sr=None, duration=None)``: ``(y, sr, annotation)``, the
  annotation cropped to the audio actually loaded.

A subclass implements ``tracks``, ``audio`` and ``annotation`` (and
``validate`` when its layout has more than a root folder); ``load`` is shared.
:func:`register` adds a class to the registry, from any module.

Examples
--------
>>> from nmfab import datasets
>>> datasets.for_task("drums")
['enst_drums', 'mdb_drums', 'synth_drums']
>>> datasets.get("synth_piano").embedded
True
"""
import logging
from pathlib import Path

import numpy as np

from ..errors import DatasetError, NmfabError, check_choice
from .audio import require_dir

log = logging.getLogger(__name__)
_REGISTRY = {}


def crop_annotation(annotation, end):
    """Keep the events that start before ``end`` seconds.

    Notes (array (n, 3+)) keep onsets < ``end`` and have their offsets clipped
    to ``end``; onset dicts keep the times < ``end``.

    Examples
    --------
    >>> crop_annotation(np.array([[0.5, 3.0, 60], [2.5, 3.0, 62]]), 2.0)
    array([[ 0.5,  2. , 60. ]])
    >>> crop_annotation({"KD": np.array([0.1, 2.5])}, 2.0)
    {'KD': array([0.1])}
    """
    if isinstance(annotation, dict):
        return {name: np.asarray(times)[np.asarray(times) < end]
                for name, times in annotation.items()}
    notes = np.asarray(annotation, dtype=np.float64)
    notes = notes[notes[:, 0] < end].copy()
    notes[:, 1] = np.minimum(notes[:, 1], end)
    return notes


def check_notes(notes, source, first_line=1):
    """``notes`` (n, 3+: onset, offset, MIDI pitch) if every row is a valid note; else one
    DatasetError line naming ``source`` and the line (row i is line ``first_line + i``).

    Examples
    --------
    >>> check_notes(np.array([[0.5, 1.0, 60]]), "a.txt").shape
    (1, 3)
    >>> check_notes(np.array([[0.5, 0.2, 60]]), "a.txt", first_line=2)
    Traceback (most recent call last):
    ...
    nmfab.errors.DatasetError: a.txt:2: offset 0.2 s is before onset 0.5 s
    """
    notes = np.asarray(notes, dtype=np.float64)
    for index, (onset, offset, pitch) in enumerate(notes[:, :3]):
        where = f"{source}:{first_line + index}"
        if not (np.isfinite(onset) and np.isfinite(offset) and onset >= 0):
            raise DatasetError(f"{where}: note times must be finite and >= 0, got "
                               f"{onset:g} .. {offset:g}")
        if offset < onset:
            raise DatasetError(f"{where}: offset {offset:g} s is before onset {onset:g} s")
        if not (np.isfinite(pitch) and pitch == round(pitch) and 0 <= pitch <= 127):
            raise DatasetError(f"{where}: MIDI pitch must be an integer in 0..127, got {pitch:g}")
    return notes


class Dataset:
    """Base class of every dataset (see the module docstring for the protocol).

    Parameters
    ----------
    root : str or Path or None
        The dataset folder (``<data>/<name>``); None for embedded datasets.
    cache_dir : str or Path or None
        Where generated data may be cached; None keeps it in memory.
    """

    name = ""
    task = ""
    embedded = False
    factors = ()

    def __init__(self, root=None, cache_dir=None):
        self.root = None if root is None else Path(root)
        self.cache_dir = None if cache_dir is None else Path(cache_dir)

    def validate(self):
        """Raise one :class:`DatasetError` line when the dataset folder is missing."""
        if not self.embedded:
            require_dir(self.root, f"{self.name} dataset folder",
                        f"put the {self.name} dataset there in its published layout")

    def tracks(self):
        """Track identifiers (list of str)."""
        raise NotImplementedError

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)``: mono float32 samples (the first ``duration`` seconds) and their rate."""
        raise NotImplementedError

    def annotation(self, track):
        """The full annotation of ``track`` (notes array or ``{class: onset times}``)."""
        raise NotImplementedError

    def load(self, track, sr=None, duration=None):
        """``(y, sr, annotation)``, the annotation cropped to the audio actually loaded.

        Parameters
        ----------
        track : str
            One of :meth:`tracks`.
        sr : int or None
            Resample to this rate (None keeps the file's).
        duration : float or None
            Read only the first ``duration`` seconds.
        """
        y, sr = self.audio(track, sr=sr, duration=duration)
        return y, sr, crop_annotation(self.annotation(track), len(y) / float(sr))

    def keep_annotated(self, candidates):
        """Tracks of ``(track, annotation path)`` pairs whose annotation exists.

        Audio without its annotation is reported by a warning naming the
        missing file, never silently dropped.
        """
        kept = []
        for track, path in candidates:
            if Path(path).is_file():
                kept.append(track)
            else:
                log.warning("%s: audio of track %s has no annotation %s; track skipped",
                            self.name, track, path)
        return kept


def register(cls):
    """Add a :class:`Dataset` subclass to the registry (usable as a class decorator).

    Raises
    ------
    NmfabError
        When the class lacks a name or a task, or the name is taken by another class.
    """
    if not (isinstance(cls, type) and issubclass(cls, Dataset)):
        raise NmfabError(f"register expects a subclass of nmfab.datasets.Dataset, got {cls!r}")
    if not (cls.name and cls.task):
        raise NmfabError(f"dataset class {cls.__qualname__} needs a non-empty `name` and `task` "
                         "(e.g. task = 'transcription' or 'drums')")
    known = _REGISTRY.get(cls.name)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise NmfabError(f"dataset name {cls.name!r} is already registered by "
                         f"{known.__module__}.{known.__qualname__}")
    _REGISTRY[cls.name] = cls
    return cls


def for_task(task):
    """Names of the registered datasets of ``task``, sorted."""
    return sorted(name for name, cls in _REGISTRY.items() if cls.task == task)


def get(name, task=None):
    """The dataset class registered as ``name`` (of ``task`` when given).

    Raises
    ------
    DatasetError
        One line listing the valid names.
    """
    names = sorted(_REGISTRY) if task is None else for_task(task)
    check_choice("dataset" if task is None else f"{task} dataset", name, names, DatasetError)
    return _REGISTRY[name]


def open_dataset(name, context, task=None, **factors):
    """An instance of dataset ``name``, validated, from a task's context.

    Parameters
    ----------
    name : str
        The ``dataset`` factor.
    context : nmfab.experiment.Context
        Gives the dataset folder (``context.dataset_root(name)``) and the cache folder.
    task : str or None
        Restrict to the datasets of this task.
    **factors
        Setting factors; those the dataset declares in ``factors`` are passed on.
    """
    cls = get(name, task)
    root = None if cls.embedded else context.dataset_root(name)
    dataset = cls(root, context.cache_dir,
                  **{key: value for key, value in factors.items() if key in cls.factors})
    dataset.validate()
    return dataset
