"""Sorting ops of ``keras.ops``: sort and top_k (their values carry a gradient, which goes
back to where each value came from) and argsort (indices, no gradient).

Indices are int32, as Keras returns them. ``sort``/``argsort`` use NumPy's default sort (the
order of tied values is unspecified, as in Keras); ``top_k`` sorts stably, so the lower index
comes first among equal values (as TensorFlow documents).

>>> import numpy as np
>>> from shendu import ops
>>> values, indices = ops.top_k(np.array([1.0, 3.0, 2.0]), 2)
>>> values.data, indices.numpy()
(array([3., 2.]), array([1, 2], dtype=int32))
>>> ops.sort(np.array([[3.0, 1.0, 2.0]])).data
array([[1., 2., 3.]])
"""

from __future__ import annotations

from ..autograd import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError
from .arguments import check_count, check_one_axis, data
from .indexing import take_distinct
from .shape import reshape


def _order(x, axis: int, descending: bool = False):
    """The sorting permutation of ``x``'s data along ``axis`` (int32); stable when
    ``descending``."""
    a = data(x)
    xp = get_array_module(a)
    if descending:
        # a stable ascending sort of the reversed axis, reversed back: largest first, and the
        # lower index first among ties
        n = a.shape[axis]
        flipped = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
        return (n - 1 - xp.flip(flipped, axis)).astype(xp.int32)
    return xp.argsort(a, axis=axis).astype(xp.int32)


def argsort(x, axis: int | None = -1) -> Tensor:
    """The indices that sort ``x`` along ``axis`` (of the flattened x when None), int32."""
    a = data(as_tensor(x))
    if axis is None:
        a, axis = a.reshape(-1), 0
    else:
        axis = check_one_axis("argsort", axis, a.ndim)
    return Tensor(_order(a, axis))


def sort(x, axis: int | None = -1) -> Tensor:
    """``x`` sorted along ``axis`` (flattened when None); the gradient follows each value."""
    x = as_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    else:
        axis = check_one_axis("sort", axis, x.ndim)
    return take_distinct(x, _order(x, axis), axis)


def top_k(x, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """The ``k`` largest values of ``x`` along its last axis and their indices (int32), the
    largest first (also when ``sorted=False``); the values carry the gradient."""
    x = as_tensor(x)
    if x.ndim == 0:
        raise ArgumentError(f"top_k: x needs at least one axis, got shape {x.shape}. "
                            "Hint: ops.reshape(x, (1,)).")
    n = x.shape[-1]
    k = check_count("top_k", "k", k)
    if k > n:
        raise ArgumentError(f"top_k: k must be at most the last axis's length ({n}), got "
                            f"k={k}. Hint: k=min(k, x.shape[-1]).")
    indices = _order(x, x.ndim - 1, descending=True)[..., :k]
    return take_distinct(x, indices, x.ndim - 1), Tensor(indices)
