"""Inverted dropout: zero each element with probability ``rate``, scale the rest by 1/(1−rate).

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> y = dropout(Tensor(np.ones((2, 4))), 0.5, rng=np.random.default_rng(0))
>>> sorted(set(y.data.ravel().tolist()))
[0.0, 2.0]
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from ..backend import rng as global_rng


def noise_shape_for(noise_shape, shape) -> tuple:
    """Keras's noise_shape with its None entries taken from the input's ``shape``."""
    if noise_shape is None:
        return tuple(shape)
    return tuple(n if d is None else d for d, n in zip(noise_shape, shape))


class Dropout(Function):
    """Multiply by a random keep-mask scaled by 1/(1−rate); the mask broadcasts over noise_shape.

    Settings: ``rate``, ``noise_shape`` (or None), ``rng`` (a NumPy Generator, or None for the
    global one).
    """

    def forward(self, x):
        xp = get_array_module(x)
        keep = 1.0 - self.rate
        draw = (self.rng or global_rng()).random(noise_shape_for(self.noise_shape, x.shape))
        # m = 1[u < 1−rate] / (1−rate)   (all zeros when rate = 1)
        mask = (draw < keep) * (1.0 / keep if keep > 0 else 0.0)
        self.mask = xp.asarray(mask, dtype=x.dtype)
        return x * self.mask

    def backward(self, g):
        # d(x·m)/dx = m
        return g * self.mask


def dropout(x, rate: float, noise_shape=None, rng=None):
    """Inverted dropout of ``x`` (always active: the layer decides when to call it)."""
    return Dropout.apply(x, rate=float(rate), noise_shape=noise_shape, rng=rng)
