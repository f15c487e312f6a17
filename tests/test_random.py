"""keras.random: Keras 3's names, signatures and seed rules (an int repeats, a SeedGenerator
streams, None follows set_random_seed), distributions checked by their moments, dropout's
gradient by finite differences, and keras.io's VAE sampling layer written as there."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import shendu as keras
from shendu import ops, random
from shendu.autograd import Tensor
from shendu.callbacks_backup import _layer_generators
from shendu.errors import ArgumentError, ShapeError
from shendu.testing import check_gradients

KERAS_SIGNATURES = {  # keras 3.15's keras.random
    "SeedGenerator": "(seed=None, name=None, **kwargs)",
    "beta": "(shape, alpha, beta, dtype=None, seed=None)",
    "binomial": "(shape, counts, probabilities, dtype=None, seed=None)",
    "categorical": "(logits, num_samples, dtype='int32', seed=None)",
    "dropout": "(inputs, rate, noise_shape=None, seed=None)",
    "gamma": "(shape, alpha, dtype=None, seed=None)",
    "normal": "(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)",
    "randint": "(shape, minval, maxval, dtype='int32', seed=None)",
    "shuffle": "(x, axis=0, seed=None)",
    "truncated_normal": "(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)",
    "uniform": "(shape, minval=0.0, maxval=1.0, dtype=None, seed=None)",
}


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_names_and_parameters_are_keras(name):
    signature = inspect.signature(getattr(keras.random, name))
    plain = signature.replace(return_annotation=inspect.Signature.empty)
    assert str(plain) == KERAS_SIGNATURES[name]


def test_int_seed_repeats_generator_streams_none_follows_the_global_seed():
    assert np.array_equal(random.normal((3,), seed=1).data, random.normal((3,), seed=1).data)
    stream = random.SeedGenerator(5)
    a, b = random.normal((3,), seed=stream).data, random.normal((3,), seed=stream).data
    assert not np.array_equal(a, b)
    again = random.SeedGenerator(5)
    assert np.array_equal(random.normal((3,), seed=again).data, a)
    keras.utils.set_random_seed(11)
    first = random.uniform((4,)).data
    keras.utils.set_random_seed(11)
    assert np.array_equal(random.uniform((4,)).data, first)


def test_dtypes_and_shapes():
    assert random.normal((2, 3)).data.dtype == np.float32
    assert random.uniform(4, dtype="float64").shape == (4,)
    ints = random.randint((100,), 3, 7, seed=0).data
    assert ints.dtype == np.int32 and ints.min() >= 3 and ints.max() <= 6


@pytest.mark.parametrize("draw, mean, std", [
    (lambda s: random.normal((40_000,), 2.0, 3.0, seed=s), 2.0, 3.0),
    (lambda s: random.uniform((40_000,), -1.0, 3.0, seed=s), 1.0, 4 / np.sqrt(12)),
    (lambda s: random.gamma((40_000,), 3.0, seed=s), 3.0, np.sqrt(3.0)),
    (lambda s: random.beta((40_000,), 2.0, 5.0, seed=s), 2 / 7, np.sqrt(10 / (49 * 8))),
    (lambda s: random.binomial((40_000,), 10, 0.3, seed=s), 3.0, np.sqrt(2.1)),
])
def test_distributions_have_their_moments(draw, mean, std):
    x = draw(0).data.astype(np.float64)
    assert abs(x.mean() - mean) < 4 * std / np.sqrt(x.size)
    assert abs(x.std() - std) < 0.03 * std


def test_truncated_normal_stays_within_two_deviations():
    x = random.truncated_normal((20_000,), 1.0, 0.5, seed=3).data
    assert x.min() >= 0.0 and x.max() <= 2.0
    # the standard normal truncated at ±2 has variance 1 − 4φ(2)/(Φ(2) − Φ(−2)) ≈ 0.7737
    assert abs(x.std() - 0.5 * np.sqrt(0.7737)) < 0.01


def test_categorical_draws_follow_the_softmax_of_the_logits():
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0001]]))
    draws = random.categorical(logits, 30_000, seed=0).data
    assert draws.shape == (2, 30_000) and draws.dtype == np.int32
    freq = np.stack([np.bincount(row, minlength=3) / row.size for row in draws])
    np.testing.assert_allclose(freq, np.exp(logits) / np.exp(logits).sum(1, keepdims=True),
                               atol=0.01)


def test_dropout_scales_the_kept_values_and_its_gradient_matches_finite_differences():
    x = np.arange(1.0, 1001.0)
    y = random.dropout(x, 0.25, seed=4).data
    kept = y != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(y[kept], x[kept] / 0.75)
    xs = np.random.default_rng(0).normal(size=(4, 5))
    assert check_gradients(lambda t: random.dropout(t, 0.5, seed=2), [xs]) < 1e-8
    column = random.dropout(np.ones((6, 3)), 0.5, noise_shape=(None, 1), seed=1).data
    assert all(len(set(row)) == 1 for row in column)  # one draw per row, broadcast


def test_shuffle_permutes_along_the_axis():
    x = np.arange(12).reshape(4, 3)
    rows = random.shuffle(x, seed=0).data
    assert sorted(map(tuple, rows)) == sorted(map(tuple, x))
    cols = random.shuffle(x, axis=1, seed=0).data
    assert sorted(cols[0]) == [0, 1, 2] and (cols == x[:, cols[0]]).all()  # one column order


@pytest.mark.parametrize("call, words", [
    (lambda: random.normal((2,), seed=-1), "seed must be None"),
    (lambda: random.normal((2,), seed="a"), "seed must be None"),
    (lambda: random.normal((-2,)), "non-negative ints"),
    (lambda: random.uniform((2,), 1.0, 1.0), "minval must be below maxval"),
    (lambda: random.randint((2,), 0, 5, dtype="float32"), "integer dtype"),
    (lambda: random.normal((2,), dtype="int32"), "float dtype"),
    (lambda: random.dropout(np.ones(3), 1.0), r"rate must be in \[0, 1\)"),
    (lambda: random.categorical(np.ones(3), 2), r"\(batch, classes\)"),
    (lambda: random.SeedGenerator(1.5), "non-negative int"),
])
def test_bad_arguments_get_clear_errors(call, words):
    with pytest.raises((ArgumentError, ShapeError), match=words):
        call()


class Sampling(keras.layers.Layer):
    """keras.io's VAE example: z = mean + exp(log_var / 2) · ε, ε from a SeedGenerator."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def test_keras_io_vae_sampling_layer_trains_and_its_stream_is_backed_up():
    inputs = keras.Input(shape=(6,))
    h = keras.layers.Dense(8, activation="relu")(inputs)
    z = Sampling()([keras.layers.Dense(2)(h), keras.layers.Dense(2)(h)])
    model = keras.Model(inputs, keras.layers.Dense(6)(z))
    model.compile(loss="mse", optimizer="adam")
    x = np.random.default_rng(0).normal(size=(64, 6)).astype("float32")
    history = model.fit(x, x, epochs=3, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    sampler = next(layer for layer in model.layers if isinstance(layer, Sampling))
    assert any(g is sampler.seed_generator.generator for g in _layer_generators(model).values())
    assert isinstance(keras.random.normal((1,), seed=sampler.seed_generator), Tensor)
