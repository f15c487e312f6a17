"""``norm`` as in ``keras.ops`` (NumPy's ``linalg.norm`` rules), with its backward.

Vector norms (``axis`` an int, or None on a vector): ``ord`` None or 2 (Euclidean), 1, any
p, inf/-inf (largest/smallest |x|), 0 (the count of nonzeros, no gradient). Matrix norms
(``axis`` two ints, or None on a matrix with ``ord`` set): 'fro' (None), 'nuc' (the sum of the
singular values), 2/-2 (the largest/smallest singular value), 1/-1 (largest/smallest column
sum of |x|), inf/-inf (row sums). With ``axis=None`` and ``ord=None`` any tensor's flattened
Euclidean norm is taken. Where the norm is 0 the gradient is 0 (as PyTorch's).

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([3.0, -4.0]), requires_grad=True)
>>> y = ops.norm(x)
>>> y.backward()
>>> float(y.data), x.grad
(5.0, array([ 0.6, -0.8]))
"""

from __future__ import annotations

import math

from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ArgumentError
from .arguments import check_axis, floating
from .shape import max as max_
from .shape import min as min_
from .shape import reshape
from .shape import sum as sum_


def _keep(g, shape, axes, keepdims):
    if keepdims:
        return g
    return g.reshape([1 if axes is None or i in axes else n for i, n in enumerate(shape)])


class VectorNorm(Function):
    """(Σ|x|ᵖ)^(1/p) over ``axes`` (None: all); settings ``p`` (a float; ±inf, 0), ``keepdims``."""

    def forward(self, x):
        xp = get_array_module(x)
        p, axes = self.p, self.axes
        self.x = x
        a = xp.abs(x)
        if p == 2:
            # ‖x‖₂ = √Σx²
            y = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        elif p == math.inf:
            y = a.max(axis=axes, keepdims=True)
        elif p == -math.inf:
            y = a.min(axis=axes, keepdims=True)
        elif p == 0:
            y = (x != 0).sum(axis=axes, keepdims=True).astype(x.dtype)
        elif p == 1:
            y = a.sum(axis=axes, keepdims=True)
        else:
            y = (a ** p).sum(axis=axes, keepdims=True) ** (1 / p)
        self.y = y
        return y if self.keepdims else y.reshape(
            [n for i, n in enumerate(x.shape) if axes is not None and i not in axes])

    def backward(self, g):
        xp = get_array_module(g)
        p, x, y = self.p, self.x, self.y
        gk = _keep(g, x.shape, self.axes, self.keepdims)
        zero = y == 0
        safe = xp.where(zero, 1, y)
        if p == 2:
            # d‖x‖₂/dx = x / ‖x‖₂
            d = x / safe
        elif p in (math.inf, -math.inf):
            # the extreme |x| takes the gradient with x's sign; ties share it
            hit = xp.abs(x) == y
            d = xp.sign(x) * hit / hit.sum(axis=self.axes, keepdims=True)
        elif p == 0:
            d = xp.zeros_like(x)
        elif p == 1:
            # d(Σ|x|)/dx = sign(x)
            d = xp.sign(x)
        else:
            # d‖x‖ₚ/dx = sign(x)·|x|^(p-1) / ‖x‖ₚ^(p-1)
            d = xp.sign(x) * (xp.abs(x) / safe) ** (p - 1)
        return xp.where(zero, 0, d) * gk


class SingularNorm(Function):
    """A norm of the singular values of the matrices on the last two axes: ``kind`` 'nuc' (their
    sum), 'max' or 'min'."""

    def forward(self, x):
        xp = get_array_module(x)
        u, s, vt = xp.linalg.svd(x, full_matrices=False)
        self.u, self.vt, self.shape = u, vt, x.shape
        if self.kind == "nuc":
            return s.sum(axis=-1)
        self.k = 0 if self.kind == "max" else s.shape[-1] - 1
        return s[..., self.k]

    def backward(self, g):
        g = g[..., None, None]
        if self.kind == "nuc":
            # d(Σσ)/dX = U Vᵀ
            return g * (self.u @ self.vt)
        # dσₖ/dX = uₖ vₖᵀ
        u, v = self.u[..., :, self.k], self.vt[..., self.k, :]
        return g * (u[..., :, None] * v[..., None, :])


def _bad_ord(ord, kind, allowed):
    raise ArgumentError(f"norm: ord must be one of {allowed} for a {kind} norm, got {ord!r}. "
                        "Hint: ord=None is the Euclidean (or Frobenius) norm.")


def _vector(x, ord, axes, keepdims):
    if ord is None:
        p = 2.0
    elif isinstance(ord, str) or isinstance(ord, bool) or not isinstance(ord, (int, float)):
        _bad_ord(ord, "vector", "None, a number, inf or -inf")
    else:
        p = float(ord)
    return VectorNorm.apply(x, p=p, axes=axes, keepdims=keepdims)


def _matrix(x, ord, axes, keepdims):
    r, c = axes
    if ord in (None, "fro"):
        return VectorNorm.apply(x, p=2.0, axes=axes, keepdims=keepdims)
    if ord in ("nuc", 2, -2) and not isinstance(ord, bool):
        from .shape import transpose

        rest = [i for i in range(x.ndim) if i not in axes]
        y = SingularNorm.apply(transpose(x, rest + [r, c]),
                               kind={"nuc": "nuc", 2: "max", -2: "min"}[ord])
        if keepdims:
            y = reshape(y, [1 if i in axes else n for i, n in enumerate(x.shape)])
        return y
    if ord in (1, -1, math.inf, -math.inf) and not isinstance(ord, bool):
        from .math import abs as abs_

        # 1: max over columns of Σ_rows |x|;  inf: max over rows of Σ_columns |x|
        summed, over = (r, c) if abs(ord) == 1 else (c, r)
        pick = max_ if ord > 0 else min_
        y = pick(sum_(abs_(x), axis=summed, keepdims=True), axis=over, keepdims=True)
        if not keepdims:
            y = reshape(y, [n for i, n in enumerate(y.shape) if i not in axes])
        return y
    _bad_ord(ord, "matrix", "None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf")


def norm(x, ord=None, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A002 - Keras's name
    """A vector or matrix norm of ``x`` over ``axis`` (see the module's description)."""
    x = floating(x)
    keepdims = bool(keepdims)
    if axis is None:
        if ord is None:
            return VectorNorm.apply(x, p=2.0, axes=None, keepdims=keepdims)
        if x.ndim not in (1, 2):
            raise ArgumentError(
                f"norm: with ord={ord!r} and axis=None the tensor must be 1-D or 2-D, got shape "
                f"{x.shape}. Hint: pass axis (an int for vector norms, two ints for matrix "
                "norms).")
        axes = tuple(range(x.ndim))
    else:
        axes = check_axis("norm", axis, x.ndim, allow_none=False)
        if len(axes) > 2:
            raise ArgumentError(f"norm: axis must be an int or two ints, got {axis!r}. "
                                "Hint: flatten first for a norm over more axes.")
    if len(axes) == 1:
        return _vector(x, ord, axes, keepdims)
    return _matrix(x, ord, axes, keepdims)
