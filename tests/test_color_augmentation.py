"""RandomGrayscale, RandomInvert, Solarization, RandomPosterization, RandomColorDegeneration,
AutoContrast and RandomShear: values against torchvision's formulas (written out here) and
hand-worked shears, gradients by finite differences, seeded draws within their ranges,
identity in inference, bad arguments, configs, and training with a Conv2D after them."""

import numpy as np
import pytest

from helpers import (
    assert_config_round_trip,
    assert_conv2d_training_agrees,
    assert_raises_with_words,
    random_inputs,
)
from shendu.autograd import Tensor
from shendu.layers import (
    AutoContrast,
    Input,
    RandomColorDegeneration,
    RandomGrayscale,
    RandomInvert,
    RandomPosterization,
    RandomShear,
    Solarization,
)
from shendu.models import Sequential
from shendu.testing import check_gradients
from shendu.utils import set_random_seed

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, size=(64, 4, 5, 3))


def _gray(x):
    """torchvision's rgb_to_grayscale: 0.2989 R + 0.587 G + 0.114 B."""
    return (0.2989 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2])[..., None]


def _run(layer, x=IMAGES, training=True):
    return layer(x, training=training).data


def test_random_grayscale_greys_a_share_of_the_images():
    np.testing.assert_allclose(_run(RandomGrayscale(1.0, dtype="float64")),
                               np.broadcast_to(_gray(IMAGES), IMAGES.shape), rtol=1e-12)
    np.testing.assert_array_equal(_run(RandomGrayscale(0.0, dtype="float64")), IMAGES)
    y = _run(RandomGrayscale(0.5, seed=1, dtype="float64"))
    grey = [np.allclose(y[i], _gray(IMAGES[i])) for i in range(64)]
    same = [np.array_equal(y[i], IMAGES[i]) for i in range(64)]
    assert all(g != s for g, s in zip(grey, same))  # each image is one or the other
    assert 10 < sum(grey) < 54
    one = np.ones((2, 3, 3, 1)) * 7
    np.testing.assert_array_equal(_run(RandomGrayscale(1.0), one), one)


@pytest.mark.parametrize("factor,value_range", [((1.0, 1.0), (0, 255)), (1.0, (0, 1)),
                                                (0.3, (-1, 1))])
def test_random_invert_subtracts_from_the_maximum(factor, value_range):
    x = IMAGES / 255 if value_range != (0, 255) else IMAGES
    y = _run(RandomInvert(factor, value_range=value_range, seed=2, dtype="float64"), x)
    inverted = [np.allclose(y[i], value_range[1] - x[i]) for i in range(64)]
    kept = [np.array_equal(y[i], x[i]) for i in range(64)]
    assert all(a != b for a, b in zip(inverted, kept))
    # p ~ U(0, f) then a coin of p: about 32 of 64 for f = 1, about 10 for f = 0.3
    expected = {(1.0, 1.0): (64, 64), 1.0: (16, 48), 0.3: (2, 22)}[factor]
    assert expected[0] <= sum(inverted) <= expected[1]


def _solarize_reference(x, addition, threshold):
    """torchvision's solarize after adding: where(z >= t, 255 - z, z), z = clip(x + a)."""
    z = np.clip(x + addition, 0, 255)
    return np.where(z >= threshold, 255 - z, z)


@pytest.mark.parametrize("addition,threshold", [(0.0, 0.0), (0.2, 0.5), (0.6, 0.9)])
def test_solarization_matches_torchvision_formula(addition, threshold):
    layer = Solarization((addition, addition), (threshold, threshold), dtype="float64")
    np.testing.assert_allclose(_run(layer), _solarize_reference(
        IMAGES, addition * 255, threshold * 255), atol=1e-9)
    # in value_range (-1, 1): the same in [0, 255] units, mapped back
    layer = Solarization((addition, addition), (threshold, threshold), value_range=(-1, 1),
                         dtype="float64")
    ref = _solarize_reference(IMAGES, addition * 255, threshold * 255) / 127.5 - 1
    np.testing.assert_allclose(_run(layer, IMAGES / 127.5 - 1), ref, atol=1e-9)


def test_solarization_draws_additions_within_the_range():
    x = np.full((64, 2, 2, 1), 10.0)
    y = _run(Solarization(addition_factor=(0.2, 0.4), seed=3, dtype="float64"), x)
    added = (255 - y[:, 0, 0, 0]) - 10  # threshold 0: every pixel inverted
    assert added.min() >= 0.2 * 255 - 1e-9 and added.max() <= 0.4 * 255 + 1e-9
    assert added.max() - added.min() > 0.1 * 255


def test_random_posterization_keeps_the_top_bits():
    x = np.floor(IMAGES)
    for bits in range(1, 9):
        y = _run(RandomPosterization((bits, bits), dtype="float64"), x)
        mask = np.uint8(0xFF << (8 - bits) & 0xFF)  # torchvision: x & ~(2^(8-b) - 1)
        np.testing.assert_array_equal(y, x.astype(np.uint8) & mask)
    y = _run(RandomPosterization(3, seed=4, dtype="float64"), x)
    seen = set()
    for i in range(64):
        for bits in range(1, 9):
            if np.array_equal(y[i], x[i].astype(np.uint8) & np.uint8(0xFF << (8 - bits) & 0xFF)):
                seen.add(bits)
                break
    assert seen == {1, 2, 3}
    t = Tensor(x, requires_grad=True)
    RandomPosterization(4)(t).sum().backward()
    np.testing.assert_array_equal(t.grad, 0)


def test_auto_contrast_stretches_each_channel_in_training_and_inference():
    lo = IMAGES.min(axis=(1, 2), keepdims=True)
    hi = IMAGES.max(axis=(1, 2), keepdims=True)
    expected = (IMAGES - lo) / (hi - lo) * 255  # torchvision's autocontrast
    for training in (True, False):
        np.testing.assert_allclose(_run(AutoContrast(dtype="float64"), training=training),
                                   expected, atol=1e-9)
    x = IMAGES[:2] / 255
    x[0, ..., 1] = 0.3  # a constant channel stays as it is
    y = _run(AutoContrast(value_range=(0, 1), dtype="float64"), x)
    np.testing.assert_array_equal(y[0, ..., 1], 0.3)
    assert y[1].min() == 0 and np.isclose(y[1].max(), 1)


def test_random_color_degeneration_matches_torchvision_adjust_saturation():
    y = _run(RandomColorDegeneration((0.3, 0.3), dtype="float64"))
    # torchvision adjust_saturation(img, s) = s·img + (1 − s)·grey, clipped; here s = 1 − f
    np.testing.assert_allclose(y, np.clip(0.7 * IMAGES + 0.3 * _gray(IMAGES), 0, 255),
                               rtol=1e-12)
    y = _run(RandomColorDegeneration(0.8, seed=5, dtype="float64"))
    f = ((IMAGES - y) * (IMAGES - _gray(IMAGES))).sum(axis=(1, 2, 3)) / (
        (IMAGES - _gray(IMAGES)) ** 2).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(y, IMAGES + f[:, None, None, None] * (_gray(IMAGES) - IMAGES),
                               atol=1e-9)
    assert f.min() >= 0 and f.max() <= 0.8 + 1e-12 and f.max() - f.min() > 0.4


def test_random_shear_by_hand():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    # s_x = ±1: output (r, c) reads (r, c ± r); constant fill 0 (Keras gives the same)
    plus = [[0, 1, 2, 3], [5, 6, 7, 0], [10, 11, 0, 0], [15, 0, 0, 0]]
    minus = [[0, 1, 2, 3], [0, 4, 5, 6], [0, 0, 8, 9], [0, 0, 0, 12]]
    layer = RandomShear(x_factor=(1.0, 1.0), interpolation="nearest", fill_mode="constant",
                        seed=0, dtype="float64")
    seen = set()
    for _ in range(20):
        y = _run(layer, x)[0, :, :, 0].tolist()
        assert y in (plus, minus)
        seen.add(y == plus)
    assert seen == {True, False}
    # s_y = 1: output (r, c) reads (r + c, c)
    y = _run(RandomShear(y_factor=(1.0, 1.0), interpolation="nearest", fill_mode="constant",
                         seed=1, dtype="float64"), x)[0, :, :, 0]
    rows, cols = np.indices((4, 4))
    down = np.where(rows + cols < 4, (rows + cols) * 4 + cols, 0)
    up = np.where(rows - cols >= 0, (rows - cols) * 4 + cols, 0)
    assert np.array_equal(y, down) or np.array_equal(y, up)
    np.testing.assert_array_equal(_run(layer, x, training=False), x)


MAKERS = {
    "gray": lambda seed=None: RandomGrayscale(0.5, seed=seed),
    "invert": lambda seed=None: RandomInvert(seed=seed),
    "solar": lambda seed=None: Solarization(0.3, (0.2, 0.8), seed=seed),
    "poster": lambda seed=None: RandomPosterization((2, 6), seed=seed),
    "degen": lambda seed=None: RandomColorDegeneration(0.7, seed=seed),
    "shear": lambda seed=None: RandomShear(0.3, (0.1, 0.4), seed=seed),
}


@pytest.mark.parametrize("make", [
    lambda: RandomGrayscale(0.5, seed=1), lambda: RandomInvert(seed=2, value_range=(-5, 5)),
    lambda: Solarization(0.01, (0.0, 0.01), value_range=(-3, 3), seed=3),
    lambda: RandomColorDegeneration(0.9, value_range=(-1.5, 1.5), seed=4),  # clipping on
    lambda: AutoContrast(value_range=(-1, 1)),
    lambda: RandomShear(0.3, 0.2, seed=5), lambda: RandomShear(0.4, fill_mode="constant",
                                                               fill_value=1.0, seed=6),
    lambda: RandomGrayscale(1.0, data_format="channels_first"),
])
def test_gradients_match_finite_differences(make):
    (x,) = random_inputs((3, 3, 5, 3), seed=10)  # 3 channels in either layout
    assert check_gradients(lambda t: make()(t, training=True), [x]) < 1e-6


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_random_layers_repeat_and_are_identity_in_inference(name):
    make = MAKERS[name]
    x = IMAGES[:6].astype("float32")
    out = make(seed=3)(x).data
    np.testing.assert_array_equal(out, make(seed=3)(x, training=True).data)
    assert not np.array_equal(out, x)
    runs = []
    for _ in range(2):
        set_random_seed(7)
        layer = make()
        runs.append([layer(x, training=True).data for _ in range(3)])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0][0], runs[0][1])
    np.testing.assert_array_equal(make(seed=0)(x, training=False).data, x)
    model = Sequential([Input(shape=(4, 5, 3)), make(seed=0)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("name", sorted(MAKERS) + ["auto"])
def test_channels_first_and_unbatched_images_match_channels_last(name):
    make = MAKERS.get(name, lambda seed=None, **kw: AutoContrast(**kw))
    x = IMAGES[:2].astype("float32")

    def build(fmt):
        layer = make(seed=0)
        layer.data_format = fmt
        return layer

    last = build("channels_last")(x).data
    first = build("channels_first")(np.moveaxis(x, -1, 1)).data
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), last, rtol=1e-5, atol=1e-3)
    # one image is a batch of one (draws for a batch of two come in another order)
    np.testing.assert_array_equal(build("channels_last")(x[0]).data,
                                  build("channels_last")(x[:1]).data[0])


LAYERS = [RandomGrayscale(0.2, data_format="channels_first", seed=1, name="g"),
          RandomInvert((0.2, 0.6), value_range=[0, 1]), Solarization(0.1, [0.2, 0.4], seed=3),
          RandomPosterization((3, 5), value_range=(-1, 1)),
          RandomColorDegeneration(0.5, seed=2), AutoContrast(value_range=(0, 1)),
          RandomShear((0.1, 0.3), 0.2, "nearest", "constant", 0.5, seed=4)]


@pytest.mark.parametrize("layer", LAYERS)
def test_config_round_trip(layer):
    assert_config_round_trip(layer)


def test_training_with_conv2d_on_both_paths_gives_the_same_numbers(tmp_path):
    assert_conv2d_training_agrees(lambda: [
        AutoContrast(value_range=(0, 1)),
        RandomColorDegeneration(0.5, value_range=(0, 1), seed=1),
        RandomGrayscale(0.3, seed=2), RandomInvert(value_range=(0, 1), seed=3),
        Solarization(0.2, (0.5, 1.0), value_range=(0, 1), seed=4),
        RandomShear(0.2, 0.2, seed=5), RandomPosterization((6, 8), value_range=(0, 1), seed=6)],
        tmp_path / "coloured.safetensors")


@pytest.mark.parametrize("make,words", [
    (lambda: RandomGrayscale(1.5), ["RandomGrayscale", "factor", "[0, 1]", "1.5"]),
    (lambda: RandomGrayscale("half"), ["factor", "'half'"]),
    (lambda: RandomInvert(-0.1), ["RandomInvert", "factor", "-0.1"]),
    (lambda: RandomInvert((0.1, 2)), ["factor", "(0.1, 2)"]),
    (lambda: RandomInvert(value_range=(1, 1)), ["RandomInvert", "value_range", "(1, 1)"]),
    (lambda: Solarization(1.2), ["Solarization", "addition_factor", "1.2"]),
    (lambda: Solarization(0.1, (0.1,)), ["threshold_factor", "(0.1,)"]),
    (lambda: Solarization(value_range=5), ["Solarization", "value_range", "5"]),
    (lambda: RandomPosterization(0), ["RandomPosterization", "factor", "[1, 8]", "0"]),
    (lambda: RandomPosterization(9), ["factor", "9"]),
    (lambda: RandomPosterization(2.5), ["factor", "2.5"]),
    (lambda: RandomPosterization((1, 9)), ["factor", "(1, 9)"]),
    (lambda: RandomColorDegeneration(-1), ["RandomColorDegeneration", "factor", "-1"]),
    (lambda: AutoContrast(value_range=("0", 1)), ["AutoContrast", "value_range", "'0'"]),
    (lambda: RandomShear(1.5), ["RandomShear", "x_factor", "1.5"]),
    (lambda: RandomShear(0.1, (-0.2, 0.2)), ["y_factor", "(-0.2, 0.2)"]),
    (lambda: RandomShear(fill_mode="mirror"), ["fill_mode", "'mirror'"]),
    (lambda: RandomShear(interpolation="bicubic"), ["interpolation", "'bicubic'"]),
    (lambda: RandomGrayscale(data_format="nhwc"), ["data_format", "'nhwc'"]),
    (lambda: RandomGrayscale(1.0)(np.ones((1, 4, 4, 4))), ["RandomGrayscale", "3 channels",
                                                           "4 channels", "(1, 4, 4, 4)"]),
    (lambda: RandomColorDegeneration(0.5)(np.ones((1, 4, 4, 2))), ["2 channels"]),
    (lambda: RandomInvert()(np.ones((4, 4))), ["RandomInvert", "rank", "(4, 4)"]),
    (lambda: AutoContrast()(np.ones((4,))), ["AutoContrast", "rank", "(4,)"]),
])
def test_bad_arguments_and_inputs_raise_named_errors(make, words):
    assert_raises_with_words(make, words)
