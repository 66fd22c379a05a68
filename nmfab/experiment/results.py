"""The results database: one SQLite file per experiment, one table row per (setting, track).

Why SQLite (Python's ``sqlite3``): every write is a transaction that commits
whole or not at all, including when the disk is full; WAL journaling lets
``-d`` read while ``-c`` writes; a kill at any moment loses only the rows in
flight (commits are synced at WAL checkpoints, SQLite's ``synchronous=NORMAL``:
a killed process loses no committed row, a power cut may lose the last few,
never the file); and nothing read back can run code (rows are JSON text, never pickle).
Each row carries the SHA-256 of its JSON, checked on every read: a damaged row
is reported in one line and treated as missing, so ``-c`` recomputes it. A file
that is not a readable database is set aside (``.corrupt-<time>``), its
readable rows are kept, and the run goes on.

``results/<experiment>[_<tag>].db``; ``load_results`` returns the tidy
DataFrame and ``pandas.read_sql("SELECT * FROM rows", sqlite3.connect(path))``
gives the raw table. Results of nmfab 0.1 (HDF5 row folders) are not read:
rerun ``-c`` (cached features are reused).
"""
import contextlib
import datetime
import errno
import hashlib
import importlib.metadata
import json
import logging
import platform
import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import NmfabError
from .plan import setting_key

log = logging.getLogger("nmfab.experiment")

# Columns of the results table that are not factors or metrics.
RESERVED = frozenset({"setting", "track", "error", "date", "nmfab_version", "versions", "n_iter",
                      "final_loss", "loss", "loss_time", "loss_iter"})
PACKAGES = ("nmfab", "numpy", "scipy", "librosa", "pandas", "h5py", "mir_eval", "museval",
            "mirdata", "torch")
HISTORY = ("loss", "loss_time", "loss_iter")   # the loss curve columns of ``histories=True``
SCHEMA = """CREATE TABLE IF NOT EXISTS rows (
    setting_key TEXT NOT NULL, track TEXT NOT NULL, setting TEXT NOT NULL,
    failed INTEGER NOT NULL, key TEXT NOT NULL, row TEXT NOT NULL, checksum TEXT NOT NULL,
    PRIMARY KEY (setting_key, track))"""


class DiskFull(NmfabError):
    """The disk is full: what was stored before is intact."""


def is_disk_full(error):
    """Whether ``error`` (OSError, sqlite3 or HDF5 error) says the disk is full."""
    text = str(error).lower()
    return (getattr(error, "errno", None) == errno.ENOSPC or "disk is full" in text
            or "no space left" in text or "errno = 28" in text)


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


# ------------------------------------------------------------------ JSON rows

def _to_json(value):
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"result value of type {type(value).__name__} cannot be stored")


def _from_json(obj):
    if "__ndarray__" in obj:
        return np.asarray(obj["__ndarray__"], dtype=np.dtype(obj["dtype"]))
    return obj


def encode_row(row):
    """``(text, checksum)`` of a row dict: JSON (arrays tagged with their dtype) and its SHA-256."""
    text = json.dumps(row, default=_to_json, sort_keys=True)
    return text, hashlib.sha256(text.encode()).hexdigest()


def decode_row(text, checksum):
    """The row dict of ``text``; ValueError when the checksum or the JSON is wrong."""
    if hashlib.sha256(text.encode()).hexdigest() != checksum:
        raise ValueError("checksum mismatch")
    return json.loads(text, object_hook=_from_json)


# ------------------------------------------------------------------ the store

class ResultsStore:
    """The rows of one experiment in ``<root>.db`` (``root`` is ``results/<experiment>[_tag]``)."""

    def __init__(self, root):
        self.root = Path(root)
        self._ready = False

    @property
    def path(self):
        """The database file ``<root>.db``."""
        return self.root.with_name(self.root.name + ".db")

    snapshot_path = path          # the database is its own snapshot

    @contextlib.contextmanager
    def _connect(self, write=False):
        if not write and not self.path.exists():
            yield None
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=60)
        try:
            if write and not self._ready:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(SCHEMA)
                self._ready = True
            if write:       # WAL + NORMAL: a commit survives a killed process (not a power cut)
                connection.execute("PRAGMA synchronous=NORMAL")
            yield connection
        except sqlite3.Error as error:
            if is_disk_full(error):
                raise DiskFull(f"disk full at {self.path}: free space and rerun -c (the rows "
                               "stored before are intact)") from None
            raise
        finally:
            connection.close()

    def _select(self, where="", params=()):
        """Decoded rows; damaged ones are reported (one line each) and left out."""
        try:
            with self._connect() as connection:
                if connection is None:
                    return []
                found = connection.execute(
                    f"SELECT setting, track, row, checksum FROM rows {where}", params).fetchall()
        except sqlite3.DatabaseError as error:
            if "no such table" in str(error):
                return []
            raise NmfabError(f"results database {self.path} is unreadable ({error}); rerun -c "
                             "to salvage its readable rows and recompute the rest") from None
        rows = []
        for setting, track, text, checksum in found:
            try:
                rows.append(decode_row(text, checksum))
            except ValueError as error:
                log.warning("warning: damaged result row (%s, track %s) in %s (%s); -c "
                            "recomputes it", setting or "(defaults)", track, self.path, error)
        return rows

    def read_setting(self, setting):
        """All stored rows (dicts) of one setting, failed ones included."""
        return self._select("WHERE setting_key = ?", (setting_key(setting),))

    def read_all(self):
        """Every stored row."""
        return self._select("ORDER BY setting, track")

    def is_current(self, setting, track, key):
        """Whether an intact successful row of (setting, track) is stored and was computed with
        the code and factors that ``key`` (the last step's cache key) names; a row written by
        code since edited, damaged or failed is not, so ``-c`` recomputes it."""
        try:
            with self._connect() as connection:
                found = connection and connection.execute(
                    "SELECT row, checksum, key, failed FROM rows WHERE setting_key = ? AND "
                    "track = ?", (setting_key(setting), str(track))).fetchone()
            if not found or found[2] != key or found[3]:
                return False
            decode_row(found[0], found[1])
            return True
        except (sqlite3.DatabaseError, ValueError):
            return False

    def has(self, setting, track):
        """Whether an intact successful row is stored for (setting, track)."""
        return any(row["track"] == str(track) and not row["error"]
                   for row in self.read_setting(setting))

    def write(self, row, setting=None):
        """Store one row dict (keys setting, track, error, ...) in one transaction."""
        self.write_many([row], setting)

    def write_many(self, rows, setting=None):
        """Store rows in one transaction (all or none); each replaces its pair's row.

        Raises
        ------
        DiskFull
            When the disk is full; nothing of this call is stored, the rest is intact.
        """
        records = []
        for row in rows:
            text, checksum = encode_row(row)
            factors = row["factors"] if setting is None else setting
            records.append((setting_key(factors), str(row["track"]), row["setting"],
                            int(bool(row["error"])), row.get("key", ""), text, checksum))
        with self._connect(write=True) as connection, connection:
            connection.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   records)

    def remove(self, setting):
        """Delete every row of one setting; returns how many were removed."""
        if not self.path.exists():
            return 0
        with self._connect(write=True) as connection, connection:
            return connection.execute("DELETE FROM rows WHERE setting_key = ?",
                                      (setting_key(setting),)).rowcount

    def check(self):
        """Make sure the database is usable before ``-c`` writes to it.

        A file that is not a readable SQLite database is renamed
        ``<name>.corrupt-<time>``, its intact rows are copied into a new
        database, and one warning line says so. Returns the number of rows kept
        (None when nothing needed repair).
        """
        if not self.path.exists():
            return None
        try:
            with self._connect(write=True) as connection:
                verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
            if verdict == "ok":
                return None
        except sqlite3.DatabaseError:
            pass
        kept = _salvage(self.path)
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        for suffix in ("-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        self.path.rename(aside)
        self._ready = False
        if kept:
            self.write_many(kept)
        log.warning("warning: results database %s was damaged: set aside as %s, %d intact "
                    "rows kept; -c recomputes the rest", self.path, aside.name, len(kept))
        return len(kept)


def _salvage(path):
    """The intact rows that can still be read from a damaged database file."""
    kept = []
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            cursor = connection.execute("SELECT row, checksum FROM rows")
            while True:
                try:
                    found = cursor.fetchone()
                except sqlite3.DatabaseError:
                    break
                if found is None:
                    break
                with contextlib.suppress(ValueError):
                    kept.append(decode_row(*found))
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        pass
    return kept


# ------------------------------------------------------------------ tidy tables

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


def load_results(path, histories=False):
    """Read a results database as a tidy pandas DataFrame.

    Parameters
    ----------
    path : str or Path
        ``results/<experiment>.db`` (``results/<experiment>`` or ``.h5`` name the same).
    histories : bool
        Add ``loss``, ``loss_time`` and ``loss_iter`` columns holding each row's
        loss history: the loss at recorded iterations, the wall time at which
        each was reached and the iteration number of each (numpy arrays, empty
        where not recorded).

    Returns
    -------
    pandas.DataFrame
        One row per (setting, track): ``setting``, ``track``, one column per
        factor and per metric, ``n_iter``, ``final_loss``, ``time_<step>``,
        ``hit_<step>``, ``error``, ``date``, ``nmfab_version`` and ``versions``
        (Python and dependency versions, ``"numpy=2.1.0 pandas=..."``).

    Examples
    --------
    >>> frame = load_results("results/transcription.db")   # doctest: +SKIP
    """
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".db", ".h5") else path
    store = ResultsStore(stem)
    if not store.path.exists():
        raise NmfabError(f"no results database at {store.path}; run the experiment with -c "
                         "first (results of nmfab 0.1, HDF5 row folders, are not read: rerun -c)")
    return rows_to_frame(store.read_all(), histories)
