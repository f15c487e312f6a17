"""Layer-level reference checks: convolution, pooling, merge, normalization, padding and
augmentation layers, the fast path's EmbeddingStep, and TextVectorization's options.

Each layer here is checked where its own code runs (not only through the op under it): the
forward and the gradients of its input and of its weights against PyTorch in float64, and the
same gradients against central finite differences (``shendu.testing.check_gradients``). Layers
without a gradient (TextVectorization's options) are checked on small examples worked by hand.

The layers' weights take part in both checks through :func:`through_weights`: it calls the
layer with chosen weight attributes replaced by the tensors it is given, so the comparison and
the finite differences move the weights exactly as they move the input.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import layers, ops
from shendu.autograd import Tensor
from shendu.layers import TextVectorization
from shendu.testing import check_gradients
from test_conv import compare_with_torch, torch_conv, torch_conv_transpose
from test_pooling import torch_pool


def through_weights(layer, names, **call_kwargs):
    """``fn(x, *weights)``: ``layer(x)`` with the attributes ``names`` set to ``weights``.

    The attributes are restored after each call, so the layer is left as it was.
    """

    def fn(x, *weights):
        kept = [getattr(layer, name) for name in names]
        for name, w in zip(names, weights):
            object.__setattr__(layer, name, w)
        try:
            return layer(x, **call_kwargs)
        finally:
            for name, w in zip(names, kept):
                object.__setattr__(layer, name, w)

    return fn


def built(layer, x_shape, seed=1):
    """``layer`` built for ``x_shape`` with every weight redrawn (biases not zero)."""
    layer.build_from_shape(x_shape)
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.7, size=w.shape) for w in layer.get_weights()])
    return layer


def weight_values(layer, names):
    return [np.asarray(getattr(layer, name).data, dtype=np.float64) for name in names]


def check_layer(layer, names, x, torch_fn, **call_kwargs):
    """Forward and every gradient (input and ``names``) against ``torch_fn``, then by finite
    differences."""
    fn = through_weights(layer, names, **call_kwargs)
    arrays = [x, *weight_values(layer, names)]
    compare_with_torch(fn, torch_fn, arrays)
    assert check_gradients(fn, arrays) < 1e-6


# -- convolution layers ---------------------------------------------------------------------------
# (kwargs, input shape (with batch))
CONV1D_CASES = [
    (dict(filters=3, kernel_size=3), (2, 9, 2)),
    (dict(filters=4, kernel_size=2, strides=2, padding="same", activation="tanh"), (2, 9, 3)),
    (dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2), (2, 8, 2)),
    (dict(filters=4, kernel_size=3, groups=2, data_format="channels_first"), (2, 4, 7)),
]


def conv_setup(cls, kwargs, shape):
    """(the layer built for float64 inputs of ``shape``, channels_first?, input channels, the
    torch form of its activation) for a conv layer test."""
    import torch

    layer = built(cls(**kwargs, dtype="float64"), shape)
    cf = kwargs.get("data_format") == "channels_first"
    act = {"tanh": torch.tanh, "sigmoid": torch.sigmoid}.get(kwargs.get("activation"),
                                                              lambda t: t)
    return layer, cf, shape[1] if cf else shape[-1], act


CONV2D_CASES = [
    (dict(filters=3, kernel_size=3), (2, 6, 5, 2)),
    (dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same", activation="sigmoid"),
     (2, 7, 6, 3)),
    (dict(filters=4, kernel_size=2, dilation_rate=2, groups=2, data_format="channels_first"),
     (2, 4, 6, 6)),
]


@pytest.mark.parametrize("cls, kwargs, shape",
                         [(layers.Conv1D, *case) for case in CONV1D_CASES]
                         + [(layers.Conv2D, *case) for case in CONV2D_CASES], ids=str)
def test_conv_layer_matches_torch_and_finite_differences(cls, kwargs, shape):
    layer, cf, _, act = conv_setup(cls, kwargs, shape)

    def reference(x, K, b):
        return act(torch_conv(x, K, b, layer.strides, layer.padding, layer.dilation_rate,
                              layer.groups, cf))

    (x,) = random_inputs(shape)
    check_layer(layer, ["kernel", "bias"], x, reference)


def test_conv2d_layer_with_a_callable_activation_applies_it_after_the_conv():
    """A plain function as activation takes the layer's unfused branch."""
    import torch

    layer = built(layers.Conv2D(2, 3, activation=lambda z: ops.tanh(z) * 2.0, dtype="float64"),
                  (2, 5, 5, 2))

    def reference(x, K, b):
        return 2.0 * torch.tanh(torch_conv(x, K, b, (1, 1), "valid", (1, 1), 1, False))

    (x,) = random_inputs((2, 5, 5, 2))
    check_layer(layer, ["kernel", "bias"], x, reference)


DEPTHWISE_CASES = [
    (dict(kernel_size=3, depth_multiplier=2, padding="same", strides=2), (2, 7, 6, 3)),
    (dict(kernel_size=(2, 3), dilation_rate=2, activation="tanh",
          data_format="channels_first"), (2, 2, 7, 7)),
]


@pytest.mark.parametrize("kwargs, shape", DEPTHWISE_CASES, ids=str)
def test_depthwise_conv2d_layer_weights_match_torch_and_finite_differences(kwargs, shape):
    layer, cf, c, act = conv_setup(layers.DepthwiseConv2D, kwargs, shape)

    def reference(x, K, b):
        # (kh, kw, C, m) -> (kh, kw, 1, C·m): output channel c·m + j reads input channel c
        w = K.reshape(*K.shape[:2], 1, -1)
        return act(torch_conv(x, w, b, layer.strides, layer.padding, layer.dilation_rate, c,
                              cf))

    (x,) = random_inputs(shape)
    check_layer(layer, ["depthwise_kernel", "bias"], x, reference)


SEPARABLE_CASES = [
    (dict(filters=4, kernel_size=3), (2, 6, 6, 2)),
    (dict(filters=3, kernel_size=3, padding="same", strides=2, depth_multiplier=2,
          activation="tanh"), (2, 7, 6, 3)),
    (dict(filters=2, kernel_size=(2, 3), dilation_rate=2, data_format="channels_first"),
     (2, 3, 7, 7)),
]


@pytest.mark.parametrize("kwargs, shape", SEPARABLE_CASES, ids=str)
def test_separable_conv2d_layer_matches_torch_and_finite_differences(kwargs, shape):
    """A depthwise conv (groups = channels) then a 1×1 conv with the bias, in torch."""
    layer, cf, c, act = conv_setup(layers.SeparableConv2D, kwargs, shape)

    def reference(x, D, P, b):
        depthwise = torch_conv(x, D.reshape(*D.shape[:2], 1, -1), None, layer.strides,
                               layer.padding, layer.dilation_rate, c, cf)
        return act(torch_conv(depthwise, P, b, (1, 1), "valid", (1, 1), 1, cf))

    (x,) = random_inputs(shape)
    check_layer(layer, ["depthwise_kernel", "pointwise_kernel", "bias"], x, reference)


TRANSPOSE_CASES = [
    (dict(filters=2, kernel_size=3, strides=2, padding="same"), (2, 3, 4, 3)),
    (dict(filters=3, kernel_size=(2, 3), strides=(2, 1), activation="tanh"), (2, 3, 3, 2)),
    (dict(filters=2, kernel_size=3, strides=2, padding="valid", output_padding=1,
          data_format="channels_first"), (2, 2, 3, 3)),
]


@pytest.mark.parametrize("kwargs, shape", TRANSPOSE_CASES, ids=str)
def test_conv2d_transpose_layer_matches_torch_and_finite_differences(kwargs, shape):
    import torch

    layer = built(layers.Conv2DTranspose(**kwargs, dtype="float64"), shape)
    cf = kwargs.get("data_format") == "channels_first"
    act = torch.tanh if kwargs.get("activation") == "tanh" else (lambda t: t)
    pads = layer.output_padding or (None, None)

    def reference(x, K, b):
        return act(torch_conv_transpose(x, K, b, layer.strides, layer.padding, pads,
                                        layer.dilation_rate, cf))

    (x,) = random_inputs(shape)
    check_layer(layer, ["kernel", "bias"], x, reference)


# -- pooling layers and the pooling ops' backward -------------------------------------------------
# (class, kwargs, input shape (with batch))
POOL_LAYER_CASES = [
    (layers.MaxPooling1D, dict(pool_size=3, strides=2, padding="same"), (2, 9, 3)),
    (layers.MaxPooling1D, dict(data_format="channels_first"), (2, 3, 8)),
    (layers.AveragePooling1D, dict(pool_size=3, padding="same"), (2, 10, 2)),
    (layers.AveragePooling1D, dict(pool_size=2, strides=1, data_format="channels_first"),
     (2, 2, 7)),
    (layers.MaxPooling2D, dict(pool_size=(2, 3), strides=(1, 2)), (2, 6, 7, 2)),
    (layers.MaxPooling2D, dict(pool_size=3, strides=2, padding="same",
                               data_format="channels_first"), (2, 2, 7, 6)),
    (layers.AveragePooling2D, dict(pool_size=2, padding="same"), (2, 5, 7, 3)),
    (layers.AveragePooling2D, dict(pool_size=(3, 2), strides=(2, 2),
                                   data_format="channels_first"), (2, 3, 7, 6)),
]


@pytest.mark.parametrize("cls, kwargs, shape", POOL_LAYER_CASES, ids=str)
def test_pooling_layers_match_torch_and_finite_differences(cls, kwargs, shape):
    layer = cls(**kwargs, dtype="float64")
    kind = "max" if "Max" in cls.__name__ else "avg"
    cf = kwargs.get("data_format") == "channels_first"
    pool, strides = layer.pool_size, layer.strides
    (x,) = random_inputs(shape, seed=3)  # continuous values: no ties inside a window

    compare_with_torch(lambda t: layer(t), lambda t: torch_pool(t, kind, pool, strides,
                                                                layer.padding, cf), [x])
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


# the existing op check covers 2-D, channels_last, 'same' only: 1-D, channels_first, 'valid'
@pytest.mark.parametrize("fn", [ops.max_pool, ops.avg_pool], ids=["max", "avg"])
@pytest.mark.parametrize("shape, pool, strides, padding, fmt", [
    ((2, 9, 3), (3,), (2,), "valid", "channels_last"),
    ((2, 3, 10), (2,), (3,), "same", "channels_first"),
    ((2, 2, 7, 6), (3, 2), (2, 1), "valid", "channels_first"),
    ((2, 6, 6, 2), (2, 2), (2, 2), "valid", "channels_last"),  # the 2x2 tournament
], ids=str)
def test_pooling_op_gradients_match_finite_differences(fn, shape, pool, strides, padding, fmt):
    (x,) = random_inputs(shape, seed=4)
    assert check_gradients(lambda t: fn(t, pool, strides, padding, fmt), [x]) < 1e-6


# -- merge layers ---------------------------------------------------------------------------------
MERGE_CASES = {
    "add": (layers.Add, lambda *ts: ts[0] + ts[1] + ts[2], 3),
    "subtract": (layers.Subtract, lambda a, b: a - b, 2),
    "multiply": (layers.Multiply, lambda *ts: ts[0] * ts[1] * ts[2], 3),
    "average": (layers.Average, lambda *ts: (ts[0] + ts[1] + ts[2]) / 3, 3),
    "maximum": (layers.Maximum, lambda *ts: ts[0].maximum(ts[1]).maximum(ts[2]), 3),
    "minimum": (layers.Minimum, lambda a, b: a.minimum(b), 2),
}


def _apart(count, shape, seed):
    """``count`` arrays whose entries differ by at least 0.5 at every position (no ties for
    Maximum / Minimum, whose gradient is not defined there); which array is largest changes
    from position to position."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=shape)
    size = int(np.prod(shape))
    order = rng.permuted(np.tile(np.arange(count)[:, None], (1, size)), axis=0)
    return [base + 0.5 * order[i].reshape(shape) for i in range(count)]


@pytest.mark.parametrize("name", sorted(MERGE_CASES))
def test_merge_layers_match_torch_and_finite_differences(name):
    cls, reference, count = MERGE_CASES[name]
    arrays = _apart(count, (3, 2, 4), seed=5)
    layer = cls(dtype="float64")
    compare_with_torch(lambda *ts: layer(list(ts)), reference, arrays)
    assert check_gradients(lambda *ts: layer(list(ts)), arrays) < 1e-6


def _torch_cat(tensors, dim):
    import torch

    return torch.cat(tensors, dim=dim)


# the functional forms (layers.add([a, b]) and so on): each builds its layer and calls it
FUNCTIONAL_MERGES = {
    "add": (layers.add, lambda a, b: a + b),
    "subtract": (layers.subtract, lambda a, b: a - b),
    "multiply": (layers.multiply, lambda a, b: a * b),
    "average": (layers.average, lambda a, b: (a + b) / 2),
    "maximum": (layers.maximum, lambda a, b: a.maximum(b)),
    "minimum": (layers.minimum, lambda a, b: a.minimum(b)),
    "concatenate": (lambda ts, **kw: layers.concatenate(ts, axis=1, **kw),
                    lambda a, b: _torch_cat([a, b], dim=1)),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_MERGES))
def test_functional_merge_forms_match_torch(name):
    merge, reference = FUNCTIONAL_MERGES[name]
    arrays = _apart(2, (3, 2, 4), seed=14)
    compare_with_torch(lambda a, b: merge([a, b], dtype="float64"), reference, arrays)


@pytest.mark.parametrize("axis, shapes", [
    (1, [(2, 3, 4), (2, 1, 4), (2, 2, 4)]),
    (-2, [(2, 3, 4), (2, 2, 4)]),
    (2, [(2, 3, 1), (2, 3, 4)]),
], ids=str)
def test_concatenate_on_other_axes_matches_torch_and_finite_differences(axis, shapes):
    import torch

    arrays = random_inputs(*shapes, seed=6)
    layer = layers.Concatenate(axis=axis, dtype="float64")
    compare_with_torch(lambda *ts: layer(list(ts)), lambda *ts: torch.cat(ts, dim=axis), arrays)
    assert check_gradients(lambda *ts: layer(list(ts)), arrays) < 1e-6


# (axes, normalize, shape a, shape b, the contraction in einsum's words)
DOT_CASES = [
    (1, False, (3, 4), (3, 4), "bi,bi->b"),
    ((1, 1), False, (2, 3, 4), (2, 3, 5), "bki,bkj->bij"),
    ((2, 1), False, (2, 3, 4), (2, 4, 5), "bik,bkj->bij"),
    ((1, 2), False, (2, 4, 3), (2, 5, 4), "bki,bjk->bij"),
    ((-1, -1), False, (2, 3, 4), (2, 5, 4), "bik,bjk->bij"),
    (2, False, (2, 3, 4), (2, 5, 4), "bik,bjk->bij"),
    ((2, 1), False, (2, 3, 4), (2, 4), "bik,bk->bi"),
    ((1, 1), True, (2, 3, 4), (2, 3, 5), "bki,bkj->bij"),
]


@pytest.mark.parametrize("axes, normalize, shape_a, shape_b, spec", DOT_CASES, ids=str)
def test_dot_matches_torch_einsum_and_finite_differences(axes, normalize, shape_a, shape_b,
                                                          spec):
    """Keras's Dot: the contracted axes of the two inputs, the other axes of ``a`` then ``b``;
    with ``normalize`` each input is first scaled to unit length along its contracted axis."""
    import torch
    import torch.nn.functional as F

    a, b = random_inputs(shape_a, shape_b, seed=7)
    layer = layers.Dot(axes=axes, normalize=normalize, dtype="float64")
    pair = axes if isinstance(axes, tuple) else (axes, axes)

    def reference(ta, tb):
        if normalize:
            ta, tb = F.normalize(ta, dim=pair[0]), F.normalize(tb, dim=pair[1])
        out = torch.einsum(spec, ta, tb)
        return out[:, None] if out.ndim == 1 else out  # Keras keeps (batch, 1)

    compare_with_torch(lambda x, y: layer([x, y]), reference, [a, b])
    assert check_gradients(lambda x, y: layer([x, y]), [a, b]) < 1e-6


# -- normalization layers ----------------------------------------------------------------------
@pytest.mark.parametrize("shape, axis", [((6, 4), -1), ((3, 4, 5, 2), -1), ((3, 2, 4, 5), 1)],
                         ids=str)
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
def test_batch_normalization_layer_matches_torch_and_finite_differences(shape, axis, training):
    import torch.nn.functional as F

    layer = layers.BatchNormalization(axis=axis, epsilon=1e-3, dtype="float64")
    layer.build_from_shape(shape)
    rng = np.random.default_rng(8)
    c = shape[axis]
    layer.set_weights([rng.normal(size=c), rng.normal(size=c), rng.normal(size=c),
                       rng.uniform(0.5, 2.0, size=c)])
    mean, var = layer.get_weights()[2:]
    feature = axis % len(shape)

    def reference(x, g, b):
        moved = x.movedim(feature, 1)  # torch wants the features on axis 1
        y = F.batch_norm(moved, torch_tensor(mean, False), torch_tensor(var, False), g, b,
                         training=training, eps=1e-3)
        return y.movedim(1, feature)

    (x,) = random_inputs(shape, seed=9)
    x = 1.5 * x + 0.5
    check_layer(layer, ["gamma", "beta"], x, reference, training=training)


@pytest.mark.parametrize("shape, axis", [((4, 5), -1), ((2, 3, 4), [1, 2]), ((2, 3, 4), 1)],
                         ids=str)
def test_layer_normalization_layer_matches_torch_and_finite_differences(shape, axis):
    import torch.nn.functional as F

    layer = built(layers.LayerNormalization(axis=axis, epsilon=1e-3, dtype="float64"), shape)
    axes = [a % len(shape) for a in (axis if isinstance(axis, list) else [axis])]
    last = list(range(len(shape) - len(axes), len(shape)))

    def reference(x, g, b):
        # torch normalises the trailing axes: move ours there and back
        moved = x.movedim(axes, last)
        y = F.layer_norm(moved, moved.shape[len(shape) - len(axes):], g, b, eps=1e-3)
        return y.movedim(last, axes)

    (x,) = random_inputs(shape, seed=10)
    check_layer(layer, ["gamma", "beta"], x, reference)


# -- the rest -----------------------------------------------------------------------------------
def test_embedding_step_of_the_fast_path_matches_torch_and_finite_differences():
    """The fast path's lookup (ids first, then the table; ids given as whole floats)."""
    import torch
    import torch.nn.functional as F

    from shendu.ops.embedding import EmbeddingStep

    rng = np.random.default_rng(11)
    table = rng.normal(size=(7, 4))
    ids = rng.integers(0, 7, size=(3, 5)).astype("float64")
    ids[0, :3] = 2  # a repeated id sums its gradients
    step = lambda i, t: EmbeddingStep.apply(i, t, where="test")  # noqa: E731
    t = Tensor(table, requires_grad=True)
    out = step(Tensor(ids), t)
    tt = torch_tensor(table)
    expected = F.embedding(torch.tensor(ids.astype(np.int64)), tt)
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    r = rng.normal(size=out.shape)
    (out * Tensor(r)).sum().backward()
    (expected * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert check_gradients(step, [ids, table], wrt=[1]) < 1e-6


@pytest.mark.parametrize("make", [
    lambda: layers.RandomFlip(seed=2),
    lambda: layers.RandomTranslation(0.3, (-0.2, 0.4), fill_mode="reflect", seed=2),
    lambda: layers.RandomRotation(0.2, fill_mode="wrap", seed=2),
    lambda: layers.RandomRotation(0.15, fill_mode="constant", fill_value=0.5, seed=2),
    lambda: layers.RandomZoom((-0.3, 0.3), fill_mode="nearest", seed=2),
], ids=["flip", "translation", "rotation_wrap", "rotation_constant", "zoom"])
def test_augmentation_layers_in_training_backward_matches_finite_differences(make):
    """A fresh layer with the same seed per call draws the same transform each time."""
    (x,) = random_inputs((2, 5, 6, 2), seed=12)
    out = make()(Tensor(x), training=True).data
    assert not np.allclose(out, x)  # a transform was drawn, not the identity
    assert check_gradients(lambda t: make()(t, training=True), [x]) < 1e-6


# -- padding, cropping, nearest upsampling: the values in both layouts ----------------------------
def _rows_cols_last(fn, cf):
    """A torch map over (batch, channels, rows, cols) applied to channels_last or _first x."""
    if cf:
        return fn
    return lambda t: fn(t.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def _pad(*amounts):
    """torch's F.pad with (left, right, top, bottom) zeros."""
    def fn(t):
        import torch.nn.functional as F

        return F.pad(t, amounts)
    return fn


def _nearest(size):
    def fn(t):
        import torch.nn.functional as F

        return F.interpolate(t, scale_factor=size, mode="nearest")
    return fn


# (layer, torch map over (batch, channels, rows, cols), input shape, channels_first)
SPATIAL_CASES = {
    "zero_padding": (lambda: layers.ZeroPadding2D(((1, 0), (2, 3))), _pad(2, 3, 1, 0),
                     (2, 3, 4, 2), False),
    "zero_padding_channels_first": (
        lambda: layers.ZeroPadding2D((2, 1), data_format="channels_first"), _pad(1, 1, 2, 2),
        (2, 2, 3, 4), True),
    "cropping": (lambda: layers.Cropping2D(((1, 2), (0, 1))), lambda t: t[:, :, 1:-2, :-1],
                 (2, 6, 5, 2), False),
    "cropping_channels_first": (lambda: layers.Cropping2D((1, 2), data_format="channels_first"),
                                lambda t: t[:, :, 1:-1, 2:-2], (2, 3, 5, 7), True),
    "upsampling_nearest": (lambda: layers.UpSampling2D((2, 3)), _nearest((2, 3)),
                           (2, 3, 2, 2), False),
    "upsampling_nearest_channels_first": (
        lambda: layers.UpSampling2D((3, 1), data_format="channels_first"), _nearest((3, 1)),
        (2, 2, 3, 4), True),
}


@pytest.mark.parametrize("name", sorted(SPATIAL_CASES))
def test_padding_cropping_and_nearest_upsampling_match_torch(name):
    make, torch_map, shape, cf = SPATIAL_CASES[name]
    layer = make()
    (x,) = random_inputs(shape, seed=13)
    compare_with_torch(lambda t: layer(t), _rows_cols_last(torch_map, cf), [x])
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


# -- TextVectorization: the split and standardize options, by hand --------------------------------
def test_text_vectorization_character_split_by_hand():
    layer = TextVectorization(split="character", standardize="lower")
    layer.adapt(["abba", "Ca"])
    # counts: a 3, b 2, c 1
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b", "c"]
    np.testing.assert_array_equal(layer(["cab", "Bd"]).numpy(), [[4, 2, 3], [3, 1, 0]])


def test_text_vectorization_without_split_keeps_each_text_whole():
    layer = TextVectorization(split=None, output_mode="count",
                              vocabulary=["red car", "blue car"])
    # one token per text: the whole standardised string
    np.testing.assert_array_equal(layer(["Red car!", "blue  car", "blue car"]).numpy(),
                                  [[0, 1, 0], [1, 0, 0], [0, 0, 1]])


def test_text_vectorization_callable_standardize_and_split():
    layer = TextVectorization(standardize=lambda s: s.upper(),
                              split=lambda s: s.split("-"), vocabulary=["A", "B"])
    np.testing.assert_array_equal(layer(["a-b-c", "b"]).numpy(), [[2, 3, 1], [3, 0, 0]])
