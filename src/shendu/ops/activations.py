"""Activation functions as kernels (forward in place, backward beside it) and as ops.

A kernel is what the fused ``linear`` op runs after ``x @ W + b``; :func:`activation` runs
the same kernel as a standalone op. Kernels whose derivative is a function of the output
(relu, sigmoid, tanh, softmax) keep only the output; the others also keep the input.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu import ops
>>> ops.activation(Tensor(np.array([-1.0, 2.0])), "relu").data
array([0., 2.])
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from ..errors import unknown_name


class Kernel:
    """An activation: ``forward_(z)`` may overwrite z; ``backward(z, y, gy)`` returns dL/dz."""

    name = "kernel"
    needs_input = False  # True when backward needs z, not only y

    def forward_(self, z):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, z, y, gy):  # pragma: no cover - interface
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}


class Linear(Kernel):
    name = "linear"

    def forward_(self, z):
        return z

    def backward(self, z, y, gy):
        # d(z)/dz = 1
        return gy


class ReLU(Kernel):
    name = "relu"

    def forward_(self, z):
        return get_array_module(z).maximum(z, 0, out=z)

    def backward(self, z, y, gy):
        # relu'(z) = 1 where y > 0
        return gy * (y > 0)


class Sigmoid(Kernel):
    name = "sigmoid"

    def forward_(self, z):
        xp = get_array_module(z)
        # σ(z) = (1 + tanh(z/2)) / 2: no overflow for large |z|
        z *= 0.5
        xp.tanh(z, out=z)
        z += 1
        z *= 0.5
        return z

    def backward(self, z, y, gy):
        # σ'(z) = y (1 - y)
        return gy * y * (1 - y)


class Tanh(Kernel):
    name = "tanh"

    def forward_(self, z):
        return get_array_module(z).tanh(z, out=z)

    def backward(self, z, y, gy):
        # tanh'(z) = 1 - y²
        return gy * (1 - y * y)


class Softmax(Kernel):
    name = "softmax"

    def __init__(self, axis: int = -1):
        self.axis = axis

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
        return {"axis": self.axis}


KERNELS: dict[str, type[Kernel]] = {
    "linear": Linear,
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softmax": Softmax,
}


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
    if isinstance(k, (Sigmoid, Softmax)):
        out.logits = x  # losses can use the logits for a stable cross-entropy
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
