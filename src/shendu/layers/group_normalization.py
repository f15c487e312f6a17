"""GroupNormalization and UnitNormalization: per-sample normalizations, the same in training
and inference, with Keras's arguments, defaults and weights.

>>> import numpy as np
>>> from shendu.layers import GroupNormalization, UnitNormalization
>>> GroupNormalization(groups=2)(np.ones((1, 5, 4))).shape
(1, 5, 4)
>>> UnitNormalization()(np.array([[3.0, 4.0]])).data
array([[0.6, 0.8]], dtype=float32)
"""

from __future__ import annotations

import numbers

from ..errors import ArgumentError, ShapeError
from ..ops.normalization import GroupNorm, L2Normalize, group_norm, l2_normalize
from .base import Layer
from .normalization import _Affine, _check_epsilon, _normalize_axes


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


class GroupNormalization(_Affine, Layer):
    """Keras's ``GroupNormalization``: the channels on ``axis`` are split into ``groups``
    runs of consecutive channels, and each sample's group is normalized with its own mean and
    (biased) variance, taken over the group's channels and every other non-batch axis:
    ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta`` with gamma and beta per channel.
    ``groups=1`` is layer normalization over all non-batch axes, ``groups=-1`` (one channel
    per group) is instance normalization. Weights, in Keras's order: gamma, beta.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Conv2D, GroupNormalization
    >>> model = Sequential([Conv2D(8, 3, input_shape=(6, 6, 1)), GroupNormalization(groups=4)])
    >>> [w.shape for w in model.layers[1].get_weights()]
    [(8,), (8,)]
    """

    supports_masking = True  # a mask passes through unchanged

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        where = f"GroupNormalization '{self.name}'"
        if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) \
                or (groups <= 0 and groups != -1):
            raise ArgumentError(
                f"{where}: groups must be a positive int (or -1, one group per channel), got "
                f"{groups!r}. Hint: groups must divide the number of channels, e.g. 8 for 32."
            )
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise ArgumentError(
                f"{where}: axis must be an int (the channel axis), got {axis!r}. "
                "Hint: axis=-1 for channels_last, axis=1 for channels_first."
            )
        self.groups, self.axis = int(groups), int(axis)
        self.epsilon = _check_epsilon(self, epsilon)
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        self._ndim = len(input_shape)
        (self._axis,) = _normalize_axes(self, self.axis, self._ndim)
        channels = input_shape[self._axis]
        if channels is None:
            raise ShapeError(
                f"GroupNormalization '{self.name}': the channel axis {self.axis} of input "
                f"shape {tuple(input_shape)} has unknown size. Hint: give the model an "
                "input_shape with that axis set."
            )
        self._channels = int(channels)
        self._groups = self._channels if self.groups == -1 else self.groups
        if self._channels % self._groups:
            raise ArgumentError(
                f"GroupNormalization '{self.name}': groups={self.groups} must divide the "
                f"{self._channels} channels on axis {self.axis} (input shape "
                f"{tuple(input_shape)}). Hint: choose groups among {_divisors(self._channels)}."
            )
        self._build_affine((self._channels,))

    def call(self, inputs):
        if inputs.ndim != self._ndim or inputs.shape[self._axis] != self._channels:
            raise ShapeError(
                f"GroupNormalization '{self.name}': expected inputs of rank {self._ndim} with "
                f"{self._channels} channels on axis {self.axis}, got shape "
                f"{tuple(inputs.shape)}. Hint: the layer was built for another input shape."
            )
        return group_norm(inputs, self.gamma, self.beta, groups=self._groups, axis=self._axis,
                          epsilon=self.epsilon)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path."""
        if not self.built:
            return None
        return [(GroupNorm(axis=self._axis, groups=self._groups, epsilon=self.epsilon,
                           scale=self.scale, center=self.center), self._affine_weights())]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(groups=self.groups, axis=self.axis, epsilon=self.epsilon,
                      **self._affine_config())
        return config


class UnitNormalization(Layer):
    """Keras's ``UnitNormalization(axis=-1)``: scales each sample to unit L2 norm over
    ``axis`` (an int or a list of ints), ``y = x / max(||x||, 1e-12)``. No weights.

    >>> import numpy as np
    >>> y = UnitNormalization(axis=[1, 2])(np.ones((2, 2, 2)))
    >>> float(np.sqrt((y.data[0] ** 2).sum()))
    1.0
    """

    supports_masking = True  # a mask passes through unchanged
    epsilon = 1e-12  # Keras's lower bound on the norm

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        ok = (isinstance(axis, numbers.Integral) and not isinstance(axis, bool)) or (
            isinstance(axis, (list, tuple)) and len(axis) > 0 and all(
                isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis))
        if not ok:
            raise ArgumentError(
                f"UnitNormalization '{self.name}': axis must be an int or a list of ints, got "
                f"{axis!r}. Hint: axis=-1 normalizes the features of each sample."
            )
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)

    def build(self, input_shape):
        self._axes = _normalize_axes(self, self.axis, len(input_shape))

    def call(self, inputs):
        axes = _normalize_axes(self, self.axis, inputs.ndim)
        return l2_normalize(inputs, axis=axes, epsilon=self.epsilon)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path."""
        if not self.built:
            return None
        return [(L2Normalize(axes=self._axes, epsilon=self.epsilon), [])]

    def compute_output_shape(self, input_shape):
        _normalize_axes(self, self.axis, len(input_shape))
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
