"""Keras's generic ``RNN(cell)``: any cell (see :mod:`shendu.layers.rnn_cells`) over time.

The loop runs the cell once per step with shendu ops, so autograd differentiates through
time for any cell, built-in or your own. A masked step keeps the states and repeats the
previous output (zeros with ``zero_output_for_mask``); ``go_backwards`` reads the steps last
to first (and returns the sequence in that order, as Keras). With ``return_state`` the layer
returns ``[output, *states]``, the states flattened in cell order (for
``StackedRNNCells([SimpleRNNCell, LSTMCell])``: h₁, h₂, c₂).

A cell of your own (Keras's example):

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.layers import RNN, Layer
>>> class MinimalRNNCell(Layer):
...     def __init__(self, units, **kwargs):
...         super().__init__(**kwargs)
...         self.units = self.state_size = units
...     def build(self, input_shape):
...         self.kernel = self.add_weight((input_shape[-1], self.units), name="kernel")
...         self.recurrent_kernel = self.add_weight((self.units, self.units),
...                                                 name="recurrent_kernel")
...     def call(self, inputs, states):
...         h = ops.add(ops.matmul(inputs, self.kernel),
...                     ops.matmul(states[0], self.recurrent_kernel))
...         return h, [h]
>>> RNN(MinimalRNNCell(3), return_sequences=True)(np.ones((2, 4, 5))).shape
(2, 4, 3)
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..autograd import Tensor
from ..errors import ShapeError
from .base import Layer
from .node import flatten
from .recurrent import set_sequence_options
from .rnn_cells import StackedRNNCells, _check_cell, cell_output_size


def _structure(size, make):
    """A state structure for ``state_size``: one leaf per int, lists kept as lists."""
    if isinstance(size, (list, tuple)):
        return [_structure(s, make) for s in size]
    return make(int(size))


def _refill(template, leaves):
    """``template``'s nesting with its leaves replaced, in order, by ``leaves``."""
    leaves = iter(leaves)

    def fill(t):
        return [fill(item) for item in t] if isinstance(t, list) else next(leaves)

    return fill(template)


class RNN(Layer):
    """Keras's ``RNN(cell, return_sequences=False, return_state=False, go_backwards=False,
    stateful=False, unroll=False, zero_output_for_mask=False)``; a list of cells is stacked.

    ``call(sequences, initial_state=None, mask=None, training=False)`` on (batch, time,
    features); ``mask`` is boolean (batch, time), True for the steps to use.

    >>> import numpy as np
    >>> from shendu.layers import GRUCell, SimpleRNNCell
    >>> out, h1, h2 = RNN([SimpleRNNCell(4), GRUCell(3)], return_state=True)(np.ones((2, 5, 6)))
    >>> out.shape, h1.shape, h2.shape
    ((2, 3), (2, 4), (2, 3))
    """

    supports_masking = True

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        _check_cell(cell, f"RNN '{self.name}'")
        set_sequence_options(self, return_sequences, return_state, go_backwards, stateful,
                             unroll, zero_output_for_mask)
        self.cell = cell

    @property
    def state_size(self) -> list:
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    def _flat_sizes(self) -> list[int]:
        return [int(s) for s in flatten(self.state_size)]

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ShapeError(
                f"RNN '{self.name}': expected inputs of shape (batch, time, features), got "
                f"{tuple(input_shape)}. Hint: add a time axis, e.g. x[:, :, None].")
        if not self.cell.built:
            self.cell.build_from_shape((input_shape[0],) + tuple(input_shape[2:]))

    def get_initial_state(self, batch_size: int, dtype=None) -> list:
        """The cell's own initial states when it has ``get_initial_state``, else zeros."""
        own = getattr(self.cell, "get_initial_state", None)
        if own is not None:
            states = own(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        dtype = dtype or self.compute_dtype
        return _structure(self.state_size,
                          lambda size: Tensor(np.zeros((batch_size, size), dtype=dtype)))

    def _initial_states(self, initial_state, inputs) -> list:
        batch = inputs.shape[0]
        if initial_state is None:
            return self.get_initial_state(batch, inputs.dtype)
        given = flatten(list(initial_state) if isinstance(initial_state, (list, tuple))
                        else [initial_state])
        sizes = self._flat_sizes()
        if len(given) != len(sizes) or any(tuple(np.shape(s)) != (batch, n)
                                           for s, n in zip(given, sizes)):
            raise ShapeError(
                f"RNN '{self.name}': initial_state must be {len(sizes)} array(s) of shapes "
                f"{[(batch, n) for n in sizes]}, got {[tuple(np.shape(s)) for s in given]}. "
                "Hint: the states returned with return_state=True, in the same order.")
        return _refill(self.state_size, [self._to_tensor(s) for s in given])

    def _check_mask(self, mask, inputs):
        if mask is None:
            return None
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
        if mask.shape != tuple(inputs.shape[:2]):
            raise ShapeError(
                f"RNN '{self.name}': mask must have shape (batch, time) = "
                f"{tuple(inputs.shape[:2])}, got {mask.shape}. Hint: True marks the steps to "
                "use, False the padding.")
        return mask

    def _reset_dropout(self) -> None:
        reset = getattr(self.cell, "reset_dropout_mask", None)
        if reset is not None:
            reset()

    def call(self, inputs, initial_state=None, mask=None, training=False):
        if inputs.ndim != 3 or inputs.shape[1] == 0:
            raise ShapeError(
                f"RNN '{self.name}': expected inputs of shape (batch, time >= 1, features), got "
                f"{tuple(inputs.shape)}. Hint: one row per sample, one step per time index.")
        mask = self._check_mask(mask, inputs)
        states = self._initial_states(initial_state, inputs)
        steps = range(inputs.shape[1])
        zeros = Tensor(np.zeros((inputs.shape[0], cell_output_size(self.cell)), inputs.dtype))
        outputs = []
        self._reset_dropout()
        for t in (reversed(steps) if self.go_backwards else steps):
            x_t = ops.getitem(inputs, (slice(None), t))
            out, new_states = self.cell(x_t, states, training=training)
            new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [
                new_states]
            if mask is not None:
                # a masked step keeps the states: s_t = m_t ? s̃_t : s_{t-1}
                keep = mask[:, t][:, None]
                new_states = _refill(new_states, [
                    ops.where(keep, new, old) for new, old in zip(flatten(new_states),
                                                                 flatten(states))])
                # and repeats the previous output (or zeros): o_t = m_t ? õ_t : o_{t-1}
                previous = zeros if self.zero_output_for_mask or not outputs else outputs[-1]
                out = ops.where(keep, out, previous)
            outputs.append(out)
            states = new_states
        self._reset_dropout()
        output = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if self.return_state:
            return [output] + flatten(states)
        return output

    def compute_mask(self, inputs, mask=None):
        """The time mask passes on with the sequence; a last output has none."""
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self._flat_sizes()) if self.return_state else out

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        size = cell_output_size(self.cell)
        out = (batch, steps, size) if self.return_sequences else (batch, size)
        if self.return_state:
            return [out] + [(batch, n) for n in self._flat_sizes()]
        return out

    def get_config(self):
        from . import serialize

        config = super().get_config()
        config.update(cell=serialize(self.cell), return_sequences=self.return_sequences,
                      return_state=self.return_state, go_backwards=self.go_backwards,
                      stateful=self.stateful, unroll=self.unroll,
                      zero_output_for_mask=self.zero_output_for_mask)
        return config

    @classmethod
    def from_config(cls, config: dict):
        from . import deserialize

        config = dict(config)
        return cls(deserialize(config.pop("cell")), **config)


__all__ = ["RNN"]
