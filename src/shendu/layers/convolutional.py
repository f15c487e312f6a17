"""Convolution layers: Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose.

Weights use Keras's layout, so ``set_weights`` takes a Keras layer's ``get_weights()``:
Conv2D kernel (kh, kw, in_channels / groups, filters) and bias (filters,).

>>> import numpy as np
>>> from shendu.layers import Conv2D
>>> layer = Conv2D(8, 3, activation="relu")
>>> layer(np.ones((2, 28, 28, 1))).shape
(2, 26, 26, 8)
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 1, 8), (8,)]
"""

from __future__ import annotations

from .. import activations, backend, constraints, initializers, ops, regularizers
from ..errors import ArgumentError, ShapeError
from ..ops.activations import Activation as ActivationFn
from ..ops.activations import Kernel, Sigmoid, Softmax
from ..ops.activations import Linear as LinearKernel
from ..ops.conv import (
    Conv,
    as_tuple,
    check_padding,
    conv_settings,
    depthwise_settings,
    output_length_transposed,
    padding_amounts,
)
from .base import STANDARD_WEIGHT_OPTIONS, Layer

_FORMATS = ("channels_last", "channels_first")


def data_format_arg(value, where: str) -> str:
    """A layer's ``data_format``: None means :func:`shendu.config.image_data_format`."""
    value = backend.image_data_format() if value is None else value
    if value not in _FORMATS:
        raise ArgumentError(
            f"{where}: data_format must be 'channels_last' or 'channels_first', got {value!r}. "
            "Hint: channels_last means (batch, rows, cols, channels)."
        )
    return value


def conv_output_shape(input_shape, rank, data_format, kernel, strides, dilation, padding, where):
    """Analytic output shape of a convolution or pooling, keeping None dims unknown."""
    cf = data_format == "channels_first"
    spatial = input_shape[2:] if cf else input_shape[1:-1]
    out = []
    for size, k, s, d in zip(spatial, kernel, strides, dilation):
        out.append(None if size is None else padding_amounts(size, k, s, d, padding, where)[2])
    return (input_shape[0], *out)


class _Conv(Layer):
    """Shared arguments and weights of the convolution layers (``rank`` spatial axes)."""

    rank = 2

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, groups: int = 1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ArgumentError(f"{where}: filters must be a positive integer, got {filters!r}. "
                                f"Hint: {type(self).__name__}(32, 3) for 32 filters of size "
                                "3.")
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0 \
                or filters % groups:
            raise ArgumentError(f"{where}: groups must be a positive divisor of filters "
                                f"({filters}), got {groups!r}. Hint: groups=1 is a plain conv.")
        self.filters, self.groups = filters, groups
        self.kernel_size = as_tuple(kernel_size, self.rank, "kernel_size", where)
        self.strides = as_tuple(strides, self.rank, "strides", where)
        self.dilation_rate = as_tuple(dilation_rate, self.rank, "dilation_rate", where)
        self.padding = check_padding(padding, where, allow_causal=self.rank == 1)
        self.data_format = data_format_arg(data_format, where)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self._set_weight_options(
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)

    def _channels(self, input_shape) -> int:
        c = input_shape[1] if self.data_format == "channels_first" else input_shape[-1]
        if c is None or len(input_shape) != self.rank + 2:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected a {self.rank + 2}-D input with a "
                f"known channel axis, got shape {tuple(input_shape)}. Hint: images are "
                "(batch, rows, cols, channels); add the channel axis with x[..., None]."
            )
        return int(c)

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        if channels % self.groups:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': {channels} input channels are not "
                f"divisible by groups={self.groups}. Hint: choose groups dividing both."
            )
        return (*self.kernel_size, channels // self.groups, self.filters)

    def build(self, input_shape):
        self.input_channels = self._channels(input_shape)
        self.kernel = self.add_weight(self._kernel_shape(self.input_channels),
                                      self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _convolve(self, inputs, activation):
        return ops.conv(inputs, self.kernel, self.strides, self.padding, self.data_format,
                        self.dilation_rate, bias=self.bias, groups=self.groups,
                        activation=activation)

    def call(self, inputs):
        if self._channels(inputs.shape) != self.input_channels:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': built for {self.input_channels} input "
                f"channels, got shape {tuple(inputs.shape)}. Hint: check data_format."
            )
        self.compute_output_shape(tuple(inputs.shape))  # an input smaller than the window: named
        fused = isinstance(self.activation, Kernel)
        out = self._convolve(inputs, self.activation if fused else None)
        if not fused:
            out = self.activation(out)
        return out

    def _out_channels(self) -> int:
        return self.filters

    def _conv_settings(self, act) -> dict | None:
        """The :class:`~shendu.ops.conv.Conv` settings of ``call`` (None: not one op)."""
        return conv_settings(self.rank, self.kernel_size, self.strides, self.dilation_rate,
                             self.padding, self.groups, act,
                             self.data_format == "channels_first")

    def _conv_weights(self):
        return [self.kernel]

    def chain_steps(self, training=False):
        """The ops of ``call`` as (Function, weights) pairs, for the Sequential fast path: one
        Conv op (bias and activation fused), or Conv + the activation op for sigmoid/softmax."""
        if not isinstance(self.activation, Kernel):
            return None
        split = isinstance(self.activation, (Sigmoid, Softmax))
        settings = self._conv_settings(LinearKernel() if split else self.activation)
        if settings is None:
            return None
        weights = self._conv_weights() + ([] if self.bias is None else [self.bias])
        steps = [(Conv(**settings), weights)]
        if split:
            steps.append((ActivationFn(kernel=self.activation), []))
        return steps

    def compute_output_shape(self, input_shape):
        where = f"{type(self).__name__} '{self.name}'"
        shape = conv_output_shape(input_shape, self.rank, self.data_format, self.kernel_size,
                                  self.strides, self.dilation_rate, self.padding, where)
        if self.data_format == "channels_first":
            return (shape[0], self._out_channels(), *shape[1:])
        return (*shape, self._out_channels())

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
            padding=self.padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate, groups=self.groups,
            activation=activations.serialize(self.activation), use_bias=self.use_bias,
            **self._weight_options_config(*STANDARD_WEIGHT_OPTIONS),
        )
        return config


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels); ``padding`` may also be 'causal'.

    >>> import numpy as np
    >>> Conv1D(4, 3, padding="causal")(np.ones((2, 10, 3))).shape
    (2, 10, 4)
    """

    rank = 1


class Conv2D(_Conv):
    """2-D convolution over images, ``activation(conv(x, kernel) + bias)`` as one fused op.

    >>> import numpy as np
    >>> Conv2D(6, (3, 3), strides=2, padding="same")(np.ones((1, 7, 7, 3))).shape
    (1, 4, 4, 6)
    """

    rank = 2


class DepthwiseConv2D(_Conv):
    """Each input channel convolved with its own ``depth_multiplier`` filters.

    Weights: depthwise_kernel (kh, kw, channels, depth_multiplier), bias (channels·multiplier,).

    >>> import numpy as np
    >>> DepthwiseConv2D(3, depth_multiplier=2)(np.ones((1, 5, 5, 4))).shape
    (1, 3, 3, 8)
    """

    def __init__(self, kernel_size, strides=1, padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str | None = None, dilation_rate=1, activation=None,
                 use_bias: bool = True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(1, kernel_size, strides, padding, data_format, dilation_rate, 1,
                         activation, use_bias, depthwise_initializer, bias_initializer,
                         depthwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, bias_constraint, **kwargs)
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ArgumentError(f"DepthwiseConv2D '{self.name}': depth_multiplier must be a "
                                f"positive integer, got {depth_multiplier!r}. Hint: "
                                "depth_multiplier=1 gives one output channel per input channel.")
        self.depth_multiplier = depth_multiplier

    def build(self, input_shape):
        self.input_channels = c = self._channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            (*self.kernel_size, c, self.depth_multiplier), self.kernel_initializer,
            name="depthwise_kernel", regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((c * self.depth_multiplier,), self.bias_initializer,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _convolve(self, inputs, activation):
        return ops.depthwise_conv(inputs, self.depthwise_kernel, self.strides, self.padding,
                                  self.data_format, self.dilation_rate, bias=self.bias,
                                  activation=activation)

    def _out_channels(self) -> int:
        return self.input_channels * self.depth_multiplier

    def _conv_settings(self, act) -> dict:
        return depthwise_settings(self.depthwise_kernel.shape, self.strides, self.dilation_rate,
                                  self.padding, act, self.data_format == "channels_first")

    def _conv_weights(self):
        return [self.depthwise_kernel]

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "groups"):
            config.pop(key)
        for part in ("initializer", "regularizer", "constraint"):
            config[f"depthwise_{part}"] = config.pop(f"kernel_{part}")
        config["depth_multiplier"] = self.depth_multiplier
        return config


class SeparableConv2D(_Conv):
    """A depthwise convolution followed by a 1×1 (pointwise) convolution to ``filters``.

    Weights: depthwise_kernel (kh, kw, C, multiplier), pointwise_kernel (1, 1, C·multiplier,
    filters), bias (filters,).

    >>> import numpy as np
    >>> SeparableConv2D(6, 3, padding="same")(np.ones((1, 5, 5, 4))).shape
    (1, 5, 5, 6)
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, depth_multiplier: int = 1,
                 activation=None, use_bias: bool = True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, 1,
                         activation, use_bias, depthwise_initializer, bias_initializer,
                         depthwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, bias_constraint, **kwargs)
        if not isinstance(depth_multiplier, int) or isinstance(depth_multiplier, bool) \
                or depth_multiplier <= 0:
            raise ArgumentError(f"SeparableConv2D '{self.name}': depth_multiplier must be a "
                                f"positive integer, got {depth_multiplier!r}. Hint: "
                                "depth_multiplier=1 gives one depthwise channel per input channel.")
        self.depth_multiplier = depth_multiplier
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        self.input_channels = c = self._channels(input_shape)
        m = self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            (*self.kernel_size, c, m), self.kernel_initializer, name="depthwise_kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            (1, 1, c * m, self.filters), self.pointwise_initializer, name="pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _convolve(self, inputs, activation):
        depthwise = ops.depthwise_conv(inputs, self.depthwise_kernel, self.strides,
                                       self.padding, self.data_format, self.dilation_rate)
        return ops.conv(depthwise, self.pointwise_kernel, data_format=self.data_format,
                        bias=self.bias, groups=1, activation=activation)

    def _conv_settings(self, act) -> None:
        return None  # not one Conv op: the layer-by-layer path runs it

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        for part in ("initializer", "regularizer", "constraint"):
            config[f"depthwise_{part}"] = config.pop(f"kernel_{part}")
        config.update(
            depth_multiplier=self.depth_multiplier,
            pointwise_initializer=initializers.serialize(self.pointwise_initializer),
            pointwise_regularizer=regularizers.serialize(self.pointwise_regularizer),
            pointwise_constraint=constraints.serialize(self.pointwise_constraint),
        )
        return config


class Conv2DTranspose(_Conv):
    """Transposed 2-D convolution (the gradient of Conv2D), kernel (kh, kw, filters, channels).

    >>> import numpy as np
    >>> Conv2DTranspose(4, 3, strides=2, padding="same")(np.ones((1, 5, 5, 2))).shape
    (1, 10, 10, 4)
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 output_padding=None, data_format: str | None = None, dilation_rate=1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, 1,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)
        if output_padding is not None:
            output_padding = (output_padding,) * 2 if isinstance(output_padding, int) else tuple(
                output_padding)
        self.output_padding = output_padding

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return (*self.kernel_size, self.filters, channels)

    def _convolve(self, inputs, activation):
        return ops.conv_transpose(inputs, self.kernel, self.strides, self.padding,
                                  self.output_padding, self.data_format, self.dilation_rate,
                                  bias=self.bias, activation=activation)

    def compute_output_shape(self, input_shape):
        cf = self.data_format == "channels_first"
        spatial = input_shape[2:] if cf else input_shape[1:-1]
        pads = self.output_padding or (None, None)
        out = [None if n is None else output_length_transposed(n, k, s, d, self.padding, p)
               for n, k, s, d, p in zip(spatial, self.kernel_size, self.strides,
                                        self.dilation_rate, pads)]
        if cf:
            return (input_shape[0], self.filters, *out)
        return (input_shape[0], *out, self.filters)

    def _conv_settings(self, act) -> None:
        return None  # not one Conv op: the layer-by-layer path runs it

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


Convolution1D, Convolution2D = Conv1D, Conv2D  # Keras's aliases
Convolution2DTranspose, SeparableConvolution2D = Conv2DTranspose, SeparableConv2D
