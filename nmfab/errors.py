"""Exceptions that carry one clear line for the user.

Every error that is the user's to fix (bad input array, unknown name, missing
dataset, ...) is an :class:`NmfabError`. The command line prints its message
as one line and exits non-zero; tracebacks are kept for genuine bugs.
"""


class NmfabError(ValueError):
    """Bad input or configuration; the message says what is wrong and what to do."""


class DatasetError(NmfabError, FileNotFoundError):
    """A dataset root, track or annotation file is missing or unreadable."""
