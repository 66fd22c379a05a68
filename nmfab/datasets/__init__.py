"""Datasets: one file per dataset, one protocol for all (:class:`Dataset`).

Real datasets live on the user's disk under ``<data>/<dataset name>/`` in their
own published layout (see README); the embedded synthetic datasets
(``synth_piano``, ``synth_drums``) are generated and need no files. Every
dataset class is registered under its ``name``; a task lists its datasets with
:func:`for_task` and opens one with :func:`open_dataset`. A dataset defined
outside nmfab joins by subclassing :class:`Dataset` and decorating the class
with :func:`register`.
"""
from .base import Dataset, crop_annotation, for_task, get, open_dataset, register
from .drum_annotations import DrumDataset

# Registration: importing each dataset module registers its class (one line per task).
from . import (maestro, maps, piano_recordings, synth_piano,  # noqa: F401,E402 (transcription)
               synth_piano_hard)
from . import enst_drums, mdb_drums, synth_drums  # noqa: F401,E402 (drums)
from . import medleydb, musdb18, stems, synth_separation  # noqa: F401,E402 (separation)
from . import (beatles, msaf, pop909, rwc_popular, salami,  # noqa: F401,E402 (structure)
               structure_annotations, synth_structure)
from . import anuraset, labelled_soundscapes, synth_soundscape  # noqa: F401,E402 (ecoacoustics)

__all__ = ["Dataset", "DrumDataset", "crop_annotation", "for_task", "get", "open_dataset",
           "register"]
