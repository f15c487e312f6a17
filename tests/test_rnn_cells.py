"""The generic RNN(cell) layer and its cells: SimpleRNNCell, LSTMCell, GRUCell give the numbers
(and gradients) of the fused SimpleRNN / LSTM / GRU with the same weights, and of torch's cells
for one step; StackedRNNCells equals stacked layers; a cell of our own trains, with gradients
through time checked by finite differences; masks, dropout, config, saving and errors."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import torch_tensor
from shendu import backend, ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    GRU,
    LSTM,
    RNN,
    Dense,
    Embedding,
    GRUCell,
    Layer,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
    deserialize,
    serialize,
)
from shendu.layers.base import Variable
from shendu.models import Sequential, load_model
from shendu.saving import register_serializable
from shendu.testing import check_gradients


@pytest.fixture(autouse=True)
def _float64():
    backend.set_floatx("float64")


@register_serializable(package="tests")
class MinimalRNNCell(Layer):
    """Keras's documentation example: h_t = tanh(x_t W + h_{t-1} U), written with shendu ops."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, self.units), name="recurrent_kernel",
                                                initializer="orthogonal")

    def call(self, inputs, states):
        h = ops.add(ops.matmul(inputs, self.kernel), ops.matmul(states[0], self.recurrent_kernel))
        out = ops.tanh(h)
        return out, [out]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _mask():
    mask = np.ones((3, 6), bool)
    mask[0, 4:] = False  # post-padding
    mask[1, :2] = False  # pre-padding
    mask[2, 3] = False  # a hole
    return mask


FUSED = [  # (fused layer, cell, extra arguments of both)
    (SimpleRNN, SimpleRNNCell, {}),
    (LSTM, LSTMCell, {}),
    (GRU, GRUCell, {}),
    (GRU, GRUCell, {"reset_after": False}),
]
OPTIONS = [  # (layer options, masked, with initial_state)
    ({}, False, False),
    ({"return_sequences": True}, True, False),
    ({"return_state": True, "go_backwards": True}, True, True),
    ({"return_sequences": True, "zero_output_for_mask": True}, True, False),
]


def _as_list(out):
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("fused_cls,cell_cls,extra", FUSED,
                         ids=["simple", "lstm", "gru", "gru_reset_before"])
@pytest.mark.parametrize("options,masked,with_state", OPTIONS,
                         ids=["last", "sequences_mask", "state_backwards", "zero_output"])
def test_generic_rnn_matches_the_fused_layer(fused_cls, cell_cls, extra, options, masked,
                                             with_state):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, 4))
    fused = fused_cls(5, **extra, **options)
    fused.build_from_shape(x.shape)
    generic = RNN(cell_cls(5, **extra), **options)
    generic.build_from_shape(x.shape)
    assert [w.shape for w in generic.get_weights()] == [w.shape for w in fused.get_weights()]
    weights = [rng.normal(size=w.shape) * 0.5 for w in fused.get_weights()]
    fused.set_weights(weights)
    generic.set_weights(weights)
    n_states = 2 if cell_cls is LSTMCell else 1
    states = [rng.normal(size=(3, 5)) for _ in range(n_states)] if with_state else None
    mask = _mask() if masked else None
    results = []
    for layer in (fused, generic):
        xt = Tensor(x, requires_grad=True)
        st = None if states is None else [Tensor(s, requires_grad=True) for s in states]
        outs = _as_list(layer(xt, initial_state=st, mask=mask))
        total = sum((o * Tensor(np.cos(np.arange(o.size)).reshape(o.shape))).sum() for o in outs)
        total.backward()
        grads = [xt.grad] + ([s.grad for s in st] if st else []) + [w.grad for w in layer.weights]
        results.append(([o.data for o in outs], grads))
    (fused_out, fused_grads), (generic_out, generic_grads) = results
    assert len(fused_out) == len(generic_out)
    for a, b in zip(fused_out + fused_grads, generic_out + generic_grads):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def _torch_cell(cell):
    """torch's RNNCell / LSTMCell / GRUCell holding the Keras weights (see test_recurrent.py for
    the mapping: transposed kernels; GRU gate blocks z, r, h → r, z, n)."""
    import torch

    kernel, recurrent, bias = cell.get_weights()
    u = cell.units
    if isinstance(cell, GRUCell):
        def perm(a):
            return np.concatenate([a[..., u:2 * u], a[..., :u], a[..., 2 * u:]], axis=-1)
        kernel, recurrent, bias = perm(kernel), perm(recurrent), perm(bias)
        module = torch.nn.GRUCell(kernel.shape[0], u).double()
        bias_ih, bias_hh = bias[0], bias[1]
    else:
        module = (torch.nn.LSTMCell if isinstance(cell, LSTMCell) else torch.nn.RNNCell)(
            kernel.shape[0], u).double()
        bias_ih, bias_hh = bias, np.zeros_like(bias)
    with torch.no_grad():
        for name, value in (("weight_ih", kernel.T), ("weight_hh", recurrent.T),
                            ("bias_ih", bias_ih), ("bias_hh", bias_hh)):
            getattr(module, name).copy_(torch.tensor(np.ascontiguousarray(value)))
    return module


@pytest.mark.parametrize("cell_cls", [SimpleRNNCell, LSTMCell, GRUCell])
def test_one_step_matches_torch_cells(cell_cls):
    rng = np.random.default_rng(1)
    cell = cell_cls(3)
    cell.build_from_shape((2, 4))
    cell.set_weights([rng.normal(size=w.shape) for w in cell.get_weights()])
    x = rng.normal(size=(2, 4))
    states = [rng.normal(size=(2, 3)) for _ in range(2 if cell_cls is LSTMCell else 1)]
    xt, st = Tensor(x, True), [Tensor(s, True) for s in states]
    out, new_states = cell(xt, st)
    module = _torch_cell(cell)
    tx, ts = torch_tensor(x), [torch_tensor(s) for s in states]
    expected = module(tx, tuple(ts)) if cell_cls is LSTMCell else module(tx, ts[0])
    expected = list(expected) if isinstance(expected, tuple) else [expected]
    for ours, theirs in zip(new_states, expected):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(out.data, new_states[0].data)
    r = [np.random.default_rng(2).normal(size=(2, 3)) for _ in expected]
    sum((s * Tensor(w)).sum() for s, w in zip(new_states, r)).backward()
    sum((e * torch_tensor(w, False)).sum() for e, w in zip(expected, r)).backward()
    for ours, theirs in zip([xt] + st, [tx] + ts):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


CELLS = {
    "simple": lambda: SimpleRNNCell(3),
    "lstm": lambda: LSTMCell(3),
    "gru": lambda: GRUCell(3),
    "gru_before": lambda: GRUCell(3, reset_after=False, activation="relu"),
    "minimal": lambda: MinimalRNNCell(3),
    "stacked": lambda: StackedRNNCells([GRUCell(2), LSTMCell(3)]),
}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_gradients_through_time_by_finite_differences(name):
    layer = RNN(CELLS[name](), return_sequences=True, go_backwards=name == "lstm")
    x = np.random.default_rng(3).normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 1, 0], [0, 1, 1, 1]], dtype=bool)
    layer.build_from_shape(x.shape)
    assert check_gradients(lambda x: layer(x, mask=mask), [x]) < 1e-6
    slots = _weight_slots(layer)
    assert len(slots) == len(layer.weights)

    def through_weights(x, *values):  # the weights as inputs, so they are differentiated too
        for (owner, key, _), value in zip(slots, values):
            object.__setattr__(owner, key, value)
        return layer(x, mask=mask)

    try:
        assert check_gradients(through_weights, [x] + [w.data.copy() for *_, w in slots]) < 1e-6
    finally:
        for owner, key, weight in slots:
            object.__setattr__(owner, key, weight)


def _weight_slots(layer):
    """(owning layer, attribute, weight) for every weight held as a layer attribute."""
    slots, stack = [], [layer]
    while stack:
        owner = stack.pop()
        slots += [(owner, key, value) for key, value in vars(owner).items()
                  if isinstance(value, Variable)]
        stack.extend(owner._layers)
    return slots


def test_stacked_cells_equal_stacked_layers_and_flatten_the_states():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 5, 3))
    stacked = RNN([SimpleRNNCell(4), LSTMCell(2)], return_state=True)
    assert isinstance(stacked.cell, StackedRNNCells) and stacked.cell.state_size == [4, [2, 2]]
    stacked.build_from_shape(x.shape)
    first, second = SimpleRNN(4, return_sequences=True), LSTM(2, return_state=True)
    weights = [rng.normal(size=w.shape) for w in stacked.get_weights()]
    stacked.set_weights(weights)
    first.build_from_shape(x.shape)
    first.set_weights(weights[:3])
    second.build_from_shape((2, 5, 4))
    second.set_weights(weights[3:])
    out, h1, h2, c2 = stacked(x)
    expected = second(first(x))
    h1_expected = first(x).data[:, -1]
    for ours, theirs in zip([out, h2, c2], expected):
        np.testing.assert_allclose(ours.data, theirs.data, rtol=1e-12)
    np.testing.assert_allclose(h1.data, h1_expected, rtol=1e-12)
    assert stacked.compute_output_shape((None, 5, 3)) == [(None, 2), (None, 4), (None, 2),
                                                          (None, 2)]
    again = stacked(x, initial_state=[h1, h2, c2])  # the states go back in, flat
    assert again[0].shape == (2, 2)


def test_masked_steps_change_nothing_and_masks_flow_from_embedding():
    rng = np.random.default_rng(5)
    layer = RNN(LSTMCell(3), return_sequences=True)
    x = rng.normal(size=(3, 6, 4))
    mask = _mask()
    y = layer(x, mask=mask).data
    noisy = x.copy()
    noisy[~mask] = 50.0
    np.testing.assert_array_equal(layer(noisy, mask=mask).data, y)
    np.testing.assert_array_equal(y[0, 4], y[0, 3])  # a padded step repeats the last output
    np.testing.assert_array_equal(y[1, :2], 0.0)  # before any real step: zeros
    model = Sequential([Embedding(10, 4, mask_zero=True), RNN(GRUCell(3))])
    ids = np.array([[3, 4, 5, 0, 0], [3, 4, 5, 7, 0]])
    out = model(ids).data
    np.testing.assert_allclose(out[0], model(ids[:1, :3]).data[0], rtol=1e-12)
    assert not np.allclose(out[0], out[1])


def test_dropout_masks_are_drawn_once_per_sequence():
    cell = SimpleRNNCell(4, dropout=0.5, recurrent_dropout=0.3, seed=7)
    layer = RNN(cell, return_sequences=True)
    x = np.tile(np.random.default_rng(6).normal(size=(2, 1, 5)), (1, 4, 1))  # same every step
    layer.build_from_shape(x.shape)
    cell.recurrent_kernel.assign(np.zeros((4, 4)))  # so h_t depends on x_t and the mask only
    train = layer(x, training=True).data
    np.testing.assert_allclose(train, np.repeat(train[:, :1], 4, axis=1))  # one mask in time
    assert not np.allclose(train, layer(x).data)  # dropout only while training
    assert not np.allclose(train, layer(x, training=True).data)  # a new mask per sequence
    assert cell._masks == {}  # forgotten after the sequence


@pytest.mark.parametrize("make", [
    lambda: RNN(SimpleRNNCell(3, activation="relu", dropout=0.1), go_backwards=True),
    lambda: RNN(LSTMCell(3, unit_forget_bias=False, recurrent_activation="hard_sigmoid"),
                return_sequences=True, return_state=True),
    lambda: RNN(GRUCell(3, reset_after=False, use_bias=False), zero_output_for_mask=True),
    lambda: RNN([GRUCell(2), LSTMCell(3)], return_sequences=True),
    lambda: RNN(MinimalRNNCell(3)),
], ids=["simple", "lstm", "gru", "stacked", "custom"])
def test_shapes_weights_config_round_trip_and_a_training_step(make, tmp_path):
    made = make()
    clone = deserialize(serialize(made))
    assert clone.get_config() == made.get_config()
    assert type(clone.cell) is type(made.cell)
    if made.return_state:  # a model takes one output: the same cell without the states
        made = RNN(deserialize(serialize(made.cell)), return_sequences=made.return_sequences)
    model = Sequential([made, Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(8).normal(size=(4, 5, 2))
    y = np.ones((4, 5, 1) if made.return_sequences else (4, 1))
    model.fit(x, y, epochs=1, verbose=0)
    weights = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, verbose=0)
    assert all(not np.allclose(a, b) for a, b in zip(weights, model.get_weights()))
    expected = {SimpleRNNCell: 3, LSTMCell: 3, GRUCell: 2, StackedRNNCells: 6, MinimalRNNCell: 2}
    assert len(made.weights) == expected[type(made.cell)]
    path = tmp_path / "rnn.safetensors"
    model.save(path)
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_state_shapes_and_unit_forget_bias():
    out, h, c = RNN(LSTMCell(3), return_state=True, return_sequences=True)(np.ones((2, 4, 5)))
    assert (out.shape, h.shape, c.shape) == ((2, 4, 3), (2, 3), (2, 3))
    np.testing.assert_array_equal(out.data[:, -1], h.data)
    cell = LSTMCell(2)
    cell.build_from_shape((None, 3))
    np.testing.assert_array_equal(cell.bias.data, [0, 0, 1, 1, 0, 0, 0, 0])
    assert RNN(SimpleRNNCell(3)).compute_output_shape((None, 4, 5)) == (None, 3)


def test_errors_name_the_layer_and_the_argument():
    with pytest.raises(ArgumentError, match="state_size"):
        RNN(Dense(3))
    with pytest.raises(ArgumentError, match="stateful"):
        RNN(SimpleRNNCell(2), stateful=True)
    with pytest.raises(ArgumentError, match="units"):
        LSTMCell(0)
    with pytest.raises(ArgumentError, match="dropout"):
        GRUCell(2, dropout=1.5)
    with pytest.raises(ArgumentError, match="empty"):
        StackedRNNCells([])
    layer = RNN(LSTMCell(2))
    with pytest.raises(ShapeError, match=r"\(batch, time, features\)"):
        layer(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="initial_state must be 2"):
        layer(np.ones((2, 3, 4)), initial_state=[np.zeros((2, 2))])
    with pytest.raises(ShapeError, match="mask must have shape"):
        layer(np.ones((2, 3, 4)), mask=np.ones((2, 4), bool))
    with pytest.raises(ShapeError, match="wrap the cell"):
        SimpleRNNCell(2)(np.ones((2, 3, 4)), [np.zeros((2, 2))])


def test_bidirectional_generic_rnn_equals_bidirectional_lstm():
    from shendu.layers import Bidirectional

    x = np.random.default_rng(9).normal(size=(2, 4, 5))
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=bool)
    fused = Bidirectional(LSTM(3, return_sequences=True))
    generic = Bidirectional(RNN(LSTMCell(3), return_sequences=True))
    fused.build_from_shape(x.shape)
    generic.build_from_shape(x.shape)
    weights = [np.random.default_rng(10).normal(size=w.shape) for w in fused.get_weights()]
    fused.set_weights(weights)
    generic.set_weights(weights)
    np.testing.assert_allclose(generic(x, mask=mask).data, fused(x, mask=mask).data, rtol=1e-12)
