"""rwc_popular: RWC Popular Music and its AIST annotations through mirdata.

mirdata's data_home is ``<data>/rwc_popular/``.

Its layout (mirdata's): ``audio/rwc-p-m0<disc>/<n>.wav`` (the RWC CDs, not
distributed: only the tracks whose audio is there are used),
``annotations/AIST.RWC-MDB-P-2001.CHORUS/RM-P<nnn>.CHORUS.TXT`` (segments, times in
10 ms) and ``annotations/AIST.RWC-MDB-P-2001.BEAT/RM-P<nnn>.BEAT.TXT`` (beats, 384 =
bar head), and mirdata's index (``rwc_popular_index_1.0.json``), which must already
be present, in mirdata's indexes folder or in the data_home (nmfab does not
download it). These are the AIST section annotations (mirdata's), not the MIREX10
boundaries of the published barwise-NMF figures.

Bars (``bars=annotated``) are the annotated bar heads.
"""
from .base import register
from .structure_annotations import MirdataStructure


@register
class RwcPopular(MirdataStructure):
    """RWC Popular pieces (mirdata's ids ``RM-P001`` ...) with their segments and downbeats."""

    name = "rwc_popular"
    has_bars = True
    layout = ("audio/rwc-p-m0<disc>/<n>.wav, annotations/AIST.RWC-MDB-P-2001.CHORUS/"
              "RM-P<nnn>.CHORUS.TXT, annotations/AIST.RWC-MDB-P-2001.BEAT/RM-P<nnn>.BEAT.TXT")
