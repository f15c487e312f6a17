"""RandomPerspective and RandomElasticTransform, and their ops (sample_at, homography,
projective_grid): hand-worked maps, a reference image from Keras's perspective_transform,
zero distortion as the identity, Keras's draws, identity in inference, seeds, layouts,
value_range, gradients by finite differences, named errors, configs and training on both
paths."""

import numpy as np
import pytest

from helpers import assert_config_round_trip, assert_conv2d_training_agrees
from shendu.errors import ArgumentError
from shendu.layers import (
    RandomElasticTransform,
    RandomPerspective,
)
from shendu.ops.image_warp import homography, pixel_grid, projective_grid, sample_at
from shendu.testing import check_gradients

IMAGES = np.random.default_rng(0).uniform(0, 255, size=(4, 6, 7, 3))
CORNERS = np.array([[[0.0, 0.0], [3.0, 0.0], [0.0, 2.0], [3.0, 2.0]]])


def test_homography_maps_end_corners_to_start_corners_and_doubling_halves():
    end = CORNERS + np.array([[[0.0, 0.0], [0.6, 0.3], [-0.4, 0.5], [-0.6, -0.4]]])
    a = homography(CORNERS, end)
    x, y = end[0, :, 0], end[0, :, 1]
    d = a[0, 6] * x + a[0, 7] * y + 1
    np.testing.assert_allclose((a[0, 0] * x + a[0, 1] * y + a[0, 2]) / d, CORNERS[0, :, 0],
                               atol=1e-12)
    np.testing.assert_allclose((a[0, 3] * x + a[0, 4] * y + a[0, 5]) / d, CORNERS[0, :, 1],
                               atol=1e-12)
    # corners moved to twice their place: the output pixel (r, c) reads the input (r/2, c/2)
    rows, cols = projective_grid(homography(CORNERS, 2 * CORNERS), 3, 4)
    grid_rows, grid_cols = pixel_grid(1, 3, 4)
    np.testing.assert_allclose(rows, grid_rows / 2, atol=1e-12)
    np.testing.assert_allclose(cols, grid_cols / 2, atol=1e-12)


def test_perspective_matches_keras_perspective_transform():
    x = np.arange(12.0).reshape(1, 3, 4, 1) * 10
    end = np.array([[[0.0, 0.0], [3.6, 0.3], [-0.4, 2.5], [2.4, 1.6]]])
    rows, cols = projective_grid(homography(CORNERS, end), 3, 4)
    got = sample_at(x, rows, cols, fill_value=-5).data[0, :, :, 0]
    keras = np.array([[0.0, 3.3955, 7.7608, 13.3552],  # keras.ops.image, TensorFlow backend
                      [21.2469, 29.3367, 42.6199, 59.3298],
                      [59.3491, 86.1632, 5.91, -5.0]])
    np.testing.assert_allclose(got, keras, atol=2e-3)


def test_sample_at_fill_modes_and_nearest_by_hand():
    x = np.arange(4.0).reshape(1, 1, 4, 1)
    rows, cols = np.zeros((1, 1, 4)), np.array([[[-1.0, 4.0, 5.0, 1.4]]])
    expected = {"reflect": [0, 3, 2, 1], "wrap": [3, 0, 1, 1], "nearest": [0, 3, 3, 1],
                "constant": [7, 7, 7, 1]}
    for mode, want in expected.items():
        y = sample_at(x, rows, cols, fill_mode=mode, interpolation="nearest", fill_value=7)
        np.testing.assert_array_equal(y.data.ravel(), want, err_msg=mode)
    y = sample_at(x, rows, cols, low=0.5, high=2.5)  # bilinear, then clipped
    np.testing.assert_allclose(y.data.ravel(), [0.5, 0.5, 0.5, 1.4])


def test_zero_distortion_and_zero_probability_are_the_identity():
    x = IMAGES.astype("float32")
    y = RandomPerspective(factor=(1.0, 1.0), scale=0.0, seed=0)(x).data
    np.testing.assert_allclose(y, x, atol=1e-3)
    np.testing.assert_array_equal(RandomPerspective(factor=0.0, seed=0)(x).data, x)
    np.testing.assert_array_equal(RandomElasticTransform(scale=0.0, seed=0)(x).data, x)
    np.testing.assert_array_equal(RandomElasticTransform(factor=0.0, seed=0)(x).data, x)
    outside = IMAGES * 2  # no transform at all: not even the clip to value_range
    np.testing.assert_array_equal(RandomElasticTransform(scale=0.0)(outside).data,
                                  outside.astype("float32"))


def test_perspective_follows_keras_draws():
    layer = RandomPerspective(factor=(0.5, 0.5), scale=0.6, seed=4)
    y = layer(IMAGES).data
    rng = np.random.default_rng(4)
    probability = rng.uniform(0.5, 0.5, size=4)
    picked = rng.uniform(0, 1, size=4) < probability
    d = rng.uniform(-0.3, 0.3, size=(4, 4, 2))
    start = np.broadcast_to([[0.0, 0.0], [6.0, 0.0], [0.0, 5.0], [6.0, 5.0]], (4, 4, 2))
    rows, cols = projective_grid(homography(start, start * (1 + d)), 6, 7)
    want = sample_at(IMAGES, rows, cols).data
    assert picked.any() and not picked.all()
    for i in range(4):
        expected = want[i] if picked[i] else IMAGES[i]
        np.testing.assert_allclose(y[i], expected, rtol=1e-4, atol=1e-2)


def test_a_constant_image_stays_constant_under_an_elastic_warp():
    x = np.full((2, 9, 9, 1), 40.0)
    for mode in ("reflect", "wrap", "nearest"):
        y = RandomElasticTransform((1.0, 1.0), scale=1.0, fill_mode=mode, seed=1)(x).data
        np.testing.assert_allclose(y, 40.0, atol=1e-4)
    x = np.random.default_rng(5).integers(0, 256, size=(1, 20, 20, 1)).astype("float32")
    y = RandomElasticTransform((1.0, 1.0), 1.0, interpolation="nearest", seed=2)(x).data
    assert np.isin(y, x).all() and not np.array_equal(y, x)  # pixels move, none is made


def test_elastic_clips_to_value_range():
    x = np.random.default_rng(1).uniform(-1, 2, size=(2, 8, 8, 1))
    y = RandomElasticTransform((1.0, 1.0), value_range=(0, 1), seed=0)(x).data
    assert y.min() >= 0 and y.max() <= 1 and not np.allclose(y, np.clip(x, 0, 1))


MAKERS = {
    "perspective": lambda seed=None, **kw: RandomPerspective((1.0, 1.0), 0.5, seed=seed, **kw),
    "elastic": lambda seed=None, **kw: RandomElasticTransform((1.0, 1.0), 1.0, seed=seed, **kw),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_seeds_repeat_and_inference_is_identity(name):
    make = MAKERS[name]
    a, b = make(seed=5)(IMAGES).data, make(seed=5)(IMAGES).data
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, make(seed=6)(IMAGES).data)
    np.testing.assert_array_equal(make(seed=5)(IMAGES, training=False).data,
                                  IMAGES.astype("float32"))


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_channels_first_and_unbatched_images_match_channels_last(name):
    make = MAKERS[name]
    last = make(seed=2)(IMAGES).data
    first = make(seed=2, data_format="channels_first")(IMAGES.transpose(0, 3, 1, 2)).data
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, rtol=1e-6)
    single = make(seed=2)(IMAGES[0]).data  # one image: the draws of a batch of one
    np.testing.assert_allclose(single, make(seed=2)(IMAGES[:1]).data[0], rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: RandomPerspective((1.0, 1.0), 0.8, seed=1),
    lambda: RandomPerspective((1.0, 1.0), 0.8, interpolation="nearest", fill_value=3, seed=1),
    lambda: RandomElasticTransform((1.0, 1.0), 1.0, value_range=(-50, 50), seed=1),
    lambda: RandomElasticTransform((1.0, 1.0), 1.0, fill_mode="constant", fill_value=2,
                                   value_range=(-50, 50), seed=4),
])
def test_gradients_match_finite_differences(make):
    x = np.random.default_rng(10).normal(size=(2, 8, 8, 2))
    assert check_gradients(lambda t: make()(t, training=True), [x]) < 1e-6


@pytest.mark.parametrize("layer", [
    RandomPerspective(0.4, 0.3, interpolation="nearest", fill_value=1.5, seed=3,
                      data_format="channels_first"),
    RandomElasticTransform((0.2, 0.9), (0.1, 0.4), fill_mode="wrap", value_range=(0, 1),
                           seed=2),
])
def test_config_round_trip(layer):
    clone = assert_config_round_trip(layer)
    x = IMAGES[:2] / 255
    if layer.data_format == "channels_first":
        x = x.transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(clone(x).data, type(layer)(**layer.get_config())(x).data)


def test_training_with_conv2d_on_both_paths_gives_the_same_numbers(tmp_path):
    assert_conv2d_training_agrees(lambda: [
        RandomPerspective(0.9, 0.4, seed=1),
        RandomElasticTransform(0.9, 0.8, value_range=(0, 1), seed=2)],
        tmp_path / "warped.safetensors")


@pytest.mark.parametrize("make,words", [
    (lambda: RandomPerspective(1.5), ["RandomPerspective", "factor", "[0, 1]", "1.5"]),
    (lambda: RandomPerspective(scale=1.2), ["scale", "[0, 1]", "1.2"]),
    (lambda: RandomPerspective(scale="big"), ["scale", "'big'"]),
    (lambda: RandomPerspective(interpolation="bicubic"), ["interpolation", "'bicubic'"]),
    (lambda: RandomPerspective(fill_value=None), ["fill_value", "None"]),
    (lambda: RandomPerspective(data_format="nhwc"), ["data_format", "'nhwc'"]),
    (lambda: RandomElasticTransform(scale=(0.2, 3)), ["RandomElasticTransform", "scale",
                                                      "(0.2, 3)"]),
    (lambda: RandomElasticTransform(fill_mode="mirror"), ["fill_mode", "'mirror'", "reflect"]),
    (lambda: RandomElasticTransform(value_range=(1, 1)), ["value_range", "(1, 1)"]),
])
def test_bad_arguments_raise_named_errors(make, words):
    with pytest.raises(ArgumentError) as info:
        make()
    message = str(info.value)
    assert "Hint" in message
    for word in words:
        assert word in message, (word, message)
