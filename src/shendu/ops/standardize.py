"""Standardization with fixed statistics (the Normalization layer): ``y = (x − μ) / s`` and its
inverse ``x = μ + y · s``, where ``s = max(√σ², ε)`` as in Keras (a constant feature gives 0,
not a division by zero). μ and σ² are constants: only x gets a gradient.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([[1.0, 4.0], [3.0, 8.0]]))
>>> standardize(x, np.array([2.0, 6.0]), np.array([1.0, 4.0])).data
array([[-1., -1.],
       [ 1.,  1.]])
"""

from __future__ import annotations

from ..autograd import Function, Tensor
from ..backend import epsilon as default_epsilon
from ..backend import get_array_module


class Standardize(Function):
    """``forward(x, mean, variance)``: the statistics are reshaped to ``shape`` (their
    broadcast shape against x); settings ``shape``, ``invert``, ``epsilon``.

    >>> import numpy as np
    >>> op = Standardize(shape=(1, 2), invert=True, epsilon=1e-7)
    >>> op.forward(np.array([[1.0, -1.0]]), np.array([10.0, 0.0]), np.array([4.0, 0.0]))
    array([[ 1.2e+01, -1.0e-07]])
    """

    reusable = True  # keeps only the last scale for its backward (the fast path reuses it)

    def forward(self, x, mean, variance):
        xp = get_array_module(x)
        mean = mean.reshape(self.shape).astype(x.dtype, copy=False)
        # s = max(√σ², ε)
        self.scale = xp.maximum(xp.sqrt(variance.reshape(self.shape)), self.epsilon).astype(
            x.dtype, copy=False)
        if self.invert:
            return mean + x * self.scale
        return (x - mean) / self.scale

    def backward(self, g):
        # invert: dL/dx = s · dL/dy;  else dL/dx = dL/dy / s
        if self.needs_input_grad and not self.needs_input_grad[0]:
            return None, None, None
        gx = g * self.scale if self.invert else g / self.scale
        return gx, None, None


def standardize(x, mean, variance, invert: bool = False, epsilon: float | None = None,
                shape: tuple | None = None) -> Tensor:
    """``(x − mean) / max(√variance, ε)`` (or its inverse), the statistics broadcast to
    ``shape`` (default: their own shape); ε defaults to ``backend.epsilon()``."""
    xp = get_array_module(mean)
    mean, variance = xp.asarray(mean), xp.asarray(variance)
    return Standardize.apply(x, mean, variance, shape=mean.shape if shape is None else shape,
                             invert=invert,
                             epsilon=default_epsilon() if epsilon is None else epsilon)


__all__ = ["Standardize", "standardize"]
