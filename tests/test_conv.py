"""Convolution ops and layers: forward and gradients against PyTorch, finite differences, layers."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs
from shendu import layers, ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.testing import check_gradients


def tf_same_pads(size, k, stride, dilation):
    """TensorFlow's SAME rule: out = ceil(size / stride); the odd pad goes after."""
    k_eff = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


def torch_conv(x, kernel, bias, strides, padding, dilation, groups, channels_first):
    """Reference: x channels_last (or first), Keras kernel (k..., C/g, F) -> torch layout."""
    import torch.nn.functional as F

    rank = kernel.ndim - 2
    if not channels_first:
        x = x.permute(0, rank + 1, *range(1, rank + 1))
    w = kernel.permute(rank + 1, rank, *range(rank))
    sizes = x.shape[2:]
    if padding == "same":
        pads = [tf_same_pads(n, k, s, d)
                for n, k, s, d in zip(sizes, kernel.shape[:rank], strides, dilation)]
        x = F.pad(x, [p for pair in reversed(pads) for p in pair])
    if padding == "causal":
        x = F.pad(x, [(kernel.shape[0] - 1) * dilation[0], 0])
    fn = F.conv1d if rank == 1 else F.conv2d
    y = fn(x, w, bias, stride=strides, dilation=dilation, groups=groups)
    if not channels_first:
        y = y.permute(0, *range(2, rank + 2), 1)
    return y


def compare_with_torch(shendu_fn, torch_fn, arrays, atol=1e-9):
    """Forward and every input gradient of shendu_fn vs torch_fn on the same float64 arrays."""
    import torch

    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = shendu_fn(*tensors)
    references = [torch.tensor(a, requires_grad=True) for a in arrays]
    expected = torch_fn(*references)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=atol, rtol=1e-7)
    upstream = np.random.default_rng(1).normal(size=out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for mine, ref in zip(tensors, references):
        np.testing.assert_allclose(mine.grad, ref.grad.numpy(), atol=atol, rtol=1e-7)


# (input spatial, channels, kernel, filters, strides, padding, dilation, groups, channels_first)
CONV2D_CASES = [
    ((7, 7), 3, (3, 3), 4, (1, 1), "valid", (1, 1), 1, False),
    ((7, 7), 3, (3, 3), 4, (1, 1), "same", (1, 1), 1, False),
    ((8, 9), 2, (3, 2), 5, (2, 2), "same", (1, 1), 1, False),
    ((9, 8), 2, (4, 4), 3, (2, 3), "same", (1, 1), 1, False),
    ((10, 11), 3, (3, 3), 2, (1, 1), "valid", (2, 3), 1, False),
    ((9, 9), 2, (3, 3), 3, (1, 1), "same", (2, 2), 1, False),
    ((7, 6), 4, (3, 3), 6, (1, 1), "valid", (1, 1), 2, False),
    ((8, 8), 6, (2, 3), 6, (2, 1), "same", (1, 1), 3, False),
    ((7, 7), 3, (3, 3), 4, (2, 2), "same", (1, 1), 1, True),
    ((9, 10), 4, (3, 3), 4, (1, 2), "valid", (2, 1), 2, True),
    ((5, 5), 1, (5, 5), 2, (1, 1), "valid", (1, 1), 1, False),
    ((6, 6), 2, (1, 1), 3, (3, 3), "same", (1, 1), 1, False),
]


@pytest.mark.parametrize("case", CONV2D_CASES, ids=str)
def test_conv2d_matches_torch(case):
    import torch

    hw, c, k, f, strides, padding, dilation, groups, cf = case
    shape = (2, c, *hw) if cf else (2, *hw, c)
    x, kernel, bias = random_inputs(shape, (*k, c // groups, f), (f,))
    fmt = "channels_first" if cf else "channels_last"
    compare_with_torch(
        lambda x, K, b: ops.conv(x, K, b, strides, padding, dilation, groups, fmt),
        lambda x, K, b: torch_conv(x, K, b, strides, padding, dilation, groups, cf),
        [x, kernel, bias],
    )
    del torch


CONV1D_CASES = [
    (9, 3, 3, 4, 1, "valid", 1, 1, False),
    (10, 2, 4, 3, 2, "same", 1, 1, False),
    (11, 4, 3, 4, 1, "same", 2, 2, False),
    (8, 2, 3, 5, 1, "causal", 2, 1, False),
    (9, 3, 2, 3, 3, "same", 1, 1, True),
]


@pytest.mark.parametrize("case", CONV1D_CASES, ids=str)
def test_conv1d_matches_torch(case):
    length, c, k, f, stride, padding, dilation, groups, cf = case
    shape = (2, c, length) if cf else (2, length, c)
    x, kernel, bias = random_inputs(shape, (k, c // groups, f), (f,))
    fmt = "channels_first" if cf else "channels_last"
    compare_with_torch(
        lambda x, K, b: ops.conv(x, K, b, stride, padding, dilation, groups, fmt),
        lambda x, K, b: torch_conv(x, K, b, (stride,), padding, (dilation,), groups, cf),
        [x, kernel, bias],
    )


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_conv_fused_activation_matches_torch(activation):
    import torch

    x, kernel, bias = random_inputs((2, 6, 6, 2), (3, 3, 2, 3), (3,))
    act = getattr(torch, activation)
    compare_with_torch(
        lambda x, K, b: ops.conv(x, K, b, padding="same", activation=activation),
        lambda x, K, b: act(torch_conv(x, K, b, (1, 1), "same", (1, 1), 1, False)),
        [x, kernel, bias],
    )


@pytest.mark.parametrize("multiplier", [1, 2])
def test_depthwise_conv_matches_torch(multiplier):
    x, kernel = random_inputs((2, 7, 7, 3), (3, 3, 3, multiplier))
    compare_with_torch(
        lambda x, K: ops.depthwise_conv(x, K, strides=2, padding="same"),
        lambda x, K: torch_conv(x, K.reshape(3, 3, 1, 3 * multiplier), None, (2, 2), "same",
                                (1, 1), 3, False),
        [x, kernel],
    )


def torch_conv_transpose(x, kernel, bias, strides, padding, output_padding, dilation, cf):
    """Reference: torch's full transposed conv, then the crop TF takes (see conv_transpose)."""
    import torch.nn.functional as F

    if not cf:
        x = x.permute(0, 3, 1, 2)
    y = F.conv_transpose2d(x, kernel.permute(3, 2, 0, 1), stride=strides, dilation=dilation)
    crops = []
    for size, k, s, d, op in zip(x.shape[2:], kernel.shape[:2], strides, dilation,
                                 output_padding):
        k_eff = (k - 1) * d + 1
        if op is None:
            out = size * s + max(k_eff - s, 0) if padding == "valid" else size * s
        else:
            out = (size - 1) * s + k_eff - 2 * (k_eff // 2 if padding == "same" else 0) + op
        before = tf_same_pads(out, k, s, d)[0] if padding == "same" else 0
        crops.append((before, out))
    full = y.shape[2:]
    y = F.pad(y, [0, max(0, crops[1][0] + crops[1][1] - full[1]),
                  0, max(0, crops[0][0] + crops[0][1] - full[0])])
    y = y[:, :, crops[0][0]:crops[0][0] + crops[0][1], crops[1][0]:crops[1][0] + crops[1][1]]
    y = y + bias[:, None, None]  # Keras adds the bias after the crop, over every position
    return y if cf else y.permute(0, 2, 3, 1)


# (input spatial, channels, kernel, filters, strides, padding, output_padding, dilation, cf)
TRANSPOSE_CASES = [
    ((4, 4), 3, (3, 3), 2, (1, 1), "valid", None, (1, 1), False),
    ((4, 5), 2, (3, 3), 3, (2, 2), "same", None, (1, 1), False),
    ((3, 4), 2, (2, 3), 2, (3, 2), "valid", None, (1, 1), False),
    ((4, 4), 2, (3, 3), 2, (2, 2), "same", (1, 1), (1, 1), False),
    ((4, 3), 2, (3, 3), 3, (2, 2), "valid", (1, 0), (1, 1), True),
    ((5, 5), 2, (3, 3), 2, (1, 1), "same", None, (2, 2), False),
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=str)
def test_conv_transpose_matches_torch(case):
    hw, c, k, f, strides, padding, output_padding, dilation, cf = case
    shape = (2, c, *hw) if cf else (2, *hw, c)
    x, kernel, bias = random_inputs(shape, (*k, f, c), (f,))
    fmt = "channels_first" if cf else "channels_last"
    ops_pair = output_padding or (None, None)
    compare_with_torch(
        lambda x, K, b: ops.conv_transpose(x, K, b, strides, padding, output_padding, dilation,
                                           fmt),
        lambda x, K, b: torch_conv_transpose(x, K, b, strides, padding, ops_pair, dilation, cf),
        [x, kernel, bias],
    )


@pytest.mark.parametrize("settings", [
    dict(strides=2, padding="same", activation="tanh"),
    dict(dilation_rate=2, groups=2, padding="valid"),
    dict(data_format="channels_first", padding="same", strides=(1, 2)),
])
def test_conv2d_gradients_match_finite_differences(settings):
    shape = (2, 4, 6, 5) if settings.get("data_format") else (2, 6, 5, 4)
    x, kernel, bias = random_inputs(shape, (3, 3, 4 // settings.get("groups", 1), 4), (4,))
    assert check_gradients(lambda x, K, b: ops.conv(x, K, b, **settings), [x, kernel, bias]) < 1e-6


def test_conv_transpose_and_conv1d_gradients_match_finite_differences():
    x, kernel, bias = random_inputs((2, 3, 4, 2), (3, 3, 3, 2), (3,))
    fn = lambda x, K, b: ops.conv_transpose(x, K, b, 2, "same", activation="sigmoid")  # noqa: E731
    assert check_gradients(fn, [x, kernel, bias]) < 1e-6
    x, kernel = random_inputs((2, 9, 3), (3, 3, 2))
    assert check_gradients(lambda x, K: ops.conv(x, K, padding="causal", dilation_rate=2),
                           [x, kernel]) < 1e-6


def test_conv_bad_inputs_raise_shendu_errors():
    x, kernel = random_inputs((1, 5, 5, 3), (3, 3, 2, 4))
    with pytest.raises(ShapeError, match="channels"):
        ops.conv(Tensor(x), Tensor(kernel))
    with pytest.raises(ShapeError, match="smaller than"):
        ops.conv(Tensor(x[:, :2]), Tensor(np.ones((3, 3, 3, 1))))
    with pytest.raises(ArgumentError, match="padding"):
        ops.conv(Tensor(x), Tensor(np.ones((3, 3, 3, 1))), padding="full")


# (class, kwargs, input shape (no batch), output shape (no batch), weight shapes)
LAYER_CASES = [
    (layers.Conv2D, dict(filters=4, kernel_size=3), (6, 6, 2), (4, 4, 4), [(3, 3, 2, 4), (4,)]),
    (layers.Conv2D, dict(filters=4, kernel_size=3, strides=2, padding="same", groups=2,
                         data_format="channels_first", activation="relu"), (2, 7, 7), (4, 4, 4),
     [(3, 3, 1, 4), (4,)]),
    (layers.Conv1D, dict(filters=3, kernel_size=2, padding="causal", dilation_rate=2), (8, 2),
     (8, 3), [(2, 2, 3), (3,)]),
    (layers.DepthwiseConv2D, dict(kernel_size=3, depth_multiplier=2), (5, 5, 3), (3, 3, 6),
     [(3, 3, 3, 2), (6,)]),
    (layers.SeparableConv2D, dict(filters=4, kernel_size=3, padding="same"), (5, 5, 3),
     (5, 5, 4), [(3, 3, 3, 1), (1, 1, 3, 4), (4,)]),
    (layers.Conv2DTranspose, dict(filters=2, kernel_size=3, strides=2, padding="same",
                                  use_bias=False), (3, 4, 3), (6, 8, 2), [(3, 3, 2, 3)]),
]


@pytest.mark.parametrize("case", LAYER_CASES, ids=str)
def test_conv_layers_shapes_weights_config_and_training_step(case):
    from shendu.models import Sequential

    cls, kwargs, in_shape, out_shape, weight_shapes = case
    layer = cls(**kwargs)
    x = np.random.default_rng(0).normal(size=(2, *in_shape)).astype("float32")
    assert layer(x).shape == (2, *out_shape)
    assert [w.shape for w in layer.get_weights()] == weight_shapes
    assert layer.compute_output_shape((None, *in_shape)) == (None, *out_shape)
    clone = layers.deserialize(layers.serialize(layer))
    clone.build_from_shape((None, *in_shape))
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).data, layer(x).data, rtol=1e-6)
    model = Sequential([layers.Input(shape=in_shape), cls(**kwargs)])
    model.compile(optimizer="sgd", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, np.ones((2, *out_shape), "float32"))
    assert all(not np.allclose(a, b) for a, b in zip(model.get_weights(), before))
