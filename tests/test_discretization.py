"""Discretization: bins worked by hand, adapt's exact quantiles against NumPy (and the values
Keras 3.15 gives on small data), the output modes, config, save/load and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from shendu.errors import ArgumentError, DataError, DTypeError, ShapeError
from shendu.layers import Discretization, deserialize, serialize


def test_values_go_to_the_bin_whose_lower_boundary_they_reach():
    layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    x = np.array([[-1.5, 0.0, 0.5, 1.0], [1.99, 2.0, 7.0, -0.01]])
    out = layer(x).data
    np.testing.assert_array_equal(out, [[0, 1, 1, 2], [2, 3, 3, 0]])
    assert out.dtype == np.int32  # Keras's output dtype in "int" mode


def test_output_modes_by_hand():
    x = np.array([[-1.0, 0.5, 2.0, 3.0], [0.1, 0.2, 0.3, -5.0]])  # bins [0, 1, 2, 2], [1, 1, 1, 0]
    bounds = [0.0, 1.0]
    np.testing.assert_array_equal(Discretization(bin_boundaries=bounds, output_mode="count")(x)
                                  .data, [[1, 1, 2], [1, 3, 0]])
    np.testing.assert_array_equal(Discretization(bin_boundaries=bounds,
                                                 output_mode="multi_hot")(x).data,
                                  [[1, 1, 1], [1, 1, 0]])
    one_hot = Discretization(bin_boundaries=bounds, output_mode="one_hot")(x).data
    assert one_hot.shape == (2, 4, 3) and one_hot.dtype == np.float32
    np.testing.assert_array_equal(one_hot.argmax(-1), [[0, 1, 2, 2], [1, 1, 1, 0]])
    column = Discretization(bin_boundaries=bounds, output_mode="one_hot")(np.array([[0.5], [9]]))
    np.testing.assert_array_equal(column.data, [[0, 1, 0], [0, 0, 1]])


def test_adapt_sets_exact_quantiles():
    layer = Discretization(num_bins=4)
    layer.adapt(np.arange(10.0))
    # Keras 3.15 gives [1.5, 4.0, 6.5] here: quantiles k/4 of the empirical CDF, interpolated
    assert layer.bin_boundaries == [1.5, 4.0, 6.5]
    data = np.random.default_rng(0).normal(size=(500, 3))
    batches = [data[:200], data[200:]]  # batches are pooled: the same as one array
    layer.adapt(iter(batches))
    expected = np.quantile(data, [0.25, 0.5, 0.75], method="interpolated_inverted_cdf")
    np.testing.assert_allclose(layer.bin_boundaries, expected, rtol=1e-12)
    counts = np.bincount(layer(data).data.ravel(), minlength=4)
    # a quartile here is one of the values, which goes to the bin above it
    assert counts.tolist() == [374, 375, 375, 376]
    layer.adapt(iter(batches), steps=1)
    np.testing.assert_allclose(layer.bin_boundaries, np.quantile(
        data[:200], [0.25, 0.5, 0.75], method="interpolated_inverted_cdf"), rtol=1e-12)


def test_config_round_trip_after_adapt_and_a_saved_model(tmp_path):
    from shendu.layers import Dense, Input
    from shendu.models import Model, load_model

    layer = Discretization(num_bins=3, output_mode="one_hot", name="disc")
    x = np.random.default_rng(1).normal(size=(30, 1))
    layer.adapt(x)
    config = layer.get_config()
    assert config["num_bins"] == 3 and len(config["bin_boundaries"]) == 2
    assert {"epsilon", "output_mode", "sparse"} <= set(config)
    clone = deserialize(serialize(layer))
    assert clone.get_config() == config
    np.testing.assert_array_equal(clone(x).data, layer(x).data)
    inp = Input(shape=(1,))
    model = Model(inp, Dense(2)(layer(inp)))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.ones((30, 2)), epochs=1, verbose=0)
    path = tmp_path / "disc.safetensors"
    model.save(path)
    np.testing.assert_allclose(load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("kwargs,match", [
    (dict(), "expected bin_boundaries=\\[...\\] or num_bins=n, got neither"),
    (dict(bin_boundaries=[0.0], num_bins=3), "not both"),
    (dict(num_bins=-1), "num_bins must be an integer >= 0"),
    (dict(bin_boundaries=[1.0, 0.0]), "sorted in increasing order"),
    (dict(bin_boundaries=[[0.0]]), "flat list of numbers"),
    (dict(bin_boundaries=[0.0], output_mode="tf_idf"), "output_mode must be one of"),
    (dict(bin_boundaries=[0.0], sparse=True), "sparse=True is not supported"),
    (dict(bin_boundaries=[0.0], epsilon=0.0), "epsilon must be a number in"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ArgumentError, match=f"Discretization.*{match}.*Hint"):
        Discretization(**kwargs)


def test_bad_calls_and_adapt():
    with pytest.raises(ArgumentError, match="Discretization.*no bin boundaries yet.*Hint"):
        Discretization(num_bins=3)(np.ones((2, 2)))
    with pytest.raises(ArgumentError, match="Discretization.*nothing to adapt.*Hint"):
        Discretization(bin_boundaries=[0.0]).adapt(np.ones(3))
    with pytest.raises(DataError, match="Discretization.*NaN or infinite.*Hint"):
        Discretization(num_bins=3).adapt(np.array([1.0, np.nan]))
    with pytest.raises(DataError, match="Discretization.*adapt got no data.*Hint"):
        Discretization(num_bins=3).adapt(iter([]))
    with pytest.raises(DataError, match="Discretization.*NaN, which has no bin.*Hint"):
        Discretization(bin_boundaries=[0.0])(np.array([[np.nan]]))
    with pytest.raises(DTypeError, match="Discretization.*expected numbers.*Hint"):
        Discretization(bin_boundaries=[0.0])(np.array([["a"]]))
    with pytest.raises(ShapeError, match="Discretization.*rank 1.*or 2.*Hint"):
        Discretization(bin_boundaries=[0.0], output_mode="count")(np.ones((2, 2, 2)))
