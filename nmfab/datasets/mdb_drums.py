"""MDB-Drums (Southall et al., ISMIR 2017) read from its published layout.

Layout under ``<data>/mdb_drums/``::

    audio/drum_only/<Name>_Drum.wav|flac
    audio/full_mix/<Name>_MIX.wav|flac
    annotations/class/<Name>_class.txt      "time<TAB>class" per line

Class labels are KD, SD, HH, TT, CY, OT (kept as they are).
"""
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .audio import AUDIO_EXTENSIONS, find_audio, load_audio, require_dir

MIX_FOLDERS = {"drums": ("drum_only", "_Drum"), "full": ("full_mix", "_MIX")}
MDB_CLASSES = ("KD", "SD", "HH", "TT", "CY", "OT")


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


def _check_mix(mix):
    if mix not in MIX_FOLDERS:
        raise DatasetError(f"unknown mix {mix!r}; choose one of {', '.join(MIX_FOLDERS)}")
    return MIX_FOLDERS[mix]


class MdbDrums:
    """MDB-Drums tracks found under ``root`` (the ``mdb_drums`` folder).

    Parameters
    ----------
    root : str or Path
        ``<data>/mdb_drums``.
    duration : float or None
        Read only the first ``duration`` seconds of each track.
    """

    name = "mdb_drums"

    def __init__(self, root, duration=None):
        self.root = require_dir(root, "MDB-Drums folder")
        self.duration = duration
        self.annotations = require_dir(self.root / "annotations" / "class",
                                       "MDB-Drums annotations/class folder")

    def tracks(self, mix="drums"):
        """Names (``MusicDelta_Rock``...) with both an annotation and audio for ``mix``."""
        folder, suffix = _check_mix(mix)
        audio_dir = require_dir(self.root / "audio" / folder, f"MDB-Drums audio/{folder} folder")
        names = sorted(p.name[:-len("_class.txt")] for p in self.annotations.glob("*_class.txt"))
        found = [n for n in names
                 if any((audio_dir / f"{n}{suffix}{ext}").is_file() for ext in AUDIO_EXTENSIONS)]
        if not found:
            raise DatasetError(f"no annotated MDB-Drums track with audio in {audio_dir}")
        return found

    def audio(self, track, mix="drums", **unused):
        """Samples and rate of ``track`` for ``mix`` ("drums" = drum_only, "full" = full_mix)."""
        folder, suffix = _check_mix(mix)
        path = find_audio(self.root / "audio" / folder, f"{track}{suffix}")
        return load_audio(path, duration=self.duration)

    def onsets(self, track):
        """``{class: onset times}`` from ``annotations/class/<track>_class.txt``."""
        onsets = read_labelled_onsets(self.annotations / f"{track}_class.txt")
        if self.duration is not None:
            onsets = {c: t[t < self.duration] for c, t in onsets.items()}
        return onsets

    def template_source(self, track):
        """The drum-only recording of ``track`` and its onsets (hits for templates)."""
        y, sr = self.audio(track, "drums")
        return y, sr, self.onsets(track)

    def kit_tracks(self, track):
        """The other annotated drum-only tracks of the dataset."""
        return [t for t in self.tracks("drums") if t != track]
