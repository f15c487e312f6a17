"""The activation kernel: the contract every activation of the fused ops follows.

A kernel's ``forward_(z)`` may overwrite ``z`` (the fused ``linear`` op activates its GEMM
output in place); ``backward(z, y, gy)`` returns dL/dz from the output ``y`` and, when
``needs_input`` is True, the input ``z``.

>>> import numpy as np
>>> class Square(Kernel):
...     name = "square"
...     needs_input = True
...     def forward_(self, z):
...         z *= z
...         return z
...     def backward(self, z, y, gy):
...         # (z²)' = 2z
...         return 2 * z * gy
>>> Square().forward_(np.array([3.0]))
array([9.])
"""

from __future__ import annotations

import math

from ..errors import ArgumentError


class Kernel:
    """An activation: ``forward_(z)`` may overwrite z; ``backward(z, y, gy)`` returns dL/dz.

    ``z`` is None in backward unless ``needs_input`` is True. ``get_config()`` holds the
    constructor arguments, so ``type(k)(**k.get_config())`` rebuilds the kernel.
    """

    name = "kernel"
    needs_input = False  # True when backward needs z, not only y

    def forward_(self, z):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, z, y, gy):  # pragma: no cover - interface
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @property
    def __name__(self) -> str:  # Keras's activations are named functions
        return self.name

    def __call__(self, x):
        """This activation applied to a Tensor or an array as one op, with its gradient (as
        Keras's ``activations.get("relu")(x)``)."""
        from ..autograd import as_tensor
        from .activations import activation

        return activation(as_tensor(x), self)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


_CONSTANTS: dict = {}


def constant(value: float, like):
    """``value`` as a 0-d array of ``like``'s dtype and array module, made once and kept.

    A ufunc given a 0-d array of the same dtype runs the same loop as with a Python scalar
    (same result, bit for bit), but NumPy 2 needs about half the time per call to set it up,
    which is most of the cost of an activation on a few samples.
    """
    key = (value, like.dtype, type(like))
    c = _CONSTANTS.get(key)
    if c is None:
        from ..backend import get_array_module

        c = _CONSTANTS[key] = get_array_module(like).asarray(value, dtype=like.dtype)
    return c


def _number(kernel: str, arg: str, value, allow_none: bool = False):
    """``value`` as a float, or an ArgumentError naming the activation and argument."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ArgumentError(
            f"Activation '{kernel}': {arg} must be a number, got {value!r}. "
            f"Hint: e.g. {arg}=0.1."
        )
    return float(value)
