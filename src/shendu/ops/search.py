"""Searching and counting of ``keras.ops``, without a gradient (integer results): nonzero,
argpartition, searchsorted, digitize, bincount and unique.

Indices are int32, as Keras returns them.

>>> import numpy as np
>>> from shendu import ops
>>> ops.searchsorted(np.array([1.0, 3.0, 5.0]), np.array([0.0, 4.0])).numpy()
array([0, 2], dtype=int32)
>>> ops.bincount(np.array([0, 2, 2])).numpy()
array([1, 0, 2], dtype=int32)
"""

from __future__ import annotations

from ..autograd import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_count, check_indices, check_one_axis, data, is_int


def _array(x):
    a = data(as_tensor(x))
    return a, get_array_module(a)


def nonzero(x) -> tuple[Tensor, ...]:
    """The indices of the nonzero elements, one int32 tensor per axis."""
    a, xp = _array(x)
    return tuple(Tensor(i.astype(xp.int32)) for i in xp.nonzero(a))


def argpartition(x, kth, axis: int = -1) -> Tensor:
    """Indices that put the ``kth`` element in its sorted place along ``axis``, the smaller
    ones before it and the larger after (int32)."""
    a, xp = _array(x)
    axis = check_one_axis("argpartition", axis, a.ndim)
    n = a.shape[axis]
    if not is_int(kth) or not -n <= int(kth) < n:
        raise ArgumentError(f"argpartition: kth must be an int in [{-n}, {n - 1}] for an axis "
                            f"of length {n}, got {kth!r}. Hint: kth=0 puts the smallest first.")
    return Tensor(xp.argpartition(a, int(kth), axis=axis).astype(xp.int32))


def searchsorted(sorted_sequence, values, side: str = "left") -> Tensor:
    """Where each value would go in the 1-D ``sorted_sequence`` to keep it sorted (int32)."""
    s, xp = _array(sorted_sequence)
    v = data(as_tensor(values))
    if side not in ("left", "right"):
        raise ArgumentError(f"searchsorted: side must be 'left' or 'right', got {side!r}. "
                            "Hint: 'left' gives the first suitable place.")
    if s.ndim != 1:
        raise ShapeError(f"searchsorted: sorted_sequence must be 1-D, got shape {s.shape}. "
                         "Hint: flatten it, or search each row separately.")
    return Tensor(xp.asarray(xp.searchsorted(s, v, side=side)).astype(xp.int32))


def digitize(x, bins) -> Tensor:
    """The index of the bin of each value: ``i`` with ``bins[i-1] <= x < bins[i]`` (int32)."""
    a, xp = _array(x)
    b = data(as_tensor(bins))
    if b.ndim != 1:
        raise ShapeError(f"digitize: bins must be 1-D, got shape {b.shape}. "
                         "Hint: bins=[0.0, 1.0, 2.0].")
    return Tensor(xp.asarray(xp.digitize(a, b)).astype(xp.int32))


def bincount(x, weights=None, minlength: int = 0, sparse: bool = False) -> Tensor:
    """The count (or the sum of ``weights``) of each value of the non-negative integers x;
    a 2-D x counts each row. At least ``minlength`` bins."""
    if sparse:
        raise ArgumentError("bincount: sparse=True is not supported, got sparse=True. "
                            "Hint: leave sparse=False for a dense tensor.")
    ids = check_indices("bincount", "x", x)
    xp = get_array_module(ids)
    minlength = check_count("bincount", "minlength", minlength)
    if ids.ndim not in (1, 2):
        raise ShapeError(f"bincount: x must be 1-D or 2-D, got shape {ids.shape}. "
                         "Hint: flatten it first.")
    if ids.size and int(ids.min()) < 0:
        raise ArgumentError(f"bincount: x must hold integers >= 0, got {int(ids.min())}. "
                            "Hint: shift or mask the negative values.")
    w = None if weights is None else data(as_tensor(weights))
    if w is not None and w.shape != ids.shape:
        raise ShapeError(f"bincount: weights must have x's shape {ids.shape}, got {w.shape}. "
                         "Hint: one weight per value.")
    length = max(minlength, int(ids.max()) + 1 if ids.size else 0)
    dtype = w.dtype if w is not None else xp.int32
    rows = ids[None] if ids.ndim == 1 else ids
    ws = None if w is None else (w[None] if w.ndim == 1 else w)
    out = xp.stack([xp.bincount(r, weights=None if ws is None else ws[i], minlength=length)
                    for i, r in enumerate(rows)]) if rows.shape[0] else xp.zeros((0, length))
    out = out.astype(dtype)
    return Tensor(out[0] if ids.ndim == 1 else out)


def unique(x, sorted: bool = True, return_index: bool = False,  # noqa: A002 - Keras's name
           return_inverse: bool = False, return_counts: bool = False, axis=None, size=None,
           fill_value=None):
    """The distinct values of x (sorted), with, on request, the index of each one's first
    place, the inverse indices and the counts. ``size`` pads (with ``fill_value``, default
    0) or cuts the values to that length."""
    a, xp = _array(x)
    if axis is not None:
        axis = check_one_axis("unique", axis, a.ndim)
    if size is not None:
        size = check_count("unique", "size", size)
    values, index, inverse, counts = xp.unique(a, return_index=True, return_inverse=True,
                                               return_counts=True, axis=axis)
    if not sorted:  # first appearance order
        order = xp.argsort(index, kind="stable")
        rank = xp.empty_like(order)
        rank[order] = xp.arange(order.size)
        values = xp.take(values, order, axis=0 if axis is None else axis)
        index, counts, inverse = index[order], counts[order], rank[inverse]
    if size is not None:
        fill = 0 if fill_value is None else fill_value
        n = values.shape[0 if axis is None else axis]

        def fit(v, pad):
            if n >= size:
                return xp.take(v, xp.arange(size), axis=0 if v is not values or axis is None
                               else axis)
            ax = 0 if v is not values or axis is None else axis
            shape = list(v.shape)
            shape[ax] = size - n
            return xp.concatenate([v, xp.full(shape, pad, dtype=v.dtype)], axis=ax)

        values, index, counts = fit(values, fill), fit(index, 0), fit(counts, 0)
    outs = [Tensor(values)]
    if return_index:
        outs.append(Tensor(index.astype(xp.int32)))
    if return_inverse:
        outs.append(Tensor(inverse.reshape(-1).astype(xp.int32) if axis is None
                           else inverse.astype(xp.int32)))
    if return_counts:
        outs.append(Tensor(counts.astype(xp.int32)))
    return outs[0] if len(outs) == 1 else tuple(outs)
