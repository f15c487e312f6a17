"""Order statistics and averages of ``keras.ops``, composed of differentiable ops: amax, amin,
ptp, average, median, quantile and percentile; count_nonzero without a gradient.

Quantiles sort the values (the gradient follows each value back) and interpolate between
neighbours by ``method``: 'linear', 'lower', 'higher', 'midpoint' or 'nearest', as NumPy. A
vector ``q`` puts its axis first, as NumPy does.

>>> import numpy as np
>>> from shendu import ops
>>> float(ops.median(np.array([3.0, 1.0, 4.0, 2.0])).data)
2.5
>>> ops.quantile(np.array([[1.0, 2.0, 3.0]]), np.array([0.0, 0.75]), axis=1).data
array([[1. ],
       [2.5]])
"""

from __future__ import annotations

from ..autograd import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_axis, data, floating
from .indexing import take
from .math import add, divide, multiply, subtract
from .ordering import sort
from .shape import broadcast_to, reshape, transpose
from .shape import max as max_
from .shape import min as min_
from .shape import sum as sum_

METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def amax(x, axis=None, keepdims: bool = False) -> Tensor:
    """The largest value over ``axis`` (all axes when None)."""
    x = as_tensor(x)
    return max_(x, axis=check_axis("amax", axis, x.ndim), keepdims=keepdims)


def amin(x, axis=None, keepdims: bool = False) -> Tensor:
    """The smallest value over ``axis`` (all axes when None)."""
    x = as_tensor(x)
    return min_(x, axis=check_axis("amin", axis, x.ndim), keepdims=keepdims)


def ptp(x, axis=None, keepdims: bool = False) -> Tensor:
    """The range ``max - min`` over ``axis`` (all axes when None)."""
    x = as_tensor(x)
    axes = check_axis("ptp", axis, x.ndim)
    return subtract(max_(x, axis=axes, keepdims=keepdims), min_(x, axis=axes, keepdims=keepdims))


def count_nonzero(x, axis=None) -> Tensor:
    """The number of nonzero elements over ``axis`` (int32, no gradient)."""
    a = data(as_tensor(x))
    axes = check_axis("count_nonzero", axis, a.ndim)
    xp = get_array_module(a)
    return Tensor(xp.asarray(xp.count_nonzero(a, axis=axes)).astype(xp.int32))


def average(x, axis=None, weights=None) -> Tensor:
    """The mean over ``axis``, weighted by ``weights`` (x's shape, or 1-D along one axis):
    ``Σ x·w / Σ w``."""
    x = floating(x)
    axes = check_axis("average", axis, x.ndim)
    if weights is None:
        from .shape import mean

        return mean(x, axis=axes)
    w = floating(weights)
    if w.shape != x.shape:
        if axes is None or len(axes) != 1 or w.shape != (x.shape[axes[0]],):
            raise ShapeError(
                f"average: weights must have x's shape {x.shape}, or be 1-D along one given "
                f"axis, got weights of shape {w.shape} with axis={axis!r}. Hint: "
                "average(x, axis=1, weights=w) with len(w) == x.shape[1].")
        w = reshape(w, [n if i == axes[0] else 1 for i, n in enumerate(x.shape)])
    # Σ x·w / Σ w, w broadcast to x's shape
    return divide(sum_(multiply(x, w), axis=axes), sum_(broadcast_to(w, x.shape), axis=axes))


def _reduced_last(op, x, axis):
    """x with the reduced axes moved last and flattened into one, and those axes."""
    axes = check_axis(op, axis, x.ndim)
    if axes is None:
        return reshape(x, (-1,)), None
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = transpose(x, rest + list(axes))
    return reshape(moved, [x.shape[i] for i in rest] + [-1]), axes


def between_sorted(s, pos, method: str, pick, dtype):
    """The values at fractional places ``pos`` of the sorted last axis of ``s``, by ``method``
    (NumPy's lower, higher, nearest, midpoint or linear); ``pick(s, indices)`` gathers."""
    xp = get_array_module(pos)
    lo, hi = xp.floor(pos).astype(xp.int64), xp.ceil(pos).astype(xp.int64)
    if method == "lower":
        return pick(s, lo)
    if method == "higher":
        return pick(s, hi)
    if method == "nearest":
        return pick(s, xp.round(pos).astype(xp.int64))
    if method == "midpoint":
        return multiply(add(pick(s, lo), pick(s, hi)), 0.5)
    low = pick(s, lo)  # linear: s[lo] + (s[hi] - s[lo])·(pos - lo)
    return add(low, multiply(subtract(pick(s, hi), low), (pos - lo).astype(dtype)))


def quantile(x, q, axis=None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The ``q``-th quantiles (q in [0, 1], a number or 1-D) of x over ``axis``."""
    if method not in METHODS:
        raise ArgumentError(f"quantile: method must be one of {list(METHODS)}, got {method!r}. "
                            "Hint: method='linear' interpolates between neighbours.")
    x = floating(x)
    qs = get_array_module(data(x)).asarray(data(as_tensor(q)), dtype=x.dtype)
    if qs.ndim > 1 or qs.size == 0 or not bool(((qs >= 0) & (qs <= 1)).all()):
        raise ArgumentError(f"quantile: q must be a number or a 1-D sequence in [0, 1], got "
                            f"{data(q)!r}. Hint: for percentages use percentile, or q / 100.")
    flat, axes = _reduced_last("quantile", x, axis)
    n = flat.shape[-1]
    if n == 0:
        raise ShapeError(f"quantile: the reduced axes of shape {x.shape} hold no values. "
                         "Hint: check axis.")
    s = sort(flat, axis=-1)
    pos = qs.reshape(-1) * (n - 1)
    y = between_sorted(s, pos, method, lambda v, i: take(v, i, axis=-1), x.dtype)
    if keepdims:
        shape = [1 if axes is None or i in axes else m for i, m in enumerate(x.shape)]
        y = reshape(transpose(y, [y.ndim - 1] + list(range(y.ndim - 1))), [-1] + shape)
    else:
        y = transpose(y, [y.ndim - 1] + list(range(y.ndim - 1)))
    return reshape(y, y.shape[1:]) if qs.ndim == 0 else y


def percentile(x, q, axis=None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The ``q``-th percentiles (q in [0, 100]) of x over ``axis``."""
    raw = get_array_module(data(as_tensor(q))).asarray(data(as_tensor(q)), dtype=float)
    if raw.ndim > 1 or not bool(((raw >= 0) & (raw <= 100)).all()):
        raise ArgumentError(f"percentile: q must be a number or a 1-D sequence in [0, 100], "
                            f"got {data(q)!r}. Hint: for fractions use quantile.")
    return quantile(x, raw / 100, axis=axis, method=method, keepdims=keepdims)


def median(x, axis=None, keepdims: bool = False) -> Tensor:
    """The median over ``axis`` (the mean of the two middle values for an even count)."""
    x = floating(x)
    check_axis("median", axis, x.ndim)
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)
