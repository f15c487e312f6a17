"""Activation functions by name and as functions on tensors, as in ``keras.activations``.

>>> import numpy as np
>>> from shendu import activations
>>> from shendu.autograd import Tensor
>>> activations.relu(Tensor(np.array([-2.0, 3.0]))).data
array([0., 3.])
"""

from __future__ import annotations

from collections.abc import Callable

from . import ops
from .ops.activations import KERNELS, Kernel, get_kernel


def linear(x):
    """Identity."""
    return x


def relu(x):
    """max(x, 0)."""
    return ops.activation(x, "relu")


def sigmoid(x):
    """1 / (1 + e⁻ˣ)."""
    return ops.activation(x, "sigmoid")


def tanh(x):
    """Hyperbolic tangent."""
    return ops.activation(x, "tanh")


def softmax(x, axis=-1):
    """Softmax along ``axis``."""
    return ops.softmax(x, axis=axis)


def get(identifier) -> Kernel | Callable:
    """A kernel for a known name or shendu function; any other callable is returned as is."""
    if identifier is None or isinstance(identifier, (str, Kernel)):
        return get_kernel(identifier)
    name = getattr(identifier, "__name__", None)
    if getattr(identifier, "__module__", None) == __name__ and name in KERNELS:
        return get_kernel(name)
    if callable(identifier):
        return identifier
    return get_kernel(identifier)


def serialize(activation) -> str:
    """The name that :func:`get` turns back into ``activation``."""
    if isinstance(activation, Kernel):
        return activation.name
    return getattr(activation, "__name__", str(activation))
