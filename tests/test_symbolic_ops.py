"""keras.ops and Tensor operators on a functional model's symbolic tensors (Keras 3's way of
writing residuals, slices and reshapes between layers): each records an OpLayer node, the
model computes what the same ops compute eagerly, trains through them, and saves and loads."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

import shendu as keras
from shendu import ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, UnknownNameError
from shendu.layers import Dense, Input, LayerNormalization, MultiHeadAttention, OpLayer
from shendu.models import Model, load_model

RNG = np.random.default_rng(0)


def _model():
    inputs = Input(shape=(6,))
    h = Dense(6, activation="tanh", name="d1")(inputs)
    x = ops.relu(h + inputs) * 0.5 - 1.0  # residual, operators with numbers
    x = ops.concatenate([x[:, :3], 2.0 / (1.0 + ops.abs(x[..., 3:]))], axis=-1)
    x = ops.expand_dims(x, -1)[:, ::2, 0] ** 2
    outputs = Dense(1, name="d2")(x)
    return Model(inputs, outputs)


def _by_hand(model, x):
    """The same computation with NumPy, from the model's weights."""
    k1, b1, k2, b2 = model.get_weights()
    h = np.tanh(x @ k1 + b1)
    y = np.maximum(h + x, 0) * 0.5 - 1.0
    y = np.concatenate([y[:, :3], 2.0 / (1.0 + np.abs(y[..., 3:]))], axis=-1)
    y = y[:, ::2] ** 2
    return y @ k2 + b2


def test_ops_on_symbolic_tensors_build_a_model_that_computes_the_same():
    model = _model()
    x = RNG.normal(size=(5, 6)).astype("float32")
    assert all(isinstance(layer, OpLayer) for layer in model.layers[2:-1])
    np.testing.assert_allclose(model.predict(x, verbose=0), _by_hand(model, x), rtol=1e-5,
                               atol=1e-6)


def test_shapes_follow_keras():
    inputs = Input(shape=(None, 4))
    assert (inputs + 1.0).shape == (None, None, 4)
    assert inputs[:, -1].shape == (None, 4)
    assert ops.mean(inputs, axis=1).shape == (None, 4)
    assert ops.reshape(Input(shape=(2, 3)), (-1, 6)).shape == (None, 6)
    assert (Input(shape=(3,)) > 0.0).dtype == "bool"


def test_gradients_flow_through_op_nodes_in_float64():
    keras.config.set_floatx("float64")
    try:
        model = _model()
        x = RNG.normal(size=(4, 6))
        w = model.get_weights()
        eps, i = 1e-6, (0, 1)
        loss_of = lambda: float(np.sum(model(x).data ** 2))  # noqa: E731
        inputs = Tensor(x)
        out = model(inputs)
        (out * out).sum().backward()
        analytic = model.layers[1].kernel.grad[i]
        plus, minus = [a.copy() for a in w], [a.copy() for a in w]
        plus[0][i] += eps
        minus[0][i] -= eps
        model.set_weights(plus)
        up = loss_of()
        model.set_weights(minus)
        down = loss_of()
        assert analytic == pytest.approx((up - down) / (2 * eps), rel=1e-6)
    finally:
        keras.config.set_floatx("float32")


def test_a_residual_model_trains():
    x = RNG.normal(size=(128, 6)).astype("float32")
    y = (x[:, :1] * x[:, 1:2] > 0).astype("float32")
    model = _model()
    model.compile(loss="mse", optimizer="adam")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first


def test_the_keras_io_transformer_encoder_block():
    """keras.io's time-series Transformer block: residuals written as `x + inputs`."""
    def encoder(inputs):
        x = MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
        x = LayerNormalization(epsilon=1e-6)(x)
        res = x + inputs
        x = Dense(8, activation="relu")(res)
        x = Dense(inputs.shape[-1])(x)
        return LayerNormalization(epsilon=1e-6)(x + res)

    inputs = Input(shape=(5, 3))
    outputs = Dense(1, activation="sigmoid")(ops.mean(encoder(inputs), axis=1))
    model = Model(inputs, outputs)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    x = RNG.normal(size=(32, 5, 3)).astype("float32")
    history = model.fit(x, (x[:, 0, 0] > 0).astype("float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_save_and_load_keep_the_op_nodes(tmp_path):
    model = _model()
    x = RNG.normal(size=(3, 6)).astype("float32")
    model.save(tmp_path / "ops.safetensors")
    restored = load_model(tmp_path / "ops.safetensors")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    config = json.loads(json.dumps(model.get_config()))
    ops_used = [e["config"]["op"] for e in config["layers"] if e["class_name"] == "OpLayer"]
    assert ops_used[:3] == ["add", "relu", "multiply"] and "__getitem__" in ops_used


def test_indexing_keeps_slices_ellipsis_newaxis_and_ints():
    inputs = Input(shape=(4, 5))
    out = inputs[..., None, 1:4:2][:, -1]
    model = Model(inputs, out)
    x = RNG.normal(size=(2, 4, 5)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x[..., None, 1:4:2][:, -1])
    again = Model.from_config(json.loads(json.dumps(model.get_config())))
    np.testing.assert_array_equal(again.predict(x, verbose=0), x[..., None, 1:4:2][:, -1])


def test_numpy_constants_and_reflected_operators():
    inputs = Input(shape=(3,))
    scale = np.array([1.0, 2.0, 3.0], dtype="float32")
    model = Model(inputs, scale * inputs - np.float32(1) + 10.0 / (inputs ** 2 + 1.0))
    x = RNG.normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               scale * x - 1 + 10.0 / (x ** 2 + 1.0), rtol=1e-6)
    restored = Model.from_config(json.loads(json.dumps(model.get_config())))
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_eager_ops_are_unchanged_and_keep_their_signatures():
    assert isinstance(ops.add(np.ones(2), 1.0), Tensor)
    assert str(inspect.signature(ops.concatenate)).startswith("(xs, axis=0")
    assert ops.add.__name__ == "add"


def test_a_trainable_weight_as_a_constant_is_refused():
    dense = Dense(3)
    dense.build((None, 3))
    with pytest.raises(ArgumentError, match="trainable weight cannot be a constant"):
        Input(shape=(3,)) * dense.kernel


def test_an_argument_that_cannot_be_saved_is_refused():
    with pytest.raises(ArgumentError, match="cannot keep a builtin_function_or_method argument"):
        ops.add(Input(shape=(3,)), print)


@pytest.mark.parametrize("op", ["__class__", "os.system", "get_kernel_not_there"])
def test_a_hostile_or_unknown_op_name_in_a_config_is_refused(op):
    with pytest.raises(UnknownNameError, match="unknown op"):
        OpLayer.from_config({"op": op, "args": [{"tensor": 0}], "kwargs": {}, "name": "x"})


def test_a_malformed_argument_in_a_config_is_refused():
    layer = OpLayer.from_config({"op": "add", "args": [{"tensor": 0}, {"eval": "1"}],
                                 "kwargs": {}, "name": "bad"})
    with pytest.raises(ArgumentError, match="malformed argument"):
        layer([np.ones((1, 2))])
