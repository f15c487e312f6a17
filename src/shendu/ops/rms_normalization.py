"""Root-mean-square normalization (Zhang & Sennrich, 2019), Keras 3's ``rms_normalization``:
``y = x · 1/√(mean(x², axes) + ε) · scale``, one fused op with its backward beside it.

Unlike layer normalization nothing is subtracted: only the scale of each sample is fixed.

>>> import numpy as np
>>> from shendu.ops.rms_normalization import rms_normalization
>>> rms_normalization(np.array([[3.0, 4.0]]), epsilon=0.0).data.round(6)
array([[0.848528, 1.131371]])
"""

from __future__ import annotations

from ..autograd import Function, Tensor, as_tensor
from ..backend import epsilon as default_epsilon
from ..backend import get_array_module
from ..errors import ArgumentError


class RMSNorm(Function):
    """y = x · r · s with r = 1/√(mean(x², axes) + ε) per sample.

    Settings: ``axes`` (non-negative tuple), ``epsilon``, ``with_scale``; the scale ``s`` has
    the shape of x on ``axes``.
    """

    def forward(self, x, *scale):
        xp = get_array_module(x)
        self.x = x
        self.bshape = tuple(x.shape[a] if a in self.axes else 1 for a in range(x.ndim))
        self.outer = tuple(a for a in range(x.ndim) if a not in self.axes)
        # r = 1 / √(mean(x²) + ε)
        self.r = 1.0 / xp.sqrt((x * x).mean(axis=self.axes, keepdims=True)
                               + x.dtype.type(self.epsilon))
        self.s = scale[0].reshape(self.bshape) if scale else None
        y = x * self.r
        return y * self.s if self.s is not None else y

    def backward(self, g):
        need = self.needs_input_grad or (True,) * (1 + (self.s is not None))
        gs = g * self.s if self.s is not None else g
        grads = [None]
        if need[0]:
            # dL/dx = r · g s − x · r³ · mean(g s ⊙ x) over the axes
            along = (gs * self.x).mean(axis=self.axes, keepdims=True)
            grads[0] = self.r * gs - self.x * (self.r ** 3) * along
        if self.s is not None:
            # dL/ds = Σ_outer g ⊙ x · r
            grads.append((g * self.x * self.r).sum(axis=self.outer).reshape(
                [self.bshape[a] for a in self.axes]) if need[1] else None)
        return tuple(grads)


def rms_normalization(x, scale=None, axis=-1, epsilon: float | None = None) -> Tensor:
    """``x · rsqrt(mean(x², axis) + epsilon) · scale`` (Keras 3's ``ops.rms_normalization``;
    ``epsilon`` defaults to ``backend.epsilon()``, ``axis`` an int or a tuple)."""
    x = as_tensor(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if not axes or any(not isinstance(a, int) or isinstance(a, bool) or not -x.ndim <= a < x.ndim
                       for a in axes):
        raise ArgumentError(f"rms_normalization: axis must be an int or a tuple of ints within "
                            f"the {x.ndim} axes of x (shape {x.shape}), got {axis!r}. "
                            "Hint: axis=-1 normalizes the last axis.")
    axes = tuple(sorted({a % x.ndim for a in axes}))
    eps = default_epsilon() if epsilon is None else float(epsilon)
    params = [] if scale is None else [as_tensor(scale)]
    return RMSNorm.apply(x, *params, axes=axes, epsilon=eps, with_scale=scale is not None)
