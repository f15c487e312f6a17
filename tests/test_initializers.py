"""Initializers: Keras's formulas checked by the statistics of large draws, seeding, dtypes,
orthogonality, names and configs.

For a (400, 600) kernel, fan_in = 400, fan_out = 600, fan_avg = 500. A uniform(-l, l) draw has
standard deviation l/√3; Keras's truncated normal cuts at 2σ and scales σ by 1/0.8796 so the
cut values keep the intended standard deviation.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from shendu import backend, initializers
from shendu.errors import ArgumentError, UnknownNameError
from shendu.layers import Dense, deserialize, serialize
from shendu.utils import set_random_seed

SHAPE = (400, 600)
CUT = 0.87962566103423978  # stddev of a unit normal truncated at ±2

# name -> (kind, parameter): "uniform" with its limit, "normal" with its stddev (untruncated),
# "truncated" with the stddev the values must have (their cut lies at 2·stddev/CUT)
FORMULAS = {
    "glorot_uniform": ("uniform", math.sqrt(6 / (400 + 600))),
    "glorot_normal": ("truncated", math.sqrt(2 / (400 + 600))),
    "he_normal": ("truncated", math.sqrt(2 / 400)),
    "he_uniform": ("uniform", math.sqrt(6 / 400)),
    "lecun_normal": ("truncated", math.sqrt(1 / 400)),
    "lecun_uniform": ("uniform", math.sqrt(3 / 400)),
    "variance_scaling": ("truncated", math.sqrt(1 / 400)),
    "random_normal": ("normal", 0.05),
    "random_uniform": ("uniform", 0.05),
    "truncated_normal": ("truncated", 0.05 * CUT),
}


def _check_statistics(values, kind, parameter):
    std = {"uniform": parameter / math.sqrt(3), "normal": parameter,
           "truncated": parameter}[kind]
    assert abs(values.mean()) < 5 * std / math.sqrt(values.size)
    assert values.std() == pytest.approx(std, rel=0.02)
    largest = np.abs(values).max()
    if kind == "uniform":
        assert parameter * 0.999 < largest <= parameter
    elif kind == "truncated":
        cut = 2 * parameter / CUT
        assert cut * 0.99 < largest <= cut * (1 + 1e-6)
    else:  # an untruncated normal reaches past 4σ in 240,000 draws
        assert largest > 4 * parameter


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_statistics_follow_keras_formulas(name):
    values = initializers.get(name)(SHAPE, dtype="float64")
    assert values.shape == SHAPE
    _check_statistics(values, *FORMULAS[name])


@pytest.mark.parametrize("init, kind, parameter", [
    # conv kernel (3, 3, 16, 32): receptive field 9, fan_in 144, fan_out 288
    (initializers.GlorotUniform(), "uniform", math.sqrt(6 / (144 + 288))),
    (initializers.HeNormal(), "truncated", math.sqrt(2 / 144)),
    (initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal"), "normal",
     math.sqrt(3 / 288)),
    (initializers.VarianceScaling(0.5, "fan_avg", "uniform"), "uniform", math.sqrt(1.5 / 216)),
    (initializers.VarianceScaling(2.0, "fan_in", "normal"), "truncated", math.sqrt(2 / 144)),
    (initializers.RandomNormal(mean=0.0, stddev=0.3), "normal", 0.3),
], ids=["glorot_uniform_conv", "he_normal_conv", "untruncated_fan_out", "uniform_fan_avg",
        "normal_means_truncated", "random_normal_stddev"])
def test_statistics_on_a_conv_kernel_and_custom_arguments(init, kind, parameter):
    # 60 unseeded draws of one conv kernel: ~276,000 values with that kernel's fans
    big = np.concatenate([init((3, 3, 16, 32), dtype="float64").ravel() for _ in range(60)])
    _check_statistics(big, kind, parameter)


def test_means_and_bounds_of_shifted_distributions():
    normal = initializers.RandomNormal(mean=2.0, stddev=0.5, seed=1)((200, 500), "float64")
    assert normal.mean() == pytest.approx(2.0, abs=0.01)
    assert normal.std() == pytest.approx(0.5, rel=0.02)
    uniform = initializers.RandomUniform(minval=1.0, maxval=3.0, seed=1)((200, 500))
    assert 1.0 <= uniform.min() and uniform.max() <= 3.0
    assert uniform.mean() == pytest.approx(2.0, abs=0.01)
    truncated = initializers.TruncatedNormal(mean=-1.0, stddev=0.2, seed=1)((200, 500))
    assert np.abs(truncated + 1.0).max() <= 0.4 + 1e-6
    assert truncated.mean() == pytest.approx(-1.0, abs=0.01)


@pytest.mark.parametrize("init, expected", [
    (initializers.Zeros(), np.zeros((2, 3))),
    (initializers.Ones(), np.ones((2, 3))),
    (initializers.Constant(0.25), np.full((2, 3), 0.25)),
    (initializers.Identity(), np.eye(2, 3)),
    (initializers.Identity(gain=3.0), 3.0 * np.eye(2, 3)),
], ids=["zeros", "ones", "constant", "identity", "identity_gain"])
def test_deterministic_initializers_by_hand(init, expected):
    np.testing.assert_array_equal(init((2, 3)), expected)


@pytest.mark.parametrize("shape", [(64, 64), (30, 50), (50, 30), (3, 3, 4, 8)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    q = initializers.Orthogonal(gain=2.0, seed=0)(shape, dtype="float64")
    assert q.shape == shape
    m = q.reshape(-1, shape[-1]) / 2.0
    small = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-12)


def test_orthogonal_is_not_biased_toward_one_sign():
    """Fixing Q's signs by R's diagonal makes the distribution uniform: first column's mean ~0."""
    first = np.stack([initializers.Orthogonal(seed=s)((8, 8), "float64")[:, 0]
                      for s in range(400)])
    assert np.abs(first.mean(axis=0)).max() < 0.1


@pytest.mark.parametrize("init, shape, words", [
    (initializers.Orthogonal(), (5,), ["Orthogonal", "at least 2 axes", "(5,)"]),
    (initializers.Identity(), (2, 2, 2), ["Identity", "exactly 2 axes", "(2, 2, 2)"]),
])
def test_shape_errors_name_the_initializer(init, shape, words):
    with pytest.raises(ArgumentError) as info:
        init(shape)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("kwargs, words", [
    ({"scale": 0.0}, ["scale", "positive", "0.0"]),
    ({"mode": "fan_sum"}, ["mode", "fan_avg", "fan_sum"]),
    ({"distribution": "cauchy"}, ["distribution", "uniform", "cauchy"]),
])
def test_variance_scaling_rejects_bad_arguments(kwargs, words):
    with pytest.raises(ArgumentError) as info:
        initializers.VarianceScaling(**kwargs)
    for word in words:
        assert word in str(info.value)


SEEDED = sorted(n for n, cls in initializers.ALL.items() if "seed" in cls().get_config())


def test_every_random_initializer_takes_a_seed():
    assert set(initializers.ALL) - set(SEEDED) == {"zeros", "ones", "constant", "identity"}


@pytest.mark.parametrize("name", SEEDED)
def test_seeded_initializers_repeat_and_seeds_differ(name):
    cls = initializers.ALL[name]
    first, again = cls(seed=7)((20, 30)), cls(seed=7)((20, 30))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, cls(seed=8)((20, 30)))
    init = cls(seed=7)
    np.testing.assert_array_equal(init((20, 30)), init((20, 30)))  # Keras 3: same each call


def test_unseeded_initializers_follow_the_global_seed():
    set_random_seed(5)
    a = initializers.GlorotUniform()((10, 10))
    b = initializers.GlorotUniform()((10, 10))
    set_random_seed(5)
    np.testing.assert_array_equal(initializers.GlorotUniform()((10, 10)), a)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("name", sorted(initializers.ALL))
def test_dtype_defaults_to_floatx(name):
    shape = (6, 6)
    assert initializers.get(name)(shape).dtype == np.float32
    assert initializers.get(name)(shape, dtype="float64").dtype == np.float64
    backend.set_floatx("float64")
    assert initializers.get(name)(shape).dtype == np.float64


@pytest.mark.parametrize("name", sorted(initializers.ALL))
def test_names_class_names_and_configs_round_trip(name):
    init = initializers.get(name)
    cls = type(init)
    assert type(initializers.get(cls.__name__)) is cls
    assert type(initializers.get(cls)) is cls
    config = json.loads(json.dumps(initializers.serialize(init)))
    clone = initializers.get(config)
    assert type(clone) is cls and clone.get_config() == init.get_config()


@pytest.mark.parametrize("alias, cls", [
    ("zero", initializers.Zeros), ("one", initializers.Ones),
    ("normal", initializers.RandomNormal), ("uniform", initializers.RandomUniform),
    ("OrthogonalInitializer", initializers.Orthogonal),
    ("IdentityInitializer", initializers.Identity),
])
def test_keras_aliases(alias, cls):
    assert type(initializers.get(alias)) is cls


def test_keras3_saved_config_with_arguments():
    config = {"module": "keras.initializers", "class_name": "VarianceScaling",
              "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 3},
              "registered_name": None}
    init = initializers.get(config)
    assert (init.scale, init.mode, init.distribution, init.seed) == (2.0, "fan_out", "uniform", 3)


def test_unknown_names_and_bad_configs_raise_clear_errors():
    with pytest.raises(UnknownNameError, match="glorot_unifrom.*Did you mean 'glorot_uniform'"):
        initializers.get("glorot_unifrom")
    with pytest.raises(ArgumentError, match="Orthogonal.*config.*stddev"):
        initializers.get({"class_name": "Orthogonal", "config": {"stddev": 1.0}})


def test_dense_uses_and_serializes_new_initializers():
    layer = Dense(16, kernel_initializer=initializers.Orthogonal(gain=0.5, seed=2),
                  bias_initializer=initializers.Constant(0.1))
    layer(np.zeros((1, 16)))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(kernel.T @ kernel, 0.25 * np.eye(16), atol=1e-6)
    np.testing.assert_allclose(bias, 0.1)
    clone = deserialize(json.loads(json.dumps(serialize(layer))))
    clone(np.zeros((1, 16)))
    np.testing.assert_array_equal(clone.get_weights()[0], kernel)  # seeded: the same draw
