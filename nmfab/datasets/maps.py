"""MAPS piano dataset in its published layout.

``<root>/<instrument>/MUS/<name>.wav`` (or ``.flac``) with the matching
``<name>.txt`` annotation: a header line ``OnsetTime OffsetTime MidiPitch``
then one note per line (seconds, seconds, MIDI pitch). Instruments are the
nine MAPS pianos (``ENSTDkCl``, ``ENSTDkAm``, ``AkPnBcht``, ...); a subset can
be selected with the ``maps_instruments`` factor. Track identifiers are
``<instrument>/<name>``.
"""
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .audio import AUDIO_EXTENSIONS, find_audio, load_audio, require_dir
from .base import Dataset, check_notes, register


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
    return check_notes(notes.reshape(-1, 3), path, first_line=2)


@register
class Maps(Dataset):
    """MAPS tracks under ``root`` (the ``maps`` folder).

    Parameters
    ----------
    root : str or Path
        ``<data>/maps``.
    cache_dir : ignored
    maps_instruments : str
        ``"all"`` or instrument folder names joined by ``-`` (``"ENSTDkCl-ENSTDkAm"``).
    """

    name = "maps"
    task = "transcription"
    factors = ("maps_instruments",)

    def __init__(self, root=None, cache_dir=None, maps_instruments="all"):
        super().__init__(root, cache_dir)
        chosen = str(maps_instruments)
        self.selected = None if chosen == "all" else chosen.split("-")

    def instruments(self):
        """Names of the instrument folders of the root that hold a ``MUS`` folder, sorted."""
        root = require_dir(self.root, "MAPS dataset folder",
                           "expected <maps>/<instrument>/MUS/*.wav with matching .txt")
        return sorted(p.name for p in root.iterdir() if (p / "MUS").is_dir())

    def validate(self):
        """One line when the root is missing or a selected instrument is absent."""
        available = self.instruments()
        missing = [name for name in self.selected or () if name not in available]
        if missing or not available:
            raise DatasetError(f"MAPS instrument(s) {', '.join(missing) or '<instrument>/MUS'} "
                               f"not found under {self.root}; "
                               f"available: {', '.join(available) or 'none'}")

    def tracks(self):
        """``<instrument>/<name>`` of every MUS audio file of the selected instruments."""
        chosen = self.selected or self.instruments()
        candidates = [(f"{name}/{path.stem}", path.with_suffix(".txt")) for name in chosen
                      for path in sorted((self.root / name / "MUS").iterdir())
                      if path.suffix in AUDIO_EXTENSIONS]
        tracks = self.keep_annotated(candidates)
        if not tracks:
            raise DatasetError(f"no annotated MAPS MUS audio (.wav/.flac) under {self.root} "
                               "(expected <root>/<instrument>/MUS/*.wav with matching .txt)")
        return tracks

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)`` of ``<instrument>/<name>``."""
        instrument, name = str(track).split("/", 1)
        return load_audio(find_audio(self.root / instrument / "MUS", name), sr=sr,
                          duration=duration)

    def annotation(self, track):
        """Notes (n, 3) of ``<instrument>/<name>``."""
        instrument, name = str(track).split("/", 1)
        return load_notes(self.root / instrument / "MUS" / f"{name}.txt")
