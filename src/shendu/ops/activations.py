"""Activation functions as kernels (forward in place, backward beside it) and as ops.

A kernel is what the fused ``linear`` op runs after ``x @ W + b``; :func:`activation` runs
the same kernel as a standalone op. Kernels whose derivative is a function of the output
(relu, sigmoid, tanh, softmax, ...) keep only the output; the others (``needs_input``) also
keep the input. Every formula is Keras's (``keras.activations``). The rectifiers live in
:mod:`.rectifiers`, Keras 3's newer ones (celu, sparsemax, ...) in :mod:`.activation_kernels_extra`,
the kernel contract in :mod:`.kernel`; every kernel is registered here.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu import ops
>>> ops.activation(Tensor(np.array([-1.0, 2.0])), "relu").data
array([0., 2.])
>>> ops.activation(Tensor(np.array([-1.0, 8.0])), ReLU(max_value=6.0)).data
array([0., 6.])
"""

from __future__ import annotations

import math

from ..autograd import Function
from ..backend import get_array_module
from ..errors import ArgumentError, unknown_name
from .activation_kernels_extra import EXTRA_KERNELS
from .kernel import Kernel, _number, constant  # noqa: F401 - Kernel is part of this module's API
from .rectifiers import ELU, SELU, LeakyReLU, PReLU, ReLU, ReLU6, prelu  # noqa: F401
from .special import erfc


def _sigmoid(z, xp):
    # σ(z) = (1 + tanh(z/2)) / 2: no overflow for large |z|
    return 0.5 * (1 + xp.tanh(0.5 * z))


def _softplus(z, xp):
    # softplus(z) = log(1 + eᶻ) = max(z, 0) + log(1 + e^-|z|): no overflow
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


class Linear(Kernel):
    """The identity."""

    name = "linear"

    def forward_(self, z):
        return z

    def backward(self, z, y, gy):
        # d(z)/dz = 1
        return gy


class GELU(Kernel):
    """x·Φ(x) (exact, with erf), or its tanh approximation when ``approximate``.

    Keras's ``activations.gelu`` defaults to the exact form (``ops.gelu`` to the approximation).

    >>> import numpy as np
    >>> GELU().forward_(np.array([-1.0, 1.0])).round(8)
    array([-0.15865525,  0.84134475])
    """

    name = "gelu"
    needs_input = True
    _c = math.sqrt(2 / math.pi)

    def __init__(self, approximate: bool = False):
        if not isinstance(approximate, bool):
            raise ArgumentError(f"Activation 'gelu': approximate must be True or False, got "
                                f"{approximate!r}. Hint: gelu(x, approximate=True) for tanh.")
        self.approximate = approximate

    def forward_(self, z):
        xp = get_array_module(z)
        if self.approximate:
            # gelu(z) ≈ z·(1 + tanh(√(2/π)·(z + 0.044715 z³))) / 2
            t = xp.tanh(self._c * (z + 0.044715 * z * z * z))
            t += 1
            t *= 0.5
        else:
            # gelu(z) = z·Φ(z),  Φ(z) = erfc(-z/√2) / 2
            t = 0.5 * erfc(z * -math.sqrt(0.5))
        z *= t
        return z

    def backward(self, z, y, gy):
        xp = get_array_module(z)
        if self.approximate:
            t = xp.tanh(self._c * (z + 0.044715 * z * z * z))
            # gelu'(z) = (1 + t)/2 + z·(1 - t²)·√(2/π)·(1 + 3·0.044715 z²)/2
            d = 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * self._c * (1 + 0.134145 * z * z)
        else:
            # Φ(z) = y / z, read back from the output (½ near z = 0): no second erfc
            zero = xp.abs(z) < xp.finfo(z.dtype).tiny
            phi = xp.where(zero, 0.5, y / xp.where(zero, 1, z))
            # gelu'(z) = Φ(z) + z·φ(z),  φ(z) = e^(-z²/2) / √(2π)
            d = phi + z * xp.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        return gy * d

    def get_config(self) -> dict:
        return {"approximate": self.approximate}


class Silu(Kernel):
    """x·σ(x) (also called swish)."""

    name = "silu"
    needs_input = True

    def forward_(self, z):
        z *= _sigmoid(z, get_array_module(z))
        return z

    def backward(self, z, y, gy):
        s = _sigmoid(z, get_array_module(z))
        # silu'(z) = σ(z)·(1 + z·(1 - σ(z)))
        return gy * s * (1 + z * (1 - s))


class Softplus(Kernel):
    """log(1 + eˣ)."""

    name = "softplus"

    def forward_(self, z):
        xp = get_array_module(z)
        # softplus(z) = max(z, 0) + log(1 + e^-|z|)
        tail = xp.log1p(xp.exp(-xp.abs(z)))
        xp.maximum(z, 0, out=z)
        z += tail
        return z

    def backward(self, z, y, gy):
        # softplus'(z) = σ(z) = 1 - e^-y
        return gy * -get_array_module(y).expm1(-y)


class Softsign(Kernel):
    """x / (1 + |x|)."""

    name = "softsign"

    def forward_(self, z):
        xp = get_array_module(z)
        # softsign(z) = z / (1 + |z|)
        z /= 1 + xp.abs(z)
        return z

    def backward(self, z, y, gy):
        # softsign'(z) = 1 / (1 + |z|)² = (1 - |y|)²
        r = 1 - get_array_module(y).abs(y)
        return gy * r * r


class HardSigmoid(Kernel):
    """Keras 3's hard sigmoid: relu6(x + 3) / 6."""

    name = "hard_sigmoid"

    def forward_(self, z):
        xp = get_array_module(z)
        # hard_sigmoid(z) = clip(z/6 + 1/2, 0, 1)
        z /= 6
        z += 0.5
        return xp.clip(z, 0, 1, out=z)

    def backward(self, z, y, gy):
        # hard_sigmoid'(z) = 1/6 where 0 < y < 1
        return gy * ((y > 0) & (y < 1)) / 6


class HardSilu(Kernel):
    """x·hard_sigmoid(x) (also called hard_swish)."""

    name = "hard_silu"
    needs_input = True

    def forward_(self, z):
        xp = get_array_module(z)
        z *= xp.clip(z / 6 + 0.5, 0, 1)
        return z

    def backward(self, z, y, gy):
        xp = get_array_module(z)
        # hard_silu'(z) = 0 for z < -3, 1 for z > 3, z/3 + 1/2 between
        d = xp.where(z < -3, 0, xp.where(z > 3, 1, z / 3 + 0.5))
        return gy * d


class Exponential(Kernel):
    """eˣ."""

    name = "exponential"

    def forward_(self, z):
        return get_array_module(z).exp(z, out=z)

    def backward(self, z, y, gy):
        # (eᶻ)' = y
        return gy * y


class Mish(Kernel):
    """x·tanh(softplus(x))."""

    name = "mish"
    needs_input = True

    def forward_(self, z):
        xp = get_array_module(z)
        z *= xp.tanh(_softplus(z, xp))
        return z

    def backward(self, z, y, gy):
        xp = get_array_module(z)
        t = xp.tanh(_softplus(z, xp))
        # mish'(z) = tanh(sp(z)) + z·(1 - tanh²(sp(z)))·σ(z)
        return gy * (t + z * (1 - t * t) * _sigmoid(z, xp))


class Sigmoid(Kernel):
    """1 / (1 + e⁻ˣ)."""

    name = "sigmoid"

    def forward_(self, z):
        xp = get_array_module(z)
        half = constant(0.5, z)
        # σ(z) = (1 + tanh(z/2)) / 2: no overflow for large |z|
        z *= half
        xp.tanh(z, out=z)
        z += constant(1.0, z)
        z *= half
        return z

    def backward(self, z, y, gy):
        # σ'(z) = y (1 - y)
        return gy * y * (1 - y)


class Tanh(Kernel):
    """Hyperbolic tangent."""

    name = "tanh"

    def forward_(self, z):
        return get_array_module(z).tanh(z, out=z)

    def backward(self, z, y, gy):
        # tanh'(z) = 1 - y²
        return gy * (1 - y * y)


def _axis(name, axis):
    if isinstance(axis, (list, tuple)):
        axis = tuple(axis)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in axis) and axis:
            return axis[0] if len(axis) == 1 else axis
    elif isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise ArgumentError(f"Activation '{name}': axis must be an integer or a list of integers, "
                        f"got {axis!r}. Hint: axis=-1 normalises over the last axis.")


class Softmax(Kernel):
    """eᶻ / Σ eᶻ along ``axis`` (an int or a tuple of ints).

    >>> import numpy as np
    >>> Softmax(axis=0).forward_(np.log(np.array([[1.0], [3.0]])))
    array([[0.25],
           [0.75]])
    """

    name = "softmax"

    def __init__(self, axis: int | tuple[int, ...] = -1):
        self.axis = _axis("softmax", axis)

    def forward_(self, z):
        xp = get_array_module(z)
        z -= z.max(axis=self.axis, keepdims=True)
        xp.exp(z, out=z)
        z /= z.sum(axis=self.axis, keepdims=True)
        return z

    def backward(self, z, y, gy):
        # dL/dz = y ⊙ (gy - Σ gy⊙y)
        return y * (gy - (gy * y).sum(axis=self.axis, keepdims=True))

    def get_config(self) -> dict:
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


class LogSoftmax(Kernel):
    """z - log Σ eᶻ along ``axis``."""

    name = "log_softmax"

    def __init__(self, axis: int | tuple[int, ...] = -1):
        self.axis = _axis("log_softmax", axis)

    def forward_(self, z):
        xp = get_array_module(z)
        z -= z.max(axis=self.axis, keepdims=True)
        z -= xp.log(xp.exp(z).sum(axis=self.axis, keepdims=True))
        return z

    def backward(self, z, y, gy):
        # dL/dz = gy - softmax(z)·Σ gy,  softmax(z) = e^y
        return gy - get_array_module(y).exp(y) * gy.sum(axis=self.axis, keepdims=True)

    def get_config(self) -> dict:
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


KERNELS: dict[str, type[Kernel]] = {
    k.name: k for k in (Linear, ReLU, LeakyReLU, ReLU6, ELU, SELU, GELU, Silu, Softplus, Softsign,
                        HardSigmoid, HardSilu, Exponential, Mish, Sigmoid, Tanh, Softmax,
                        LogSoftmax, *EXTRA_KERNELS)
}
KERNELS.update(swish=Silu, hard_swish=HardSilu)  # Keras's aliases


def get_kernel(identifier) -> Kernel:
    """A kernel from a name ('relu'), None ('linear') or a kernel instance."""
    if identifier is None:
        return Linear()
    if isinstance(identifier, Kernel):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in KERNELS:
        return KERNELS[identifier.lower()]()
    raise unknown_name("activation", identifier, KERNELS)


class Activation(Function):
    """A kernel as a standalone op (the input is copied, then activated in place)."""

    reusable = True  # forward keeps nothing between calls (the Sequential fast path reuses it)

    def forward(self, z):
        k = self.kernel
        y = k.forward_(z.copy())
        self.z = z if k.needs_input else None
        self.y = y
        return y

    def backward(self, gy):
        return self.kernel.backward(self.z, self.y, gy)


def activation(x, kernel):
    """Apply an activation (a name or a :class:`Kernel`) as one op."""
    k = get_kernel(kernel)
    if isinstance(k, Linear):
        return x
    out = Activation.apply(x, kernel=k)
    if isinstance(k, Sigmoid) or (isinstance(k, Softmax) and isinstance(k.axis, int)):
        out.logits = x  # losses can use the logits for a stable cross-entropy (one axis)
    return out


def relu(x):
    """max(x, 0)."""
    return activation(x, "relu")


def sigmoid(x):
    """1 / (1 + e⁻ˣ)."""
    return activation(x, "sigmoid")


def tanh(x):
    """Hyperbolic tangent."""
    return activation(x, "tanh")


def softmax(x, axis=-1):
    """eˣ / Σ eˣ along ``axis``."""
    return activation(x, Softmax(axis))
