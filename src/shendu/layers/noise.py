"""Noise layers: GaussianNoise, GaussianDropout and AlphaDropout, active only in training.

``fit`` runs them with ``training=True``; ``predict``, ``evaluate`` and a direct call without
``training`` pass the input through, as Keras does. A layer given a ``seed`` draws from its own
generator; without one it draws from the global generator, so ``set_random_seed`` makes a run
repeatable.

>>> import numpy as np
>>> from shendu.layers import GaussianNoise
>>> layer = GaussianNoise(0.5, seed=0)
>>> layer(np.ones((1, 3)), training=False).data
array([[1., 1., 1.]], dtype=float32)
>>> bool(np.all(layer(np.ones((1, 3)), training=True).data != 1.0))
True
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ArgumentError
from ..number_args import number_arg
from ..ops import noise as noise_ops
from .base import Layer
from .dropout import check_noise_shape


class _Noise(Layer):
    """Shared: the seed and its generator, pass-through outside training, the fast path."""

    supports_masking = True  # a time mask passes through unchanged

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (not isinstance(seed, numbers.Integral)
                                 or isinstance(seed, bool) or seed < 0):
            raise ArgumentError(
                f"{self._where}: seed must be None or a non-negative int, got {seed!r}. "
                "Hint: leave it out to draw from the global generator (set_random_seed)."
            )
        self.seed = None if seed is None else int(seed)
        self._rng = None if seed is None else np.random.default_rng(self.seed)

    @property
    def _where(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _rate_arg(self, rate) -> float:
        return number_arg(rate, self._where, "rate", low=0.0, high=1.0, high_open=True,
                          hint="rate is a drop probability below 1, e.g. 0.1")

    def _active(self) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def _op(self):  # pragma: no cover - interface
        """The Function of one training call."""
        raise NotImplementedError

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path (nothing in inference)."""
        return [(self._op(), [])] if training and self._active() else []

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class GaussianNoise(_Noise):
    """Keras's ``GaussianNoise(stddev, seed=None)``: adds zero-mean Gaussian noise of standard
    deviation ``stddev`` to every element, in training only.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense, GaussianNoise
    >>> model = Sequential([Dense(4, input_dim=3), GaussianNoise(0.1), Dense(1)])
    >>> model.predict(np.zeros((2, 3)), verbose=0).shape
    (2, 1)
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = number_arg(stddev, self._where, "stddev", low=0.0,
                                 hint="stddev is the standard deviation of the noise, e.g. 0.1")

    def _active(self) -> bool:
        return self.stddev > 0

    def _op(self):
        return noise_ops.GaussianNoise(stddev=self.stddev, rng=self._rng)

    def call(self, inputs, training=False):
        if training and self._active():
            return noise_ops.gaussian_noise(inputs, self.stddev, self._rng)
        return inputs

    def get_config(self):
        config = super().get_config()
        config["stddev"] = self.stddev
        return config


class GaussianDropout(_Noise):
    """Keras's ``GaussianDropout(rate, seed=None)``: multiplies every element by Gaussian
    noise of mean 1 and variance ``rate / (1 - rate)``, in training only (so the expected
    output is the input, as with inverted Dropout).

    >>> import numpy as np
    >>> layer = GaussianDropout(0.2, seed=1)
    >>> layer(np.ones((2, 2)), training=False).data.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    >>> y = layer(np.ones((1, 20000)), training=True).data
    >>> round(float(y.mean()), 1), round(float(y.var()), 2)  # 1 and 0.2 / 0.8
    (1.0, 0.25)
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = self._rate_arg(rate)

    def _active(self) -> bool:
        return self.rate > 0

    def _op(self):
        return noise_ops.GaussianDropout(rate=self.rate, rng=self._rng)

    def call(self, inputs, training=False):
        if training and self._active():
            return noise_ops.gaussian_dropout(inputs, self.rate, self._rng)
        return inputs

    def get_config(self):
        config = super().get_config()
        config["rate"] = self.rate
        return config


class AlphaDropout(_Noise):
    """Keras's ``AlphaDropout(rate, noise_shape=None, seed=None)``, the dropout of SELU
    networks: in training each element is set, with probability ``rate``, to SELU's negative
    saturation value, then an affine map restores the mean and variance of the input (0 and 1
    for a self-normalizing network). ``noise_shape`` shares one draw along the axes where it
    is 1, as in Dropout.

    >>> import numpy as np
    >>> layer = AlphaDropout(0.1, seed=0)
    >>> x = np.random.default_rng(0).normal(size=(1, 50000))
    >>> y = layer(x, training=True).data
    >>> bool(abs(y.mean()) < 0.05), round(float(y.std()), 1)  # zero mean, unit variance kept
    (True, 1.0)
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = self._rate_arg(rate)
        if noise_shape is not None and (not isinstance(noise_shape, (list, tuple)) or not all(
                n is None or (isinstance(n, numbers.Integral) and not isinstance(n, bool)
                              and n > 0) for n in noise_shape)):
            raise ArgumentError(
                f"{self._where}: noise_shape must be None or a tuple of positive ints and "
                f"Nones (one per input axis), got {noise_shape!r}. Hint: (None, 1, None) "
                "shares one draw over the steps of (batch, steps, features) inputs."
            )
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def build(self, input_shape):
        check_noise_shape(self.noise_shape, input_shape, self._where)

    def _active(self) -> bool:
        return self.rate > 0

    def _op(self):
        return noise_ops.AlphaDropout(rate=self.rate, noise_shape=self.noise_shape,
                                      rng=self._rng)

    def call(self, inputs, training=False):
        if training and self._active():
            return noise_ops.alpha_dropout(inputs, self.rate, self.noise_shape, self._rng)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate,
                      noise_shape=None if self.noise_shape is None else list(self.noise_shape))
        return config
