"""MDB-Drums (Southall et al., ISMIR 2017) read from its published layout.

Layout under ``<data>/mdb_drums/``::

    audio/drum_only/<Name>_Drum.wav|flac
    audio/full_mix/<Name>_MIX.wav|flac
    annotations/class/<Name>_class.txt      "time<TAB>class" per line

Class labels are KD, SD, HH, TT, CY, OT (kept as they are).
"""
from ..errors import DatasetError, check_choice
from .audio import AUDIO_EXTENSIONS, find_audio, load_audio, require_dir
from .base import register
from .drum_annotations import DrumDataset

MIX_FOLDERS = {"drums": ("drum_only", "_Drum"), "full": ("full_mix", "_MIX")}
MDB_CLASSES = ("KD", "SD", "HH", "TT", "CY", "OT")


@register
class MdbDrums(DrumDataset):
    """MDB-Drums tracks found under ``root`` (the ``mdb_drums`` folder).

    Parameters
    ----------
    root : str or Path
        ``<data>/mdb_drums``.
    cache_dir : ignored
    mix : {"drums", "full"}
        ``drums``: audio/drum_only; ``full``: audio/full_mix.
    """

    name = "mdb_drums"
    mixes = tuple(MIX_FOLDERS)

    def validate(self):
        """One line naming the missing MDB-Drums folder."""
        for sub in ("", "annotations/class", f"audio/{MIX_FOLDERS[self.mix][0]}"):
            require_dir(self.root / sub, "MDB-Drums folder",
                        "expected the MDB-Drums layout (annotations/class, audio/drum_only, ...)")

    def annotation_path(self, track):
        """``annotations/class/<track>_class.txt``."""
        return self.root / "annotations" / "class" / f"{track}_class.txt"

    def tracks_for(self, mix):
        """Names (``MusicDelta_Rock``...) with audio for ``mix``; audio without annotation warns."""
        folder, suffix = MIX_FOLDERS[mix]
        audio_dir = require_dir(self.root / "audio" / folder, f"MDB-Drums audio/{folder} folder")
        names = sorted({p.name[:-len(suffix + p.suffix)] for p in audio_dir.iterdir()
                        if p.suffix in AUDIO_EXTENSIONS and p.stem.endswith(suffix)})
        found = self.keep_annotated((n, self.annotation_path(n)) for n in names)
        if not found:
            raise DatasetError(f"no annotated MDB-Drums track with audio in {audio_dir}")
        return found

    def recording(self, track, mix, sr=None, duration=None):
        """Samples and rate of ``track`` for ``mix`` ("drums" = drum_only, "full" = full_mix)."""
        folder, suffix = MIX_FOLDERS[check_choice("mix", mix, MIX_FOLDERS, DatasetError)]
        return load_audio(find_audio(self.root / "audio" / folder, f"{track}{suffix}"),
                          sr=sr, duration=duration)

    def annotation(self, track):
        """``{class: onset times}`` of ``track`` (classes KD, SD, HH, TT, CY, OT)."""
        return self.read_onsets(self.annotation_path(track))
