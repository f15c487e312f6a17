"""Recurrent cells for the generic ``RNN`` layer: one time step, written with shendu ops.

A cell is a Layer with ``state_size`` (an int, or a list of ints, one per state) and
``call(inputs, states) -> (output, new_states)`` on one step: ``inputs`` (batch, features),
``states`` a list of (batch, size) tensors. Autograd differentiates through the steps, so a
cell of your own needs no backward. The built-in cells use Keras's weights, names and order
(``kernel``, ``recurrent_kernel``, ``bias``), so ``RNN(LSTMCell(u))`` and ``LSTM(u)`` exchange
weights with ``set_weights`` and compute the same numbers; the fused layers are faster.

Dropout (as Keras): while training, one mask per sequence on the step inputs (``dropout``)
and one on the state entering the recurrent product (``recurrent_dropout``).

>>> import numpy as np
>>> from shendu.layers import RNN, LSTMCell
>>> RNN(LSTMCell(4), return_sequences=True)(np.zeros((2, 5, 3))).shape
(2, 5, 4)
"""

from __future__ import annotations

import numbers

from .. import activations, constraints, initializers, ops, regularizers
from ..backend import make_rng
from ..errors import ArgumentError, ShapeError
from ..ops.activations import Kernel
from .base import Layer
from .recurrent import add_gate_weights, forget_gate_open, set_gate_options


def _activate(fn, x):
    """An activation by kernel (one op) or, for a user function, by calling it."""
    return ops.activation(x, fn) if isinstance(fn, Kernel) else fn(x)


def _columns(z, start, stop):
    """z[:, start:stop]: one gate's block of a (batch, g·units) product."""
    return ops.getitem(z, (slice(None), slice(start, stop)))


class DropoutRNNCell(Layer):
    """What the built-in cells share: arguments, weights, per-sequence dropout masks, config."""

    gates = 1

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        kind = type(self).__name__
        set_gate_options(self, units, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint)
        for name, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
                raise ArgumentError(f"{kind} '{self.name}': {name} must be a number in [0, 1), "
                                    f"got {rate!r}. Hint: {name}=0.2 drops 20% of the units.")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        self.seed = seed
        self._rng = make_rng(seed)
        self.reset_dropout_mask()

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    # -- weights -------------------------------------------------------------------------------
    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_initial(self, shape, dtype):
        return self.bias_initializer(shape, dtype=dtype)

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ShapeError(f"{type(self).__name__} '{self.name}': expected one step of shape "
                             f"(batch, features), got {tuple(input_shape)}. Hint: wrap the cell "
                             "in RNN(cell) to run it over (batch, time, features).")
        add_gate_weights(self, int(input_shape[-1]), self._bias_initial)

    # -- dropout masks, one per sequence -----------------------------------------------------
    def reset_dropout_mask(self) -> None:
        """Forget the masks (the RNN layer calls this before and after each sequence)."""
        self._masks = {}

    def _dropped(self, x, which: str, rate: float, training: bool):
        """x times the sequence's inverted-dropout mask (drawn at the first step)."""
        if not training or rate == 0:
            return x
        mask = self._masks.get(which)
        if mask is None or mask.shape != tuple(x.shape):
            keep = self._rng.random(tuple(x.shape)) >= rate
            mask = self._masks[which] = (keep / (1.0 - rate)).astype(x.dtype)
        return ops.multiply(x, mask)

    def _step_inputs(self, inputs, states, training):
        """(dropped x, dropped h for the recurrent product, the states as a list)."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        return (self._dropped(inputs, "input", self.dropout, training),
                self._dropped(states[0], "recurrent", self.recurrent_dropout, training), states)

    # -- config --------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, activation=activations.serialize(self.activation),
            recurrent_activation=activations.serialize(self.recurrent_activation),
            use_bias=self.use_bias,
            **{key: initializers.serialize(getattr(self, key)) for key in (
                "kernel_initializer", "recurrent_initializer", "bias_initializer")},
            **{key: regularizers.serialize(getattr(self, key)) for key in (
                "kernel_regularizer", "recurrent_regularizer", "bias_regularizer")},
            **{key: constraints.serialize(getattr(self, key)) for key in (
                "kernel_constraint", "recurrent_constraint", "bias_constraint")},
            dropout=self.dropout, recurrent_dropout=self.recurrent_dropout, seed=self.seed)
        return config


class SimpleRNNCell(DropoutRNNCell):
    """Keras's ``SimpleRNNCell``: ``h_t = activation(x_t W + b + h_{t-1} U)``, with W the
    ``kernel``, U the ``recurrent_kernel`` (orthogonal at first) and b the ``bias``.

    >>> import numpy as np
    >>> cell = SimpleRNNCell(3)
    >>> out, [h] = cell(np.ones((2, 4)), [np.zeros((2, 3))])
    >>> out.shape, [w.shape for w in cell.get_weights()]
    ((2, 3), [(4, 3), (3, 3), (3,)])
    """

    def __init__(self, units: int, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def call(self, inputs, states, training=False):
        x, h, _ = self._step_inputs(inputs, states, training)
        # h_t = act(x_t W + b + h_{t-1} U)
        z = ops.add(ops.linear(x, self.kernel, self.bias), ops.matmul(h, self.recurrent_kernel))
        out = _activate(self.activation, z)
        return out, [out]

    def get_config(self):
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class LSTMCell(DropoutRNNCell):
    """Keras's ``LSTMCell`` (gates i, f, c, o; states [h, c]; ``unit_forget_bias``).

    ``z = x W + h U + b``; ``i, f, o = recurrent_activation(z_i, z_f, z_o)``;
    ``c_t = f c_{t-1} + i activation(z_c)``; ``h_t = o activation(c_t)``.

    >>> import numpy as np
    >>> out, (h, c) = LSTMCell(2)(np.ones((1, 3)), [np.zeros((1, 2)), np.zeros((1, 2))])
    >>> out.shape, c.shape
    ((1, 2), (1, 2))
    """

    gates = 4

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_initial(self, shape, dtype):
        if not self.unit_forget_bias:
            return self.bias_initializer(shape, dtype=dtype)
        return forget_gate_open(self.bias_initializer, self.units, dtype)

    def call(self, inputs, states, training=False):
        x, h, states = self._step_inputs(inputs, states, training)
        c_prev, u, ract = states[1], self.units, self.recurrent_activation
        # z = x W + b + h U, split into the i, f, c, o blocks
        z = ops.add(ops.linear(x, self.kernel, self.bias), ops.matmul(h, self.recurrent_kernel))
        i, f = _activate(ract, _columns(z, 0, u)), _activate(ract, _columns(z, u, 2 * u))
        g, o = _activate(self.activation, _columns(z, 2 * u, 3 * u)), _activate(
            ract, _columns(z, 3 * u, 4 * u))
        # c_t = f c_{t-1} + i g;  h_t = o act(c_t)
        c = ops.add(ops.multiply(f, c_prev), ops.multiply(i, g))
        out = ops.multiply(o, _activate(self.activation, c))
        return out, [out, c]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRUCell(DropoutRNNCell):
    """Keras's ``GRUCell`` (gates z, r, h; ``reset_after=True``: bias (2, 3·units)).

    ``z, r = recurrent_activation(x W_{z,r} + b_in + h U_{z,r} + b_rec)``;
    ``hh = activation(x W_h + b_in,h + r ⊙ (h U_h + b_rec,h))`` (reset_after) or
    ``activation(x W_h + b_h + (r ⊙ h) U_h)``; ``h_t = z h_{t-1} + (1 − z) hh``.
    ``recurrent_dropout`` drops h in the recurrent products only, as the fused ``GRU`` does
    (Keras 3's default cell implementation ignores it).

    >>> import numpy as np
    >>> cell = GRUCell(2)
    >>> out, [h] = cell(np.ones((1, 3)), [np.zeros((1, 2))])
    >>> cell.get_weights()[2].shape
    (2, 6)
    """

    gates = 3

    def __init__(self, units: int, reset_after: bool = True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=False):
        x, h, states = self._step_inputs(inputs, states, training)
        h_prev, u, ract = states[0], self.units, self.recurrent_activation
        b_in = b_rec = None
        if self.bias is not None:
            b_in, b_rec = ((ops.getitem(self.bias, 0), ops.getitem(self.bias, 1))
                           if self.reset_after else (self.bias, None))
        xw = ops.linear(x, self.kernel, b_in)  # x W + b_in: (batch, 3u)
        if self.reset_after:
            # inner = h U + b_rec, all three blocks at once
            inner = ops.linear(h, self.recurrent_kernel, b_rec)
            z = _activate(ract, ops.add(_columns(xw, 0, u), _columns(inner, 0, u)))
            r = _activate(ract, ops.add(_columns(xw, u, 2 * u), _columns(inner, u, 2 * u)))
            # hh = act(x W_h + b_in,h + r ⊙ (h U_h + b_rec,h))
            hh = _activate(self.activation, ops.add(_columns(xw, 2 * u, 3 * u),
                                                    ops.multiply(r, _columns(inner, 2 * u, 3 * u))))
        else:
            inner = ops.matmul(h, _columns(self.recurrent_kernel, 0, 2 * u))
            z = _activate(ract, ops.add(_columns(xw, 0, u), _columns(inner, 0, u)))
            r = _activate(ract, ops.add(_columns(xw, u, 2 * u), _columns(inner, u, 2 * u)))
            # hh = act(x W_h + b_h + (r ⊙ h) U_h)
            recurrent_h = ops.matmul(ops.multiply(r, h), _columns(self.recurrent_kernel, 2 * u,
                                                                  3 * u))
            hh = _activate(self.activation, ops.add(_columns(xw, 2 * u, 3 * u), recurrent_h))
        # h_t = z h_{t-1} + (1 − z) hh  =  hh + z (h_{t-1} − hh)
        out = ops.add(hh, ops.multiply(z, ops.subtract(h_prev, hh)))
        return out, [out]

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config


class StackedRNNCells(Layer):
    """Keras's ``StackedRNNCells(cells)``: cells run one after the other within each step.

    ``state_size`` lists each cell's; ``call(inputs, states)`` takes one list of states per
    cell and returns the last cell's output with the new states, in the same nesting.

    >>> import numpy as np
    >>> from shendu.layers import RNN
    >>> stack = StackedRNNCells([SimpleRNNCell(4), LSTMCell(2)])
    >>> stack.state_size
    [4, [2, 2]]
    >>> RNN(stack)(np.zeros((3, 5, 6))).shape
    (3, 2)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells) if isinstance(cells, (list, tuple)) else [cells]
        if not cells:
            raise ArgumentError(f"StackedRNNCells '{self.name}': expected a list of cells, got "
                                "an empty one. Hint: StackedRNNCells([LSTMCell(8), "
                                "LSTMCell(8)]).")
        for cell in cells:
            _check_cell(cell, f"StackedRNNCells '{self.name}'")
        self.cells = cells
        for cell in cells:
            self._layers.append(cell)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        return cell_output_size(self.cells[-1])

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if not cell.built:
                cell.build_from_shape(shape)
            shape = (shape[0], cell_output_size(cell))

    def reset_dropout_mask(self) -> None:
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            single = not isinstance(cell_states, (list, tuple))
            cell_states = [cell_states] if single else list(cell_states)
            inputs, cell_states = cell(inputs, cell_states, training=training)
            if not isinstance(cell_states, (list, tuple)):
                cell_states = [cell_states]
            new_states.append(cell_states[0] if single else list(cell_states))
        return inputs, new_states

    def get_config(self):
        from . import serialize

        config = super().get_config()
        config["cells"] = [serialize(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config: dict):
        from . import deserialize

        config = dict(config)
        cells = [deserialize(c) for c in config.pop("cells")]
        return cls(cells, **config)


def _check_cell(cell, where: str) -> None:
    if not isinstance(cell, Layer) or getattr(cell, "state_size", None) is None:
        raise ArgumentError(f"{where}: a cell must be a Layer with a `state_size` and "
                            f"call(inputs, states), got {type(cell).__name__}. Hint: use "
                            "LSTMCell(8), or subclass Layer with state_size = units.")


def cell_output_size(cell) -> int:
    """The cell's ``output_size``, else the size of its first state (as Keras)."""
    size = getattr(cell, "output_size", None)
    if size is None:
        size = cell.state_size
        while isinstance(size, (list, tuple)):
            size = size[0]
    return int(size)


__all__ = ["DropoutRNNCell", "GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells"]
