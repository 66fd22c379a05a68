"""Exceptions that carry one clear line for the user.

Every error that is the user's to fix (bad input array, unknown name, missing
dataset, ...) is an :class:`NmfabError`. The command line prints its message
as one line and exits non-zero; tracebacks are kept for genuine bugs.
"""


class NmfabError(ValueError):
    """Bad input or configuration; the message says what is wrong and what to do."""


class DatasetError(NmfabError, FileNotFoundError):
    """A dataset root, track or annotation file is missing or unreadable."""


def check_choice(what, value, choices, error=NmfabError):
    """Return ``value`` if it is one of ``choices``; else raise one line listing them.

    Parameters
    ----------
    what : str
        What the value names, e.g. ``"algorithm"`` or ``"drum dataset"``.
    value : object
    choices : iterable
        The valid values (a dict's keys, a tuple of names, ...).
    error : type
        The exception class (an :class:`NmfabError` subclass).

    Examples
    --------
    >>> check_choice("mix", "drums", ("drums", "full"))
    'drums'
    >>> check_choice("mix", "wet", ("drums", "full"))
    Traceback (most recent call last):
    ...
    nmfab.errors.NmfabError: unknown mix 'wet'; choose one of: drums, full
    """
    choices = list(choices)
    if value not in choices:
        raise error(f"unknown {what} {value!r}; choose one of: "
                    + ", ".join(str(c) for c in choices))
    return value
