"""More activation functions of ``keras.ops`` with their backward: relu6, hard_sigmoid,
hard_silu (hard_swish), softsign and swish run the kernels of :mod:`.activations`; celu,
log_sigmoid, sparse_plus, sparse_sigmoid, squareplus, tanh_shrink, soft_shrink, hard_shrink,
hard_tanh and threshold are elementwise Functions; glu composes split and sigmoid.

Formulas and defaults are Keras's (``squareplus``'s b = 4, the shrinks' threshold 0.5).

>>> import numpy as np
>>> from shendu import ops
>>> ops.relu6(np.array([-1.0, 3.0, 9.0])).data
array([0., 3., 6.])
>>> ops.soft_shrink(np.array([-1.0, 0.2, 2.0])).data
array([-0.5,  0. ,  1.5])
"""

from __future__ import annotations

from ..autograd import Tensor
from ..errors import ArgumentError, ShapeError
from .activations import HardSigmoid, HardSilu, ReLU6, Silu, Softsign, activation, sigmoid
from .arguments import check_one_axis, data, floating
from .math import multiply
from .pointwise import Unary


def _sigmoid(xp, x):
    # σ(x) = (1 + tanh(x/2)) / 2: no overflow
    return 0.5 * (1 + xp.tanh(0.5 * x))


class CELU(Unary):
    """Settings: ``alpha``."""

    def f(self, xp, x):
        # celu(x) = x for x >= 0, α(e^(x/α) - 1) otherwise
        return xp.where(x >= 0, x, self.alpha * xp.expm1(xp.minimum(x, 0) / self.alpha))

    # celu'(x) = 1 for x >= 0, e^(x/α) otherwise
    def df(self, xp, x, y):
        return xp.where(x >= 0, 1, xp.exp(xp.minimum(x, 0) / self.alpha))


class LogSigmoid(Unary):
    def f(self, xp, x):
        # log σ(x) = min(x, 0) - log(1 + e^-|x|)
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))

    # (log σ)'(x) = 1 - σ(x) = σ(-x)
    def df(self, xp, x, y):
        return _sigmoid(xp, -x)


class SparsePlus(Unary):
    def f(self, xp, x):
        # 0 for x <= -1, x for x >= 1, (x + 1)²/4 between
        return xp.where(x <= -1, 0, xp.where(x >= 1, x, (x + 1) * (x + 1) / 4))

    # 0, 1, or (x + 1)/2 between
    def df(self, xp, x, y):
        return xp.where(x <= -1, 0, xp.where(x >= 1, 1, (x + 1) / 2))


class SparseSigmoid(Unary):
    def f(self, xp, x):
        # 0 for x <= -1, 1 for x >= 1, (x + 1)/2 between
        return xp.clip((x + 1) / 2, 0, 1)

    # 1/2 strictly between -1 and 1, 0 outside
    def df(self, xp, x, y):
        return 0.5 * ((x > -1) & (x < 1))


class Squareplus(Unary):
    """Settings: ``b``."""

    def f(self, xp, x):
        # (x + √(x² + b)) / 2
        return (x + xp.sqrt(x * x + self.b)) / 2

    # (1 + x/√(x² + b)) / 2
    def df(self, xp, x, y):
        return (1 + x / xp.sqrt(x * x + self.b)) / 2


class TanhShrink(Unary):
    def f(self, xp, x):
        return x - xp.tanh(x)

    # d(x - tanh x)/dx = tanh²x
    def df(self, xp, x, y):
        t = xp.tanh(x)
        return t * t


class SoftShrink(Unary):
    """Settings: ``threshold`` (t)."""

    def f(self, xp, x):
        t = self.threshold
        # x - t above t, x + t below -t, 0 between
        return xp.where(x > t, x - t, xp.where(x < -t, x + t, 0)).astype(x.dtype, copy=False)

    # 1 where |x| > t, 0 between
    def df(self, xp, x, y):
        return xp.abs(x) > self.threshold


class HardShrink(Unary):
    """Settings: ``threshold`` (t)."""

    def f(self, xp, x):
        # x where |x| > t, 0 elsewhere
        return xp.where(xp.abs(x) > self.threshold, x, 0).astype(x.dtype, copy=False)

    # 1 where |x| > t, 0 elsewhere
    def df(self, xp, x, y):
        return xp.abs(x) > self.threshold


class HardTanh(Unary):
    def f(self, xp, x):
        return xp.clip(x, -1, 1)

    # 1 strictly between -1 and 1, 0 outside
    def df(self, xp, x, y):
        return (x > -1) & (x < 1)


class Threshold(Unary):
    """Settings: ``threshold``, ``value``."""

    def f(self, xp, x):
        # x where x > threshold, value elsewhere
        return xp.where(x > self.threshold, x, self.value).astype(x.dtype, copy=False)

    # 1 where x > threshold, 0 elsewhere
    def df(self, xp, x, y):
        return x > self.threshold


def _number(op, name, value, positive=False):
    raw = data(value)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or (positive and raw <= 0) \
            or (not positive and raw < 0):
        bound = "> 0" if positive else ">= 0"
        raise ArgumentError(f"{op}: {name} must be a number {bound}, got {value!r}. "
                            f"Hint: e.g. {name}=1.0.")
    return float(raw)


def relu6(x) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return activation(floating(x), ReLU6())


def hard_sigmoid(x) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return activation(floating(x), HardSigmoid())


def hard_silu(x) -> Tensor:
    """``x · hard_sigmoid(x)``."""
    return activation(floating(x), HardSilu())


def hard_swish(x) -> Tensor:
    """``x · hard_sigmoid(x)`` (another name of :func:`hard_silu`)."""
    return activation(floating(x), HardSilu())


def softsign(x) -> Tensor:
    """``x / (1 + |x|)``."""
    return activation(floating(x), Softsign())


def swish(x) -> Tensor:
    """``x · σ(x)`` (another name of ``silu``)."""
    return activation(floating(x), Silu())


def celu(x, alpha=1.0) -> Tensor:
    """x for x >= 0, ``alpha·(e^(x/alpha) - 1)`` otherwise."""
    return CELU.apply(floating(x), alpha=_number("celu", "alpha", alpha, positive=True))


def glu(x, axis=-1) -> Tensor:
    """The gated linear unit: x's halves a and b along ``axis``, ``a · σ(b)``."""
    from .arrangement import split

    x = floating(x)
    axis = check_one_axis("glu", axis, x.ndim)
    if x.shape[axis] % 2:
        raise ShapeError(f"glu: axis {axis} must have an even length to halve, got shape "
                         f"{x.shape}. Hint: glu splits the axis into a value and a gate half.")
    a, b = split(x, 2, axis=axis)
    return multiply(a, sigmoid(b))


def log_sigmoid(x) -> Tensor:
    """``log σ(x) = -softplus(-x)``, without overflow."""
    return LogSigmoid.apply(floating(x))


def sparse_plus(x) -> Tensor:
    """0 for x <= -1, x for x >= 1, ``(x + 1)²/4`` between."""
    return SparsePlus.apply(floating(x))


def sparse_sigmoid(x) -> Tensor:
    """0 for x <= -1, 1 for x >= 1, ``(x + 1)/2`` between."""
    return SparseSigmoid.apply(floating(x))


def squareplus(x, b=4) -> Tensor:
    """``(x + √(x² + b)) / 2``, a smooth relu."""
    return Squareplus.apply(floating(x), b=_number("squareplus", "b", b))


def tanh_shrink(x) -> Tensor:
    """``x - tanh(x)``."""
    return TanhShrink.apply(floating(x))


def soft_shrink(x, threshold=0.5) -> Tensor:
    """x - threshold above it, x + threshold below -threshold, 0 between."""
    return SoftShrink.apply(floating(x), threshold=_number("soft_shrink", "threshold",
                                                           threshold))


def hard_shrink(x, threshold=0.5) -> Tensor:
    """x where ``|x| > threshold``, 0 elsewhere."""
    return HardShrink.apply(floating(x), threshold=_number("hard_shrink", "threshold",
                                                           threshold))


def hard_tanh(x) -> Tensor:
    """``clip(x, -1, 1)``."""
    return HardTanh.apply(floating(x))


def threshold(x, threshold, default_value) -> Tensor:
    """x where ``x > threshold``, ``default_value`` elsewhere."""
    for name, value in (("threshold", threshold), ("default_value", default_value)):
        raw = data(value)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ArgumentError(f"threshold: {name} must be a number, got {value!r}. "
                                f"Hint: e.g. threshold(x, 0.0, 0.0).")
    return Threshold.apply(floating(x), threshold=float(threshold), value=float(default_value))
