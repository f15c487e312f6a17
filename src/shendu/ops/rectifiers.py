"""Rectifier kernels: Keras's relu (negative_slope, max_value, threshold), leaky_relu, relu6,
elu and selu; and the PReLU op, whose negative slope is a learned weight.

>>> import numpy as np
>>> LeakyReLU(0.1).forward_(np.array([-2.0, 3.0]))
array([-0.2,  3. ])
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from .kernel import Kernel, _number, constant
from .math import unbroadcast


class ReLU(Kernel):
    """Keras's relu: x above ``threshold`` (clipped to ``max_value``), else
    ``negative_slope·(x - threshold)``.

    >>> import numpy as np
    >>> ReLU(negative_slope=0.5, max_value=6.0, threshold=2.0).forward_(np.array([0.0, 3.0, 9.0]))
    array([-1.,  3.,  6.])
    """

    name = "relu"

    def __init__(self, negative_slope: float = 0.0, max_value: float | None = None,
                 threshold: float = 0.0):
        self.negative_slope = _number("relu", "negative_slope", negative_slope)
        self.max_value = _number("relu", "max_value", max_value, allow_none=True)
        self.threshold = _number("relu", "threshold", threshold)
        self.plain = self.negative_slope == 0 and self.max_value is None and self.threshold == 0
        self.needs_input = not self.plain

    def forward_(self, z):
        xp = get_array_module(z)
        if self.plain:
            return xp.maximum(z, constant(0.0, z), out=z)
        below = xp.maximum(self.threshold - z, 0) if self.negative_slope else None
        if self.threshold != 0:
            z *= z > self.threshold  # x where x > threshold, else 0
        else:
            xp.maximum(z, 0, out=z)
        if self.max_value is not None:
            xp.clip(z, 0, self.max_value, out=z)
        if below is not None:
            z -= self.negative_slope * below
        return z

    def backward(self, z, y, gy):
        if self.plain:
            # relu'(z) = 1 where y > 0
            return gy * (y > 0)
        # relu'(z) = 1 above threshold (and inside (0, max_value) when clipped),
        #            negative_slope below threshold
        d = z > self.threshold
        if self.max_value is not None:
            d &= (z > 0) & (z < self.max_value)
        d = d.astype(gy.dtype)
        if self.negative_slope:
            d += self.negative_slope * (z < self.threshold)
        return gy * d

    def get_config(self) -> dict:
        return {"negative_slope": self.negative_slope, "max_value": self.max_value,
                "threshold": self.threshold}


class LeakyReLU(Kernel):
    """x for x > 0, ``negative_slope·x`` otherwise (Keras's function default 0.2)."""

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.2):
        self.negative_slope = _number("leaky_relu", "negative_slope", negative_slope)
        self.needs_input = self.negative_slope < 0  # then y's sign no longer tells z's

    def forward_(self, z):
        xp = get_array_module(z)
        s = self.negative_slope
        if 0 <= s <= 1:
            return xp.maximum(z, s * z, out=z)
        z *= xp.where(z > 0, 1, s).astype(z.dtype)
        return z

    def backward(self, z, y, gy):
        sign_of = z if self.needs_input else y
        # leaky_relu'(z) = 1 for z > 0, negative_slope otherwise
        return gy * get_array_module(gy).where(sign_of > 0, 1, self.negative_slope).astype(gy.dtype)

    def get_config(self) -> dict:
        return {"negative_slope": self.negative_slope}


class ReLU6(Kernel):
    """min(max(x, 0), 6)."""

    name = "relu6"

    def forward_(self, z):
        return get_array_module(z).clip(z, 0, 6, out=z)

    def backward(self, z, y, gy):
        # relu6'(z) = 1 where 0 < y < 6
        return gy * ((y > 0) & (y < 6))


class ELU(Kernel):
    """x for x > 0, ``alpha·(eˣ - 1)`` otherwise."""

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        self.alpha = _number("elu", "alpha", alpha)
        self.needs_input = self.alpha < 0

    def forward_(self, z):
        xp = get_array_module(z)
        # elu(z) = max(z, 0) + α·(e^min(z, 0) - 1)
        negative = xp.expm1(xp.minimum(z, 0))
        negative *= self.alpha
        xp.maximum(z, 0, out=z)
        z += negative
        return z

    def backward(self, z, y, gy):
        xp = get_array_module(gy)
        sign_of = z if self.needs_input else y
        # elu'(z) = 1 for z > 0, α·eᶻ = y + α otherwise
        return gy * xp.where(sign_of > 0, 1, y + self.alpha)

    def get_config(self) -> dict:
        return {"alpha": self.alpha}


class SELU(Kernel):
    """``scale·elu(x, alpha)`` with Klambauer et al.'s constants."""

    name = "selu"
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946

    def forward_(self, z):
        xp = get_array_module(z)
        # selu(z) = scale·(max(z, 0) + α·(e^min(z, 0) - 1))
        negative = xp.expm1(xp.minimum(z, 0))
        negative *= self.alpha
        xp.maximum(z, 0, out=z)
        z += negative
        z *= self.scale
        return z

    def backward(self, z, y, gy):
        xp = get_array_module(gy)
        # selu'(z) = scale for z > 0, scale·α·eᶻ = y + scale·α otherwise
        return gy * xp.where(y > 0, self.scale, y + self.scale * self.alpha)


class PReLU(Function):
    """x for x > 0, alpha·x otherwise, with a learned ``alpha`` broadcast against x.

    >>> import numpy as np
    >>> from shendu.autograd import Tensor
    >>> prelu(Tensor(np.array([[-2.0, 3.0]])), Tensor(np.array([0.5, 0.5]))).data
    array([[-1.,  3.]])
    """

    def forward(self, x, alpha):
        xp = get_array_module(x)
        self.x, self.alpha = x, alpha
        # prelu(x) = max(x, 0) + α·min(x, 0)
        return xp.maximum(x, 0) + alpha * xp.minimum(x, 0)

    def backward(self, gy):
        xp = get_array_module(gy)
        need = self.needs_input_grad
        # dL/dx = gy·(1 if x > 0 else α),  dL/dα = Σ gy·min(x, 0)
        gx = gy * xp.where(self.x > 0, 1, self.alpha).astype(gy.dtype) if need[0] else None
        ga = unbroadcast(gy * xp.minimum(self.x, 0), self.alpha.shape) if need[1] else None
        return gx, ga


def prelu(x, alpha):
    """Parametric ReLU: ``max(x, 0) + alpha·min(x, 0)``; alpha broadcasts against x."""
    return PReLU.apply(x, alpha)
