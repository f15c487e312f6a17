"""shendu.config (keras.config): the settings, their checks, and the layers whose data_format=None
follows image_data_format()."""

import warnings

import numpy as np
import pytest

import shendu
from shendu import backend, config, layers
from shendu.errors import ArgumentError, DTypeError


@pytest.fixture
def channels_first():
    config.set_image_data_format("channels_first")
    try:
        yield
    finally:
        config.set_image_data_format("channels_last")


def test_backend_name_is_numpy_everywhere():
    assert config.backend() == backend.backend() == "numpy"
    assert shendu.config is config  # a lazy top-level submodule, as keras.config


def test_floatx_round_trip_and_agrees_with_backend():
    try:
        config.set_floatx("float64")
        assert config.floatx() == backend.floatx() == "float64"
        dense = layers.Dense(2)
        dense(np.ones((1, 3)))
        assert dense.kernel.numpy().dtype == np.float64
    finally:
        config.set_floatx("float32")
    assert config.floatx() == "float32"


def test_set_floatx_refuses_unknown_types():
    with pytest.raises(DTypeError, match="set_floatx: expected one of"):
        config.set_floatx("int32")


def test_epsilon_round_trip():
    try:
        config.set_epsilon(1e-4)
        assert config.epsilon() == backend.epsilon() == 1e-4
    finally:
        config.set_epsilon(1e-7)


@pytest.mark.parametrize("bad", [0, -1e-7, float("nan"), float("inf"), "1e-7", True, None])
def test_set_epsilon_refuses_non_positive_or_non_numbers(bad):
    with pytest.raises(ArgumentError, match=r"set_epsilon: value must be a finite number > 0.*"
                                            r"Hint"):
        config.set_epsilon(bad)
    assert config.epsilon() == 1e-7


def test_image_data_format_round_trip(channels_first):
    assert config.image_data_format() == backend.image_data_format() == "channels_first"


@pytest.mark.parametrize("bad", ["channels_middle", None, "NHWC"])
def test_set_image_data_format_refuses_other_values(bad):
    with pytest.raises(ArgumentError, match="set_image_data_format: data_format must be "
                                            "'channels_last' or 'channels_first', got"):
        config.set_image_data_format(bad)
    assert config.image_data_format() == "channels_last"


# Keras resolves data_format=None with image_data_format() in each of these
FOLLOWERS = [
    lambda: layers.Conv1D(2, 3), lambda: layers.Conv2D(2, 3), lambda: layers.Conv3D(2, 3),
    lambda: layers.Conv2DTranspose(2, 3), lambda: layers.DepthwiseConv2D(3),
    lambda: layers.SeparableConv2D(2, 3), lambda: layers.MaxPooling2D(),
    lambda: layers.AveragePooling1D(), lambda: layers.MaxPooling3D(),
    lambda: layers.GlobalAveragePooling2D(), lambda: layers.GlobalMaxPooling1D(),
    lambda: layers.GlobalAveragePooling3D(), lambda: layers.ZeroPadding1D(),
    lambda: layers.ZeroPadding2D(), lambda: layers.ZeroPadding3D(), lambda: layers.Cropping2D(),
    lambda: layers.Cropping3D(), lambda: layers.UpSampling2D(), lambda: layers.UpSampling3D(),
    lambda: layers.Flatten(), lambda: layers.SpatialDropout1D(0.1),
    lambda: layers.SpatialDropout2D(0.1), lambda: layers.SpatialDropout3D(0.1),
    lambda: layers.RandomFlip(), lambda: layers.RandomRotation(0.1),
    lambda: layers.RandomContrast(0.1), lambda: layers.Resizing(4, 4),
    lambda: layers.CenterCrop(2, 2), lambda: layers.STFTSpectrogram(),
]


@pytest.mark.parametrize("make", FOLLOWERS)
def test_layers_with_data_format_none_follow_the_config(make, channels_first):
    layer = make()
    assert layer.data_format == "channels_first"
    assert layer.get_config()["data_format"] == "channels_first"  # the file keeps the choice


@pytest.mark.parametrize("make", FOLLOWERS[:6])
def test_layers_default_to_channels_last(make):
    assert make().data_format == "channels_last"


def test_explicit_data_format_wins_over_the_config(channels_first):
    assert layers.Conv2D(2, 3, data_format="channels_last").data_format == "channels_last"


def test_layers_without_keras_data_format_stay_channels_last(channels_first):
    # Keras's Cropping1D and UpSampling1D take no data_format: always (batch, steps, channels)
    assert layers.Cropping1D((1, 1))(np.ones((1, 5, 2))).shape == (1, 3, 2)
    assert layers.UpSampling1D(2)(np.ones((1, 3, 2))).shape == (1, 6, 2)


def test_channels_first_conv_under_the_config_computes_on_channels_first_input(channels_first):
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 5)).astype("float32")
    conv = layers.Conv2D(4, 3)
    assert conv(x).shape == (2, 4, 3, 3)
    config.set_image_data_format("channels_last")
    same = layers.Conv2D(4, 3, data_format="channels_first")
    same(x)
    same.set_weights(conv.get_weights())
    np.testing.assert_array_equal(same(x).numpy(), conv(x).numpy())


def test_enable_unsafe_deserialization_is_a_documented_no_op():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert config.enable_unsafe_deserialization() is None
    assert len(caught) == 1 and "never runs code from model files" in str(caught[0].message)
    assert "custom_objects" in str(caught[0].message)
    assert config.disable_unsafe_deserialization() is None


def test_import_shendu_does_not_load_config_or_utils_helpers():
    import subprocess
    import sys

    code = ("import sys, shendu; import shendu.utils; "
            "print(sorted(m for m in sys.modules if m.startswith(('shendu.config', "
            "'shendu.utils.', 'tqdm', 'tarfile'))))")  # zipfile: site imports it already
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "['shendu.utils.arrays']"
