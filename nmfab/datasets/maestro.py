"""MAESTRO through mirdata, with data_home ``<data>/maestro/``.

mirdata 1.0 downloads the MAESTRO index on first use; nmfab never uses the
network at run time, so the index must already be present: either where
mirdata keeps it (its ``datasets/indexes`` folder) or as
``<data>/maestro/maestro_index_2.0.0.json``. When it is absent a
:class:`~nmfab.errors.DatasetError` says so and how to obtain it.
"""
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .audio import load_audio, require_dir
from .base import Dataset, register

VERSION = "2.0.0"


def _dataset(root):
    """A mirdata MAESTRO dataset on ``root`` whose index is known to exist."""
    try:
        import mirdata
    except ImportError:
        raise DatasetError('dataset maestro is read through mirdata, which is not installed: '
                           'pip install -e ".[maestro]"') from None

    root = require_dir(root, "MAESTRO dataset folder",
                       "put mirdata's MAESTRO data_home there (maestro-v2.0.0.json, 2018/, ...)")
    dataset = mirdata.initialize("maestro", data_home=str(root), version=VERSION)
    local_index = root / Path(dataset.index_path).name
    if local_index.is_file():
        dataset.index_path = str(local_index)
    if not Path(dataset.index_path).is_file():
        url = dataset._index_data.remote.url if dataset._index_data.remote else "(no URL known)"
        raise DatasetError(
            f"the mirdata MAESTRO index {Path(dataset.index_path).name} is absent and nmfab "
            f"does not download at run time: fetch it once from {url} and save it as {local_index} "
            f"(or run mirdata.initialize('maestro', data_home='{root}').download() with network)")
    return dataset


def _track(dataset, track):
    """mirdata's Track, with a missing metadata file reported as one clear line."""
    try:
        return dataset.track(track)
    except FileNotFoundError as exc:
        raise DatasetError(f"MAESTRO metadata maestro-v2.0.0.json missing in {dataset.data_home}: "
                           f"{exc}") from exc


@register
class Maestro(Dataset):
    """MAESTRO tracks (mirdata's identifiers) under ``root`` (the ``maestro`` folder).

    Parameters
    ----------
    root : str or Path
        ``<data>/maestro``, mirdata's data_home.
    cache_dir : ignored
    split : {None, "train", "validation", "test"}
        Keep only the tracks of one split.
    """

    name = "maestro"
    task = "transcription"

    def __init__(self, root=None, cache_dir=None, split=None):
        super().__init__(root, cache_dir)
        self.split = split
        self._mirdata = None

    def dataset(self):
        """mirdata's MAESTRO dataset on the root (its index checked)."""
        if self._mirdata is None:
            self._mirdata = _dataset(self.root)
        return self._mirdata

    def validate(self):
        """One line when the root, the index or the metadata file is missing."""
        dataset = self.dataset()
        metadata = self.root / f"maestro-v{VERSION}.json"
        if not metadata.is_file():
            raise DatasetError(f"MAESTRO metadata not found: {metadata} (put the MAESTRO "
                               f"v{VERSION} dataset in {dataset.data_home})")

    def tracks(self):
        """Track identifiers of the index (of ``split`` when given), sorted."""
        dataset = self.dataset()
        tracks = sorted(dataset.track_ids)
        if self.split is not None:
            tracks = [t for t in tracks if _track(dataset, t).split == self.split]
        if not tracks:
            raise DatasetError(f"no MAESTRO tracks found in the index for {self.root} "
                               f"(split={self.split})")
        return tracks

    def _item(self, track):
        dataset = self.dataset()
        if track not in dataset.track_ids:
            raise DatasetError(f"unknown MAESTRO track {track!r} (not in the mirdata index)")
        return _track(dataset, track)

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)`` of ``track``, mono."""
        return load_audio(self._item(track).audio_path, sr=sr, duration=duration)

    def annotation(self, track):
        """Notes (n, 3) of ``track`` from its MIDI file (no pedal extension)."""
        path = self._item(track).midi_path
        if not Path(path).is_file():
            raise DatasetError(f"MAESTRO MIDI file not found: {path}")
        return midi_notes(path)


def midi_notes(path):
    """Notes (n, 3) onset s, offset s, MIDI pitch of the non-drum instruments of a MIDI file."""
    import pretty_midi

    try:
        midi = pretty_midi.PrettyMIDI(str(path))
    except Exception as exc:  # pretty_midi/mido raise many types on bad files
        raise DatasetError(f"cannot read MIDI file {path}: {exc}") from exc
    notes = [(n.start, n.end, n.pitch) for inst in midi.instruments if not inst.is_drum
             for n in inst.notes]
    notes = np.array(notes, dtype=np.float64).reshape(-1, 3)
    return notes[np.argsort(notes[:, 0], kind="stable")]
