"""RMSNormalization (and its op) against torch.nn.functional.rms_norm and a hand-worked example,
by finite differences in float64, through the Sequential fast path, config and save/load."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import RMSNormalization, deserialize, serialize
from shendu.ops.rms_normalization import rms_normalization
from shendu.testing import check_gradients


@pytest.fixture(autouse=True)
def _float64():
    backend.set_floatx("float64")  # conftest restores floatx after each test


def test_rms_normalization_by_hand():
    # x = (3, 4): mean(x²) = 12.5, y = x / √(12.5 + ε) · (1, 2)
    layer = RMSNormalization(epsilon=0.5)
    layer.build_from_shape((None, 2))
    layer.scale.assign(np.array([1.0, 2.0]))
    np.testing.assert_allclose(layer(np.array([[3.0, 4.0]])).data,
                               [[3.0 / np.sqrt(13.0), 8.0 / np.sqrt(13.0)]], rtol=1e-14)


@pytest.mark.parametrize("axis,shape", [(-1, (3, 5)), (-1, (2, 3, 4)), ([1, 2], (2, 3, 4)),
                                        ([-2, -1], (2, 2, 3, 4))])
def test_rms_normalization_matches_torch_and_finite_differences(axis, shape):
    import torch.nn.functional as F

    (x,) = random_inputs(shape, seed=1)
    layer = RMSNormalization(axis=axis, epsilon=1e-3)
    layer.build_from_shape(shape)
    scale = np.random.default_rng(2).normal(size=layer.scale.shape)
    layer.scale.assign(scale)
    xt = Tensor(x, True)
    y = layer(xt)
    tx, ts = torch_tensor(x), torch_tensor(scale)
    expected = F.rms_norm(tx, tuple(layer.scale.shape), ts, 1e-3)
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-12, atol=1e-13)
    r = np.random.default_rng(3).normal(size=y.shape)
    (y * Tensor(r)).sum().backward()
    (expected * torch_tensor(r, False)).sum().backward()
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.scale.grad, ts.grad.numpy(), rtol=1e-10, atol=1e-12)
    axes = layer._axes
    assert check_gradients(lambda a, s: rms_normalization(a, s, axis=axes, epsilon=1e-3),
                           [x, scale]) < 1e-6


def test_rms_normalization_over_a_middle_axis_matches_numpy():
    (x,) = random_inputs((2, 3, 4), seed=4)
    layer = RMSNormalization(axis=1, epsilon=0.0)
    layer(x)
    layer.scale.assign(np.array([1.0, 2.0, 3.0]))
    expected = x / np.sqrt((x ** 2).mean(axis=1, keepdims=True)) * np.array([1, 2, 3])[:, None]
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12)
    assert check_gradients(lambda a: rms_normalization(a, axis=1, epsilon=1e-2), [x]) < 1e-6


def test_rms_normalization_trains_in_the_fast_path_saves_and_loads(tmp_path):
    from shendu.layers import Dense
    from shendu.models import Sequential, load_model

    model = Sequential([Dense(4, input_shape=(3,)), RMSNormalization(name="rms"), Dense(1)])
    assert model.layers[1].chain_steps() is not None
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(5).normal(size=(8, 3))
    model.fit(x, np.ones((8, 1)), epochs=2, verbose=0)
    layer = model.get_layer("rms")
    assert [w.path for w in layer.weights] == ["rms/scale"]
    assert not np.allclose(layer.get_weights()[0], 1.0)
    path = tmp_path / "rms.safetensors"
    model.save(path)
    np.testing.assert_allclose(load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))
    config = layer.get_config()
    assert config["axis"] == [-1] and config["epsilon"] == 1e-6
    assert deserialize(serialize(layer)).get_config() == config


def test_rms_normalization_bad_input():
    with pytest.raises(ArgumentError, match="RMSNormalization.*axis must be an int.*Hint"):
        RMSNormalization(axis="last")
    with pytest.raises(ArgumentError, match="RMSNormalization.*epsilon must be a non-negative"):
        RMSNormalization(epsilon=-1.0)
    with pytest.raises(ShapeError, match="RMSNormalization.*axis 3 does not fit.*Hint"):
        RMSNormalization(axis=3)(np.ones((2, 4)))
    layer = RMSNormalization()
    layer(np.ones((2, 4)))
    with pytest.raises(ShapeError, match="RMSNormalization.*sizes \\(4,\\).*Hint"):
        layer(np.ones((2, 5)))
    with pytest.raises(ArgumentError, match="rms_normalization: axis.*Hint"):
        rms_normalization(np.ones((2, 3)), axis=2)
