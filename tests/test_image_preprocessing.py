"""Resizing, CenterCrop, RandomCrop, RandomContrast and RandomBrightness: values against PyTorch
and Keras, hand-worked crops, gradients by finite differences, seeded draws within their ranges,
identity in inference, bad arguments, configs, and training in a model with a convolution."""

import numpy as np
import pytest

from helpers import assert_paths_agree_and_reload, random_inputs, torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    CenterCrop,
    Conv2D,
    Dense,
    Flatten,
    Input,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    Resizing,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.testing import check_gradients
from shendu.utils import set_random_seed


def _torch_resize(x, size, mode, antialias=False):
    """PyTorch's interpolate of channels-last images, and the tensor to read its gradient."""
    import torch.nn.functional as F

    t = torch_tensor(x)
    kwargs = {} if mode == "nearest-exact" else dict(align_corners=False, antialias=antialias)
    y = F.interpolate(t.permute(0, 3, 1, 2), size=size, mode=mode, **kwargs).permute(0, 2, 3, 1)
    return t, y


def _forward_and_grad(layer, x, r):
    t = Tensor(x, requires_grad=True)
    y = layer(t)
    (y * Tensor(r)).sum().backward()
    return y.data, t.grad


@pytest.mark.parametrize("shape,size", [((2, 5, 7, 3), (3, 4)), ((1, 4, 3, 2), (9, 8)),
                                        ((2, 6, 6, 1), (6, 2)), ((1, 2, 9, 2), (5, 3))])
@pytest.mark.parametrize("interpolation,mode,antialias", [
    ("bilinear", "bilinear", False), ("nearest", "nearest-exact", False),
    ("bilinear", "bilinear", True), ("bicubic", "bicubic", True)])
def test_resizing_and_its_gradient_match_torch_interpolate(shape, size, interpolation, mode,
                                                           antialias):
    # Keras's bicubic without antialias uses a = -0.5, PyTorch's a = -0.75: checked below instead
    x, r = random_inputs(shape, (shape[0],) + size + (shape[3],), seed=1)
    layer = Resizing(*size, interpolation=interpolation, antialias=antialias, dtype="float64")
    y, grad = _forward_and_grad(layer, x, r)
    t, expected = _torch_resize(x, size, mode, antialias)
    (expected * torch_tensor(r, requires_grad=False)).sum().backward()
    np.testing.assert_allclose(y, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


# windows worked out by hand with Keras's rule (the largest centred window of the target's
# aspect ratio): 5x7 -> 3x2 keeps all rows and min(7, 5*2//3 = 3) = 3 cols from (7-3)//2 = 2;
# 6x4 -> 2x4 keeps all cols and min(6, 4*2//4 = 2) = 2 rows from (6-2)//2 = 2; 4x8 -> 4x4 keeps
# 4 cols from (8-4)//2 = 2
@pytest.mark.parametrize("shape,size,rows,cols", [((1, 5, 7, 2), (3, 2), (0, 5), (2, 5)),
                                                  ((2, 6, 4, 1), (2, 4), (2, 4), (0, 4)),
                                                  ((1, 4, 8, 3), (4, 4), (0, 4), (2, 6))])
def test_crop_to_aspect_ratio_resizes_the_centred_window(shape, size, rows, cols):
    (x,) = random_inputs(shape, seed=2)
    y = Resizing(*size, crop_to_aspect_ratio=True, dtype="float64")(x).data
    window = x[:, rows[0]:rows[1], cols[0]:cols[1]]
    np.testing.assert_allclose(y, _torch_resize(window, size, "bilinear")[1].detach().numpy(),
                               atol=1e-12)


# 5x7 -> 3x2: pad to 7*3//2 = 10 rows, (10-5)//2 = 2 on each end (9 rows in all);
# 6x3 -> 2x4: pad to 6*4//2 = 12 cols, (12-3)//2 = 4 on each end (11 cols)
@pytest.mark.parametrize("shape,size,pad", [((1, 5, 7, 2), (3, 2), ((2, 2), (0, 0))),
                                            ((2, 6, 3, 1), (2, 4), ((0, 0), (4, 4)))])
def test_pad_to_aspect_ratio_pads_the_short_side_with_fill_value(shape, size, pad):
    (x,) = random_inputs(shape, seed=3)
    y = Resizing(*size, pad_to_aspect_ratio=True, fill_value=0.7, dtype="float64")(x).data
    padded = np.pad(x, ((0, 0), *pad, (0, 0)), constant_values=0.7)
    np.testing.assert_allclose(y, _torch_resize(padded, size, "bilinear")[1].detach().numpy(),
                               atol=1e-12)


# Keras 3.15.1 (TensorFlow backend): Resizing(3, 2, interpolation=m, **options) of
# x = arange(35).reshape(1, 5, 7, 1) ** 1.5 (float32), all six outputs.
KERAS_RESIZING = {
    ("bicubic", "crop"): [8.6988, 13.9079, 65.0189, 75.3101, 152.3779, 165.8830],
    ("bicubic", "antialias"): [8.8181, 19.4875, 61.3973, 81.0366, 139.8619, 165.3843],
    ("lanczos3", "crop"): [7.5317, 12.9271, 64.7394, 75.5831, 153.6498, 167.9384],
    ("lanczos3", "pad"): [50.0, 50.0, 59.8275, 80.8552, 50.0, 50.0],
    ("lanczos5", "antialias"): [7.7220, 19.0565, 59.1283, 80.5502, 140.7677, 168.3566],
    ("nearest", "crop"): [2.8284, 8.0, 64.0, 76.3675, 164.3168, 181.0193],
    ("nearest", "pad"): [50.0, 50.0, 58.0947, 82.8191, 50.0, 50.0],
    ("bilinear", "pad"): [50.0, 50.0, 59.5711, 81.2062, 50.0, 50.0],
}
OPTIONS = {"crop": dict(crop_to_aspect_ratio=True), "antialias": dict(antialias=True),
           "pad": dict(pad_to_aspect_ratio=True, fill_value=50.0)}


@pytest.mark.parametrize("method,option", sorted(KERAS_RESIZING))
def test_resizing_matches_keras_values(method, option):
    x = np.arange(35.0).reshape(1, 5, 7, 1) ** 1.5
    y = Resizing(3, 2, interpolation=method, dtype="float64", **OPTIONS[option])(x).data
    # TensorFlow's plain bicubic reads its kernel from a table: agreement to ~1e-3 there
    rtol = 1e-3 if (method, option) == ("bicubic", "crop") else 1e-6
    np.testing.assert_allclose(y.ravel(), KERAS_RESIZING[method, option], rtol=rtol, atol=1e-4)


def test_bicubic_and_lanczos_match_a_tap_by_tap_reference():
    def keys(d):
        d = abs(d)
        return 1.5 * d**3 - 2.5 * d**2 + 1 if d <= 1 else (
            -0.5 * d**3 + 2.5 * d**2 - 4 * d + 2 if d < 2 else 0.0)

    def lanczos3(d):
        return float(np.sinc(d) * np.sinc(d / 3)) if abs(d) < 3 else 0.0

    def reference(signal, out, kernel):
        n = len(signal)
        rows = []
        for j in range(out):
            taps = [kernel((j + 0.5) * n / out - 0.5 - i) for i in range(n)]
            rows.append(sum(s * w for s, w in zip(signal, taps)) / sum(taps))
        return np.array(rows)

    (x,) = random_inputs((1, 7, 5, 2), seed=4)
    for method, kernel in (("bicubic", keys), ("lanczos3", lanczos3)):
        y = Resizing(3, 8, interpolation=method, dtype="float64")(x).data
        cols = np.apply_along_axis(reference, 2, x, 8, kernel)
        np.testing.assert_allclose(y, np.apply_along_axis(reference, 1, cols, 3, kernel),
                                   atol=1e-12)


def test_center_crop_by_hand_and_resize_when_smaller():
    x = np.arange(30.0).reshape(1, 5, 6, 1)
    # rows (5-3)//2 = 1 .. 3, cols (6-2)//2 = 2 .. 3
    y = CenterCrop(3, 2, dtype="float64")(x).data[0, :, :, 0]
    np.testing.assert_array_equal(y, [[8, 9], [14, 15], [20, 21]])
    # 5x6 -> 7x4 (too few rows): Keras resizes its window min(6, 5*4//7 = 2) = 2 cols from 2
    y = CenterCrop(7, 4, dtype="float64")(x).data
    expected = _torch_resize(x[:, :, 2:4], (7, 4), "bilinear")[1].detach().numpy()
    np.testing.assert_allclose(y, expected, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda: Resizing(3, 4, interpolation="bicubic"), lambda: Resizing(6, 5, antialias=True),
    lambda: Resizing(4, 3, interpolation="nearest", crop_to_aspect_ratio=True),
    lambda: Resizing(3, 5, pad_to_aspect_ratio=True, fill_value=2.0),
    lambda: Resizing(2, 3, interpolation="lanczos5", data_format="channels_first"),
    lambda: CenterCrop(2, 3), lambda: CenterCrop(6, 2),
    lambda: CenterCrop(2, 2, data_format="channels_first"),
    lambda: RandomCrop(3, 2, seed=5), lambda: RandomCrop(7, 3, seed=5),
    lambda: RandomContrast((0.2, 0.6), seed=6), lambda: RandomBrightness(0.5, seed=7),
    lambda: RandomContrast(0.9, value_range=(-0.5, 0.5), seed=8),  # clipping on
    lambda: RandomBrightness(0.3, value_range=(-1, 1), seed=9, data_format="channels_first"),
])
def test_gradients_match_finite_differences(make):
    (x,) = random_inputs((2, 5, 4, 3), seed=10)
    # a fresh seeded layer per call: the same draw every time
    assert check_gradients(lambda t: make()(t, training=True), [x]) < 1e-6


def test_random_crop_takes_every_window_once_per_batch_and_fits_in_inference():
    x = np.arange(2 * 5 * 4 * 1.0).reshape(2, 5, 4, 1)
    layer, seen = RandomCrop(2, 2, seed=0, dtype="float64"), set()
    for _ in range(200):
        y = layer(x, training=True).data
        (r,), (c,) = np.nonzero(x[0, :, :, 0] == y[0, 0, 0, 0])
        np.testing.assert_array_equal(y, x[:, r:r + 2, c:c + 2])  # one window for the batch
        seen.add((int(r), int(c)))
    assert seen == {(r, c) for r in range(4) for c in range(3)}
    # inference: the centred 4x4 window of the 5x4 image (rows (5-4)//2 = 0 .. 3), resized
    y = layer(x, training=False).data
    np.testing.assert_allclose(y, _torch_resize(x[:, 0:4], (2, 2), "bilinear")[1].detach()
                               .numpy(), atol=1e-12)
    # training on an image too small to crop: the same resize as in inference
    small = RandomCrop(6, 3, seed=0, dtype="float64")
    np.testing.assert_allclose(small(x, training=True).data, small(x, training=False).data)


def _recovered_factor(x, y):
    """Per image, the contrast factor c with y = (x - m) c + m (m: per-channel means)."""
    m = x.mean(axis=(1, 2), keepdims=True)
    return ((y - m) * (x - m)).sum(axis=(1, 2, 3)) / ((x - m) ** 2).sum(axis=(1, 2, 3))


@pytest.mark.parametrize("factor,low,high", [(0.3, 0.7, 1.3), ((0.1, 0.5), 0.9, 1.5),
                                             ((0.5, 0.1), 0.9, 1.5), (1.0, 0.0, 2.0)])
def test_random_contrast_draws_one_factor_per_image_within_the_range(factor, low, high):
    x = np.random.default_rng(0).uniform(100, 150, size=(64, 4, 5, 3))
    y = RandomContrast(factor, seed=1, dtype="float64")(x, training=True).data
    c = _recovered_factor(x, y)
    m = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - m) * c[:, None, None, None] + m, atol=1e-9)
    assert ((c >= low) & (c <= high)).all()
    assert c.max() - c.min() > 0.5 * (high - low)  # spread over the range, not one value


def test_random_contrast_clips_to_value_range_and_uses_channel_means():
    x = np.array([[[[0.0, 0.5], [1.0, 0.5]]]])  # one image, 1x2 pixels, 2 channels
    y = RandomContrast((1.0, 1.0), value_range=(0, 1), seed=0)(x, training=True).data
    # c in [0, 2]; channel 0 mean 0.5 -> 0.5 ± 0.5 c clipped to [0, 1]; channel 1 stays 0.5
    assert 0 <= y[0, 0, 0, 0] <= 0.5 <= y[0, 0, 1, 0] <= 1
    np.testing.assert_allclose(y[0, 0, :, 1], [0.5, 0.5])
    big = RandomContrast((0.0, 1.0), value_range=(0, 1), seed=0)(x * 4 - 1, training=True)
    assert big.data.min() >= 0 and big.data.max() <= 1


@pytest.mark.parametrize("factor,low,high", [(0.2, -0.2, 0.2), (-0.3, -0.3, 0.3),
                                             ((0.1, 0.4), 0.1, 0.4), ((0.45, -0.45), -0.45, 0.45)])
def test_random_brightness_shifts_each_image_by_a_fraction_of_the_range(factor, low, high):
    # pixels near 0 in value_range (-1, 1) and shifts below 0.9 in size: nothing is clipped
    x = np.random.default_rng(0).uniform(-0.05, 0.05, size=(64, 3, 2, 3))
    y = RandomBrightness(factor, value_range=(-1, 1), seed=2, dtype="float64")(
        x, training=True).data
    delta = (y - x)[:, 0, 0, 0]
    np.testing.assert_allclose(y - x, np.broadcast_to(delta[:, None, None, None], x.shape),
                               atol=1e-12)  # one shift per image, for every pixel and channel
    assert ((delta >= 2 * low - 1e-12) & (delta <= 2 * high + 1e-12)).all()  # width 2
    assert delta.max() - delta.min() > (high - low)  # spread over the range


def test_random_brightness_clips_to_value_range():
    x = np.full((8, 2, 2, 1), 250.0)
    y = RandomBrightness((0.5, 1.0), seed=0)(x, training=True).data
    np.testing.assert_array_equal(y, 255.0)  # every shift is >= 127.5
    y = RandomBrightness((-1.0, -0.5), value_range=(255, 0), seed=0)(x, training=True).data
    assert y.max() <= 250 - 127.5 + 1e-4 and y.min() >= 0


COLOUR = [lambda seed=None: RandomContrast(0.5, seed=seed),
          lambda seed=None: RandomBrightness(0.3, seed=seed),
          lambda seed=None: RandomCrop(3, 3, seed=seed)]


@pytest.mark.parametrize("make", COLOUR[:2])
def test_colour_layers_are_identity_in_inference(make):
    x = np.random.default_rng(0).uniform(-50, 400, size=(4, 5, 5, 3)).astype("float32")
    np.testing.assert_array_equal(make(seed=0)(x, training=False).data, x)  # not even clipped
    model = Sequential([Input(shape=(5, 5, 3)), make(seed=0)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("make", COLOUR)
def test_random_layers_repeat_with_a_seed_or_set_random_seed(make):
    x = np.random.default_rng(1).uniform(0, 255, size=(6, 5, 5, 3)).astype("float32")
    out = make(seed=3)(x, training=True).data
    np.testing.assert_array_equal(out, make(seed=3)(x).data)  # a direct call augments (Keras)
    assert not np.array_equal(out, make(seed=4)(x, training=True).data)
    runs = []
    for _ in range(2):
        set_random_seed(7)
        layer = make()
        runs.append([layer(x, training=True).data for _ in range(3)])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0][0], runs[0][1])


@pytest.mark.parametrize("make", [lambda f: Resizing(3, 2, data_format=f),
                                  lambda f: CenterCrop(3, 2, data_format=f),
                                  lambda f: RandomCrop(3, 2, seed=0, data_format=f),
                                  lambda f: RandomContrast(0.4, seed=0, data_format=f),
                                  lambda f: RandomBrightness(0.4, seed=0, data_format=f)])
def test_channels_first_and_unbatched_images_match_channels_last(make):
    x = np.random.default_rng(2).uniform(0, 255, size=(2, 5, 4, 3)).astype("float32")
    last = make("channels_last")(x, training=True).data
    first = make("channels_first")(np.moveaxis(x, -1, 1), training=True).data
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), last, rtol=1e-5, atol=1e-3)
    single = make("channels_last")(x[0], training=True).data
    np.testing.assert_allclose(single, last[0], rtol=1e-5, atol=1e-3)
    assert make("channels_last").compute_output_shape((None, 5, 4, 3)) == (None,) + last.shape[1:]


LAYERS = [
    Resizing(4, 6, interpolation="lanczos3", crop_to_aspect_ratio=True, antialias=True,
             data_format="channels_first", name="resize"),
    Resizing(3, 3, pad_to_aspect_ratio=True, fill_value=0.5),
    CenterCrop(2, 3, data_format="channels_first"), RandomCrop(4, 5, seed=3),
    RandomContrast((0.1, 0.3), value_range=[0, 1], seed=1),
    RandomBrightness(-0.4, value_range=(-1, 1), data_format="channels_first"),
]


@pytest.mark.parametrize("layer", LAYERS)
def test_config_round_trip(layer):
    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()


def _model(fast, data_format="channels_last"):
    set_random_seed(0)
    shape = (3, 8, 9) if data_format == "channels_first" else (8, 9, 3)
    kw = dict(data_format=data_format)
    model = Sequential([
        Input(shape=shape), RandomCrop(7, 8, seed=1, **kw), Resizing(6, 6, **kw),
        CenterCrop(5, 5, **kw), RandomContrast(0.3, value_range=(0, 1), seed=2, **kw),
        RandomBrightness(0.2, value_range=(0, 1), **kw), Conv2D(2, 3, **kw), Flatten(),
        Dense(1)])
    model.use_fast_path = fast
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_training_with_conv2d_on_both_paths_gives_the_same_numbers(data_format, tmp_path):
    backend.set_floatx("float64")
    shape = (12, 3, 8, 9) if data_format == "channels_first" else (12, 8, 9, 3)
    x = np.random.default_rng(3).uniform(size=shape)
    y = np.random.default_rng(4).normal(size=(12, 1))
    assert_paths_agree_and_reload(lambda fast: _model(fast, data_format), x, y,
                                  tmp_path / "augmented.safetensors")


def _message(make) -> str:
    with pytest.raises((ArgumentError, ShapeError)) as info:
        make()
    return str(info.value)


@pytest.mark.parametrize("make,words", [
    (lambda: Resizing(0, 4), ["Resizing", "height", "positive int", "0", "Hint"]),
    (lambda: Resizing(4, -2), ["Resizing", "width", "-2"]),
    (lambda: Resizing(4.5, 2), ["Resizing", "height", "4.5"]),
    (lambda: Resizing(True, 2), ["Resizing", "height", "True"]),
    (lambda: CenterCrop(2, 0), ["CenterCrop", "width", "0"]),
    (lambda: RandomCrop(-1, 2), ["RandomCrop", "height", "-1"]),
    (lambda: Resizing(2, 2, interpolation="area"), ["interpolation", "'nearest'", "'area'"]),
    (lambda: Resizing(2, 2, interpolation="cubic"), ["interpolation", "'bicubic'", "'cubic'"]),
    (lambda: Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     ["crop_to_aspect_ratio", "pad_to_aspect_ratio", "only one"]),
    (lambda: Resizing(2, 2, fill_mode="reflect"), ["fill_mode", "'constant'", "'reflect'"]),
    (lambda: Resizing(2, 2, fill_value="white"), ["fill_value", "'white'"]),
    (lambda: CenterCrop(2, 2, data_format="nhwc"), ["data_format", "'nhwc'"]),
    (lambda: RandomContrast(1.5), ["RandomContrast", "factor", "[0, 1]", "1.5"]),
    (lambda: RandomContrast(-0.1), ["RandomContrast", "factor", "-0.1"]),
    (lambda: RandomContrast((-0.1, 0.5)), ["factor", "(-0.1, 0.5)"]),
    (lambda: RandomContrast((0.2,)), ["factor", "(0.2,)"]),
    (lambda: RandomContrast("0.2"), ["factor", "'0.2'"]),
    (lambda: RandomBrightness(1.2), ["RandomBrightness", "factor", "[-1, 1]", "1.2"]),
    (lambda: RandomBrightness((-2, 0.5)), ["factor", "(-2, 0.5)"]),
    (lambda: RandomBrightness(float("nan")), ["factor", "nan"]),
    (lambda: RandomBrightness(0.1, value_range=(0,)), ["value_range", "(0,)"]),
    (lambda: RandomContrast(0.1, value_range=5), ["RandomContrast", "value_range", "5"]),
    (lambda: RandomContrast(0.1, value_range=(1, 1)), ["value_range", "(1, 1)"]),
    (lambda: RandomBrightness(0.1, value_range=(0, float("inf"))), ["value_range", "inf"]),
    (lambda: RandomBrightness(0.1, value_range=("0", 1)), ["value_range", "'0'"]),
    (lambda: Resizing(2, 2)(np.ones((4, 4))), ["Resizing", "rank 4", "(4, 4)"]),
    (lambda: CenterCrop(2, 2)(np.ones((1, 4, 4, 1, 1))), ["CenterCrop", "rank", "(1, 4, 4, 1, 1)"]),
    (lambda: RandomCrop(2, 2)(np.ones((4, 4))), ["RandomCrop", "rank", "(4, 4)"]),
    (lambda: RandomContrast(0.1)(np.ones((4, 4))), ["RandomContrast", "rank", "(4, 4)"]),
    (lambda: RandomBrightness(0.1)(np.ones((4,)), training=True), ["RandomBrightness", "(4,)"]),
])
def test_bad_arguments_and_inputs_raise_named_errors(make, words):
    message = _message(make)
    assert "Hint" in message
    for word in words:
        assert word in message, (word, message)


def test_output_shapes_in_a_functional_model_and_summary():
    from shendu.models import Model

    inputs = Input(shape=(None, None, 3))
    outputs = CenterCrop(4, 4)(Resizing(6, 8)(inputs))
    model = Model(inputs, outputs)
    assert model.output_shape == (None, 4, 4, 3)
    assert model.predict(np.ones((2, 9, 5, 3)), verbose=0).shape == (2, 4, 4, 3)
    assert RandomCrop(3, 2).compute_output_shape((None, 8, 8, 1)) == (None, 3, 2, 1)
    assert RandomCrop(3, 2, data_format="channels_first").compute_output_shape(
        (None, 1, 8, 8)) == (None, 1, 3, 2)
