"""Gathering and scattering ops of ``keras.ops``: take, take_along_axis, slice, segment_sum and
scatter, with their backward (a gather's gradient is a scatter-add and the other way round);
one_hot without a gradient.

Indices are integers (floats holding whole numbers are accepted); negative ones count from the
end where NumPy's would. Out-of-range indices raise an error naming the op and the range.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True)
>>> ops.take_along_axis(x, np.array([[2], [0]]), axis=1).data
array([[3.],
       [4.]])
>>> ops.take(x, np.array([0, 0]), axis=1).sum().backward()
>>> x.grad
array([[2., 0., 0.],
       [2., 0., 0.]])
>>> ops.one_hot(np.array([0, 2]), 3).numpy()
array([[1., 0., 0.],
       [0., 0., 1.]], dtype=float32)
"""

from __future__ import annotations

import builtins

from ..autograd import Function, Tensor, as_tensor
from ..backend import floatx, get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_count, check_indices, check_one_axis, is_int
from .arguments import data as _data
from .math import unbroadcast
from .shape import getitem, reshape


def _scatter_add(xp, shape, index, values):
    """zeros(shape) with ``values`` added at ``index`` (integer arrays for the leading axes;
    values has their broadcast shape + the remaining axes); repeats add up."""
    if xp.__name__ != "numpy" or values.dtype.kind != "f":
        out = xp.zeros(shape, dtype=values.dtype)
        xp.add.at(out, index, values)
        return out
    k, size = len(index), int(xp.prod(shape, dtype=xp.int64))
    if size == 0:
        return xp.zeros(shape, dtype=values.dtype)
    block = size // int(xp.prod(shape[:k], dtype=xp.int64))
    rows = xp.ravel_multi_index(index, shape[:k], mode="wrap")  # negatives count from the end
    # one bin per element of the result: Σ of the values landing in it (bincount is far
    # faster than add.at)
    flat = rows[..., None] * block + xp.arange(block)
    out = xp.bincount(flat.ravel(), weights=values.reshape(flat.shape).ravel(), minlength=size)
    return out.astype(values.dtype, copy=False).reshape(shape)


def _grid(xp, axis, indices):
    """The full index of ``take_along_axis``: ``indices`` on ``axis``, a broadcast arange on
    every other axis."""
    ndim = indices.ndim
    index = [indices if i == axis else
             xp.arange(n).reshape([n if j == i else 1 for j in range(ndim)])
             for i, n in enumerate(indices.shape)]
    return tuple(xp.broadcast_arrays(*index))


class TakeAlongAxis(Function):
    """Settings: ``axis`` (non-negative), ``indices`` (integers, same ndim as x; the other axes
    broadcast against x's), ``distinct`` (True when no index repeats along the axis and the
    other axes equal x's, as after a sort)."""

    def forward(self, x):
        xp = get_array_module(x)
        a, self.x_shape = self.axis, x.shape
        if self.distinct:
            return xp.take_along_axis(x, self.indices, a)
        # the axes other than ``axis`` broadcast between x and the indices
        common = [max(m, n) for m, n in zip(x.shape, self.indices.shape)]
        self.shape = tuple(common[:a] + [x.shape[a]] + common[a + 1:])
        indices = xp.broadcast_to(self.indices, common[:a] + [self.indices.shape[a]]
                                  + common[a + 1:])
        self.index = _grid(xp, a, indices)
        return xp.broadcast_to(x, self.shape)[self.index]

    def backward(self, g):
        xp = get_array_module(g)
        if self.distinct:  # no index repeats along the axis (a sort): a plain scatter
            gx = xp.zeros(self.x_shape, dtype=g.dtype)
            xp.put_along_axis(gx, self.indices, g, self.axis)
            return gx
        # each picked element gets its gradient back; repeated picks add up
        return unbroadcast(_scatter_add(xp, self.shape, self.index, g), self.x_shape)


class SegmentSum(Function):
    """Settings: ``ids`` (one segment per row of x; rows with a negative id are left out) and
    ``num_segments``."""

    def forward(self, x):
        xp = get_array_module(x)
        self.keep = self.ids >= 0
        self.rows, self.x_shape = self.ids[self.keep], x.shape
        # yₛ = Σ_{i: idᵢ = s} xᵢ
        return _scatter_add(xp, (self.num_segments,) + x.shape[1:], (self.rows,), x[self.keep])

    def backward(self, g):
        xp = get_array_module(g)
        # dyₛ/dxᵢ = 1 where idᵢ = s: each row gets its segment's gradient
        gx = xp.zeros(self.x_shape, dtype=g.dtype)
        gx[self.keep] = g[self.rows]
        return gx


class Scatter(Function):
    """Settings: ``index`` (a tuple of integer arrays, one per leading axis of ``shape``) and
    ``shape``."""

    def forward(self, values):
        # y[index] += values (repeated indices add up), zeros elsewhere
        return _scatter_add(get_array_module(values), self.shape, self.index, values)

    def backward(self, g):
        # each value goes to one place: its gradient is read back from there
        return g[self.index]


def take(x, indices, axis: int | None = None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened x when None)."""
    x = as_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    else:
        axis = check_one_axis("take", axis, x.ndim)
    idx = check_indices("take", "indices", indices, x.shape[axis])
    return getitem(x, (builtins.slice(None),) * axis + (idx,))


def take_along_axis(x, indices, axis: int | None = None) -> Tensor:
    """``x``'s values at ``indices`` along ``axis``: ``indices`` has x's ndim and its other
    axes broadcast against x's (``axis=None``: x is flattened and indices is 1-D)."""
    x = as_tensor(x)
    raw = _data(indices)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    else:
        axis = check_one_axis("take_along_axis", axis, x.ndim)
    shape = tuple(getattr(raw, "shape", ()))
    rest_ok = len(shape) == x.ndim and all(
        a == b or a == 1 or b == 1 for i, (a, b) in enumerate(zip(shape, x.shape)) if i != axis)
    if not rest_ok:
        raise ShapeError(
            f"take_along_axis: indices must have x's number of axes ({x.ndim}, shape {x.shape}) "
            f"with the axes other than {axis} equal to x's or 1, got indices of shape {shape}. "
            "Hint: use ops.expand_dims on the indices, e.g. indices[..., None].")
    idx = check_indices("take_along_axis", "indices", raw, x.shape[axis])
    return TakeAlongAxis.apply(x, axis=axis, indices=idx, distinct=False)


def take_distinct(x: Tensor, indices, axis: int) -> Tensor:
    """``take_along_axis`` for trusted indices (in range, never repeated along ``axis``, the
    other axes equal x's), as a sort or top_k makes them: its backward is a plain scatter."""
    return TakeAlongAxis.apply(x, axis=axis, indices=indices, distinct=True)


def slice(inputs, start_indices, shape) -> Tensor:  # noqa: A001 - Keras's name
    """The block of ``inputs`` that starts at ``start_indices`` and has ``shape`` (one entry per
    axis each)."""
    x = as_tensor(inputs)
    starts = [int(v) if is_int(v) else v for v in _as_list(start_indices)]
    sizes = [int(v) if is_int(v) else v for v in _as_list(shape)]
    if len(starts) != x.ndim or len(sizes) != x.ndim:
        raise ShapeError(
            f"slice: start_indices and shape need one entry per axis of the input ({x.ndim}, "
            f"shape {x.shape}), got {len(starts)} and {len(sizes)}. Hint: e.g. "
            "slice(x, (0,) * x.ndim, x.shape).")
    for axis, (start, size, n) in enumerate(zip(starts, sizes, x.shape)):
        if not (is_int(start) and is_int(size) and 0 <= start and 0 <= size
                and start + size <= n):
            raise ArgumentError(
                f"slice: axis {axis} (length {n}) cannot hold a block of size {size!r} starting "
                f"at {start!r}. Hint: need 0 <= start, 0 <= size and start + size <= {n}.")
    return getitem(x, tuple(builtins.slice(s, s + n) for s, n in zip(starts, sizes)))


def _as_list(values) -> list:
    values = _data(values)
    if hasattr(values, "tolist"):
        values = values.tolist()
    return list(values) if isinstance(values, (list, tuple)) else [values]


def segment_sum(data, segment_ids, num_segments: int | None = None,
                sorted: bool = False) -> Tensor:  # noqa: A002 - Keras's names
    """Sums of the rows of ``data`` that share a segment id (rows with id -1 are left out);
    ``num_segments`` defaults to the largest id + 1. ``sorted`` is only a hint."""
    x = as_tensor(data)
    ids = check_indices("segment_sum", "segment_ids", segment_ids)
    if x.ndim == 0 or ids.ndim != 1 or ids.shape[0] != x.shape[0]:
        raise ShapeError(
            f"segment_sum: segment_ids must be 1-D with one id per row of data (shape "
            f"{x.shape}), got shape {ids.shape}. Hint: flatten the ids, or reshape data "
            "to (rows, ...).")
    top = int(ids.max()) if ids.size else -1
    if num_segments is None:
        num_segments = top + 1
    num_segments = check_count("segment_sum", "num_segments", num_segments)
    if top >= num_segments:
        raise ArgumentError(
            f"segment_sum: segment_ids must be < num_segments ({num_segments}), got {top}. "
            "Hint: leave num_segments=None to use the largest id + 1.")
    return SegmentSum.apply(x, ids=ids, num_segments=num_segments)


def scatter(indices, values, shape) -> Tensor:
    """A tensor of ``shape``: zeros, with ``values`` added at ``indices`` (each row of the last
    axis indexes the leading axes; repeated indices add up)."""
    values = as_tensor(values)
    shape = tuple(int(n) for n in _as_list(shape))
    idx = check_indices("scatter", "indices", indices)
    k = idx.shape[-1] if idx.ndim else 0
    expected = idx.shape[:-1] + shape[k:]
    if idx.ndim == 0 or not 1 <= k <= len(shape) or values.shape != expected:
        raise ShapeError(
            f"scatter: indices of shape (..., k) with 1 <= k <= {len(shape)} and values of shape "
            f"indices.shape[:-1] + shape[k:] are needed for shape {shape}, got indices "
            f"{idx.shape} and values {values.shape}. Hint: one row of k coordinates per value.")
    for axis in range(k):
        check_indices("scatter", f"indices[..., {axis}]", idx[..., axis], shape[axis])
    index = tuple(idx[..., axis] for axis in range(k))
    return Scatter.apply(values, index=index, shape=shape)


def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False) -> Tensor:
    """A new axis (at ``axis``) of length ``num_classes`` holding 1 at each class index of x and
    0 elsewhere; an index outside [0, num_classes) gives a row of zeros. No gradient."""
    if not is_int(num_classes) or int(num_classes) <= 0:
        raise ArgumentError(f"one_hot: num_classes must be an int > 0, got {num_classes!r}. "
                            "Hint: the number of classes, e.g. num_classes=10.")
    if sparse:
        raise ArgumentError("one_hot: sparse=True is not supported, got sparse=True. "
                            "Hint: leave sparse=False for a dense tensor.")
    ids = check_indices("one_hot", "x", x)
    xp = get_array_module(ids)
    axis = check_one_axis("one_hot", axis, ids.ndim + 1)
    hot = (ids[..., None] == xp.arange(int(num_classes))).astype(dtype or floatx())
    return Tensor(xp.moveaxis(hot, -1, axis))

