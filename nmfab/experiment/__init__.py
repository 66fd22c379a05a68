"""Experiment engine: doce-style plans, HDF5 caches and results, CLI."""
from .task import Context, Step, Task  # noqa: F401
