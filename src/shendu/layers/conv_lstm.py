"""Convolutional LSTMs (Shi et al., 2015): ConvLSTM1D, ConvLSTM2D and ConvLSTM3D, as in Keras 3.

An LSTM whose products are convolutions: over a sequence of images (or signals, or volumes)
each gate is ``z = conv(x_t, W) + conv(h_{t-1}, U) + b``, with the input convolution taking the
layer's strides, padding and dilation and the recurrent one stride 1 and 'same' padding, so the
state keeps the output's spatial shape. Gates in Keras's order i, f, c, o:

    c_t = f ⊙ c_{t-1} + i ⊙ act(z_c),   h_t = o ⊙ act(c_t),   i, f, o = rec_act(z)

The input convolution of every step runs as ONE convolution over batch × time; the steps then
compose existing ops (the recurrent convolution, slices, activations), so the backward through
time comes from autograd. Weights are Keras's: ``kernel`` (*kernel_size, channels, 4·filters),
``recurrent_kernel`` (*kernel_size, filters, 4·filters), ``bias`` (4·filters).

>>> import numpy as np
>>> from shendu.layers import ConvLSTM2D
>>> layer = ConvLSTM2D(4, 3, padding="same", return_sequences=True)
>>> layer(np.zeros((2, 5, 8, 8, 1))).shape  # (batch, time, rows, cols, channels)
(2, 5, 8, 8, 4)
"""

from __future__ import annotations

from .. import activations, ops, regularizers
from ..backend import make_rng
from ..errors import ArgumentError, ShapeError
from ..ops.conv import as_tuple, check_padding
from .base import Layer
from .convolutional import conv_output_shape, data_format_arg
from .recurrent import (
    _rate,
    forget_gate_open,
    gate_options_config,
    set_gate_options,
    set_sequence_options,
)


def _conv(x, kernel, rank, **kwargs):
    if rank == 3:
        from ..ops.conv_nd import conv_nd

        return conv_nd(x, kernel, **kwargs)
    return ops.conv(x, kernel, **kwargs)


class _ConvLSTM(Layer):
    """What ConvLSTM1D, 2D and 3D share (``rank`` spatial axes)."""

    rank = 2

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias: bool = True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        set_gate_options(self, filters, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint)
        self.filters = self.units
        set_sequence_options(self, return_sequences, return_state, go_backwards, stateful,
                             False, False)
        self.kernel_size = as_tuple(kernel_size, self.rank, "kernel_size", where)
        self.strides = as_tuple(strides, self.rank, "strides", where)
        self.dilation_rate = as_tuple(dilation_rate, self.rank, "dilation_rate", where)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ArgumentError(f"{where}: strides > 1 cannot be combined with dilation_rate "
                                f"> 1, got strides={self.strides} and dilation_rate="
                                f"{self.dilation_rate}. Hint: keep one of them at 1.")
        self.padding = check_padding(padding, where)
        self.data_format = data_format_arg(data_format, where)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.dropout = _rate(self, "dropout", dropout)
        self.recurrent_dropout = _rate(self, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._rng = None if seed is None else make_rng(seed)

    @property
    def _where(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _check_shape(self, shape) -> None:
        if len(shape) != self.rank + 3:
            raise ShapeError(
                f"{self._where}: expected inputs of rank {self.rank + 3} (batch, time, "
                f"{'spatial, ' * self.rank}channels), got shape {tuple(shape)}. Hint: a "
                "sequence of images is (batch, time, rows, cols, channels).")

    def build(self, input_shape):
        self._check_shape(input_shape)
        channels = input_shape[2] if self.data_format == "channels_first" else input_shape[-1]
        self.input_channels = channels
        g = 4 * self.filters
        self.kernel = self.add_weight((*self.kernel_size, channels, g), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            (*self.kernel_size, self.filters, g), self.recurrent_initializer,
            name="recurrent_kernel", regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                def init(shape, dtype=None, _base=self.bias_initializer, _u=self.filters):
                    return forget_gate_open(_base, _u, dtype)
            self.bias = self.add_weight((g,), init, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    # -- forward -------------------------------------------------------------------------------
    def call(self, inputs, initial_state=None, training=False):
        self._check_shape(inputs.shape)
        x = inputs
        if self.data_format == "channels_first":  # (B, T, C, *S) → (B, T, *S, C) inside
            x = ops.transpose(x, (0, 1, *range(3, 3 + self.rank), 2))
        if x.shape[-1] != self.input_channels:
            raise ShapeError(f"{self._where}: expected {self.input_channels} channels, got "
                             f"{x.shape[-1]} (input shape {tuple(inputs.shape)}). Hint: the "
                             "layer was built for another number of channels.")
        batch, steps = x.shape[0], x.shape[1]
        if training and self.dropout > 0:  # one mask for the whole sequence, as Keras
            x = x * self._mask((batch, 1, *x.shape[2:]), self.dropout)
        # every step's input convolution (and the bias) at once, over batch × time
        flat = ops.reshape(x, (batch * steps, *x.shape[2:]))
        zx = _conv(flat, self.kernel, self.rank, bias=self.bias, strides=self.strides,
                   padding=self.padding, dilation_rate=self.dilation_rate)
        zx = ops.reshape(zx, (batch, steps, *zx.shape[1:]))
        h, c = self._initial_states(initial_state, (batch, *zx.shape[2:-1], self.filters), x)
        rec_mask = (self._mask(tuple(h.shape), self.recurrent_dropout)
                    if training and self.recurrent_dropout > 0 else None)
        f = self.filters
        outputs = []
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        for t in order:
            hr = h if rec_mask is None else h * rec_mask
            z = zx[:, t] + _conv(hr, self.recurrent_kernel, self.rank, padding="same")
            i = self.recurrent_activation(z[..., :f])
            fg = self.recurrent_activation(z[..., f:2 * f])
            g = self.activation(z[..., 2 * f:3 * f])
            o = self.recurrent_activation(z[..., 3 * f:])
            c = fg * c + i * g
            h = o * self.activation(c)
            if self.return_sequences:
                outputs.append(h)
        out = ops.stack(outputs, axis=1) if self.return_sequences else h
        if self.data_format == "channels_first":
            out = self._channels_first(out, sequence=self.return_sequences)
            h, c = self._channels_first(h), self._channels_first(c)
        return [out, h, c] if self.return_state else out

    def _channels_first(self, y, sequence=False):
        lead = 2 if sequence else 1
        n = y.ndim
        return ops.transpose(y, (*range(lead), n - 1, *range(lead, n - 1)))

    def _mask(self, shape, rate):
        rng = self._rng if self._rng is not None else make_rng(None)
        keep = (rng.random(shape) >= rate).astype(self.compute_dtype)
        return keep / (1.0 - rate)

    def _initial_states(self, initial_state, shape, like):
        if initial_state is None:
            zeros = ops.zeros(shape, dtype=like.dtype)
            return zeros, zeros
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else []
        if self.data_format == "channels_first":
            want = (shape[0], shape[-1], *shape[1:-1])
        else:
            want = shape
        if len(states) != 2 or any(tuple(s.shape) != want for s in states):
            raise ShapeError(f"{self._where}: initial_state must be [h, c], two arrays of shape "
                             f"{want}, got {[tuple(getattr(s, 'shape', ())) for s in states]}. "
                             "Hint: take them from return_state=True.")
        h, c = (self._to_tensor(s) for s in states)
        if self.data_format == "channels_first":
            h, c = (ops.transpose(s, (0, *range(2, 2 + self.rank), 1)) for s in (h, c))
        return h, c

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        cf = self.data_format == "channels_first"
        frame = (input_shape[0], *input_shape[2:])
        spatial = conv_output_shape(frame, self.rank, self.data_format, self.kernel_size,
                                    self.strides, self.dilation_rate, self.padding,
                                    self._where)[1:]
        state = (input_shape[0], self.filters, *spatial) if cf else (
            input_shape[0], *spatial, self.filters)
        out = (state[0], input_shape[1], *state[1:]) if self.return_sequences else state
        return [out, state, state] if self.return_state else out

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=list(self.kernel_size), strides=list(self.strides),
            padding=self.padding, data_format=self.data_format,
            dilation_rate=list(self.dilation_rate), unit_forget_bias=self.unit_forget_bias,
            **gate_options_config(self))
        return config


class ConvLSTM1D(_ConvLSTM):
    """Keras's ``ConvLSTM1D(filters, kernel_size, ...)``: an LSTM over sequences of 1-D signals,
    (batch, time, steps, channels).

    >>> import numpy as np
    >>> ConvLSTM1D(3, 2)(np.zeros((2, 4, 6, 1))).shape
    (2, 5, 3)
    """

    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """Keras's ``ConvLSTM2D(filters, kernel_size, ...)``: an LSTM over sequences of images,
    (batch, time, rows, cols, channels); see the module docstring for the gates.

    >>> import numpy as np
    >>> y, h, c = ConvLSTM2D(2, 3, return_state=True)(np.zeros((1, 3, 5, 5, 1)))
    >>> y.shape, c.shape
    ((1, 3, 3, 2), (1, 3, 3, 2))
    """

    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """Keras's ``ConvLSTM3D(filters, kernel_size, ...)``: an LSTM over sequences of volumes,
    (batch, time, depth, rows, cols, channels).

    >>> import numpy as np
    >>> ConvLSTM3D(2, 2)(np.zeros((1, 2, 3, 3, 3, 1))).shape
    (1, 2, 2, 2, 2)
    """

    rank = 3
