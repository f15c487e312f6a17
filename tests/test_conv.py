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
    # 3·3·4 = 36 values per window: the bias is added after the GEMM, not as a ones column
    ((6, 6), 4, (3, 3), 5, (1, 1), "same", (1, 1), 1, False),
    ((7, 7), 8, (3, 3), 4, (1, 1), "valid", (1, 1), 2, True),
]


@pytest.mark.parametrize("case", CONV2D_CASES, ids=str)
def test_conv2d_matches_torch(case):
    import torch

    hw, c, k, f, strides, padding, dilation, groups, cf = case
    shape = (2, c, *hw) if cf else (2, *hw, c)
    x, kernel, bias = random_inputs(shape, (*k, c // groups, f), (f,))
    fmt = "channels_first" if cf else "channels_last"
    compare_with_torch(
        lambda x, K, b: ops.conv(x, K, strides, padding, fmt, dilation, bias=b, groups=groups),
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
        lambda x, K, b: ops.conv(x, K, stride, padding, fmt, dilation, bias=b, groups=groups),
        lambda x, K, b: torch_conv(x, K, b, (stride,), padding, (dilation,), groups, cf),
        [x, kernel, bias],
    )


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_conv_fused_activation_matches_torch(activation):
    import torch

    x, kernel, bias = random_inputs((2, 6, 6, 2), (3, 3, 2, 3), (3,))
    act = getattr(torch, activation)
    compare_with_torch(
        lambda x, K, b: ops.conv(x, K, padding="same", bias=b, activation=activation),
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
        lambda x, K, b: ops.conv_transpose(x, K, strides, padding, output_padding, fmt,
                                           dilation, bias=b),
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
    fn = lambda x, K, b: ops.conv(x, K, bias=b, **settings)  # noqa: E731
    assert check_gradients(fn, [x, kernel, bias]) < 1e-6


def test_conv_transpose_and_conv1d_gradients_match_finite_differences():
    x, kernel, bias = random_inputs((2, 3, 4, 2), (3, 3, 3, 2), (3,))
    fn = lambda x, K, b: ops.conv_transpose(x, K, 2, "same", bias=b, activation="sigmoid")  # noqa: E731
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


# -- the fast path's reused ops (Sequential fit calls one Conv object every step) --------------
# (input shape, kernel shape, settings): a ones column for the bias (few values per window), a
# plain bias add, 'same' padding (a reused padded buffer), groups, channels_first, 1-D, depthwise
REUSE_CASES = [
    ((6, 6, 1), (3, 3, 1, 4), dict(activation="relu")),
    ((6, 6, 4), (3, 3, 4, 3), dict(padding="same", activation="relu")),
    ((7, 6, 2), (3, 3, 2, 3), dict(strides=2, padding="same", activation="tanh")),
    ((6, 6, 4), (3, 3, 2, 4), dict(groups=2, padding="same")),
    ((3, 6, 6), (2, 2, 3, 2), dict(data_format="channels_first", padding="same")),
    ((9, 3), (3, 3, 4), dict(padding="causal", dilation_rate=2, activation="relu")),
]


def _fresh_and_reused(x_shape, k_shape, settings, depthwise=False):
    """(fresh-op results, reused-op results) of forward and every gradient over batch sizes
    5, 3 (a shorter batch: its own buffers) and 5 again (the first buffers, reused)."""
    rng = np.random.default_rng(0)
    fn = ops.depthwise_conv if depthwise else ops.conv
    f = k_shape[-1] * (k_shape[-2] if depthwise else 1)
    K, b = rng.normal(size=k_shape), rng.normal(size=f)
    reused, fresh_out, reused_out = None, [], []
    for n in (5, 3, 5):
        x = rng.normal(size=(n, *x_shape))
        tensors = [Tensor(x, requires_grad=True), Tensor(K, requires_grad=True),
                   Tensor(b, requires_grad=True)]
        out = fn(tensors[0], tensors[1], bias=tensors[2], **settings)
        if reused is None:
            reused = out.creator  # the op object, called again as the fast path does
        g = rng.normal(size=out.shape)
        out.backward(g)
        fresh_out.append([out.data] + [t.grad for t in tensors])
        y = reused.forward(x, K, b).copy()
        reused_out.append([y, *reused.backward(g)])
    return fresh_out, reused_out


@pytest.mark.parametrize("case", REUSE_CASES, ids=str)
def test_reused_conv_op_gives_the_numbers_of_fresh_ops_across_batch_sizes(case):
    fresh, reused = _fresh_and_reused(*case)
    for a_step, b_step in zip(fresh, reused):
        for a, b in zip(a_step, b_step):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


def test_reused_depthwise_op_gives_the_numbers_of_fresh_ops():
    fresh, reused = _fresh_and_reused((6, 6, 3), (3, 3, 3, 2), dict(padding="same"),
                                      depthwise=True)
    for a_step, b_step in zip(fresh, reused):
        for a, b in zip(a_step, b_step):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("channels", [1, 5])  # bias as a ones column / added after the GEMM
def test_fused_conv_relu_equals_conv_then_relu(channels):
    x, K, b = random_inputs((3, 6, 6, channels), (3, 3, channels, 4), (4,))
    g = np.random.default_rng(3).normal(size=(3, 4, 4, 4))
    results = []
    for fused in (True, False):
        tensors = [Tensor(a, requires_grad=True) for a in (x, K, b)]
        xt, Kt, bt = tensors
        out = (ops.conv(xt, Kt, bias=bt, activation="relu") if fused
               else ops.activation(ops.conv(xt, Kt, bias=bt), "relu"))
        out.backward(g)
        results.append([out.data] + [t.grad for t in tensors])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_conv_gradients_with_bias_column_match_finite_differences():
    x, K, b = random_inputs((2, 5, 5, 1), (3, 3, 1, 2), (2,))
    fn = lambda x, K, b: ops.conv(x, K, bias=b, activation="tanh")  # noqa: E731
    assert check_gradients(fn, [x, K, b]) < 1e-6


def test_conv_op_keeps_no_buffers_in_inference():
    x, K, b = random_inputs((2, 6, 6, 1), (3, 3, 1, 2), (2,))
    from shendu.ops.activations import get_kernel
    from shendu.ops.conv import Conv, conv_settings

    out = ops.conv(Tensor(x), Tensor(K), padding="same", bias=Tensor(b))
    fn = Conv(**conv_settings(2, (3, 3), (1, 1), (1, 1), "same", 1, get_kernel(None), False))
    fn.needs_input_grad = ()  # as the inference plan sets it
    np.testing.assert_array_equal(fn.forward(x, K, b), out.data)
    assert "_scratch" not in vars(fn)  # big batches in predict leave no buffers behind


# -- the Sequential fast path with convolution and pooling layers ---------------------------------
def _cnn_layers():
    return [
        layers.Conv2D(4, 3, activation="relu", input_shape=(9, 9, 1)),
        layers.MaxPooling2D(),
        layers.Conv2D(5, 3, padding="same", activation="sigmoid"),
        layers.DepthwiseConv2D(2, depth_multiplier=2, activation="tanh"),
        layers.AveragePooling2D(pool_size=2, strides=1, padding="same"),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ]


def _cnn1d_layers():
    return [
        layers.Conv1D(4, 3, padding="causal", activation="relu", input_shape=(10, 2)),
        layers.MaxPooling1D(pool_size=3, strides=2, padding="same"),
        layers.Conv1D(3, 2, data_format="channels_last"),
        layers.AveragePooling1D(),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ]


@pytest.mark.parametrize("make_layers, x_shape", [(_cnn_layers, (9, 9, 1)),
                                                  (_cnn1d_layers, (10, 2))])
def test_cnn_fast_path_matches_autograd_path(make_layers, x_shape):
    from shendu import backend
    from shendu.models import Sequential
    from shendu.utils import set_random_seed

    rng = np.random.default_rng(4)
    x = rng.normal(size=(20, *x_shape))
    y = rng.integers(0, 3, size=20)
    backend.set_floatx("float64")
    results = []
    for fast in (True, False):
        set_random_seed(0)
        model = Sequential(make_layers())
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
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


def test_separable_and_transposed_convs_keep_the_layer_by_layer_path():
    from shendu.models.chain import ChainPlan

    for layer in (layers.SeparableConv2D(2, 3, input_shape=(6, 6, 2)),
                  layers.Conv2DTranspose(2, 3, input_shape=(6, 6, 2))):
        model = Sequential_of(layer)
        assert ChainPlan.for_model(model) is None
        assert model.predict(np.ones((1, 6, 6, 2)), verbose=0).ndim == 4


def Sequential_of(layer):
    from shendu.models import Sequential

    return Sequential([layer])


@pytest.mark.parametrize("strides, expected", [(2, (2, 2)), (np.int64(2), (2, 2)),
                                               ([1, np.int32(3)], (1, 3))])
def test_op_strides_take_python_and_numpy_ints(strides, expected):
    x = Tensor(np.ones((1, 6, 6, 1)))
    out = ops.conv(x, Tensor(np.ones((1, 1, 1, 1))), strides=strides)
    assert out.shape == (1, 6 // expected[0], -(-6 // expected[1]), 1)


@pytest.mark.parametrize("strides", [2.5, True, (1,), (1, 0), "2", None])
def test_op_strides_that_are_not_positive_ints_are_refused_by_name(strides):
    x = Tensor(np.ones((1, 6, 6, 1)))
    with pytest.raises(ArgumentError, match=r"strides must be a positive int or a tuple of 2 "
                                            r"of them, got .*Hint: strides=3"):
        ops.conv(x, Tensor(np.ones((1, 1, 1, 1))), strides=strides)


@pytest.mark.parametrize("layer", [layers.Conv2D(4, 3, name="c"), layers.MaxPooling2D(3, name="c"),
                                   layers.SeparableConv2D(4, 3, name="c")])
def test_a_layer_called_on_an_input_smaller_than_its_window_names_itself(layer):
    with pytest.raises(ShapeError, match=r"^\w+ 'c': input length 2 is smaller than the "
                                         r"\(dilated\) window 3 .*Hint"):
        layer(np.ones((1, 2, 2, 1), np.float32))
