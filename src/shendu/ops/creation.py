"""Tensor creation of ``keras.ops``: zeros, ones, full, eye, identity, tri, empty, array,
arange, linspace and their ``*_like`` forms. Each returns a constant Tensor (nothing to
differentiate).

Float results are floatx unless ``dtype`` says otherwise; ``arange`` with whole numbers gives
int32, as in Keras; the ``*_like`` forms keep x's dtype.

>>> from shendu import ops
>>> ops.ones((2, 2)).numpy()
array([[1., 1.],
       [1., 1.]], dtype=float32)
>>> ops.arange(3).numpy()
array([0, 1, 2], dtype=int32)
>>> ops.linspace(0, 1, 3).numpy()
array([0. , 0.5, 1. ], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor, as_tensor
from ..backend import floatx, get_array_module
from ..errors import ArgumentError
from .arguments import check_count, check_one_axis, data, is_int


def _shape(op: str, shape) -> tuple[int, ...]:
    raw = data(shape)
    raw = raw.tolist() if hasattr(raw, "tolist") else raw
    items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    if not all(is_int(n) and int(n) >= 0 for n in items):
        raise ArgumentError(f"{op}: shape must be an int or a tuple of ints >= 0, got {shape!r}. "
                            "Hint: e.g. shape=(2, 3).")
    return tuple(int(n) for n in items)


def _dtype(dtype, default=None):
    return np.dtype(dtype or default or floatx())


def zeros(shape, dtype=None) -> Tensor:
    """A tensor of ``shape`` filled with 0."""
    return Tensor(np.zeros(_shape("zeros", shape), dtype=_dtype(dtype)))


def ones(shape, dtype=None) -> Tensor:
    """A tensor of ``shape`` filled with 1."""
    return Tensor(np.ones(_shape("ones", shape), dtype=_dtype(dtype)))


def full(shape, fill_value, dtype=None) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (which may broadcast to it)."""
    shape = _shape("full", shape)
    return Tensor(np.broadcast_to(np.asarray(data(fill_value), dtype=_dtype(dtype)),
                                  shape).copy())


def _like(x):
    a = data(as_tensor(x))
    return a, get_array_module(a)


def zeros_like(x, dtype=None) -> Tensor:
    """Zeros with x's shape (and dtype, unless given)."""
    a, xp = _like(x)
    return Tensor(xp.zeros_like(a, dtype=dtype))


def ones_like(x, dtype=None) -> Tensor:
    """Ones with x's shape (and dtype, unless given)."""
    a, xp = _like(x)
    return Tensor(xp.ones_like(a, dtype=dtype))


def full_like(x, fill_value, dtype=None) -> Tensor:
    """``fill_value`` with x's shape (and dtype, unless given)."""
    a, xp = _like(x)
    return Tensor(xp.full_like(a, data(fill_value), dtype=dtype))


def eye(N: int, M: int | None = None, k: int = 0, dtype=None) -> Tensor:  # noqa: N803 - Keras
    """An N×M matrix (M defaults to N) with ones on diagonal k and zeros elsewhere."""
    n = check_count("eye", "N", N)
    m = n if M is None else check_count("eye", "M", M)
    if not is_int(k):
        raise ArgumentError(f"eye: k must be an int, got {k!r}. Hint: k=1 is the diagonal "
                            "above the main one.")
    return Tensor(np.eye(n, m, int(k), dtype=_dtype(dtype)))


def identity(n: int, dtype=None) -> Tensor:
    """The n×n identity matrix."""
    return Tensor(np.eye(check_count("identity", "n", n), dtype=_dtype(dtype)))


def tri(N: int, M: int | None = None, k: int = 0, dtype=None) -> Tensor:  # noqa: N803
    """An N×M matrix (M defaults to N) with ones at and below diagonal k, zeros above."""
    n = check_count("tri", "N", N)
    m = n if M is None else check_count("tri", "M", M)
    if not is_int(k):
        raise ArgumentError(f"tri: k must be an int, got {k!r}. Hint: k=-1 leaves the main "
                            "diagonal out.")
    return Tensor(np.tri(n, m, int(k), dtype=_dtype(dtype)))


def empty(shape, dtype=None) -> Tensor:
    """A tensor of ``shape`` (filled with zeros: shendu never hands out uninitialised memory)."""
    return Tensor(np.zeros(_shape("empty", shape), dtype=_dtype(dtype)))


def empty_like(x, dtype=None) -> Tensor:
    """A tensor with x's shape and dtype (unless given), filled with zeros."""
    a, xp = _like(x)
    return Tensor(xp.zeros_like(a, dtype=dtype))


def array(x, dtype=None) -> Tensor:
    """A constant tensor holding (a copy of) x's values, in ``dtype`` when given."""
    a = data(x)
    xp = get_array_module(a)
    return Tensor(xp.array(a, dtype=None if dtype is None else np.dtype(dtype)))


def arange(start, stop=None, step=None, dtype=None) -> Tensor:
    """Evenly spaced values in [start, stop) (``arange(stop)`` starts at 0), ``step`` apart."""
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    values = [data(v) for v in (start, stop, step)]
    if not all(np.ndim(v) == 0 and np.asarray(v).dtype.kind in "iuf" for v in values):
        raise ArgumentError(f"arange: start, stop and step must be numbers, got "
                            f"{start!r}, {stop!r}, {step!r}. Hint: arange(0, 10, 2).")
    if float(values[2]) == 0:
        raise ArgumentError("arange: step must not be 0, got 0. Hint: step=1 or step=-1.")
    if dtype is None:
        dtype = "int32" if all(np.asarray(v).dtype.kind in "iu" for v in values) else floatx()
    return Tensor(np.arange(*values, dtype=np.dtype(dtype)))


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0):
    """``num`` evenly spaced values from start to stop (included unless ``endpoint=False``);
    start and stop may be arrays, their sequences laid along ``axis``. With ``retstep``, the
    spacing too: ``(values, step)``."""
    num = check_count("linspace", "num", num)
    lo, hi = np.asarray(data(start)), np.asarray(data(stop))
    ndim = len(np.broadcast_shapes(lo.shape, hi.shape)) + 1
    axis = check_one_axis("linspace", axis, ndim)
    values, step = np.linspace(lo, hi, num, endpoint=bool(endpoint), retstep=True, axis=axis)
    values = Tensor(values.astype(_dtype(dtype), copy=False))
    return (values, step) if retstep else values
