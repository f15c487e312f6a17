"""NumPy's floating-point functions in ``keras.ops`` with their backward: fmax and fmin (NaNs
ignored), fmod (the dividend's sign), fabs, ldexp, logaddexp2, erfc and sinc; nextafter
without a gradient (it steps by one unit in the last place).

>>> import numpy as np
>>> from shendu import ops
>>> ops.fmax(np.array([1.0, np.nan, 3.0]), np.array([2.0, 0.5, np.nan])).data
array([2. , 0.5, 3. ])
>>> ops.fmod(np.array([-7.0, 7.0]), 2.0).data
array([-1.,  1.])
>>> float(ops.logaddexp2(1.0, 1.0).data)
2.0
"""

from __future__ import annotations

import math

from ..autograd import Function, Tensor, as_tensor
from ..backend import floatx, get_array_module
from ..errors import DTypeError
from .arguments import data, floating
from .math import _same_dtype, unbroadcast
from .math import abs as abs_
from .pointwise import Binary, Unary, constant, floats
from .special import erfc as _erfc


def _both_integers(x1, x2) -> bool:
    kinds = [getattr(data(as_tensor(v)), "dtype", None) for v in (x1, x2)]
    return all(k is not None and k.kind in "iub" for k in kinds)


def _integer_pair(x1, x2):
    """Integer operands in one dtype (booleans as int32, as Keras)."""
    a, b = _same_dtype(x1, x2)
    xp = get_array_module(a.data, b.data)
    kind = xp.result_type(a.data, b.data)
    kind = xp.dtype("int32") if kind.kind == "b" else kind
    return a.data.astype(kind), b.data.astype(kind)


class FMax(Binary):
    def f(self, xp, a, b):
        return xp.fmax(a, b)

    # the gradient goes to a where a >= b or b is NaN, else to b (ties: to a, as torch)
    def da(self, xp, a, b, y):
        return (a >= b) | xp.isnan(b)

    def db(self, xp, a, b, y):
        return ~((a >= b) | xp.isnan(b))


class FMin(Binary):
    def f(self, xp, a, b):
        return xp.fmin(a, b)

    # the gradient goes to a where a <= b or b is NaN, else to b
    def da(self, xp, a, b, y):
        return (a <= b) | xp.isnan(b)

    def db(self, xp, a, b, y):
        return ~((a <= b) | xp.isnan(b))


class FMod(Binary):
    def f(self, xp, a, b):
        return xp.fmod(a, b)

    # ∂(a - b·trunc(a/b))/∂a = 1
    def da(self, xp, a, b, y):
        return xp.ones_like(y)

    # ∂(a - b·trunc(a/b))/∂b = -trunc(a/b)
    def db(self, xp, a, b, y):
        return -xp.trunc(a / b)


class LogAddExp2(Binary):
    def f(self, xp, a, b):
        return xp.logaddexp2(a, b)

    # ∂log₂(2ᵃ + 2ᵇ)/∂a = 2^(a - y)
    def da(self, xp, a, b, y):
        return xp.exp2(a - y)

    def db(self, xp, a, b, y):
        return xp.exp2(b - y)


class Erfc(Unary):
    def f(self, xp, x):
        return _erfc(x)

    # d erfc(x)/dx = -(2/√π) e^(-x²)
    def df(self, xp, x, y):
        return (-2 / math.sqrt(math.pi)) * xp.exp(-x * x)


class Sinc(Unary):
    def f(self, xp, x):
        return xp.sinc(x)

    # d sin(πx)/(πx) / dx = (cos(πx) - sinc(x)) / x, and 0 at x = 0
    def df(self, xp, x, y):
        zero = x == 0
        safe = xp.where(zero, 1, x)
        return xp.where(zero, 0, (xp.cos(math.pi * safe) - y) / safe)


class Ldexp(Function):
    def forward(self, x, e):
        xp = get_array_module(x)
        self.shape, self.scale = x.shape, xp.ldexp(xp.ones((), x.dtype), e)
        return xp.ldexp(x, e)

    def backward(self, g):
        # d(x·2ᵉ)/dx = 2ᵉ; the integer exponent gets none
        return unbroadcast(g * self.scale, self.shape), None


def fmax(x1, x2) -> Tensor:
    """The larger of x1 and x2, elementwise; where one is NaN, the other."""
    if _both_integers(x1, x2):
        return constant(lambda xp, a, b: xp.fmax(a, b), *_integer_pair(x1, x2))
    return FMax.apply(*floats(x1, x2))


def fmin(x1, x2) -> Tensor:
    """The smaller of x1 and x2, elementwise; where one is NaN, the other."""
    if _both_integers(x1, x2):
        return constant(lambda xp, a, b: xp.fmin(a, b), *_integer_pair(x1, x2))
    return FMin.apply(*floats(x1, x2))


def fmod(x1, x2) -> Tensor:
    """The remainder of ``x1 / x2`` with the dividend's sign (C's ``fmod``; ``mod`` takes
    the divisor's). Integers stay integers (no gradient)."""
    if _both_integers(x1, x2):
        return constant(lambda xp, a, b: xp.fmod(a, b), *_integer_pair(x1, x2))
    return FMod.apply(*floats(x1, x2))


def fabs(x) -> Tensor:
    """``|x|`` in floats (integers become floatx); the gradient is sign(x)."""
    return abs_(floating(x))


def ldexp(x1, x2) -> Tensor:
    """``x1 · 2**x2`` with an integer exponent ``x2``; the gradient reaches x1 only."""
    e = data(as_tensor(x2))
    if e.dtype.kind not in "iu":
        raise DTypeError(f"ldexp: x2 (the exponent) must hold integers, got dtype {e.dtype}. "
                         "Hint: ops.cast(x2, 'int32'), or multiply by ops.exp2(x2).")
    return Ldexp.apply(floating(x1), as_tensor(e))


def logaddexp2(x1, x2) -> Tensor:
    """``log2(2**x1 + 2**x2)`` without overflow."""
    return LogAddExp2.apply(*floats(x1, x2))


def erfc(x) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate where erf is near 1."""
    return Erfc.apply(floating(x))


def sinc(x) -> Tensor:
    """The normalised sinc ``sin(πx) / (πx)``, 1 at 0."""
    return Sinc.apply(floating(x))


def nextafter(x1, x2) -> Tensor:
    """The next float after x1 towards x2, elementwise (floats; no gradient, as in torch)."""
    a, b = floats(x1, x2)
    xp = get_array_module(a.data, b.data)
    if a.data.dtype != b.data.dtype:
        kind = xp.result_type(a.data.dtype, b.data.dtype, floatx())
        a, b = Tensor(a.data.astype(kind)), Tensor(b.data.astype(kind))
    return constant(lambda xp, p, q: xp.nextafter(p, q), a, b)
