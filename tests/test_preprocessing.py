"""Rescaling, the random augmentation layers and SpatialDropout: identity at inference, shapes,
seeded repeatability, hand-checked transforms, resampling against torch's grid_sample, and
gradients by finite differences."""

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    Dense,
    Flatten,
    Input,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    SpatialDropout1D,
    SpatialDropout2D,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.ops.image import affine_sample, flip
from shendu.testing import check_gradients

RANDOM_LAYERS = [
    lambda seed=None: RandomFlip(seed=seed),
    lambda seed=None: RandomTranslation(0.3, (-0.2, 0.4), seed=seed),
    lambda seed=None: RandomRotation(0.2, seed=seed, fill_mode="wrap"),
    lambda seed=None: RandomZoom((-0.3, 0.3), seed=seed, interpolation="nearest"),
    lambda seed=None: SpatialDropout2D(0.5, seed=seed),
]


def _images(shape=(4, 5, 6, 3), seed=0):
    return np.random.default_rng(seed).uniform(size=shape).astype("float32")


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_are_identity_in_inference(make):
    x = _images()
    np.testing.assert_array_equal(make(seed=0)(x, training=False).data, x)
    model = Sequential([Input(shape=x.shape[1:]), make(seed=0)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_a_direct_call_without_training_follows_keras(make):
    x = _images((8, 5, 6, 3))
    layer, out = make(seed=0), make(seed=0)(x).data
    if isinstance(layer, SpatialDropout2D):  # Keras's dropout layers default to inference
        np.testing.assert_array_equal(out, x)
    else:  # Keras 3's augmentation layers default to training=True when called directly
        np.testing.assert_array_equal(out, layer(x, training=True).data)
        assert not np.array_equal(out, x)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_repeat_with_a_seed_and_change_the_images_in_training(make):
    x = _images((8, 5, 6, 3))
    a, b, c = make(seed=3), make(seed=3), make(seed=4)
    out_a = a(x, training=True).data
    assert out_a.shape == x.shape
    np.testing.assert_array_equal(out_a, b(x, training=True).data)
    assert not np.array_equal(out_a, c(x, training=True).data)
    assert not np.array_equal(out_a, x)


@pytest.mark.parametrize("make", RANDOM_LAYERS[:4])
def test_unbatched_and_channels_first_images(make):
    x = _images((5, 6, 3))
    assert make(seed=0)(x, training=True).shape == (5, 6, 3)
    layer = make(seed=0)
    first = type(layer).from_config({**layer.get_config(), "data_format": "channels_first"})
    y = first(np.moveaxis(_images(), -1, 1), training=True)
    assert y.shape == (4, 3, 5, 6)


def test_flip_op_by_hand():
    x = np.arange(8.0).reshape(2, 2, 2, 1)
    y = flip(Tensor(x), rows=np.array([True, False]), cols=np.array([True, True])).data
    np.testing.assert_array_equal(y[0, :, :, 0], [[3.0, 2.0], [1.0, 0.0]])  # both axes
    np.testing.assert_array_equal(y[1, :, :, 0], [[5.0, 4.0], [7.0, 6.0]])  # left-right only


@pytest.mark.parametrize("mode,allowed", [
    ("horizontal", lambda im: [im, im[:, ::-1]]),
    ("vertical", lambda im: [im, im[::-1]]),
    ("horizontal_and_vertical", lambda im: [im, im[::-1], im[:, ::-1], im[::-1, ::-1]]),
])
def test_random_flip_outputs_only_mirror_images(mode, allowed):
    x = _images((64, 3, 4, 2))
    y = RandomFlip(mode, seed=0)(x, training=True).data
    kinds = set()
    for image, out in zip(x, y):
        matches = [i for i, a in enumerate(allowed(image)) if np.array_equal(a, out)]
        assert matches
        kinds.add(matches[0])
    assert kinds == set(range(len(allowed(x[0]))))  # every flip pattern occurs


@pytest.mark.parametrize("fill_mode,fill_value,expected", [
    ("reflect", 0.0, [1, 0, 0, 1]),   # d c b a | a b c d
    ("wrap", 0.0, [2, 3, 0, 1]),      # a b c d | a b c d
    ("nearest", 0.0, [0, 0, 0, 1]),   # a a a a | a b c d
    ("constant", 9.0, [9, 9, 0, 1]),  # k k k k | a b c d
])
def test_fill_modes_by_hand(fill_mode, fill_value, expected):
    row = np.arange(4.0).reshape(1, 1, 4, 1)
    layer = RandomTranslation(0.0, (0.5, 0.5), fill_mode=fill_mode, fill_value=fill_value)
    np.testing.assert_allclose(layer(row, training=True).data.ravel(), expected)


def test_quarter_turn_rotation_equals_rot90():
    x = _images((1, 5, 5, 2))
    y = RandomRotation((0.25, 0.25), fill_mode="constant")(x, training=True).data
    np.testing.assert_allclose(y[0], np.rot90(x[0]), atol=1e-5)  # counter-clockwise
    y = RandomRotation((-0.25, -0.25), fill_mode="constant")(x, training=True).data
    np.testing.assert_allclose(y[0], np.rot90(x[0], k=-1), atol=1e-5)


def test_zoom_of_zero_is_identity_and_zooming_in_magnifies_the_centre():
    x = _images((2, 4, 4, 1))
    np.testing.assert_allclose(RandomZoom(0.0)(x, training=True).data, x, atol=1e-6)
    y = RandomZoom((-0.5, -0.5), interpolation="nearest")(x, training=True).data
    centre = x[:, 1:3, 1:3]
    np.testing.assert_array_equal(y, centre.repeat(2, axis=1).repeat(2, axis=2))


def test_bilinear_resampling_and_its_gradient_match_torch_grid_sample():
    import torch
    import torch.nn.functional as F

    x, r = random_inputs((2, 5, 7, 3), (2, 5, 7, 3), seed=1)
    theta = np.array([0.4, -1.1])
    m = np.zeros((2, 2, 3))
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = (np.cos(theta), np.sin(theta),
                                                      -np.sin(theta), np.cos(theta))
    m[:, :, 2] = [[0.7, -0.3], [1.2, 0.5]]
    xs = Tensor(x, requires_grad=True)
    y = affine_sample(xs, m, fill_mode="constant")
    (y * Tensor(r)).sum().backward()

    rows, cols = np.meshgrid(np.arange(5.0), np.arange(7.0), indexing="ij")
    src_r = m[:, 0, 0, None, None] * rows + m[:, 0, 1, None, None] * cols + m[:, 0, 2, None, None]
    src_c = m[:, 1, 0, None, None] * rows + m[:, 1, 1, None, None] * cols + m[:, 1, 2, None, None]
    grid = np.stack([src_c / 6 * 2 - 1, src_r / 4 * 2 - 1], axis=-1)  # (x, y) in [-1, 1]
    x_t = torch_tensor(x)
    y_t = F.grid_sample(x_t.permute(0, 3, 1, 2), torch.tensor(grid), mode="bilinear",
                        padding_mode="zeros", align_corners=True).permute(0, 2, 3, 1)
    (y_t * torch_tensor(r, requires_grad=False)).sum().backward()
    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xs.grad, x_t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "nearest", "constant"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_sample_gradients_match_finite_differences(fill_mode, interpolation):
    (x,) = random_inputs((2, 4, 5, 2), seed=2)
    m = np.array([[[0.9, 0.3, -0.6], [-0.2, 1.1, 0.8]], [[1.3, 0.0, 0.4], [0.0, 0.7, -1.3]]])
    fn = lambda t: affine_sample(t, m, fill_mode, interpolation, fill_value=0.5)  # noqa: E731
    assert check_gradients(fn, [x]) < 1e-6


def test_flip_gradients_match_finite_differences():
    (x,) = random_inputs((3, 2, 4, 2), seed=3)
    rows, cols = np.array([True, False, True]), np.array([False, True, True])
    assert check_gradients(lambda t: flip(t, rows, cols), [x]) < 1e-6


def test_rescaling_values_gradient_and_config():
    x = np.array([[0.0, 127.5, 255.0]])
    layer = Rescaling(1 / 127.5, offset=-1.0)
    np.testing.assert_allclose(layer(x).data, [[-1.0, 0.0, 1.0]], atol=1e-6)
    np.testing.assert_allclose(layer(x, training=True).data, [[-1.0, 0.0, 1.0]], atol=1e-6)
    backend.set_floatx("float64")
    assert check_gradients(lambda t: Rescaling(0.5, 2.0)(t), [x]) < 1e-6
    clone = deserialize(serialize(layer))
    assert (clone.scale, clone.offset) == (layer.scale, layer.offset)


@pytest.mark.parametrize("layer", [
    RandomFlip("vertical", seed=3), RandomTranslation((-0.1, 0.2), 0.3, fill_mode="constant",
                                                      fill_value=1.0, seed=1),
    RandomRotation((-0.1, 0.05), interpolation="nearest"), RandomZoom(0.2, (-0.1, 0.3)),
    SpatialDropout2D(0.25, data_format="channels_first", seed=2), SpatialDropout1D(0.1),
])
def test_config_round_trip(layer):
    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer)
    a, b = layer.get_config(), clone.get_config()
    a.pop("name"), b.pop("name")
    assert a == b


@pytest.mark.parametrize("make,error", [
    (lambda: RandomFlip("diagonal"), ArgumentError),
    (lambda: RandomTranslation(1.5, 0.1), ArgumentError),
    (lambda: RandomZoom((0.3, 0.1)), ArgumentError),
    (lambda: RandomRotation(0.1, fill_mode="mirror"), ArgumentError),
    (lambda: RandomRotation(0.1, interpolation="cubic"), ArgumentError),
    (lambda: Rescaling("1/255"), ArgumentError),
    (lambda: RandomFlip(data_format="nhwc"), ArgumentError),
    (lambda: RandomFlip()(np.ones((2, 3)), training=True), ShapeError),
    (lambda: SpatialDropout2D(0.2)(np.ones((2, 3, 4))), ShapeError),
])
def test_bad_arguments_raise_named_errors(make, error):
    with pytest.raises(error, match="Hint"):
        make()


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((4, 3, 3, 16), dtype="float32")
    y = SpatialDropout2D(0.5, seed=0)(x, training=True).data
    assert set(np.unique(y).tolist()) == {0.0, 2.0}
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :1, :], y.shape))
    y = SpatialDropout2D(0.5, data_format="channels_first", seed=0)(
        np.ones((4, 16, 3, 3)), training=True).data
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :, :1, :1], y.shape))
    y = SpatialDropout1D(0.5, seed=0)(np.ones((4, 5, 16)), training=True).data
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))


@pytest.mark.parametrize("make,shape", [
    (lambda: SpatialDropout2D(0.4, seed=5), (2, 3, 3, 4)),
    (lambda: SpatialDropout2D(0.4, data_format="channels_first", seed=5), (2, 4, 3, 3)),
    (lambda: SpatialDropout1D(0.4, seed=5), (2, 5, 4)),
])
def test_spatial_dropout_gradients_match_finite_differences(make, shape):
    (x,) = random_inputs(shape, seed=6)
    # a fresh seeded layer per call: the same channel mask every time
    assert check_gradients(lambda t: make()(t, training=True), [x]) < 1e-6
    y = make()(x, training=True).data
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.6, rtol=1e-6)  # kept: scaled by 1/(1 - rate)


def test_augmentation_in_a_model_trains_and_predicts_unchanged():
    x = _images((16, 6, 6, 1))
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("float32")
    model = Sequential([Rescaling(2.0, input_shape=(6, 6, 1)), RandomFlip(seed=0),
                        RandomTranslation(0.1, 0.1, seed=1), RandomRotation(0.05, seed=2),
                        RandomZoom(0.1, seed=3), SpatialDropout2D(0.1, seed=4), Flatten(),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = model.get_weights()
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert not np.allclose(before[0], model.get_weights()[0])
    kernel, bias = model.get_weights()
    expected = 1 / (1 + np.exp(-(2.0 * x.reshape(16, -1) @ kernel + bias)))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4)


def _augmented_model(fast):
    from shendu.utils import set_random_seed

    set_random_seed(0)
    model = Sequential([Rescaling(0.5, 0.1, input_shape=(5, 5, 2)), RandomFlip(seed=0),
                        RandomTranslation(0.2, 0.2, seed=1), RandomRotation(0.1, seed=2),
                        RandomZoom(0.2, seed=3), SpatialDropout2D(0.2, seed=4), Flatten(),
                        Dense(3)])
    model.use_fast_path = fast
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_fast_path_with_augmentation_matches_the_autograd_path():
    backend.set_floatx("float64")
    x, y = random_inputs((12, 5, 5, 2), (12, 3), seed=5)
    results = []
    for fast in (True, False):
        model = _augmented_model(fast)
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        assert (model._plan is not None) == fast
        results.append((model.get_weights(), history.history["loss"]))
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)
