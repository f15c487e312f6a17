"""Bad input → a shendu.errors class whose message names the argument, what was expected,
what came and a hint — raised before training touches anything."""

import numpy as np
import pytest

from shendu.errors import (
    ArgumentError,
    DataError,
    DTypeError,
    NotBuiltError,
    NotCompiledError,
    ShapeError,
    ShenduError,
    UnknownNameError,
)
from shendu.layers import Dense
from shendu.models import Sequential

N = 10
LOSSES = {"binary": ("binary_crossentropy", 1, "sigmoid"),
          "sparse": ("sparse_categorical_crossentropy", 4, "softmax"),
          "categorical": ("categorical_crossentropy", 4, "softmax"),
          "regression": ("mse", 1, None)}


def _model(kind="binary", optimizer="adam"):
    loss, units, activation = LOSSES[kind]
    model = Sequential([Dense(5, activation="relu", input_dim=3),
                        Dense(units, activation=activation)])
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def _good_data(kind="binary"):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 3)).astype("float32")
    labels = rng.integers(0, 4, size=N)
    y = {"binary": (x[:, 0] > 0).astype("float32"), "sparse": labels,
         "categorical": np.eye(4, dtype="float32")[labels], "regression": x[:, :1] * 2}[kind]
    return x, y


def _with(array, index, value):
    out = np.array(array, dtype="float64")
    out[index] = value
    return out


class FakeFrame:
    """A pandas-like object: ``to_numpy()`` gives an object array (a column of strings)."""

    def to_numpy(self):
        return np.array([["a", 1.0, 2.0]] * N, dtype=object)


x0, y0 = _good_data()

# (model kind, fit keyword arguments, error class, words the message must contain)
BAD_FIT = {
    "x_and_y_lengths_differ": ("binary", dict(x=x0, y=y0[:7]), ShapeError,
                               ["x and y have different lengths", "x has 10", "y has 7", "Hint"]),
    "wrong_feature_count": ("binary", dict(x=np.ones((N, 4)), y=y0), ShapeError,
                            ["expected inputs of shape (batch, 3)", "got (10, 4)", "3 features",
                             "Hint"]),
    "one_d_x": ("binary", dict(x=np.ones(N), y=y0), ShapeError,
                ["(samples, 3)", "1-D array of shape (10,)", "x.reshape(-1, 1)"]),
    "nan_in_x": ("binary", dict(x=_with(x0, (4, 1), np.nan), y=y0), DataError,
                 ["x: contains NaN or infinite values", "row 4", "np.nan_to_num"]),
    "inf_in_x": ("regression", dict(x=_with(x0, (2, 0), np.inf), y=y0), DataError,
                 ["x: contains NaN or infinite values", "row 2"]),
    "nan_in_y": ("regression", dict(x=x0, y=_with(_good_data("regression")[1], (6, 0), np.nan)),
                 DataError, ["y: contains NaN or infinite values", "row 6"]),
    "inf_in_y": ("binary", dict(x=x0, y=_with(y0, 3, -np.inf)), DataError,
                 ["y: contains NaN or infinite values", "row 3"]),
    "object_dtype_x": ("binary", dict(x=np.array([[1, "a", 2.0]] * N, dtype=object), y=y0),
                       DTypeError, ["x: expected a numeric array", "dtype object", "encoded"]),
    "string_dtype_y": ("binary", dict(x=x0, y=np.array(["yes", "no"] * 5)), DTypeError,
                       ["y: expected a numeric array", "dtype <U3", "Hint"]),
    "dataframe_of_objects": ("binary", dict(x=FakeFrame(), y=y0), DTypeError,
                             ["x: expected a numeric array", "DataFrame"]),
    "ragged_rows": ("binary", dict(x=[[1.0, 2.0, 3.0], [1.0]] * 5, y=y0), DTypeError,
                    ["x: could not make a numeric array", "pad them"]),
    "label_too_big": ("sparse", dict(x=x0, y=_with(_good_data("sparse")[1], 0, 4).astype(int)),
                      DataError, ["labels must be in [0, 4)", "from 0 to 4",
                                  "as many units as there are classes"]),
    "negative_label": ("sparse", dict(x=x0, y=_with(_good_data("sparse")[1], 0, -1).astype(int)),
                       DataError, ["labels must be in [0, 4)", "from -1"]),
    "fractional_label": ("sparse", dict(x=x0, y=_with(_good_data("sparse")[1], 0, 0.5)),
                         DataError, ["whole-number class labels", "0.5"]),
    "one_hot_wrong_width": ("categorical", dict(x=x0, y=np.eye(3)[np.arange(N) % 3]), ShapeError,
                            ["one-hot targets of width 4", "got shape (10, 3)", "Hint"]),
    "integer_labels_for_categorical": ("categorical", dict(x=x0, y=np.arange(N) % 4), ShapeError,
                                       ["one-hot", "sparse_categorical_crossentropy"]),
    "binary_target_out_of_range": ("binary", dict(x=x0, y=y0 * 3), DataError,
                                   ["binary_crossentropy expects targets in [0, 1]", "to 3"]),
    "regression_target_wrong_width": ("regression", dict(x=x0, y=np.ones((N, 2))), ShapeError,
                                      ["expected targets of shape (samples, 1)", "(10, 2)"]),
    "empty_x": ("binary", dict(x=np.zeros((0, 3)), y=np.zeros(0)), DataError,
                ["x: expected at least one sample", "empty array of shape (0, 3)"]),
    "x_is_none": ("binary", dict(x=None, y=y0), ArgumentError, ["x: expected an array, got None"]),
    "batch_size_zero": ("binary", dict(x=x0, y=y0, batch_size=0), ArgumentError,
                        ["batch_size: expected an integer >= 1, got 0", "batch_size=32"]),
    "batch_size_negative": ("binary", dict(x=x0, y=y0, batch_size=-8), ArgumentError,
                            ["batch_size", "got -8"]),
    "batch_size_float": ("binary", dict(x=x0, y=y0, batch_size=2.5), ArgumentError,
                         ["batch_size", "got 2.5"]),
    "epochs_negative": ("binary", dict(x=x0, y=y0, epochs=-1), ArgumentError,
                        ["epochs: expected an integer >= 0, got -1", "epochs=10"]),
    "validation_split_one": ("binary", dict(x=x0, y=y0, validation_split=1.0), ArgumentError,
                             ["validation_split must be in [0, 1), got 1.0", "0.2"]),
    "validation_split_negative": ("binary", dict(x=x0, y=y0, validation_split=-0.1),
                                  ArgumentError, ["validation_split", "[0, 1)", "-0.1"]),
    "validation_split_leaves_nothing": ("binary", dict(x=x0[:1], y=y0[:1], validation_split=0.5),
                                        ArgumentError, ["leaves no training", "out of 1"]),
    "bad_validation_data": ("binary", dict(x=x0, y=y0, validation_data=(x0[:, :2], y0)),
                            ShapeError, ["(batch, 3)", "got (10, 2)"]),
    "negative_sample_weight": ("binary", dict(x=x0, y=y0, sample_weight=-np.ones(N)), DataError,
                               ["sample_weight: weights must be >= 0"]),
    "sample_weight_length": ("binary", dict(x=x0, y=y0, sample_weight=np.ones(3)), ShapeError,
                             ["sample_weight: expected 10 weights", "got 3"]),
    "class_weight_not_a_dict": ("binary", dict(x=x0, y=y0, class_weight=[1.0, 2.0]),
                                ArgumentError, ["class_weight: expected a dict", "list"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FIT))
def test_bad_fit_input_raises_a_clear_error(case):
    kind, kwargs, error, words = BAD_FIT[case]
    model = _model(kind)
    with pytest.raises(error) as info:
        model.fit(verbose=0, **kwargs)
    assert isinstance(info.value, ShenduError)
    assert isinstance(info.value, (ValueError, TypeError))
    for word in words:
        assert word in str(info.value), (word, str(info.value))


@pytest.mark.parametrize("case", sorted(BAD_FIT))
def test_training_state_is_unchanged_after_a_bad_fit(case):
    """Weights, optimizer iterations and slots are identical, and training then works."""
    kind, kwargs, error, _ = BAD_FIT[case]
    model = _model(kind)
    x, y = _good_data(kind)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    weights = model.get_weights()
    optimizer = model.optimizer
    state = {k: np.array(v, copy=True) for k, v in optimizer.variables.items()}
    with pytest.raises(error):
        model.fit(verbose=0, **kwargs)
    assert model.optimizer is optimizer and optimizer.iterations == 6
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    for key, value in optimizer.variables.items():
        np.testing.assert_array_equal(state[key], value)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert optimizer.iterations == 9


def test_one_d_x_for_an_unbuilt_dense_model_hints_at_reshape():
    model = Sequential([Dense(4), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ShapeError) as info:
        model.fit(np.arange(5.0), np.arange(5.0), verbose=0)
    assert "1-D array of shape (5,)" in str(info.value)
    assert "x.reshape(-1, 1)" in str(info.value)
    assert not model.built


@pytest.mark.parametrize("method", ["evaluate", "predict", "train_on_batch", "test_on_batch"])
def test_other_entry_points_check_their_input_too(method):
    model = _model()
    model.fit(x0, y0, verbose=0)
    weights = model.get_weights()
    args = (np.ones((N, 4)),) if method == "predict" else (np.ones((N, 4)), y0)
    with pytest.raises(ShapeError, match=r"expected inputs of shape \(batch, 3\)"):
        getattr(model, method)(*args)
    with pytest.raises(DataError, match="NaN"):
        getattr(model, method)(*((_with(x0, 0, np.nan),) + args[1:]))
    assert model.optimizer.iterations == 1
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("kwargs, words", [
    (dict(loss="binary_crossentropyy"), ["Unknown loss 'binary_crossentropyy'",
                                         "Did you mean 'binary_crossentropy'"]),
    (dict(loss="mse", optimizer="adamm"), ["Unknown optimizer 'adamm'", "Did you mean 'adam'"]),
    (dict(loss="mse", metrics=["acuracy"]), ["Unknown metric 'acuracy'",
                                             "Did you mean 'accuracy'"]),
    (dict(loss="mse", weighted_metrics=["acuracy"]), ["Unknown metric", "'accuracy'"]),
])
def test_unknown_names_in_compile_suggest_the_nearest_and_change_nothing(kwargs, words):
    model = _model()
    model.fit(x0, y0, verbose=0)
    loss, optimizer = model.loss, model.optimizer
    with pytest.raises(UnknownNameError) as info:
        model.compile(**kwargs)
    assert all(word in str(info.value) for word in words), str(info.value)
    assert model.loss is loss and model.optimizer is optimizer and optimizer.iterations == 1


def test_unknown_activation_suggests_the_nearest():
    with pytest.raises(UnknownNameError) as info:
        Dense(2, activation="rellu")
    assert "Unknown activation 'rellu'" in str(info.value)
    assert "Did you mean 'relu'" in str(info.value)


def test_compile_without_a_loss():
    with pytest.raises(ArgumentError, match="expected a loss, got None"):
        Sequential([Dense(1, input_dim=2)]).compile(optimizer="sgd")


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_training_before_compile(method):
    model = Sequential([Dense(1, input_dim=3)])
    with pytest.raises(NotCompiledError) as info:
        getattr(model, method)(x0, y0)
    assert f"{method} needs a compiled model" in str(info.value)
    assert "model.compile(" in str(info.value)


def test_predict_on_a_model_that_was_never_built():
    model = Sequential([Dense(4), Dense(1)])
    with pytest.raises(NotBuiltError) as info:
        model.predict(x0)
    message = str(info.value)
    assert "was never built" in message and "input_shape=" in message
    assert not model.built


@pytest.mark.parametrize("kwargs, words", [
    (dict(steps_per_epoch=0), ["steps_per_epoch: expected an integer >= 1, got 0"]),
    (dict(initial_epoch=-1), ["initial_epoch: expected an integer >= 0, got -1"]),
    (dict(validation_freq=0), ["validation_freq", "got 0"]),
    (dict(validation_batch_size=0), ["validation_batch_size", "got 0"]),
])
def test_bad_loop_arguments(kwargs, words):
    model = _model()
    with pytest.raises(ArgumentError) as info:
        model.fit(x0, y0, verbose=0, **kwargs)
    assert all(word in str(info.value) for word in words)
