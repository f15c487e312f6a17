"""Conv coverage: DepthwiseConv2D against PyTorch with finite differences; Conv initializers."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs
from shendu import initializers, layers
from shendu.autograd import Tensor
from shendu.testing import check_gradients

# (data_format, depth_multiplier, strides, dilation_rate)
DEPTHWISE_CASES = [
    ("channels_last", 1, 1, 1),
    ("channels_first", 1, 1, 1),
    ("channels_last", 2, 2, 1),
    ("channels_first", 2, 1, 2),
    ("channels_last", 1, 1, 2),
]


@pytest.mark.parametrize("fmt, mult, strides, dilation", DEPTHWISE_CASES)
def test_depthwise_conv2d_against_torch_valid(fmt, mult, strides, dilation):
    import torch
    import torch.nn.functional as F

    c = 3
    shape = (2, 7, 6, c) if fmt == "channels_last" else (2, c, 7, 6)
    (x,) = random_inputs(shape)
    layer = layers.DepthwiseConv2D((3, 2), strides=strides, depth_multiplier=mult,
                                   dilation_rate=dilation, data_format=fmt,
                                   bias_initializer="random_normal")
    got = layer(Tensor(x)).data
    k = layer.depthwise_kernel.data  # (kh, kw, c, mult) -> torch (c * mult, 1, kh, kw)
    w = torch.tensor(np.float64(k).reshape(*k.shape[:2], c * mult).transpose(2, 0, 1)[:, None])
    xt = torch.tensor(x if fmt == "channels_first" else x.transpose(0, 3, 1, 2))
    b = torch.tensor(np.float64(layer.bias.data))
    y = F.conv2d(xt, w, b, stride=strides, dilation=dilation, groups=c).numpy()
    if fmt == "channels_last":
        y = y.transpose(0, 2, 3, 1)
    # float64 arithmetic throughout (float32 weights widen exactly): agreement to rounding
    np.testing.assert_allclose(got, y, rtol=1e-10, atol=1e-12)
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


@pytest.mark.parametrize("cls, shape", [(layers.Conv2D, (5, 5, 2)), (layers.Conv1D, (6, 2))])
@pytest.mark.parametrize("kinit, binit, kval, bval", [
    ("zeros", "ones", 0.0, 1.0),
    ("ones", "zeros", 1.0, 0.0),
    (initializers.Constant(0.5), initializers.Constant(-2.0), 0.5, -2.0),
])
def test_conv_initializers_take_effect_and_round_trip(cls, shape, kinit, binit, kval, bval):
    layer = cls(3, 2, kernel_initializer=kinit, bias_initializer=binit)
    layer(Tensor(np.ones((1, *shape))))
    np.testing.assert_array_equal(layer.kernel.data, np.full(layer.kernel.shape, kval))
    np.testing.assert_array_equal(layer.bias.data, np.full((3,), bval))
    clone = cls.from_config(layer.get_config())
    clone(Tensor(np.ones((1, *shape))))
    np.testing.assert_array_equal(clone.kernel.data, layer.kernel.data)
    np.testing.assert_array_equal(clone.bias.data, layer.bias.data)
