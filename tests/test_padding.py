"""ZeroPadding2D, Cropping2D, UpSampling2D: hand-worked values, gradients, config, training."""

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import layers
from shendu.autograd import Tensor
from shendu.errors import ArgumentError
from shendu.models import Sequential
from shendu.testing import check_gradients

# (class, kwargs, input shape (no batch), output shape (no batch))
CASES = [
    (layers.ZeroPadding2D, {}, (3, 4, 2), (5, 6, 2)),
    (layers.ZeroPadding2D, dict(padding=((1, 0), (2, 1))), (3, 4, 2), (4, 7, 2)),
    (layers.ZeroPadding2D, dict(padding=(1, 2), data_format="channels_first"), (2, 3, 4),
     (2, 5, 8)),
    (layers.Cropping2D, dict(cropping=((1, 0), (0, 2))), (4, 5, 2), (3, 3, 2)),
    (layers.Cropping2D, dict(cropping=1, data_format="channels_first"), (2, 4, 5), (2, 2, 3)),
    (layers.UpSampling2D, {}, (2, 3, 2), (4, 6, 2)),
    (layers.UpSampling2D, dict(size=(1, 3), data_format="channels_first"), (2, 2, 3),
     (2, 2, 9)),
    (layers.UpSampling2D, dict(interpolation="bilinear"), (3, 2, 2), (6, 4, 2)),
    (layers.UpSampling2D, dict(size=(3, 2), interpolation="bilinear",
                               data_format="channels_first"), (2, 3, 2), (2, 9, 4)),
    (layers.UpSampling2D, dict(size=2, interpolation="bicubic"), (3, 3, 1), (6, 6, 1)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_layer_shapes_gradients_config_and_training(case):
    cls, kwargs, in_shape, out_shape = case
    layer = cls(**kwargs)
    (x,) = random_inputs((2, *in_shape))
    assert layer(x).shape == (2, *out_shape)
    assert layer.compute_output_shape((None, *in_shape)) == (None, *out_shape)
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6
    clone = cls.from_config(layer.get_config())
    np.testing.assert_allclose(clone(x).data, layer(x).data)
    model = Sequential([layers.Input(shape=in_shape), layers.Dense(3), cls(**kwargs)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()[0].copy()
    target = np.ones((2, *model.compute_output_shape((None, *in_shape))[1:]), "float32")
    model.train_on_batch(x.astype("float32"), target)
    assert not np.allclose(model.get_weights()[0], before)


def test_hand_worked_values():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1))
    up = layers.UpSampling2D(2)(x).data[0, :, :, 0]
    np.testing.assert_array_equal(up, [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    pad = layers.ZeroPadding2D(((1, 0), (0, 1)))(x).data[0, :, :, 0]
    np.testing.assert_array_equal(pad, [[0, 0, 0], [1, 2, 0], [3, 4, 0]])
    crop = layers.Cropping2D(((1, 0), (0, 1)))(x).data[0, :, :, 0]
    np.testing.assert_array_equal(crop, [[3]])


# (size, data_format, input shape with batch)
BILINEAR_CASES = [
    ((2, 2), "channels_last", (2, 3, 4, 3)),
    ((3, 2), "channels_last", (1, 5, 1, 2)),
    ((1, 4), "channels_first", (2, 3, 2, 3)),
    ((2, 3), "channels_first", (1, 2, 5, 7)),
]


@pytest.mark.parametrize("size, data_format, shape", BILINEAR_CASES, ids=str)
def test_bilinear_matches_torch_forward_and_backward(size, data_format, shape):
    import torch

    x, gy = random_inputs(shape, (1,), seed=3)
    layer = layers.UpSampling2D(size, data_format=data_format, interpolation="bilinear",
                                dtype="float64")
    t = Tensor(x, requires_grad=True)
    y = layer(t)
    gy = np.random.default_rng(4).normal(size=y.shape)
    (y * Tensor(gy)).sum().backward()

    first = data_format == "channels_first"
    tx = torch_tensor(x if first else x.transpose(0, 3, 1, 2))
    ty = torch.nn.functional.interpolate(tx, scale_factor=size, mode="bilinear",
                                         align_corners=False)
    ty.backward(torch.tensor(gy if first else gy.transpose(0, 3, 1, 2)))
    expected_y, expected_g = ty.detach().numpy(), tx.grad.numpy()
    if not first:
        expected_y, expected_g = expected_y.transpose(0, 2, 3, 1), expected_g.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(y.data, expected_y, atol=1e-12)
    np.testing.assert_allclose(t.grad, expected_g, atol=1e-12)


def _reference_resize_1d(signal, factor, kernel):
    """Keras's half-pixel resize of one row, written out tap by tap (independent of ours)."""
    n, out = len(signal), []
    for j in range(n * factor):
        centre = (j + 0.5) / factor - 0.5
        taps = [(i, kernel(centre - i)) for i in range(n)]
        total = sum(w for _, w in taps)
        out.append(sum(signal[i] * w for i, w in taps) / total)
    return np.array(out)


def _keys(d, a=-0.5):
    d = abs(d)
    if d <= 1:
        return (a + 2) * d**3 - (a + 3) * d**2 + 1
    return a * d**3 - 5 * a * d**2 + 8 * a * d - 4 * a if d < 2 else 0.0


def _lanczos(radius):
    return lambda d: float(np.sinc(d) * np.sinc(d / radius)) if abs(d) < radius else 0.0


KERNELS = {"bilinear": lambda d: max(0.0, 1 - abs(d)), "bicubic": _keys,
           "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


@pytest.mark.parametrize("method", sorted(KERNELS))
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_interpolation_matches_tap_by_tap_reference_and_gradients(method, data_format):
    (x,) = random_inputs((2, 3, 5, 2), seed=5)  # channels_last layout
    layer = layers.UpSampling2D((2, 3), data_format=data_format, interpolation=method,
                                dtype="float64")
    first = data_format == "channels_first"
    y = layer(x.transpose(0, 3, 1, 2) if first else x).data
    if first:
        y = y.transpose(0, 2, 3, 1)
    cols = np.apply_along_axis(_reference_resize_1d, 2, x, 3, KERNELS[method])
    expected = np.apply_along_axis(_reference_resize_1d, 1, cols, 2, KERNELS[method])
    np.testing.assert_allclose(y, expected, atol=1e-12)
    assert check_gradients(lambda t: layer(t), [x.transpose(0, 3, 1, 2) if first else x]) < 1e-6


# Keras 3.15.1 (TensorFlow backend): UpSampling2D((2, 3), interpolation=m) of
# x = arange(12).reshape(1, 3, 4, 1) ** 1.5, first output row, columns 0-5.
KERAS_FIRST_ROW = {
    "bilinear": [0.0, 0.0, 0.33333, 0.66667, 1.0, 1.60948],
    "bicubic": [-0.79085, -0.70588, -0.5412, -0.2775, 0.10173, 0.57573],
    "lanczos3": [-0.53912, -0.48737, -0.37643, -0.10772, 0.27323, 0.67057],
    "lanczos5": [0.18377, 0.35368, 0.60508, 0.90541, 1.20729, 1.54136],
}


@pytest.mark.parametrize("method", sorted(KERAS_FIRST_ROW))
def test_interpolation_matches_keras_values(method):
    x = np.arange(12.0).reshape(1, 3, 4, 1) ** 1.5
    y = layers.UpSampling2D((2, 3), interpolation=method, dtype="float64")(x).data
    # TensorFlow's bicubic reads its kernel from a 1024-entry table: agreement to ~1e-3 there
    atol = 1e-3 if method == "bicubic" else 1e-4
    np.testing.assert_allclose(y[0, 0, :6, 0], KERAS_FIRST_ROW[method], atol=atol)


@pytest.mark.parametrize("method", ["area", "Bilinear", "linear", None])
def test_bad_interpolation_names_layer_argument_and_choices(method):
    with pytest.raises(ArgumentError, match=r"UpSampling2D.*interpolation.*'bilinear'.*'nearest'"):
        layers.UpSampling2D(interpolation=method)


def test_interpolation_survives_config_round_trip():
    layer = layers.UpSampling2D((2, 1), interpolation="lanczos3", data_format="channels_first")
    clone = layers.UpSampling2D.from_config(layer.get_config())
    assert (clone.interpolation, clone.size, clone.data_format) == (
        "lanczos3", (2, 1), "channels_first")
    (x,) = random_inputs((1, 2, 3, 3))
    np.testing.assert_allclose(clone(x).data, layer(x).data)


def test_bad_padding_argument():
    with pytest.raises(ArgumentError, match="padding"):
        layers.ZeroPadding2D(padding=(-1, 2))
