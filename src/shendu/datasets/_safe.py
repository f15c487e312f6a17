"""Read the pickled parts of public dataset files without running code from them.

The CIFAR-10 batches and the object arrays of ``imdb.npz`` are pickles. Here they are read by
an unpickler that can only rebuild NumPy arrays, dtypes and plain Python containers: any other
global (a function a hostile file names) raises :class:`~shendu.errors.FileFormatError`.

>>> import io, pickle
>>> import numpy as np
>>> safe_unpickle(io.BytesIO(pickle.dumps({"a": np.arange(3)})))["a"]
array([0, 1, 2])
"""

from __future__ import annotations

import io
import math
import os
import pickle
import zipfile
import zlib

import numpy as np

from ..errors import FileFormatError

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
    ("builtins", "list"),
    ("builtins", "dict"),
    ("__builtin__", "list"),
    ("__builtin__", "dict"),
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise FileFormatError(
                f"Dataset file: refusing to load the global {module}.{name} from a pickle; "
                "expected only NumPy arrays and plain containers. Hint: the file is not the "
                "public dataset file it claims to be."
            )
        return super().find_class(module, name)


def safe_unpickle(fileobj, encoding: str = "ASCII"):
    """Unpickle NumPy arrays and containers only (``encoding='bytes'`` for Python 2 files)."""
    try:
        return _RestrictedUnpickler(fileobj, encoding=encoding).load()
    except FileFormatError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise FileFormatError(
            f"Dataset file: cannot read a pickle ({exc}). Hint: the file is truncated or not "
            "in the expected format."
        ) from exc


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file; object arrays are read with :func:`safe_unpickle`."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileFormatError(
            f"Dataset file {os.fspath(path)!r}: expected an .npz (zip) archive ({exc}). "
            "Hint: pass the .npz file itself."
        ) from exc
    arrays = {}
    with archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            try:
                arrays[member[:-4]] = _read_npy(io.BytesIO(archive.read(member)))
            except FileFormatError:
                raise
            except (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error,
                    NotImplementedError) as exc:
                raise FileFormatError(
                    f"Dataset file {os.fspath(path)!r}: member {member!r} is not a readable .npy "
                    f"array ({exc}). Hint: the file is truncated or corrupt; fetch it again."
                ) from None
    return arrays


def _read_npy(data: io.BytesIO) -> np.ndarray:
    """One .npy array (object arrays through :func:`safe_unpickle`)."""
    version = np.lib.format.read_magic(data)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(data)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(data)
    if dtype.hasobject:
        array = safe_unpickle(data, encoding="latin1")
        return array if isinstance(array, np.ndarray) else np.asarray(array, dtype=object)
    raw = data.read()
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise ValueError(f"its header promises shape {shape} of {dtype}, "
                         f"{math.prod(shape) * dtype.itemsize} bytes; it holds {len(raw)}")
    array = np.frombuffer(raw, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C").copy()
