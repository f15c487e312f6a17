"""The 3-D pooling, padding, cropping and upsampling layers: forward and gradients against
PyTorch in float64 and by finite differences, Keras's config keys and defaults, bad input, one
training step."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs
from shendu import layers
from shendu.errors import ArgumentError, ShapeError
from shendu.models import Sequential
from shendu.testing import check_gradients
from test_conv import compare_with_torch
from test_conv_nd import torch_pool_nd

POOL_LAYER_CASES = [
    (layers.MaxPooling3D, {}, (2, 4, 4, 6, 2)),
    (layers.MaxPooling3D, dict(pool_size=(3, 2, 2), strides=(2, 1, 2), padding="same"),
     (2, 5, 4, 5, 2)),
    (layers.MaxPooling3D, dict(pool_size=2, strides=1, data_format="channels_first"),
     (2, 2, 3, 4, 3)),
    (layers.AveragePooling3D, dict(pool_size=2), (2, 4, 5, 4, 2)),
    (layers.AveragePooling3D, dict(pool_size=3, strides=2, padding="same"), (2, 5, 4, 5, 2)),
    (layers.AveragePooling3D, dict(pool_size=(2, 3, 1), padding="same",
                                   data_format="channels_first"), (2, 2, 3, 5, 4)),
]


@pytest.mark.parametrize("cls, kwargs, shape", POOL_LAYER_CASES, ids=str)
def test_pooling3d_layers_match_torch_and_finite_differences(cls, kwargs, shape):
    layer = cls(**kwargs, dtype="float64")
    kind = "max" if cls is layers.MaxPooling3D else "avg"
    cf = kwargs.get("data_format") == "channels_first"
    (x,) = random_inputs(shape, seed=3)  # continuous values: no ties inside a window
    compare_with_torch(lambda t: layer(t), lambda t: torch_pool_nd(
        t, kind, layer.pool_size, layer.strides, layer.padding, cf), [x])
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


@pytest.mark.parametrize("cls, torch_name", [(layers.GlobalMaxPooling3D, "amax"),
                                             (layers.GlobalAveragePooling3D, "mean")])
@pytest.mark.parametrize("cf, keepdims", [(False, False), (True, True)])
def test_global_pooling3d_layers_match_torch_and_finite_differences(cls, torch_name, cf,
                                                                     keepdims):
    import torch

    fmt = "channels_first" if cf else "channels_last"
    layer = cls(data_format=fmt, keepdims=keepdims, dtype="float64")
    axes = (2, 3, 4) if cf else (1, 2, 3)
    (x,) = random_inputs((2, 3, 4, 2, 3), seed=5)
    compare_with_torch(lambda t: layer(t),
                       lambda t: getattr(torch, torch_name)(t, dim=axes, keepdim=keepdims), [x])
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


def _channels_last(fn, cf):
    """A torch map over (batch, channels, d1, d2, d3) applied to channels_last or _first x."""
    if cf:
        return fn
    return lambda t: fn(t.permute(0, 4, 1, 2, 3)).permute(0, 2, 3, 4, 1)


def _pad(*amounts):
    def fn(t):
        import torch.nn.functional as F

        return F.pad(t, amounts)
    return fn


def _nearest(size):
    def fn(t):
        import torch.nn.functional as F

        return F.interpolate(t, scale_factor=size, mode="nearest")
    return fn


# (layer, torch map over (batch, channels, d1, d2, d3), input shape, channels_first)
SPATIAL_CASES = {
    "zero_padding": (lambda: layers.ZeroPadding3D(((1, 0), (2, 1), (0, 3))),
                     _pad(0, 3, 2, 1, 1, 0), (2, 2, 3, 2, 2), False),
    "zero_padding_ints_channels_first": (
        lambda: layers.ZeroPadding3D((2, 0, 1), data_format="channels_first"),
        _pad(1, 1, 0, 0, 2, 2), (2, 2, 2, 3, 2), True),
    "cropping": (lambda: layers.Cropping3D(((1, 0), (0, 2), (1, 1))),
                 lambda t: t[:, :, 1:, :-2, 1:-1], (2, 3, 4, 4, 2), False),
    "cropping_default_channels_first": (
        lambda: layers.Cropping3D(data_format="channels_first"),
        lambda t: t[:, :, 1:-1, 1:-1, 1:-1], (2, 2, 3, 4, 5), True),
    "upsampling": (lambda: layers.UpSampling3D((2, 1, 3)), _nearest((2, 1, 3)),
                   (2, 2, 3, 2, 2), False),
    "upsampling_channels_first": (lambda: layers.UpSampling3D(2, data_format="channels_first"),
                                  _nearest((2, 2, 2)), (2, 2, 2, 3, 2), True),
}


@pytest.mark.parametrize("name", sorted(SPATIAL_CASES))
def test_padding_cropping_and_upsampling3d_match_torch_and_finite_differences(name):
    make, torch_map, shape, cf = SPATIAL_CASES[name]
    layer = make()
    (x,) = random_inputs(shape, seed=13)
    compare_with_torch(lambda t: layer(t), _channels_last(torch_map, cf), [x])
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


# (class, kwargs, input shape (no batch), output shape (no batch), Keras 3.15's config keys)
LAYER_CASES = [
    (layers.MaxPooling3D, {}, (4, 4, 6, 2), (2, 2, 3, 2),
     {"pool_size", "strides", "padding", "data_format"}),
    (layers.AveragePooling3D, dict(pool_size=(1, 2, 2), padding="same"), (3, 5, 4, 2),
     (3, 3, 2, 2), {"pool_size", "strides", "padding", "data_format"}),
    (layers.GlobalMaxPooling3D, {}, (3, 4, 2, 5), (5,), {"data_format", "keepdims"}),
    (layers.GlobalAveragePooling3D, dict(keepdims=True), (3, 4, 2, 5), (1, 1, 1, 5),
     {"data_format", "keepdims"}),
    (layers.ZeroPadding3D, {}, (2, 3, 2, 2), (4, 5, 4, 2), {"padding", "data_format"}),
    (layers.Cropping3D, {}, (3, 4, 5, 2), (1, 2, 3, 2), {"cropping", "data_format"}),
    (layers.UpSampling3D, {}, (2, 3, 1, 2), (4, 6, 2, 2), {"size", "data_format"}),
]


@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda c: f"{c[0].__name__}-{c[1]}")
def test_layers_shapes_config_and_a_training_step(case):
    cls, kwargs, in_shape, out_shape, keys = case
    layer = cls(**kwargs)
    x = np.random.default_rng(0).normal(size=(2, *in_shape)).astype("float32")
    assert layer(x).shape == (2, *out_shape)
    assert layer.compute_output_shape((None, *in_shape)) == (None, *out_shape)
    assert layer.count_params() == 0
    config = layer.get_config()
    assert set(config) - {"name", "trainable", "dtype"} == keys
    clone = layers.deserialize(layers.serialize(layer))
    assert clone.get_config() == {**config, "name": clone.name}
    np.testing.assert_array_equal(clone(x).data, layer(x).data)
    model = Sequential([layers.Input(shape=in_shape), layers.Dense(2), cls(**kwargs)])
    model.compile(optimizer="sgd", loss="mse")
    y = np.ones((2, *model.compute_output_shape((None, *in_shape))[1:]), dtype="float32")
    before = model.get_weights()[0].copy()
    model.train_on_batch(x, y)
    assert not np.allclose(model.get_weights()[0], before)


def test_keras_defaults_and_aliases():
    assert layers.MaxPooling3D().pool_size == (2, 2, 2)
    assert layers.ZeroPadding3D().padding == ((1, 1), (1, 1), (1, 1))
    assert layers.Cropping3D().cropping == ((1, 1), (1, 1), (1, 1))
    assert layers.UpSampling3D().size == (2, 2, 2)
    assert layers.ZeroPadding3D(2).padding == ((2, 2),) * 3
    with pytest.raises(TypeError):
        layers.AveragePooling3D()  # pool_size has no default in Keras
    for alias, name in [("MaxPool3D", "MaxPooling3D"), ("AvgPool3D", "AveragePooling3D"),
                        ("GlobalMaxPool3D", "GlobalMaxPooling3D"),
                        ("GlobalAvgPool3D", "GlobalAveragePooling3D")]:
        assert getattr(layers, alias) is getattr(layers, name)


BAD_ARGUMENTS = [
    (lambda: layers.MaxPooling3D((2, 2), name="p"), ArgumentError,
     r"MaxPooling3D 'p': pool_size must be a positive int or a tuple of 3 of them, got "
     r"\(2, 2\)\. Hint"),
    (lambda: layers.AveragePooling3D(2, strides=(1, 0, 1), name="p"), ArgumentError,
     r"AveragePooling3D 'p': strides must be a positive int or a tuple of 3"),
    (lambda: layers.MaxPooling3D(padding="causal", name="p"), ArgumentError,
     r"MaxPooling3D 'p': padding must be one of \('valid', 'same'\)"),
    (lambda: layers.GlobalMaxPooling3D(data_format="NDHWC", name="p"), ArgumentError,
     r"data_format must be 'channels_last' or 'channels_first'"),
    (lambda: layers.ZeroPadding3D(((1, 1), (2, 2)), name="p"), ArgumentError,
     r"ZeroPadding3D 'p': padding must be a non-negative int, 3 of them, or 3 \(before, "
     r"after\) pairs, got \(\(1, 1\), \(2, 2\)\)\. Hint"),
    (lambda: layers.Cropping3D((1, -1, 0), name="p"), ArgumentError,
     r"Cropping3D 'p': cropping must be a non-negative int"),
    (lambda: layers.ZeroPadding3D("1", name="p"), ArgumentError, r"padding must be"),
    (lambda: layers.UpSampling3D((2, 2), name="p"), ArgumentError,
     r"UpSampling3D 'p': size must be a positive int or a tuple of 3 of them"),
]


@pytest.mark.parametrize("make, error, pattern", BAD_ARGUMENTS, ids=lambda v: None)
def test_bad_arguments_are_refused_by_name(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


BAD_INPUTS = [
    (lambda: layers.MaxPooling3D(name="p"), (1, 4, 4, 2), r"MaxPooling3D 'p': expected a 5-D "
     r"input \(batch, depth, rows, cols, channels\), got shape \(1, 4, 4, 2\)\. Hint"),
    (lambda: layers.AveragePooling3D(3, name="p"), (1, 2, 4, 4, 2),
     r"AveragePooling3D 'p': input length 2 is smaller than the \(dilated\) window 3"),
    (lambda: layers.GlobalAveragePooling3D(name="p"), (1, 4, 2),
     r"GlobalAveragePooling3D 'p': expected a 5-D input"),
    (lambda: layers.ZeroPadding3D(name="p"), (1, 4, 4, 2),
     r"ZeroPadding3D 'p': expected a 5-D input \(batch, dim1, dim2, dim3, channels\)"),
    (lambda: layers.Cropping3D(((0, 0), (2, 2), (0, 0)), name="p"), (1, 3, 4, 3, 2),
     r"Cropping3D 'p': cropping .* removes all 4 entries of axis 2"),
    (lambda: layers.UpSampling3D(data_format="channels_first", name="p"), (1, 2, 3, 3),
     r"UpSampling3D 'p': expected a 5-D input \(batch, channels, dim1, dim2, dim3\)"),
]


@pytest.mark.parametrize("make, shape, pattern", BAD_INPUTS, ids=lambda v: None)
def test_bad_inputs_are_refused_by_name(make, shape, pattern):
    with pytest.raises(ShapeError, match=pattern):
        make()(np.ones(shape, np.float32))
