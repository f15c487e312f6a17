"""Bidirectional and TimeDistributed: parity with a bidirectional torch RNN, merge modes, states,
masks, gradients, config round trip, one training step and errors."""

from __future__ import annotations

import numpy as np
import pytest

from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    GRU,
    LSTM,
    Bidirectional,
    Dense,
    SimpleRNN,
    TimeDistributed,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.testing import check_gradients
from test_recurrent import torch_rnn, torch_weight_grads

LAYERS = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}



def _bidirectional(kind, x, seed=1, merge_mode="concat", **kwargs):
    layer = Bidirectional(LAYERS[kind](4, dtype="float64", **kwargs), dtype="float64",
                          merge_mode=merge_mode)
    layer.build_from_shape(x.shape)
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape) for w in layer.get_weights()])
    return layer


def _torch_halves(kind, layer, x, return_sequences):
    """torch's forward and backward outputs, in Keras's arrangement, and the torch module."""
    import torch

    module = torch_rnn(kind, layer.forward_layer, bidirectional_with=layer.backward_layer)
    tx = torch.tensor(x, requires_grad=True)
    seq = module(tx)[0]
    fwd, bwd = seq[..., :4], seq[..., 4:]
    if not return_sequences:  # the backward direction ends at time 0
        fwd, bwd = fwd[:, -1], bwd[:, 0]
    return fwd, bwd, module, tx


MERGES = {"concat": lambda a, b: __import__("torch").cat([a, b], dim=-1),
          "sum": lambda a, b: a + b, "mul": lambda a, b: a * b, "ave": lambda a, b: (a + b) / 2}


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("merge_mode", list(MERGES))
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_matches_torch(kind, merge_mode, return_sequences):
    import torch

    x = np.random.default_rng(0).normal(size=(3, 5, 2))
    layer = _bidirectional(kind, x, return_sequences=return_sequences, merge_mode=merge_mode)
    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    r = np.random.default_rng(2).normal(size=out.shape)
    (out * Tensor(r)).sum().backward()
    fwd, bwd, module, tx = _torch_halves(kind, layer, x, return_sequences)
    expected = MERGES[merge_mode](fwd, bwd)
    (expected * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), atol=1e-10)
    grads = torch_weight_grads(kind, module, 4) + torch_weight_grads(kind, module, 4, "_reverse")
    for w, g in zip(layer.weights, grads):  # forward layer's weights, then backward layer's
        np.testing.assert_allclose(w.grad, g, atol=1e-10)


def test_bidirectional_states_follow_the_output_forward_first():
    import torch

    x = np.random.default_rng(3).normal(size=(2, 4, 3))
    layer = _bidirectional("LSTM", x, return_state=True)
    out, h_f, c_f, h_b, c_b = layer(x)
    module = torch_rnn("LSTM", layer.forward_layer, bidirectional_with=layer.backward_layer)
    _, (h_n, c_n) = module(torch.tensor(x))
    for ours, theirs in [(h_f, h_n[0]), (c_f, c_n[0]), (h_b, h_n[1]), (c_b, c_n[1])]:
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(out.data, np.concatenate([h_f.data, h_b.data], axis=-1))


def test_merge_mode_none_returns_both_directions():
    x = np.random.default_rng(4).normal(size=(2, 4, 3))
    layer = _bidirectional("GRU", x, return_sequences=True, merge_mode=None)
    y, y_rev = layer(x)
    both = _bidirectional("GRU", x, return_sequences=True)(x).data
    np.testing.assert_allclose(np.concatenate([y.data, y_rev.data], axis=-1), both)
    assert layer.compute_output_shape((2, 4, 3)) == [(2, 4, 4), (2, 4, 4)]


def test_bidirectional_gradients_match_finite_differences():
    x = np.random.default_rng(5).normal(size=(2, 4, 3))
    layer = _bidirectional("LSTM", x, return_sequences=True, merge_mode="mul")
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=bool)
    assert check_gradients(lambda t: layer(t, mask=mask), [x]) < 1e-6


@pytest.mark.parametrize("kind", list(LAYERS))
def test_bidirectional_padded_and_masked_equals_unpadded(kind):
    rng = np.random.default_rng(6)
    x, mask = rng.normal(size=(2, 6, 3)), np.ones((2, 6), dtype=bool)
    mask[1, 3:] = False
    layer = _bidirectional(kind, x, return_sequences=True)
    seq = layer(x, mask=mask).data
    alone = layer(x[1:, :3]).data[0]
    np.testing.assert_allclose(seq[1, :3], alone, atol=1e-12)
    np.testing.assert_array_equal(seq[1, 3:], 0)  # masked steps output zeros when sequences
    last = _bidirectional(kind, x)
    np.testing.assert_allclose(last(x, mask=mask).data[1], last(x[1:, :3]).data[0], atol=1e-12)


def test_bidirectional_config_round_trip_and_weights():
    layer = Bidirectional(LSTM(3, return_sequences=True, name="enc"), merge_mode="ave",
                          name="bi_rt")
    x = np.random.default_rng(7).normal(size=(2, 4, 5)).astype("float32")
    y = layer(x).data
    assert layer.forward_layer.name == "forward_enc" and layer.backward_layer.go_backwards
    assert [w.shape for w in layer.get_weights()] == [(5, 12), (3, 12), (12,)] * 2
    assert layer.count_params() == 2 * (5 * 12 + 3 * 12 + 12)
    clone = deserialize(serialize(layer))
    assert clone.get_config() == layer.get_config()
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).data, y, rtol=1e-6)


def test_bidirectional_one_training_step():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(16, 5, 3)).astype("float32"), rng.normal(size=(16, 1))
    model = Sequential([Bidirectional(GRU(6), input_shape=(5, 3)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.train_on_batch(x, y)
    assert model.evaluate(x, y, verbose=0) < before


@pytest.mark.parametrize("make,error,words", [
    (lambda: Bidirectional(LSTM(3), merge_mode="max"), ArgumentError, "merge_mode"),
    (lambda: Bidirectional(Dense(3)), ArgumentError, "recurrent layer"),
    (lambda: Bidirectional(LSTM(3), backward_layer=LSTM(3, return_sequences=True,
                                                         go_backwards=True)),
     ArgumentError, "return_sequences"),
    (lambda: Bidirectional(LSTM(3), backward_layer=LSTM(3)), ArgumentError, "go_backwards"),
    (lambda: TimeDistributed("dense"), ArgumentError, "Layer"),
    (lambda: TimeDistributed(Dense(2))(np.zeros((2, 3))), ShapeError, "3 axes"),
])
def test_bad_arguments_raise_clear_errors(make, error, words):
    with pytest.raises(error) as info:
        make()
    assert words in str(info.value) and "Hint" in str(info.value)


# -- TimeDistributed ----------------------------------------------------------------------------
def test_time_distributed_applies_the_layer_to_every_step():
    x = np.random.default_rng(9).normal(size=(2, 4, 3))
    layer = TimeDistributed(Dense(5, activation="tanh", dtype="float64"), dtype="float64")
    out = layer(x).data
    K, b = layer.get_weights()
    np.testing.assert_allclose(out, np.tanh(x @ K + b), atol=1e-12)  # step by step by hand
    assert out.shape == layer.compute_output_shape((2, 4, 3)) == (2, 4, 5)
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


def test_time_distributed_config_round_trip_and_training_step():
    layer = TimeDistributed(Dense(2), name="td_rt")
    x = np.random.default_rng(10).normal(size=(8, 4, 3)).astype("float32")
    y = layer(x).data
    clone = deserialize(serialize(layer))
    assert clone.get_config() == layer.get_config()
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).data, y)
    model = Sequential([LSTM(4, return_sequences=True, input_shape=(4, 3)),
                        TimeDistributed(Dense(1))])
    model.compile(optimizer="sgd", loss="mse")
    target = np.random.default_rng(11).normal(size=(8, 4, 1))
    before = model.evaluate(x, target, verbose=0)
    model.train_on_batch(x, target)
    assert model.evaluate(x, target, verbose=0) < before


def test_time_distributed_conv2d_equals_the_conv_on_each_frame():
    from shendu.layers import Conv2D

    x = np.random.default_rng(12).normal(size=(2, 3, 5, 5, 2))  # (batch, time, rows, cols, ch)
    layer = TimeDistributed(Conv2D(4, 3, padding="same", dtype="float64"), dtype="float64")
    out = layer(x).data
    assert out.shape == layer.compute_output_shape((2, 3, 5, 5, 2)) == (2, 3, 5, 5, 4)
    for t in range(3):  # the wrapped layer's weights, applied frame by frame
        np.testing.assert_allclose(out[:, t], layer.layer(x[:, t]).data, atol=1e-12)
    assert check_gradients(lambda v: layer(v), [x]) < 1e-6


def test_time_distributed_hands_each_step_its_mask():
    from shendu.layers import GlobalAveragePooling1D

    rng = np.random.default_rng(13)
    x = rng.normal(size=(2, 3, 4, 2))  # (batch, steps, words, features)
    mask = rng.random((2, 3, 4)) > 0.3
    mask[..., 0] = True
    layer = TimeDistributed(GlobalAveragePooling1D(dtype="float64"), dtype="float64")
    out = layer(x, mask=mask).data
    # by hand: each (sample, step) averages its unmasked words
    expected = (x * mask[..., None]).sum(2) / mask.sum(2)[..., None]
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert check_gradients(lambda v: layer(v, mask=mask), [x]) < 1e-6
    dense = TimeDistributed(Dense(2))  # a layer without masks just computes
    assert dense(x[..., 0], mask=mask[..., 0]).shape == (2, 3, 2)
    np.testing.assert_array_equal(dense.compute_mask(x, mask[..., 0]), mask[..., 0])
    with pytest.raises(ShapeError, match="mask"):
        layer(x, mask=mask[:, :2])
