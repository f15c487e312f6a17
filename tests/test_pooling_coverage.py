"""Global pooling layers: values against NumPy, finite differences, masked mean by hand."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs
from shendu import layers
from shendu.autograd import Tensor
from shendu.testing import check_gradients

# (layer class, numpy reduction, input shape without batch, data_format, keepdims)
GLOBAL_CASES = [
    (cls, red, shape, fmt, keep)
    for cls, red, rank in [
        (layers.GlobalAveragePooling1D, np.mean, 1),
        (layers.GlobalMaxPooling1D, np.max, 1),
        (layers.GlobalAveragePooling2D, np.mean, 2),
        (layers.GlobalMaxPooling2D, np.max, 2),
    ]
    for shape in [(5, 3) if rank == 1 else (4, 5, 3)]
    for fmt in ["channels_last", "channels_first"]
    for keep in [False, True]
]


@pytest.mark.parametrize("cls, reduce, shape, fmt, keep", GLOBAL_CASES)
def test_global_pooling_values_and_gradients(cls, reduce, shape, fmt, keep):
    (x,) = random_inputs((2, *shape))
    layer = cls(data_format=fmt, keepdims=keep)
    axes = tuple(range(1, len(shape))) if fmt == "channels_last" else tuple(
        range(2, len(shape) + 1))
    expected = reduce(x, axis=axes, keepdims=keep)
    got = layer(Tensor(x)).data
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


def test_global_average_pooling_1d_masked_mean_by_hand():
    x = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 60.0]],
                  [[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]]])
    mask = np.array([[True, True, False], [False, False, True]])
    # sample 0: mean of the first two steps; sample 1: the last step only
    expected = np.array([[2.0, 3.0], [11.0, 12.0]])
    layer = layers.GlobalAveragePooling1D()
    np.testing.assert_allclose(layer(Tensor(x), mask=mask).data, expected)
    assert check_gradients(lambda t: layer(t, mask=mask), [x]) < 1e-6
