"""Dropout: randomly zero inputs while training (inverted scaling, as Keras), identity otherwise.

>>> import numpy as np
>>> from shendu.layers import Dropout
>>> layer = Dropout(0.5, seed=0)
>>> layer(np.ones((1, 4)), training=False).data
array([[1., 1., 1., 1.]], dtype=float32)
>>> sorted(set(layer(np.ones((1, 1000)), training=True).data.ravel().tolist()))
[0.0, 2.0]
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..ops.dropout import Dropout as DropoutFn
from ..ops.dropout import dropout
from .base import Layer


def check_noise_shape(noise_shape, input_shape, where: str) -> None:
    """A ShapeError naming ``where`` unless ``noise_shape`` (or None) fits ``input_shape``."""
    if noise_shape is None:
        return
    shape = tuple(input_shape)
    fits = len(noise_shape) == len(shape) and all(
        n is None or n == 1 or d is None or n == d for n, d in zip(noise_shape, shape))
    if not fits:
        raise ShapeError(
            f"{where}: noise_shape {noise_shape} does not fit inputs of shape {shape}. Hint: "
            "give one entry per input axis, each None, 1 or that axis's size, e.g. "
            "(None, 1, features)."
        )


class Dropout(Layer):
    """Keras's ``Dropout(rate, noise_shape=None, seed=None)``.

    With ``training=True`` each element is zeroed with probability ``rate`` and the survivors
    are scaled by ``1 / (1 - rate)``, so the expected output equals the input; in inference
    (``predict``, ``evaluate``) the layer passes its input through. ``noise_shape`` shares one
    draw along the axes where it is 1 (None entries take the input's size); ``seed`` makes the
    sequence of masks repeatable.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense, Dropout
    >>> model = Sequential([Dense(8, input_dim=4), Dropout(0.2), Dense(1)])
    >>> model.predict(np.zeros((3, 4)), verbose=0).shape
    (3, 1)
    """

    supports_masking = True  # a time mask passes through unchanged

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
            raise ArgumentError(
                f"Dropout '{self.name}': rate must be a number in [0, 1], got {rate!r}. "
                "Hint: rate is the fraction of inputs to drop, e.g. Dropout(0.2)."
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def build(self, input_shape):
        check_noise_shape(self.noise_shape, input_shape, f"Dropout '{self.name}'")

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return dropout(inputs, self.rate, self.noise_shape, self._rng)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path (nothing in inference)."""
        if not training or self.rate == 0:
            return []
        return [(DropoutFn(rate=self.rate, noise_shape=self.noise_shape, rng=self._rng), [])]

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate,
                      noise_shape=None if self.noise_shape is None else list(self.noise_shape),
                      seed=self.seed)
        return config
