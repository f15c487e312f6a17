"""Elementwise functions of ``keras.ops``: cos, sin, log1p, rsqrt and erf with their backward;
floor, round, sign and the logical ops without a gradient (constant Tensors, as in
:mod:`.compare`).

Integer and boolean inputs to the float functions become floatx first, as in Keras.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([0.0, np.pi / 2]), requires_grad=True)
>>> ops.sin(x).sum().backward()
>>> x.grad.round(12)
array([1., 0.])
>>> ops.logical_and(np.array([True, False]), np.array([True, True])).numpy()
array([ True, False])
"""

from __future__ import annotations

import math

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError
from .arguments import data, floating, is_int
from .special import erf as _erf


class Cos(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).cos(x)

    def backward(self, g):
        # d(cos x)/dx = -sin x
        return -g * get_array_module(self.x).sin(self.x)


class Sin(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).sin(x)

    def backward(self, g):
        # d(sin x)/dx = cos x
        return g * get_array_module(self.x).cos(self.x)


class Log1p(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).log1p(x)

    def backward(self, g):
        # d(log(1 + x))/dx = 1 / (1 + x)
        return g / (1 + self.x)


class Rsqrt(Function):
    def forward(self, x):
        xp = get_array_module(x)
        # rsqrt(x) = 1 / √x
        self.y = xp.reciprocal(xp.sqrt(x))
        return self.y

    def backward(self, g):
        # d(x^(-1/2))/dx = -x^(-3/2) / 2 = -y³ / 2
        return g * (-0.5 * self.y * self.y * self.y)


class Erf(Function):
    def forward(self, x):
        self.x = x
        return _erf(x)

    def backward(self, g):
        # d(erf x)/dx = (2/√π) e^(-x²)
        return g * (2 / math.sqrt(math.pi)) * get_array_module(self.x).exp(-self.x * self.x)


def cos(x) -> Tensor:
    """Cosine, elementwise."""
    return Cos.apply(floating(x))


def sin(x) -> Tensor:
    """Sine, elementwise."""
    return Sin.apply(floating(x))


def log1p(x) -> Tensor:
    """``log(1 + x)``, accurate for small x."""
    return Log1p.apply(floating(x))


def rsqrt(x) -> Tensor:
    """``1 / √x``, elementwise."""
    return Rsqrt.apply(floating(x))


def erf(x) -> Tensor:
    """The error function ``(2/√π)∫₀ˣ e^(-t²) dt``, elementwise (NumPy only; no SciPy)."""
    return Erf.apply(floating(x))


def _constant(fn, *args) -> Tensor:
    """``fn`` on the arrays inside ``args``, as a constant Tensor."""
    arrays = [data(as_tensor(a)) for a in args]
    return Tensor(fn(get_array_module(*arrays), *arrays))


def floor(x) -> Tensor:
    """The largest integer <= x, elementwise (floats; integers become floatx, as in Keras).
    No gradient flows (its derivative is 0 almost everywhere)."""
    return _constant(lambda xp, a: xp.floor(a), floating(x))


def round(x, decimals: int = 0) -> Tensor:  # noqa: A001 - the name users expect
    """Round half to even to ``decimals`` places (integers stay integers). No gradient."""
    if not is_int(decimals):
        raise ArgumentError(f"round: decimals must be an int, got {decimals!r}. "
                            "Hint: round(x, decimals=2) keeps two decimal places.")
    return _constant(lambda xp, a: xp.round(a, int(decimals)), x)


def sign(x) -> Tensor:
    """-1, 0 or 1 by the sign of each element (in x's dtype). No gradient."""
    return _constant(lambda xp, a: xp.sign(a), x)


def logical_and(x1, x2) -> Tensor:
    """Elementwise ``x1 and x2`` (nonzero is true), booleans."""
    return _constant(lambda xp, a, b: xp.logical_and(a, b), x1, x2)


def logical_or(x1, x2) -> Tensor:
    """Elementwise ``x1 or x2`` (nonzero is true), booleans."""
    return _constant(lambda xp, a, b: xp.logical_or(a, b), x1, x2)


def logical_not(x) -> Tensor:
    """Elementwise ``not x`` (nonzero is true), booleans."""
    return _constant(lambda xp, a: xp.logical_not(a), x)
