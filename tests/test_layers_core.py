"""Dense, Activation and Input: shapes, weights in Keras's layout, config round trip, parity
with torch.nn.Linear, gradients, and one training step."""

from __future__ import annotations

import numpy as np
import pytest

from shendu import activations, backend, ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError, UnknownNameError
from shendu.layers import Activation, Dense, Input, InputLayer, deserialize, serialize
from shendu.layers.base import snake_case
from shendu.models import Sequential
from shendu.testing import check_gradients

ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax"]



def _torch_activation(name):
    import torch

    return {
        "linear": lambda z: z,
        "relu": torch.relu,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax": lambda z: torch.softmax(z, dim=-1),
    }[name]


# -- Dense: shapes and weights ------------------------------------------------------------------


@pytest.mark.parametrize(
    "input_shape,units,output_shape",
    [((2, 5), 3, (2, 3)), ((7, 1), 4, (7, 4)), ((2, 6, 5), 3, (2, 6, 3)), ((2, 3, 4, 5), 1,
                                                                           (2, 3, 4, 1))],
)
def test_dense_output_shape_on_the_last_axis(input_shape, units, output_shape):
    layer = Dense(units)
    out = layer(np.ones(input_shape, dtype=np.float32))
    assert out.shape == output_shape
    assert layer.compute_output_shape((None,) + input_shape[1:]) == (None,) + output_shape[1:]


@pytest.mark.parametrize("use_bias,count", [(True, 5 * 3 + 3), (False, 5 * 3)])
def test_dense_weight_count_and_keras_layout(use_bias, count):
    layer = Dense(3, use_bias=use_bias)
    assert not layer.built
    layer(np.zeros((2, 5)))
    assert layer.built
    assert layer.count_params() == count
    shapes = [w.shape for w in layer.get_weights()]
    assert shapes == ([(5, 3), (3,)] if use_bias else [(5, 3)])  # kernel (in, out), bias
    assert layer.weights[0].path.endswith("kernel")
    if use_bias:
        assert layer.weights[1].path.endswith("bias")
        assert layer.bias is layer.weights[1]
    assert layer.kernel is layer.weights[0]


def test_dense_default_initializers_are_glorot_uniform_and_zeros():
    layer = Dense(40)
    layer(np.zeros((1, 60)))
    kernel, bias = layer.get_weights()
    limit = np.sqrt(6.0 / (60 + 40))
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit  # spread over the whole range
    assert abs(kernel.mean()) < 0.02
    np.testing.assert_array_equal(bias, np.zeros(40))


@pytest.mark.parametrize(
    "kernel_initializer,bias_initializer,expect_kernel,expect_bias",
    [("ones", "ones", 1.0, 1.0), ("zeros", "ones", 0.0, 1.0)],
)
def test_dense_named_initializers(kernel_initializer, bias_initializer, expect_kernel,
                                  expect_bias):
    layer = Dense(2, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer)
    layer(np.zeros((1, 3)))
    kernel, bias = layer.get_weights()
    np.testing.assert_array_equal(kernel, np.full((3, 2), expect_kernel))
    np.testing.assert_array_equal(bias, np.full(2, expect_bias))


def test_dense_initializer_objects():
    from shendu.initializers import Constant

    layer = Dense(2, kernel_initializer=Constant(0.5), bias_initializer=Constant(-1.0))
    layer(np.zeros((1, 3)))
    np.testing.assert_array_equal(layer.get_weights()[0], np.full((3, 2), 0.5))
    np.testing.assert_array_equal(layer.get_weights()[1], np.full(2, -1.0))


@pytest.mark.parametrize("kwargs", [{"input_dim": 7}, {"input_shape": (7,)}])
def test_dense_input_dim_and_input_shape_build_a_sequential(kwargs):
    model = Sequential([Dense(4, **kwargs), Dense(2)])
    assert model.built
    assert model.count_params() == 7 * 4 + 4 + 4 * 2 + 2
    assert model.layers[0].get_weights()[0].shape == (7, 4)


def test_input_fixes_the_shape_of_a_sequential():
    model = Sequential([Input(shape=(6,)), Dense(3, activation="relu")])
    assert model.built and model.count_params() == 6 * 3 + 3
    assert len(model.layers) == 1
    model2 = Sequential()
    model2.add(Input((6,)))
    model2.add(Dense(3))
    assert model2.count_params() == 21


def test_input_is_a_symbolic_batch_of_the_given_shape():
    symbol = Input(shape=(3, 4), name="inp_symbol")
    assert tuple(symbol.shape) == (None, 3, 4)


def test_input_layer_config_round_trip():
    layer = InputLayer(shape=(3, 4), name="inp")
    rebuilt = deserialize(serialize(layer))
    assert isinstance(rebuilt, InputLayer)
    assert rebuilt.shape == (3, 4)
    assert rebuilt.get_config() == layer.get_config()


def test_input_without_shape_is_an_error():
    with pytest.raises(ArgumentError, match="shape"):
        InputLayer()


# -- Dense: get/set weights -------------------------------------------------------------------


def test_set_weights_then_get_weights_round_trip():
    layer = Dense(3)
    layer(np.zeros((1, 4)))
    kernel = np.arange(12, dtype=np.float32).reshape(4, 3)
    bias = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    layer.set_weights([kernel, bias])
    got = layer.get_weights()
    np.testing.assert_array_equal(got[0], kernel)
    np.testing.assert_array_equal(got[1], bias)
    got[0][0, 0] = 100.0  # get_weights returns copies
    assert layer.get_weights()[0][0, 0] == 0.0
    out = layer(np.ones((1, 4), dtype=np.float32))
    np.testing.assert_allclose(out.data, kernel.sum(axis=0, keepdims=True) + bias)


def test_set_weights_with_a_wrong_shape_names_the_weight():
    layer = Dense(3, name="head")
    layer(np.zeros((1, 4)))
    with pytest.raises(ShapeError, match=r"head.*\(4, 3\).*\(3, 4\)"):
        layer.set_weights([np.zeros((3, 4)), np.zeros(3)])
    with pytest.raises(ShapeError, match="expected 2 arrays, got 1"):
        layer.set_weights([np.zeros((4, 3))])
    # nothing was half-written
    np.testing.assert_array_equal(layer.get_weights()[1], np.zeros(3))


def test_dense_rejects_bad_arguments_and_inputs():
    with pytest.raises(ArgumentError, match="units"):
        Dense(0)
    with pytest.raises(ArgumentError, match="units"):
        Dense(2.5)
    with pytest.raises(UnknownNameError, match="relu"):
        Dense(2, activation="relux")
    with pytest.raises(ArgumentError, match="unknwon_arg"):
        Dense(2, unknwon_arg=1)
    layer = Dense(2, name="d_in")
    layer(np.zeros((1, 3)))
    with pytest.raises(ShapeError, match=r"d_in.*3 features.*\(1, 4\)"):
        layer(np.zeros((1, 4)))


# -- Dense: config ------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_config_round_trip(activation):
    layer = Dense(5, activation=activation, use_bias=False, kernel_initializer="he_normal",
                  input_dim=3, name=f"dense_cfg_{activation}")
    config = layer.get_config()
    assert config["units"] == 5 and config["activation"] == activation
    assert config["use_bias"] is False
    rebuilt = Dense.from_config(config)
    assert rebuilt.get_config() == config
    again = deserialize(serialize(layer))
    assert isinstance(again, Dense) and again.get_config() == config
    # same weights → same outputs
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    layer(x)
    rebuilt(x)
    rebuilt.set_weights(layer.get_weights())
    np.testing.assert_allclose(rebuilt(x).data, layer(x).data)


def test_activation_config_round_trip():
    layer = Activation("tanh", name="act_tanh")
    config = layer.get_config()
    assert config["activation"] == "tanh"
    assert Activation.from_config(config).get_config() == config
    assert deserialize(serialize(layer)).get_config() == config


# -- Dense: parity with torch.nn.Linear and gradients ---------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("x_shape", [(6, 5), (2, 3, 5)])
def test_dense_matches_torch_linear_forward_and_backward(activation, x_shape):
    import torch

    backend.set_floatx("float64")
    rng = np.random.default_rng(3)
    x = rng.normal(size=x_shape)
    layer = Dense(4, activation=activation)
    layer(x)
    kernel, bias = rng.normal(size=(5, 4)), rng.normal(size=4)
    layer.set_weights([kernel, bias])

    reference = torch.nn.Linear(5, 4).double()
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(kernel.T))  # torch stores (out, in)
        reference.bias.copy_(torch.tensor(bias))
    tx = torch.tensor(x, requires_grad=True)
    expected = _torch_activation(activation)(reference(tx))

    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)

    r = rng.normal(size=out.shape)
    (out * Tensor(r)).sum().backward()
    (expected * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.kernel.grad, reference.weight.grad.numpy().T, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), rtol=1e-10,
                               atol=1e-12)


def _weight_gradient_error(layer, x, eps=1e-6):
    """Worst relative error of the weights' backprop gradients against central differences
    along a random direction (the weights are perturbed with set_weights)."""
    rng = np.random.default_rng(0)
    for var in layer.weights:
        var.grad = None  # start from no gradient
    out = layer(Tensor(x))
    r = rng.normal(size=out.shape)
    (out * Tensor(r)).sum().backward()
    base = layer.get_weights()
    worst = 0.0
    for i, var in enumerate(layer.weights):
        v = rng.normal(size=var.shape)
        analytic = float(np.sum(var.grad * v))
        losses = []
        for sign in (1, -1):
            moved = [w.copy() for w in base]
            moved[i] = moved[i] + sign * eps * v
            layer.set_weights(moved)
            losses.append(float(np.sum(layer(Tensor(x)).data * r)))
        layer.set_weights(base)
        numeric = (losses[0] - losses[1]) / (2 * eps)
        worst = max(worst, abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-8))
    return worst


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "softmax"])
def test_dense_backward_matches_finite_differences(activation):
    backend.set_floatx("float64")
    rng = np.random.default_rng(4)
    layer = Dense(3, activation=activation)
    x = rng.normal(size=(5, 4))
    layer(x)
    layer.set_weights([rng.normal(size=(4, 3)), rng.normal(size=3)])
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6
    assert _weight_gradient_error(layer, x) < 1e-6


def test_dense_with_a_callable_activation():
    backend.set_floatx("float64")
    double_tanh = lambda z: ops.tanh(z) * 2.0  # noqa: E731
    layer = Dense(3, activation=double_tanh)
    x = np.random.default_rng(0).normal(size=(2, 4))
    out = layer(x)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out.data, 2 * np.tanh(x @ kernel + bias), rtol=1e-12)
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6
    assert Dense(2, activation=activations.relu).activation.name == "relu"


# -- Activation layer ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_layer_matches_torch_and_finite_differences(activation):
    import torch

    backend.set_floatx("float64")
    x = np.random.default_rng(5).normal(size=(3, 4))
    x[np.abs(x) < 0.1] += 0.3  # away from relu's kink
    layer = Activation(activation)
    out = layer(x)
    assert out.shape == (3, 4)
    assert layer.compute_output_shape((None, 4)) == (None, 4)
    assert layer.count_params() == 0 and layer.get_weights() == []
    expected = _torch_activation(activation)(torch.tensor(x))
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-12, atol=1e-12)
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


def test_activation_reports_the_shape_of_a_shape_changing_function():
    assert Activation("relu").compute_output_shape((None, 6, 8)) == (None, 6, 8)
    assert Activation("glu").compute_output_shape((None, 6, 8)) == (None, 6, 4)
    first_half = lambda z: z[..., :3]  # noqa: E731
    assert Activation(first_half).compute_output_shape((None, 8)) == (None, 3)


def test_activation_glu_in_a_functional_model_fits_saves_and_reloads(tmp_path):
    from shendu.models import Model, load_model

    backend.set_floatx("float64")
    inputs = Input((8,))
    hidden = Activation("glu")(inputs)
    assert hidden.shape == (None, 4)
    model = Model(inputs, Dense(1)(hidden))
    assert model.layers[1].compute_output_shape((None, 8)) == (None, 4)
    assert model.layers[-1].get_weights()[0].shape == (4, 1)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 8)), rng.normal(size=(16, 1))
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    kernel, bias = model.layers[-1].get_weights()
    half = x[:, :4] / (1 + np.exp(-x[:, 4:]))  # glu by hand: a * sigmoid(b)
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(expected, half @ kernel + bias, rtol=1e-10)
    model.save(tmp_path / "glu.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "glu.keras").predict(x, verbose=0),
                                  expected)


# -- one training step -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layers,loss,target",
    [
        (lambda: [Dense(8, activation="tanh", input_dim=4), Dense(1)], "mse", "regression"),
        (lambda: [Dense(8, activation="relu", input_dim=4), Dense(1, activation="sigmoid")],
         "binary_crossentropy", "binary"),
        (lambda: [Dense(8, input_dim=4), Activation("relu"), Dense(3), Activation("softmax")],
         "sparse_categorical_crossentropy", "classes"),
    ],
    ids=["dense_mse", "dense_bce", "activation_layers"],
)
def test_one_training_step_lowers_the_loss(layers, loss, target):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = {
        "regression": x[:, :1] * 0.5 - x[:, 1:2],
        "binary": (x[:, 0] > 0).astype(np.float32),
        "classes": rng.integers(0, 3, size=32),
    }[target]
    model = Sequential(layers())
    model.compile(optimizer="sgd", loss=loss)
    before = [w.copy() for w in model.get_weights()]
    loss_before = model.evaluate(x, y, verbose=0)
    model.train_on_batch(x, y)
    loss_after = model.evaluate(x, y, verbose=0)
    assert loss_after < loss_before
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_trainable_false_layer_is_frozen():
    frozen = Dense(4, input_dim=3, trainable=False)
    model = Sequential([frozen, Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    kernel = frozen.get_weights()[0].copy()
    assert frozen.trainable_weights == []
    model.train_on_batch(np.ones((4, 3)), np.ones((4, 1)))
    np.testing.assert_array_equal(frozen.get_weights()[0], kernel)


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear", "sigmoid"])
def test_dense_runs_as_one_fused_linear_op(activation):
    from shendu.ops.fused import Linear as FusedLinear

    layer = Dense(3, activation=activation)
    out = layer(Tensor(np.ones((2, 4), dtype=np.float32), requires_grad=True))
    fn = out.creator
    if activation == "sigmoid":  # the logits stay visible to a cross-entropy loss
        assert out.logits is not None
        fn = fn.inputs[0].creator
    assert isinstance(fn, FusedLinear)
    assert [t is w for t, w in zip(fn.inputs[1:], layer.weights)] == [True, True]


@pytest.mark.parametrize("cls, name", [  # the names Keras 3 gives these classes
    ("Conv2D", "conv2d"), ("Conv2DTranspose", "conv2d_transpose"),
    ("MaxPooling2D", "max_pooling2d"), ("GlobalAveragePooling1D", "global_average_pooling1d"),
    ("PReLU", "p_re_lu"), ("STFTSpectrogram", "stft_spectrogram"), ("LSTM", "lstm"),
    ("MultiHeadAttention", "multi_head_attention"), ("SimpleRNN", "simple_rnn"),
])
def test_default_layer_names_follow_keras(cls, name):
    assert snake_case(cls) == name
