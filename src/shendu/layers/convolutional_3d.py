"""Conv3D: convolution over volumes (batch, depth, rows, cols, channels), Keras's layer.

It shares its arguments, weights and checks with Conv1D/Conv2D (``convolutional._Conv``) and
runs the general N-d op (``ops/conv_nd.py``). Weights use Keras's layout, so ``set_weights``
takes a Keras layer's ``get_weights()``: kernel (kd, kh, kw, in_channels / groups, filters) and
bias (filters,).

>>> import numpy as np
>>> from shendu.layers import Conv3D
>>> layer = Conv3D(4, 3, activation="relu")
>>> layer(np.ones((2, 6, 6, 6, 1))).shape
(2, 4, 4, 4, 4)
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 3, 1, 4), (4,)]
"""

from __future__ import annotations

from ..errors import ArgumentError, ShapeError
from ..ops.activations import Activation as ActivationFn
from ..ops.activations import Kernel, Sigmoid, Softmax
from ..ops.activations import Linear as LinearKernel
from ..ops.conv_nd import ConvND, conv_nd, conv_nd_settings
from .convolutional import _Conv


def refuse_strides_with_dilation(strides, dilation_rate, where: str) -> None:
    """Keras refuses a stride above 1 together with a dilation above 1 (on any axes)."""
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ArgumentError(
            f"{where}: strides > 1 cannot be combined with dilation_rate > 1, got "
            f"strides={tuple(strides)} and dilation_rate={tuple(dilation_rate)}. Hint: keep "
            "one of them at 1 (Keras refuses this combination too)."
        )


class _VolumeInput:
    """Mixin for the 3-D layers: a wrong-rank input gets a hint about volumes."""

    def _channels(self, input_shape) -> int:
        c = input_shape[1] if self.data_format == "channels_first" else input_shape[-1]
        if len(input_shape) != self.rank + 2 or c is None:
            layout = ("(batch, channels, depth, rows, cols)" if self.data_format ==
                      "channels_first" else "(batch, depth, rows, cols, channels)")
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected a 5-D input {layout} with a "
                f"known channel axis, got shape {tuple(input_shape)}. Hint: add the channel "
                "axis with x[..., None]; images (4-D) go to Conv2D."
            )
        return int(c)


class Conv3D(_VolumeInput, _Conv):
    """3-D convolution over volumes, ``activation(conv(x, kernel) + bias)`` as one op.

    Arguments as Keras's Conv3D: ``filters, kernel_size, strides=(1, 1, 1), padding='valid'``
    ('valid' or 'same'), ``data_format, dilation_rate=(1, 1, 1), groups=1, activation,
    use_bias`` and the kernel/bias initializers, regularizers and constraints.

    >>> import numpy as np
    >>> Conv3D(6, (3, 3, 2), strides=2, padding="same")(np.ones((1, 5, 7, 7, 3))).shape
    (1, 3, 4, 4, 6)
    >>> Conv3D(4, 3, groups=2, data_format="channels_first")(np.ones((1, 4, 5, 5, 5))).shape
    (1, 4, 3, 3, 3)
    """

    rank = 3

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate=(1, 1, 1), groups: int = 1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)
        refuse_strides_with_dilation(self.strides, self.dilation_rate,
                                     f"Conv3D '{self.name}'")

    def _convolve(self, inputs, activation):
        return conv_nd(inputs, self.kernel, self.bias, self.strides, self.padding,
                       self.dilation_rate, self.groups, self.data_format, activation)

    def _conv_settings(self, act) -> dict:
        return conv_nd_settings(3, self.strides, self.dilation_rate, self.padding, self.groups,
                                act, self.data_format == "channels_first",
                                where=f"Conv3D '{self.name}'")

    def chain_steps(self, training=False):
        """The ops of ``call`` for the Sequential fast path: one ConvND op (bias and
        activation fused), or ConvND + the activation op for sigmoid/softmax."""
        if not isinstance(self.activation, Kernel):
            return None
        split = isinstance(self.activation, (Sigmoid, Softmax))
        steps = [(ConvND(**self._conv_settings(LinearKernel() if split else self.activation)),
                  [self.kernel] + ([] if self.bias is None else [self.bias]))]
        if split:
            steps.append((ActivationFn(kernel=self.activation), []))
        return steps


Convolution3D = Conv3D
