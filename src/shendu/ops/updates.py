"""Writing into tensors, out of place, with backward: ``slice_update`` (a block replaced),
``scatter_update`` (values written, added, multiplied or kept by max/min at scattered
indices), and the segment reductions ``segment_max`` / ``segment_min`` / ``segment_prod``.
Where several values tie for a max or min, they share its gradient equally (as torch's
``scatter_reduce`` does).

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.zeros((3, 3)), requires_grad=True)
>>> y = ops.slice_update(x, (1, 1), np.ones((2, 2)))
>>> y.data
array([[0., 0., 0.],
       [0., 1., 1.],
       [0., 1., 1.]])
>>> y.sum().backward()
>>> x.grad
array([[1., 1., 1.],
       [1., 0., 0.],
       [1., 0., 0.]])
"""

from __future__ import annotations

import builtins

import numpy as np

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_count, check_indices, is_int
from .indexing import _scatter_add

_REDUCTIONS = (None, "add", "max", "min", "mul")


class SliceUpdate(Function):
    """Settings: ``block`` (a tuple of slices, one per axis)."""

    def forward(self, x, updates):
        self.u_dtype = updates.dtype
        out = x.copy()
        out[self.block] = updates
        return out

    def backward(self, g):
        # the block comes from updates, everything else from x
        gx = g.copy()
        gx[self.block] = 0
        return gx, g[self.block].astype(self.u_dtype, copy=False)


class ScatterUpdate(Function):
    """On (rows, rest) views: ``rows`` (one flat row per update), ``reduction``."""

    def forward(self, x, updates):
        xp = get_array_module(x)
        self.x_shape, self.u_dtype, rows = x.shape, updates.dtype, self.rows
        flat = x.reshape(self.view)
        u = updates.reshape((len(rows),) + self.view[1:]).astype(x.dtype, copy=False)
        if self.reduction is None:
            out = flat.copy()
            out[rows[self.winners]] = u[self.winners]  # the last write to a row wins
        elif self.reduction == "add":
            out = flat + _scatter_add(xp, self.view, (rows,), u)
        else:
            out = flat.copy()
            {"max": xp.maximum, "min": xp.minimum, "mul": xp.multiply}[self.reduction].at(
                out, rows, u)
        self.flat, self.u, self.out = flat, u, out
        return out.reshape(self.x_shape)

    def backward(self, g):
        xp = get_array_module(g)
        g = g.reshape(self.view)
        rows, u_shape = self.rows, self.u_shape
        if self.reduction is None:
            # overwritten rows lose their gradient; only the winning update gets it
            gx = g.copy()
            gx[rows] = 0
            gu = xp.zeros_like(self.u)
            gu[self.winners] = g[rows[self.winners]]
        elif self.reduction == "add":
            gx, gu = g, g[rows]
        elif self.reduction in ("max", "min"):
            # every value equal to the result shares its gradient
            hit_x = (self.flat == self.out).astype(g.dtype)
            hit_u = (self.u == self.out[rows]).astype(g.dtype)
            count = hit_x + _scatter_add(xp, self.view, (rows,), hit_u)
            share = g / xp.maximum(count, 1)
            gx, gu = share * hit_x, share[rows] * hit_u
        else:
            gx, gu = _product_grads(xp, self.flat, self.u, rows, self.view, g)
        return gx.reshape(self.x_shape), gu.reshape(u_shape).astype(self.u_dtype, copy=False)


def _product_grads(xp, x, u, rows, view, g):
    """Gradients of out = x · Π_{j→row} u_j: each factor gets g times the product of the
    others (zeros handled exactly: counted, not divided by)."""
    zero_x, zero_u = x == 0, u == 0
    zeros = zero_x.astype(np.int64) + _scatter_add(xp, view, (rows,), zero_u.astype(np.int64))
    nonzero = xp.where(zero_x, 1, x)
    xp.multiply.at(nonzero, rows, xp.where(zero_u, 1, u))  # Π of the non-zero factors
    # others' product: with no zero in the row, Π/self; with one zero, Π of the non-zeros for
    # the zero itself and 0 for the rest; with more, 0
    safe_x, safe_u = xp.where(zero_x, 1, x), xp.where(zero_u, 1, u)
    gx = xp.where(zero_x, (zeros == 1) * nonzero, (zeros == 0) * nonzero / safe_x)
    zr, nr = zeros[rows], nonzero[rows]
    gu = xp.where(zero_u, (zr == 1) * nr, (zr == 0) * nr / safe_u)
    return g * gx, g[rows] * gu


class SegmentExtreme(Function):
    """Settings: ``ids`` (a segment per row of x; negative ids drop the row),
    ``num_segments``, ``largest`` (max, else min)."""

    def forward(self, x):
        xp = get_array_module(x)
        self.keep = self.ids >= 0
        self.rows, self.x_shape = self.ids[self.keep], x.shape
        kept = x[self.keep]
        if x.dtype.kind == "f":
            start = -np.inf if self.largest else np.inf
        else:
            info = np.iinfo(x.dtype) if x.dtype.kind in "iu" else None
            start = (info.min if self.largest else info.max) if info else not self.largest
        out = xp.full((self.num_segments,) + x.shape[1:], start, dtype=x.dtype)
        (xp.maximum if self.largest else xp.minimum).at(out, self.rows, kept)
        self.kept, self.out = kept, out
        return out

    def backward(self, g):
        xp = get_array_module(g)
        # the rows that reach their segment's extreme share its gradient
        hit = (self.kept == self.out[self.rows]).astype(g.dtype)
        count = _scatter_add(xp, self.out.shape, (self.rows,), hit)
        gx = xp.zeros(self.x_shape, dtype=g.dtype)
        gx[self.keep] = (g / xp.maximum(count, 1))[self.rows] * hit
        return gx


class SegmentProd(Function):
    """Settings: ``ids`` (a segment per row of x; negative ids drop the row),
    ``num_segments``."""

    def forward(self, x):
        xp = get_array_module(x)
        self.keep = self.ids >= 0
        self.rows, self.x_shape = self.ids[self.keep], x.shape
        self.kept = x[self.keep]
        out = xp.ones((self.num_segments,) + x.shape[1:], dtype=x.dtype)  # empty: 1
        xp.multiply.at(out, self.rows, self.kept)
        return out

    def backward(self, g):
        xp = get_array_module(g)
        # each row gets g times the product of the other rows of its segment: scatter_update's
        # "mul" gradient with ones as the starting values (zeros counted, never divided by)
        start = xp.ones((self.num_segments,) + self.x_shape[1:], dtype=g.dtype)
        _, gu = _product_grads(xp, start, self.kept.astype(g.dtype, copy=False), self.rows,
                               start.shape, g)
        gx = xp.zeros(self.x_shape, dtype=g.dtype)
        gx[self.keep] = gu
        return gx


def _starts(op: str, start_indices, x_shape) -> list[int]:
    raw = start_indices.data if isinstance(start_indices, Tensor) else start_indices
    values = raw.tolist() if hasattr(raw, "tolist") else raw
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    if len(values) != len(x_shape) or not builtins.all(is_int(v) for v in values):
        raise ArgumentError(f"{op}: start_indices must hold one int per axis of inputs "
                            f"({len(x_shape)}, shape {x_shape}), got {start_indices!r}. Hint: "
                            "e.g. (0,) * inputs.ndim.")
    return [int(v) for v in values]


def slice_update(inputs, start_indices, updates) -> Tensor:
    """``inputs`` with the block starting at ``start_indices`` replaced by ``updates`` (same
    number of axes; the block must fit). A new tensor: ``inputs`` is left as it was.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.slice_update(np.zeros(5), [3], np.array([1.0, 2.0])).data
    array([0., 0., 0., 1., 2.])
    """
    x, u = as_tensor(inputs), as_tensor(updates)
    starts = _starts("slice_update", start_indices, x.shape)
    if u.ndim != x.ndim:
        raise ShapeError(f"slice_update: updates must have inputs' number of axes ({x.ndim}), "
                         f"got shape {u.shape} for inputs of shape {x.shape}. Hint: reshape "
                         "updates, e.g. with ops.expand_dims.")
    for axis, (s, m, n) in enumerate(zip(starts, u.shape, x.shape)):
        if s < 0 or s + m > n:
            raise ArgumentError(f"slice_update: on axis {axis} (length {n}) a block of {m} "
                                f"cannot start at {s}. Hint: need 0 <= start and start + "
                                f"updates.shape[{axis}] <= {n}.")
    block = tuple(builtins.slice(s, s + m) for s, m in zip(starts, u.shape))
    return SliceUpdate.apply(x, u, block=block)


def scatter_update(inputs, indices, updates, reduction: str | None = None) -> Tensor:
    """``inputs`` with ``updates`` written at ``indices`` (each row of indices' last axis gives
    the leading coordinates of one update; updates has shape ``indices.shape[:-1] +
    inputs.shape[k:]``). ``reduction``: None replaces (the last of repeated indices wins),
    ``"add"``, ``"mul"``, ``"max"`` or ``"min"`` combine with what is there.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.scatter_update(np.zeros(4), [[0], [0], [2]], np.array([1.0, 2.0, 5.0]), "add").data
    array([3., 0., 5., 0.])
    """
    if isinstance(reduction, str):
        reduction = reduction.lower()
    if reduction not in _REDUCTIONS:
        raise ArgumentError(f"scatter_update: reduction must be None, 'add', 'max', 'min' or "
                            f"'mul', got {reduction!r}. Hint: None overwrites.")
    x, u = as_tensor(inputs), as_tensor(updates)
    idx = check_indices("scatter_update", "indices", indices)
    k = idx.shape[-1] if idx.ndim else 0
    if idx.ndim == 0 or not 1 <= k <= x.ndim or u.shape != idx.shape[:-1] + x.shape[k:]:
        raise ShapeError(
            f"scatter_update: indices of shape (..., k) with 1 <= k <= {x.ndim} and updates of "
            f"shape indices.shape[:-1] + inputs.shape[k:] are needed for inputs {x.shape}, got "
            f"indices {idx.shape} and updates {u.shape}. Hint: one row of k coordinates per "
            "update.")
    flat_idx = idx.reshape(-1, k)
    for axis in range(k):
        check_indices("scatter_update", f"indices[..., {axis}]", flat_idx[:, axis], x.shape[axis])
    xp = get_array_module(x.data)
    lead = int(np.prod(x.shape[:k], dtype=np.int64))
    rows = xp.ravel_multi_index(tuple(flat_idx.T), x.shape[:k], mode="wrap")
    _, last = xp.unique(rows[::-1], return_index=True)
    return ScatterUpdate.apply(x, u, rows=rows, winners=len(rows) - 1 - last,
                               view=(lead,) + x.shape[k:], reduction=reduction,
                               u_shape=u.shape)


def _segment(op: str, largest: bool | None, data, segment_ids, num_segments) -> Tensor:
    x = as_tensor(data)
    ids = check_indices(op, "segment_ids", segment_ids)
    if x.ndim == 0 or ids.ndim != 1 or ids.shape[0] != x.shape[0]:
        raise ShapeError(f"{op}: segment_ids must be 1-D with one id per row of data (shape "
                         f"{x.shape}), got shape {ids.shape}. Hint: flatten the ids, or "
                         "reshape data to (rows, ...).")
    if x.dtype.kind not in "fiub":
        raise ArgumentError(f"{op}: data must be numeric, got dtype {x.dtype}. Hint: "
                            "ops.cast(data, 'float32').")
    top = int(ids.max()) if ids.size else -1
    num_segments = top + 1 if num_segments is None else num_segments
    num_segments = check_count(op, "num_segments", num_segments)
    if top >= num_segments:
        raise ArgumentError(f"{op}: segment_ids must be < num_segments ({num_segments}), got "
                            f"{top}. Hint: leave num_segments=None to use the largest id + 1.")
    if largest is None:
        return SegmentProd.apply(x, ids=ids, num_segments=num_segments)
    return SegmentExtreme.apply(x, ids=ids, num_segments=num_segments, largest=largest)


def segment_max(data, segment_ids, num_segments: int | None = None,
                sorted: bool = False) -> Tensor:  # noqa: A002 - Keras's names
    """The maximum of the rows of ``data`` in each segment (rows with a negative id are left
    out); an empty segment holds the lowest value (-inf for floats). ``num_segments``
    defaults to the largest id + 1; ``sorted`` is only a hint.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.segment_max(np.array([1.0, 5.0, 2.0, 3.0]), np.array([0, 0, 2, 2]), 3).data
    array([  5., -inf,   3.])
    """
    return _segment("segment_max", True, data, segment_ids, num_segments)


def segment_min(data, segment_ids, num_segments: int | None = None,
                sorted: bool = False) -> Tensor:  # noqa: A002 - Keras's names
    """The minimum of the rows of ``data`` in each segment (rows with a negative id are left
    out); an empty segment holds the highest value (inf for floats). ``num_segments``
    defaults to the largest id + 1; ``sorted`` is only a hint.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.segment_min(np.array([1.0, 5.0, 2.0, 3.0]), np.array([0, 0, 1, 1])).data
    array([1., 2.])
    """
    return _segment("segment_min", False, data, segment_ids, num_segments)


def segment_prod(data, segment_ids, num_segments: int | None = None,
                 sorted: bool = False) -> Tensor:  # noqa: A002 - Keras's names
    """The product of the rows of ``data`` in each segment (rows with a negative id are left
    out); an empty segment holds 1. ``num_segments`` defaults to the largest id + 1;
    ``sorted`` is only a hint. The gradient is exact with zeros in a segment.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.segment_prod(np.array([1, 2, 10, 20, 100, 200]), np.array([0, 0, 1, 1, 2, 2]), 4).data
    array([    2,   200, 20000,     1])
    """
    return _segment("segment_prod", None, data, segment_ids, num_segments)


__all__ = ["scatter_update", "segment_max", "segment_min", "segment_prod", "slice_update"]
