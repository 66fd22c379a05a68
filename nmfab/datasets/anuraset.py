"""AnuraSet (Cañas et al., 2023): 3-s clips of neotropical anurans, read from its published layout.

Layout under ``<data>/anuraset/``::

    metadata.csv                     one row per clip: sample_name, fname, min_t, max_t,
                                     site, date, subset (train/test), species_number,
                                     then one 0/1 column per species code
    audio/<site>/<sample_name>.wav   the clips (22,050 Hz)

The count of a clip is the number of species present (its species columns),
checked against ``species_number``. The ``subset`` factor keeps the train or
the test clips, or all of them.
"""
import csv

from ..errors import DatasetError, check_choice
from .audio import find_audio, load_audio, require_dir
from .base import register
from .soundscape import SoundscapeDataset, annotation_of

FIXED_COLUMNS = ("sample_name", "fname", "min_t", "max_t", "site", "date", "subset",
                 "species_number")
SUBSETS = ("train", "test", "all")


@register
class AnuraSet(SoundscapeDataset):
    """AnuraSet clips under ``root``.

    Parameters
    ----------
    root : str or Path
        ``<data>/anuraset``.
    cache_dir : ignored
    subset : {"train", "test", "all"}
    """

    name = "anuraset"
    factors = ("subset",)

    def __init__(self, root=None, cache_dir=None, subset="test"):
        super().__init__(root, cache_dir)
        self.subset = check_choice("AnuraSet subset", subset, SUBSETS, DatasetError)
        self._rows = None

    def validate(self):
        """One line naming the missing metadata file or audio folder."""
        require_dir(self.root / "audio", "AnuraSet audio folder",
                    "expected anuraset/audio/<site>/<sample_name>.wav and anuraset/metadata.csv")
        if not (self.root / "metadata.csv").is_file():
            raise DatasetError(f"AnuraSet metadata not found: {self.root / 'metadata.csv'}")

    def rows(self):
        """``{sample_name: metadata row}`` of the clips of the subset."""
        if self._rows is None:
            with open(self.root / "metadata.csv", newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                missing = [c for c in FIXED_COLUMNS if c not in (reader.fieldnames or [])]
                if missing:
                    raise DatasetError(f"{self.root / 'metadata.csv'} lacks the column(s) "
                                       + ", ".join(missing))
                self._rows = {row["sample_name"]: row for row in reader
                              if self.subset in ("all", row["subset"])}
        return self._rows

    def tracks(self):
        """Sample names of the subset."""
        return sorted(self.rows())

    def audio(self, track, sr=None, duration=None):
        """Samples of the clip."""
        row = self.rows()[track]
        return load_audio(find_audio(self.root / "audio" / row["site"], track), sr=sr,
                          duration=duration)

    def annotation(self, track):
        """Species present (their codes) and their count."""
        row = self.rows()[track]
        species = [code for code, value in row.items()
                   if code not in FIXED_COLUMNS and str(value).strip() in ("1", "1.0")]
        if int(float(row["species_number"])) != len(species):
            raise DatasetError(f"AnuraSet clip {track}: species_number={row['species_number']} "
                               f"but {len(species)} species columns are 1")
        return annotation_of(species)
