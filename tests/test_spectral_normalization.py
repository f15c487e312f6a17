"""SpectralNormalization: the converged kernel against torch's spectral_norm and NumPy's SVD,
one power-iteration step by hand, inference on the stored kernel, gradients by finite
differences in float64, Keras's weights, training, config and save/load, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError
from shendu.layers import (
    Conv2D,
    Dense,
    Embedding,
    Input,
    ReLU,
    SpectralNormalization,
    deserialize,
    serialize,
)
from shendu.models import Sequential, load_model
from shendu.testing import check_gradients


@pytest.fixture(autouse=True)
def _float64():
    backend.set_floatx("float64")  # conftest restores floatx after each test


def _sigma_max(kernel):
    return np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]


def test_dense_kernel_converges_to_torch_spectral_norm_and_svd():
    import torch

    (x,) = random_inputs((4, 5), seed=1)
    layer = SpectralNormalization(Dense(3), power_iterations=200)
    layer(x)
    kernel = layer.layer.kernel.data.copy()
    y = layer(x, training=True)
    assert _sigma_max(layer.layer.kernel.data) == pytest.approx(1.0, abs=1e-10)
    np.testing.assert_allclose(layer.layer.kernel.data, kernel / _sigma_max(kernel), rtol=1e-9)

    linear = torch.nn.Linear(5, 3).double()
    with torch.no_grad():
        linear.weight.copy_(torch_tensor(kernel.T, False))
        linear.bias.copy_(torch_tensor(layer.layer.bias.data, False))
    torch.nn.utils.parametrizations.spectral_norm(linear, n_power_iterations=200)
    expected = linear(torch_tensor(x, False)).detach().numpy()
    np.testing.assert_allclose(y.data, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.layer.kernel.data, linear.weight.detach().numpy().T,
                               rtol=1e-9, atol=1e-12)


def test_conv2d_kernel_matches_torch_spectral_norm():
    import torch

    (x,) = random_inputs((2, 5, 5, 2), seed=2)
    layer = SpectralNormalization(Conv2D(3, 2), power_iterations=200)
    layer(x)
    kernel = layer.layer.kernel.data.copy()  # (kh, kw, in, out)
    y = layer(x, training=True)
    conv = torch.nn.Conv2d(2, 3, 2).double()
    with torch.no_grad():
        conv.weight.copy_(torch_tensor(kernel.transpose(3, 2, 0, 1), False))
        conv.bias.copy_(torch_tensor(layer.layer.bias.data, False))
    torch.nn.utils.parametrizations.spectral_norm(conv, n_power_iterations=200)
    expected = conv(torch_tensor(x.transpose(0, 3, 1, 2), False)).detach().numpy()
    np.testing.assert_allclose(y.data, expected.transpose(0, 2, 3, 1), rtol=1e-9, atol=1e-12)
    assert _sigma_max(layer.layer.kernel.data) == pytest.approx(1.0, abs=1e-10)


def test_one_power_iteration_by_hand_and_u_is_kept():
    (x,) = random_inputs((3, 4), seed=3)
    layer = SpectralNormalization(Dense(2, use_bias=False))
    layer(x)
    w, u = layer.layer.kernel.data.copy(), layer.vector_u.data.copy()
    assert u.shape == (1, 2) and not layer.vector_u.trainable
    v = u @ w.T / np.linalg.norm(u @ w.T)  # v = normalize(u Wᵀ), u = normalize(v W)
    u = v @ w / np.linalg.norm(v @ w)
    sigma = (v @ w @ u.T).item()
    y = layer(x, training=True)
    np.testing.assert_allclose(layer.vector_u.data, u, rtol=1e-12)
    np.testing.assert_allclose(layer.layer.kernel.data, w / sigma, rtol=1e-12)
    np.testing.assert_allclose(y.data, x @ (w / sigma), rtol=1e-12)


def test_inference_uses_the_stored_kernel():
    # Keras's own case: a 2x2 kernel of ones has spectral norm 2
    layer = SpectralNormalization(Conv2D(1, 2, kernel_initializer="ones"), power_iterations=8)
    x = np.ones((1, 2, 2, 1))
    np.testing.assert_allclose(layer(x).data, [[[[4.0]]]])  # inference: not normalized yet
    np.testing.assert_allclose(layer(x, training=True).data, [[[[2.0]]]], rtol=1e-12)
    np.testing.assert_allclose(layer(x).data, [[[[2.0]]]], rtol=1e-12)  # stored kernel now
    zero = SpectralNormalization(Dense(2, kernel_initializer="zeros"))
    zero(np.ones((1, 3)), training=True)  # an all-zero kernel is left alone, not 0/0
    assert np.all(zero.layer.kernel.data == 0) and np.isfinite(zero.vector_u.data).all()


@pytest.mark.parametrize("training", [False, True])
def test_gradients_by_finite_differences(training):
    (x,) = random_inputs((3, 4), seed=4)
    layer = SpectralNormalization(Dense(3, activation="tanh"), power_iterations=300)
    layer(x, training=True)  # converged: further training calls leave the kernel as it is
    assert check_gradients(lambda t: layer(t, training=training), [x]) < 1e-6
    # as in Keras, the kernel's gradient is the wrapped layer's: none flows through σ
    layer.layer.kernel.grad = None  # check_gradients' backward left one
    xt = Tensor(x, True)
    r = np.random.default_rng(5).normal(size=(3, 3))
    (layer(xt, training=training) * Tensor(r)).sum().backward()
    z = x @ layer.layer.kernel.data + layer.layer.bias.data
    np.testing.assert_allclose(layer.layer.kernel.grad, x.T @ (r * (1 - np.tanh(z) ** 2)),
                               rtol=1e-10)


def test_wraps_an_embedding():
    layer = SpectralNormalization(Embedding(6, 3), power_iterations=200)
    out = layer(np.array([[1, 2, 5]]), training=True)
    assert out.shape == (1, 3, 3) and layer.vector_u.shape == (1, 3)
    assert _sigma_max(layer.layer.embeddings.data) == pytest.approx(1.0, abs=1e-10)


def test_training_lowers_the_loss_and_keeps_the_norm_near_one(tmp_path):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(64, 5))
    y = np.sin(x.sum(axis=1, keepdims=True))
    model = Sequential([Input((5,)), SpectralNormalization(Dense(16, activation="tanh"),
                                                           name="sn"), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
    sn = model.get_layer("sn")
    assert _sigma_max(sn.layer.kernel.data) == pytest.approx(1.0, abs=0.05)
    assert [w.path.split("/")[-1] for w in sn.weights] == ["kernel", "vector_u", "bias"]
    assert [w.path for w in sn.non_trainable_weights] == ["sn/vector_u"]
    assert len(sn.trainable_weights) == 2
    path = tmp_path / "sn.safetensors"
    model.save(path)
    loaded = load_model(path)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)  # vector_u included
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    sn2 = loaded.get_layer("sn")
    np.testing.assert_array_equal(sn2.vector_u.data, sn.vector_u.data)


def test_config_round_trip():
    layer = SpectralNormalization(Dense(4, activation="relu"), power_iterations=3, name="sn")
    config = layer.get_config()
    assert config["power_iterations"] == 3 and config["layer"]["class_name"] == "Dense"
    clone = deserialize(serialize(layer))
    assert isinstance(clone, SpectralNormalization) and clone.power_iterations == 3
    assert clone.layer.units == 4 and clone.get_config() == config


def test_bad_arguments():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ArgumentError, match="SpectralNormalization.*power_iterations must "
                                                "be a positive integer.*Hint"):
            SpectralNormalization(Dense(2), power_iterations=bad)
    with pytest.raises(ArgumentError, match="SpectralNormalization.*layer must be a Layer.*Hint"):
        SpectralNormalization("dense")
    with pytest.raises(ArgumentError, match="ReLU.*no attribute 'kernel' nor 'embeddings'.*Hint"):
        SpectralNormalization(ReLU())(np.ones((4, 2)))
