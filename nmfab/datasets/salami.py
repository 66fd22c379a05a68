"""salami: SALAMI structure annotations through mirdata, with data_home ``<data>/salami/``.

Layout (mirdata's): ``audio/<id>.mp3`` (not distributed: only the tracks whose
audio is there are used), ``salami-data-public-hierarchy-corrections/annotations/
<id>/parsed/textfile<annotator>_uppercase.txt`` and mirdata's index
(``salami_index_2.0-corrected.json``), which must already be present, in mirdata's
indexes folder or in the data_home (nmfab does not download it).

Factor ``annotator`` (1 or 2) picks SALAMI's first or second annotator; tracks
without that annotator's file are skipped (with a warning when their audio is
there). The segments are the large-scale (uppercase) level. SALAMI has no beat
annotation: analyse with ``bars=estimated`` (``bars=annotated`` is reported as
not applicable).
"""
from ..errors import DatasetError, check_choice
from .base import register
from .structure_annotations import MirdataStructure

LEVELS = ("uppercase", "lowercase")


@register
class Salami(MirdataStructure):
    """SALAMI tracks (mirdata's ids) with the segments of one annotator.

    Parameters
    ----------
    root : str or Path
        ``<data>/salami``, mirdata's data_home.
    cache_dir : ignored
    annotator : {1, 2}
        Whose annotation (SALAMI has two per track for most tracks).
    level : {"uppercase", "lowercase"}
        Large-scale (default) or small-scale segments.
    """

    name = "salami"
    has_bars = False
    factors = ("annotator",)
    layout = ("audio/<id>.mp3, salami-data-public-hierarchy-corrections/annotations/<id>/"
              "parsed/textfile<1|2>_uppercase.txt")

    def __init__(self, root=None, cache_dir=None, annotator=1, level="uppercase"):
        super().__init__(root, cache_dir)
        self.annotator = int(check_choice("salami annotator", int(annotator), (1, 2),
                                          DatasetError))
        self.level = check_choice("salami level", level, LEVELS, DatasetError)

    def sections_path(self, item):
        """The annotator's file at the chosen level (None when the index has none)."""
        return getattr(item, f"sections_annotator{self.annotator}_{self.level}_path")
