"""ENST-Drums (Gillet and Richard, ISMIR 2006) read from its published layout.

Layout under ``<data>/enst_drums/``::

    drummer_N/audio/<mix>/<track>.wav          mix: wet_mix, dry_mix, accompaniment, ...
    drummer_N/annotation/<track>.txt           "time label" per line

Labels are mapped to classes: bd -> KD; sd, sd-, rs, cs -> SD; chh, ohh -> HH;
toms (lt, lmt, mt, ht, lft) -> TT; cymbals (cr, rc, ch, spl, c + number) -> CY;
anything else -> OT. Track names are ``drummer_N/<track>``. The ``full`` mix is
the wet mix plus the accompaniment (minus-one tracks only).
"""
import re

from ..errors import DatasetError, check_choice
from .audio import find_audio, load_audio, require_dir
from .base import register
from .drum_annotations import DrumDataset

MIX_FOLDERS = {"drums": ("wet_mix",), "full": ("wet_mix", "accompaniment"), "dry": ("dry_mix",)}
_EXACT = {"bd": "KD", "sd": "SD", "sd-": "SD", "rs": "SD", "cs": "SD", "chh": "HH", "ohh": "HH",
          "lt": "TT", "lmt": "TT", "mt": "TT", "ht": "TT", "lft": "TT"}
_CYMBAL = re.compile(r"^(cr|rc|ch|spl|c)\d*$")   # cr1, rc3, ch5, spl2, c1 ...


def enst_label_to_class(label):
    """The drum class (KD, SD, HH, TT, CY, OT) of an ENST-Drums label."""
    label = label.lower()
    if label in _EXACT:
        return _EXACT[label]
    if _CYMBAL.match(label):
        return "CY"
    return "OT"


@register
class EnstDrums(DrumDataset):
    """ENST-Drums tracks under ``root`` (the ``enst_drums`` folder).

    Parameters
    ----------
    root : str or Path
        ``<data>/enst_drums``.
    cache_dir : ignored
    mix : {"drums", "full", "dry"}
        ``drums``: wet mix; ``full``: wet mix + accompaniment; ``dry``: dry mix.
    """

    name = "enst_drums"
    mixes = tuple(MIX_FOLDERS)
    label_map = staticmethod(enst_label_to_class)

    def validate(self):
        """One line naming the missing ENST-Drums folder or drummer_N folders."""
        require_dir(self.root, "ENST-Drums folder", "expected the ENST-Drums layout")
        if not self.drummers():
            raise DatasetError(f"no drummer_N folder in {self.root} "
                               "(expected the ENST-Drums layout)")

    def drummers(self):
        """Names of the ``drummer_N`` folders, sorted."""
        return sorted(p.name for p in self.root.glob("drummer_*") if p.is_dir())

    def tracks_for(self, mix):
        """``drummer_N/<name>`` for every audio file with audio in each folder of ``mix``."""
        first, *others = MIX_FOLDERS[mix]
        candidates = []
        for drummer in self.drummers():
            audio = self.root / drummer / "audio"
            for path in sorted((audio / first).glob("*.wav")):
                if all((audio / f / path.name).is_file() for f in others):
                    candidates.append((f"{drummer}/{path.stem}", self.annotation_path(
                        f"{drummer}/{path.stem}")))
        found = self.keep_annotated(candidates)
        if not found:
            raise DatasetError(f"no annotated ENST-Drums track with {mix} audio under {self.root}")
        return found

    def recording(self, track, mix, sr=None, duration=None):
        """Samples and rate of ``track`` (the sum of the folders of ``mix``)."""
        drummer, name = track.split("/", 1)
        y, rate = None, None
        for folder in MIX_FOLDERS[check_choice("mix", mix, MIX_FOLDERS, DatasetError)]:
            part, rate = load_audio(find_audio(self.root / drummer / "audio" / folder, name),
                                    sr=sr, duration=duration)
            y = part if y is None else y[:part.size] + part[:y.size]
        return y, rate

    def annotation_path(self, track):
        """``drummer_N/annotation/<name>.txt``."""
        drummer, name = track.split("/", 1)
        return self.root / drummer / "annotation" / f"{name}.txt"

    def annotation(self, track):
        """``{class: onset times}`` of ``track``."""
        return self.read_onsets(self.annotation_path(track))

    def kit_tracks(self, track):
        """The other tracks of the same drummer (same kit)."""
        drummer = track.split("/", 1)[0]
        return [t for t in super().kit_tracks(track) if t.startswith(drummer + "/")]
