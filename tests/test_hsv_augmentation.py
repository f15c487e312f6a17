"""rgb_to_hsv / hsv_to_rgb (keras.ops.image) against hand-worked pixels and Python's colorsys,
their round trip and gradients by finite differences; RandomHue, RandomSaturation and
RandomColorJitter: Keras's draws (δ = ±f/2 turns, s scaled by f/(1 − f)), identity in
inference, value_range, layouts, named errors, configs, seeds, and training on both paths."""

import colorsys

import numpy as np
import pytest

from helpers import (
    assert_channels_first_and_unbatched_agree,
    assert_conv2d_training_agrees,
    assert_raises_with_words,
)
from shendu import backend
from shendu.errors import ArgumentError, DTypeError, ShapeError
from shendu.layers import (
    Input,
    RandomBrightness,
    RandomColorJitter,
    RandomContrast,
    RandomHue,
    RandomSaturation,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.ops.image import adjust_brightness, adjust_contrast, hsv_to_rgb, rgb_to_hsv
from shendu.ops.image_hsv import adjust_hsv
from shendu.testing import check_gradients
from shendu.utils import set_random_seed

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, size=(16, 4, 5, 3))

# (r, g, b) -> (h, s, v), worked by hand: h = (x_a − x_b)/(6d) + top/3 (mod 1)
HAND = [
    ((1.0, 0.0, 0.0), (0.0, 1.0, 1.0)),  # red
    ((0.0, 1.0, 0.0), (1 / 3, 1.0, 1.0)),  # green
    ((0.0, 0.0, 1.0), (2 / 3, 1.0, 1.0)),  # blue
    ((1.0, 0.5, 0.0), (1 / 12, 1.0, 1.0)),  # (0.5 − 0)/6
    ((0.2, 0.4, 0.8), (11 / 18, 0.75, 0.8)),  # (0.2 − 0.4)/3.6 + 2/3; s = 0.6/0.8
    ((1.0, 0.0, 0.5), (11 / 12, 1.0, 1.0)),  # (0 − 0.5)/6 mod 1
    ((0.5, 0.5, 0.5), (0.0, 0.0, 0.5)),  # grey: no hue, no saturation
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),  # black
]


def _pixels(n, seed, gap=0.05):
    """n RGB pixels in [0.05, 0.95] whose channels differ by at least ``gap`` (no ties: away
    from the kinks of max, min and the hue's wrap)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 0.95, size=(4 * n, 3))
    d = np.abs(x[:, [0, 1, 2]] - x[:, [1, 2, 0]]).min(axis=1)
    return x[d > gap][:n]


def test_hand_worked_pixels_both_ways():
    rgb = np.array([p for p, _ in HAND]).reshape(2, 2, 2, 3)
    hsv = np.array([q for _, q in HAND]).reshape(2, 2, 2, 3)
    np.testing.assert_allclose(rgb_to_hsv(rgb).data, hsv, atol=1e-12)
    np.testing.assert_allclose(hsv_to_rgb(hsv).data, rgb, atol=1e-12)


def test_matches_colorsys_on_random_pixels_with_ties():
    rng = np.random.default_rng(1)
    rgb = np.concatenate([rng.uniform(size=(300, 3)),
                          rng.integers(0, 5, size=(100, 3)) / 4])  # ties and greys
    expected = np.array([colorsys.rgb_to_hsv(*p) for p in rgb])
    got = rgb_to_hsv(rgb.reshape(20, 20, 3)).data.reshape(-1, 3)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    hsv = rng.uniform(size=(400, 3))
    expected = np.array([colorsys.hsv_to_rgb(*p) for p in hsv])
    np.testing.assert_allclose(hsv_to_rgb(hsv.reshape(4, 10, 10, 3)).data.reshape(-1, 3),
                               expected, atol=1e-12)


def test_float32_keeps_its_dtype_and_the_hue_stays_below_one():
    x = np.random.default_rng(2).uniform(size=(8, 16, 16, 3)).astype("float32")
    x[..., 2] = x[..., 1] + np.float32(1e-8)  # g ≈ b: hue just below 0 before the wrap
    hsv = rgb_to_hsv(x).data
    assert hsv.dtype == np.float32 and hsv.min() >= 0 and hsv[..., 0].max() < 1
    assert hsv_to_rgb(hsv).dtype == np.float32


def test_round_trips():
    x = np.random.default_rng(3).uniform(size=(3, 6, 7, 3))
    np.testing.assert_allclose(hsv_to_rgb(rgb_to_hsv(x)).data, x, atol=1e-12)
    hsv = np.random.default_rng(4).uniform(0.1, 1.0, size=(3, 6, 7, 3))
    hsv[..., 0] -= 0.1  # h in [0, 0.9], s and v > 0: the hue is defined
    np.testing.assert_allclose(rgb_to_hsv(hsv_to_rgb(hsv)).data, hsv, atol=1e-12)


def test_keras_signature_layouts_and_default_data_format():
    x = np.random.default_rng(5).uniform(size=(2, 4, 5, 3))
    last = rgb_to_hsv(x).data
    first = rgb_to_hsv(np.moveaxis(x, -1, 1), data_format="channels_first").data
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), last, atol=1e-15)
    np.testing.assert_allclose(rgb_to_hsv(x[0]).data, last[0])  # one image, rank 3
    back = hsv_to_rgb(first, data_format="channels_first").data
    np.testing.assert_allclose(np.moveaxis(back, 1, -1), x, atol=1e-12)
    one = rgb_to_hsv(np.moveaxis(x[0], -1, 0), "channels_first").data
    np.testing.assert_allclose(np.moveaxis(one, 0, -1), last[0], atol=1e-15)
    backend.set_image_data_format("channels_first")
    try:
        np.testing.assert_allclose(rgb_to_hsv(np.moveaxis(x, -1, 1)).data, first)
    finally:
        backend.set_image_data_format("channels_last")


@pytest.mark.parametrize("fn", [rgb_to_hsv, hsv_to_rgb])
def test_gradients_match_finite_differences(fn):
    if fn is rgb_to_hsv:
        x = _pixels(60, seed=6).reshape(3, 4, 5, 3)
    else:  # 6h away from integers (the sextants' corners), s and v inside (0, 1)
        rng = np.random.default_rng(7)
        h = (rng.integers(0, 6, size=60) + rng.uniform(0.1, 0.9, size=60)) / 6
        x = np.stack([h, *rng.uniform(0.1, 0.9, size=(2, 60))], axis=-1).reshape(3, 4, 5, 3)
    assert check_gradients(fn, [x]) < 1e-6
    first = np.moveaxis(x, -1, 1)
    assert check_gradients(lambda t: fn(t, data_format="channels_first"), [first]) < 1e-6


def test_grey_pixels_get_the_gradient_of_their_branch():
    # grey: s = (x_top − x_low)/v with top = low = r: 0 whatever r is, so ds/dx = 0
    from shendu.autograd import Tensor

    t = Tensor(np.array([[[0.5, 0.5, 0.5], [0.0, 0.0, 0.0]]]), requires_grad=True)
    (rgb_to_hsv(t) * Tensor(np.array([1.0, 1.0, 0.0]))).sum().backward()
    np.testing.assert_array_equal(t.grad, 0)


@pytest.mark.parametrize("x,words", [
    (np.ones((4, 3)), ["rgb_to_hsv", "rank 3 or a batch of rank 4", "(4, 3)"]),
    (np.ones((1, 2, 2, 4)), ["rgb_to_hsv", "3 channels", "(1, 2, 2, 4)", "data_format"]),
    (np.ones((2, 2, 3), dtype="uint8"), ["rgb_to_hsv", "float", "uint8", "/ 255"]),
])
def test_op_errors_name_the_op_and_the_value(x, words):
    with pytest.raises((ShapeError, DTypeError)) as info:
        rgb_to_hsv(x)
    for word in words + ["Hint"]:
        assert word in str(info.value), (word, str(info.value))
    with pytest.raises(ArgumentError, match="hsv_to_rgb: data_format.*'nhwc'"):
        hsv_to_rgb(np.ones((2, 2, 3)), data_format="nhwc")


# --- layers --------------------------------------------------------------------------------

def _run(layer, x=IMAGES, training=True):
    return layer(x, training=training).data


def _solid(rgb, n=8):
    return np.broadcast_to(np.asarray(rgb, dtype=float), (n, 2, 3, 3)).copy()


def _hue_shift(x, y):
    """Per image, the hue turn from x to y (pixels in [0, 255]), in [−0.5, 0.5)."""
    h0, h1 = (rgb_to_hsv(z[:, :1, :1] / 255).data[:, 0, 0, 0] for z in (x, y))
    return (h1 - h0 + 0.5) % 1 - 0.5


def test_random_hue_factor_one_turns_red_to_cyan_and_a_half_by_a_quarter():
    red = _solid([255.0, 0.0, 0.0])
    # f = 1: δ = ±1/2 turn, the same colour either way
    np.testing.assert_allclose(_run(RandomHue((1.0, 1.0), dtype="float64"), red),
                               _solid([0.0, 255.0, 255.0]), atol=1e-9)
    # f = 0.5 (Keras's δ = ±f/2): a quarter turn, to chartreuse or violet
    y = _run(RandomHue((0.5, 0.5), seed=0, dtype="float64"), red)[:, 0, 0]
    plus, minus = [127.5, 255.0, 0.0], [127.5, 0.0, 255.0]
    kinds = {tuple(p) for p in np.round(y, 9).tolist()}
    assert kinds == {tuple(plus), tuple(minus)}
    np.testing.assert_allclose(_run(RandomHue((0.0, 0.0), dtype="float64"), IMAGES[:2]),
                               IMAGES[:2], rtol=1e-12)


def test_random_hue_draws_shifts_within_half_the_factor_of_either_sign():
    x = _solid([200.0, 60.0, 20.0], n=64)
    shift = _hue_shift(x, _run(RandomHue(0.4, seed=1, dtype="float64"), x))
    assert np.abs(shift).max() <= 0.2 + 1e-9
    assert (shift > 0.05).any() and (shift < -0.05).any()
    shift = _hue_shift(x, _run(RandomHue((0.2, 0.6), seed=2, dtype="float64"), x))
    assert 0.1 - 1e-9 <= np.abs(shift).min() and np.abs(shift).max() <= 0.3 + 1e-9
    # the value and saturation are kept
    y = _run(RandomHue(1.0, seed=3, dtype="float64"))
    hsv0, hsv1 = rgb_to_hsv(IMAGES / 255).data, rgb_to_hsv(y / 255).data
    np.testing.assert_allclose(hsv1[..., 1:], hsv0[..., 1:], atol=1e-12)


def test_random_saturation_scales_s_by_f_over_one_minus_f():
    x = IMAGES[:4]
    grey = _run(RandomSaturation((0.0, 0.0), dtype="float64"), x)
    np.testing.assert_allclose(grey, np.broadcast_to(x.max(axis=-1, keepdims=True), x.shape))
    full = _run(RandomSaturation((1.0, 1.0), dtype="float64"), x)
    np.testing.assert_allclose(full.min(axis=-1), 0, atol=1e-9)
    np.testing.assert_allclose(full.max(axis=-1), x.max(axis=-1))
    np.testing.assert_allclose(_run(RandomSaturation((0.5, 0.5), dtype="float64"), x), x,
                               atol=1e-4)  # f/(1 − f + 1e-7) = 1 − 4e-7
    third = _run(RandomSaturation((0.25, 0.25), dtype="float64"), x)
    s0, s1 = rgb_to_hsv(x / 255).data[..., 1], rgb_to_hsv(third / 255).data[..., 1]
    np.testing.assert_allclose(s1, s0 / 3, rtol=1e-6)
    # drawn per image from the range: ratios in [f/(1 − f)] for f in [0.1, 0.4]
    y = _run(RandomSaturation((0.1, 0.4), seed=4, dtype="float64"), IMAGES)
    ratio = (rgb_to_hsv(y / 255).data[..., 1] / rgb_to_hsv(IMAGES / 255).data[..., 1])
    per_image = ratio.reshape(len(ratio), -1)
    np.testing.assert_allclose(per_image, np.broadcast_to(per_image[:, :1], per_image.shape),
                               rtol=1e-6)
    assert per_image.min() >= 0.1 / 0.9 - 1e-6 and per_image.max() <= 0.4 / 0.6 + 1e-6
    assert per_image.max() - per_image.min() > 0.2


@pytest.mark.parametrize("make", [lambda vr: RandomHue((1.0, 1.0), vr, dtype="float64"),
                                  lambda vr: RandomSaturation((0.8, 0.8), vr, seed=1,
                                                              dtype="float64")])
def test_value_range_maps_to_unit_and_back(make):
    y255 = _run(make((0, 255)))
    y_sym = _run(make((-1, 1)), IMAGES / 127.5 - 1)
    np.testing.assert_allclose(y_sym, y255 / 127.5 - 1, atol=1e-12)
    assert y_sym.min() >= -1 and y_sym.max() <= 1
    np.testing.assert_allclose(_run(make([1, -1]), IMAGES / 127.5 - 1), y_sym)  # sorted


MAKERS = {
    "hue": lambda seed=None: RandomHue(0.6, seed=seed),
    "saturation": lambda seed=None: RandomSaturation((0.2, 0.9), seed=seed),
    "jitter": lambda seed=None: RandomColorJitter(
        brightness_factor=0.2, contrast_factor=0.3, saturation_factor=(0.3, 0.7),
        hue_factor=0.2, seed=seed),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_seeds_repeat_and_inference_is_identity(name):
    make = MAKERS[name]
    x = IMAGES[:6].astype("float32")
    out = make(seed=3)(x).data
    np.testing.assert_array_equal(out, make(seed=3)(x, training=True).data)
    assert not np.allclose(out, x, atol=1.0)
    assert not np.array_equal(out, make(seed=4)(x).data)
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


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_channels_first_and_unbatched_images_match_channels_last(name):
    x = IMAGES[:2].astype("float32")
    assert_channels_first_and_unbatched_agree(lambda: MAKERS[name](seed=0), x)
    layer = RandomHue(0.5, data_format="channels_first", seed=0)  # from the constructor
    assert layer(np.moveaxis(x, -1, 1)).shape == (2, 3, 4, 5)


def test_jitter_steps_are_those_of_the_single_layers():
    x = IMAGES[:8]
    pairs = [(RandomColorJitter(hue_factor=0.7, seed=5), RandomHue(0.7, seed=5)),
             (RandomColorJitter(saturation_factor=(0.2, 0.9), seed=5),
              RandomSaturation((0.2, 0.9), seed=5)),
             (RandomColorJitter(brightness_factor=0.3, seed=5), RandomBrightness(0.3, seed=5)),
             (RandomColorJitter((0, 1), contrast_factor=0.4, seed=5),
              RandomContrast(0.4, value_range=(0, 1), seed=5))]
    for jitter, single in pairs:
        data = x / 255 if jitter.value_range == (0, 1) else x
        np.testing.assert_array_equal(_run(jitter, data), _run(single, data))
    np.testing.assert_array_equal(_run(RandomColorJitter(seed=0), x.astype("float32")),
                                  x.astype("float32"))  # no factor: nothing to change


def test_jitter_runs_brightness_contrast_then_saturation_and_hue():
    x = IMAGES[:8]
    layer = RandomColorJitter((0, 255), 0.2, 0.3, (0.3, 0.7), 0.4, seed=9, dtype="float64")
    rng = np.random.default_rng(9)  # the layer's draws, in its order
    deltas = rng.uniform(-0.2, 0.2, size=8) * 255
    factors = rng.uniform(0.7, 1.3, size=8)
    sign = np.where(rng.random(8) > 0.5, -1.0, 1.0)
    shifts = sign * rng.uniform(0, 0.4, size=8) * 0.5
    f = rng.uniform(0.3, 0.7, size=8)
    y = adjust_brightness(x, deltas, 0, 255)
    y = adjust_contrast(y, factors, (1, 2), 0, 255)
    y = adjust_hsv(y, shifts, f / (1 - f + 1e-7), 0, 255).data
    np.testing.assert_allclose(_run(layer, x), y, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("make", [
    lambda: RandomHue((0.3, 0.8), seed=1),
    lambda: RandomHue(0.5, value_range=(-1, 2), data_format="channels_first", seed=2),
    lambda: RandomSaturation((0.2, 0.8), value_range=(-1, 2), seed=3),
    lambda: RandomColorJitter((-1, 2), 0.1, 0.2, (0.3, 0.6), 0.3, seed=4),
])
def test_layer_gradients_match_finite_differences(make):
    x = _pixels(60, seed=8).reshape(3, 4, 5, 3) * 3 - 1  # inside value_range (-1, 2)
    if make().data_format == "channels_first":
        x = np.moveaxis(x, -1, 1)
    assert check_gradients(lambda t: make()(t, training=True), [x]) < 1e-6


LAYERS = [RandomHue(0.2, seed=1, name="h"), RandomHue([0.1, 0.3], value_range=[0, 1],
                                                      data_format="channels_first"),
          RandomSaturation((0.4, 0.6), (-1, 1), seed=2),
          RandomColorJitter(brightness_factor=(-0.1, 0.2), hue_factor=0.1, seed=3),
          RandomColorJitter([0, 1], 0.1, (0.1, 0.2), 0.5, 0.3, data_format="channels_first")]


@pytest.mark.parametrize("layer", LAYERS)
def test_config_round_trip(layer):
    for clone in (deserialize(serialize(layer)), type(layer).from_config(layer.get_config())):
        assert type(clone) is type(layer)
        assert clone.get_config() == layer.get_config()
    config = layer.get_config()
    assert config["seed"] == layer.seed and config["data_format"] == layer.data_format
    x = IMAGES[:2].astype("float32") / 255
    if layer.data_format == "channels_first":
        x = np.moveaxis(x, -1, 1)
    if layer.seed is not None:
        np.testing.assert_array_equal(deserialize(serialize(layer))(x).data,
                                      type(layer).from_config(config)(x).data)


def test_training_with_conv2d_on_both_paths_gives_the_same_numbers(tmp_path):
    assert_conv2d_training_agrees(lambda: [
        RandomHue(0.5, value_range=(0, 1), seed=1),
        RandomSaturation((0.3, 0.8), value_range=(0, 1), seed=2),
        RandomColorJitter((0, 1), 0.1, 0.2, (0.4, 0.6), 0.2, seed=3)],
        tmp_path / "hsv.safetensors")


@pytest.mark.parametrize("make,words", [
    (lambda: RandomHue(1.5), ["RandomHue", "factor", "[0, 1]", "1.5"]),
    (lambda: RandomHue("big"), ["RandomHue", "factor", "'big'"]),
    (lambda: RandomHue((0.2, -0.1)), ["factor", "(0.2, -0.1)"]),
    (lambda: RandomHue(0.1, value_range=(2, 2)), ["RandomHue", "value_range", "(2, 2)"]),
    (lambda: RandomHue(0.1, data_format="nhwc"), ["RandomHue", "data_format", "'nhwc'"]),
    (lambda: RandomSaturation(-0.5), ["RandomSaturation", "factor", "-0.5"]),
    (lambda: RandomSaturation((0.1, 0.2, 0.3)), ["factor", "(0.1, 0.2, 0.3)"]),
    (lambda: RandomSaturation(0.5, value_range=1), ["value_range", "1"]),
    (lambda: RandomColorJitter(brightness_factor=2), ["RandomColorJitter",
                                                      "brightness_factor", "2"]),
    (lambda: RandomColorJitter(contrast_factor=-0.5), ["contrast_factor", "-0.5"]),
    (lambda: RandomColorJitter(saturation_factor=1.2), ["saturation_factor", "1.2"]),
    (lambda: RandomColorJitter(hue_factor="x"), ["hue_factor", "'x'"]),
    (lambda: RandomColorJitter(value_range=(0,)), ["RandomColorJitter", "value_range"]),
    (lambda: RandomHue(0.5)(np.ones((1, 4, 4, 4))), ["RandomHue", "3 channels",
                                                    "4 channels", "(1, 4, 4, 4)"]),
    (lambda: RandomSaturation(0.5, data_format="channels_first")(np.ones((1, 4, 4, 3))),
     ["RandomSaturation", "3 channels", "channels_first"]),
    (lambda: RandomColorJitter(hue_factor=0.1)(np.ones((2, 3, 3, 1))), ["RandomColorJitter",
                                                                        "1 channels"]),
    (lambda: RandomHue(0.5)(np.ones((4, 3))), ["RandomHue", "rank", "(4, 3)"]),
])
def test_bad_arguments_and_inputs_raise_named_errors(make, words):
    assert_raises_with_words(make, words)
