"""ZeroPadding2D, Cropping2D, UpSampling2D: hand-worked values, gradients, config, training."""

import numpy as np
import pytest

from helpers import random_inputs
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


def test_bad_padding_argument():
    with pytest.raises(ArgumentError, match="padding"):
        layers.ZeroPadding2D(padding=(-1, 2))
