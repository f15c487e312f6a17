"""SpatialDropout3D (whole channels dropped over a volume) and the Wrapper base class."""

from __future__ import annotations

import numpy as np
import pytest

from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    Dense,
    SpatialDropout3D,
    TimeDistributed,
    Wrapper,
    deserialize,
    serialize,
)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_spatial_dropout_3d_drops_whole_channels(data_format):
    layer = SpatialDropout3D(0.5, data_format=data_format, seed=0)
    shape = (4, 2, 3, 2, 6) if data_format == "channels_last" else (4, 6, 2, 3, 2)
    x = np.random.default_rng(1).uniform(1, 2, size=shape)
    y = layer(x, training=True).data
    spatial = (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)
    kept = np.all(y != 0, axis=spatial)
    dropped = np.all(y == 0, axis=spatial)
    assert np.all(kept | dropped) and kept.any() and dropped.any()  # per (sample, channel)
    np.testing.assert_allclose(y[y != 0], (x * 2)[y != 0].astype(y.dtype), rtol=1e-6)
    np.testing.assert_array_equal(layer(x, training=False).data, x.astype("float32"))


def test_spatial_dropout_3d_config_and_bad_input():
    layer = SpatialDropout3D(0.3, data_format="channels_first", seed=2)
    config = layer.get_config()
    assert {"rate": 0.3, "seed": 2, "data_format": "channels_first"}.items() <= config.items()
    assert deserialize(serialize(layer)).get_config() == config
    with pytest.raises(ShapeError, match="SpatialDropout3D.*rank 5.*Hint"):
        SpatialDropout3D(0.5)(np.ones((2, 3, 3, 2)))
    with pytest.raises(ArgumentError, match="SpatialDropout3D.*data_format.*Hint"):
        SpatialDropout3D(0.5, data_format="NDHWC")


class Doubled(Wrapper):
    def call(self, inputs):
        return self.layer(inputs) * 2.0


def test_wrapper_holds_builds_and_serializes_its_layer():
    assert issubclass(TimeDistributed, Wrapper)
    inner = Dense(3)
    layer = Doubled(inner)
    x = np.ones((2, 4))
    y = layer(x)
    assert layer.layer is inner and inner.built
    np.testing.assert_allclose(y.data, 2 * inner(x).data)
    assert [w.shape for w in layer.get_weights()] == [(4, 3), (3,)]
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense"
    clone = Doubled.from_config(config)
    assert clone.layer.units == 3 and clone.layer is not inner
    plain = Wrapper(Dense(2, name="inner"))  # on its own it runs the inner layer unchanged
    assert plain(x).shape == (2, 2) and deserialize(serialize(plain)).layer.name == "inner"
    with pytest.raises(ArgumentError, match="Wrapper.*layer must be a Layer.*Hint"):
        Wrapper("dense")
