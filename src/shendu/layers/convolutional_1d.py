"""Depthwise and separable convolutions over sequences: DepthwiseConv1D and SeparableConv1D.

Both run the 2-D convolution op (``ops/conv.py``'s ``Conv``) with a unit height axis, as Conv1D
does: the depthwise step is one grouped Conv (one group per input channel) that reads the
kernel (k, C, multiplier) as (1, k, 1, C·multiplier). Output channel ``c·multiplier + m`` comes
from input channel ``c``, as in Keras, so ``set_weights`` takes a Keras layer's weights:

- DepthwiseConv1D: depthwise_kernel (k, C, multiplier), bias (C·multiplier,)
- SeparableConv1D: depthwise_kernel (k, C, multiplier), pointwise_kernel (1, C·multiplier,
  filters), bias (filters,)

>>> import numpy as np
>>> from shendu.layers import DepthwiseConv1D, SeparableConv1D
>>> layer = DepthwiseConv1D(3, depth_multiplier=2)
>>> layer(np.ones((2, 10, 4))).shape
(2, 8, 8)
>>> [w.shape for w in layer.get_weights()]
[(3, 4, 2), (8,)]
>>> SeparableConv1D(5, 3, padding="same")(np.ones((2, 10, 4))).shape
(2, 10, 5)
"""

from __future__ import annotations

from .. import constraints, initializers, ops, regularizers
from ..errors import ArgumentError
from ..ops.activations import Sigmoid, Softmax, get_kernel
from ..ops.conv import Conv, check_padding, conv_settings
from .convolutional import DepthwiseConv2D, SeparableConv2D, _Conv


def depth_multiplier_arg(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ArgumentError(f"{where}: depth_multiplier must be a positive integer, got "
                            f"{value!r}. Hint: depth_multiplier=1 gives one output channel per "
                            "input channel.")
    return value


def depthwise_settings_1d(kernel_shape, strides, dilation, padding, act, channels_first,
                          where) -> dict:
    """The settings of the :class:`~shendu.ops.conv.Conv` op of a 1-D depthwise convolution:
    C groups of one channel over a (k, 1, C·multiplier) view of the kernel."""
    k, c, m = kernel_shape
    settings = conv_settings(1, (k,), strides, dilation, padding, c, act, channels_first,
                             kernel_as=(k, 1, c * m))
    settings["where"] = where
    return settings


def depthwise_conv1d(x, kernel, bias, strides, padding, dilation, data_format, activation,
                     where):
    """act(depthwise(x, kernel) + bias) for (N, L, C) (or channels_first) inputs, one op."""
    act = get_kernel(activation)
    if isinstance(act, (Sigmoid, Softmax)):
        out = depthwise_conv1d(x, kernel, bias, strides, padding, dilation, data_format, None,
                               where)
        return ops.activation(out, act)
    settings = depthwise_settings_1d(tuple(kernel.shape), strides, dilation, padding, act,
                                     data_format == "channels_first", where)
    return Conv.apply(*((x, kernel) if bias is None else (x, kernel, bias)), **settings)


def _init_1d(layer, filters, kernel_size, strides, padding, data_format, dilation_rate,
             activation, use_bias, depthwise_initializer, bias_initializer,
             depthwise_regularizer, bias_regularizer, activity_regularizer,
             depthwise_constraint, bias_constraint, depth_multiplier, kwargs) -> None:
    """The arguments shared by the 1-D depthwise layers ('valid' or 'same' padding only)."""
    _Conv.__init__(layer, filters, kernel_size, strides, "valid", data_format, dilation_rate, 1,
                   activation, use_bias, depthwise_initializer, bias_initializer,
                   depthwise_regularizer, bias_regularizer, activity_regularizer,
                   depthwise_constraint, bias_constraint, **kwargs)
    where = f"{type(layer).__name__} '{layer.name}'"
    layer.padding = check_padding(padding, where)  # no 'causal', as in Keras
    layer.depth_multiplier = depth_multiplier_arg(depth_multiplier, where)


class DepthwiseConv1D(DepthwiseConv2D):
    """Each input channel convolved with its own ``depth_multiplier`` filters along the steps.

    Arguments as Keras's DepthwiseConv1D: ``kernel_size, strides=1, padding='valid'`` ('valid'
    or 'same'), ``depth_multiplier=1, data_format, dilation_rate=1, activation, use_bias``, and
    the depthwise/bias initializers, regularizers and constraints.

    >>> import numpy as np
    >>> DepthwiseConv1D(3, strides=2, padding="same")(np.ones((1, 9, 3))).shape
    (1, 5, 3)
    """

    rank = 1

    def __init__(self, kernel_size, strides=1, padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str | None = None, dilation_rate=1, activation=None,
                 use_bias: bool = True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 **kwargs):
        _init_1d(self, 1, kernel_size, strides, padding, data_format, dilation_rate,
                 activation, use_bias, depthwise_initializer, bias_initializer,
                 depthwise_regularizer, bias_regularizer, activity_regularizer,
                 depthwise_constraint, bias_constraint, depth_multiplier, kwargs)

    def _convolve(self, inputs, activation):
        return depthwise_conv1d(inputs, self.depthwise_kernel, self.bias, self.strides,
                                self.padding, self.dilation_rate, self.data_format, activation,
                                f"DepthwiseConv1D '{self.name}'")

    def _conv_settings(self, act) -> dict:
        return depthwise_settings_1d(self.depthwise_kernel.shape, self.strides,
                                     self.dilation_rate, self.padding, act,
                                     self.data_format == "channels_first",
                                     f"DepthwiseConv1D '{self.name}'")


class SeparableConv1D(SeparableConv2D):
    """A 1-D depthwise convolution followed by a pointwise (kernel size 1) one to ``filters``.

    Arguments as Keras's SeparableConv1D: ``filters, kernel_size, strides=1, padding='valid'``
    ('valid' or 'same'), ``data_format, dilation_rate=1, depth_multiplier=1, activation,
    use_bias``, and the depthwise/pointwise/bias initializers, regularizers and constraints.

    >>> import numpy as np
    >>> layer = SeparableConv1D(6, 3, depth_multiplier=2)
    >>> layer(np.ones((1, 8, 4))).shape
    (1, 6, 6)
    >>> [w.shape for w in layer.get_weights()]
    [(3, 4, 2), (1, 8, 6), (6,)]
    """

    rank = 1

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, depth_multiplier: int = 1,
                 activation=None, use_bias: bool = True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        _init_1d(self, filters, kernel_size, strides, padding, data_format, dilation_rate,
                 activation, use_bias, depthwise_initializer, bias_initializer,
                 depthwise_regularizer, bias_regularizer, activity_regularizer,
                 depthwise_constraint, bias_constraint, depth_multiplier, kwargs)
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
            (1, c * m, self.filters), self.pointwise_initializer, name="pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _convolve(self, inputs, activation):
        depthwise = depthwise_conv1d(inputs, self.depthwise_kernel, None, self.strides,
                                     self.padding, self.dilation_rate, self.data_format, None,
                                     f"SeparableConv1D '{self.name}'")
        return ops.conv(depthwise, self.pointwise_kernel, data_format=self.data_format,
                        bias=self.bias, groups=1, activation=activation)


SeparableConvolution1D = SeparableConv1D
