"""Reductions of ``keras.ops`` beyond sum/mean/max/min: prod, var, std, logsumexp, cumsum and
cumprod with their backward; diff composed of slices; all and any without a gradient
(constant booleans).

``axis`` is None (every axis), an int or a tuple of ints, negative counting from the end;
variances are biased (divided by the count), as in Keras.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([[1.0, 2.0], [3.0, 0.0]]), requires_grad=True)
>>> ops.prod(x, axis=-1).sum().backward()
>>> x.grad
array([[2., 1.],
       [0., 3.]])
>>> float(ops.var(np.array([1.0, 3.0])).data)
1.0
"""

from __future__ import annotations

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError
from .arguments import check_axis, check_count, check_one_axis, data, floating
from .math import sqrt, subtract
from .shape import getitem


def _keep(g, shape, axes, keepdims):
    """A reduced gradient with the reduced axes back (as size 1), so it broadcasts to x."""
    if keepdims:
        return g
    if axes is None:
        return g.reshape((1,) * len(shape))
    return g.reshape([1 if i in axes else n for i, n in enumerate(shape)])


def _count(shape, axes) -> int:
    n = 1
    for i, size in enumerate(shape):
        if axes is None or i in axes:
            n *= size
    return n


class Prod(Function):
    """Settings: ``axes`` (a tuple of non-negative axes, or None), ``keepdims``, ``dtype``."""

    def forward(self, x):
        xp = get_array_module(x)
        self.in_dtype = x.dtype
        self.x = x.astype(self.dtype) if self.dtype is not None else x
        return xp.prod(self.x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        xp = get_array_module(g)
        x, ndim = self.x, self.x.ndim
        axes = tuple(range(ndim)) if self.axes is None else self.axes
        rest = [a for a in range(ndim) if a not in axes]
        # the reduced axes last, as one axis of length n: xm has shape (..., n)
        xm = x.transpose(rest + list(axes))
        lead = xm.shape[:len(rest)]
        xm = xm.reshape(lead + (-1,))
        ones = xp.ones(lead + (1,), dtype=x.dtype)
        # d(Πⱼ xⱼ)/dxᵢ = Πⱼ<ᵢ xⱼ · Πⱼ>ᵢ xⱼ  (exclusive products: exact when some xⱼ = 0)
        before = xp.cumprod(xp.concatenate([ones, xm[..., :-1]], axis=-1), axis=-1)
        after = xp.cumprod(xp.concatenate([ones, xm[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        gm = before * after
        gm *= _keep(g, x.shape, self.axes, self.keepdims).reshape(lead + (1,))
        gx = gm.reshape(lead + tuple(x.shape[a] for a in axes))
        inverse = [0] * ndim
        for i, a in enumerate(rest + list(axes)):
            inverse[a] = i
        return gx.transpose(inverse).astype(self.in_dtype, copy=False)


class Var(Function):
    """Settings: ``axes`` (a tuple of non-negative axes, or None), ``keepdims``."""

    def forward(self, x):
        # var(x) = mean((x - mean(x))²)
        self.centred = x - x.mean(axis=self.axes, keepdims=True)
        self.n = _count(x.shape, self.axes)
        c = self.centred
        return (c * c).mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        # d var / dxᵢ = 2 (xᵢ - mean(x)) / n
        shape = self.centred.shape
        return (2 / max(self.n, 1)) * self.centred * _keep(g, shape, self.axes, self.keepdims)


class LogSumExp(Function):
    """Settings: ``axes`` (a tuple of non-negative axes, or None), ``keepdims``."""

    def forward(self, x):
        xp = get_array_module(x)
        m = x.max(axis=self.axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or an inf): no shift
        # log Σ eˣ = m + log Σ e^(x - m)
        y = m + xp.log(xp.exp(x - m).sum(axis=self.axes, keepdims=True))
        self.x, self.y = x, y
        if self.keepdims:
            return y
        return y.reshape([n for i, n in enumerate(x.shape)
                          if self.axes is not None and i not in self.axes])

    def backward(self, g):
        xp = get_array_module(g)
        # d(log Σ eˣ)/dxᵢ = e^(xᵢ - y) = softmax(x)ᵢ
        p = xp.exp(self.x - self.y)
        return p * _keep(g, self.x.shape, self.axes, self.keepdims)


class CumSum(Function):
    """Settings: ``axis`` (a non-negative axis, or None to run over the flattened input),
    ``dtype``."""

    def forward(self, x):
        xp = get_array_module(x)
        self.shape, self.in_dtype = x.shape, x.dtype
        return xp.cumsum(x, axis=self.axis, dtype=self.dtype)

    def backward(self, g):
        xp = get_array_module(g)
        axis = 0 if self.axis is None else self.axis
        # d(Σⱼ≤ₖ xⱼ)/dxᵢ = 1 for k >= i: the gradient is summed from the end
        gx = xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis)
        return gx.reshape(self.shape).astype(self.in_dtype, copy=False)


class CumProd(Function):
    """Settings: ``axis`` (a non-negative axis, or None to run over the flattened input),
    ``dtype``."""

    def forward(self, x):
        xp = get_array_module(x)
        self.shape, self.in_dtype = x.shape, x.dtype
        self.x = x.reshape(-1) if self.axis is None else x
        self.y = xp.cumprod(self.x, axis=0 if self.axis is None else self.axis, dtype=self.dtype)
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        axis = 0 if self.axis is None else self.axis
        x, y = xp.moveaxis(self.x, axis, -1), xp.moveaxis(self.y, axis, -1)
        gm = xp.moveaxis(g, axis, -1)
        n = x.shape[-1]
        if bool(xp.all(x != 0)):
            # d(Πⱼ≤ₖ xⱼ)/dxᵢ = yₖ / xᵢ for k >= i: a cumulative sum from the end, over xᵢ
            gx = xp.flip(xp.cumsum(xp.flip(gm * y, -1), axis=-1), -1) / x
        else:
            # with zeros: Πⱼ≤ₖ,ⱼ≠ᵢ xⱼ for each (i, k >= i), xᵢ replaced by 1 (n² terms)
            rep = xp.repeat(x[..., None, :], n, axis=-2)
            eye = xp.eye(n, dtype=bool)
            rep[..., eye] = 1
            partial = xp.cumprod(rep, axis=-1) * xp.triu(xp.ones((n, n), dtype=x.dtype))
            gx = (partial * gm[..., None, :]).sum(axis=-1)
        gx = xp.moveaxis(gx, -1, axis)
        return gx.reshape(self.shape).astype(self.in_dtype, copy=False)


def prod(x, axis=None, keepdims: bool = False, dtype=None) -> Tensor:
    """Product over ``axis`` (all axes when None), computed in ``dtype`` when given."""
    x = as_tensor(x)
    return Prod.apply(x, axes=check_axis("prod", axis, x.ndim), keepdims=bool(keepdims),
                      dtype=dtype)


def var(x, axis=None, keepdims: bool = False) -> Tensor:
    """Variance (divided by the count) over ``axis`` (all axes when None)."""
    x = floating(x)
    return Var.apply(x, axes=check_axis("var", axis, x.ndim), keepdims=bool(keepdims))


def std(x, axis=None, keepdims: bool = False) -> Tensor:
    """Standard deviation (the square root of :func:`var`) over ``axis``."""
    x = floating(x)
    check_axis("std", axis, x.ndim)
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """``log(Σ exp(x))`` over ``axis``, without overflow."""
    x = floating(x)
    return LogSumExp.apply(x, axes=check_axis("logsumexp", axis, x.ndim),
                           keepdims=bool(keepdims))


def cumsum(x, axis: int | None = None, dtype=None) -> Tensor:
    """Running sum along ``axis`` (of the flattened input when None)."""
    x = as_tensor(x)
    axis = None if axis is None else check_one_axis("cumsum", axis, x.ndim)
    return CumSum.apply(x, axis=axis, dtype=dtype)


def cumprod(x, axis: int | None = None, dtype=None) -> Tensor:
    """Running product along ``axis`` (of the flattened input when None)."""
    x = as_tensor(x)
    axis = None if axis is None else check_one_axis("cumprod", axis, x.ndim)
    return CumProd.apply(x, axis=axis, dtype=dtype)


def diff(a, n: int = 1, axis: int = -1) -> Tensor:
    """The ``n``-th difference ``a[i + 1] - a[i]`` along ``axis`` (composed of slices)."""
    x = as_tensor(a)
    n = check_count("diff", "n", n)
    if x.ndim == 0:
        raise ArgumentError("diff: a needs at least one axis, got a 0-D tensor. "
                            "Hint: ops.reshape(a, (1,)).")
    axis = check_one_axis("diff", axis, x.ndim)
    head = (slice(None),) * axis
    for _ in range(n):
        x = subtract(getitem(x, head + (slice(1, None),)), getitem(x, head + (slice(None, -1),)))
    return x


def _truth(name, x, axis, keepdims) -> Tensor:
    a = data(as_tensor(x))
    axes = check_axis(name, axis, a.ndim)
    xp = get_array_module(a)
    return Tensor(xp.asarray(getattr(xp, name)(a, axis=axes, keepdims=bool(keepdims))))


def all(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - the name users expect
    """True where every element over ``axis`` is nonzero (booleans, no gradient)."""
    return _truth("all", x, axis, keepdims)


def any(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - the name users expect
    """True where some element over ``axis`` is nonzero (booleans, no gradient)."""
    return _truth("any", x, axis, keepdims)
