"""The results database: one small HDF5 row file per (setting, track), plus a snapshot.

Design (kill-safe). Each (setting, track) row is its own file
``results/<experiment>/<setting hash>/<track hash>.h5`` (the setting hash covers
every factor, defaults included, so changing a default never reuses old rows),
written under a temporary name and renamed into place by the driver process
only. A SIGKILL at any moment therefore loses at most the rows in flight; every
stored row stays readable and a pair is never stored twice (its file name is
fixed by the pair, and a success row and a failed row are never both read).
After each run the driver also writes ``results/<experiment>.h5``, a compact
pandas table of all rows, again via a temporary file and a rename. The row
folder is authoritative; :func:`load_results` reads it when it exists.
"""
import datetime
import hashlib
import importlib.metadata
import os
import platform
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from . import store
from .plan import setting_key

# Columns of the results table that are not factors or metrics.
RESERVED = frozenset({"setting", "track", "error", "date", "nmfab_version", "versions", "n_iter",
                      "final_loss", "loss", "loss_time", "loss_iter"})
PACKAGES = ("nmfab", "numpy", "scipy", "librosa", "pandas", "tables", "mir_eval", "museval",
            "mirdata", "torch")
HISTORY = ("loss", "loss_time", "loss_iter")   # the loss curve columns of ``histories=True``


def provenance():
    """Versions of nmfab, Python and the dependencies, and the current UTC date."""
    versions = {"python": platform.python_version(),
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "absent"
    return versions


def _digest(text):
    """A short stable hex digest of ``text``: a file name that is safe on any file system."""
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class ResultsStore:
    """The row files of one experiment (``root`` is ``results/<experiment>[_tag]``)."""

    def __init__(self, root):
        self.root = Path(root)

    @property
    def snapshot_path(self):
        """The compact table written after each run: ``<root>.h5``."""
        return self.root.with_name(self.root.name + ".h5")

    def setting_dir(self, setting):
        """The folder of one setting's rows, named by a digest of the full setting dict."""
        return self.root / _digest(setting_key(setting))

    def row_path(self, setting, track, failed=False):
        """The row file of (setting, track): ``<track digest>.h5`` or ``.failed.h5``."""
        suffix = ".failed.h5" if failed else ".h5"
        return self.setting_dir(setting) / (_digest(track) + suffix)

    def has(self, setting, track):
        """Whether a successful row is stored for (setting, track)."""
        return self.row_path(setting, track).exists()

    def is_current(self, setting, track, key):
        """Whether a successful row of (setting, track) is stored and was computed with the
        code and factors that ``key`` (the last step's cache key) names; a row written
        by code since edited is not current, so ``-c`` recomputes it."""
        path = self.row_path(setting, track)
        if not path.exists():
            return False
        try:
            return store.read_attribute(path, "key") == key
        except Exception:  # unreadable row: recompute it
            return False

    def write(self, row, setting=None):
        """Store one row dict (keys setting, track, error, ...) atomically.

        ``setting`` (the full setting dict) names the file; by default ``row["factors"]``.
        The row of the opposite outcome is deleted first, so a kill never leaves both.
        """
        setting = row["factors"] if setting is None else setting
        failed = bool(row["error"])
        other = self.row_path(setting, row["track"], not failed)
        if other.exists():
            other.unlink()
        store.write_atomic(self.row_path(setting, row["track"], failed), row)

    @staticmethod
    def _read(paths):
        """Read row files, skipping ``X.failed.h5`` where ``X.h5`` exists (one row per pair)."""
        paths = sorted(paths)
        names = {p.name for p in paths}
        return [store.read(p) for p in paths if not (
            p.name.endswith(".failed.h5")
            and p.name[:-len(".failed.h5")] + ".h5" in names)]

    def read_setting(self, setting):
        """All stored rows (dicts) of one setting, failed ones included."""
        folder = self.setting_dir(setting)
        return self._read(folder.glob("*.h5")) if folder.exists() else []

    def read_all(self):
        """Every stored row."""
        folders = [f for f in sorted(self.root.glob("*")) if f.is_dir()]
        return [row for folder in folders for row in self._read(folder.glob("*.h5"))]

    def remove(self, setting):
        """Delete every row of one setting; returns how many were removed."""
        folder = self.setting_dir(setting)
        if not folder.exists():
            return 0
        count = len(list(folder.glob("*.h5")))
        shutil.rmtree(folder)
        return count

    def write_snapshot(self):
        """Write ``<root>.h5`` (the tidy table of all rows) via a temporary file and a rename."""
        frame = _normalize(rows_to_frame(self.read_all()))
        with atomic_path(self.snapshot_path) as tmp:
            frame.to_hdf(tmp, key="results", mode="w", format="table")


def _row_record(row, histories):
    """Flatten one stored row into a dict of table columns."""
    record = dict(setting=row["setting"], track=row["track"])
    record.update(row.get("factors", {}))
    record.update(row.get("metrics", {}))
    record.update(row.get("final", {}))
    history = row.get("history", {})
    record["n_iter"] = history.get("n_iter", np.nan)
    record["final_loss"] = history.get("final_loss", np.nan)
    record.update(row.get("timings", {}))
    record["error"] = row.get("error", "")
    versions = row.get("provenance", {})
    record["date"] = versions.get("date", "")
    record["nmfab_version"] = versions.get("nmfab", "")
    record["versions"] = " ".join(f"{name}={version}" for name, version in sorted(versions.items())
                                  if name != "date")
    if histories:
        record.update({key: np.asarray(history.get(key, []), dtype=float) for key in HISTORY})
    return record


def rows_to_frame(rows, histories=False):
    """Tidy DataFrame: one row per (setting, track), a column per factor, metric, timing."""
    frame = pd.DataFrame([_row_record(row, histories) for row in rows])
    if frame.empty:
        return pd.DataFrame(columns=["setting", "track", "error"])
    return frame.sort_values(["setting", "track"], kind="stable").reset_index(drop=True)


def _normalize(frame):
    """Make every column storable in a PyTables table: numbers as float, others as str."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype(float)
        else:
            frame[column] = frame[column].map(lambda v: "" if pd.isna(v) else str(v))
    return frame


def load_results(path, histories=False):
    """Read a results database as a tidy pandas DataFrame.

    Parameters
    ----------
    path : str or Path
        ``results/<experiment>.h5`` or the row folder ``results/<experiment>``.
        When the row folder exists it is read (it is always up to date);
        otherwise the snapshot table is.
    histories : bool
        Add ``loss``, ``loss_time`` and ``loss_iter`` columns holding each row's
        loss history: the loss at recorded iterations, the wall time at which
        each was reached and the iteration number of each (numpy arrays, empty
        where not recorded; row folder only).

    Returns
    -------
    pandas.DataFrame
        One row per (setting, track): ``setting``, ``track``, one column per
        factor and per metric, ``n_iter``, ``final_loss``, ``time_<step>``,
        ``hit_<step>``, ``error``, ``date``, ``nmfab_version`` and ``versions``
        (Python and dependency versions, ``"numpy=2.1.0 pandas=..."``).
    """
    path = Path(path)
    folder = path.with_suffix("") if path.suffix == ".h5" else path
    if folder.is_dir():
        return rows_to_frame(ResultsStore(folder).read_all(), histories)
    return pd.read_hdf(path, "results")
