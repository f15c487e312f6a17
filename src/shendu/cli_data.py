"""What the ``shendu`` command needs besides argument parsing: reading arrays from files,
inferring the task from the targets, and parsing ``--layers`` specs.

>>> parse_layers("64:relu,32:relu,1:sigmoid")
[(64, 'relu'), (32, 'relu'), (1, 'sigmoid')]
>>> infer_task(__import__("numpy").array([0, 1, 1, 0])).loss
'binary_crossentropy'
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .errors import ArgumentError, DataError


class CommandError(Exception):
    """A user mistake on the command line: printed as one line, exit code 2."""


def load_array(path: str, what: str, key: str | None = None) -> np.ndarray:
    """Read .npy (memory-mapped, so big files stream), .npz (one array or ``key``) or .csv."""
    if not os.path.exists(path):
        raise CommandError(f"{what}: file '{path}' not found. Check the path (relative to "
                           f"{os.getcwd()}).")
    if os.path.isdir(path):
        raise CommandError(f"{what}: '{path}' is a folder; give a .npy, .npz or .csv file.")
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".npy":
            return np.load(path, mmap_mode="r", allow_pickle=False)
        if ext == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                names = list(archive.files)
                if key is None and len(names) != 1:
                    raise CommandError(
                        f"{what}: '{path}' holds several arrays ({', '.join(names)}); "
                        "say which with --x-key/--y-key."
                    )
                name = key or names[0]
                if name not in names:
                    raise CommandError(f"{what}: '{path}' has no array '{name}' (it has "
                                       f"{', '.join(names)}).")
                return archive[name]
        if ext in (".csv", ".txt"):
            return _load_csv(path, what)
    except CommandError:
        raise
    except (ValueError, OSError, EOFError) as err:
        raise CommandError(f"{what}: cannot read '{path}' ({err}). Is it a valid {ext} file?"
                           ) from None
    raise CommandError(f"{what}: unsupported file type '{ext}' for '{path}'; use .npy, .npz "
                       "or .csv.")


def _load_csv(path, what):
    with open(path, encoding="utf-8") as handle:
        first = handle.readline()
    skip = 0
    try:
        [float(v) for v in first.strip().split(",") if v.strip()]
    except ValueError:
        skip = 1  # a header line
    data = np.loadtxt(path, delimiter=",", skiprows=skip, dtype=np.float64, ndmin=2)
    if data.shape[1] == 1:
        data = data[:, 0]
    if data.size == 0:
        raise CommandError(f"{what}: '{path}' has no data rows.")
    return data


@dataclass
class Task:
    """What the targets look like and what the model should end with."""

    kind: str  # 'binary', 'multiclass', 'onehot' or 'regression'
    loss: str
    units: int
    activation: str
    classes: int = 0

    def describe(self) -> str:
        what = {"binary": "binary classification (2 classes)",
                "multiclass": f"{self.classes}-class classification (integer labels)",
                "onehot": f"{self.classes}-class classification (one-hot labels)",
                "regression": f"regression ({self.units} target column(s))"}[self.kind]
        return (f"task: {what} -> loss={self.loss}, output layer Dense({self.units}, "
                f"activation='{self.activation}')")


def infer_task(y: np.ndarray) -> Task:
    """Binary, multi-class (integer or one-hot) or regression, from the values of y."""
    y = np.asarray(y)
    if y.dtype.kind not in "fiub":
        raise DataError(f"--y: expected numbers, got dtype {y.dtype}. Encode labels as integers.")
    if y.ndim == 2 and y.shape[1] > 1:
        is_onehot = np.isin(y, (0, 1)).all() and np.allclose(y.sum(axis=1), 1)
        if is_onehot:
            return Task("onehot", "categorical_crossentropy", y.shape[1], "softmax", y.shape[1])
        return Task("regression", "mse", y.shape[1], "linear")
    flat = y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y
    whole = y.dtype.kind in "iub" or bool(np.all(flat == np.round(flat)))
    values = np.unique(flat)
    if whole and values.min() >= 0 and len(values) <= max(2, min(100, len(flat) // 2)):
        if len(values) <= 2 and values.max() <= 1:
            return Task("binary", "binary_crossentropy", 1, "sigmoid", 2)
        classes = int(values.max()) + 1
        return Task("multiclass", "sparse_categorical_crossentropy", classes, "softmax", classes)
    return Task("regression", "mse", 1, "linear")


def parse_layers(spec: str) -> list[tuple[int, str]]:
    """'64:relu,32:relu,1:sigmoid' → [(64, 'relu'), (32, 'relu'), (1, 'sigmoid')]."""
    layers = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        units, _, activation = part.partition(":")
        try:
            count = int(units)
        except ValueError:
            count = 0
        if count <= 0:
            raise ArgumentError(
                f"--layers: '{part}' is not UNITS[:ACTIVATION] with UNITS a positive integer. "
                "Example: --layers 64:relu,32:relu,1:sigmoid"
            )
        layers.append((count, activation or "linear"))
    if not layers:
        raise ArgumentError("--layers: empty spec. Example: --layers 64:relu,32:relu,1:sigmoid")
    return layers


def flatten_features(x: np.ndarray) -> np.ndarray:
    """Images and other N-D samples become one feature row each (a view when possible)."""
    return x if x.ndim <= 2 else x.reshape(len(x), -1)
