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
from .maps import crop_notes

VERSION = "2.0.0"


def _dataset(root):
    """A mirdata MAESTRO dataset on ``root`` whose index is known to exist."""
    import mirdata

    root = require_dir(root, "MAESTRO dataset folder")
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


def list_tracks(root, split=None):
    """MAESTRO track identifiers (mirdata's), optionally only one split (train/validation/test)."""
    dataset = _dataset(root)
    tracks = sorted(dataset.track_ids)
    if split is not None:
        tracks = [t for t in tracks if _track(dataset, t).split == split]
    if not tracks:
        raise DatasetError(f"no MAESTRO tracks found in the index for {root} (split={split})")
    return tracks


def load_track(root, track, sr=None, duration=None):
    """``(y, sr, notes)``: audio resampled/mono, notes (n, 3) from the MIDI (no pedal extension)."""
    dataset = _dataset(root)
    if track not in dataset.track_ids:
        raise DatasetError(f"unknown MAESTRO track {track!r} (not in the mirdata index; "
                           "see list_tracks)")
    item = _track(dataset, track)
    y, sr = load_audio(item.audio_path, sr=sr, duration=duration)
    if not Path(item.midi_path).is_file():
        raise DatasetError(f"MAESTRO MIDI file not found: {item.midi_path}")
    return y, sr, crop_notes(midi_notes(item.midi_path), duration)


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
