"""Joining, cutting, copying and flattening of ``keras.ops``, composed of differentiable ops:
append, hstack, vstack, dstack, hsplit, vsplit, array_split, ravel, meshgrid and copy
(a fresh array, the gradient passed through).

>>> import numpy as np
>>> from shendu import ops
>>> ops.vstack([np.array([1.0, 2.0]), np.array([3.0, 4.0])]).data
array([[1., 2.],
       [3., 4.]])
>>> [p.data for p in ops.array_split(np.arange(5.0), 2)]
[array([0., 1., 2.]), array([3., 4.])]
>>> xs, ys = ops.meshgrid(np.array([1.0, 2.0]), np.array([5.0]))
>>> xs.data, ys.data
(array([[1., 2.]]), array([[5., 5.]]))
"""

from __future__ import annotations

from ..autograd import Function, Tensor, as_tensor
from ..errors import ArgumentError, ShapeError
from .arguments import check_count, check_one_axis, data, is_int
from .arrangement import split
from .shape import broadcast_to, concatenate, getitem, reshape


class Copy(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, g):
        # d(x)/dx = 1
        return g


def copy(x) -> Tensor:
    """A copy of ``x`` (new memory); the gradient passes through."""
    return Copy.apply(as_tensor(x))


def ravel(x) -> Tensor:
    """``x`` flattened to one axis, in C order."""
    return reshape(as_tensor(x), (-1,))


def append(x1, x2, axis=None) -> Tensor:
    """``x2`` joined after ``x1`` along ``axis`` (both flattened first when None)."""
    a, b = as_tensor(x1), as_tensor(x2)
    if axis is None:
        return concatenate([ravel(a), ravel(b)], axis=0)
    return concatenate([a, b], axis=axis)


def _tensors(op, xs) -> list[Tensor]:
    if isinstance(xs, (Tensor,)) or not isinstance(xs, (list, tuple)) or not xs:
        raise ArgumentError(f"{op}: xs must be a non-empty list or tuple of tensors, got "
                            f"{type(xs).__name__}. Hint: {op}([a, b]).")
    return [as_tensor(t) for t in xs]


def _at_least(t: Tensor, ndim: int) -> Tensor:
    """NumPy's atleast_2d / atleast_3d: (n,) → (1, n) or (1, n, 1); (m, n) → (m, n, 1)."""
    if t.ndim >= ndim:
        return t
    if t.ndim == 0:
        return reshape(t, (1,) * ndim)
    if t.ndim == 1:
        return reshape(t, (1, t.shape[0]) + (1,) * (ndim - 2))
    return reshape(t, t.shape + (1,) * (ndim - t.ndim))


def hstack(xs) -> Tensor:
    """Join along the second axis (the first for 1-D tensors)."""
    ts = [_at_least(t, 1) for t in _tensors("hstack", xs)]
    return concatenate(ts, axis=0 if ts[0].ndim == 1 else 1)


def vstack(xs) -> Tensor:
    """Join along the first axis, 1-D tensors as rows."""
    return concatenate([_at_least(t, 2) for t in _tensors("vstack", xs)], axis=0)


def dstack(xs) -> Tensor:
    """Join along the third axis (1-D and 2-D tensors get axes of size 1 first)."""
    return concatenate([_at_least(t, 3) for t in _tensors("dstack", xs)], axis=2)


def _split_on(op, x, indices_or_sections, axis, min_ndim):
    x = as_tensor(x)
    if x.ndim < min_ndim:
        raise ShapeError(f"{op}: x needs at least {min_ndim} axes, got shape {x.shape}. "
                         f"Hint: {op} cuts along axis {axis}; use ops.split for other axes.")
    return split(x, indices_or_sections, axis=axis)


def hsplit(x, indices_or_sections) -> list[Tensor]:
    """Cut along the second axis (the first for 1-D tensors)."""
    x = as_tensor(x)
    return _split_on("hsplit", x, indices_or_sections, 0 if x.ndim == 1 else 1, 1)


def vsplit(x, indices_or_sections) -> list[Tensor]:
    """Cut along the first axis (x has at least 2 axes)."""
    return _split_on("vsplit", x, indices_or_sections, 0, 2)



def array_split(x, indices_or_sections, axis: int = 0) -> list[Tensor]:
    """Cut along ``axis`` into ``indices_or_sections`` nearly equal parts (the first
    ``n % sections`` one longer), or at the given indices."""
    x = as_tensor(x)
    axis = check_one_axis("array_split", axis, x.ndim)
    raw = data(indices_or_sections)
    if not is_int(raw):
        return split(x, indices_or_sections, axis=axis)
    sections = check_count("array_split", "indices_or_sections", raw, minimum=1)
    n = x.shape[axis]
    size, extra = divmod(n, sections)
    bounds = [0]
    for i in range(sections):
        bounds.append(bounds[-1] + size + (1 if i < extra else 0))
    head = (slice(None),) * axis
    return [getitem(x, head + (slice(a, b),)) for a, b in zip(bounds, bounds[1:])]


def meshgrid(*x, indexing: str = "xy") -> list[Tensor]:
    """Coordinate grids from 1-D tensors: 'xy' (Cartesian: the first two axes swapped) or
    'ij' (matrix) indexing; each grid is a broadcast, so gradients add up."""
    if indexing not in ("xy", "ij"):
        raise ArgumentError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}. "
                            "Hint: 'ij' gives grids of shape (len(x1), len(x2), ...).")
    ts = [as_tensor(t) for t in x]
    for i, t in enumerate(ts):
        if t.ndim != 1:
            ts[i] = ravel(t)
    lengths = [t.shape[0] for t in ts]
    if indexing == "xy" and len(ts) >= 2:
        lengths[0], lengths[1] = lengths[1], lengths[0]
    grids = []
    for i, t in enumerate(ts):
        place = i
        if indexing == "xy" and len(ts) >= 2 and i < 2:
            place = 1 - i
        shape = [1] * len(ts)
        shape[place] = t.shape[0]
        grids.append(broadcast_to(reshape(t, shape), tuple(lengths)))
    return grids
