"""Reductions, matrix product and shape ops with their backward.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu import ops
>>> x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
>>> ops.max(x, axis=1).sum().backward()
>>> x.grad
array([[0., 0., 1.],
       [0., 0., 1.]])
"""

from __future__ import annotations

import builtins

import numpy as np

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .math import maximum, minimum, unbroadcast


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim for a in axis)


def _expand_reduced(g, shape, axis, keepdims):
    """Give a reduced gradient back the reduced axes (as size 1) so it broadcasts."""
    if keepdims or g.ndim == len(shape):
        return g
    xp = get_array_module(g)
    for a in sorted(_axes(axis, len(shape))):
        g = xp.expand_dims(g, a)
    return g


class Sum(Function):
    def forward(self, x):
        self.shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, g):
        xp = get_array_module(g)
        # d(Σx)/dx = 1 for every summed element
        return xp.broadcast_to(_expand_reduced(g, self.shape, self.axis, self.keepdims), self.shape)


class Mean(Function):
    def forward(self, x):
        self.shape = x.shape
        y = x.mean(axis=self.axis, keepdims=self.keepdims)
        self.count = x.size // builtins.max(1, y.size)
        return y

    def backward(self, g):
        xp = get_array_module(g)
        # d(mean x)/dx = 1/n
        g = _expand_reduced(g, self.shape, self.axis, self.keepdims) / self.count
        return xp.broadcast_to(g, self.shape)


class Max(Function):
    def forward(self, x):
        self.x = x
        self.y = x.max(axis=self.axis, keepdims=True)
        return self.y if self.keepdims else self.y.reshape(
            [n for i, n in enumerate(x.shape) if i not in _axes(self.axis, x.ndim)]
        )

    def backward(self, g):
        # the maximum takes the gradient; ties share it evenly
        mask = self.x == self.y
        share = mask / mask.sum(axis=self.axis, keepdims=True)
        return share * _expand_reduced(g, self.x.shape, self.axis, self.keepdims)


class Min(Function):
    def forward(self, x):
        self.x = x
        self.y = x.min(axis=self.axis, keepdims=True)
        return self.y if self.keepdims else self.y.reshape(
            [n for i, n in enumerate(x.shape) if i not in _axes(self.axis, x.ndim)]
        )

    def backward(self, g):
        # the minimum takes the gradient; ties share it evenly
        mask = self.x == self.y
        share = mask / mask.sum(axis=self.axis, keepdims=True)
        return share * _expand_reduced(g, self.x.shape, self.axis, self.keepdims)


class MatMul(Function):
    """Matrix product of arrays with at least 2 dimensions (``matmul`` lifts 1-D vectors)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        xp = get_array_module(g)
        # d(AB)/dA = G Bᵀ,  d(AB)/dB = Aᵀ G   (summed over broadcast batch axes)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(g @ xp.swapaxes(self.b, -1, -2), self.a.shape)
        if self.needs_input_grad[1]:
            gb = unbroadcast(xp.swapaxes(self.a, -1, -2) @ g, self.b.shape)
        return ga, gb


class Reshape(Function):
    reusable = True  # keeps only the last input's shape (the Sequential fast path reuses it)

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, g):
        # reshape moves no values: the gradient is reshaped back
        return g.reshape(self.in_shape)


class Transpose(Function):
    reusable = True  # keeps only the last call's axes (the Sequential fast path reuses it)

    def forward(self, x):
        axes = self.axes if self.axes is not None else tuple(reversed(range(x.ndim)))
        self.axes_ = tuple(a % x.ndim for a in axes)  # negative axes: their inverse needs >= 0
        return x.transpose(self.axes_)

    def backward(self, g):
        xp = get_array_module(g)
        # the gradient goes back through the inverse permutation
        return g.transpose(xp.argsort(xp.asarray(self.axes_)).tolist())


class BroadcastTo(Function):
    def forward(self, x):
        self.in_shape = x.shape
        return get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, g):
        # copies of one value add up their gradients
        return unbroadcast(g, self.in_shape)


def _is_advanced(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return builtins.any(hasattr(p, "shape") or isinstance(p, list) for p in parts)


class GetItem(Function):
    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return x[self.index]

    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.shape, dtype=g.dtype)
        # each selected element gets its gradient back; repeated picks add up
        if _is_advanced(self.index):
            xp.add.at(gx, self.index, g)
        else:
            gx[self.index] = g
        return gx


class Concatenate(Function):
    def forward(self, *arrays):
        self.sizes = [a.shape[self.axis] for a in arrays]
        return get_array_module(*arrays).concatenate(arrays, axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        # each input gets back its own slice of the gradient
        cuts = xp.cumsum(xp.asarray(self.sizes))[:-1].tolist()
        return tuple(xp.split(g, cuts, axis=self.axis))


class Stack(Function):
    def forward(self, *arrays):
        return get_array_module(*arrays).stack(arrays, axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        # each input gets back its own slice of the gradient
        return tuple(xp.moveaxis(g, self.axis, 0))


def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over ``axis`` (all axes when None)."""
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (all axes when None)."""
    return Mean.apply(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Maximum over ``axis``; ties share the gradient. ``initial``: a floor on the result."""
    out = Max.apply(x, axis=axis, keepdims=keepdims)
    return out if initial is None else maximum(out, initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Minimum over ``axis``; ties share the gradient. ``initial``: a ceiling on the result."""
    out = Min.apply(x, axis=axis, keepdims=keepdims)
    return out if initial is None else minimum(out, initial)


def matmul(x1, x2):
    """Matrix product with NumPy's ``@`` rules (batched, 1-D vectors)."""
    a, b = as_tensor(x1), as_tensor(x2)
    _check_matmul(a.shape, b.shape)
    if a.ndim == 1 and b.ndim == 1:  # a dot product: (1, n) @ (n, 1), then a scalar
        return reshape(MatMul.apply(expand_dims(a, 0), expand_dims(b, -1)), ())
    if a.ndim == 1:
        return squeeze(matmul(expand_dims(a, 0), b), -2)
    if b.ndim == 1:
        return squeeze(matmul(a, expand_dims(b, -1)), -1)
    return MatMul.apply(a, b)


def reshape(x, newshape):
    """Reshape (one dimension may be -1)."""
    return Reshape.apply(x, shape=tuple(newshape))


def transpose(x, axes=None):
    """Permute axes (reverse them when None)."""
    return Transpose.apply(x, axes=None if axes is None else tuple(axes))


def broadcast_to(x, shape):
    """Broadcast to ``shape``; the backward sums the copies."""
    return BroadcastTo.apply(x, shape=tuple(shape))


def getitem(x, index):
    """``x[index]``: basic and advanced (integer array) indexing."""
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return GetItem.apply(x, index=index)


def concatenate(xs, axis=0):
    """Join the tensors of ``xs`` along an existing axis (the first by default, as in Keras)."""
    tensors = [as_tensor(t) for t in xs]
    _check_concatenate([t.shape for t in tensors], axis)
    return Concatenate.apply(*tensors, axis=axis)


def _check_matmul(a_shape, b_shape) -> None:
    """A ShapeError naming both shapes when ``a @ b`` has no meaning."""
    if not a_shape or not b_shape:
        raise ShapeError(
            f"matmul: both operands need at least one axis, got shapes {a_shape} and {b_shape}. "
            "Hint: multiply by a scalar with ops.multiply."
        )
    inner_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if a_shape[-1] != inner_b:
        raise ShapeError(
            f"matmul: a's last axis ({a_shape[-1]}, shape {a_shape}) must equal b's "
            f"{'only' if len(b_shape) == 1 else 'second-to-last'} axis ({inner_b}, shape "
            f"{b_shape}). Hint: transpose one operand, e.g. matmul(a, transpose(b))."
        )
    try:
        np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise ShapeError(
            f"matmul: the batch axes of shapes {a_shape} and {b_shape} do not broadcast. "
            "Hint: the axes before the last two must be equal or 1."
        ) from None


def _check_concatenate(shapes, axis) -> None:
    """An error naming the axis or the shapes when the tensors cannot be joined."""
    if not shapes:
        raise ArgumentError("concatenate: expected at least one tensor, got none. "
                            "Hint: concatenate([a, b], axis=-1).")
    ndim = len(shapes[0])
    if not isinstance(axis, int) or isinstance(axis, bool) or not -ndim <= axis < ndim:
        raise ArgumentError(
            f"concatenate: axis must be an int in [{-ndim}, {ndim - 1}] for {ndim}-D tensors, "
            f"got {axis!r}. Hint: axis=-1 joins along the last axis."
        )
    a = axis % ndim
    for shape in shapes[1:]:
        if len(shape) != ndim or any(d != e for i, (d, e) in enumerate(zip(shape, shapes[0]))
                                     if i != a):
            raise ShapeError(
                f"concatenate: every tensor must match the first one's shape {shapes[0]} "
                f"except on axis {axis}, got {shape}. Hint: check the inputs' shapes; only "
                "the joined axis may differ."
            )


def stack(x, axis=0):
    """Join the tensors of the sequence ``x`` along a new axis."""
    return Stack.apply(*[as_tensor(t) for t in x], axis=axis)


def expand_dims(x, axis):
    """Insert an axis of size 1."""
    shape = list(x.shape)
    shape.insert(axis % (len(shape) + 1), 1)
    return reshape(x, shape)


def squeeze(x, axis=None):
    """Remove the axis (or axes) of size 1 named by ``axis``; every size-1 axis when None."""
    shape = list(x.shape)
    if axis is None:
        return reshape(x, [d for d in shape if d != 1])
    axes = sorted({a % len(shape) for a in (axis if isinstance(axis, (list, tuple)) else [axis])})
    if any(shape[a] != 1 for a in axes):
        raise ShapeError(f"squeeze: axis {axis} of a tensor of shape {tuple(shape)} is not of "
                         "size 1. Hint: squeeze only size-1 axes, or reshape.")
    return reshape(x, [d for i, d in enumerate(shape) if i not in axes])
