"""CIFAR-10: 50,000 training and 10,000 test colour images, 32×32×3 uint8, 10 classes.

A. Krizhevsky, *Learning multiple layers of features from tiny images* (2009). Read from the
"CIFAR-10 python version" tarball (``cifar-10-python.tar.gz``, downloaded when needed with a
SHA-256 check) or its extracted ``cifar-10-batches-py`` folder. The batches are pickles; they
are read with an unpickler that can only rebuild arrays (no code runs).
Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck.

>>> from shendu.datasets import cifar10
>>> cifar10.TRAIN_BATCHES[0]
'data_batch_1'
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import numpy as np

from ..errors import DataError, FileFormatError
from ._resolve import local_or_download
from ._safe import safe_unpickle

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"


def _parse_batch(raw: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    batch = safe_unpickle(io.BytesIO(raw), encoding="bytes")
    if not isinstance(batch, dict):
        raise FileFormatError(f"CIFAR-10 batch {name!r}: expected a dict, got {type(batch)}. "
                              "Hint: pass the python-version tarball.")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    try:
        data = np.asarray(batch["data"], dtype=np.uint8)
        labels = np.asarray(batch["labels"], dtype=np.int64)
        images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)
    except (KeyError, ValueError, TypeError, OverflowError) as exc:
        raise FileFormatError(
            f"CIFAR-10 batch {name!r}: expected 'data' (n, 3072) uint8 and 'labels' ({exc}). "
            "Hint: pass the python-version tarball, not the binary or MATLAB one."
        ) from exc
    if labels.ndim != 1 or len(labels) != len(images):
        raise FileFormatError(f"CIFAR-10 batch {name!r}: {len(images)} images but "
                              f"{labels.shape} labels. Hint: the file is damaged.")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise FileFormatError(f"CIFAR-10 batch {name!r}: labels must be classes 0 to 9, got "
                              f"{labels.min()} to {labels.max()}. Hint: the file is damaged or "
                              "is not CIFAR-10 (CIFAR-100 has 100 classes).")
    return np.ascontiguousarray(images), labels.astype(np.uint8)


def _read_batches(path: Path) -> dict[str, bytes]:
    wanted = set(TRAIN_BATCHES) | {TEST_BATCH}
    found: dict[str, bytes] = {}
    if path.is_dir():
        folder = path / "cifar-10-batches-py" if (path / "cifar-10-batches-py").is_dir() else path
        for name in wanted:
            if (folder / name).is_file():
                found[name] = (folder / name).read_bytes()
    else:
        try:
            with tarfile.open(path, "r:*") as tar:
                for member in tar.getmembers():
                    name = member.name.rsplit("/", 1)[-1]
                    if member.isfile() and name in wanted:
                        found[name] = tar.extractfile(member).read()
        except tarfile.TarError as exc:
            raise FileFormatError(f"CIFAR-10 file {str(path)!r}: not a tar archive ({exc}). "
                                  "Hint: pass cifar-10-python.tar.gz.") from exc
    missing = sorted(wanted - set(found))
    if missing:
        raise DataError(f"CIFAR-10 at {str(path)!r}: missing {', '.join(missing)}. Hint: pass "
                        "the python-version tarball or its cifar-10-batches-py folder.")
    return found


def load_data(path: str | os.PathLike | None = None
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Keras's ``cifar10.load_data``: x (n, 32, 32, 3) uint8 channels-last, y (n, 1) uint8.

    ``path`` (an addition to Keras's signature): the tarball, or the extracted folder; with None
    the tarball is downloaded once into ``$SHENDU_HOME/datasets``.
    """
    raw = _read_batches(local_or_download(path, URL, SHA256, "cifar-10-python.tar.gz"))
    train = [_parse_batch(raw[name], name) for name in TRAIN_BATCHES]
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train]).reshape(-1, 1)
    x_test, y_test = _parse_batch(raw[TEST_BATCH], TEST_BATCH)
    return (x_train, y_train), (x_test, y_test.reshape(-1, 1))
