"""Recurrent layers: SimpleRNN, LSTM and GRU (Keras 3 arguments, defaults and weight layout).

Each layer runs its cell over the whole sequence as one fused op (:mod:`shendu.ops.recurrent`).
Weights are Keras's, in Keras's order, so ``set_weights`` moves them between the libraries:
``kernel`` (features, g·units), ``recurrent_kernel`` (units, g·units), ``bias`` — with g = 1
(SimpleRNN), 4 (LSTM gates i, f, c, o) or 3 (GRU gates z, r, h; bias (2, 3·units) when
``reset_after``, as the two rows input and recurrent).

>>> import numpy as np
>>> from shendu.layers import LSTM
>>> layer = LSTM(4, return_sequences=True)
>>> layer(np.zeros((2, 7, 3))).shape
(2, 7, 4)
>>> [w.shape for w in layer.get_weights()]
[(3, 16), (4, 16), (16,)]
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..autograd import Tensor
from ..backend import make_rng
from ..errors import ArgumentError, ShapeError
from ..ops.activations import Kernel, LogSoftmax, Softmax
from ..ops.recurrent import GRUFn, LSTMFn, SimpleRNNFn
from .base import Layer


def _rate(layer, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ArgumentError(
            f"{type(layer).__name__} '{layer.name}': {name} must be a number in [0, 1], got "
            f"{value!r}. Hint: it is the fraction of units to drop, e.g. {name}=0.2."
        )
    return float(value)


def _kernel(layer, name, value):
    k = activations.get(value)
    if not isinstance(k, Kernel) or isinstance(k, (Softmax, LogSoftmax)):
        raise ArgumentError(
            f"{type(layer).__name__} '{layer.name}': {name} must be a built-in elementwise "
            f"activation (a name such as 'tanh'), got {value!r}. Hint: the fused recurrent "
            "op runs elementwise activation kernels (not custom functions nor softmax)."
        )
    return k


def set_gate_options(layer, units, use_bias, kernel_initializer, recurrent_initializer,
                     bias_initializer, kernel_regularizer, recurrent_regularizer,
                     bias_regularizer, kernel_constraint, recurrent_constraint,
                     bias_constraint) -> None:
    """A recurrent layer's or cell's ``units`` (checked) and the Keras options of its three
    weights, resolved from names or objects."""
    kind = type(layer).__name__
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ArgumentError(f"{kind} '{layer.name}': units must be a positive integer, got "
                            f"{units!r}. Hint: {kind}(32) for a state of 32 numbers.")
    layer.units = units
    layer.use_bias = bool(use_bias)
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.recurrent_initializer = initializers.get(recurrent_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.recurrent_regularizer = regularizers.get(recurrent_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.recurrent_constraint = constraints.get(recurrent_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def set_sequence_options(layer, return_sequences, return_state, go_backwards, stateful,
                         unroll, zero_output_for_mask) -> None:
    """Keras's options of a layer that runs over a sequence (stateful=True refused)."""
    if stateful:
        raise ArgumentError(
            f"{type(layer).__name__} '{layer.name}': stateful=True is not supported, got "
            f"stateful={stateful!r}. Hint: pass the last states back yourself with "
            "return_state=True and initial_state=[...].")
    layer.return_sequences = bool(return_sequences)
    layer.return_state = bool(return_state)
    layer.go_backwards = bool(go_backwards)
    layer.stateful = False
    layer.unroll = bool(unroll)  # accepted for Keras compatibility; the loop is the same
    layer.zero_output_for_mask = bool(zero_output_for_mask)


def gate_options_config(layer) -> dict:
    """The config entries of what :func:`set_gate_options` and :func:`set_sequence_options`
    set, plus the activations, the dropouts and the seed."""
    return dict(
        activation=activations.serialize(layer.activation),
        recurrent_activation=activations.serialize(layer.recurrent_activation),
        use_bias=layer.use_bias,
        kernel_initializer=initializers.serialize(layer.kernel_initializer),
        recurrent_initializer=initializers.serialize(layer.recurrent_initializer),
        bias_initializer=initializers.serialize(layer.bias_initializer),
        kernel_regularizer=regularizers.serialize(layer.kernel_regularizer),
        recurrent_regularizer=regularizers.serialize(layer.recurrent_regularizer),
        bias_regularizer=regularizers.serialize(layer.bias_regularizer),
        activity_regularizer=regularizers.serialize(layer.activity_regularizer),
        kernel_constraint=constraints.serialize(layer.kernel_constraint),
        recurrent_constraint=constraints.serialize(layer.recurrent_constraint),
        bias_constraint=constraints.serialize(layer.bias_constraint),
        dropout=layer.dropout, recurrent_dropout=layer.recurrent_dropout, seed=layer.seed,
        return_sequences=layer.return_sequences, return_state=layer.return_state,
        go_backwards=layer.go_backwards, stateful=layer.stateful)


def add_gate_weights(layer, input_dim: int, bias_initializer) -> None:
    """A recurrent layer's or cell's kernel (input_dim, gates·units), recurrent_kernel
    (units, gates·units) and, with use_bias, bias (``layer._bias_shape()``), each with the
    layer's own initializer, regularizer and constraint."""
    g = layer.gates * layer.units
    layer.kernel = layer.add_weight((input_dim, g), layer.kernel_initializer, name="kernel",
                                    regularizer=layer.kernel_regularizer,
                                    constraint=layer.kernel_constraint)
    layer.recurrent_kernel = layer.add_weight(
        (layer.units, g), layer.recurrent_initializer, name="recurrent_kernel",
        regularizer=layer.recurrent_regularizer, constraint=layer.recurrent_constraint)
    layer.bias = None
    if layer.use_bias:
        layer.bias = layer.add_weight(layer._bias_shape(), bias_initializer, name="bias",
                                      regularizer=layer.bias_regularizer,
                                      constraint=layer.bias_constraint)


def forget_gate_open(bias_initializer, units: int, dtype):
    """LSTM's unit_forget_bias: b = [init(u), 1, init(2u)] over the gates i, f, c, o, so the
    forget gate starts open (Jozefowicz et al.)."""
    return np.concatenate([np.asarray(bias_initializer((units,), dtype=dtype)),
                           np.ones(units, dtype),
                           np.asarray(bias_initializer((2 * units,), dtype=dtype))])


class RNNBase(Layer):
    """What SimpleRNN, LSTM and GRU share: arguments, weights, masks, states and config.

    ``call(inputs, initial_state=None, mask=None, training=False)``: ``mask`` is a boolean
    (batch, time) array; a masked step keeps the states and repeats the previous output (zeros
    with ``zero_output_for_mask``), as in Keras. ``dropout`` / ``recurrent_dropout`` draw one
    mask per sequence (inputs, and the state entering the recurrent product) while training.

    >>> import numpy as np
    >>> x = np.ones((1, 4, 2))
    >>> layer = SimpleRNN(3, return_sequences=True)
    >>> y = layer(x, mask=np.array([[True, True, False, False]])).data
    >>> bool(np.all(y[0, 3] == y[0, 1]))
    True
    """

    gates = 1
    n_states = 1
    op: type = SimpleRNNFn

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, zero_output_for_mask: bool = False, **kwargs):
        super().__init__(**kwargs)
        set_gate_options(self, units, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint)
        self.activation = _kernel(self, "activation", activation)
        self.recurrent_activation = _kernel(self, "recurrent_activation", recurrent_activation)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.dropout = _rate(self, "dropout", dropout)
        self.recurrent_dropout = _rate(self, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._rng = None if seed is None else make_rng(seed)
        set_sequence_options(self, return_sequences, return_state, go_backwards, stateful,
                             unroll, zero_output_for_mask)

    # -- weights -------------------------------------------------------------------------------
    def _bias_shape(self):
        return (self.gates * self.units,)

    def _init_bias(self, bias):
        """Hook: LSTM's unit_forget_bias."""

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected inputs of shape (batch, time, "
                f"features), got {tuple(input_shape)}. Hint: add a time axis, e.g. "
                "x[:, :, None] for one feature per step."
            )
        self.input_dim = int(input_shape[-1])
        add_gate_weights(self, self.input_dim, self.bias_initializer)
        if self.bias is not None:
            self._init_bias(self.bias)

    def _weights_for_op(self):
        return [self.kernel, self.recurrent_kernel] + ([self.bias] if self.use_bias else [])

    def _settings(self, training, mask=None):
        return dict(
            activation=self.activation, recurrent_activation=self.recurrent_activation,
            use_bias=self.use_bias, return_sequences=self.return_sequences,
            return_state=self.return_state, go_backwards=self.go_backwards, mask=mask,
            zero_output_for_mask=self.zero_output_for_mask,
            dropout=self.dropout if training else 0.0,
            recurrent_dropout=self.recurrent_dropout if training else 0.0, rng=self._rng,
            **self._extra_settings())

    def _extra_settings(self):
        return {}

    # -- forward -------------------------------------------------------------------------------
    def call(self, inputs, initial_state=None, mask=None, training=False):
        kind = type(self).__name__
        if inputs.ndim != 3 or inputs.shape[-1] != self.input_dim:
            raise ShapeError(
                f"{kind} '{self.name}': expected inputs of shape (batch, time, "
                f"{self.input_dim}), got {tuple(inputs.shape)}. Hint: the layer was built for "
                f"{self.input_dim} features per step."
            )
        if mask is not None:
            mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
            if mask.shape != tuple(inputs.shape[:2]):
                raise ShapeError(
                    f"{kind} '{self.name}': mask must have shape (batch, time) = "
                    f"{tuple(inputs.shape[:2])}, got {mask.shape}. Hint: True marks the steps "
                    "to use, False the padding."
                )
        states = []
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else \
                [initial_state]
            expected = (inputs.shape[0], self.units)
            if len(states) != self.n_states or any(tuple(s.shape) != expected for s in states):
                raise ShapeError(
                    f"{kind} '{self.name}': initial_state must be {self.n_states} array(s) of "
                    f"shape {expected}, got {[tuple(np.shape(s)) for s in states]}. Hint: "
                    f"{'[h, c]' if self.n_states == 2 else '[h]'} from return_state=True."
                )
            states = [self._to_tensor(s) for s in states]
        out = self.op.apply(inputs, *self._weights_for_op(), *states,
                            **self._settings(training, mask))
        if self.return_state:
            n_out = inputs.shape[1] if self.return_sequences else 1
            seq = out[:, :n_out] if self.return_sequences else out[:, 0]
            result = [seq] + [out[:, n_out + k] for k in range(self.n_states)]
        else:
            result = out
        return result

    def compute_mask(self, inputs, mask=None):
        """The time mask passes on with the sequence; a last output has none."""
        out = mask if self.return_sequences else None
        return [out] + [None] * self.n_states if self.return_state else out

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * self.n_states
        return out

    def chain_steps(self, training=False):
        """The fused op as a (Function, weights) pair, for the Sequential fast path."""
        if self.return_state:
            return None
        return [(self.op(**self._settings(training)), self._weights_for_op())]

    # -- config --------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, **gate_options_config(self),
                      unroll=self.unroll, zero_output_for_mask=self.zero_output_for_mask)
        return config


class SimpleRNN(RNNBase):
    """Keras's ``SimpleRNN``: ``h_t = activation(x_t kernel + h_{t-1} recurrent_kernel + bias)``.

    >>> import numpy as np
    >>> SimpleRNN(5)(np.zeros((3, 4, 2))).shape
    (3, 5)
    """

    def __init__(self, units: int, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class LSTM(RNNBase):
    """Keras's ``LSTM`` (gates i, f, c, o); ``unit_forget_bias`` starts the forget bias at 1.

    >>> import numpy as np
    >>> out, h, c = LSTM(3, return_state=True)(np.zeros((2, 5, 4)))
    >>> out.shape, h.shape, c.shape
    ((2, 3), (2, 3), (2, 3))
    """

    gates = 4
    n_states = 2
    op = LSTMFn

    def __init__(self, units: int, unit_forget_bias: bool = True, use_cudnn="auto", **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.use_cudnn = use_cudnn  # accepted for Keras compatibility

    def _init_bias(self, bias):
        if self.unit_forget_bias:
            bias.assign(forget_gate_open(self.bias_initializer, self.units, self.compute_dtype))

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRU(RNNBase):
    """Keras's ``GRU`` (gates z, r, h); ``reset_after=True`` keeps two biases, (2, 3·units).

    >>> import numpy as np
    >>> layer = GRU(4)
    >>> layer(np.zeros((2, 5, 3))).shape, layer.get_weights()[2].shape
    ((2, 4), (2, 12))
    """

    gates = 3
    op = GRUFn

    def __init__(self, units: int, reset_after: bool = True, use_cudnn="auto", **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)
        self.use_cudnn = use_cudnn  # accepted for Keras compatibility

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _extra_settings(self):
        return {"reset_after": self.reset_after}

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config
