"""Diagonals, triangles and turns of ``keras.ops`` with their backward: diagonal, diag,
diagflat, trace, roll and rot90 (each value's gradient goes back to where it came from).

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
>>> ops.trace(x).backward()
>>> x.grad
array([[1., 0., 0.],
       [0., 1., 0.],
       [0., 0., 1.]])
>>> ops.roll(np.arange(4.0), 1).data
array([3., 0., 1., 2.])
"""

from __future__ import annotations

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_axis, check_one_axis, data, is_int
from .shape import sum as sum_


class Diagonal(Function):
    """Settings: ``offset``, ``axis1``, ``axis2`` (non-negative)."""

    def forward(self, x):
        self.shape = x.shape
        return get_array_module(x).diagonal(x, self.offset, self.axis1, self.axis2).copy()

    def backward(self, g):
        xp = get_array_module(g)
        # each diagonal element goes back to its place; zeros elsewhere
        gx = xp.zeros(self.shape, dtype=g.dtype)
        moved = xp.moveaxis(gx, (self.axis1, self.axis2), (-2, -1))
        m = g.shape[-1]
        rows = xp.arange(m) + max(-self.offset, 0)
        cols = xp.arange(m) + max(self.offset, 0)
        moved[..., rows, cols] = g
        return gx


class Diagflat(Function):
    """Settings: ``k``."""

    def forward(self, x):
        self.shape = x.shape
        return get_array_module(x).diagflat(x, self.k)

    def backward(self, g):
        # each value sat on diagonal k: read its gradient back from there
        return get_array_module(g).diagonal(g, self.k).reshape(self.shape)


class Roll(Function):
    """Settings: ``shift`` and ``axes`` (NumPy's)."""

    def forward(self, x):
        return get_array_module(x).roll(x, self.shift, self.axes)

    def backward(self, g):
        xp = get_array_module(g)
        # a roll moves values: roll the gradient back
        back = tuple(-s for s in self.shift) if isinstance(self.shift, tuple) else -self.shift
        return xp.roll(g, back, self.axes)


class Rot90(Function):
    """Settings: ``k`` and ``axes``."""

    def forward(self, x):
        return get_array_module(x).rot90(x, self.k, self.axes)

    def backward(self, g):
        # a turn moves values: turn the gradient back
        return get_array_module(g).rot90(g, -self.k, self.axes)


def _int(op, name, value):
    if not is_int(value):
        raise ArgumentError(f"{op}: {name} must be an int, got {value!r}. "
                            f"Hint: {name}=0 is the main diagonal.")
    return int(value)


def diagonal(x, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The diagonal ``offset`` of the matrices on ``axis1`` and ``axis2``, as a last axis."""
    x = as_tensor(x)
    offset = _int("diagonal", "offset", offset)
    if x.ndim < 2:
        raise ShapeError(f"diagonal: x needs at least 2 axes, got shape {x.shape}. "
                         "Hint: ops.diag builds a matrix from a vector.")
    a = check_one_axis("diagonal", axis1, x.ndim, name="axis1")
    b = check_one_axis("diagonal", axis2, x.ndim, name="axis2")
    if a == b:
        raise ArgumentError(f"diagonal: axis1 and axis2 must differ, got {axis1!r} and "
                            f"{axis2!r}. Hint: axis1=0, axis2=1.")
    return Diagonal.apply(x, offset=offset, axis1=a, axis2=b)


def diagflat(x, k: int = 0) -> Tensor:
    """A square matrix with x's values (flattened) on diagonal ``k``, zeros elsewhere."""
    return Diagflat.apply(as_tensor(x), k=_int("diagflat", "k", k))


def diag(x, k: int = 0) -> Tensor:
    """A matrix from a vector (values on diagonal ``k``), or a matrix's diagonal ``k``."""
    x = as_tensor(x)
    k = _int("diag", "k", k)
    if x.ndim == 1:
        return Diagflat.apply(x, k=k)
    if x.ndim == 2:
        return Diagonal.apply(x, offset=k, axis1=0, axis2=1)
    raise ShapeError(f"diag: x must be 1-D or 2-D, got shape {x.shape}. "
                     "Hint: ops.diagonal takes a diagonal of any two axes.")


def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The sum of diagonal ``offset`` of the matrices on ``axis1`` and ``axis2``."""
    return sum_(diagonal(x, offset, axis1, axis2), axis=-1)


def roll(x, shift, axis=None) -> Tensor:
    """Shift elements along ``axis`` by ``shift``, wrapping around (flattened when None)."""
    x = as_tensor(x)
    raw = data(shift)
    raw = raw.tolist() if hasattr(raw, "tolist") else raw
    shifts = tuple(raw) if isinstance(raw, (list, tuple)) else (raw,)
    if not shifts or not all(is_int(s) for s in shifts):
        raise ArgumentError(f"roll: shift must be an int or a tuple of ints, got {shift!r}. "
                            "Hint: roll(x, 1, axis=0).")
    axes = check_axis("roll", axis, x.ndim)
    if axes is None:
        if len(shifts) != 1:
            raise ArgumentError(f"roll: with axis=None shift must be one int, got {shift!r}. "
                                "Hint: pass axis with one shift per axis.")
        return Roll.apply(x, shift=int(shifts[0]), axes=None)
    if len(shifts) not in (1, len(axes)):
        raise ArgumentError(f"roll: shift must be one int or one per axis ({len(axes)}), got "
                            f"{shift!r}. Hint: roll(x, (1, 2), axis=(0, 1)).")
    shifts = shifts * len(axes) if len(shifts) == 1 else shifts
    return Roll.apply(x, shift=tuple(int(s) for s in shifts), axes=axes)


def rot90(array, k: int = 1, axes=(0, 1)) -> Tensor:
    """Turn by 90° ``k`` times in the plane of ``axes``, from the first axis toward the
    second."""
    x = as_tensor(array)
    k = _int("rot90", "k", k)
    if x.ndim < 2:
        raise ShapeError(f"rot90: array needs at least 2 axes, got shape {x.shape}. "
                         "Hint: reshape a vector to a matrix first.")
    plane = check_axis("rot90", axes, x.ndim, allow_none=False, name="axes")
    if len(plane) != 2:
        raise ArgumentError(f"rot90: axes must be two different axes, got {axes!r}. "
                            "Hint: axes=(0, 1).")
    return Rot90.apply(x, k=k, axes=plane)

