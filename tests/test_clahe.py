"""ContrastLimitedAdaptiveHistogramEqualization and its op: constant images by hand (with and
without clipping), a reference image from Keras's layer, value_range, layouts, the same
result in training and inference, a zero gradient, named errors and configs."""

import numpy as np
import pytest

from shendu.autograd import Tensor
from shendu.errors import ArgumentError
from shendu.layers import ContrastLimitedAdaptiveHistogramEqualization as CLAHE
from shendu.layers import deserialize, serialize
from shendu.ops.image_clahe import clahe

KERAS_INPUT = np.array([[12, 200, 37, 90, 150], [0, 255, 64, 64, 128], [77, 33, 190, 220, 5],
                        [100, 101, 102, 250, 3], [9, 60, 180, 45, 210],
                        [130, 20, 240, 70, 99]], dtype="float64").reshape(1, 6, 5, 1)
# keras.layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=2.0,
# tile_grid_size=(2, 2)) on KERAS_INPUT, TensorFlow backend
KERAS_OUTPUT = np.array([[13.2566, 201.4621, 40.1319, 93.0753, 152.5493],
                         [0.0, 255.0, 67.5103, 66.5014, 129.9774],
                         [81.4341, 34.8985, 190.5351, 220.7783, 6.4166],
                         [102.3474, 104.2802, 105.8775, 249.7811, 3.6821],
                         [10.0421, 61.8456, 182.083, 46.3841, 210.2844],
                         [134.8222, 22.5875, 240.6665, 71.882, 101.6191]])


def test_constant_images_by_hand():
    # no clipping: every tile's table jumps from 0 to 255 at v, so v > 0 maps to 255, 0 to 0
    for v, want in ((100.0, 255.0), (0.0, 0.0)):
        y = CLAHE(clip_limit=0.0, tile_grid_size=(2, 2))(np.full((1, 6, 6, 2), v)).data
        np.testing.assert_array_equal(y, want)
    # clip_limit 4 on N pixels: the bin of v keeps N/64, the other 63N/64 spread over 256 bins
    # (e = 63/(64·256) a bin): table[v] = 255 · (v·e + 1/64) / (1 − e)
    e = 63 / (64 * 256)
    y = CLAHE(tile_grid_size=(2, 2))(np.full((1, 8, 8, 1), 100.0)).data
    np.testing.assert_allclose(y, 255 * (100 * e + 1 / 64) / (1 - e), rtol=1e-6)


def test_matches_keras_on_a_small_image_with_padding():
    y = clahe(KERAS_INPUT, clip_limit=2.0, tile_grid_size=(2, 2)).data[0, :, :, 0]
    np.testing.assert_allclose(y, KERAS_OUTPUT, atol=1e-3)


def test_value_range_maps_to_bytes_and_back_and_layouts_agree():
    layer = CLAHE(clip_limit=2.0, tile_grid_size=(2, 2))
    scaled = CLAHE(value_range=(-1, 1), clip_limit=2.0, tile_grid_size=(2, 2), dtype="float64")
    expected = layer(KERAS_INPUT).data
    got = scaled(KERAS_INPUT / 127.5 - 1 + 1e-7).data  # the bins of the same bytes
    np.testing.assert_allclose((got + 1) * 127.5, expected, atol=1e-3)
    first = CLAHE(clip_limit=2.0, tile_grid_size=(2, 2), data_format="channels_first")
    np.testing.assert_array_equal(first(KERAS_INPUT.transpose(0, 3, 1, 2)).data,
                                  expected.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(layer(KERAS_INPUT[0]).data, expected[0])


def test_the_same_in_training_and_inference_and_channels_are_independent():
    x = np.random.default_rng(0).integers(0, 256, size=(2, 9, 8, 3)).astype("float64")
    layer = CLAHE(tile_grid_size=(3, 2))
    y = layer(x, training=True).data
    np.testing.assert_array_equal(layer(x, training=False).data, y)
    np.testing.assert_array_equal(layer(x[1:, :, :, 2:]).data, y[1:, :, :, 2:])
    assert y.min() >= 0 and y.max() <= 255 and not np.allclose(y, x)


def test_gradient_is_zero():
    x = Tensor(np.random.default_rng(1).uniform(0, 255, size=(1, 4, 4, 1)), requires_grad=True)
    clahe(x, tile_grid_size=(2, 2)).sum().backward()
    np.testing.assert_array_equal(x.grad, 0.0)


def test_config_round_trip():
    layer = CLAHE(value_range=(0, 1), clip_limit=3.0, tile_grid_size=(2, 4),
                  data_format="channels_first")
    clone = deserialize(serialize(layer))
    assert type(clone) is CLAHE and clone.get_config() == layer.get_config()
    assert layer.get_config()["tile_grid_size"] == [2, 4]
    x = np.random.default_rng(2).uniform(size=(2, 3, 6, 8))
    np.testing.assert_array_equal(clone(x).data, layer(x).data)


@pytest.mark.parametrize("kwargs,words", [
    (dict(clip_limit=-1), ["clip_limit", ">= 0", "-1"]),
    (dict(clip_limit="4"), ["clip_limit", "'4'"]),
    (dict(tile_grid_size=8), ["tile_grid_size", "pair", "8"]),
    (dict(tile_grid_size=(0, 2)), ["tile_grid_size", "(0, 2)"]),
    (dict(tile_grid_size=(2.0, 2)), ["tile_grid_size", "(2.0, 2)"]),
    (dict(value_range=(3, 3)), ["value_range", "(3, 3)"]),
])
def test_bad_arguments_raise_named_errors(kwargs, words):
    with pytest.raises(ArgumentError) as info:
        CLAHE(**kwargs)
    message = str(info.value)
    assert "ContrastLimitedAdaptiveHistogramEqualization" in message and "Hint" in message
    for word in words:
        assert word in message, (word, message)
