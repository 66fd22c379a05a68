"""beatles: the Isophonics Beatles annotations through mirdata, with data_home ``<data>/beatles/``.

Layout (mirdata's): ``audio/<album>/<song>.wav`` (not distributed: only the
tracks whose audio is there are used), ``annotations/seglab/The Beatles/<album>/
<song>.lab`` (segments) and ``annotations/beat/The Beatles/<album>/<song>.txt``
(beats with their position in the bar, 1 = downbeat), and mirdata's index
(``beatles_index_1.2.json``), which must already be present, in mirdata's indexes
folder or in the data_home (nmfab does not download it).

Bars (``bars=annotated``) are the beats at position 1; a track without a beat
file has none (use ``bars=estimated`` for it).
"""
from .base import register
from .structure_annotations import MirdataStructure


@register
class Beatles(MirdataStructure):
    """Beatles songs (mirdata's ids, e.g. ``0111``) with their segments and downbeats."""

    name = "beatles"
    has_bars = True
    layout = ("audio/<album>/<song>.wav, annotations/seglab/The Beatles/<album>/<song>.lab, "
              "annotations/beat/The Beatles/<album>/<song>.txt")
