"""Checks on the arrays given to fit / evaluate / predict, before NumPy sees them.

Each failure raises a :mod:`shendu.errors` class whose message names the argument, what was
expected, what came and a hint.

>>> import numpy as np
>>> from shendu.data.validation import check_array
>>> check_array(np.ones((2, 3)), "x").dtype
dtype('float32')
"""

from __future__ import annotations

import numpy as np

from ..backend import floatx
from ..errors import ArgumentError, DataError, DTypeError, ShapeError


def check_array(x, name: str, *, dtype=None, allow_int: bool = False, min_ndim: int = 1):
    """An array ready to train on: numeric, non-empty, finite, cast to floatx.

    A memory-mapped array stays memory-mapped (it is checked in chunks and cast per batch).
    """
    if x is None:
        raise ArgumentError(f"{name}: expected an array, got None. Hint: pass {name}=your_array.")
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):  # pandas objects
        x = x.to_numpy()
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except (ValueError, TypeError) as err:
            raise DTypeError(
                f"{name}: could not make a numeric array ({err}). "
                "Hint: rows of different lengths cannot form a 2-D array; pad them first."
            ) from None
    if x.dtype.kind not in "fiub":
        raise DTypeError(
            f"{name}: expected a numeric array, got dtype {x.dtype}. Hint: a column of strings or "
            "objects (e.g. from a DataFrame) must be encoded as numbers, then "
            f"np.asarray({name}, dtype='float32'); for raw text, make TextVectorization the "
            "model's first layer."
        )
    if x.ndim < min_ndim:
        raise ShapeError(
            f"{name}: expected at least {min_ndim} dimension(s), got a scalar. "
            f"Hint: pass an array with one row per sample."
        )
    if x.shape[0] == 0:
        raise DataError(
            f"{name}: expected at least one sample, got an empty array of shape {x.shape}. "
            "Hint: check the file or the filter that produced it."
        )
    if x.size == 0:
        raise DataError(
            f"{name}: expected at least one value per sample, got shape {x.shape} (an axis of "
            "length 0 after the samples axis). Hint: check the columns that were selected."
        )
    if x.dtype.kind == "f" and not _all_finite(x):
        bad = _first_non_finite(x)
        raise DataError(
            f"{name}: contains NaN or infinite values (first at row {bad}). "
            "Hint: clean them first (np.nan_to_num replaces them), or drop those rows."
        )
    if isinstance(x, np.memmap):
        return x
    target = dtype or floatx()
    if x.dtype.kind == "f" or not allow_int:
        return x.astype(target, copy=False)
    return x


def check_strings(x, name: str, where: str):
    """Text for a model whose first layer takes strings: a 1-D or (n, 1) array of str/bytes.

    Numbers are refused rather than turned into text (``where`` names the model).

    >>> check_strings(["a b", "c"], "x", "Model 'm'").dtype.kind
    'U'
    """
    if x is None:
        raise ArgumentError(f"{name}: expected an array of strings, got None. "
                            f"Hint: pass {name}=your_texts.")
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):  # pandas objects
        x = x.to_numpy()
    if isinstance(x, (str, bytes)):
        raise ShapeError(f"{name}: {where} expected a batch of strings, got one string. "
                         f"Hint: wrap it in a list, {name}=[text].")
    x = np.asarray(x) if not isinstance(x, np.ndarray) else x
    if x.dtype.kind == "O":
        bad = next((v for v in x.ravel() if not isinstance(v, (str, bytes))), None)
        if bad is not None:
            raise DTypeError(f"{name}: {where} takes strings (its first layer reads text), got "
                             f"an element of type {type(bad).__name__}: {bad!r}. Hint: every "
                             "sample must be a str; fill missing texts with ''.")
    elif x.dtype.kind not in "US":
        raise DTypeError(f"{name}: {where} takes strings (its first layer reads text), got a "
                         f"numeric array of dtype {x.dtype}. Hint: numbers are not turned into "
                         f"text; pass the raw texts, e.g. {name}=np.array(['a message', ...]).")
    if x.ndim == 0 or x.ndim > 2 or (x.ndim == 2 and x.shape[1] != 1):
        raise ShapeError(f"{name}: {where} expected texts of shape (samples,) or (samples, 1), "
                         f"got shape {x.shape}. Hint: one string per sample.")
    if x.shape[0] == 0:
        raise DataError(f"{name}: expected at least one text, got an empty array. "
                        "Hint: check the file or the filter that produced it.")
    return x


def _all_finite(x, chunk: int = 1 << 22) -> bool:
    flat = x.reshape(-1) if x.flags.c_contiguous else x.ravel()
    for start in range(0, flat.size, chunk):
        part = flat[start:start + chunk]
        if not np.isfinite(part.sum()) and not np.isfinite(part).all():
            return False
    return True


def _first_non_finite(x) -> int:
    rows = ~np.isfinite(x.reshape(x.shape[0], -1)).all(axis=1)
    return int(np.argmax(rows))


def check_pair(x, y, x_name="x", y_name="y"):
    if y is not None and len(x) != len(y):
        raise ShapeError(
            f"{x_name} and {y_name} have different lengths: {x_name} has {len(x)} samples, "
            f"{y_name} has {len(y)}. Hint: they must have one row per sample, in the same order."
        )


_INT_HINTS = {
    "batch_size": "samples per gradient step, e.g. batch_size=32",
    "epochs": "passes over the data, e.g. epochs=10 (0 trains nothing)",
    "initial_epoch": "the epoch to resume from, counted from 0",
    "steps_per_epoch": "batches per epoch, or None for one pass over the data",
    "validation_freq": "validate every n epochs, e.g. validation_freq=1",
    "steps": "batches to run, or None for all the data",
    "validation_batch_size": "samples per validation batch, or None for batch_size",
    "validation_steps": "validation batches per epoch, or None for all the validation data",
}


def check_positive_int(value, name: str, allow_none: bool = True, minimum: int = 1):
    """``value`` as an int >= ``minimum`` (None passes when allowed), else ArgumentError."""
    if value is None and allow_none:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        hint = _INT_HINTS.get(name, f"pass a whole number >= {minimum}")
        raise ArgumentError(
            f"{name}: expected an integer >= {minimum}, got {value!r}. Hint: {hint}."
        )
    return int(value)


def check_sample_weight(sample_weight, n: int, name: str = "sample_weight"):
    if sample_weight is None:
        return None
    sw = check_array(sample_weight, name, dtype="float64")
    if sw.shape[0] != n:
        raise ShapeError(
            f"{name}: expected {n} weights (one per sample), got {sw.shape[0]}. "
            "Hint: sample_weight has one entry per row of x."
        )
    if (sw < 0).any():
        raise DataError(f"{name}: weights must be >= 0, got a minimum of {sw.min()}.")
    return sw
