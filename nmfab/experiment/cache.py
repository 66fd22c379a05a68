"""The step cache: one HDF5 file per (step, key) under the cache folder.

A step's key hashes the step name, its version, the values of the factors it
declares, digests of its code (and of its algorithm's, see
:func:`nmfab.experiment.factors.key_items`), the track and the key of the step
before it, so it changes exactly when something its output depends on changes.
A cache file that cannot be read, or whose checksum does not match, is reported
with one warning line and recomputed.
"""
import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

from ..atomic import TMP_SUFFIX
from . import store
from .factors import key_items
from .results import is_disk_full

log = logging.getLogger("nmfab.experiment")

TIME_ATTR = "_nmfab_seconds"


def step_key(step, setting, track, upstream_key):
    """The cache key of ``step`` for one (setting, track).

    Parameters
    ----------
    step : nmfab.experiment.Step
    setting : dict
    track : str
    upstream_key : str or None
        Key of the previous step (None for the first).

    Returns
    -------
    str
        A 32-character hexadecimal digest.
    """
    payload = json.dumps([step.name, str(step.version), key_items(step, setting), str(track),
                          upstream_key])
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def chain_keys(steps, setting, track):
    """Step name -> cache key for every step of a task, for one (setting, track)."""
    keys, upstream = {}, None
    for step in steps:
        upstream = keys[step.name] = step_key(step, setting, track, upstream)
    return keys


def remove_stale_temporaries(cache_dir):
    """Delete temporary files left in ``cache_dir`` by processes that no longer run.

    Their names hold the writer's pid (:func:`nmfab.atomic.temporary_name`);
    files of live processes (another experiment sharing the cache) are kept.
    Returns the number removed.
    """
    removed = 0
    for path in Path(cache_dir).glob(f"*/.*{TMP_SUFFIX}"):
        pid = path.name[:-len(TMP_SUFFIX)].rsplit(".", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StepCache:
    """Step outputs stored as ``<cache_dir>/<step name>/<key>.h5``."""

    def __init__(self, cache_dir):
        self.cache_dir = cache_dir

    def path(self, step_name, key):
        """File holding the output of ``step_name`` under ``key``."""
        return self.cache_dir / step_name / f"{key}.h5"

    def is_fresh(self, step_name, key, not_before=0.0):
        """Whether a cache file exists for ``key``, written at or after ``not_before`` (epoch s)."""
        try:
            return self.path(step_name, key).stat().st_mtime >= not_before
        except FileNotFoundError:
            return False

    def load(self, step_name, key, not_before=0.0):
        """(output dict, compute seconds) from the cache, or (None, None).

        Files absent, unreadable, or older than ``not_before`` (``--force``: only
        what this run wrote counts) give (None, None).
        """
        path = self.path(step_name, key)
        if not self.is_fresh(step_name, key, not_before):
            return None, None
        try:
            data = store.read(path)
        except Exception as error:  # any damage: treat as missing, recompute
            log.warning("warning: unreadable cache file %s (%s: %s); recomputing",
                        path, type(error).__name__, error)
            return None, None
        seconds = data.pop(TIME_ATTR, None)
        return data, seconds

    def save(self, step_name, key, output, seconds):
        """Store ``output`` (with its compute time) atomically.

        Something in the way (a folder in the file's place) is removed first; any
        other failure to write is one warning line (the output is still used),
        except a full disk, which is raised for the driver to stop the run.
        """
        path = self.path(step_name, key)
        try:
            if path.is_dir():
                shutil.rmtree(path)
            store.write_atomic(path, {**output, TIME_ATTR: float(seconds)})
        except OSError as error:
            if is_disk_full(error):
                raise
            log.warning("warning: could not write cache file %s (%s); continuing", path, error)
