"""Adaptive average and max pooling (1-D, 2-D, 3-D): values and gradients against PyTorch's
adaptive pools, finite differences, hand-worked bins, bad arguments, configs, and training
with a Conv2D after the layer on both paths."""

import numpy as np
import pytest

from helpers import assert_paths_agree_and_reload, random_inputs, torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
    Conv2D,
    Dense,
    Flatten,
    Input,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.ops.adaptive_pooling import adaptive_bins
from shendu.testing import check_gradients
from shendu.utils import set_random_seed

LAYERS = {(1, "average"): AdaptiveAveragePooling1D, (2, "average"): AdaptiveAveragePooling2D,
          (3, "average"): AdaptiveAveragePooling3D, (1, "max"): AdaptiveMaxPooling1D,
          (2, "max"): AdaptiveMaxPooling2D, (3, "max"): AdaptiveMaxPooling3D}


def _torch_pool(x, rank, mode, size):
    import torch.nn.functional as F

    fn = getattr(F, f"adaptive_{'avg' if mode == 'average' else 'max'}_pool{rank}d")
    t = torch_tensor(x)
    last = list(range(2, rank + 2)) + [1]
    y = fn(t.permute(0, rank + 1, *range(1, rank + 1)), size).permute(0, *last)
    return t, y


CASES = [(1, (2, 5, 3), (3,)), (1, (2, 4, 2), (6,)), (1, (1, 13, 2), (5,)),
         (1, (2, 8, 1), (1,)), (2, (2, 7, 5, 3), (3, 2)), (2, (1, 4, 6, 2), (7, 4)),
         (2, (2, 9, 9, 1), (9, 9)), (3, (1, 5, 6, 7, 2), (2, 4, 3)),
         (3, (2, 3, 4, 2, 1), (5, 1, 2))]


@pytest.mark.parametrize("mode", ["average", "max"])
@pytest.mark.parametrize("rank,shape,size", CASES)
def test_values_and_gradients_match_torch_adaptive_pooling(rank, shape, size, mode):
    x, = random_inputs(shape, seed=sum(shape))
    t, expected = _torch_pool(x, rank, mode, size)
    r = np.random.default_rng(1).normal(size=tuple(expected.shape))
    (expected * torch_tensor(r, requires_grad=False)).sum().backward()
    xt = Tensor(x, requires_grad=True)
    y = LAYERS[rank, mode](size, dtype="float64")(xt)
    (y * Tensor(r)).sum().backward()
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xt.grad, t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["average", "max"])
@pytest.mark.parametrize("rank,shape,size", CASES[::2])
def test_gradients_match_finite_differences(rank, shape, size, mode):
    x, = random_inputs(shape, seed=3)
    fmt = "channels_first" if rank == 2 else "channels_last"
    layer = LAYERS[rank, mode](size, data_format=fmt, dtype="float64")
    assert check_gradients(layer, [x]) < 1e-6


def test_bins_by_hand_and_channels_first():
    # L = 5, n = 3: [0, 5/3) -> [0, 2), [5/3, 10/3) -> [1, 4), [10/3, 5) -> [3, 5)
    assert adaptive_bins(5, 3) == [(0, 2), (1, 4), (3, 5)]
    # n > L repeats cells: L = 2, n = 3 -> [0, 1), [0, 2), [1, 2)
    assert adaptive_bins(2, 3) == [(0, 1), (0, 2), (1, 2)]
    x = np.array([1.0, 5.0, 2.0, 0.0, 4.0]).reshape(1, 5, 1)
    np.testing.assert_allclose(AdaptiveAveragePooling1D(3, dtype="float64")(x).data.ravel(),
                               [3.0, 7.0 / 3.0, 2.0])
    np.testing.assert_array_equal(AdaptiveMaxPooling1D(3)(x).data.ravel(), [5, 5, 4])
    x = np.random.default_rng(0).normal(size=(2, 3, 7, 6))
    first = AdaptiveMaxPooling2D((3, 4), data_format="channels_first")(x).data
    last = AdaptiveMaxPooling2D((3, 4))(np.moveaxis(x, 1, -1)).data
    np.testing.assert_array_equal(first, np.moveaxis(last, -1, 1))
    assert AdaptiveAveragePooling3D(2, data_format="channels_first").compute_output_shape(
        (None, 4, 9, 9, 9)) == (None, 4, 2, 2, 2)


@pytest.mark.parametrize("make,words", [
    (lambda: AdaptiveAveragePooling2D(0), ["AdaptiveAveragePooling2D", "output_size", "0",
                                           "positive int"]),
    (lambda: AdaptiveMaxPooling1D((2, 2)), ["AdaptiveMaxPooling1D", "1 positive", "(2, 2)"]),
    (lambda: AdaptiveMaxPooling3D((2, 2)), ["output_size", "3 positive", "(2, 2)"]),
    (lambda: AdaptiveAveragePooling2D(2.5), ["output_size", "2.5"]),
    (lambda: AdaptiveAveragePooling2D(True), ["output_size", "True"]),
    (lambda: AdaptiveAveragePooling2D("4"), ["output_size", "'4'"]),
    (lambda: AdaptiveAveragePooling2D(2, data_format="nhwc"), ["data_format", "'nhwc'"]),
    (lambda: AdaptiveAveragePooling2D(2)(np.ones((2, 4, 4))), ["AdaptiveAveragePooling2D",
                                                                "4-D", "(2, 4, 4)"]),
    (lambda: AdaptiveMaxPooling1D(2)(np.ones((2, 4, 4, 1))), ["3-D", "(2, 4, 4, 1)"]),
])
def test_bad_arguments_and_inputs_raise_named_errors(make, words):
    with pytest.raises((ArgumentError, ShapeError)) as info:
        make()
    message = str(info.value)
    assert "Hint" in message
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize("layer", [AdaptiveAveragePooling1D(4, name="a1"),
                                   AdaptiveMaxPooling2D((3, 1), data_format="channels_first"),
                                   AdaptiveAveragePooling3D((1, 2, 3))])
def test_config_round_trip(layer):
    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    assert clone.output_size == layer.output_size


@pytest.mark.parametrize("pool", [AdaptiveAveragePooling2D, AdaptiveMaxPooling2D])
def test_training_with_conv2d_after_on_both_paths_and_save(pool, tmp_path):
    backend.set_floatx("float64")
    x = np.random.default_rng(3).uniform(size=(12, 9, 7, 3))
    y = np.random.default_rng(4).normal(size=(12, 1))
    def make_model(fast):
        set_random_seed(0)  # the same initial weights on both paths
        model = Sequential([Input(shape=(9, 7, 3)), pool((5, 4)), Conv2D(2, 3), Flatten(),
                            Dense(1)])
        model.use_fast_path = fast
        model.compile(optimizer="sgd", loss="mse")
        return model

    assert_paths_agree_and_reload(make_model, x, y, tmp_path / "pooled.safetensors")
