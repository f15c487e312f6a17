"""GaussianNoise, GaussianDropout, AlphaDropout: the identity outside training; in training the
statistics of their noise, AlphaDropout's affine correction (by formula and against PyTorch's
constants), gradients, repeatability under set_random_seed, the fast path, config, errors.

The statistical checks run on a fixed seed, with tolerances of five standard errors: they
cannot flake, and they would still pass for almost any other seed."""

import math

import numpy as np
import pytest

from helpers import random_inputs
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    AlphaDropout,
    Dense,
    GaussianDropout,
    GaussianNoise,
    Input,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.ops.noise import alpha_dropout, gaussian_dropout, gaussian_noise
from shendu.testing import check_gradients
from shendu.utils import set_random_seed

N = 200_000  # samples for the statistics
ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
ALPHA_P = -ALPHA * SCALE  # the value a dropped SELU activation takes

MAKERS = {
    "gaussian_noise": lambda seed=None: GaussianNoise(0.3, seed=seed),
    "gaussian_dropout": lambda seed=None: GaussianDropout(0.25, seed=seed),
    "alpha_dropout": lambda seed=None: AlphaDropout(0.2, seed=seed),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_identity_outside_training(name):
    layer = MAKERS[name]()
    (x,) = random_inputs((4, 5), dtype="float32")
    for out in (layer(x), layer(x, training=False)):
        np.testing.assert_array_equal(out.data, x)
    assert not np.allclose(layer(x, training=True).data, x)
    assert layer.compute_output_shape((None, 5)) == (None, 5)

    set_random_seed(0)
    model = Sequential([Input(shape=(5,)), Dense(3), layer])
    plain = Sequential([Input(shape=(5,)), Dense(3)])
    plain.set_weights(model.get_weights())
    np.testing.assert_array_equal(model.predict(x, verbose=0), plain.predict(x, verbose=0))
    for m in (model, plain):
        m.compile(optimizer="sgd", loss="mse")
    y = np.zeros((4, 3), "float32")
    assert model.evaluate(x, y, verbose=0) == plain.evaluate(x, y, verbose=0)


@pytest.mark.parametrize("make", [lambda: GaussianNoise(0.0), lambda: GaussianDropout(0.0),
                                  lambda: AlphaDropout(0.0)], ids=["noise", "gdrop", "alpha"])
def test_zero_noise_is_the_identity_in_training_too(make):
    (x,) = random_inputs((3, 4), dtype="float32")
    np.testing.assert_array_equal(make()(x, training=True).data, x)


def _within(value, expected, standard_error):
    assert abs(value - expected) < 5 * standard_error, (value, expected, standard_error)


@pytest.mark.parametrize("stddev", [0.1, 0.7, 2.5])
def test_gaussian_noise_is_additive_with_zero_mean_and_the_given_stddev(stddev):
    x = np.random.default_rng(0).normal(size=(N // 100, 100)) * 3.0 + 1.0
    noise = GaussianNoise(stddev, seed=11, dtype="float64")(x, training=True).data - x
    _within(noise.mean(), 0.0, stddev / math.sqrt(N))
    _within(noise.std(), stddev, stddev / math.sqrt(2 * N))
    # independent of the input: no correlation between x and its noise
    _within(np.corrcoef(x.ravel(), noise.ravel())[0, 1], 0.0, 1 / math.sqrt(N))


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_gaussian_dropout_multiplies_by_noise_of_mean_one_and_variance_rate_over_keep(rate):
    x = np.random.default_rng(1).uniform(0.5, 2.0, size=(N // 100, 100))
    factor = GaussianDropout(rate, seed=12, dtype="float64")(x, training=True).data / x
    variance = rate / (1 - rate)
    _within(factor.mean(), 1.0, math.sqrt(variance / N))
    _within(factor.var(), variance, variance * math.sqrt(2 / N))


def _affine(rate):
    """Alpha dropout's (a, b), written from the variance argument: x' = x·k + α′(1 − k) with
    x ~ (0, 1) and k ~ Bernoulli(1 − p) has mean α′p and variance (1 − p)(1 + pα′²)."""
    a = 1.0 / math.sqrt((1 - rate) * (1 + rate * ALPHA_P ** 2))
    return a, -a * ALPHA_P * rate


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5])
def test_alpha_dropout_keeps_the_affine_image_of_kept_inputs_and_a_constant_elsewhere(rate):
    x = np.random.default_rng(2).normal(size=(N // 100, 100))
    y = AlphaDropout(rate, seed=13, dtype="float64")(x, training=True).data
    a, b = _affine(rate)
    kept = np.isclose(y, a * x + b, rtol=0, atol=1e-12)
    dropped = ~kept
    np.testing.assert_allclose(y[dropped], a * ALPHA_P + b, rtol=1e-12)  # one constant
    _within(dropped.mean(), rate, math.sqrt(rate * (1 - rate) / N))
    # the point of the correction: zero mean and unit variance survive (for x ~ N(0, 1))
    _within(y.mean(), 0.0, 1 / math.sqrt(N))
    assert abs(y.var() - 1.0) < 0.02  # > 5 standard errors of the sample variance here


@pytest.mark.parametrize("rate", [0.1, 0.3])
def test_alpha_dropout_constants_match_torch(rate):
    """torch's alpha_dropout uses its own generator, so compare the two values it can take on
    ones (kept: a + b, dropped: a·α′ + b) rather than the masks."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    ones = np.ones(20_000)
    theirs = np.unique(F.alpha_dropout(torch.tensor(ones), rate, True).numpy())
    ours = np.unique(AlphaDropout(rate, seed=0, dtype="float64")(ones[None], training=True).data)
    assert len(theirs) == len(ours) == 2
    np.testing.assert_allclose(np.sort(ours), np.sort(theirs), rtol=1e-12)


def test_alpha_dropout_noise_shape_shares_one_draw_along_axes_of_size_one():
    layer = AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=3, dtype="float64")
    y = layer(np.ones((6, 5, 4)), training=True).data
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    assert len(np.unique(y)) == 2  # something was dropped and something kept
    with pytest.raises(ShapeError, match=r"AlphaDropout '.*': noise_shape \(None, 2, 4\) does not"):
        AlphaDropout(0.5, noise_shape=(None, 2, 4))(np.ones((6, 5, 4)), training=True)


# -- gradients ----------------------------------------------------------------------------------
OPS = {
    "gaussian_noise": lambda t: gaussian_noise(t, 0.4, np.random.default_rng(0)),
    "gaussian_dropout": lambda t: gaussian_dropout(t, 0.3, np.random.default_rng(0)),
    "alpha_dropout": lambda t: alpha_dropout(t, 0.3, None, np.random.default_rng(0)),
    "alpha_dropout_noise_shape": lambda t: alpha_dropout(t, 0.3, (1, 5),
                                                         np.random.default_rng(0)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_gradients_match_finite_differences(name):
    """A fresh generator per call: every evaluation draws the same noise."""
    (x,) = random_inputs((4, 5), seed=4)
    assert check_gradients(OPS[name], [x]) < 1e-6


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_layer_gradients_in_training_match_finite_differences(name):
    (x,) = random_inputs((3, 6), seed=5)
    assert check_gradients(lambda t: MAKERS[name](seed=9)(t, training=True), [x]) < 1e-6


def test_gradients_are_the_noise_multipliers_by_hand():
    x = Tensor(np.full((2, 3), 2.0), requires_grad=True)
    y = GaussianDropout(0.5, seed=1, dtype="float64")(x, training=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.data / 2.0)  # dy/dx = m = y / x
    x.grad = None
    GaussianNoise(1.0, seed=1)(x, training=True).sum().backward()
    np.testing.assert_array_equal(x.grad, 1.0)


# -- repeatability ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_set_random_seed_makes_the_global_draws_repeat(name):
    (x,) = random_inputs((4, 6), dtype="float32")
    runs = []
    for seed in (7, 7, 8):
        set_random_seed(seed)
        layer = MAKERS[name]()
        runs.append([layer(x, training=True).data for _ in range(2)])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[0][1])  # each call draws anew
    assert not np.array_equal(runs[0][0], runs[2][0])  # another seed, other noise


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_layer_seed_gives_its_own_repeatable_sequence(name):
    (x,) = random_inputs((4, 6), dtype="float32")
    first, second = MAKERS[name](seed=3), MAKERS[name](seed=3)
    set_random_seed(1)
    a = [first(x, training=True).data for _ in range(2)]
    set_random_seed(2)  # the global generator does not matter
    b = [second(x, training=True).data for _ in range(2)]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], a[1])


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_training_is_the_same_on_the_fast_and_autograd_paths(name):
    backend.set_floatx("float64")
    x, y = random_inputs((32, 5), (32, 2), seed=9)
    weights = []
    for fast in (True, False):
        set_random_seed(0)
        model = Sequential([Input(shape=(5,)), Dense(8, activation="tanh"), MAKERS[name](),
                            Dense(2)])
        model.use_fast_path = fast
        model.compile(optimizer="sgd", loss="mse")
        before = model.get_weights()
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        assert (model._plan is not None) == fast
        weights.append(model.get_weights())
        assert all(not np.allclose(a, b) for a, b in zip(before, weights[-1]))
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


# -- config -----------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, expected", [
    (GaussianNoise(0.2, seed=4, name="n"), dict(stddev=0.2, seed=4)),
    (GaussianDropout(0.3, name="n"), dict(rate=0.3, seed=None)),
    (AlphaDropout(0.1, noise_shape=(None, 1, 3), seed=2, name="n"),
     dict(rate=0.1, seed=2, noise_shape=[None, 1, 3])),
], ids=["noise", "gdrop", "alpha"])
def test_config_follows_keras_and_round_trips(layer, expected):
    assert layer.get_config() == {"name": "n", "trainable": True, **expected}
    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    x = np.ones((2, 4, 3), "float32")
    outputs = []
    for each in (layer, clone):
        set_random_seed(5)  # for the layer without a seed of its own
        outputs.append(each(x, training=True).data)
    np.testing.assert_array_equal(*outputs)


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [GaussianDropout, AlphaDropout])
@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan"), "0.5", True, None])
def test_rate_outside_zero_one_raises(cls, rate):
    with pytest.raises(ArgumentError, match=rf"{cls.__name__} '.*': rate must be a finite number "
                                            r"in \[0.0, 1.0\), got .*Hint"):
        cls(rate)


@pytest.mark.parametrize("stddev", [-0.5, float("inf"), "0.1", None])
def test_bad_stddev_raises(stddev):
    with pytest.raises(ArgumentError, match=r"GaussianNoise '.*': stddev must be a finite number "
                                            r">= 0.0, got .*Hint"):
        GaussianNoise(stddev)


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_bad_seed_raises(name, seed):
    with pytest.raises(ArgumentError, match=r"seed must be None or a non-negative int.*Hint"):
        MAKERS[name](seed=seed)


@pytest.mark.parametrize("noise_shape", [5, (0, 3), ("a",), (None, 1.5)])
def test_bad_noise_shape_raises(noise_shape):
    with pytest.raises(ArgumentError, match=r"AlphaDropout '.*': noise_shape must be None or a "
                                            r"tuple of positive ints.*Hint"):
        AlphaDropout(0.1, noise_shape=noise_shape)
