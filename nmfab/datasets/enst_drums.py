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

from ..errors import DatasetError
from .audio import find_audio, load_audio, require_dir
from .drum_annotations import AnnotatedDrums

MIXES = ("drums", "full", "dry")
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


class EnstDrums(AnnotatedDrums):
    """ENST-Drums tracks under ``root`` (the ``enst_drums`` folder).

    Parameters
    ----------
    root : str or Path
        ``<data>/enst_drums``.
    duration : float or None
        Read only the first ``duration`` seconds of each track.
    """

    name = "enst_drums"
    label_map = staticmethod(enst_label_to_class)

    def __init__(self, root, duration=None):
        self.root = require_dir(root, "ENST-Drums folder")
        self.duration = duration
        self.drummers = sorted(p.name for p in self.root.glob("drummer_*") if p.is_dir())
        if not self.drummers:
            raise DatasetError(f"no drummer_N folder in {self.root} "
                               "(expected the ENST-Drums layout)")

    def _folders(self, mix):
        if mix not in MIXES:
            raise DatasetError(f"unknown mix {mix!r}; choose one of {', '.join(MIXES)}")
        folders = dict(drums=["wet_mix"], full=["wet_mix", "accompaniment"], dry=["dry_mix"])
        return folders[mix]

    def tracks(self, mix="drums"):
        """``drummer_N/<name>`` for every annotation with audio in each folder of ``mix``."""
        found = []
        for drummer in self.drummers:
            notes = self.root / drummer / "annotation"
            for path in sorted(notes.glob("*.txt")):
                audio = [self.root / drummer / "audio" / f / f"{path.stem}.wav"
                         for f in self._folders(mix)]
                if all(p.is_file() for p in audio):
                    found.append(f"{drummer}/{path.stem}")
        if not found:
            raise DatasetError(f"no annotated ENST-Drums track with {mix} audio under {self.root}")
        return found

    def audio(self, track, mix="drums", **unused):
        """Samples and rate of ``track`` (the sum of the folders of ``mix``)."""
        drummer, name = track.split("/", 1)
        y, sr = None, None
        for folder in self._folders(mix):
            part, sr = load_audio(find_audio(self.root / drummer / "audio" / folder, name),
                                  duration=self.duration)
            y = part if y is None else y[:part.size] + part[:y.size]
        return y, sr

    def annotation_path(self, track):
        """``drummer_N/annotation/<name>.txt``."""
        drummer, name = track.split("/", 1)
        return self.root / drummer / "annotation" / f"{name}.txt"

    def kit_tracks(self, track):
        """The other tracks of the same drummer (same kit)."""
        drummer = track.split("/", 1)[0]
        return [t for t in self.tracks("drums") if t.startswith(drummer + "/") and t != track]
