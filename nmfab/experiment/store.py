"""Reading and writing flat dicts of arrays and scalars as small HDF5 files (PyTables).

Arrays become array nodes; ints, floats, bools and strings become attributes of
the root group. Files are written under a temporary name in the same folder and
renamed into place (:func:`os.replace`), so a crash never leaves a half-written
file under a real name. Nothing is pickled: reading back cannot run code.
"""
import warnings

import numpy as np
import tables

from ..atomic import atomic_path

_SCALARS = (bool, int, float, str, np.bool_, np.integer, np.floating, np.str_)


def _plain(value):
    """A numpy scalar as the matching Python scalar."""
    return value.item() if isinstance(value, np.generic) else value


def _write_group(h5, group, data):
    """Store ``data`` (a dict) in ``group``: nested dicts as sub-groups."""
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            _write_group(h5, h5.create_group(group, key), value)
        elif isinstance(value, _SCALARS):
            group._v_attrs[key] = _plain(value)
        else:
            array = np.asarray(value)
            if array.dtype == object:
                raise TypeError(f"output {key!r} is neither an array nor a scalar")
            h5.create_array(group, key, array)


def _read_group(group):
    """The dict stored in ``group`` (inverse of :func:`_write_group`)."""
    data = {key: _plain(group._v_attrs[key]) for key in group._v_attrs._f_list("user")}
    for node in group._f_iter_nodes():
        if isinstance(node, tables.Group):
            data[node._v_name] = _read_group(node)
        else:
            data[node._v_name] = node.read()
    return data


def write_atomic(path, data):
    """Write ``data`` to the HDF5 file ``path`` via a temporary file and a rename.

    Parameters
    ----------
    path : pathlib.Path
    data : dict
        str -> array, scalar, str or nested dict of those.
    """
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", tables.NaturalNameWarning)
        with tables.open_file(tmp, "w") as h5:
            _write_group(h5, h5.root, data)


def read(path):
    """Read a file written by :func:`write_atomic` back into a dict."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tables.NaturalNameWarning)
        with tables.open_file(path, "r") as h5:
            return _read_group(h5.root)


def read_attribute(path, name):
    """One scalar attribute of the root group of ``path`` (None when absent)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tables.NaturalNameWarning)
        with tables.open_file(path, "r") as h5:
            attrs = h5.root._v_attrs
            return _plain(attrs[name]) if name in attrs._f_list("user") else None
