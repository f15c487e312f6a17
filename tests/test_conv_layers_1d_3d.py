"""Conv3D, Conv1DTranspose, Conv3DTranspose, DepthwiseConv1D and SeparableConv1D: forward and
every gradient (input and weights) against PyTorch in float64 and by finite differences, Keras's
weight shapes and config keys, bad arguments, one training step, and the Sequential fast path
against the layer-by-layer path."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs
from shendu import layers
from shendu.errors import ArgumentError, ShapeError
from shendu.models import Sequential
from test_conv import torch_conv
from test_conv_nd import torch_conv_nd, torch_conv_transpose_nd
from test_layer_references import built, check_layer


def _act(name):
    import torch

    return {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}.get(
        name, lambda t: t)


def _setup(cls, kwargs, shape):
    layer = built(cls(**kwargs, dtype="float64"), shape)
    cf = kwargs.get("data_format") == "channels_first"
    return layer, cf, shape[1] if cf else shape[-1], _act(kwargs.get("activation"))


CONV3D_CASES = [
    (dict(filters=3, kernel_size=2), (2, 3, 4, 3, 2)),
    (dict(filters=4, kernel_size=(2, 3, 2), strides=(2, 1, 2), padding="same",
          activation="sigmoid"), (2, 4, 4, 5, 3)),
    (dict(filters=4, kernel_size=2, dilation_rate=(2, 1, 1), groups=2,
          data_format="channels_first", activation="relu"), (2, 4, 4, 3, 3)),
]


@pytest.mark.parametrize("kwargs, shape", CONV3D_CASES, ids=str)
def test_conv3d_layer_matches_torch_and_finite_differences(kwargs, shape):
    layer, cf, _, act = _setup(layers.Conv3D, kwargs, shape)

    def reference(x, K, b):
        return act(torch_conv_nd(x, K, b, layer.strides, layer.padding, layer.dilation_rate,
                                 layer.groups, cf))

    (x,) = random_inputs(shape)
    check_layer(layer, ["kernel", "bias"], x, reference)


TRANSPOSE_CASES = [
    (layers.Conv1DTranspose, dict(filters=2, kernel_size=3, strides=2), (2, 4, 3)),
    (layers.Conv1DTranspose, dict(filters=3, kernel_size=4, strides=3, padding="same",
                                  output_padding=1, activation="tanh"), (2, 4, 2)),
    (layers.Conv1DTranspose, dict(filters=2, kernel_size=3, dilation_rate=2, padding="same",
                                  data_format="channels_first"), (2, 3, 5)),
    (layers.Conv3DTranspose, dict(filters=2, kernel_size=2, strides=2), (2, 2, 3, 2, 3)),
    (layers.Conv3DTranspose, dict(filters=3, kernel_size=(3, 2, 3), strides=(2, 1, 2),
                                  padding="same", output_padding=(1, 0, 0),
                                  activation="sigmoid"), (2, 2, 3, 2, 2)),
    (layers.Conv3DTranspose, dict(filters=2, kernel_size=2, dilation_rate=2,
                                  data_format="channels_first"), (2, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("cls, kwargs, shape", TRANSPOSE_CASES, ids=str)
def test_transposed_conv_layers_match_torch_and_finite_differences(cls, kwargs, shape):
    layer, cf, _, act = _setup(cls, kwargs, shape)

    def reference(x, K, b):
        return act(torch_conv_transpose_nd(x, K, b, layer.strides, layer.padding,
                                           layer.output_padding, layer.dilation_rate, cf))

    (x,) = random_inputs(shape)
    check_layer(layer, ["kernel", "bias"], x, reference)


DEPTHWISE_CASES = [
    (dict(kernel_size=3, depth_multiplier=2), (2, 7, 3)),
    (dict(kernel_size=4, strides=2, padding="same", activation="tanh"), (2, 9, 2)),
    (dict(kernel_size=2, dilation_rate=3, depth_multiplier=2, data_format="channels_first",
          activation="sigmoid"), (2, 2, 8)),
]


@pytest.mark.parametrize("kwargs, shape", DEPTHWISE_CASES, ids=str)
def test_depthwise_conv1d_layer_matches_torch_and_finite_differences(kwargs, shape):
    layer, cf, c, act = _setup(layers.DepthwiseConv1D, kwargs, shape)

    def reference(x, K, b):
        # (k, C, m) -> (k, 1, C·m): output channel c·m + j reads input channel c
        return act(torch_conv(x, K.reshape(K.shape[0], 1, -1), b, layer.strides, layer.padding,
                              layer.dilation_rate, c, cf))

    (x,) = random_inputs(shape)
    check_layer(layer, ["depthwise_kernel", "bias"], x, reference)


SEPARABLE_CASES = [
    (dict(filters=3, kernel_size=3), (2, 7, 2)),
    (dict(filters=4, kernel_size=3, strides=2, padding="same", depth_multiplier=2,
          activation="tanh"), (2, 8, 3)),
    (dict(filters=2, kernel_size=2, dilation_rate=2, data_format="channels_first"), (2, 3, 7)),
]


@pytest.mark.parametrize("kwargs, shape", SEPARABLE_CASES, ids=str)
def test_separable_conv1d_layer_matches_torch_and_finite_differences(kwargs, shape):
    layer, cf, c, act = _setup(layers.SeparableConv1D, kwargs, shape)

    def reference(x, D, P, b):
        depthwise = torch_conv(x, D.reshape(D.shape[0], 1, -1), None, layer.strides,
                               layer.padding, layer.dilation_rate, c, cf)
        return act(torch_conv(depthwise, P, b, (1,), "valid", (1,), 1, cf))

    (x,) = random_inputs(shape)
    check_layer(layer, ["depthwise_kernel", "pointwise_kernel", "bias"], x, reference)


_CONV_KEYS = {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "activation", "use_bias", "kernel_initializer", "bias_initializer",
              "kernel_regularizer", "bias_regularizer", "activity_regularizer",
              "kernel_constraint", "bias_constraint"}
_DEPTHWISE_KEYS = {"depth_multiplier", "kernel_size", "strides", "padding", "data_format",
                   "dilation_rate", "activation", "use_bias", "depthwise_initializer",
                   "bias_initializer", "depthwise_regularizer", "bias_regularizer",
                   "activity_regularizer", "depthwise_constraint", "bias_constraint"}
_SEPARABLE_KEYS = _DEPTHWISE_KEYS | {"filters", "pointwise_initializer",
                                     "pointwise_regularizer", "pointwise_constraint"}

# (class, kwargs, input shape (no batch), output shape (no batch), Keras 3.15's weight shapes
# and config keys, as its own layers report them)
LAYER_CASES = [
    (layers.Conv3D, dict(filters=4, kernel_size=3, groups=2), (5, 6, 7, 4), (3, 4, 5, 4),
     [(3, 3, 3, 2, 4), (4,)], _CONV_KEYS | {"groups"}),
    (layers.Conv3D, dict(filters=2, kernel_size=2, strides=2, padding="same",
                         data_format="channels_first", use_bias=False), (3, 5, 4, 3),
     (2, 3, 2, 2), [(2, 2, 2, 3, 2)], _CONV_KEYS | {"groups"}),
    (layers.Conv1DTranspose, dict(filters=3, kernel_size=3, strides=2), (5, 4), (11, 3),
     [(3, 3, 4), (3,)], _CONV_KEYS | {"output_padding"}),
    (layers.Conv3DTranspose, dict(filters=3, kernel_size=2, strides=2), (3, 4, 5, 4),
     (6, 8, 10, 3), [(2, 2, 2, 3, 4), (3,)], _CONV_KEYS | {"output_padding"}),
    (layers.SeparableConv1D, dict(filters=5, kernel_size=3, depth_multiplier=2), (8, 4), (6, 5),
     [(3, 4, 2), (1, 8, 5), (5,)], _SEPARABLE_KEYS),
    (layers.DepthwiseConv1D, dict(kernel_size=3, depth_multiplier=2), (8, 4), (6, 8),
     [(3, 4, 2), (8,)], _DEPTHWISE_KEYS),
]


@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda c: f"{c[0].__name__}-{c[1]}")
def test_layers_weights_config_and_a_training_step(case):
    cls, kwargs, in_shape, out_shape, weight_shapes, keys = case
    layer = cls(**kwargs)
    x = np.random.default_rng(0).normal(size=(2, *in_shape)).astype("float32")
    assert layer(x).shape == (2, *out_shape)
    assert [w.shape for w in layer.get_weights()] == weight_shapes
    assert layer.compute_output_shape((None, *in_shape)) == (None, *out_shape)
    config = layer.get_config()
    assert set(config) - {"name", "trainable", "dtype"} == keys
    clone = layers.deserialize(layers.serialize(layer))
    assert clone.get_config() == {**config, "name": clone.name}
    clone.build_from_shape((None, *in_shape))
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x).data, layer(x).data)
    model = Sequential([layers.Input(shape=in_shape), cls(**kwargs)])
    model.compile(optimizer="sgd", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, np.ones((2, *out_shape), "float32"))
    assert all(not np.allclose(a, b) for a, b in zip(model.get_weights(), before))


@pytest.mark.parametrize("alias, cls", [
    ("Convolution3D", "Conv3D"), ("Convolution1DTranspose", "Conv1DTranspose"),
    ("Convolution3DTranspose", "Conv3DTranspose"), ("SeparableConvolution1D", "SeparableConv1D"),
])
def test_keras_aliases(alias, cls):
    assert getattr(layers, alias) is getattr(layers, cls)


def _cnn3d_layers():
    return [
        layers.Input(shape=(4, 5, 6, 2)),
        layers.Conv3D(3, 2, activation="relu"),
        layers.MaxPooling3D(),
        layers.Conv3DTranspose(2, 2, strides=2, padding="same", activation="sigmoid"),
        layers.AveragePooling3D(2, strides=1, padding="same"),
        layers.Conv3D(2, 2, strides=2, groups=2, data_format="channels_first"),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ]


def _depthwise1d_layers():
    return [
        layers.Input(shape=(10, 3)),
        layers.DepthwiseConv1D(3, depth_multiplier=2, activation="relu"),
        layers.MaxPooling1D(),  # fused with the depthwise conv into one op on the fast path
        layers.DepthwiseConv1D(2, padding="same", activation="sigmoid"),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ]


@pytest.mark.parametrize("make_layers, x_shape", [(_cnn3d_layers, (4, 5, 6, 2)),
                                                  (_depthwise1d_layers, (10, 3))],
                         ids=["3d", "depthwise1d"])
def test_fast_path_matches_the_layer_by_layer_path(make_layers, x_shape):
    from shendu import backend
    from shendu.utils import set_random_seed

    rng = np.random.default_rng(4)
    x = rng.normal(size=(20, *x_shape))
    y = rng.integers(0, 3, size=20)
    backend.set_floatx("float64")
    results = []
    for fast in (True, False):
        set_random_seed(0)
        model = Sequential(make_layers())
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.use_fast_path = fast
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        assert (model._plan is not None) == fast  # batches of 8, 8 and a shorter 4
        results.append((model.get_weights(), history.history["loss"],
                        model.predict(x, verbose=0)))
    (w_fast, h_fast, p_fast), (w_slow, h_slow, p_slow) = results
    for a, b in zip(w_fast, w_slow):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_fast, h_slow, rtol=1e-10)
    np.testing.assert_allclose(p_fast, p_slow, rtol=1e-10, atol=1e-12)


# (make the layer, the error, a pattern of its message)
BAD_ARGUMENTS = [
    (lambda: layers.Conv3D(4, 3, strides=2, dilation_rate=2, name="c"), ArgumentError,
     r"Conv3D 'c': strides > 1 cannot be combined with dilation_rate > 1, got strides=\(2, 2, "
     r"2\) and dilation_rate=\(2, 2, 2\)\. Hint"),
    (lambda: layers.Conv3DTranspose(4, 3, strides=(1, 2, 1), dilation_rate=(2, 1, 1), name="c"),
     ArgumentError, r"Conv3DTranspose 'c': strides > 1 cannot be combined"),
    (lambda: layers.Conv1DTranspose(4, 3, strides=2, dilation_rate=2, name="c"), ArgumentError,
     r"Conv1DTranspose 'c': strides > 1 cannot be combined"),
    (lambda: layers.Conv3D(4, (3, 3), name="c"), ArgumentError,
     r"Conv3D 'c': kernel_size must be a positive int or a tuple of 3 of them, got \(3, 3\)"),
    (lambda: layers.Conv3D(4, 3, strides=(1, 0, 1), name="c"), ArgumentError,
     r"Conv3D 'c': strides must be a positive int or a tuple of 3 of them, got \(1, 0, 1\)"),
    (lambda: layers.Conv3D(6, 3, groups=4, name="c"), ArgumentError,
     r"Conv3D 'c': groups must be a positive divisor of filters \(6\), got 4"),
    (lambda: layers.Conv3D(0, 3, name="c"), ArgumentError, r"filters must be a positive"),
    (lambda: layers.Conv3D(4, 3, padding="causal", name="c"), ArgumentError,
     r"Conv3D 'c': padding must be one of \('valid', 'same'\), got 'causal'"),
    (lambda: layers.Conv1DTranspose(4, 3, padding="causal", name="c"), ArgumentError,
     r"Conv1DTranspose 'c': padding must be one of \('valid', 'same'\)"),
    (lambda: layers.DepthwiseConv1D(3, padding="causal", name="c"), ArgumentError,
     r"DepthwiseConv1D 'c': padding must be one of \('valid', 'same'\)"),
    (lambda: layers.SeparableConv1D(2, 3, padding="full", name="c"), ArgumentError,
     r"SeparableConv1D 'c': padding must be one of"),
    (lambda: layers.DepthwiseConv1D(3, depth_multiplier=0, name="c"), ArgumentError,
     r"DepthwiseConv1D 'c': depth_multiplier must be a positive integer, got 0\. Hint"),
    (lambda: layers.SeparableConv1D(2, 3, depth_multiplier=True, name="c"), ArgumentError,
     r"SeparableConv1D 'c': depth_multiplier must be a positive integer"),
    (lambda: layers.Conv3DTranspose(2, 3, strides=2, output_padding=2, name="c"),
     ArgumentError, r"Conv3DTranspose 'c': output_padding must be smaller than strides on "
                    r"every axis, got output_padding=\(2, 2, 2\) with strides=\(2, 2, 2\)"),
    (lambda: layers.Conv1DTranspose(2, 3, output_padding=(1, 1), name="c"), ArgumentError,
     r"Conv1DTranspose 'c': output_padding must be None or a non-negative int or 1 of them"),
    (lambda: layers.Conv3D(2, 3, data_format="NDHWC", name="c"), ArgumentError,
     r"data_format must be 'channels_last' or 'channels_first'"),
]


@pytest.mark.parametrize("make, error, pattern", BAD_ARGUMENTS, ids=lambda v: None)
def test_bad_arguments_are_refused_by_name(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


# (the layer, a bad input shape, a pattern of the message)
BAD_INPUTS = [
    (lambda: layers.Conv3D(2, 3, name="c"), (1, 6, 6, 3), r"Conv3D 'c': expected a 5-D input "
     r"\(batch, depth, rows, cols, channels\) .*got shape \(1, 6, 6, 3\)\. Hint"),
    (lambda: layers.Conv3D(2, 3, name="c"), (1, 2, 5, 5, 1), r"Conv3D 'c': input length 2 is "
     r"smaller than the \(dilated\) window 3 with padding='valid'\. Hint"),
    (lambda: layers.Conv3D(2, 2, dilation_rate=(1, 3, 1), name="c"), (1, 4, 3, 4, 1),
     r"input length 3 is smaller than the \(dilated\) window 4"),
    (lambda: layers.Conv3D(4, 2, groups=2, name="c"), (1, 3, 3, 3, 3),
     r"Conv3D 'c': 3 input channels are not divisible by groups=2\. Hint"),
    (lambda: layers.Conv3DTranspose(2, 2, name="c"), (1, 4, 4, 3),
     r"Conv3DTranspose 'c': expected a 5-D input"),
    (lambda: layers.Conv1DTranspose(2, 2, name="c"), (1, 4, 4, 3),
     r"Conv1DTranspose 'c': expected a 3-D input"),
    (lambda: layers.DepthwiseConv1D(5, name="c"), (1, 4, 3),
     r"DepthwiseConv1D 'c': input length 4 is smaller than the \(dilated\) window 5"),
    (lambda: layers.SeparableConv1D(2, 3, name="c"), (1, 4, 4, 3),
     r"SeparableConv1D 'c': expected a 3-D input"),
]


@pytest.mark.parametrize("make, shape, pattern", BAD_INPUTS, ids=lambda v: None)
def test_bad_inputs_are_refused_by_name(make, shape, pattern):
    with pytest.raises(ShapeError, match=pattern):
        make()(np.ones(shape, np.float32))


def test_a_layer_built_for_some_channels_refuses_others():
    layer = layers.Conv3D(2, 2, name="c")
    layer(np.ones((1, 3, 3, 3, 2), np.float32))
    with pytest.raises(ShapeError, match=r"Conv3D 'c': built for 2 input channels, got shape"):
        layer(np.ones((1, 3, 3, 3, 4), np.float32))
