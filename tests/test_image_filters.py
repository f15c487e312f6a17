"""RandomGaussianBlur, RandomSharpness, Equalization and RandomErasing: hand-worked values
(a blurred delta is the Gaussian kernel, sharpness 0.5 is the identity, a known histogram,
the erased share of the image), torch's conv2d and PIL's filters as references on the same
inputs, gradients by finite differences, seeded draws, identity in inference, channels first,
bad arguments and inputs, configs, and training with a Conv2D after them on both paths."""

import numpy as np
import pytest

from helpers import (
    assert_channels_first_and_unbatched_agree,
    assert_config_round_trip,
    assert_conv2d_training_agrees,
    assert_raises_with_words,
    random_inputs,
)
from shendu.autograd import Tensor
from shendu.layers import (
    Equalization,
    Input,
    RandomErasing,
    RandomGaussianBlur,
    RandomSharpness,
)
from shendu.models import Sequential
from shendu.testing import check_gradients
from shendu.utils import set_random_seed

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, size=(16, 6, 7, 3))
SMOOTH = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]]) / 13.0


def _run(layer, x=IMAGES, training=True):
    return layer(x, training=training).data


def _gauss(size, sigma):
    t = np.arange(size) - (size - 1) / 2
    k = np.exp(-t ** 2 / (2 * sigma ** 2))
    return k / k.sum()


def _same(x, kernel):
    """Zero-padded 'same' correlation of every channel with torch's conv2d (the reference)."""
    import torch

    c = x.shape[-1]
    weight = torch.tensor(np.broadcast_to(kernel, (c, 1) + kernel.shape).copy())
    y = torch.nn.functional.conv2d(torch.tensor(np.moveaxis(x, -1, 1)), weight, groups=c,
                                   padding="same")
    return np.moveaxis(y.numpy(), 1, -1)


@pytest.mark.parametrize("size,sigma", [(3, 1.0), (5, 0.7), ((3, 5), 2.0)])
def test_blur_of_a_delta_is_the_normalized_gaussian_kernel(size, sigma):
    kh, kw = (size, size) if isinstance(size, int) else size
    delta = np.zeros((1, 7, 7, 1))
    delta[0, 3, 3, 0] = 1.0
    layer = RandomGaussianBlur((1.0, 1.0), size, (sigma, sigma), value_range=(0, 1),
                               dtype="float64")
    y = _run(layer, delta)[0, :, :, 0]
    expected = np.zeros((7, 7))
    expected[3 - kh // 2:4 + kh // 2, 3 - kw // 2:4 + kw // 2] = np.outer(
        _gauss(kh, sigma + 1e-6), _gauss(kw, sigma + 1e-6))
    np.testing.assert_allclose(y, expected, atol=1e-12)
    assert np.isclose(y.sum(), 1.0)


def test_blur_matches_torch_conv2d_with_zero_padding_and_clips():
    layer = RandomGaussianBlur((1.0, 1.0), 5, (1.5, 1.5), dtype="float64")
    kernel = np.outer(_gauss(5, 1.5 + 1e-6), _gauss(5, 1.5 + 1e-6))
    np.testing.assert_allclose(_run(layer), _same(IMAGES, kernel), rtol=1e-10)
    x = IMAGES / 255 * 2 - 1  # (-1, 1) pixels, clipped to (0, 1)
    y = _run(RandomGaussianBlur((1.0, 1.0), value_range=(0, 1), seed=1, dtype="float64"), x)
    assert y.min() >= 0 and y.max() <= 1
    np.testing.assert_array_equal(_run(RandomGaussianBlur(0.0, dtype="float64")), IMAGES)


def test_blur_picks_images_with_the_drawn_probability():
    y = _run(RandomGaussianBlur(1.0, sigma=(1.0, 1.0), seed=2, dtype="float64"))
    same = [np.array_equal(y[i], IMAGES[i]) for i in range(16)]
    assert 2 <= sum(same) <= 14  # p ~ U(0, 1), then a coin of p: about half


def test_sharpness_half_is_the_identity_zero_the_smoothed_image_one_sharpened():
    np.testing.assert_allclose(_run(RandomSharpness((0.5, 0.5), dtype="float64")), IMAGES,
                               rtol=1e-12)
    smoothed = _same(IMAGES, SMOOTH)
    np.testing.assert_allclose(_run(RandomSharpness((0.0, 0.0), dtype="float64")), smoothed,
                               rtol=1e-10)
    np.testing.assert_allclose(_run(RandomSharpness((1.0, 1.0), dtype="float64")),
                               np.clip(2 * IMAGES - smoothed, 0, 255), rtol=1e-10, atol=1e-9)
    y = _run(RandomSharpness(1.0, seed=3, dtype="float64"))  # s = 2f, f ~ U(0, 1) per image
    d = IMAGES - smoothed
    s = ((y - smoothed) * d).sum(axis=(1, 2, 3)) / (d * d).sum(axis=(1, 2, 3))
    assert s.min() >= -1e-9 and s.max() <= 2 + 1e-9 and s.max() - s.min() > 0.5


@pytest.mark.parametrize("factor", [0.0, 0.3, 0.8])
def test_sharpness_matches_pil_inside_the_border(factor):
    pil = pytest.importorskip("PIL.ImageEnhance")
    from PIL import Image

    x = np.floor(IMAGES[0])
    ref = np.asarray(pil.Sharpness(Image.fromarray(x.astype(np.uint8))).enhance(2 * factor))
    y = _run(RandomSharpness((factor, factor), dtype="float64"), x[None])[0]
    # PIL keeps the border and rounds the smoothed image and the result to bytes; inside,
    # the same up to those roundings
    assert np.abs(y[1:-1, 1:-1] - ref[1:-1, 1:-1]).max() <= 1.0 + 0.5 * abs(1 - 2 * factor)


def test_equalization_of_a_known_histogram():
    # eight pixels in bins 0 (x2), 50 (x4), 100, 200: cdf 2, 6, 7, 8; cdf_min 2, N − cdf_min 6
    x = np.array([0, 0, 50, 50, 50, 50, 100, 200], float).reshape(1, 2, 4, 1)
    y = _run(Equalization(dtype="float64"), x).ravel()
    np.testing.assert_array_equal(y, [0, 0, 170, 170, 170, 170, 212, 255])  # round(255·k/6)
    # in (0, 1) the same, mapped back; 16 bins put pixels 0.0 and 0.05 in one bin
    y = _run(Equalization(value_range=(0, 1), dtype="float64"), x / 255).ravel()
    np.testing.assert_allclose(y * 255, [0, 0, 170, 170, 170, 170, 212, 255], rtol=1e-12)
    y = _run(Equalization(bins=4, dtype="float64"), x).ravel()  # bins 0,0,0,0,0,0,1,2
    np.testing.assert_array_equal(y, [0, 0, 0, 0, 0, 0, 128, 255])


def _equalize_reference(channel, bins=256):
    """Keras's formula for one channel, written out with NumPy."""
    b = np.clip(channel * (bins - 1) / 255, 0, bins - 1).astype(int)
    hist = np.bincount(b.ravel(), minlength=bins)
    if np.count_nonzero(hist) <= 1:
        return channel
    cdf = np.cumsum(hist)
    cdf_min = cdf[np.nonzero(cdf)[0][0]]
    lut = np.clip(np.round((cdf - cdf_min) * 255 / max(cdf[-1] - cdf_min, 1)), 0, 255)
    return lut[b]


def test_equalization_works_on_each_channel_of_each_image():
    x = np.floor(IMAGES) * 0.5
    x[3, ..., 1] = 42.0  # a constant channel is kept
    y = _run(Equalization(dtype="float64"), x)
    for i in range(len(x)):
        for c in range(3):
            np.testing.assert_array_equal(y[i, ..., c], _equalize_reference(x[i, ..., c]))
    np.testing.assert_array_equal(y[3, ..., 1], 42.0)
    np.testing.assert_array_equal(_run(Equalization(dtype="float64"), x[5:6]), y[5:6])
    t = Tensor(x, requires_grad=True)
    Equalization()(t).sum().backward()
    np.testing.assert_array_equal(t.grad, 0)


def test_equalization_matches_pil_on_a_spread_histogram():
    ops = pytest.importorskip("PIL.ImageOps")
    from PIL import Image

    x = np.tile(np.arange(256.0), (4, 1))  # a flat histogram: both leave it (almost) as is
    ref = np.asarray(ops.equalize(Image.fromarray(x.astype(np.uint8))), float)
    y = _run(Equalization(dtype="float64"), x[None, ..., None])[0, ..., 0]
    assert np.abs(y - ref).max() <= 1.0


def test_erasing_with_a_fixed_scale_erases_that_share_of_each_image():
    x = np.full((32, 8, 8, 3), 100.0)
    y = _run(RandomErasing((1.0, 1.0), (0.25, 0.25), fill_value=7, seed=4, dtype="float64"), x)
    erased = (y == 7).all(axis=-1)
    assert ((y == 7) | (y == 100)).all() and erased.mean(axis=(1, 2)).tolist() == [0.25] * 32
    for mask in erased:  # one 4 x 4 box, somewhere inside
        rows, cols = np.nonzero(mask)
        assert rows.max() - rows.min() == 3 and cols.max() - cols.min() == 3
    starts = {(np.nonzero(m)[0].min(), np.nonzero(m)[1].min()) for m in erased}
    assert len(starts) > 5


def test_erasing_fills_noise_or_per_channel_values_clipped_to_the_range():
    x = np.full((8, 10, 10, 3), 0.5)
    y = _run(RandomErasing((1.0, 1.0), (0.5, 0.5), value_range=(0, 1), seed=5,
                           dtype="float64"), x)
    noise = y[y != 0.5]
    assert noise.min() >= 0 and noise.max() <= 1 and len(np.unique(noise)) > 20
    y = _run(RandomErasing((1.0, 1.0), (0.5, 0.5), fill_value=(0.2, 3.0, -1.0),
                           value_range=(0, 1), seed=5, dtype="float64"), x)
    erased = (y != 0.5).any(axis=-1)
    np.testing.assert_array_equal(y[erased], np.broadcast_to([0.2, 1.0, 0.0], (erased.sum(), 3)))
    np.testing.assert_array_equal(_run(RandomErasing(0.0, dtype="float64"), x), x)


@pytest.mark.parametrize("make", [
    lambda: RandomGaussianBlur((1.0, 1.0), 3, (0.5, 1.5), value_range=(-1.5, 1.5), seed=1),
    lambda: RandomGaussianBlur(0.6, (3, 5), seed=2, data_format="channels_first"),
    lambda: RandomSharpness((0.0, 1.0), value_range=(-1.5, 1.5), seed=3),  # clipping on
    lambda: RandomErasing((1.0, 1.0), fill_value=0.3, seed=4),
    lambda: RandomErasing(seed=5),
])
def test_gradients_match_finite_differences(make):
    (x,) = random_inputs((3, 3, 5, 3), seed=10)
    assert check_gradients(lambda t: make()(t, training=True), [x]) < 1e-6


MAKERS = {
    "blur": lambda seed=None: RandomGaussianBlur(seed=seed),
    "sharp": lambda seed=None: RandomSharpness((0.0, 1.0), seed=seed),
    "equal": lambda seed=None: Equalization(),
    "erase": lambda seed=None: RandomErasing(seed=seed),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_layers_repeat_by_seed_and_are_identity_in_inference(name):
    make = MAKERS[name]
    x = IMAGES[:6].astype("float32")
    out = make(seed=3)(x).data
    np.testing.assert_array_equal(out, make(seed=3)(x, training=True).data)
    assert not np.array_equal(out, x)
    if name != "equal":  # Equalization draws nothing
        set_random_seed(7)
        layer = make()
        first = [layer(x).data for _ in range(2)]
        set_random_seed(7)
        layer = make()
        np.testing.assert_array_equal(first[0], layer(x).data)
        assert not np.array_equal(first[0], first[1])
    np.testing.assert_array_equal(make(seed=0)(x, training=False).data, x)
    model = Sequential([Input(shape=(6, 7, 3)), make(seed=0)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_channels_first_and_unbatched_images_match_channels_last(name):
    x = IMAGES[:2].astype("float32")
    assert_channels_first_and_unbatched_agree(lambda: MAKERS[name](seed=0), x)


LAYERS = [RandomGaussianBlur(0.3, (3, 5), (0.5, 2.0), [0, 1], "channels_first", 1, name="b"),
          RandomSharpness([0.2, 0.9], value_range=(-1, 1), seed=2),
          Equalization(value_range=[0, 1], bins=64, data_format="channels_first"),
          RandomErasing(0.5, [0.1, 0.2], [1, 2, 3], (0, 10), seed=3),
          RandomErasing(fill_value=4.0)]


@pytest.mark.parametrize("layer", LAYERS)
def test_config_round_trip(layer):
    clone = assert_config_round_trip(layer)
    x = IMAGES[:2] / 255
    np.testing.assert_array_equal(clone(x, training=False).data, layer(x, training=False).data)


def test_training_with_conv2d_on_both_paths_gives_the_same_numbers(tmp_path):
    assert_conv2d_training_agrees(lambda: [
        RandomGaussianBlur(0.8, value_range=(0, 1), seed=1),
        RandomSharpness(0.9, value_range=(0, 1), seed=2),
        RandomErasing(0.7, value_range=(0, 1), seed=3), Equalization(value_range=(0, 1))],
        tmp_path / "filtered.safetensors")


@pytest.mark.parametrize("make,words", [
    (lambda: RandomGaussianBlur(1.5), ["RandomGaussianBlur", "factor", "[0, 1]", "1.5"]),
    (lambda: RandomGaussianBlur(kernel_size=4), ["kernel_size", "odd", "4"]),
    (lambda: RandomGaussianBlur(kernel_size=(3, 0)), ["kernel_size", "(3, 0)"]),
    (lambda: RandomGaussianBlur(kernel_size=3.0), ["kernel_size", "3.0"]),
    (lambda: RandomGaussianBlur(sigma=-1), ["sigma", "-1"]),
    (lambda: RandomGaussianBlur(sigma=(1, 2, 3)), ["sigma", "(1, 2, 3)"]),
    (lambda: RandomGaussianBlur(value_range=(1, 1)), ["value_range", "(1, 1)"]),
    (lambda: RandomSharpness(2.0), ["RandomSharpness", "factor", "2.0"]),
    (lambda: RandomSharpness("x"), ["factor", "'x'"]),
    (lambda: Equalization(bins=1), ["Equalization", "bins", ">= 2", "1"]),
    (lambda: Equalization(bins=2.5), ["bins", "2.5"]),
    (lambda: Equalization(value_range=5), ["Equalization", "value_range", "5"]),
    (lambda: RandomErasing(-0.5), ["RandomErasing", "factor", "-0.5"]),
    (lambda: RandomErasing(scale=(0.1, 1.5)), ["scale", "(0.1, 1.5)"]),
    (lambda: RandomErasing(fill_value="red"), ["fill_value", "'red'"]),
    (lambda: RandomErasing(data_format="nhwc"), ["data_format", "'nhwc'"]),
    (lambda: RandomErasing(fill_value=(1, 2))(np.ones((1, 4, 4, 3))),
     ["fill_value", "2 numbers", "3 channels", "(1, 4, 4, 3)"]),
    (lambda: RandomGaussianBlur()(np.ones((4, 4))), ["RandomGaussianBlur", "rank", "(4, 4)"]),
    (lambda: Equalization()(np.ones((1, 1, 4, 4, 3))), ["Equalization", "rank"]),
])
def test_bad_arguments_and_inputs_raise_named_errors(make, words):
    assert_raises_with_words(make, words)
