"""Ops without a gradient, as in ``keras.ops``: comparisons, argmax/argmin and casts.

They take Tensors, arrays or numbers and return a constant Tensor (no gradient flows back
through an index or a comparison). Custom metrics and losses written for Keras use them, e.g.
``ops.cast(ops.equal(y_true, ops.argmax(y_pred, axis=-1)), "float32")``.

>>> import numpy as np
>>> from shendu import ops
>>> hits = ops.equal(np.array([1, 0]), ops.argmax(np.array([[0.2, 0.8], [0.3, 0.7]]), axis=-1))
>>> ops.cast(hits, "float32").numpy()
array([1., 0.], dtype=float32)
"""

from __future__ import annotations

from ..autograd import Tensor
from ..backend import get_array_module


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _apply(name: str, *args, **kwargs) -> Tensor:
    arrays = [_data(a) for a in args]
    xp = get_array_module(*arrays)
    return Tensor(getattr(xp, name)(*(xp.asarray(a) for a in arrays), **kwargs))


def argmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the largest value along ``axis`` (of the flattened array when None)."""
    return _apply("argmax", x, axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the smallest value along ``axis`` (of the flattened array when None)."""
    return _apply("argmin", x, axis=axis, keepdims=keepdims)


def cast(x, dtype) -> Tensor:
    """``x`` converted to ``dtype`` ('float32', 'int32', 'bool'...), without a gradient."""
    data = _data(x)
    xp = get_array_module(data)
    return Tensor(xp.asarray(data).astype(dtype))


def _elementwise(ufunc: str, symbol: str):
    """The comparison ``x1 <symbol> x2`` elementwise, as a function named ``ufunc``."""
    def compare(x1, x2) -> Tensor:
        return _apply(ufunc, x1, x2)

    compare.__name__ = compare.__qualname__ = ufunc
    compare.__doc__ = f"Elementwise ``x1 {symbol} x2`` (booleans)."
    return compare


equal = _elementwise("equal", "==")
not_equal = _elementwise("not_equal", "!=")
greater = _elementwise("greater", ">")
greater_equal = _elementwise("greater_equal", ">=")
less = _elementwise("less", "<")
less_equal = _elementwise("less_equal", "<=")


def convert_to_tensor(x, dtype=None) -> Tensor:
    """``x`` as a constant Tensor (a Tensor passes through when no dtype is asked for)."""
    if isinstance(x, Tensor) and dtype is None:
        return x
    data = _data(x)
    return Tensor(get_array_module(data).asarray(data, dtype=dtype))


def convert_to_numpy(x):
    """``x`` as a NumPy array (copied from the GPU when needed)."""
    from ..backend import to_numpy

    return to_numpy(_data(x))
