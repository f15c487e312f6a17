"""ZeroPadding1D, Cropping1D, UpSampling1D: forward and gradients against PyTorch and finite
differences, hand-worked values, shapes, config, a training step, and the errors."""

import numpy as np
import pytest

from helpers import random_inputs
from shendu import layers
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import deserialize, serialize
from shendu.models import Sequential
from shendu.testing import check_gradients
from test_conv import compare_with_torch


def _pad(before, after):
    def fn(t):
        import torch.nn.functional as F

        return F.pad(t, (before, after))  # the last axis: the steps of (batch, channels, steps)
    return fn


def _nearest(size):
    def fn(t):
        import torch.nn.functional as F

        return F.interpolate(t, scale_factor=size, mode="nearest")
    return fn


# (layer maker, torch map over (batch, channels, steps), input shape with batch,
#  channels_first, output shape with batch)
CASES = {
    "zero_padding_default": (lambda: layers.ZeroPadding1D(), _pad(1, 1), (2, 4, 3), False,
                             (2, 6, 3)),
    "zero_padding_pair": (lambda: layers.ZeroPadding1D((0, 3)), _pad(0, 3), (2, 4, 3), False,
                          (2, 7, 3)),
    "zero_padding_channels_first": (
        lambda: layers.ZeroPadding1D((2, 1), data_format="channels_first"), _pad(2, 1),
        (2, 3, 5), True, (2, 3, 8)),
    "cropping_default": (lambda: layers.Cropping1D(), lambda t: t[:, :, 1:-1], (2, 5, 3), False,
                         (2, 3, 3)),
    "cropping_pair": (lambda: layers.Cropping1D((2, 0)), lambda t: t[:, :, 2:], (2, 5, 2), False,
                      (2, 3, 2)),
    "cropping_int": (lambda: layers.Cropping1D(2), lambda t: t[:, :, 2:-2], (2, 7, 2), False,
                     (2, 3, 2)),
    "upsampling_default": (lambda: layers.UpSampling1D(), _nearest(2), (2, 3, 4), False,
                           (2, 6, 4)),
    "upsampling_3": (lambda: layers.UpSampling1D(3), _nearest(3), (2, 4, 2), False, (2, 12, 2)),
}


def _channels_last(fn, cf):
    """A torch map over (batch, channels, steps) applied to channels_last or _first inputs."""
    return fn if cf else (lambda t: fn(t.permute(0, 2, 1)).permute(0, 2, 1))


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_gradient_match_torch_and_finite_differences(name):
    make, torch_map, shape, cf, _ = CASES[name]
    layer = make()
    (x,) = random_inputs(shape, seed=3)
    compare_with_torch(lambda t: layer(t), _channels_last(torch_map, cf), [x])
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


@pytest.mark.parametrize("name", sorted(CASES))
def test_shapes_config_round_trip_and_one_training_step(name):
    make, _, shape, _, out_shape = CASES[name]
    layer = make()
    (x,) = random_inputs(shape)
    assert layer(x).shape == out_shape
    assert layer.compute_output_shape((None, *shape[1:])) == (None, *out_shape[1:])
    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer)
    config, config2 = layer.get_config(), clone.get_config()
    config.pop("name"), config2.pop("name")
    assert config == config2
    np.testing.assert_array_equal(clone(x).data, layer(x).data)

    # a Dense before it so the step has a weight to move; Dense works on the last axis
    model = Sequential([layers.Input(shape=shape[1:]), layers.Dense(shape[-1]), make()])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()[0].copy()
    target = np.ones(out_shape, "float32")
    model.train_on_batch(x.astype("float32"), target)
    assert not np.allclose(model.get_weights()[0], before)


def test_unknown_lengths_stay_unknown():
    assert layers.ZeroPadding1D(2).compute_output_shape((None, None, 3)) == (None, None, 3)
    assert layers.Cropping1D(1).compute_output_shape((None, None, 3)) == (None, None, 3)
    assert layers.UpSampling1D(2).compute_output_shape((None, None, 3)) == (None, None, 3)


def test_hand_worked_values():
    x = Tensor(np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1))
    assert layers.ZeroPadding1D((2, 1))(x).data.ravel().tolist() == [0, 0, 1, 2, 3, 0]
    assert layers.Cropping1D((1, 0))(x).data.ravel().tolist() == [2, 3]
    assert layers.UpSampling1D(2)(x).data.ravel().tolist() == [1, 1, 2, 2, 3, 3]
    cf = Tensor(np.array([[[1.0, 2.0], [3.0, 4.0]]]))  # (batch, channels, steps)
    padded = layers.ZeroPadding1D(1, data_format="channels_first")(cf).data[0]
    np.testing.assert_array_equal(padded, [[0, 1, 2, 0], [0, 3, 4, 0]])


def test_upsampling_gradient_sums_the_copies_of_a_step():
    x = Tensor(np.array([1.0, 2.0]).reshape(1, 2, 1), requires_grad=True)
    layers.UpSampling1D(3)(x).sum().backward()
    np.testing.assert_array_equal(x.grad.ravel(), [3.0, 3.0])


def test_configs_follow_keras_keys():
    assert layers.ZeroPadding1D(name="z").get_config() == {
        "name": "z", "trainable": True, "padding": (1, 1), "data_format": "channels_last"}
    assert layers.Cropping1D(name="c").get_config() == {"name": "c", "trainable": True,
                                                        "cropping": (1, 1)}
    assert layers.UpSampling1D(name="u").get_config() == {"name": "u", "trainable": True,
                                                          "size": 2}


@pytest.mark.parametrize("cls, arg", [(layers.ZeroPadding1D, "padding"),
                                      (layers.Cropping1D, "cropping")])
@pytest.mark.parametrize("value", [-1, (1, -2), (1, 2, 3), ((1, 1),), "2", 1.5, True, None])
def test_bad_padding_and_cropping_tuples_name_the_argument(cls, arg, value):
    with pytest.raises(ArgumentError, match=rf"{cls.__name__} .*{arg} must be .*got .*Hint"):
        cls(value)


@pytest.mark.parametrize("size", [0, -2, 1.5, (2,), True, "2"])
def test_bad_upsampling_size(size):
    with pytest.raises(ArgumentError, match=r"UpSampling1D .*size must be a positive int.*Hint"):
        layers.UpSampling1D(size)


def test_cropping_everything_raises_shape_error_at_call_and_in_output_shape():
    layer = layers.Cropping1D((2, 3), name="crop")
    with pytest.raises(ShapeError, match=r"Cropping1D 'crop': cropping \(2, 3\) removes all 5 "
                                         r"entries of axis 1.*Hint: crop fewer than 5"):
        layer(np.ones((1, 5, 2)))
    with pytest.raises(ShapeError, match="removes all 4"):
        layer.compute_output_shape((None, 4, 2))
    assert layer(np.ones((1, 6, 2))).shape == (1, 1, 2)


@pytest.mark.parametrize("layer", [layers.ZeroPadding1D(), layers.Cropping1D(),
                                   layers.UpSampling1D()], ids=lambda layer: layer.name)
@pytest.mark.parametrize("shape", [(2, 5), (2, 5, 3, 1)])
def test_inputs_of_another_rank_raise_shape_error(layer, shape):
    with pytest.raises(ShapeError, match=r"expected a 3-D input \(batch, steps, channels\)"):
        layer(np.ones(shape))


def test_bad_data_format():
    with pytest.raises(ArgumentError, match="ZeroPadding1D.*data_format"):
        layers.ZeroPadding1D(data_format="NCW")
    with pytest.raises(ArgumentError, match="unknown keyword"):
        layers.Cropping1D(data_format="channels_first")  # Keras's Cropping1D has none either
