"""Transposed convolutions in 1-D and 3-D: Conv1DTranspose and Conv3DTranspose, Keras's layers.

Conv1DTranspose runs the 2-D op (``ops.conv_transpose``) with a unit height axis, as Conv1D
runs the 2-D convolution; Conv3DTranspose runs the general N-d op (``ops/conv_nd.py``). Both
take Keras's arguments and checks: ``output_padding`` below the stride on every axis, and no
stride above 1 together with a dilation above 1. Kernels use Keras's layout,
(*kernel_size, filters, in_channels), so ``set_weights`` takes a Keras layer's weights.

>>> import numpy as np
>>> from shendu.layers import Conv1DTranspose, Conv3DTranspose
>>> Conv1DTranspose(4, 3, strides=2)(np.ones((2, 5, 3))).shape
(2, 11, 4)
>>> layer = Conv3DTranspose(2, 3)
>>> layer(np.ones((1, 2, 2, 2, 5))).shape
(1, 4, 4, 4, 2)
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 3, 2, 5), (2,)]
"""

from __future__ import annotations

from .. import ops
from ..errors import ArgumentError
from ..ops.activations import Activation as ActivationFn
from ..ops.activations import Kernel, Sigmoid, Softmax
from ..ops.activations import Linear as LinearKernel
from ..ops.conv import check_padding, output_length_transposed
from ..ops.conv_nd import (
    ConvTransposeND,
    conv_transpose_nd,
    output_padding_arg,
    transpose_nd_settings,
)
from .convolutional import _Conv
from .convolutional_3d import _VolumeInput, refuse_strides_with_dilation


class _ConvTranspose(_Conv):
    """Shared by the transposed convolutions: output_padding, the kernel layout
    (*kernel_size, filters, channels), the output shape and the config (no ``groups``)."""

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 output_padding=None, data_format: str | None = None, dilation_rate=1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        # padding is checked below, without 'causal' (which _Conv allows in 1-D)
        super().__init__(filters, kernel_size, strides, "valid", data_format, dilation_rate, 1,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        self.padding = check_padding(padding, where)
        self.output_padding = output_padding_arg(output_padding, self.rank, where)
        for axis, (op, s) in enumerate(zip(self.output_padding or (), self.strides)):
            if op >= s:
                raise ArgumentError(
                    f"{where}: output_padding must be smaller than strides on every axis, got "
                    f"output_padding={self.output_padding} with strides={self.strides} (axis "
                    f"{axis}: {op} >= {s}). Hint: output_padding=None lets the layer choose.")
        refuse_strides_with_dilation(self.strides, self.dilation_rate, where)

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return (*self.kernel_size, self.filters, channels)

    def compute_output_shape(self, input_shape):
        cf = self.data_format == "channels_first"
        spatial = input_shape[2:] if cf else input_shape[1:-1]
        pads = self.output_padding or (None,) * self.rank
        out = [None if n is None else output_length_transposed(n, k, s, d, self.padding, p)
               for n, k, s, d, p in zip(spatial, self.kernel_size, self.strides,
                                        self.dilation_rate, pads)]
        if cf:
            return (input_shape[0], self.filters, *out)
        return (input_shape[0], *out, self.filters)

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution over (batch, steps, channels): the gradient of Conv1D.

    Kernel (kernel_size, filters, channels), bias (filters,). It runs Conv2DTranspose's op on
    the steps as a (1, steps) image.

    >>> import numpy as np
    >>> Conv1DTranspose(2, 4, strides=2, padding="same")(np.ones((1, 6, 3))).shape
    (1, 12, 2)
    >>> Conv1DTranspose(2, 3, strides=2, output_padding=1)(np.ones((1, 4, 3))).shape
    (1, 10, 2)
    """

    rank = 1

    def _convolve(self, inputs, activation):
        cf = self.data_format == "channels_first"
        n = inputs.shape[0]
        # (N, L, C) as (N, 1, L, C) (channels_first: (N, C, 1, L)); kernel (k, F, C) as (1, k, F, C)
        x = ops.reshape(inputs, (n, inputs.shape[1], 1, inputs.shape[2]) if cf
                        else (n, 1, *inputs.shape[1:]))
        kernel = ops.reshape(self.kernel, (1, *self.kernel.shape))
        output_padding = None if self.output_padding is None else (0, *self.output_padding)
        y = ops.conv_transpose(x, kernel, (1, *self.strides), self.padding, output_padding,
                               self.data_format, (1, *self.dilation_rate), bias=self.bias,
                               activation=activation)
        return ops.reshape(y, (n, y.shape[1], y.shape[3]) if cf else (n, y.shape[2], y.shape[3]))

    def _conv_settings(self, act) -> None:
        return None  # reshapes around the 2-D op: the layer-by-layer path runs it


class Conv3DTranspose(_VolumeInput, _ConvTranspose):
    """Transposed 3-D convolution over volumes (the gradient of Conv3D).

    Kernel (kd, kh, kw, filters, channels), bias (filters,).

    >>> import numpy as np
    >>> Conv3DTranspose(4, 3, strides=2, padding="same")(np.ones((1, 2, 3, 4, 2))).shape
    (1, 4, 6, 8, 4)
    """

    rank = 3

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid",
                 data_format: str | None = None, output_padding=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)

    def _convolve(self, inputs, activation):
        return conv_transpose_nd(inputs, self.kernel, self.bias, self.strides, self.padding,
                                 self.output_padding, self.dilation_rate, self.data_format,
                                 activation)

    def chain_steps(self, training=False):
        """The ops of ``call`` for the Sequential fast path: one ConvTransposeND op (bias and
        activation fused), or that op + the activation op for sigmoid/softmax."""
        if not isinstance(self.activation, Kernel):
            return None
        split = isinstance(self.activation, (Sigmoid, Softmax))
        settings = transpose_nd_settings(3, self.strides, self.dilation_rate, self.padding,
                                         self.output_padding,
                                         LinearKernel() if split else self.activation,
                                         self.data_format == "channels_first",
                                         where=f"Conv3DTranspose '{self.name}'")
        steps = [(ConvTransposeND(**settings),
                  [self.kernel] + ([] if self.bias is None else [self.bias]))]
        if split:
            steps.append((ActivationFn(kernel=self.activation), []))
        return steps


Convolution1DTranspose, Convolution3DTranspose = Conv1DTranspose, Conv3DTranspose
