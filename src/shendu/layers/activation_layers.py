"""Activation layers: LeakyReLU, ELU, ReLU, PReLU and Softmax, with Keras's arguments and defaults.

Each one runs a kernel of :mod:`shendu.ops.activations` as one op (PReLU its own op with a
learned ``alpha``), and hands that op to the Sequential fast path.

>>> import numpy as np
>>> from shendu.layers import LeakyReLU, ReLU
>>> LeakyReLU()(np.array([[-10.0, 5.0]])).data
array([[-3.,  5.]], dtype=float32)
>>> ReLU(max_value=6.0)(np.array([[-1.0, 8.0]])).data
array([[0., 6.]], dtype=float32)
"""

from __future__ import annotations

import warnings

from .. import constraints, initializers, ops, regularizers
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from ..ops import activations as kernels
from ..ops.activations import Activation as ActivationFn
from ..ops.activations import PReLU as PReLUFn
from ..ops.activations import prelu
from .base import Layer


def _non_negative(layer: Layer, arg: str, value, allow_none: bool = False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ArgumentError(
            f"{type(layer).__name__} '{layer.name}': {arg} must be a number >= 0, got "
            f"{value!r}. Hint: e.g. {arg}=0.1" + (" (or None for no limit)." if allow_none
                                                   else ".")
        )
    return value


class _KernelLayer(Layer):
    """A layer that applies one activation kernel, elementwise or along an axis."""

    _kernel: kernels.Kernel

    def call(self, inputs):
        return ops.activation(inputs, self._kernel)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def chain_steps(self, training=False):
        """The op of ``call`` as a (Function, weights) pair, for the Sequential fast path."""
        return [(ActivationFn(kernel=self._kernel), [])]


class LeakyReLU(_KernelLayer):
    """``x`` for x >= 0, ``negative_slope·x`` otherwise (Keras default ``negative_slope=0.3``).

    >>> import numpy as np
    >>> LeakyReLU(negative_slope=0.5)(np.array([[-10.0, -5.0, 0.0, 5.0]])).data
    array([[-5. , -2.5,  0. ,  5. ]], dtype=float32)
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated. Use `negative_slope`.",
                          DeprecationWarning, stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = _non_negative(self, "negative_slope", negative_slope)
        self._kernel = kernels.LeakyReLU(negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class ELU(_KernelLayer):
    """``x`` for x > 0, ``alpha·(eˣ - 1)`` otherwise (Keras default ``alpha=1.0``).

    >>> import numpy as np
    >>> ELU(alpha=2.0)(np.array([[0.0, 3.0]])).data
    array([[0., 3.]], dtype=float32)
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise ArgumentError(f"ELU '{self.name}': alpha must be a number, got {alpha!r}. "
                                "Hint: ELU(alpha=1.0).")
        self.alpha = alpha
        self._kernel = kernels.ELU(alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class ReLU(_KernelLayer):
    """Keras's ReLU layer: ``max_value`` caps the output, ``threshold`` is where it starts,
    ``negative_slope`` is the slope below it (all >= 0).

    >>> import numpy as np
    >>> ReLU(max_value=10, negative_slope=0.5)(np.array([[-10.0, -5.0, 0.0, 5.0, 20.0]])).data
    array([[-5. , -2.5,  0. ,  5. , 10. ]], dtype=float32)
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative(self, "max_value", max_value, allow_none=True)
        self.negative_slope = _non_negative(self, "negative_slope", negative_slope)
        self.threshold = _non_negative(self, "threshold", threshold)
        self._kernel = kernels.ReLU(negative_slope, max_value, threshold)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


class Softmax(_KernelLayer):
    """Softmax along ``axis`` (an int or a list of ints); an optional ``mask`` (1 keep, 0 drop)
    pushes dropped entries to probability 0.

    >>> import numpy as np
    >>> Softmax()(np.array([[1.0, 2.0, 1.0]])).data.round(4)
    array([[0.2119, 0.5761, 0.2119]], dtype=float32)
    """

    def __init__(self, axis: int | list[int] = -1, **kwargs):
        super().__init__(**kwargs)
        ints = axis if isinstance(axis, (list, tuple)) else [axis]
        if not ints or any(isinstance(a, bool) or not isinstance(a, int) for a in ints):
            raise ArgumentError(f"Softmax '{self.name}': axis must be an integer or a list of "
                                f"integers, got {axis!r}. Hint: axis=-1 (the last axis).")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self._kernel = kernels.Softmax(axis)
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            xp = get_array_module(inputs.data)
            big = -3e4 if inputs.dtype == xp.float16 else -1e9
            # masked entries get a large negative logit, so e^z ≈ 0 there
            adder = (1.0 - xp.asarray(mask, dtype=inputs.dtype)) * big
            inputs = ops.add(inputs, adder.astype(inputs.dtype))
        return ops.activation(inputs, self._kernel)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class PReLU(Layer):
    """``x`` for x >= 0, ``alpha·x`` otherwise, with ``alpha`` a learned weight of the input's
    shape (batch axis excluded); ``shared_axes`` share one alpha along those axes.

    >>> import numpy as np
    >>> layer = PReLU(alpha_initializer="ones", shared_axes=[1])
    >>> layer(np.zeros((2, 3, 4))).shape, layer.get_weights()[0].shape
    ((2, 3, 4), (1, 4))
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if any(isinstance(a, bool) or not isinstance(a, int) or a < 1 for a in axes):
                raise ArgumentError(
                    f"PReLU '{self.name}': shared_axes must be input axes >= 1 (axis 0 is the "
                    f"batch), got {shared_axes!r}. Hint: shared_axes=[1, 2] shares alpha over "
                    "height and width of (batch, height, width, channels) inputs."
                )
            self.shared_axes = axes

    def build(self, input_shape):
        rank = len(input_shape)
        shared = self.shared_axes or []
        if any(a >= rank for a in shared):
            raise ArgumentError(
                f"PReLU '{self.name}': shared_axes {shared} do not fit inputs of rank {rank} "
                f"(shape {tuple(input_shape)}). Hint: use axes between 1 and {rank - 1}."
            )
        shape = [1 if i in shared else d for i, d in enumerate(input_shape) if i > 0]
        if any(d is None for d in shape):
            raise ShapeError(
                f"PReLU '{self.name}': every non-shared axis needs a known size, got input "
                f"shape {tuple(input_shape)}. Hint: share the axes of unknown size with "
                "shared_axes=[...]."
            )
        self.alpha = self.add_weight(tuple(shape), self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)

    def call(self, inputs):
        expected = self.alpha.shape
        got = tuple(inputs.shape[1:])
        if len(got) != len(expected) or any(a != 1 and a != d for a, d in zip(expected, got)):
            raise ShapeError(
                f"PReLU '{self.name}': alpha of shape {expected} was built for inputs of shape "
                f"(batch, {', '.join(map(str, expected))}) up to shared axes, got "
                f"{tuple(inputs.shape)}. Hint: a built layer keeps its input shape."
            )
        return prelu(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def chain_steps(self, training=False):
        """The op of ``call`` with its weight, for the Sequential fast path."""
        return [(PReLUFn(), [self.alpha])]

    def get_config(self):
        config = super().get_config()
        config.update(
            alpha_initializer=initializers.serialize(self.alpha_initializer),
            alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
            alpha_constraint=constraints.serialize(self.alpha_constraint),
            shared_axes=self.shared_axes,
        )
        return config
