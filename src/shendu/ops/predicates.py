"""Tests and piecewise-constant functions of ``keras.ops``, without a gradient (constant
Tensors): isfinite, isinf, isnan, isposinf, isneginf, isclose, allclose, signbit,
logical_xor, ceil, trunc and heaviside; and ``nan_to_num``, whose gradient passes where the
value was kept.

>>> import numpy as np
>>> from shendu import ops
>>> ops.isfinite(np.array([1.0, np.inf, np.nan])).numpy()
array([ True, False, False])
>>> ops.nan_to_num(np.array([np.nan, -np.inf, 2.0]), neginf=-9.0).data
array([ 0., -9.,  2.])
"""

from __future__ import annotations

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError
from .arguments import data, floating
from .pointwise import constant


class NanToNum(Function):
    """Settings: ``nan``, ``posinf``, ``neginf`` (None: the dtype's largest/smallest)."""

    def forward(self, x):
        xp = get_array_module(x)
        self.kept = xp.isfinite(x)
        return xp.nan_to_num(x, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, g):
        # y = x where x is finite (dy/dx = 1), a constant elsewhere (dy/dx = 0)
        return g * self.kept


def _unary(name):
    return lambda x: constant(lambda xp, a: getattr(xp, name)(a), x)


def isfinite(x) -> Tensor:
    """True where x is neither infinite nor NaN (integers: everywhere)."""
    return _unary("isfinite")(x)


def isinf(x) -> Tensor:
    """True where x is +inf or -inf."""
    return _unary("isinf")(x)


def isnan(x) -> Tensor:
    """True where x is NaN."""
    return _unary("isnan")(x)


def isposinf(x) -> Tensor:
    """True where x is +inf."""
    return _unary("isposinf")(x)


def isneginf(x) -> Tensor:
    """True where x is -inf."""
    return _unary("isneginf")(x)


def signbit(x) -> Tensor:
    """True where the sign bit is set (negative numbers and -0.0)."""
    return _unary("signbit")(x)


def ceil(x) -> Tensor:
    """The smallest integer >= x, elementwise (integers become floatx, as in Keras)."""
    return constant(lambda xp, a: xp.ceil(a), floating(x))


def trunc(x) -> Tensor:
    """x rounded toward zero (integers stay integers)."""
    return _unary("trunc")(x)


def logical_xor(x1, x2) -> Tensor:
    """Elementwise ``x1 xor x2`` (nonzero is true), booleans."""
    return constant(lambda xp, a, b: xp.logical_xor(a, b), x1, x2)


def heaviside(x1, x2) -> Tensor:
    """0 where x1 < 0, 1 where x1 > 0 and x2 where x1 == 0."""
    return constant(lambda xp, a, b: xp.heaviside(a, b), floating(x1), floating(x2))


def _tolerances(op, rtol, atol):
    for name, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(data(value), (int, float)) or value < 0:
            raise ArgumentError(f"{op}: {name} must be a number >= 0, got {value!r}. "
                                f"Hint: e.g. {name}=1e-5.")


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan: bool = False) -> Tensor:
    """True where ``|x1 - x2| <= atol + rtol·|x2|`` (NaNs equal only with ``equal_nan``)."""
    _tolerances("isclose", rtol, atol)
    return constant(lambda xp, a, b: xp.isclose(a, b, rtol=rtol, atol=atol,
                                                equal_nan=bool(equal_nan)), x1, x2)


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan: bool = False) -> Tensor:
    """True when :func:`isclose` holds everywhere (a 0-d boolean Tensor)."""
    _tolerances("allclose", rtol, atol)
    return constant(lambda xp, a, b: xp.allclose(a, b, rtol=rtol, atol=atol,
                                                 equal_nan=bool(equal_nan)), x1, x2)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None) -> Tensor:
    """NaN → ``nan``, +inf → ``posinf``, -inf → ``neginf`` (None: the dtype's largest and
    smallest values); the gradient passes where the value was finite."""
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(data(value), (int, float))):
            raise ArgumentError(f"nan_to_num: {name} must be a number or None, got {value!r}. "
                                f"Hint: e.g. {name}=0.0.")
    x = as_tensor(x)
    if x.data.dtype.kind not in "fc":
        return Tensor(x.data.copy())
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)
