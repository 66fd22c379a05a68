"""MAPS piano dataset in its published layout.

``<root>/<instrument>/MUS/<name>.wav`` (or ``.flac``) with the matching
``<name>.txt`` annotation: a header line ``OnsetTime OffsetTime MidiPitch``
then one note per line (seconds, seconds, MIDI pitch). Instruments are the
nine MAPS pianos (``ENSTDkCl``, ``ENSTDkAm``, ``AkPnBcht``, ...); a subset can
be selected. Track identifiers are ``<instrument>/<name>``.
"""
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .audio import AUDIO_EXTENSIONS, find_audio, load_audio, require_dir


def instruments(root):
    """Names of the instrument folders of ``root`` that hold a ``MUS`` folder, sorted."""
    root = require_dir(root, "MAPS dataset folder")
    return sorted(p.name for p in root.iterdir() if (p / "MUS").is_dir())


def list_tracks(root, selected=None):
    """Track identifiers ``<instrument>/<name>`` of the selected instruments (all when None).

    Raises
    ------
    DatasetError
        When the root is missing, a selected instrument is absent or no track is found.
    """
    available = instruments(root)
    chosen = available if selected is None else list(selected)
    missing = [name for name in chosen if name not in available]
    if missing:
        raise DatasetError(f"MAPS instrument(s) {', '.join(missing)} not found under {root}; "
                           f"available: {', '.join(available) or 'none'}")
    tracks = [f"{name}/{path.stem}" for name in chosen
              for path in sorted((Path(root) / name / "MUS").iterdir())
              if path.suffix in AUDIO_EXTENSIONS]
    if not tracks:
        raise DatasetError(f"no MAPS MUS audio (.wav/.flac) found under {root} "
                           "(expected <root>/<instrument>/MUS/*.wav with matching .txt)")
    return tracks


def load_notes(path):
    """Notes (n, 3): onset s, offset s, MIDI pitch from a MAPS ``.txt`` file."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"MAPS annotation not found: {path}")
    try:
        notes = np.loadtxt(path, skiprows=1, ndmin=2, dtype=np.float64)
    except ValueError as exc:
        raise DatasetError(f"cannot parse MAPS annotation {path}: {exc}") from exc
    if notes.size and notes.shape[1] != 3:
        raise DatasetError(f"MAPS annotation {path} must have 3 columns "
                           f"(OnsetTime OffsetTime MidiPitch), found {notes.shape[1]}")
    return notes.reshape(-1, 3)


def load_track(root, track, sr=None, duration=None):
    """``(y, sr, notes)`` of a MAPS track; with ``duration``, notes cropped to onsets before it."""
    instrument, name = str(track).split("/", 1)
    folder = Path(root) / instrument / "MUS"
    y, sr = load_audio(find_audio(folder, name), sr=sr, duration=duration)
    return y, sr, crop_notes(load_notes(folder / f"{name}.txt"), duration)


def crop_notes(notes, duration):
    """Keep notes with onset < ``duration`` and clip their offsets to it (None keeps all)."""
    if duration is None:
        return notes
    notes = notes[notes[:, 0] < duration].copy()
    notes[:, 1] = np.minimum(notes[:, 1], duration)
    return notes
