"""The N-d convolution and pooling ops (ops/conv_nd.py, ops/pooling_nd.py): forward and every
gradient against PyTorch in float64, finite differences, the 2-D ops as a second reference,
reuse across batch sizes (the fast path calls one op object every step) and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs
from shendu import ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.ops.conv_nd import conv_nd, conv_transpose_nd
from shendu.ops.pooling_nd import avg_pool_nd, max_pool_nd
from shendu.testing import check_gradients
from test_conv import compare_with_torch, tf_same_pads


def _to_torch_layout(x, rank, cf):
    return x if cf else x.permute(0, rank + 1, *range(1, rank + 1))


def _from_torch_layout(y, rank, cf):
    return y if cf else y.permute(0, *range(2, rank + 2), 1)


def torch_conv_nd(x, kernel, bias, strides, padding, dilation, groups, cf):
    """Reference: Keras kernel (*k, C/g, F) as torch's (F, C/g, *k), TF's 'same' pads."""
    import torch.nn.functional as F

    rank = kernel.ndim - 2
    x = _to_torch_layout(x, rank, cf)
    w = kernel.permute(rank + 1, rank, *range(rank))
    if padding == "same":
        pads = [tf_same_pads(n, k, s, d)
                for n, k, s, d in zip(x.shape[2:], kernel.shape[:rank], strides, dilation)]
        x = F.pad(x, [p for pair in reversed(pads) for p in pair])
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[rank]
    return _from_torch_layout(fn(x, w, bias, stride=strides, dilation=dilation, groups=groups),
                              rank, cf)


def transposed_length(size, k, s, d, padding, output_padding):
    """Keras's output length of a transposed convolution, written out independently."""
    k_eff = (k - 1) * d + 1
    if output_padding is None:
        return size * s + max(k_eff - s, 0) if padding == "valid" else size * s
    return (size - 1) * s + k_eff - 2 * (k_eff // 2 if padding == "same" else 0) + output_padding


def torch_conv_transpose_nd(x, kernel, bias, strides, padding, output_padding, dilation, cf):
    """Reference: torch's full transposed conv, zero-extended and cropped as TF does, then
    the bias over every output position."""
    import torch.nn.functional as F

    rank = kernel.ndim - 2
    x = _to_torch_layout(x, rank, cf)
    fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[rank]
    y = fn(x, kernel.permute(rank + 1, rank, *range(rank)), stride=strides, dilation=dilation)
    crops = []
    for size, k, s, d, op in zip(x.shape[2:], kernel.shape[:rank], strides, dilation,
                                 output_padding or (None,) * rank):
        out = transposed_length(size, k, s, d, padding, op)
        before = tf_same_pads(out, k, s, d)[0] if padding == "same" else 0
        crops.append((before, out))
    extra = [max(0, b + n - full) for (b, n), full in zip(crops, y.shape[2:])]
    y = F.pad(y, [p for e in reversed(extra) for p in (0, e)])
    y = y[(slice(None), slice(None)) + tuple(slice(b, b + n) for b, n in crops)]
    y = y + bias.reshape(-1, *(1,) * rank)
    return _from_torch_layout(y, rank, cf)


def torch_pool_nd(x, kind, pool, strides, padding, cf):
    """Reference pooling with TF's 'same' pads; average divides by the real cells only."""
    import torch
    import torch.nn.functional as F

    rank = len(pool)
    x = _to_torch_layout(x, rank, cf)
    pads = [(0, 0)] * rank
    if padding == "same":
        pads = [tf_same_pads(n, k, s, 1) for n, k, s in zip(x.shape[2:], pool, strides)]
    flat = [p for pair in reversed(pads) for p in pair]
    if kind == "max":
        y = F.max_pool3d(F.pad(x, flat, value=-np.inf), pool, strides)
    else:
        ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype)
        y = F.avg_pool3d(F.pad(x, flat), pool, strides) / F.avg_pool3d(F.pad(ones, flat), pool,
                                                                       strides)
    return _from_torch_layout(y, rank, cf)


# (spatial, channels, kernel, filters, strides, padding, dilation, groups, channels_first)
CONV3D_CASES = [
    ((4, 5, 6), 2, (3, 3, 3), 3, (1, 1, 1), "valid", (1, 1, 1), 1, False),
    ((5, 4, 5), 3, (2, 3, 2), 4, (1, 1, 1), "same", (1, 1, 1), 1, False),
    ((5, 6, 7), 2, (3, 2, 3), 3, (2, 1, 3), "same", (1, 1, 1), 1, False),
    ((7, 5, 6), 2, (2, 2, 3), 2, (1, 1, 1), "valid", (2, 1, 2), 1, False),
    ((5, 5, 5), 2, (3, 3, 3), 2, (1, 1, 1), "same", (2, 2, 1), 1, False),
    ((4, 5, 4), 4, (2, 2, 2), 6, (1, 2, 1), "valid", (1, 1, 1), 2, False),
    ((5, 4, 5), 6, (3, 1, 2), 3, (2, 2, 2), "same", (1, 1, 1), 3, True),
    ((4, 6, 5), 3, (2, 3, 3), 4, (1, 1, 1), "valid", (1, 2, 1), 1, True),
    ((3, 3, 3), 1, (3, 3, 3), 2, (1, 1, 1), "valid", (1, 1, 1), 1, False),
]


@pytest.mark.parametrize("case", CONV3D_CASES, ids=str)
def test_conv3d_op_matches_torch(case):
    spatial, c, k, f, strides, padding, dilation, groups, cf = case
    x, kernel, bias = random_inputs((2, c, *spatial) if cf else (2, *spatial, c),
                                    (*k, c // groups, f), (f,))
    fmt = "channels_first" if cf else "channels_last"
    compare_with_torch(
        lambda x, K, b: conv_nd(x, K, b, strides, padding, dilation, groups, fmt),
        lambda x, K, b: torch_conv_nd(x, K, b, strides, padding, dilation, groups, cf),
        [x, kernel, bias])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softmax"])
def test_conv3d_op_fused_activation_matches_torch(activation):
    import torch

    x, kernel, bias = random_inputs((2, 3, 4, 3, 2), (2, 2, 2, 2, 3), (3,))
    act = {"softmax": lambda t: torch.softmax(t, dim=-1)}.get(activation,
                                                            getattr(torch, activation))
    compare_with_torch(
        lambda x, K, b: conv_nd(x, K, b, padding="same", activation=activation),
        lambda x, K, b: act(torch_conv_nd(x, K, b, (1, 1, 1), "same", (1, 1, 1), 1, False)),
        [x, kernel, bias])


@pytest.mark.parametrize("settings", [dict(strides=2, padding="same"),
                                      dict(dilation_rate=2, groups=2),
                                      dict(padding="same", data_format="channels_first")])
def test_conv_nd_in_2d_equals_the_2d_op(settings):
    """The general op, given a 2-D kernel, computes what the tuned 2-D op does."""
    shape = (2, 4, 7, 6) if settings.get("data_format") else (2, 7, 6, 4)
    x, kernel, bias = random_inputs(shape, (3, 2, 4 // settings.get("groups", 1), 4), (4,))
    results = []
    for fn in (conv_nd, ops.conv):
        tensors = [Tensor(a, requires_grad=True) for a in (x, kernel, bias)]
        out = fn(tensors[0], tensors[1], bias=tensors[2], activation="tanh", **settings)
        out.backward(np.random.default_rng(2).normal(size=out.shape))
        results.append([out.data] + [t.grad for t in tensors])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# (spatial, channels, kernel, filters, strides, padding, output_padding, dilation, cf)
TRANSPOSE3D_CASES = [
    ((2, 3, 2), 2, (2, 2, 2), 3, (1, 1, 1), "valid", None, (1, 1, 1), False),
    ((2, 3, 3), 2, (3, 2, 3), 2, (2, 2, 1), "same", None, (1, 1, 1), False),
    ((3, 2, 2), 3, (2, 3, 2), 2, (3, 2, 2), "valid", None, (1, 1, 1), False),
    ((2, 2, 3), 2, (3, 3, 3), 2, (2, 2, 2), "same", (1, 0, 1), (1, 1, 1), False),
    ((2, 3, 2), 2, (3, 3, 2), 3, (2, 3, 2), "valid", (1, 2, 0), (1, 1, 1), True),
    ((3, 3, 2), 2, (3, 2, 2), 2, (1, 1, 1), "same", None, (2, 1, 2), True),
]


@pytest.mark.parametrize("case", TRANSPOSE3D_CASES, ids=str)
def test_conv3d_transpose_op_matches_torch(case):
    spatial, c, k, f, strides, padding, output_padding, dilation, cf = case
    x, kernel, bias = random_inputs((2, c, *spatial) if cf else (2, *spatial, c), (*k, f, c),
                                    (f,))
    fmt = "channels_first" if cf else "channels_last"
    compare_with_torch(
        lambda x, K, b: conv_transpose_nd(x, K, b, strides, padding, output_padding, dilation,
                                          fmt),
        lambda x, K, b: torch_conv_transpose_nd(x, K, b, strides, padding, output_padding,
                                                dilation, cf),
        [x, kernel, bias])


def test_conv_nd_ops_gradients_match_finite_differences():
    x, K, b = random_inputs((2, 4, 3, 4, 4), (2, 3, 2, 2, 4), (4,))
    fn = lambda x, K, b: conv_nd(x, K, b, 2, "same", groups=2, activation="tanh")  # noqa: E731
    assert check_gradients(fn, [x, K, b]) < 1e-6
    x, K, b = random_inputs((2, 2, 3, 2, 3), (3, 2, 2, 2, 3), (2,))
    fn = lambda x, K, b: conv_transpose_nd(  # noqa: E731
        x, K, b, (2, 1, 2), "same", (1, 0, 0), activation="sigmoid")
    assert check_gradients(fn, [x, K, b]) < 1e-6
    x, K = random_inputs((2, 3, 5, 4, 4), (2, 2, 2, 3, 2))
    fn = lambda x, K: conv_nd(x, K, dilation_rate=(1, 2, 1),  # noqa: E731
                              data_format="channels_first")
    assert check_gradients(fn, [x, K]) < 1e-6


# (kind, spatial, pool, strides, padding, channels_first)
POOL3D_CASES = [
    ("max", (4, 4, 4), (2, 2, 2), (2, 2, 2), "valid", False),
    ("max", (5, 4, 5), (3, 2, 3), (2, 2, 1), "same", False),
    ("max", (5, 5, 4), (2, 3, 2), (1, 2, 2), "valid", True),
    ("max", (3, 5, 4), (2, 2, 2), (3, 3, 2), "same", True),
    ("avg", (4, 4, 4), (2, 2, 2), (2, 2, 2), "valid", False),
    ("avg", (5, 4, 5), (3, 3, 2), (2, 1, 2), "same", False),
    ("avg", (4, 5, 5), (2, 3, 3), (1, 1, 1), "same", True),
    ("avg", (5, 5, 3), (3, 2, 1), (2, 3, 1), "valid", True),
]


@pytest.mark.parametrize("case", POOL3D_CASES, ids=str)
def test_pool3d_ops_match_torch(case):
    kind, spatial, pool, strides, padding, cf = case
    (x,) = random_inputs((2, 3, *spatial) if cf else (2, *spatial, 3))
    fn = max_pool_nd if kind == "max" else avg_pool_nd
    fmt = "channels_first" if cf else "channels_last"
    compare_with_torch(lambda t: fn(t, pool, strides, padding, fmt),
                       lambda t: torch_pool_nd(t, kind, pool, strides, padding, cf), [x])


@pytest.mark.parametrize("fn", [max_pool_nd, avg_pool_nd], ids=["max", "avg"])
def test_pool3d_ops_gradients_match_finite_differences(fn):
    (x,) = random_inputs((2, 5, 4, 5, 2), seed=3)
    assert check_gradients(lambda t: fn(t, (3, 2, 2), (2, 2, 1), "same"), [x]) < 1e-6


def test_max_pool_nd_sends_the_gradient_to_the_first_maximum_on_ties():
    x = Tensor(np.zeros((1, 2, 2, 2, 1)), requires_grad=True)
    max_pool_nd(x, 2).sum().backward()
    assert x.grad.ravel().tolist() == [1.0] + [0.0] * 7


@pytest.mark.parametrize("fn", [max_pool_nd, avg_pool_nd], ids=["max", "avg"])
def test_pool_nd_in_2d_equals_the_2d_op(fn):
    (x,) = random_inputs((2, 7, 6, 3))
    reference = ops.max_pool if fn is max_pool_nd else ops.avg_pool
    results = []
    for f in (fn, reference):
        t = Tensor(x, requires_grad=True)
        out = f(t, 3, 2, "same")
        out.backward(np.random.default_rng(1).normal(size=out.shape))
        results.append((out.data, t.grad))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda x, K, b: conv_nd(x, K, b, padding="same", activation="relu"),
    lambda x, K, b: conv_nd(x, K[..., :1, :2], b[:2], groups=2, strides=2),
    lambda x, K, b: conv_transpose_nd(x, K[..., :2].transpose(0, 1, 2, 4, 3), b[:2], 2, "same"),
    lambda x, K, b: max_pool_nd(x, 2, padding="same"),
    lambda x, K, b: avg_pool_nd(x, (2, 1, 2), strides=1, padding="same"),
], ids=["conv", "grouped", "transpose", "max_pool", "avg_pool"])
def test_reused_nd_op_gives_the_numbers_of_fresh_ops_across_batch_sizes(make):
    rng = np.random.default_rng(0)
    K, b = rng.normal(size=(2, 2, 2, 2, 3)), rng.normal(size=3)
    reused = None
    for n in (4, 3, 4):  # a last, shorter batch between two full ones
        x = rng.integers(-3, 4, size=(n, 3, 4, 5, 2)).astype(float)  # ties in the pools
        tensors = [Tensor(a, requires_grad=True) for a in (x, K, b)]
        out = make(*tensors)
        if reused is None:
            reused = out.creator  # the op object, called again as the fast path does
        arrays = [t.data for t in out.creator.inputs]  # the op's own inputs (slices of K, b)
        g = rng.normal(size=out.shape)
        out.backward(g)
        np.testing.assert_allclose(reused.forward(*arrays), out.data, rtol=1e-12, atol=1e-12)
        grads = reused.backward(g)
        grads = grads if isinstance(grads, tuple) else (grads,)
        np.testing.assert_allclose(grads[0], tensors[0].grad, rtol=1e-12, atol=1e-12)


def test_nd_ops_keep_nothing_in_inference():
    x, K, b = random_inputs((2, 3, 3, 3, 2), (2, 2, 2, 2, 3), (3,))
    out = conv_nd(Tensor(x), Tensor(K), Tensor(b))
    assert out.creator is None
    from shendu.ops.activations import get_kernel
    from shendu.ops.conv_nd import ConvND, conv_nd_settings

    fn = ConvND(**conv_nd_settings(3, (1, 1, 1), (1, 1, 1), "valid", 1, get_kernel(None), False))
    fn.needs_input_grad = ()  # as the inference plan sets it
    np.testing.assert_array_equal(fn.forward(x, K, b), out.data)
    assert not hasattr(fn, "cols")


def test_nd_ops_refuse_bad_input_by_name():
    x = Tensor(np.ones((1, 4, 4, 4, 3)))
    with pytest.raises(ShapeError, match=r"conv3d: input has 3 channels .*Hint"):
        conv_nd(x, Tensor(np.ones((2, 2, 2, 2, 4))))
    with pytest.raises(ShapeError, match=r"conv3d: expected a 5-D input .*got shape "
                                         r"\(1, 4, 4, 3\).*Hint"):
        conv_nd(Tensor(np.ones((1, 4, 4, 3))), Tensor(np.ones((2, 2, 2, 3, 4))))
    with pytest.raises(ShapeError, match=r"conv3d: input length 4 is smaller than the "
                                         r"\(dilated\) window 5"):
        conv_nd(x, Tensor(np.ones((3, 3, 3, 3, 1))), dilation_rate=2)
    with pytest.raises(ArgumentError, match=r"conv3d: strides must be a positive int or a "
                                            r"tuple of 3"):
        conv_nd(x, Tensor(np.ones((1, 1, 1, 3, 1))), strides=(1, 0, 1))
    with pytest.raises(ArgumentError, match="padding must be one of"):
        conv_nd(x, Tensor(np.ones((1, 1, 1, 3, 1))), padding="causal")
    with pytest.raises(ShapeError, match=r"conv3d_transpose: input has 3 channels"):
        conv_transpose_nd(x, Tensor(np.ones((2, 2, 2, 3, 2))))
    with pytest.raises(ArgumentError, match="output_padding must be None or a non-negative"):
        conv_transpose_nd(x, Tensor(np.ones((2, 2, 2, 1, 3))), output_padding=(1, -1, 0))
    with pytest.raises(ShapeError, match=r"max_pool: input length 4 is smaller than"):
        max_pool_nd(x, (5, 2, 2))
    with pytest.raises(ArgumentError, match=r"avg_pool: pool_size must be a positive int or a "
                                            r"tuple of 3"):
        avg_pool_nd(x, (2, 2))
