"""Layers that move values without changing them: Flatten, Reshape, Permute, RepeatVector.

>>> import numpy as np
>>> from shendu.layers import Flatten, Permute, RepeatVector, Reshape
>>> x = np.zeros((2, 3, 4))
>>> Flatten()(x).shape, Reshape((4, 3))(x).shape, Permute((2, 1))(x).shape
((2, 12), (2, 4, 3), (2, 4, 3))
>>> RepeatVector(5)(np.zeros((2, 3))).shape
(2, 5, 3)
"""

from __future__ import annotations

import math

from .. import ops
from ..backend import image_data_format
from ..errors import ArgumentError, ShapeError
from ..ops.shape import Reshape as ReshapeFn
from ..ops.shape import Transpose as TransposeFn
from .base import Layer


def _known_size(shape) -> int | None:
    return None if any(d is None for d in shape) else math.prod(shape)


class Flatten(Layer):
    """Flattens every axis but the batch axis: (batch, d1, d2, ...) → (batch, d1·d2·...).

    With ``data_format="channels_first"`` the channels axis is moved last before flattening,
    as Keras does, so the order of features matches a channels-last model.

    >>> import numpy as np
    >>> Flatten()(np.arange(6.0).reshape(1, 2, 3)).data
    array([[0., 1., 2., 3., 4., 5.]], dtype=float32)
    """

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        data_format = data_format or image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ArgumentError(
                f"Flatten '{self.name}': data_format must be 'channels_last' or "
                f"'channels_first', got {data_format!r}. Hint: channels_last means (batch, rows, "
                "cols, channels)."
            )
        self.data_format = data_format

    def _axes(self, ndim):
        if self.data_format == "channels_first" and ndim > 2:
            return (0,) + tuple(range(2, ndim)) + (1,)
        return None

    def call(self, inputs):
        if inputs.ndim == 0:
            raise ShapeError(
                f"Flatten '{self.name}': expected inputs with a batch axis, got a scalar. Hint: "
                "pass an array of shape (batch, ...)."
            )
        axes = self._axes(inputs.ndim)
        if axes is not None:
            inputs = ops.transpose(inputs, axes)
        return ops.reshape(inputs, (inputs.shape[0], math.prod(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], _known_size(input_shape[1:]))

    def chain_steps(self, training=False):
        """The ops of ``call`` for the Sequential fast path (needs a built input shape)."""
        if self._build_shape is None or _known_size(self._build_shape[1:]) is None:
            return None
        steps = []
        axes = self._axes(len(self._build_shape))
        if axes is not None:
            steps.append((TransposeFn(axes=axes), []))
        steps.append((ReshapeFn(shape=(-1, _known_size(self._build_shape[1:]))), []))
        return steps

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes the axes after the batch axis to ``target_shape`` (one entry may be -1).

    >>> import numpy as np
    >>> Reshape((-1, 2))(np.zeros((3, 8))).shape
    (3, 4, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            target = None
        if target is None or sum(d == -1 for d in target) > 1 or any(
                d == 0 or d < -1 for d in target):
            raise ArgumentError(
                f"Reshape '{self.name}': target_shape must be a tuple of positive integers with "
                f"at most one -1, got {target_shape!r}. Hint: Reshape((4, 3)) or Reshape((-1, 3))."
            )
        self.target_shape = target

    def _resolve(self, input_shape) -> tuple:
        size = _known_size(input_shape[1:])
        target = self.target_shape
        if size is None:
            return target
        known = math.prod(d for d in target if d != -1)
        if -1 in target and size % known == 0:
            return tuple(size // known if d == -1 else d for d in target)
        if -1 not in target and known == size:
            return target
        raise ShapeError(
            f"Reshape '{self.name}': cannot reshape inputs of shape {tuple(input_shape)} "
            f"({size} values per sample) to target_shape {target}. Hint: the product of "
            "target_shape must equal the number of values per sample."
        )

    def build(self, input_shape):
        self._resolved = self._resolve(input_shape)

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        resolved = self._resolve(input_shape)
        return (input_shape[0],) + tuple(None if d == -1 else d for d in resolved)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path."""
        resolved = getattr(self, "_resolved", None)
        if resolved is None or -1 in resolved:
            return None
        return [(ReshapeFn(shape=(-1,) + resolved), [])]

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    """Permutes the axes after the batch axis; ``dims`` counts them from 1, as Keras does.

    >>> import numpy as np
    >>> Permute((2, 1))(np.arange(6.0).reshape(1, 2, 3)).shape
    (1, 3, 2)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            dims = None
        if dims is None or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ArgumentError(
                f"Permute '{self.name}': dims must be a permutation of 1..n (the batch axis is "
                f"0 and stays first), got {dims!r}. Hint: Permute((2, 1)) swaps two axes."
            )
        self.dims = dims

    def _check(self, ndim):
        if ndim != len(self.dims) + 1:
            raise ShapeError(
                f"Permute '{self.name}': dims {self.dims} need inputs with {len(self.dims) + 1} "
                f"axes (batch included), got {ndim}. Hint: give one entry per non-batch axis."
            )

    def build(self, input_shape):
        self._check(len(input_shape))

    def call(self, inputs):
        self._check(inputs.ndim)
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        self._check(len(input_shape))
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path."""
        return [(TransposeFn(axes=(0,) + self.dims), [])]

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """Repeats a (batch, features) input ``n`` times: (batch, n, features).

    >>> import numpy as np
    >>> RepeatVector(2)(np.array([[1.0, 2.0]])).data
    array([[[1., 2.],
            [1., 2.]]], dtype=float32)
    """

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ArgumentError(
                f"RepeatVector '{self.name}': n must be a positive integer, got {n!r}. "
                "Hint: RepeatVector(3) repeats each sample 3 times."
            )
        self.n = n

    def _check(self, shape):
        if len(shape) != 2:
            raise ShapeError(
                f"RepeatVector '{self.name}': expected inputs of shape (batch, features), got "
                f"{tuple(shape)}. Hint: Flatten() first, or use Reshape for other layouts."
            )

    def build(self, input_shape):
        self._check(input_shape)

    def call(self, inputs):
        self._check(inputs.shape)
        batch, features = inputs.shape
        return ops.broadcast_to(ops.expand_dims(inputs, 1), (batch, self.n, features))

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
