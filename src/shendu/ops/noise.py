"""Random noise for regularization, the relatives of dropout (``dropout.py``): additive Gaussian
noise, Gaussian dropout (a multiplier drawn around 1) and alpha dropout (dropout that keeps a
SELU network's zero mean and unit variance). Each draws from the generator it is given, or the
global one (``shendu.utils.set_random_seed`` makes that repeatable); the layers decide when.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> y = gaussian_noise(Tensor(np.zeros((2, 3))), 0.1, rng=np.random.default_rng(0))
>>> y.shape, bool(np.all(y.data != 0))
((2, 3), True)
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..backend import rng as global_rng
from .dropout import noise_shape_for

# SELU's constants: selu(x) = SCALE·x for x > 0, SCALE·ALPHA·(eˣ − 1) otherwise
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# the value a dropped input takes: selu's limit for x → −∞
ALPHA_PRIME = -SELU_ALPHA * SELU_SCALE


def _standard_normal(rng, shape, dtype) -> np.ndarray:
    """N(0, 1) draws of ``shape``, drawn in float32 for float32/float16 data, else float64."""
    kind = np.float64 if np.dtype(dtype) == np.float64 else np.float32
    return (rng or global_rng()).standard_normal(shape, dtype=kind)


def alpha_dropout_affine(rate: float) -> tuple[float, float]:
    """(a, b) with ``a·(x·k + α′(1 − k)) + b`` of zero mean and unit variance when x is, and
    k ~ Bernoulli(1 − rate)."""
    # E[x·k + α′(1−k)] = α′p,  Var = (1 − p)(1 + p α′²)   (x of mean 0, variance 1)
    a = ((1.0 - rate) * (1.0 + rate * ALPHA_PRIME ** 2)) ** -0.5
    return a, -a * ALPHA_PRIME * rate


class GaussianNoise(Function):
    """y = x + n with n ~ N(0, stddev²), one draw per element.

    Settings: ``stddev``, ``rng`` (a NumPy Generator, or None for the global one).
    """

    def forward(self, x):
        xp = get_array_module(x)
        noise = _standard_normal(self.rng, x.shape, x.dtype)
        noise *= self.stddev
        return x + xp.asarray(noise, dtype=x.dtype)

    def backward(self, g):
        # d(x + n)/dx = 1
        return g


class GaussianDropout(Function):
    """y = x ⊙ m with m ~ N(1, rate / (1 − rate)), one draw per element, so E[y] = x.

    Settings: ``rate`` (in [0, 1)), ``rng``.
    """

    def forward(self, x):
        xp = get_array_module(x)
        m = _standard_normal(self.rng, x.shape, x.dtype)
        m *= math.sqrt(self.rate / (1.0 - self.rate))
        m += 1.0
        self.mask = xp.asarray(m, dtype=x.dtype)
        return x * self.mask

    def backward(self, g):
        # d(x·m)/dx = m
        return g * self.mask


class AlphaDropout(Function):
    """y = a (x ⊙ k + α′ (1 − k)) + b with k ~ Bernoulli(1 − rate) over ``noise_shape``,
    α′ = −SELU_SCALE·SELU_ALPHA and (a, b) from :func:`alpha_dropout_affine`.

    Settings: ``rate`` (in [0, 1)), ``noise_shape`` (or None), ``rng``.
    """

    def forward(self, x):
        xp = get_array_module(x)
        draw = (self.rng or global_rng()).random(noise_shape_for(self.noise_shape, x.shape))
        kept = draw >= self.rate
        a, b = alpha_dropout_affine(self.rate)
        # y = x·(a k) + (a α′ (1 − k) + b)
        self.mask = xp.asarray(kept * a, dtype=x.dtype)
        offset = xp.asarray(np.where(kept, b, a * ALPHA_PRIME + b), dtype=x.dtype)
        return x * self.mask + offset

    def backward(self, g):
        # dy/dx = a k   (broadcast over noise_shape)
        return g * self.mask


def gaussian_noise(x, stddev: float, rng=None):
    """``x`` plus N(0, stddev²) noise (always active: the layer decides when to call it)."""
    return GaussianNoise.apply(x, stddev=float(stddev), rng=rng)


def gaussian_dropout(x, rate: float, rng=None):
    """``x`` times N(1, rate / (1 − rate)) noise (always active)."""
    return GaussianDropout.apply(x, rate=float(rate), rng=rng)


def alpha_dropout(x, rate: float, noise_shape=None, rng=None):
    """Alpha dropout of ``x`` (always active)."""
    return AlphaDropout.apply(x, rate=float(rate), noise_shape=noise_shape, rng=rng)
