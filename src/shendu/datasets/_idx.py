"""The IDX format of the MNIST files: a magic number naming the type and rank, then the sizes.

>>> import gzip, io, struct
>>> import numpy as np
>>> raw = struct.pack(">HBB", 0, 0x08, 1) + struct.pack(">I", 3) + bytes([1, 2, 3])
>>> parse_idx(raw)
array([1, 2, 3], dtype=uint8)
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ..errors import ArgumentError, DataError, FileFormatError

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IMAGE_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def parse_idx(raw: bytes, where: str = "IDX data") -> np.ndarray:
    """An array from the bytes of an IDX file (big-endian, converted to native order)."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise FileFormatError(
            f"{where}: expected an IDX file (magic 0x00 0x00 type rank), got "
            f"{raw[:4].hex() or 'an empty file'}. Hint: pass the -ubyte or -ubyte.gz file."
        )
    dtype, ndim = np.dtype(_TYPES[raw[2]]), raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise FileFormatError(
            f"{where}: the header names {ndim} dimensions but the file ends after "
            f"{len(raw)} bytes. Hint: the file is truncated; fetch it again."
        )
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    body = raw[4 + 4 * ndim:]
    expected = math.prod(shape) * dtype.itemsize  # exact: NumPy's product wraps around
    if len(body) != expected:
        raise FileFormatError(
            f"{where}: header promises shape {shape} ({expected} bytes), the file holds "
            f"{len(body)}. Hint: the file is truncated; fetch it again."
        )
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def load_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file, gzip-compressed (``.gz``) or not.

    >>> import numpy as np, tempfile, pathlib, struct
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x-idx1-ubyte"
    >>> _ = p.write_bytes(struct.pack(">HBBI", 0, 8, 1, 2) + bytes([7, 9]))
    >>> load_idx(p)
    array([7, 9], dtype=uint8)
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"IDX file {str(path)!r}: {'is a folder' if path.is_dir() else 'does not exist'}. "
            "Hint: pass one -ubyte or -ubyte.gz file; load_split(folder) reads a folder."
        )
    with open(path, "rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise FileFormatError(
            f"IDX file {str(path)!r}: cannot decompress it ({exc}). Hint: the .gz file is "
            "truncated or corrupt; fetch it again."
        ) from None
    return parse_idx(raw, where=f"IDX file {str(path)!r}")


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (folder / name).is_file():
            return folder / name
    return None


def load_split(folder: str | os.PathLike, split: str = "t10k") -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of one split ('train' or 't10k') from a folder of IDX files."""
    folder = Path(folder)
    if split not in IMAGE_FILES:
        raise ArgumentError(f"load_split: split must be one of {sorted(IMAGE_FILES)}, got "
                            f"{split!r}. Hint: 't10k' is the test split.")
    stems = IMAGE_FILES[split]
    found = [_find(folder, s) for s in stems]
    missing = [s for s, f in zip(stems, found) if f is None]
    if missing:
        raise DataError(
            f"IDX folder {str(folder)!r}: expected {' and '.join(s + '(.gz)' for s in stems)}, "
            f"missing {', '.join(missing)}. Hint: a folder holding only the t10k files (such as "
            "mnist10k) is read with load_split(folder, 't10k')."
        )
    images, labels = load_idx(found[0]), load_idx(found[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise FileFormatError(
            f"IDX folder {str(folder)!r}: expected images (n, rows, cols) and n labels, got "
            f"{images.shape} and {labels.shape}. Hint: the files do not belong together."
        )
    return images, labels


def load_folder_or_npz(path: Path) -> tuple[tuple, tuple]:
    """((x_train, y_train), (x_test, y_test)) from a Keras-style .npz or a folder of IDX files."""
    if path.is_dir():
        return load_split(path, "train"), load_split(path, "t10k")
    if not path.exists():
        raise DataError(f"Dataset path {str(path)!r} does not exist. Hint: pass the Keras .npz "
                        "file or a folder of IDX files, or None to download.")
    from ._safe import load_npz

    arrays = load_npz(path)
    keys = ("x_train", "y_train", "x_test", "y_test")
    if not all(k in arrays for k in keys):
        raise FileFormatError(
            f"Dataset file {str(path)!r}: expected arrays {keys}, found {sorted(arrays)}. "
            "Hint: pass the Keras .npz file or a folder of IDX files."
        )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
