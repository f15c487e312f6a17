"""Pooling ops and layers: forward and gradients against PyTorch, finite differences, layers."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs
from shendu import layers, ops
from shendu.autograd import Tensor
from shendu.models import Sequential
from shendu.testing import check_gradients
from test_conv import compare_with_torch, tf_same_pads


def torch_pool(x, kind, pool, strides, padding, cf):
    """Reference pooling; TF's asymmetric 'same' padding is applied explicitly.

    Max pads with -inf; average divides by the real cells only (sum pool / count pool).
    """
    import torch
    import torch.nn.functional as F

    rank = len(pool)
    if not cf:
        x = x.permute(0, rank + 1, *range(1, rank + 1))
    pads = [(0, 0)] * rank
    if padding == "same":
        pads = [tf_same_pads(n, k, s, 1) for n, k, s in zip(x.shape[2:], pool, strides)]
    flat = [p for pair in reversed(pads) for p in pair]
    if kind == "max":
        fn = F.max_pool1d if rank == 1 else F.max_pool2d
        y = fn(F.pad(x, flat, value=-np.inf), pool, strides)
    else:
        fn = F.avg_pool1d if rank == 1 else F.avg_pool2d
        ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype)
        y = fn(F.pad(x, flat), pool, strides) / fn(F.pad(ones, flat), pool, strides)
    return y if cf else y.permute(0, *range(2, rank + 2), 1)


# (kind, spatial, pool, strides, padding, channels_first)
POOL_CASES = [
    ("max", (6, 6), (2, 2), (2, 2), "valid", False),
    ("max", (7, 5), (3, 3), (2, 2), "same", False),
    ("max", (7, 7), (3, 2), (1, 2), "valid", True),
    ("max", (5, 8), (2, 2), (3, 3), "same", True),
    ("avg", (6, 6), (2, 2), (2, 2), "valid", False),
    ("avg", (7, 5), (3, 3), (2, 2), "same", False),
    ("avg", (7, 7), (2, 3), (1, 1), "same", True),
    ("max", (9,), (3,), (2,), "same", False),
    ("max", (8,), (2,), (2,), "valid", True),
    ("avg", (9,), (4,), (3,), "same", False),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pooling_matches_torch(case):
    kind, hw, pool, strides, padding, cf = case
    (x,) = random_inputs((2, 3, *hw) if cf else (2, *hw, 3))
    fn = ops.max_pool if kind == "max" else ops.avg_pool
    fmt = "channels_first" if cf else "channels_last"
    compare_with_torch(lambda x: fn(x, pool, strides, padding, fmt),
                       lambda x: torch_pool(x, kind, pool, strides, padding, cf), [x])


def test_max_pool_gradient_goes_to_the_first_maximum_on_ties():
    from shendu.autograd import Tensor

    x = Tensor(np.zeros((1, 2, 2, 1)), requires_grad=True)
    ops.max_pool(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad[0, :, :, 0], [[1.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("window", [(2, 2), (1, 3), (3, 2)])
def test_max_pool_sends_the_gradient_to_the_first_maximum_of_every_tie_pattern(window):
    # every window of values in {0, 1, 2}: the gradient goes where np.argmax (the first
    # maximum in row-major order, as PyTorch and TensorFlow choose) points; (2, 2) windows
    # take the two-round tournament, the others the general loop
    import itertools

    from shendu.autograd import Tensor

    size = window[0] * window[1]
    patterns = np.array(list(itertools.product([0.0, 1.0, 2.0], repeat=size)))
    x = Tensor(patterns.reshape(-1, *window, 1), requires_grad=True)
    out = ops.max_pool(x, window)
    out.backward(np.ones(out.shape))
    expected = np.eye(size)[patterns.argmax(axis=1)]
    np.testing.assert_array_equal(x.grad.reshape(-1, size), expected)
    np.testing.assert_array_equal(out.data.ravel(), patterns.max(axis=1))


@pytest.mark.parametrize("fn", [ops.max_pool, ops.avg_pool])
def test_pooling_gradients_match_finite_differences(fn):
    (x,) = random_inputs((2, 7, 6, 3))
    assert check_gradients(lambda x: fn(x, (3, 2), (2, 2), "same"), [x]) < 1e-6


# (layer class, kwargs, input shape (no batch), output shape (no batch))
LAYER_CASES = [
    (layers.MaxPooling2D, {}, (6, 6, 3), (3, 3, 3)),
    (layers.MaxPooling2D, dict(pool_size=3, strides=2, padding="same"), (7, 7, 2), (4, 4, 2)),
    (layers.AveragePooling2D, dict(pool_size=(2, 3)), (6, 7, 2), (3, 2, 2)),
    (layers.AveragePooling2D, dict(data_format="channels_first"), (2, 6, 4), (2, 3, 2)),
    (layers.MaxPooling1D, dict(pool_size=3, padding="same"), (10, 4), (4, 4)),
    (layers.AveragePooling1D, {}, (9, 4), (4, 4)),
    (layers.GlobalAveragePooling2D, {}, (5, 4, 3), (3,)),
    (layers.GlobalAveragePooling2D, dict(keepdims=True), (5, 4, 3), (1, 1, 3)),
    (layers.GlobalMaxPooling2D, dict(data_format="channels_first"), (3, 5, 4), (3,)),
    (layers.GlobalAveragePooling1D, {}, (7, 3), (3,)),
    (layers.GlobalMaxPooling1D, dict(keepdims=True), (7, 3), (1, 3)),
]


@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda c: c if isinstance(c, tuple) else None)
def test_pooling_layers_shapes_config_and_training_step(case):
    cls, kwargs, in_shape, out_shape = case
    layer = cls(**kwargs)
    x = np.random.default_rng(0).normal(size=(2, *in_shape)).astype("float32")
    assert layer(x).shape == (2, *out_shape)
    assert layer.compute_output_shape((None, *in_shape)) == (None, *out_shape)
    assert layer.count_params() == 0
    clone = cls.from_config(layer.get_config())
    assert clone.get_config() == {**layer.get_config(), "name": clone.name}
    np.testing.assert_allclose(clone(x).data, layer(x).data)
    model = Sequential([layers.Input(shape=in_shape), layers.Dense(2), cls(**kwargs)])
    model.compile(optimizer="sgd", loss="mse")
    y = np.zeros((2, *model.compute_output_shape((None, *in_shape))[1:]), dtype="float32")
    before = model.get_weights()[0].copy()
    model.train_on_batch(x, y + 1.0)
    assert not np.allclose(model.get_weights()[0], before)


def test_global_average_pooling1d_accepts_mask_none():
    x = np.ones((2, 4, 3), dtype="float32")
    assert layers.GlobalAveragePooling1D()(x, mask=None).shape == (2, 3)


# (input shape, pool settings): tiles (written, not added), overlapping windows, 'same' padding
# (a reused padded buffer), channels_first, 1-D
REUSE_CASES = [
    ((6, 6, 3), dict(pool_size=2)),
    ((7, 7, 2), dict(pool_size=3, strides=2, padding="same")),
    ((5, 6, 2), dict(pool_size=2, strides=1)),
    ((2, 6, 7), dict(pool_size=2, padding="same", data_format="channels_first")),
    ((9, 2), dict(pool_size=3, strides=2, padding="same")),
]


@pytest.mark.parametrize("fn", [ops.max_pool, ops.avg_pool])
@pytest.mark.parametrize("case", REUSE_CASES, ids=str)
def test_reused_pool_op_gives_the_numbers_of_fresh_ops_across_batch_sizes(fn, case):
    shape, settings = case
    rng = np.random.default_rng(0)
    reused = None
    for n in (4, 3, 4):  # a shorter batch gets its own buffers; the first ones are reused
        # small integers: ties inside windows, so the first-maximum rule is exercised too
        x = rng.integers(-3, 4, size=(n, *shape)).astype(float)
        t = Tensor(x, requires_grad=True)
        out = fn(t, **settings)
        if reused is None:
            reused = out.creator  # the op object, called again as the fast path does
        g = rng.normal(size=out.shape)
        out.backward(g)
        np.testing.assert_array_equal(reused.forward(x), out.data)
        np.testing.assert_array_equal(reused.backward(g), t.grad)
