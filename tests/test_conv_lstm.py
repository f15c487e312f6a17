"""ConvLSTM1D/2D/3D: forward and gradients against the same recurrence written with PyTorch's
convolutions (torch has no ConvLSTM layer), gradients through time by finite differences in
float64, Keras's weights and config, training, and the errors."""

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend, layers
from shendu.errors import ArgumentError, ShapeError
from shendu.models import Sequential, load_model
from shendu.testing import check_gradients


def _same_pads(size, k, s, d=1):
    """TF's 'same': total padding so the output has ceil(size / s) cells, the extra after."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def torch_conv_lstm(x, W, U, b, rank, strides, padding, go_backwards, return_sequences):
    """The ConvLSTM recurrence of Keras (gates i, f, c, o) on torch's convolutions, channels
    last in and out; x (B, T, *S, C), W (*k, C, 4F), U (*k, F, 4F), b (4F,)."""
    import torch
    import torch.nn.functional as tf

    conv = {1: tf.conv1d, 2: tf.conv2d, 3: tf.conv3d}[rank]
    perm = (rank + 1, rank, *range(rank))  # (*k, in, out) → (out, in, *k)
    Wt, Ut = W.permute(*perm), U.permute(*perm)
    filters = U.shape[-2]
    xs = x.permute(0, 1, rank + 2, *range(2, rank + 2))  # (B, T, C, *S)

    def padded(v, kernel, stride, mode):
        if mode == "valid":
            return v
        pads = []
        for axis in reversed(range(rank)):
            pads += list(_same_pads(v.shape[2 + axis], kernel[axis], stride[axis]))
        return tf.pad(v, pads)

    ks = tuple(W.shape[:rank])
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    h = c = None
    outs = []
    for t in steps:
        z = conv(padded(xs[:, t], ks, strides, padding), Wt, b, stride=strides)
        if h is None:
            h = torch.zeros((x.shape[0], filters, *z.shape[2:]), dtype=x.dtype)
            c = torch.zeros_like(h)
        z = z + conv(padded(h, ks, (1,) * rank, "same"), Ut)
        i, f, g, o = z.split(filters, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outs.append(h)
    last = (0, *range(2, rank + 2), 1)
    if return_sequences:
        return torch.stack(outs, dim=1).permute(0, 1, *range(3, rank + 3), 2)
    return h.permute(*last)


CASES = [  # (rank, input shape (B, T, *S, C), filters, kernel, strides, padding, backwards, seq)
    (2, (2, 3, 5, 6, 2), 3, 3, 1, "valid", False, False),
    (2, (2, 3, 5, 5, 1), 2, 3, 2, "same", True, True),
    (2, (1, 4, 4, 4, 2), 2, (3, 1), 1, "same", False, True),
    (1, (2, 3, 7, 2), 3, 3, 2, "valid", False, True),
    (3, (1, 2, 3, 4, 3, 1), 2, 2, 1, "same", False, False),
]
CLASSES = {1: layers.ConvLSTM1D, 2: layers.ConvLSTM2D, 3: layers.ConvLSTM3D}


def _layer(case, **kwargs):
    rank, shape, filters, kernel, strides, padding, backwards, seq = case
    layer = CLASSES[rank](filters, kernel, strides=strides, padding=padding,
                          go_backwards=backwards, return_sequences=seq, **kwargs)
    layer.build(shape)
    rng = np.random.default_rng(1)
    layer.set_weights([rng.normal(scale=0.4, size=w.shape) for w in layer.get_weights()])
    return layer


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}d-{c[5]}-s{c[4]}")
def test_forward_and_gradients_match_the_recurrence_on_torch(case):
    backend.set_floatx("float64")
    try:
        layer = _layer(case)
        (x,) = random_inputs(case[1], seed=2)
        W, U, b = layer.get_weights()
        tx, tW, tU, tb = (torch_tensor(a) for a in (x, W, U, b))
        strides = (case[4],) * case[0] if isinstance(case[4], int) else case[4]
        want = torch_conv_lstm(tx, tW, tU, tb, case[0], strides, case[5], case[6], case[7])
        out = layer(x)
        np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-10, atol=1e-12)
        projection = np.random.default_rng(3).normal(size=out.shape)
        (want * torch_tensor(projection, requires_grad=False)).sum().backward()
        xt = layer._to_tensor(x)
        xt.requires_grad = True
        (layer(xt) * projection).sum().backward()
        np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-9, atol=1e-11)
        for var, ref in zip(layer.weights, (tW, tU, tb)):
            np.testing.assert_allclose(var.grad, ref.grad.numpy(), rtol=1e-9, atol=1e-11)
    finally:
        backend.set_floatx("float32")


def test_gradients_through_time_by_finite_differences():
    backend.set_floatx("float64")
    try:
        case = (2, (2, 3, 4, 4, 1), 2, 3, 1, "same", False, True)
        layer = _layer(case)
        x, = random_inputs(case[1], seed=4)
        W, U, b = layer.get_weights()

        def run(x, W, U, b):  # the weights as inputs of the check
            layer.kernel, layer.recurrent_kernel, layer.bias = W, U, b
            return layer(x)

        assert check_gradients(run, [x, W, U, b]) < 1e-6
    finally:
        backend.set_floatx("float32")


def test_channels_first_states_and_initial_state():
    backend.set_floatx("float64")
    try:
        last = layers.ConvLSTM2D(2, 3, padding="same", return_state=True)
        first = layers.ConvLSTM2D(2, 3, padding="same", return_state=True,
                                  data_format="channels_first")
        (x,) = random_inputs((2, 3, 4, 5, 1), seed=5)
        y, h, c = last(x)
        first.build((2, 3, 1, 4, 5))
        first.set_weights(last.get_weights())
        yf, hf, cf = first(x.transpose(0, 1, 4, 2, 3))
        np.testing.assert_allclose(yf.data, y.data.transpose(0, 3, 1, 2), rtol=1e-12)
        np.testing.assert_allclose(cf.data, c.data.transpose(0, 3, 1, 2), rtol=1e-12)
        assert np.array_equal(y.data, h.data)  # the last output is the state h
        # two halves with the states carried over equal the whole sequence
        _, h1, c1 = last(x[:, :2])
        y2, _, _ = last(x[:, 2:], initial_state=[h1.data, c1.data])
        np.testing.assert_allclose(y2.data, y.data, rtol=1e-12)
        assert last.compute_output_shape((None, 3, 4, 5, 1)) == [(None, 4, 5, 2)] * 3
    finally:
        backend.set_floatx("float32")


def test_keras_weights_config_and_a_saved_model(tmp_path):
    layer = layers.ConvLSTM2D(4, 3, padding="same")
    layer.build((None, 3, 6, 6, 2))
    assert [w.shape for w in layer.get_weights()] == [(3, 3, 2, 16), (3, 3, 4, 16), (16,)]
    bias = layer.get_weights()[2]
    assert np.array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])  # forget gate open
    clone = layers.ConvLSTM2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    model = Sequential([layers.Input((3, 6, 6, 2)), layers.ConvLSTM2D(3, 3, dropout=0.2,
                                                                       recurrent_dropout=0.2),
                        layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3, 6, 6, 2)).astype("float32"), rng.normal(size=(8, 1))
    before = model.get_weights()[0].copy()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert not np.allclose(model.get_weights()[0], before)
    model.save(tmp_path / "m.safetensors")
    again = load_model(tmp_path / "m.safetensors")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize("make, error, pattern", [
    (lambda: layers.ConvLSTM2D(0, 3), ArgumentError, "units must be a positive integer"),
    (lambda: layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2), ArgumentError,
     "strides > 1 cannot be combined with dilation_rate > 1"),
    (lambda: layers.ConvLSTM2D(2, 3, padding="full"), ArgumentError, "padding"),
    (lambda: layers.ConvLSTM2D(2, 3, stateful=True), ArgumentError, "stateful=True"),
    (lambda: layers.ConvLSTM2D(2, 3, dropout=1.5), ArgumentError, "dropout must be"),
    (lambda: layers.ConvLSTM2D(2, 3)(np.zeros((2, 3, 5, 1))), ShapeError,
     r"expected inputs of rank 5 \(batch, time, spatial, spatial, channels\)"),
])
def test_bad_arguments_and_inputs_are_named(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_bad_initial_state_and_channels_are_named():
    layer = layers.ConvLSTM2D(2, 3)
    layer(np.zeros((1, 2, 5, 5, 1)))
    with pytest.raises(ShapeError, match=r"initial_state must be \[h, c\], two arrays of shape "
                                         r"\(1, 3, 3, 2\)"):
        layer(np.zeros((1, 2, 5, 5, 1)), initial_state=[np.zeros((1, 3, 3, 3))] * 2)
    with pytest.raises(ShapeError, match="expected 1 channels, got 2"):
        layer(np.zeros((1, 2, 5, 5, 2)))
