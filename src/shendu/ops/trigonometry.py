"""Trigonometric and hyperbolic functions of ``keras.ops`` with their backward: tan, arcsin,
arccos, arctan, arctan2, sinh, cosh, arcsinh, arccosh, arctanh, hypot, deg2rad and rad2deg.

Integer and boolean inputs become floatx first, as in Keras.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
>>> ops.arctan(x).sum().backward()
>>> x.grad
array([1. , 0.5])
>>> float(ops.hypot(3.0, 4.0).data)
5.0
"""

from __future__ import annotations

import math

from ..autograd import Tensor
from .arguments import floating
from .pointwise import Binary, Unary, floats


class Tan(Unary):
    def f(self, xp, x):
        return xp.tan(x)

    # d(tan x)/dx = 1 + tan²x
    def df(self, xp, x, y):
        return 1 + y * y


class Arcsin(Unary):
    def f(self, xp, x):
        return xp.arcsin(x)

    # d(arcsin x)/dx = 1 / √(1 - x²)
    def df(self, xp, x, y):
        return 1 / xp.sqrt(1 - x * x)


class Arccos(Unary):
    def f(self, xp, x):
        return xp.arccos(x)

    # d(arccos x)/dx = -1 / √(1 - x²)
    def df(self, xp, x, y):
        return -1 / xp.sqrt(1 - x * x)


class Arctan(Unary):
    def f(self, xp, x):
        return xp.arctan(x)

    # d(arctan x)/dx = 1 / (1 + x²)
    def df(self, xp, x, y):
        return 1 / (1 + x * x)


class Sinh(Unary):
    def f(self, xp, x):
        return xp.sinh(x)

    # d(sinh x)/dx = cosh x
    def df(self, xp, x, y):
        return xp.cosh(x)


class Cosh(Unary):
    def f(self, xp, x):
        return xp.cosh(x)

    # d(cosh x)/dx = sinh x
    def df(self, xp, x, y):
        return xp.sinh(x)


class Arcsinh(Unary):
    def f(self, xp, x):
        return xp.arcsinh(x)

    # d(arcsinh x)/dx = 1 / √(x² + 1)
    def df(self, xp, x, y):
        return 1 / xp.sqrt(x * x + 1)


class Arccosh(Unary):
    def f(self, xp, x):
        return xp.arccosh(x)

    # d(arccosh x)/dx = 1 / √(x² - 1)
    def df(self, xp, x, y):
        return 1 / xp.sqrt(x * x - 1)


class Arctanh(Unary):
    def f(self, xp, x):
        return xp.arctanh(x)

    # d(arctanh x)/dx = 1 / (1 - x²)
    def df(self, xp, x, y):
        return 1 / (1 - x * x)


class Scale(Unary):
    """Settings: ``factor`` (a number)."""

    def f(self, xp, x):
        return x * self.factor

    # d(c·x)/dx = c
    def df(self, xp, x, y):
        return self.factor


class Arctan2(Binary):
    def f(self, xp, a, b):
        return xp.arctan2(a, b)

    # ∂atan2(a, b)/∂a = b / (a² + b²)
    def da(self, xp, a, b, y):
        return b / (a * a + b * b)

    # ∂atan2(a, b)/∂b = -a / (a² + b²)
    def db(self, xp, a, b, y):
        return -a / (a * a + b * b)


class Hypot(Binary):
    def f(self, xp, a, b):
        return xp.hypot(a, b)

    # ∂√(a² + b²)/∂a = a / hypot(a, b)  (0 where both are 0)
    def da(self, xp, a, b, y):
        return a / xp.where(y == 0, 1, y)

    # ∂√(a² + b²)/∂b = b / hypot(a, b)
    def db(self, xp, a, b, y):
        return b / xp.where(y == 0, 1, y)


def tan(x) -> Tensor:
    """Tangent, elementwise."""
    return Tan.apply(floating(x))


def arcsin(x) -> Tensor:
    """Inverse sine, elementwise (in [-π/2, π/2])."""
    return Arcsin.apply(floating(x))


def arccos(x) -> Tensor:
    """Inverse cosine, elementwise (in [0, π])."""
    return Arccos.apply(floating(x))


def arctan(x) -> Tensor:
    """Inverse tangent, elementwise (in (-π/2, π/2))."""
    return Arctan.apply(floating(x))


def arctan2(x1, x2) -> Tensor:
    """The angle of the point (x2, x1), quadrant-aware, in [-π, π]."""
    return Arctan2.apply(*floats(x1, x2))


def sinh(x) -> Tensor:
    """Hyperbolic sine, elementwise."""
    return Sinh.apply(floating(x))


def cosh(x) -> Tensor:
    """Hyperbolic cosine, elementwise."""
    return Cosh.apply(floating(x))


def arcsinh(x) -> Tensor:
    """Inverse hyperbolic sine, elementwise."""
    return Arcsinh.apply(floating(x))


def arccosh(x) -> Tensor:
    """Inverse hyperbolic cosine, elementwise (x >= 1)."""
    return Arccosh.apply(floating(x))


def arctanh(x) -> Tensor:
    """Inverse hyperbolic tangent, elementwise (|x| < 1)."""
    return Arctanh.apply(floating(x))


def hypot(x1, x2) -> Tensor:
    """``√(x1² + x2²)`` without overflow, elementwise."""
    return Hypot.apply(*floats(x1, x2))


def deg2rad(x) -> Tensor:
    """Degrees to radians: ``x·π/180``."""
    return Scale.apply(floating(x), factor=math.pi / 180)


def rad2deg(x) -> Tensor:
    """Radians to degrees: ``x·180/π``."""
    return Scale.apply(floating(x), factor=180 / math.pi)
