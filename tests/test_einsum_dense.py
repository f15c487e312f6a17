"""EinsumDense against torch.einsum (forward and gradients, weights included), by finite
differences in float64, Keras's weight shapes, config, save/load and a training step."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import EinsumDense, deserialize, serialize
from shendu.testing import check_gradients


@pytest.fixture(autouse=True)
def _float64():
    backend.set_floatx("float64")  # conftest restores floatx after each test


# (equation, output_shape, bias_axes, input shape, kernel shape, bias shape) — the weight
# shapes as Keras 3.15 builds them
CASES = [
    ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,)),
    ("...b,bc->...c", 4, "c", (2, 5, 3), (3, 4), (4,)),
    ("abc,cde->abde", (None, 2, 4), "d", (2, 5, 3), (3, 2, 4), (2, 1)),
    ("abc,cd->abd", (5, 4), "b", (2, 5, 3), (3, 4), (5, 1)),
    ("ab...,bc->ac...", 4, "c", (2, 3, 5, 6), (3, 4), (4, 1, 1)),
    ("...ab,bcd->...acd", (5, 2, 4), "ad", (2, 7, 5, 3), (3, 2, 4), (5, 1, 4)),
    ("abc,bcd->ad", 3, None, (2, 4, 3), (4, 3, 3), None),
]


@pytest.mark.parametrize("equation,out,bias_axes,shape,kernel_shape,bias_shape", CASES)
def test_einsum_dense_matches_torch_and_finite_differences(equation, out, bias_axes, shape,
                                                           kernel_shape, bias_shape):
    import torch

    layer = EinsumDense(equation, out, bias_axes=bias_axes, activation="tanh")
    (x,) = random_inputs(shape, seed=1)
    layer.build_from_shape(shape)
    assert [w.shape for w in layer.get_weights()] == [kernel_shape] + (
        [bias_shape] if bias_shape else [])
    rng = np.random.default_rng(2)
    layer.set_weights([rng.normal(size=w.shape) for w in layer.get_weights()])
    xt = Tensor(x, True)
    y = layer(xt)
    tx, tw = torch_tensor(x), [torch_tensor(w) for w in layer.get_weights()]
    z = torch.einsum(equation, tx, tw[0])
    expected = torch.tanh(z + tw[1] if bias_shape else z)
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-12, atol=1e-13)
    assert y.shape == layer.compute_output_shape(shape)
    r = rng.normal(size=y.shape)
    (y * Tensor(r)).sum().backward()
    (expected * torch_tensor(r, False)).sum().backward()
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for var, t in zip(layer.weights, tw):
        np.testing.assert_allclose(var.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)

    names = ["kernel", "bias"][:len(layer.weights)]

    def fn(x, *weights):  # the weights as inputs, so they are differentiated too
        for name, w in zip(names, weights):
            object.__setattr__(layer, name, w)
        return layer(x)

    assert check_gradients(fn, [x] + layer.get_weights()) < 1e-6


def test_einsum_dense_glorot_uses_the_input_and_output_axes_as_fans():
    layer = EinsumDense("abc,cde->abde", (None, 8, 16), kernel_initializer="glorot_uniform")
    layer.build_from_shape((None, 5, 32))
    # Keras: fan_in = 32 (the summed axis), fan_out = 8·16 (the output axes)
    limit = np.sqrt(6.0 / (32 + 128))
    kernel = layer.get_weights()[0]
    assert kernel.shape == (32, 8, 16) and np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit


def test_einsum_dense_config_round_trip_training_and_saving(tmp_path):
    from shendu.layers import Flatten, Input
    from shendu.models import Model, load_model

    layer = EinsumDense("abc,cd->abd", (None, 3), bias_axes="d", activation="relu",
                        kernel_regularizer="l2", name="ed")
    config = layer.get_config()
    assert config["output_shape"] == [None, 3] and config["equation"] == "abc,cd->abd"
    assert deserialize(serialize(layer)).get_config() == config
    inp = Input(shape=(4, 5))
    model = Model(inp, Flatten()(layer(inp)))
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(3).normal(size=(6, 4, 5))
    before = layer.get_weights()[0]
    model.fit(x, np.ones((6, 12)), epochs=1, verbose=0)
    assert not np.allclose(before, layer.get_weights()[0])
    path = tmp_path / "ed.safetensors"
    model.save(path)
    np.testing.assert_allclose(load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))
    # a Keras config (quantization_config written as None) loads too
    keras_config = dict(config, quantization_config=None)
    assert EinsumDense.from_config(keras_config).get_config() == config


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(equation="ab->b", output_shape=3), ArgumentError, "equation must look like"),
    (dict(equation="ab,bc->ac", output_shape=-2), ArgumentError, "output_shape must be"),
    (dict(equation="ab,bc->ac", output_shape=3, bias_axes=5), ArgumentError, "bias_axes must"),
    (dict(equation="ab,bc->ac", output_shape=3, lora_rank=4), ArgumentError, "LoRA"),
])
def test_einsum_dense_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=f"EinsumDense.*{match}.*Hint"):
        EinsumDense(**kwargs)


@pytest.mark.parametrize("equation,out,bias_axes,shape,error,match", [
    ("ab,bc->ac", (3, 4), None, (2, 5), ArgumentError, "output_shape must give 1 size"),
    ("ab,bc->ac", 3, "x", (2, 5), ArgumentError, "bias_axes 'x' must be letters"),
    ("abc,cd->abd", (7, 3), None, (2, 5, 4), ShapeError, "shared by input and output"),
    ("ab,bc->ac", 3, None, (2, 5, 4), ShapeError, "names 2 axes"),
    ("ab,bcd->ac", 3, None, (2, 5), ArgumentError, "kernel letter 'd'"),
    ("ab,bc->acd", (3, 2), None, (2, 5), ArgumentError, "output letter 'd'"),
])
def test_einsum_dense_bad_shapes(equation, out, bias_axes, shape, error, match):
    with pytest.raises(error, match=f"EinsumDense.*{match}.*Hint"):
        EinsumDense(equation, out, bias_axes=bias_axes)(np.ones(shape))


def test_einsum_dense_rejects_another_rank_after_build():
    layer = EinsumDense("...b,bc->...c", 2)
    layer(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="expected inputs of rank 2.*Hint"):
        layer(np.ones((2, 4, 3)))
