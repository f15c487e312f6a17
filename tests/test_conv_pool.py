"""The fused convolution + max pooling op (ops/conv_pool.py) against PyTorch and by finite
differences, in both of its row orders: the plain one (input gradient wanted) and the window
order a first layer takes (no input gradient)."""

import numpy as np
import pytest

from helpers import random_inputs
from shendu.autograd import Tensor
from shendu.ops.activations import get_kernel
from shendu.ops.conv import Conv, conv_settings
from shendu.ops.conv_pool import ConvMaxPool
from shendu.ops.pooling import MaxPool, pool_settings
from shendu.testing import check_gradients

# (input (N, H, W, C), kernel (kh, kw, C, F), conv strides, conv padding, pool, pool padding,
#  activation)
CASES = [
    ((2, 9, 9, 1), (3, 3, 1, 4), 1, "valid", 2, "valid", "relu"),  # 7×7 → 6×6 computed
    ((2, 8, 7, 2), (2, 2, 2, 3), 1, "valid", 2, "valid", "tanh"),
    ((2, 7, 7, 3), (3, 3, 3, 2), 1, "same", 2, "same", "leaky_relu"),
    ((1, 10, 9, 2), (3, 2, 2, 3), 2, "valid", (2, 1), "valid", "linear"),
    # many channels: cols not transposed, rows in their plain order
    ((2, 9, 9, 20), (3, 3, 20, 3), 1, "valid", 2, "valid", "relu"),
]


def _fused(case):
    _, kernel_shape, strides, padding, pool, pool_padding, activation = case
    kh, kw, _, _ = kernel_shape
    conv = Conv(**conv_settings(2, (kh, kw), (strides,) * 2, (1, 1), padding, 1,
                                get_kernel(activation), False))
    pool_op = MaxPool(**pool_settings(2, pool, None, pool_padding, "channels_last", "pool"))
    return ConvMaxPool.of(conv, pool_op)


def _apply(fused, x, K, b):
    # a fresh outer op each call (as Function.apply makes), around the same inner ops
    return ConvMaxPool.apply(x, K, b, conv=fused.conv, pool=fused.pool, kernel=fused.kernel,
                             source=fused.source)


def _torch_reference(case):
    import torch.nn.functional as F

    from test_conv import torch_conv
    from test_pooling import torch_pool

    _, _, strides, padding, pool, pool_padding, activation = case
    pool = (pool, pool) if isinstance(pool, int) else pool
    act = {"relu": F.relu, "tanh": lambda t: t.tanh(), "linear": lambda t: t,
           "leaky_relu": lambda t: F.leaky_relu(t, 0.2)}[activation]

    def reference(x, K, b):
        z = act(torch_conv(x, K, b, (strides,) * 2, padding, (1, 1), 1, False))
        return torch_pool(z, "max", pool, pool, pool_padding, False)

    return reference


@pytest.mark.parametrize("case", CASES, ids=str)
def test_fused_conv_pool_matches_torch(case):
    from test_conv import compare_with_torch

    x, K, b = random_inputs(case[0], case[1], case[1][-1:])
    fused = _fused(case)
    compare_with_torch(lambda x, K, b: _apply(fused, x, K, b), _torch_reference(case),
                       [x, K, b])


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("with_input", [True, False], ids=["input-grad", "window-order"])
def test_fused_conv_pool_gradients_match_finite_differences(case, with_input):
    x, K, b = random_inputs(case[0], case[1], case[1][-1:], seed=2)
    fused = _fused(case)
    error = check_gradients(lambda x, K, b: _apply(fused, x, K, b), [x, K, b],
                            wrt=[0, 1, 2] if with_input else [1, 2])
    assert error < 1e-6
    # which row order a training call takes (the checker's last calls were inference ones)
    _apply(fused, Tensor(x, requires_grad=with_input), Tensor(K, requires_grad=True),
           Tensor(b, requires_grad=True))
    few = case[0][-1] * 8 < 64  # float64: the transposed, window-ordered cols
    window = not with_input and few and case[3] != "same" and case[5] == "valid"
    assert (fused.conv.rows_by_window is not None) == window


def test_fused_op_in_inference_keeps_no_training_state():
    case = CASES[0]
    x, K, b = random_inputs(case[0], case[1], case[1][-1:])
    fused = _fused(case)
    fused.needs_input_grad = ()
    y = fused.forward(x, K, b)
    expected = _apply(_fused(case), Tensor(x), Tensor(K), Tensor(b)).data
    np.testing.assert_array_equal(y, expected)
    assert fused.y is None and fused.p is None and fused.conv.cols is None


# the window-order path in chunks: (input, kernel) of a first layer; 3·3·4 = 36 values per
# window put the bias after the GEMM, 3·3·1 in it as a ones row
WINDOW_CASES = [((2, 9, 9, 1), (3, 3, 1, 4)), ((3, 11, 9, 4), (3, 3, 4, 3))]


@pytest.mark.parametrize("shapes", WINDOW_CASES, ids=str)
@pytest.mark.parametrize("chunk_rows", [1, 5, 10_000], ids=lambda r: f"chunk{r}")
def test_window_order_chunks_match_torch(shapes, chunk_rows):
    """Output and dL/dK, dL/db of the window-order path against PyTorch, in chunks of a few
    rows (a shorter last one) and in one chunk."""
    import torch
    import torch.nn.functional as F

    x_shape, k_shape = shapes
    case = (x_shape, k_shape, 1, "valid", 2, "valid", "relu")
    x, K, b = random_inputs(x_shape, k_shape, k_shape[-1:], seed=4)
    fused = _fused(case)
    fused.chunk_bytes = chunk_rows * k_shape[-1] * 8  # float64 rows of F filters
    Kt, bt = Tensor(K, requires_grad=True), Tensor(b, requires_grad=True)
    out = _apply(fused, Tensor(x), Kt, bt)
    assert fused.conv.rows_by_window == (2, 2)
    rows = x_shape[0] * ((x_shape[1] - 2) // 2) * ((x_shape[2] - 2) // 2)
    assert len(fused._spans(rows, k_shape[-1], 8)[0]) == -(-rows // min(chunk_rows, rows))
    upstream = np.random.default_rng(5).normal(size=out.shape)
    out.backward(upstream)

    Kr, br = torch.tensor(K, requires_grad=True), torch.tensor(b, requires_grad=True)
    z = F.conv2d(torch.tensor(x).permute(0, 3, 1, 2), Kr.permute(3, 2, 0, 1), br)
    ref = F.max_pool2d(F.relu(z), 2).permute(0, 2, 3, 1)
    ref.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Kt.grad, Kr.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(bt.grad, br.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("shapes", WINDOW_CASES, ids=str)
def test_window_order_chunks_gradients_match_finite_differences(shapes):
    x_shape, k_shape = shapes
    case = (x_shape, k_shape, 1, "valid", 2, "valid", "tanh")
    x, K, b = random_inputs(x_shape, k_shape, k_shape[-1:], seed=6)
    fused = _fused(case)
    fused.chunk_bytes = 3 * k_shape[-1] * 8
    error = check_gradients(lambda x, K, b: _apply(fused, x, K, b), [x, K, b], wrt=[1, 2])
    assert error < 1e-6


def test_window_order_inference_in_chunks_equals_training_forward():
    x_shape, k_shape = WINDOW_CASES[1]
    case = (x_shape, k_shape, 1, "valid", 2, "valid", "relu")
    x, K, b = random_inputs(x_shape, k_shape, k_shape[-1:], seed=7)
    fused = _fused(case)
    fused.chunk_bytes = 4 * k_shape[-1] * 8
    trained = _apply(fused, Tensor(x), Tensor(K, requires_grad=True), Tensor(b)).data
    fused.needs_input_grad = ()
    np.testing.assert_array_equal(fused.forward(x, K, b), trained)
    assert fused.conv.cols is None


def test_window_order_chunks_with_an_activation_that_keeps_its_input():
    """A relu with threshold and max_value needs the pre-activation values in its backward:
    they are kept chunk by chunk. Checked against PyTorch and by finite differences."""
    import torch

    from shendu.ops.rectifiers import ReLU

    x_shape, k_shape = WINDOW_CASES[1]
    x, K, b = random_inputs(x_shape, k_shape, k_shape[-1:], seed=8)
    kh, kw = k_shape[:2]
    conv = Conv(**conv_settings(2, (kh, kw), (1, 1), (1, 1), "valid", 1,
                                ReLU(max_value=0.6, threshold=0.05), False))
    pool_op = MaxPool(**pool_settings(2, 2, None, "valid", "channels_last", "pool"))
    fused = ConvMaxPool.of(conv, pool_op)
    fused.chunk_bytes = 5 * k_shape[-1] * 8
    assert fused.kernel.needs_input
    error = check_gradients(lambda x, K, b: _apply(fused, x, K, b), [x, K, b], wrt=[1, 2])
    assert error < 1e-6
    out = _apply(fused, Tensor(x), Tensor(K, requires_grad=True), Tensor(b)).data
    assert fused.conv.rows_by_window == (2, 2)
    z = torch.nn.functional.conv2d(torch.tensor(x).permute(0, 3, 1, 2),
                                   torch.tensor(K).permute(3, 2, 0, 1), torch.tensor(b))
    z = torch.where(z > 0.05, z, torch.zeros_like(z)).clamp(max=0.6)
    ref = torch.nn.functional.max_pool2d(z, 2).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)
