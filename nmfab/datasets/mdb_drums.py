"""MDB-Drums (Southall et al., ISMIR 2017) read from its published layout.

Layout under ``<data>/mdb_drums/``::

    audio/drum_only/<Name>_Drum.wav|flac
    audio/full_mix/<Name>_MIX.wav|flac
    annotations/class/<Name>_class.txt      "time<TAB>class" per line

Class labels are KD, SD, HH, TT, CY, OT (kept as they are).
"""
from ..errors import DatasetError
from .audio import AUDIO_EXTENSIONS, find_audio, load_audio, require_dir
from .drum_annotations import AnnotatedDrums

MIX_FOLDERS = {"drums": ("drum_only", "_Drum"), "full": ("full_mix", "_MIX")}
MDB_CLASSES = ("KD", "SD", "HH", "TT", "CY", "OT")


def _check_mix(mix):
    if mix not in MIX_FOLDERS:
        raise DatasetError(f"unknown mix {mix!r}; choose one of {', '.join(MIX_FOLDERS)}")
    return MIX_FOLDERS[mix]


class MdbDrums(AnnotatedDrums):
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

    def annotation_path(self, track):
        """``annotations/class/<track>_class.txt``."""
        return self.annotations / f"{track}_class.txt"

    def kit_tracks(self, track):
        """The other annotated drum-only tracks of the dataset."""
        return [t for t in self.tracks("drums") if t != track]
