"""Experiment engine: doce-style plans, HDF5 caches and results, CLI."""
from .task import TASKS, Context, Step, Task, get_task, register_task  # noqa: F401
from .experiment import Experiment  # noqa: F401
from .results import load_results  # noqa: F401
from .cli import datasets_present  # noqa: F401
