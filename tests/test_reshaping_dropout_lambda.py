"""Flatten, Reshape, Permute, RepeatVector, Dropout and Lambda: forward against PyTorch,
backward by finite differences, shapes, config round trip, one training step."""

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError, UnknownNameError
from shendu.layers import (
    Dense,
    Dropout,
    Flatten,
    Lambda,
    Permute,
    RepeatVector,
    Reshape,
    deserialize,
    serialize,
)
from shendu.models import Sequential, model_from_json
from shendu.models.chain import ChainPlan
from shendu.ops.dropout import dropout
from shendu.saving.registry import register_serializable
from shendu.testing import check_gradients

# (make layer, input shape, expected output shape, the same map in torch)
RESHAPING = {
    "flatten_3d": (lambda: Flatten(), (2, 3, 4), (2, 12), lambda t: t.flatten(1)),
    "flatten_4d": (lambda: Flatten(), (2, 3, 4, 5), (2, 60), lambda t: t.flatten(1)),
    "flatten_1d": (lambda: Flatten(), (3,), (3, 1), lambda t: t.reshape(3, 1)),
    "flatten_channels_first": (lambda: Flatten(data_format="channels_first"), (2, 3, 4, 5),
                               (2, 60), lambda t: t.permute(0, 2, 3, 1).flatten(1)),
    "reshape": (lambda: Reshape((4, 3)), (2, 12), (2, 4, 3), lambda t: t.reshape(2, 4, 3)),
    "reshape_minus_one": (lambda: Reshape((-1, 2)), (2, 3, 4), (2, 6, 2),
                          lambda t: t.reshape(2, 6, 2)),
    "permute_2d": (lambda: Permute((2, 1)), (2, 3, 4), (2, 4, 3), lambda t: t.permute(0, 2, 1)),
    "permute_3d": (lambda: Permute((3, 1, 2)), (2, 3, 4, 5), (2, 5, 3, 4),
                   lambda t: t.permute(0, 3, 1, 2)),
    "repeat_vector": (lambda: RepeatVector(3), (2, 4), (2, 3, 4),
                      lambda t: t.unsqueeze(1).expand(2, 3, 4)),
}


@pytest.mark.parametrize("case", sorted(RESHAPING))
def test_reshaping_forward_matches_torch(case):
    make, in_shape, out_shape, torch_fn = RESHAPING[case]
    (x,) = random_inputs(in_shape, dtype="float32")
    out = make()(x).data
    assert out.shape == out_shape
    np.testing.assert_array_equal(out, torch_fn(torch_tensor(x)).detach().numpy())


@pytest.mark.parametrize("case", sorted(RESHAPING))
def test_reshaping_backward_matches_finite_differences(case):
    make, in_shape, _, _ = RESHAPING[case]
    backend.set_floatx("float64")
    layer = make()
    (x,) = random_inputs(in_shape)
    assert check_gradients(lambda t: layer(t), [x]) < 1e-7


@pytest.mark.parametrize("case", sorted(RESHAPING))
def test_reshaping_output_shape_weights_and_config(case):
    make, in_shape, out_shape, _ = RESHAPING[case]
    layer = make()
    assert layer.compute_output_shape((None,) + in_shape[1:]) == (None,) + out_shape[1:]
    layer(np.zeros(in_shape))
    assert layer.weights == [] and layer.count_params() == 0
    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    assert clone(np.ones(in_shape)).shape == out_shape


@pytest.mark.parametrize("layer", [Reshape((3, 4)), Permute((2, 1)), Flatten(), Dropout(0.25),
                                   RepeatVector(1)], ids=lambda layer: type(layer).__name__)
def test_layer_trains_one_step_inside_a_model(layer):
    """One SGD step through the layer moves the Dense weights before it by -lr * grad."""
    in_shape = (4, 3) if isinstance(layer, Permute) else (12,)
    first = Dense(12, input_shape=in_shape)
    model = Sequential([first, layer, Flatten(), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = random_inputs((8,) + in_shape, (8, 1), dtype="float32")
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, y)
    after = model.get_weights()
    assert all(not np.array_equal(b, a) for b, a in zip(before, after))
    assert model.predict(x, verbose=0).shape == (8, 1)


def test_sequential_with_reshaping_layers_fast_path_equals_autograd():
    """The fast chain path and the autograd path take the same steps through these layers."""
    def build(fast):
        from shendu.utils import set_random_seed

        set_random_seed(3)
        model = Sequential([Reshape((3, 4), input_shape=(12,)), Permute((2, 1)), Flatten(),
                            Dense(5, activation="tanh"), Dropout(0.3, seed=7), Dense(1)])
        model.use_fast_path = fast
        model.compile(optimizer="adam", loss="mse")
        return model

    x, y = random_inputs((32, 12), (32, 1), dtype="float32")
    fast, slow = build(True), build(False)
    assert ChainPlan.for_model(fast) is not None  # every layer here hands over its ops
    fast.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    slow.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make, shape, words", [
    (lambda: Reshape((5,)), (2, 12), ["Reshape", "target_shape (5,)", "12 values"]),
    (lambda: Permute((2, 1)), (2, 3), ["Permute", "3 axes", "got 2"]),
    (lambda: RepeatVector(2), (2, 3, 4), ["RepeatVector", "(batch, features)", "(2, 3, 4)"]),
    (lambda: Dropout(0.5, noise_shape=(None, 2)), (2, 3), ["Dropout", "noise_shape"]),
])
def test_wrong_input_shapes_raise_shape_errors(make, shape, words):
    with pytest.raises(ShapeError) as info:
        make()(np.zeros(shape))
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("make, words", [
    (lambda: Reshape((2, -1, -1)), ["Reshape", "at most one -1"]),
    (lambda: Reshape((0, 3)), ["Reshape", "positive"]),
    (lambda: Permute((1, 3)), ["Permute", "permutation of 1..n"]),
    (lambda: RepeatVector(0), ["RepeatVector", "positive integer"]),
    (lambda: Dropout(1.5), ["Dropout", "[0, 1]", "1.5"]),
    (lambda: Dropout("half"), ["Dropout", "rate"]),
    (lambda: Flatten(data_format="nchw"), ["Flatten", "channels_first"]),
    (lambda: Lambda(3), ["Lambda", "callable"]),
])
def test_bad_layer_arguments_raise_argument_errors(make, words):
    with pytest.raises(ArgumentError) as info:
        make()
    for word in words:
        assert word in str(info.value)


# -- Dropout ------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_statistics_in_training(rate):
    """About `rate` of the entries are zeroed, survivors scaled by 1/(1-rate), mean kept."""
    out = Dropout(rate, seed=0)(np.ones((200, 500)), training=True).data
    values = np.unique(out)
    assert values[0] == 0.0 and len(values) == 2
    assert values[1] == pytest.approx(1 / (1 - rate))
    n = out.size
    dropped = float(np.mean(out == 0))
    tolerance = 5 * np.sqrt(rate * (1 - rate) / n)  # five standard deviations of a Bernoulli mean
    assert abs(dropped - rate) < tolerance
    assert abs(out.mean() - 1.0) < 5 * np.sqrt(rate / (1 - rate) / n)


@pytest.mark.parametrize("rate", [0.0, 0.5])
def test_dropout_is_identity_in_inference(rate):
    (x,) = random_inputs((10, 7), dtype="float32")
    layer = Dropout(rate)
    np.testing.assert_array_equal(layer(x).data, x)
    np.testing.assert_array_equal(layer(x, training=False).data, x)


def test_dropout_rate_zero_and_one_in_training():
    x = np.ones((3, 4))
    np.testing.assert_array_equal(Dropout(0.0)(x, training=True).data, x)
    np.testing.assert_array_equal(Dropout(1.0)(x, training=True).data, np.zeros((3, 4)))


def test_dropout_forward_is_mask_times_input_over_keep_probability():
    """Hand-worked: the mask is u < 1 - rate with u drawn from the layer's seeded generator."""
    rate, seed = 0.4, 11
    (x,) = random_inputs((6, 5), dtype="float32")
    u = np.random.default_rng(seed).random((6, 5))
    expected = x * (u < 1 - rate) / (1 - rate)
    out = Dropout(rate, seed=seed)(x, training=True).data
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_dropout_noise_shape_shares_the_mask_along_axes_of_size_one():
    out = Dropout(0.5, noise_shape=(None, 1, 6), seed=1)(np.ones((4, 3, 6)), training=True).data
    for sample in out:  # every row of a sample has the same mask
        assert (sample == sample[0]).all()
    assert (out == 0).any() and (out == 2).any()


def test_dropout_seed_makes_masks_repeatable_but_not_constant():
    a, b = Dropout(0.5, seed=5), Dropout(0.5, seed=5)
    x = np.ones((4, 8))
    first_a, first_b = a(x, training=True).data, b(x, training=True).data
    np.testing.assert_array_equal(first_a, first_b)
    assert not np.array_equal(first_a, a(x, training=True).data)  # a new mask per call


def test_dropout_backward_matches_finite_differences():
    (x,) = random_inputs((5, 6))
    # a fresh generator with the same seed per evaluation: the same mask each time
    assert check_gradients(lambda t: dropout(t, 0.3, rng=np.random.default_rng(0)), [x]) < 1e-7
    assert check_gradients(
        lambda t: dropout(t, 0.5, noise_shape=(5, 1), rng=np.random.default_rng(1)), [x]) < 1e-7


def test_dropout_gradient_is_zero_where_dropped():
    x = Tensor(np.ones((4, 50)), requires_grad=True)
    y = Dropout(0.5, seed=2)(x, training=True)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # 0 where dropped, 1/(1-rate) elsewhere


def test_dropout_is_active_in_fit_and_off_in_predict_and_evaluate():
    model = Sequential([Dropout(0.5, input_shape=(20,), seed=0), Dense(1, use_bias=False,
                                                                       kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 20), dtype="float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.full((4, 1), 20.0))
    assert model.evaluate(x, np.full((4, 1), 20.0), verbose=0) == 0.0
    assert model.train_on_batch(x, np.full((4, 1), 20.0)) > 0.0  # dropout changed the sums


def test_dropout_config_round_trip():
    layer = Dropout(0.3, noise_shape=(None, 1), seed=4, name="drop")
    clone = deserialize(serialize(layer))
    assert (clone.rate, clone.noise_shape, clone.seed, clone.name) == (0.3, (None, 1), 4, "drop")


# -- Lambda -------------------------------------------------------------------------------
@register_serializable(package="tests")
def scaled_square(x, scale=1.0):
    return x * x * scale


def test_lambda_forward_and_arguments_match_torch():
    (x,) = random_inputs((3, 4), dtype="float32")
    out = Lambda(scaled_square, arguments={"scale": 3.0})(x).data
    t = torch_tensor(x)
    np.testing.assert_allclose(out, (t * t * 3.0).detach().numpy(), rtol=1e-6)


def test_lambda_backward_matches_finite_differences():
    layer = Lambda(lambda t: (t * t).sum(axis=-1, keepdims=True) - t)
    (x,) = random_inputs((4, 3))
    assert check_gradients(lambda t: layer(t), [x]) < 1e-7


@pytest.mark.parametrize("output_shape, expected", [
    (None, (None, 2)),
    ((2,), (None, 2)),
    (lambda shape: (shape[0], 2), (None, 2)),
])
def test_lambda_output_shape(output_shape, expected):
    layer = Lambda(lambda t: t[:, :2], output_shape=output_shape)
    assert layer.compute_output_shape((None, 5)) == expected


def test_lambda_trains_inside_a_model():
    model = Sequential([Dense(3, input_dim=2), Lambda(lambda t: t * 2.0), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = random_inputs((8, 2), (8, 1), dtype="float32")
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    assert all(not np.array_equal(b, a) for b, a in zip(before, model.get_weights()))


def test_lambda_with_unregistered_function_cannot_be_serialized():
    model = Sequential([Dense(2, input_dim=2), Lambda(lambda t: t + 1.0, name="plus_one")])
    with pytest.raises(ArgumentError) as info:
        model.to_json()
    message = str(info.value)
    for word in ["Lambda 'plus_one'", "<lambda>", "never stores code", "register_serializable"]:
        assert word in message


def test_lambda_with_registered_function_round_trips_through_json():
    model = Sequential([Dense(3, input_dim=2), Lambda(scaled_square, arguments={"scale": 0.5}),
                        Dense(1)])
    clone = model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    assert clone.layers[1].function is scaled_square
    assert clone.layers[1].arguments == {"scale": 0.5}
    (x,) = random_inputs((4, 2), dtype="float32")
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_lambda_function_missing_from_registry_raises_on_load():
    config = {"class_name": "Lambda",
              "config": {"name": "l", "trainable": True, "function": {"registered": "nope>fn"}}}
    with pytest.raises(UnknownNameError) as info:
        deserialize(config)
    assert "'nope>fn' is not registered" in str(info.value)
    assert "custom_objects" in str(info.value)
    layer = deserialize(config, custom_objects={"fn": np.negative})
    np.testing.assert_array_equal(layer(np.ones((1, 2))).data, -np.ones((1, 2)))


def test_saving_a_model_with_an_unregistered_lambda_fails_cleanly(tmp_path):
    model = Sequential([Dense(2, input_dim=2), Lambda(lambda t: t * 3.0)])
    path = tmp_path / "m.safetensors"
    with pytest.raises(ArgumentError, match="register_serializable"):
        model.save(path)
    assert not path.exists() and list(tmp_path.iterdir()) == []  # nothing half-written


def test_saving_a_model_with_a_registered_lambda_round_trips(tmp_path):
    from shendu.models import load_model

    model = Sequential([Dense(3, input_dim=2), Dropout(0.2), Lambda(scaled_square), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = random_inputs((8, 2), (8, 1), dtype="float32")
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.safetensors")
    restored = load_model(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
