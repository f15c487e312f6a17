"""Keras's ``keras.utils.split_dataset`` for arrays: cut samples into a left and a right part.

>>> import numpy as np
>>> left, right = split_dataset(np.arange(10), left_size=0.8)
>>> left.tolist(), right.tolist()
([0, 1, 2, 3, 4, 5, 6, 7], [8, 9])
"""

from __future__ import annotations

import numbers
import random

import numpy as np

from .. import backend
from ..errors import ArgumentError, ShapeError

_WHERE = "split_dataset"


def _parts(dataset):
    """(list of arrays, how to put a list of arrays back together)."""
    if isinstance(dataset, dict):
        keys = list(dataset)
        return [np.asarray(dataset[k]) for k in keys], lambda arrays: dict(zip(keys, arrays))
    if isinstance(dataset, (list, tuple)):
        return [np.asarray(a) for a in dataset], tuple
    if isinstance(dataset, np.ndarray) or hasattr(dataset, "__array__"):
        return [np.asarray(dataset)], lambda arrays: arrays[0]
    raise ArgumentError(
        f"{_WHERE}: dataset must be an array, or a tuple, list or dict of arrays with one "
        f"sample per row, got {type(dataset).__name__}. Hint: split_dataset((x, y), 0.8); a "
        "PyDataset or generator cannot be split here."
    )


def _sizes(left_size, right_size, total: int) -> tuple[int, int]:
    """Keras's rules: an int counts samples (0 < n < total), a float is a fraction (0 < f < 1),
    None is the rest."""
    if left_size is None and right_size is None:
        raise ArgumentError(f"{_WHERE}: give left_size or right_size (or both), got neither. "
                            "Hint: left_size=0.8 keeps 80% on the left.")
    sizes = []
    for arg, value in (("left_size", left_size), ("right_size", right_size)):
        if value is None:
            sizes.append(None)
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ArgumentError(f"{_WHERE}: {arg} must be an int, a float or None, got "
                                f"{type(value).__name__} ({value!r}). Hint: 0.8 or 800.")
        if isinstance(value, numbers.Integral):
            if not 0 < value < total:
                raise ArgumentError(f"{_WHERE}: {arg} as a count must lie in 1 .. {total - 1} "
                                    f"(the data set has {total} samples), got {value}. Hint: "
                                    "or pass a fraction, e.g. 0.8.")
            sizes.append(int(value))
        else:
            if not 0 < value < 1:
                raise ArgumentError(f"{_WHERE}: {arg} as a fraction must lie strictly between "
                                    f"0 and 1, got {value}. Hint: 0.8, or a count like 800.")
            sizes.append(round(float(value) * total))
    left, right = sizes
    if isinstance(left_size, float) and isinstance(right_size, float) and (
            left_size + right_size > 1):
        raise ArgumentError(f"{_WHERE}: left_size + right_size must be at most 1, got "
                            f"{left_size} + {right_size}. Hint: leave one None for the rest.")
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ArgumentError(f"{_WHERE}: left_size and right_size ask for {left} + {right} "
                            f"samples, more than the {total} there are. Hint: leave one None.")
    if left == 0 or right == 0:
        raise ArgumentError(
            f"{_WHERE}: with {total} samples, left_size={left_size!r} and right_size="
            f"{right_size!r} leave the {'left' if left == 0 else 'right'} part empty. "
            "Hint: use a larger fraction or more samples."
        )
    return left, right


def split_dataset(dataset, left_size: int | float | None = None,
                  right_size: int | float | None = None, shuffle: bool = False,
                  seed: int | None = None):
    """Split samples (the first axis) into a left part of ``left_size`` and a right part of
    ``right_size``, each an int count or a float fraction; None means the rest.

    ``dataset`` is an array, or a tuple, list or dict of arrays with the same number of rows;
    the parts come back in the same form (a list as a tuple). Keras returns two
    ``tf.data.Dataset`` (or torch) objects instead; arrays are what shendu's ``fit`` takes.
    The left part is the first ``left_size`` samples and the right part the last
    ``right_size`` (when both are given they may leave samples out, as in Keras). ``shuffle``
    permutes the samples first, in the order Keras's ``random.seed(seed); random.shuffle``
    gives, without touching Python's global generator.

    >>> import numpy as np
    >>> x, y = np.arange(12).reshape(6, 2), np.arange(6)
    >>> (x_a, y_a), (x_b, y_b) = split_dataset((x, y), left_size=2, right_size=0.5)
    >>> y_a.tolist(), y_b.tolist(), x_b.shape
    ([0, 1], [3, 4, 5], (3, 2))
    """
    arrays, rebuild = _parts(dataset)
    if not arrays:
        raise ArgumentError(f"{_WHERE}: dataset holds no arrays. Hint: split_dataset((x, y)).")
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise ShapeError(f"{_WHERE}: part {i} of dataset is a scalar; expected one sample "
                             "per row. Hint: pass arrays of shape (samples, ...).")
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ShapeError(
            f"{_WHERE}: the arrays of dataset must have the same number of samples, got "
            f"{[len(a) for a in arrays]}. Hint: x and y need one row per sample each."
        )
    total = lengths.pop()
    left, right = _sizes(left_size, right_size, total)
    pick_left, pick_right = slice(None, left), slice(total - right, None)  # views
    if shuffle:
        seed = int(backend.rng().integers(1_000_000)) if seed is None else seed
        order = list(range(total))
        random.Random(seed).shuffle(order)  # the same permutation random.seed + shuffle gives
        order = np.asarray(order, dtype=np.int64)
        pick_left, pick_right = order[pick_left], order[pick_right]
    return rebuild([a[pick_left] for a in arrays]), rebuild([a[pick_right] for a in arrays])
