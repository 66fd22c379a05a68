"""Step-cache files: dicts of arrays and scalars as small HDF5 files, checksummed, never unpickled.

Written with h5py: arrays become datasets, scalars 0-d datasets (strings as
UTF-8), nested dicts groups. h5py never unpickles anything it reads (PyTables
unpickles attributes that look like pickles, so a crafted file could run code;
nmfab does not use it for files it reads back).

Integrity: each file starts with a 512-byte HDF5 *user block* (the file stays a
plain HDF5 file for any HDF5 tool) holding a magic line and the SHA-256 of the
rest of the file. :func:`read` verifies it on the bytes in memory before HDF5
sees them, so a truncated, zeroed or bit-flipped file is a clean
:class:`CorruptFile` error (a cache miss for the engine), never a segfault or a
silently wrong value. Files are written through :func:`nmfab.atomic.atomic_path`.
"""
import hashlib
import io

import h5py
import numpy as np

from ..atomic import atomic_path

MAGIC = b"nmfab-h5 sha256 "
USERBLOCK = 512
_SCALARS = (bool, int, float, str, np.bool_, np.integer, np.floating, np.str_)


class CorruptFile(ValueError):
    """A cache file whose checksum or structure is wrong."""


def _write_group(group, data):
    """Store ``data`` (a dict) in ``group``: nested dicts as sub-groups."""
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            _write_group(group.create_group(key), value)
        elif isinstance(value, (str, np.str_)):
            group.create_dataset(key, data=str(value), dtype=h5py.string_dtype())
        elif isinstance(value, _SCALARS):
            group.create_dataset(key, data=value)
            group[key].attrs["scalar"] = True
        else:
            array = np.asarray(value)
            if array.dtype == object or array.dtype.kind == "U":
                raise TypeError(f"output {key!r} is neither a numeric array nor a scalar")
            group.create_dataset(key, data=array)


def _read_group(group):
    """The dict stored in ``group`` (inverse of :func:`_write_group`)."""
    data = {}
    for key, node in group.items():
        if isinstance(node, h5py.Group):
            data[key] = _read_group(node)
        elif h5py.check_string_dtype(node.dtype) is not None:
            data[key] = node.asstr()[()]
        elif node.dtype.kind not in "biufc":
            raise CorruptFile(f"unexpected dataset {key!r} of dtype {node.dtype}")
        elif node.attrs.get("scalar", False):
            data[key] = node[()].item()
        else:
            data[key] = node[()]
    return data


def encode(data):
    """The bytes of an HDF5 file holding ``data``, with the checksum in its user block."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w", userblock_size=USERBLOCK) as h5:
        _write_group(h5, data)
    image = bytearray(buffer.getvalue())
    header = MAGIC + hashlib.sha256(image[USERBLOCK:]).hexdigest().encode() + b"\n"
    image[:len(header)] = header
    return bytes(image)


def decode(image):
    """The dict held by the bytes ``image``; CorruptFile when the checksum does not match."""
    digest = hashlib.sha256(image[USERBLOCK:]).hexdigest().encode()
    if len(image) <= USERBLOCK or image[:len(MAGIC) + 64] != MAGIC + digest:
        raise CorruptFile("checksum mismatch (truncated, damaged or not an nmfab file)")
    with h5py.File(io.BytesIO(image), "r") as h5:
        return _read_group(h5)


def write_atomic(path, data):
    """Write ``data`` to the HDF5 file ``path`` via a temporary file and a rename.

    Parameters
    ----------
    path : pathlib.Path
    data : dict
        str -> array, scalar, str or nested dict of those.
    """
    image = encode(data)
    with atomic_path(path) as tmp:
        tmp.write_bytes(image)


def read(path):
    """Read a file written by :func:`write_atomic` back into a dict (checksum verified)."""
    with open(path, "rb") as handle:
        return decode(handle.read())
