"""Powers, exponentials and logarithms of ``keras.ops`` with their backward: cbrt, reciprocal,
expm1, exp2, log2, log10, logaddexp and erfinv; absolute (Keras's long name of ``abs``).

``erfinv`` runs without SciPy: a rational first guess, then Halley steps on ``erf`` (on
``erfc`` in the tails, where ``1 - y`` is exact and ``erf`` would cancel).

>>> import numpy as np
>>> from shendu import ops
>>> float(ops.log2(8.0).data), float(ops.cbrt(-27.0).data)
(3.0, -3.0)
>>> ops.erfinv(ops.erf(np.array([0.3, -2.0]))).data.round(12)
array([ 0.3, -2. ])
"""

from __future__ import annotations

import math

from ..autograd import Tensor, as_tensor
from ..backend import get_array_module
from .arguments import floating
from .math import abs as abs_
from .pointwise import Binary, Unary, floats
from .special import erf as _erf
from .special import erfc as _erfc


class Cbrt(Unary):
    def f(self, xp, x):
        return xp.cbrt(x)

    # d(x^(1/3))/dx = 1 / (3 y²)
    def df(self, xp, x, y):
        return 1 / (3 * y * y)


class Reciprocal(Unary):
    def f(self, xp, x):
        return xp.reciprocal(x)

    # d(1/x)/dx = -1/x² = -y²
    def df(self, xp, x, y):
        return -y * y


class Expm1(Unary):
    def f(self, xp, x):
        return xp.expm1(x)

    # d(eˣ - 1)/dx = eˣ = y + 1
    def df(self, xp, x, y):
        return y + 1


class Exp2(Unary):
    def f(self, xp, x):
        return xp.exp2(x)

    # d(2ˣ)/dx = 2ˣ·ln 2
    def df(self, xp, x, y):
        return y * math.log(2)


class LogBase(Unary):
    """Settings: ``base`` (2 or 10)."""

    def f(self, xp, x):
        return xp.log2(x) if self.base == 2 else xp.log10(x)

    # d(log_b x)/dx = 1 / (x ln b)
    def df(self, xp, x, y):
        return 1 / (x * math.log(self.base))



class Erfinv(Unary):
    def f(self, xp, x):
        return _erfinv(x)

    # d(erfinv y)/dy = (√π/2) e^(erfinv(y)²)
    def df(self, xp, x, y):
        return (math.sqrt(math.pi) / 2) * xp.exp(y * y)


class LogAddExp(Binary):
    def f(self, xp, a, b):
        return xp.logaddexp(a, b)

    # ∂log(eᵃ + eᵇ)/∂a = e^(a - y)
    def da(self, xp, a, b, y):
        return xp.exp(a - y)

    # ∂log(eᵃ + eᵇ)/∂b = e^(b - y)
    def db(self, xp, a, b, y):
        return xp.exp(b - y)


# Giles's rational approximation of erfinv (about float32 accuracy): a first guess
_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
            -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
         -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _horner(coefficients, w):
    p = coefficients[0] + 0 * w
    for c in coefficients[1:]:
        p = p * w + c
    return p


def _erfinv(y):
    xp = get_array_module(y)
    a = xp.abs(y)
    inside = a < 1
    safe = xp.where(inside, a, 0)
    with_errors = xp.errstate(divide="ignore", invalid="ignore")
    with with_errors:
        w = -xp.log((1 - safe) * (1 + safe))
        x = safe * xp.where(w < 5, _horner(_CENTRAL, w - 2.5),
                            _horner(_TAIL, xp.sqrt(xp.maximum(w, 5)) - 3))
        tail = safe > 0.5
        one_minus = 1 - safe  # exact for safe >= 0.5
        tolerance = 4 * xp.finfo(y.dtype).eps
        for _ in range(12):  # 2-3 steps from the guess; up to 6 beyond float32's tail
            # Halley on r(x) = erf(x) - a (erfc(x) - (1 - a) in the tail): with u = r/r',
            # x ← x - u / (1 + x·u), since r''/r' = -2x
            slope = (2 / math.sqrt(math.pi)) * xp.exp(-x * x)
            r = xp.where(tail, one_minus - _erfc(x), _erf(x) - safe)
            u = r / xp.where(slope == 0, 1, slope)
            step = u / (1 + x * u)
            x = x - step
            if not bool(xp.any(xp.abs(xp.where(inside, step, 0)) > tolerance * xp.abs(x))):
                break
        x = xp.where(inside, x, xp.where(a == 1, xp.inf, xp.nan))
    return (xp.sign(y) * x).astype(y.dtype, copy=False)


def cbrt(x) -> Tensor:
    """The real cube root, elementwise."""
    return Cbrt.apply(floating(x))


def reciprocal(x) -> Tensor:
    """``1 / x``, elementwise."""
    return Reciprocal.apply(floating(x))


def expm1(x) -> Tensor:
    """``eˣ - 1``, accurate for small x."""
    return Expm1.apply(floating(x))


def exp2(x) -> Tensor:
    """``2ˣ``, elementwise."""
    return Exp2.apply(floating(x))


def log2(x) -> Tensor:
    """Base-2 logarithm, elementwise."""
    return LogBase.apply(floating(x), base=2)


def log10(x) -> Tensor:
    """Base-10 logarithm, elementwise."""
    return LogBase.apply(floating(x), base=10)


def logaddexp(x1, x2) -> Tensor:
    """``log(e^x1 + e^x2)`` without overflow."""
    return LogAddExp.apply(*floats(x1, x2))



def erfinv(x) -> Tensor:
    """The inverse error function on [-1, 1] (±inf at ±1, NaN outside)."""
    return Erfinv.apply(floating(x))


def absolute(x) -> Tensor:
    """``|x|`` (the gradient is sign(x), 0 at 0)."""
    return abs_(as_tensor(x))
