"""Array helpers from ``keras.utils``: one-hot labels, unit-norm rows, padded sequences.

>>> from shendu.utils import pad_sequences, to_categorical
>>> to_categorical([0, 2], num_classes=3).tolist()
[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
>>> pad_sequences([[1, 2], [3]], maxlen=3).tolist()
[[0, 1, 2], [0, 0, 3]]
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ArgumentError, DTypeError, ShapeError


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """One-hot rows for integer class labels, as ``keras.utils.to_categorical``.

    The output has the labels' shape plus a class axis (a trailing axis of 1 is dropped
    first, so ``(n, 1)`` labels give ``(n, num_classes)``). ``num_classes`` defaults to the
    largest label plus one. Like Keras, the result is float64.
    """
    labels = np.asarray(x)
    if labels.dtype.kind not in "iub" and not (
            labels.dtype.kind == "f" and np.all(labels == np.round(labels))):
        raise DTypeError(
            f"to_categorical: expected integer class labels, got dtype {labels.dtype}. Hint: "
            "pass labels 0 .. num_classes-1, e.g. y.astype('int64').")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or (
            num_classes < 1):
        raise ArgumentError(f"to_categorical: num_classes must be a positive int, got "
                            f"{num_classes!r}. Hint: the number of classes, e.g. 10.")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ShapeError(
            f"to_categorical: labels must lie in 0 .. {num_classes - 1}, got values from "
            f"{labels.min()} to {labels.max()}. Hint: raise num_classes or fix the labels.")
    return np.eye(num_classes, dtype=np.float64)[labels]


def normalize(x, axis: int = -1, order: int = 2) -> np.ndarray:
    """``x`` scaled to unit ``order``-norm along ``axis`` (rows of zeros stay zero), as
    ``keras.utils.normalize``."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def pad_sequences(sequences, maxlen: int | None = None, dtype="int32", padding: str = "pre",
                  truncating: str = "pre", value=0.0) -> np.ndarray:
    """Sequences of different lengths as one ``(len(sequences), maxlen)`` array, as
    ``keras.utils.pad_sequences``: shorter ones are filled with ``value`` and longer ones cut,
    at the start ("pre", the default) or the end ("post").
    """
    for what, where in (("padding", padding), ("truncating", truncating)):
        if where not in ("pre", "post"):
            raise ArgumentError(f"pad_sequences: {what} must be 'pre' or 'post', got "
                                f"{where!r}.")
    rows = [np.asarray(s) for s in sequences]
    if maxlen is None:
        maxlen = max((len(r) for r in rows), default=0)
    tail = next((r.shape[1:] for r in rows if len(r)), ())
    out = np.full((len(rows), maxlen) + tuple(tail), value, dtype=dtype)
    for i, row in enumerate(rows):
        if not len(row) or not maxlen:
            continue
        row = row[-maxlen:] if truncating == "pre" else row[:maxlen]
        if padding == "post":
            out[i, :len(row)] = row
        else:
            out[i, -len(row):] = row
    return out
