"""medleydb: MedleyDB multitracks, stems mapped to vocals / drums / bass / other.

Layout: ``<data>/medleydb/<Track>/<Track>_METADATA.yaml`` with ``<Track>_STEMS/``
(stems) and/or ``<Track>_RAW/`` (raw recordings, summed per stem when the stem
file is absent). The YAML names ``.wav`` files; a ``.flac`` of the same name is
accepted. Each stem goes to a source by its YAML ``instrument``
(:func:`source_of`): a singer, rapper, choir, vocalist or speaker -> vocals;
anything with drum, cymbal, toms, hat or percussion -> drums; electric bass,
double bass, bass synthesizer -> bass; the rest -> other. The mixture is the sum
of the stems: MedleyDB's ``_MIX`` is often mastered (limited, EQ'd) and is not
the sum of its stems, so it is not used. ``supervised`` learns on the other
tracks (leave one track out).
"""
from pathlib import Path

from ..errors import DatasetError
from .audio import AUDIO_EXTENSIONS
from .base import register
from .stems import StemsDataset

VOCAL_WORDS = ("singer", "rapper", "choir", "vocal", "speaker")
DRUM_WORDS = ("drum", "cymbal", "toms", "hat", "percussion")
BASS_INSTRUMENTS = ("electric bass", "double bass", "bass synthesizer")


def source_of(instrument):
    """The source of a MedleyDB instrument name.

    Examples
    --------
    >>> [source_of(i) for i in ("male singer", "drum set", "electric bass", "acoustic guitar")]
    ['vocals', 'drums', 'bass', 'other']
    """
    name = str(instrument).lower()
    if any(word in name for word in VOCAL_WORDS):
        return "vocals"
    if any(word in name for word in DRUM_WORDS):
        return "drums"
    return "bass" if name in BASS_INSTRUMENTS else "other"


def _existing(folder, filename):
    """``folder/filename`` or its ``.flac`` / ``.wav`` twin, or None."""
    for ext in ("",) + AUDIO_EXTENSIONS:
        path = folder / (Path(filename).stem + ext if ext else filename)
        if path.is_file():
            return path
    return None


@register
class MedleyDB(StemsDataset):
    """MedleyDB multitracks under ``<data>/medleydb``."""

    name = "medleydb"

    def tracks(self):
        return sorted(p.parent.name for p in self.root.glob("*/*_METADATA.yaml")
                      if p.name == f"{p.parent.name}_METADATA.yaml")

    def validate(self):
        super().validate()
        if not self.tracks():
            raise DatasetError(f"medleydb: no <Track>/<Track>_METADATA.yaml under {self.root}")

    def training_tracks(self, track):
        return [name for name in self.tracks() if name != track]

    def metadata(self, track):
        """The parsed ``<Track>_METADATA.yaml``."""
        import yaml

        path = self.root / track / f"{track}_METADATA.yaml"
        try:
            return yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            raise DatasetError(f"medleydb: cannot read {path}: {error}") from None

    def stem_files(self, track):
        meta, folder = self.metadata(track), self.root / track
        files = {}
        for key, stem in sorted((meta.get("stems") or {}).items()):
            path = _existing(folder / f"{track}_STEMS", stem.get("filename", ""))
            paths = [path] if path else [
                _existing(folder / f"{track}_RAW", raw.get("filename", ""))
                for raw in (stem.get("raw") or {}).values()]
            if not paths or None in paths:
                raise DatasetError(f"medleydb: track {track} stem {key} has neither its STEMS file "
                                   f"nor all its RAW files under {folder}")
            files.setdefault(source_of(stem.get("instrument", "")), []).extend(paths)
        return None, files
