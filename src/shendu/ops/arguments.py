"""Argument checks and conversions shared by the ``keras.ops``-style ops.

Each check raises a :mod:`shendu.errors` error that names the op and the argument, says what
was expected and what came, and gives a hint, before NumPy sees the bad value.

>>> check_axis("flip", -1, 3)
(2,)
>>> try:
...     check_axis("flip", 3, 2)
... except ValueError as e:
...     print(str(e).split(".")[0])
flip: axis must be None, an int or a tuple of distinct ints in [-2, 1] for a 2-D tensor, got 3
"""

from __future__ import annotations

import operator

from ..autograd import Tensor, as_tensor
from ..backend import floatx, get_array_module
from ..errors import ArgumentError


def data(x):
    """The array inside a Tensor (anything else as it came)."""
    return x.data if isinstance(x, Tensor) else x


def is_int(value) -> bool:
    """A Python or NumPy integer (not a bool)."""
    if isinstance(value, bool):
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return getattr(value, "ndim", 0) == 0


def floating(x) -> Tensor:
    """``x`` as a Tensor; integers and booleans become floatx constants (as in Keras)."""
    t = as_tensor(x)
    if t.data.dtype.kind not in "fc":
        return Tensor(t.data.astype(floatx()))
    return t


def check_axis(op: str, axis, ndim: int, *, allow_none: bool = True, allow_tuple: bool = True,
               name: str = "axis") -> tuple[int, ...] | None:
    """``axis`` (an int, a tuple of ints or None) as a tuple of non-negative axes, or None."""
    if axis is None and allow_none:
        return None
    axes = tuple(axis) if allow_tuple and isinstance(axis, (tuple, list)) else (axis,)
    if axes and all(is_int(a) and -ndim <= a < ndim for a in axes):
        positive = tuple(int(a) % ndim for a in axes)
        if len(set(positive)) == len(positive):
            return positive
    kinds = ["an int"] + (["a tuple of distinct ints"] if allow_tuple else [])
    if allow_none:
        kinds.insert(0, "None")
    expected = (", ".join(kinds[:-1]) + " or " + kinds[-1]) if len(kinds) > 1 else kinds[0]
    where = (f"in [{-ndim}, {ndim - 1}] for a {ndim}-D tensor" if ndim
             else "(none exists: the tensor is 0-D)")
    raise ArgumentError(
        f"{op}: {name} must be {expected} {where}, got {axis!r}. "
        f"Hint: {name}=-1 is the last axis; check the tensor's shape."
    )


def check_one_axis(op: str, axis, ndim: int, name: str = "axis") -> int:
    """One axis (an int) as a non-negative int."""
    return check_axis(op, axis, ndim, allow_none=False, allow_tuple=False, name=name)[0]


def check_count(op: str, name: str, value, minimum: int = 0) -> int:
    """A whole number >= ``minimum`` as an int."""
    if not is_int(value) or int(value) < minimum:
        raise ArgumentError(f"{op}: {name} must be an int >= {minimum}, got {value!r}. "
                            f"Hint: e.g. {name}={max(minimum, 1)}.")
    return int(value)


def check_indices(op: str, name: str, indices, size: int | None = None, *, what: str = "axis"):
    """Integer ``indices`` (floats holding whole numbers too) as an integer array, within
    [-size, size) when ``size`` is given."""
    raw = data(indices)
    xp = get_array_module(raw)
    arr = xp.asarray(raw)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size and bool(xp.all(arr == xp.round(arr))):
            arr = arr.astype(xp.int64)
        elif arr.size or arr.dtype.kind not in "fb":
            raise ArgumentError(f"{op}: {name} must be integers, got dtype {arr.dtype}. "
                                f"Hint: ops.cast({name}, 'int32').")
        else:
            arr = arr.astype(xp.int64)
    if arr.size and size is not None:
        low, high = int(arr.min()), int(arr.max())
        if low < -size or high >= size:
            raise ArgumentError(
                f"{op}: {name} must lie in [{-size}, {size - 1}] for an {what} of length {size}, "
                f"got values in [{low}, {high}]. Hint: check the indices against the shape.")
    return arr
