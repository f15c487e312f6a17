"""Normalization and CategoryEncoding: statistics and outputs worked by hand, Keras's epsilon
handling, gradients by finite differences, config and model-file round trips, training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shendu import saving
from shendu.errors import ArgumentError, DataError, DTypeError, ShapeError
from shendu.layers import (
    CategoryEncoding,
    Dense,
    Input,
    Normalization,
    deserialize,
    serialize,
)
from shendu.models import Model, Sequential, load_model
from shendu.models.chain import ChainPlan
from shendu.testing import check_gradients

X = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]], dtype="float32")
# by hand: mean (1+3+5)/3 = 3, (10+30+20)/3 = 20; biased variance (4+0+4)/3, (100+100+0)/3
MEAN = np.array([3.0, 20.0])
VAR = np.array([8.0 / 3.0, 200.0 / 3.0])


# -- Normalization: statistics and forward ----------------------------------------------------
def test_adapt_learns_mean_and_biased_variance_per_feature():
    layer = Normalization()
    layer.adapt(X)
    mean, variance, count = layer.get_weights()  # Keras's order: mean, variance, count
    np.testing.assert_allclose(mean, MEAN, rtol=1e-6)
    np.testing.assert_allclose(variance, VAR, rtol=1e-6)
    assert count == 3
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3
    expected = (X - MEAN) / np.sqrt(VAR)
    np.testing.assert_allclose(layer(X).numpy(), expected, rtol=1e-5)
    assert layer(X).numpy()[1, 0] == 0.0  # x equal to the mean maps to 0


def test_axis_none_keeps_one_mean_for_everything():
    layer = Normalization(axis=None)
    layer.adapt(X)
    mean = (1 + 3 + 5 + 10 + 30 + 20) / 6  # 11.5
    var = sum((v - mean) ** 2 for v in (1, 3, 5, 10, 30, 20)) / 6
    assert layer.mean.shape == (1, 1)
    np.testing.assert_allclose(layer.mean.item(), mean, rtol=1e-6)
    np.testing.assert_allclose(layer.variance.item(), var, rtol=1e-6)
    np.testing.assert_allclose(layer(X).numpy(), (X - mean) / math.sqrt(var), rtol=1e-5)


@pytest.mark.parametrize("axis, reduce", [((1, 2), (0,)), (1, (0, 2)), (-1, (0, 1)),
                                          ((0, 2), (1,))])
def test_kept_axes_of_a_3d_input(axis, reduce):
    x = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    layer = Normalization(axis=axis, dtype="float64")
    layer.adapt(x)
    mean = x.mean(axis=reduce, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=reduce, keepdims=True)
    kept = tuple(d for d in range(3) if d not in reduce)
    assert layer.get_weights()[0].shape == tuple(x.shape[d] for d in kept)
    np.testing.assert_allclose(layer(x).numpy(), (x - mean) / np.sqrt(var), rtol=1e-10)


def test_given_mean_and_variance_broadcast_and_make_no_weights():
    layer = Normalization(mean=2.0, variance=4.0)
    np.testing.assert_allclose(layer(X).numpy(), (X - 2.0) / 2.0)
    assert layer.get_weights() == []
    vector = Normalization(mean=[1.0, 10.0], variance=[4.0, 25.0])
    np.testing.assert_allclose(vector(X).numpy(), [[0, 0], [1, 4], [2, 2]])
    # a mean over the last kept axis only, spread along the other kept axis
    partial = Normalization(axis=(1, 2), mean=[1.0, 2.0], variance=[1.0, 4.0])
    out = partial(np.ones((1, 3, 2))).numpy()
    np.testing.assert_allclose(out, np.broadcast_to([[0.0, -0.5]], (1, 3, 2)))


def test_epsilon_bounds_the_standard_deviation_as_keras_does():
    # Keras divides by max(sqrt(variance), 1e-7), not sqrt(max(variance, 1e-7))
    layer = Normalization(mean=[2.0, 2.0], variance=[0.0, 1e-16])
    out = layer(np.array([[2.5, 2.0]], dtype="float64")).numpy()
    np.testing.assert_allclose(out, [[0.5 / 1e-7, 0.0]], rtol=1e-6)
    inverse = Normalization(mean=[2.0], variance=[0.0], invert=True, dtype="float64")
    np.testing.assert_allclose(inverse(np.array([[3.0]])).numpy(), [[2.0 + 3.0 * 1e-7]])


def test_invert_undoes_the_normalization():
    forward, backward = Normalization(), Normalization(invert=True)
    forward.adapt(X)
    backward.adapt(X)
    np.testing.assert_allclose(backward(np.zeros((1, 2))).numpy(), [MEAN], rtol=1e-6)
    np.testing.assert_allclose(backward(np.ones((1, 2))).numpy(), [MEAN + np.sqrt(VAR)],
                               rtol=1e-6)
    np.testing.assert_allclose(backward(forward(X)).numpy(), X, rtol=1e-5)


def test_adapt_on_batches_merges_their_statistics_exactly():
    rng = np.random.default_rng(0)
    data = rng.normal(4.0, 3.0, size=(50, 3))
    whole, listed, streamed = (Normalization(dtype="float64") for _ in range(3))
    whole.adapt(data)
    listed.adapt([data[:7], data[7:30], data[30:]])
    streamed.adapt(data[i:i + 16] for i in range(0, 50, 16))
    np.testing.assert_allclose(whole.get_weights()[0], data.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(whole.get_weights()[1], data.var(axis=0), rtol=1e-12)
    for layer in (listed, streamed):
        for a, b in zip(layer.get_weights(), whole.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize("axis, shape", [(-1, (4, 3)), ((1, 2), (3, 2, 4)), (None, (5, 2))])
def test_normalization_gradients_match_finite_differences(invert, axis, shape):
    rng = np.random.default_rng(1)
    layer = Normalization(axis=axis, invert=invert, dtype="float64")
    layer.adapt(rng.normal(1.0, 2.0, size=shape))
    x = rng.normal(size=shape)
    assert check_gradients(lambda t: layer(t), [x]) < 1e-6


def test_a_functional_graph_can_be_made_before_adapt():
    inputs = Input(shape=(2,))
    layer = Normalization()
    model = Model(inputs, layer(inputs))  # Keras allows adapting afterwards
    assert model.outputs[0].shape == (None, 2)
    layer.adapt(X)
    np.testing.assert_allclose(model.predict(X, verbose=0), (X - MEAN) / np.sqrt(VAR),
                               rtol=1e-5)


# -- Normalization: errors --------------------------------------------------------------------
def test_calling_before_adapt_says_what_to_do():
    with pytest.raises(ArgumentError, match=r"Normalization 'norm'.*no mean and variance.*adapt"):
        Normalization(name="norm")(X)
    model = Sequential([Input(shape=(2,)), Normalization(name="raw"), Dense(1)])
    model.compile(loss="mse")
    with pytest.raises(ArgumentError, match="'raw'.*adapt"):
        model.fit(X, np.zeros((3, 1)), verbose=0)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"mean": [0.0, 1.0], "variance": [1.0, -0.5]}, ArgumentError, "variance must be >= 0"),
    ({"mean": [0.0, 1.0]}, ArgumentError, "both mean and variance"),
    ({"mean": [0.0, 1.0], "variance": [1.0]}, ShapeError, "same shape"),
    ({"mean": [[0.0, 1.0]], "variance": [[1.0, 1.0]]}, ShapeError, "rank 2 does not fit"),
    ({"mean": [0.0, np.nan], "variance": [1.0, 1.0]}, DataError, "NaN"),
    ({"mean": "zero", "variance": 1.0}, DTypeError, "mean must be a number"),
    ({"axis": "last"}, ArgumentError, "axis must be an int"),
])
def test_bad_constructor_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Normalization(**kwargs)


def test_statistics_that_do_not_fit_the_inputs():
    with pytest.raises(ShapeError, match=r"mean of shape \(3,\) does not fit inputs.*sizes \(2,\)"):
        Normalization(mean=[0.0, 1.0, 2.0], variance=[1.0, 1.0, 1.0])(X)
    layer = Normalization()
    layer.adapt(X)
    with pytest.raises(ShapeError, match=r"sizes \[2\] on the kept axes.*got shape \(3, 5\)"):
        layer(np.ones((3, 5)))
    with pytest.raises(ShapeError, match=r"got shape \(4, 3\)"):
        layer.adapt(np.ones((4, 3)))
    with pytest.raises(ShapeError, match="axis 2 is out of range for inputs of rank 2"):
        Normalization(axis=2).adapt(X)


@pytest.mark.parametrize("data, error, match", [
    (np.array([[1.0, np.nan], [2.0, 3.0]]), DataError, "NaN or infinite"),
    (np.array([[1.0, np.inf]]), DataError, "NaN or infinite"),
    (np.zeros((0, 2)), DataError, "empty array"),
    ([], DataError, "empty array"),
    (iter([]), DataError, "no data"),
    (np.array([["a", "b"]]), DTypeError, "numeric array"),
    ([[1.0, 2.0], [3.0]], DTypeError, "equal lengths"),
])
def test_bad_adapt_data(data, error, match):
    with pytest.raises(error, match=match):
        Normalization(name="n").adapt(data)


def test_adapt_is_refused_when_mean_and_variance_were_given():
    with pytest.raises(ArgumentError, match="given mean and variance"):
        Normalization(mean=0.0, variance=1.0).adapt(X)


# -- Normalization: config, files, training ---------------------------------------------------
def test_config_round_trip():
    given = Normalization(axis=(1, 2), mean=[1.0, 2.0], variance=[1.0, 4.0], invert=True)
    clone = deserialize(serialize(given))
    assert clone.get_config() == given.get_config()
    x = np.random.default_rng(0).normal(size=(2, 3, 2))
    np.testing.assert_array_equal(clone(x).numpy(), given(x).numpy())
    adapted = Normalization(axis=-1)
    adapted.adapt(X)
    copy = Normalization.from_config(adapted.get_config())  # as Keras: statistics are weights
    copy.build_from_shape((None, 2))
    copy.set_weights(adapted.get_weights())
    np.testing.assert_array_equal(copy(X).numpy(), adapted(X).numpy())


@pytest.mark.parametrize("loader", [saving.load_model, load_model])
def test_a_saved_model_keeps_the_statistics(tmp_path, loader):
    layer = Normalization(name="norm")
    layer.adapt(X)
    model = Sequential([Input(shape=(2,)), layer, Dense(3, activation="relu"), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, np.ones((3, 1)), epochs=2, verbose=0)
    path = tmp_path / "norm.safetensors"
    model.save(path)
    loaded = loader(path)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    stats = loaded.get_layer("norm").get_weights()
    np.testing.assert_allclose(stats[0], MEAN, rtol=1e-6)
    np.testing.assert_allclose(stats[1], VAR, rtol=1e-6)


def test_training_through_a_normalization_first_layer():
    rng = np.random.default_rng(0)
    x = rng.normal([100.0, -3.0], [20.0, 0.1], size=(64, 2)).astype("float32")
    y = ((x[:, :1] - 100.0) / 20.0 - (x[:, 1:] + 3.0) / 0.1).astype("float32")
    layer = Normalization()
    layer.adapt(x)
    model = Sequential([Input(shape=(2,)), layer, Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    stats = [w.copy() for w in layer.get_weights()]
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert ChainPlan.for_model(model) is not None  # the fast path runs it
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]
    for a, b in zip(stats, layer.get_weights()):  # statistics are not trained
        np.testing.assert_array_equal(a, b)


def test_gradients_flow_through_normalization_to_earlier_layers():
    def build(fast):
        from shendu.utils import set_random_seed

        set_random_seed(5)
        model = Sequential([Input(shape=(3,)), Dense(4), Normalization(mean=[1.0, -1.0, 0.5, 2.0],
                            variance=[4.0, 0.25, 1.0, 9.0]), Dense(1)])
        model.use_fast_path = fast
        model.compile(optimizer="sgd", loss="mse")
        return model

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    fast, slow = build(True), build(False)
    before = fast.layers[0].get_weights()[0].copy()
    assert ChainPlan.for_model(fast) is not None
    fast.train_on_batch(x, y)
    slow.train_on_batch(x, y)
    assert not np.allclose(fast.layers[0].get_weights()[0], before)  # the first Dense learnt
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


# -- CategoryEncoding -------------------------------------------------------------------------
def test_category_encoding_modes_by_hand():
    x = np.array([[0, 1, 1], [3, 0, 3]])
    np.testing.assert_array_equal(CategoryEncoding(4)(x).numpy(), [[1, 1, 0, 0], [1, 0, 0, 1]])
    np.testing.assert_array_equal(CategoryEncoding(4, output_mode="count")(x).numpy(),
                                  [[1, 2, 0, 0], [1, 0, 0, 2]])
    one_hot = CategoryEncoding(4, output_mode="one_hot")(x).numpy()
    assert one_hot.shape == (2, 3, 4) and one_hot.dtype == np.float32
    np.testing.assert_array_equal(one_hot[1], [[0, 0, 0, 1], [1, 0, 0, 0], [0, 0, 0, 1]])


def test_category_encoding_shapes_follow_keras():
    # one_hot replaces a last axis of 1; a 1-D input is one sample for multi_hot and count
    assert CategoryEncoding(3, output_mode="one_hot")(np.array([[2], [0]])).shape == (2, 3)
    np.testing.assert_array_equal(CategoryEncoding(3, output_mode="one_hot")(
        np.array([2, 0])).numpy(), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(CategoryEncoding(3)(np.array([2, 0, 2])).numpy(), [1, 0, 1])
    np.testing.assert_array_equal(CategoryEncoding(3, output_mode="count")(
        np.array([2, 0, 2])).numpy(), [1, 0, 2])
    np.testing.assert_array_equal(CategoryEncoding(3)(np.array(1)).numpy(), [0, 1, 0])
    assert CategoryEncoding(3, output_mode="one_hot").compute_output_shape((None, 4, 1)) == (
        None, 4, 3)


def test_count_weights_sum_per_category():
    layer = CategoryEncoding(3, output_mode="count")
    out = layer(np.array([[0, 2, 2], [1, 1, 0]]),
                count_weights=np.array([[0.5, 1.0, 2.0], [0.25, 0.25, 4.0]])).numpy()
    np.testing.assert_allclose(out, [[0.5, 0.0, 3.0], [4.0, 0.5, 0.0]])


def test_float_inputs_holding_whole_numbers_are_accepted():
    out = CategoryEncoding(3)(np.array([[2.0, 0.0]], dtype="float32")).numpy()
    np.testing.assert_array_equal(out, [[1, 0, 1]])


@pytest.mark.parametrize("kwargs, match", [
    ({}, "num_tokens must be an integer >= 1"),
    ({"num_tokens": 0}, "num_tokens must be an integer >= 1"),
    ({"num_tokens": 3, "output_mode": "tf_idf"}, "output_mode must be one of"),
    ({"num_tokens": 3, "sparse": True}, "sparse=True is not supported"),
])
def test_category_encoding_bad_arguments(kwargs, match):
    with pytest.raises(ArgumentError, match=match):
        CategoryEncoding(**kwargs)


@pytest.mark.parametrize("x, kwargs, error, match", [
    (np.array([[0, 3]]), {}, DataError, r"must lie in \[0, 3\), got values in \[0, 3\]"),
    (np.array([[-1, 2]]), {}, DataError, r"got values in \[-1, 2\]"),
    (np.array([[0.5, 1.0]]), {}, DataError, "non-integer values such as 0.5"),
    (np.array([["a"]]), {}, DTypeError, "expected integer token ids"),
    (np.zeros((2, 2, 2), int), {}, ShapeError, "rank 1 .* or 2"),
    (np.array([[0, 1]]), {"count_weights": np.ones((1, 2))}, ArgumentError, "count_weights"),
])
def test_category_encoding_bad_inputs(x, kwargs, error, match):
    with pytest.raises(error, match=match):
        CategoryEncoding(3, name="cats")(x, **kwargs)
    with pytest.raises(ShapeError, match="count_weights must have the inputs' shape"):
        CategoryEncoding(3, output_mode="count")(np.array([[0, 1]]), count_weights=[1.0])


def test_category_encoding_config_model_file_and_training(tmp_path):
    layer = CategoryEncoding(num_tokens=5, output_mode="count", name="cats")
    clone = deserialize(serialize(layer))
    assert (clone.num_tokens, clone.output_mode) == (5, "count")
    x = np.array([[0, 4, 4], [1, 2, 3], [2, 2, 2], [0, 0, 1]], dtype="float32")
    y = np.array([[1.0], [0.0], [2.0], [3.0]], dtype="float32")
    model = Sequential([Input(shape=(3,)), layer, Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    kernel = model.layers[-1].get_weights()[0].copy()
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.allclose(model.layers[-1].get_weights()[0], kernel)
    # the Dense sees the counts: its output is counts @ kernel + bias
    counts = np.array([[1, 0, 0, 0, 2], [0, 1, 1, 1, 0], [0, 0, 3, 0, 0], [2, 1, 0, 0, 0]])
    w, b = model.layers[-1].get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), counts @ w + b, rtol=1e-5)
    model.save(tmp_path / "cats.safetensors")
    loaded = load_model(tmp_path / "cats.safetensors")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
