"""Audio tasks: one module per task family, each defining and registering a
:class:`nmfab.experiment.Task` (its steps, defaults and factors; the audio logic lives in
:mod:`nmfab.mir`). Importing this package registers the built-in tasks:

>>> import nmfab.tasks
>>> from nmfab.experiment import get_task
>>> get_task("drums").name
'drums'
"""
from . import drums, transcription  # noqa: F401  (registration)
from . import ecoacoustics  # noqa: F401  (register the ecoacoustics task)
from . import separation  # noqa: F401 (register the separation task)
from . import structure  # noqa: F401  (register the structure task)
