"""Small real piano recordings with note annotations, read from their published layouts.

* ``madmom_piano``: madmom's test recordings, ``audio/<stem>.wav|flac`` with
  ``annotations/<stem>.notes`` (``onset  MIDI pitch  duration  velocity`` per
  line, ``#`` comments). Recordings without a ``.notes`` file (onset-only
  annotations) are not transcription tracks and are left out.
* ``maestro_2s``: MAESTRO's own layout read without mirdata (no index file
  needed): ``<year>/<name>.wav|flac`` with the performance ``<name>.midi``.
  The audio may be an excerpt; :meth:`Dataset.load` crops the notes to it.

Both folders are looked up as ``<data>/<name>`` or, for the task-grouped
layout of the shared fixtures, ``<data>/transcription/<name>``.
"""
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .audio import AUDIO_EXTENSIONS, find_audio, load_audio, require_dir
from .base import Dataset, check_notes, register
from .maestro import midi_notes

TASK_FOLDER = "transcription"


def resolve_root(root, name):
    """``root`` when it is a folder, else ``<root's parent>/transcription/<name>`` when that is."""
    if root is None:
        return None
    root = Path(root)
    grouped = root.parent / TASK_FOLDER / name
    return grouped if not root.is_dir() and grouped.is_dir() else root


def present(data_dir, names):
    """Those of ``names`` found under ``data_dir`` (as ``<name>`` or ``transcription/<name>``)."""
    if data_dir is None:
        return []
    return [name for name in names if resolve_root(Path(data_dir) / name, name).is_dir()]


def load_madmom_notes(path):
    """Notes (n, 3) onset s, offset s, MIDI pitch from a madmom ``.notes`` file.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "a.notes")
    ...     _ = open(path, "w").write("# onset pitch duration velocity\\n0.5\\t60\\t0.25\\t70\\n")
    ...     load_madmom_notes(path)
    array([[ 0.5 ,  0.75, 60.  ]])
    """
    try:
        table = np.loadtxt(path, comments="#", ndmin=2, dtype=np.float64)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"cannot parse madmom notes {path}: {exc}") from exc
    if table.size and table.shape[1] < 3:
        raise DatasetError(f"madmom notes {path} need at least 3 columns "
                           f"(onset, MIDI pitch, duration), found {table.shape[1]}")
    table = table.reshape(-1, max(table.shape[1], 3))
    notes = np.column_stack([table[:, 0], table[:, 0] + table[:, 2], table[:, 1]])
    return check_notes(notes, path, first_line=2)


class _RecordingFolder(Dataset):
    """Piano recordings found as ``<data>/<name>`` or ``<data>/transcription/<name>``."""

    task = "transcription"

    def __init__(self, root=None, cache_dir=None):
        super().__init__(resolve_root(root, self.name), cache_dir)


@register
class MadmomPiano(_RecordingFolder):
    """madmom's annotated piano recordings (``audio/`` and ``annotations/*.notes``)."""

    name = "madmom_piano"

    def validate(self):
        """One line when ``audio/`` or ``annotations/`` is missing."""
        for sub in ("audio", "annotations"):
            require_dir(self.root / sub, "madmom_piano folder",
                        "expected audio/<stem>.wav|flac and annotations/<stem>.notes")

    def tracks(self):
        """Stems of the recordings that have a ``.notes`` annotation, sorted."""
        stems = sorted(p.stem for p in (self.root / "audio").iterdir()
                       if p.suffix in AUDIO_EXTENSIONS
                       and (self.root / "annotations" / f"{p.stem}.notes").is_file())
        if not stems:
            raise DatasetError(f"no recording with a .notes annotation under {self.root}")
        return stems

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)`` of ``audio/<track>``, mono."""
        return load_audio(find_audio(self.root / "audio", track), sr=sr, duration=duration)

    def annotation(self, track):
        """Notes (n, 3) of ``annotations/<track>.notes``."""
        return load_madmom_notes(self.root / "annotations" / f"{track}.notes")


@register
class MaestroFiles(_RecordingFolder):
    """MAESTRO recordings in their own ``<year>/<name>.wav`` + ``.midi`` layout, without mirdata."""

    name = "maestro_2s"

    def _pairs(self):
        return [(f"{p.parent.name}/{p.stem}", p.with_suffix(".midi"))
                for p in sorted(self.root.glob("*/*")) if p.suffix in AUDIO_EXTENSIONS]

    def validate(self):
        """One line when the root holds no ``<year>/<name>.wav|flac``."""
        super().validate()
        if not self._pairs():
            raise DatasetError(f"no MAESTRO recording <year>/<name>.wav|flac under {self.root}; "
                               "put the recordings there with their .midi files")

    def tracks(self):
        """``<year>/<name>`` of every audio file with its ``.midi``."""
        tracks = self.keep_annotated(self._pairs())
        if not tracks:
            raise DatasetError(f"no MAESTRO <year>/<name>.wav with its .midi under {self.root}")
        return tracks

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)`` of ``<year>/<name>``, mono."""
        year, name = str(track).split("/", 1)
        return load_audio(find_audio(self.root / year, name), sr=sr, duration=duration)

    def annotation(self, track):
        """Notes (n, 3) of the performance MIDI (no pedal extension)."""
        path = self.root / f"{track}.midi"
        if not path.is_file():
            raise DatasetError(f"MAESTRO MIDI file not found: {path}")
        return midi_notes(path)
