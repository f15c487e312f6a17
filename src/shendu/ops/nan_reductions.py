"""The NaN-ignoring reductions of ``keras.ops`` (nansum, nanmean, nanvar, nanstd, nanprod,
nanmax, nanmin, nancumsum, nancumprod, nanquantile, nanpercentile, nanmedian), composed of
differentiable ops; nanargmax and nanargmin without a gradient.

Each replaces the NaNs by the reduction's neutral value (0 for sums, 1 for products, -inf or
+inf for max and min) *before* any arithmetic, so no NaN reaches a backward product and a NaN
position gets a gradient of 0. A slice holding only NaNs gives NaN, as in NumPy (a sum 0, a
product 1, an arg-index -1 as in Keras). Integer inputs hold no NaN: they reduce as usual.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]]), requires_grad=True)
>>> ops.nanmean(x, axis=1).data
array([ 2., nan])
>>> ops.nansum(x).backward()
>>> x.grad
array([[1., 0., 1.],
       [0., 0., 0.]])
>>> float(ops.nanmedian(np.array([4.0, np.nan, 1.0, 2.0])).data)
2.0
"""

from __future__ import annotations

from ..autograd import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_axis, check_one_axis, data, floating
from .indexing import take_along_axis
from .math import divide, multiply, sqrt, subtract, where
from .ordering import sort
from .reductions import cumprod, cumsum, prod
from .shape import max as max_
from .shape import min as min_
from .shape import reshape, transpose
from .shape import sum as sum_
from .statistics import METHODS, _reduced_last, between_sorted


def _is_float(x: Tensor) -> bool:
    return x.data.dtype.kind in "fc"


def _filled(x: Tensor, fill):
    """x with its NaNs replaced by ``fill`` (the gradient there is 0), and the NaN mask."""
    mask = get_array_module(x.data).isnan(x.data)
    return where(mask, fill, x), mask


def _int_dtype(a):
    """Keras's accumulator for integer sums and products: at least 32 bits."""
    xp = get_array_module(a)
    if a.dtype.kind == "b" or (a.dtype.kind == "i" and a.dtype.itemsize < 4):
        return xp.dtype("int32")
    if a.dtype.kind == "u" and a.dtype.itemsize < 4:
        return xp.dtype("uint32")
    return a.dtype


def _integer_reduce(name, x, axes, keepdims, **kwargs):
    a = x.data
    xp = get_array_module(a)
    return Tensor(xp.asarray(getattr(xp, name)(a, axis=axes, keepdims=keepdims, **kwargs)))


def nansum(x, axis=None, keepdims: bool = False) -> Tensor:
    """The sum over ``axis`` of the values that are not NaN (0 for an all-NaN slice)."""
    x = as_tensor(x)
    axes = check_axis("nansum", axis, x.ndim)
    if not _is_float(x):
        return _integer_reduce("sum", x, axes, bool(keepdims), dtype=_int_dtype(x.data))
    return sum_(_filled(x, 0)[0], axis=axes, keepdims=bool(keepdims))


def nanprod(x, axis=None, keepdims: bool = False) -> Tensor:
    """The product over ``axis`` of the values that are not NaN (1 for an all-NaN slice)."""
    x = as_tensor(x)
    axes = check_axis("nanprod", axis, x.ndim)
    if not _is_float(x):
        return _integer_reduce("prod", x, axes, bool(keepdims), dtype=_int_dtype(x.data))
    return prod(_filled(x, 1)[0], axis=axes, keepdims=bool(keepdims))


def _moments(op, x, axis, keepdims):
    """The NaN-free x, its mask, the count of values per slice (0 made 1) and whether each
    slice has any value."""
    x = floating(x)
    axes = check_axis(op, axis, x.ndim)
    filled, mask = _filled(x, 0)
    xp = get_array_module(mask)
    count = xp.sum(~mask, axis=axes, keepdims=bool(keepdims)).astype(x.data.dtype)
    return filled, mask, axes, xp.maximum(count, 1), count > 0


def nanmean(x, axis=None, keepdims: bool = False) -> Tensor:
    """The mean over ``axis`` of the values that are not NaN."""
    filled, _, axes, count, some = _moments("nanmean", x, axis, keepdims)
    # Σ x / n over the n values present
    mean = divide(sum_(filled, axis=axes, keepdims=bool(keepdims)), count)
    return where(some, mean, float("nan"))


def nanvar(x, axis=None, keepdims: bool = False) -> Tensor:
    """The variance (divided by the count) over ``axis`` of the values that are not NaN."""
    filled, mask, axes, count, some = _moments("nanvar", x, axis, keepdims)
    xp = get_array_module(mask)
    kept = xp.maximum(xp.sum(~mask, axis=axes, keepdims=True), 1).astype(filled.data.dtype)
    # var = Σ (x - m)² / n over the n values present, m their mean
    mean = divide(sum_(filled, axis=axes, keepdims=True), kept)
    centred = where(mask, 0, subtract(filled, mean))
    var = divide(sum_(multiply(centred, centred), axis=axes, keepdims=bool(keepdims)), count)
    return where(some, var, float("nan"))


def nanstd(x, axis=None, keepdims: bool = False) -> Tensor:
    """The standard deviation (the square root of :func:`nanvar`) over ``axis``."""
    return sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _extreme(op, reduce, fill, x, axis, keepdims):
    x = as_tensor(x)
    axes = check_axis(op, axis, x.ndim)
    if not _is_float(x):
        return reduce(x, axis=axes, keepdims=bool(keepdims))
    filled, mask = _filled(x, fill)
    xp = get_array_module(mask)
    empty = xp.all(mask, axis=axes, keepdims=bool(keepdims))
    return where(empty, float("nan"), reduce(filled, axis=axes, keepdims=bool(keepdims)))


def nanmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """The largest value over ``axis``, NaNs ignored (NaN for an all-NaN slice)."""
    return _extreme("nanmax", max_, float("-inf"), x, axis, keepdims)


def nanmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """The smallest value over ``axis``, NaNs ignored (NaN for an all-NaN slice)."""
    return _extreme("nanmin", min_, float("inf"), x, axis, keepdims)


def _arg_extreme(op, x, axis, keepdims):
    a = data(as_tensor(x))
    xp = get_array_module(a)
    axis = None if axis is None else check_one_axis(op, axis, a.ndim)
    find = xp.argmax if op == "nanargmax" else xp.argmin
    if a.dtype.kind not in "fc":
        return Tensor(xp.asarray(find(a, axis=axis, keepdims=bool(keepdims))).astype(xp.int32))
    mask = xp.isnan(a)
    filled = xp.where(mask, -xp.inf if op == "nanargmax" else xp.inf, a)
    index = find(filled, axis=axis, keepdims=bool(keepdims))
    empty = xp.all(mask, axis=axis, keepdims=bool(keepdims))
    return Tensor(xp.asarray(xp.where(empty, -1, index)).astype(xp.int32))


def nanargmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """The index of the largest value along ``axis`` (of the flattened x when None), NaNs
    ignored; -1 for an all-NaN slice (int32, no gradient)."""
    return _arg_extreme("nanargmax", x, axis, keepdims)


def nanargmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """The index of the smallest value along ``axis``, NaNs ignored; -1 for an all-NaN slice
    (int32, no gradient)."""
    return _arg_extreme("nanargmin", x, axis, keepdims)


def _running(op, run, fill, x, axis, dtype):
    x = as_tensor(x)
    axis = None if axis is None else check_one_axis(op, axis, x.ndim)
    if not _is_float(x):
        a = x.data
        xp = get_array_module(a)
        kind = xp.dtype(dtype) if dtype is not None else _int_dtype(a) if a.dtype.kind == "b" \
            else a.dtype
        name = "cumsum" if op == "nancumsum" else "cumprod"
        return Tensor(getattr(xp, name)(a, axis=axis, dtype=kind))
    return run(_filled(x, fill)[0], axis=axis, dtype=dtype)


def nancumsum(x, axis=None, dtype=None) -> Tensor:
    """The running sum along ``axis`` (of the flattened x when None), NaNs counted as 0."""
    return _running("nancumsum", cumsum, 0, x, axis, dtype)


def nancumprod(x, axis=None, dtype=None) -> Tensor:
    """The running product along ``axis`` (of the flattened x when None), NaNs counted as 1."""
    return _running("nancumprod", cumprod, 1, x, axis, dtype)


def _fractions(op, q, dtype, scale):
    raw = get_array_module(data(as_tensor(q))).asarray(data(as_tensor(q)), dtype=dtype)
    if raw.ndim > 1 or raw.size == 0 or not bool(((raw >= 0) & (raw <= scale)).all()):
        other = "nanquantile (q in [0, 1])" if scale == 100 else "nanpercentile (q in [0, 100])"
        raise ArgumentError(f"{op}: q must be a number or a 1-D sequence in [0, {scale}], got "
                            f"{data(q)!r}. Hint: for the other scale use {other}.")
    return raw / scale


def _nanquantile(op, x, qs, axis, method, keepdims) -> Tensor:
    if method not in METHODS:
        raise ArgumentError(f"{op}: method must be one of {list(METHODS)}, got {method!r}. "
                            "Hint: method='linear' interpolates between neighbours.")
    flat, axes = _reduced_last(op, x, axis)
    n = flat.shape[-1]
    if n == 0:
        raise ShapeError(f"{op}: the reduced axes of shape {x.shape} hold no values. "
                         "Hint: check axis.")
    xp = get_array_module(flat.data)
    mask = xp.isnan(flat.data)
    valid = (~mask).sum(axis=-1, keepdims=True)  # (..., 1): the values present per slice
    # NaNs sort last as +inf; then every place past the values present is zeroed, so no inf
    # meets the arithmetic below (its gradient is 0 there)
    s = sort(where(mask, float("inf"), flat), axis=-1)
    s = where(xp.arange(n) >= valid, 0, s)
    pos = qs.reshape(-1) * (xp.maximum(valid, 1) - 1)  # (..., len(q))
    y = between_sorted(s, pos, method, lambda v, i: take_along_axis(v, i, axis=-1),
                       x.data.dtype)
    y = where(valid == 0, float("nan"), y)
    y = transpose(y, [y.ndim - 1] + list(range(y.ndim - 1)))  # the q axis first, as NumPy
    if keepdims:
        shape = [1 if axes is None or i in axes else m for i, m in enumerate(x.shape)]
        y = reshape(y, [-1] + shape)
    return reshape(y, y.shape[1:]) if qs.ndim == 0 else y


def nanquantile(x, q, axis=None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The ``q``-th quantiles (q in [0, 1], a number or 1-D) over ``axis`` of the values
    that are not NaN (NaN for an all-NaN slice); a vector q puts its axis first."""
    x = floating(x)
    return _nanquantile("nanquantile", x, _fractions("nanquantile", q, x.data.dtype, 1),
                        axis, method, keepdims)


def nanpercentile(x, q, axis=None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The ``q``-th percentiles (q in [0, 100]) over ``axis``, NaNs ignored."""
    x = floating(x)
    return _nanquantile("nanpercentile", x, _fractions("nanpercentile", q, x.data.dtype, 100),
                        axis, method, keepdims)


def nanmedian(x, axis=None, keepdims: bool = False) -> Tensor:
    """The median over ``axis`` of the values that are not NaN (the mean of the two middle
    values for an even count)."""
    x = floating(x)
    return _nanquantile("nanmedian", x, x.data.dtype.type(0.5), axis, "linear", keepdims)
