"""RMSNormalization: Keras 3's root-mean-square normalization layer.

>>> import numpy as np
>>> from shendu.layers import RMSNormalization
>>> layer = RMSNormalization(epsilon=0.0)
>>> layer(np.array([[1.0, -1.0, 1.0, -1.0]])).data
array([[ 1., -1.,  1., -1.]], dtype=float32)
"""

from __future__ import annotations

import numbers

from ..errors import ArgumentError, ShapeError
from ..ops.rms_normalization import RMSNorm, rms_normalization
from .base import Layer
from .normalization import _check_epsilon, _normalize_axes


class RMSNormalization(Layer):
    """Keras's ``RMSNormalization(axis=-1, epsilon=1e-6)``:
    ``y = x / √(mean(x², axis) + epsilon) · scale`` for each sample, with the mean over
    ``axis`` (an int or a list of ints) and nothing subtracted (unlike LayerNormalization).
    One weight, ``scale`` (initialised to ones), shaped like the input on ``axis``.

    >>> import numpy as np
    >>> layer = RMSNormalization(axis=[1, 2])
    >>> layer(np.ones((2, 3, 4))).shape, [w.shape for w in layer.get_weights()]
    ((2, 3, 4), [(3, 4)])
    """

    supports_masking = True  # a mask passes through unchanged

    def __init__(self, axis=-1, epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        ok = (isinstance(axis, numbers.Integral) and not isinstance(axis, bool)) or (
            isinstance(axis, (list, tuple)) and len(axis) > 0 and all(
                isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis))
        if not ok:
            raise ArgumentError(
                f"RMSNormalization '{self.name}': axis must be an int or a list of ints, got "
                f"{axis!r}. Hint: axis=-1 normalizes the features of each sample."
            )
        self.axis = sorted(int(a) for a in axis) if isinstance(axis, (list, tuple)) \
            else int(axis)
        self.epsilon = _check_epsilon(self, epsilon)

    def build(self, input_shape):
        self._ndim = len(input_shape)
        self._axes = _normalize_axes(self, self.axis, self._ndim)
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ShapeError(
                f"RMSNormalization '{self.name}': the normalized axes {self.axis} of input shape "
                f"{tuple(input_shape)} need known sizes. Hint: give the model an input_shape "
                "with those axes set."
            )
        self._sizes = shape
        self.scale = self.add_weight(shape, "ones", name="scale")

    def call(self, inputs):
        if inputs.ndim != self._ndim or tuple(inputs.shape[a] for a in self._axes) != self._sizes:
            raise ShapeError(
                f"RMSNormalization '{self.name}': expected inputs of rank {self._ndim} with sizes "
                f"{self._sizes} on axes {self._axes}, got shape {tuple(inputs.shape)}. Hint: the "
                "layer was built for another input shape."
            )
        return rms_normalization(inputs, self.scale, axis=self._axes, epsilon=self.epsilon)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path."""
        if not self.built:
            return None
        return [(RMSNorm(axes=self._axes, epsilon=self.epsilon, with_scale=True),
                 [self.scale])]

    def compute_output_shape(self, input_shape):
        _normalize_axes(self, self.axis, len(input_shape))
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        # Keras writes the axes as a list once built (``[-1]``); either form loads
        config.update(axis=self.axis if isinstance(self.axis, list) else [self.axis],
                      epsilon=self.epsilon)
        return config
