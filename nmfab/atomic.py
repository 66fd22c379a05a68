"""One way to write a file atomically: write a temporary file beside it, then rename.

Every writer of nmfab (step cache, result rows, snapshots, generated datasets)
goes through :func:`atomic_path`, so a crash or kill never leaves a half-written
file under a real name, and temporary names never collide between processes.
"""
import os
import re
from contextlib import contextmanager
from pathlib import Path

from .errors import NmfabError

TMP_SUFFIX = ".tmp"


def temporary_name(path):
    """The temporary name used while writing ``path``: hidden, per process, same folder.

    It ends in ``.tmp``, so globs over real files (``*.h5``) never match it; a
    writer that picks a format by extension (numpy's ``savez``) should write to
    an open file object of this path.
    """
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")


@contextmanager
def atomic_path(path):
    """Yield a temporary path to write; on success rename it to ``path``.

    The parent folder is created. On any error the temporary file is removed
    and ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def check_file_name(what, value):
    """``value`` if it is a plain file name (letters, digits, ``_ . -``; no folder part, no
    leading dot): user-given names (experiment, ``-t`` tag) can never write elsewhere.

    Examples
    --------
    >>> check_file_name("tag", "trial_2")
    'trial_2'
    >>> check_file_name("tag", "../../x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nmfab.errors.NmfabError: tag '../../x' must be a plain name ...
    """
    if not isinstance(value, str) or not _PLAIN_NAME.fullmatch(value):
        raise NmfabError(f"{what} {value!r} must be a plain name (letters, digits, _ . -; "
                         "at most 100 characters), not a path")
    return value
