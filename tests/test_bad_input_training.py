"""Bad input to compile, fit, evaluate, train_on_batch and the optimizers: each case once
gave a raw NumPy/Python error, a message without the where/what/hint, or silently wrong
behaviour. Now each raises a shendu.errors class, names the argument, and changes nothing
(the weights and the step count stay as they were)."""

import numpy as np
import pytest

from shendu import layers as L
from shendu import optimizers
from shendu.errors import (
    ArgumentError,
    DataError,
    ShapeError,
    ShenduError,
)
from shendu.layers import Dense, Input
from shendu.models import Model, Sequential

N = 12


def _classifier(metrics=None, loss="sparse_categorical_crossentropy", units=3,
                activation="softmax"):
    model = Sequential([Dense(4, activation="relu", input_dim=5),
                        Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(N, 5)).astype("float32"), rng.integers(0, 3, size=N)


def _state(model):
    return [w.copy() for w in model.get_weights()], model.optimizer.iterations


def _assert_unchanged(model, state):
    weights, iterations = state
    assert model.optimizer.iterations == iterations
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)


def _two_outputs():
    a, b = Input(shape=(3,), name="a"), Input(shape=(2,), name="b")
    h = L.Concatenate()([Dense(4)(a), b])
    model = Model(inputs=[a, b], outputs=[Dense(1, name="o1")(h),
                                          Dense(3, activation="softmax", name="o2")(h)])
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"])
    return model


# -- fit / evaluate / train_on_batch -------------------------------------------------------------
@pytest.mark.parametrize("metric", ["binary_accuracy", "auc", "kl_divergence", "cosine_similarity",
                                    "mean_absolute_percentage_error"])
def test_a_metric_that_cannot_read_the_targets_fails_before_the_first_step(metric):
    """It used to raise NumPy's broadcasting error after the optimizer had taken a step."""
    x, y = _data()
    model = _classifier([metric])
    state = _state(model)
    with pytest.raises(ShapeError, match=rf"metric '{metric}' cannot compare targets of shape "
                                         r"\(12,\) with outputs of shape \(12, 3\).*Hint"):
        model.fit(x, y, verbose=0)
    _assert_unchanged(model, state)
    with pytest.raises(ShapeError, match=f"metric '{metric}'"):
        model.train_on_batch(x, y)
    _assert_unchanged(model, state)


def test_a_metric_that_fails_only_on_the_last_short_batch_fails_up_front():
    """Targets (n,) against outputs (n, 2) broadcast when a batch has 2 rows, not otherwise."""
    x = np.random.default_rng(0).normal(size=(10, 5))
    model = _classifier(["sparse_categorical_accuracy"], loss="mse", units=2, activation=None)
    state = _state(model)
    with pytest.raises(ShapeError, match="metric 'sparse_categorical_accuracy'"):
        model.fit(x, np.ones((10, 2)), batch_size=4, verbose=0)
    _assert_unchanged(model, state)


def test_good_metrics_still_train_after_the_check():
    x, y = _data()
    model = _classifier(["accuracy", "sparse_top_k_categorical_accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=5, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "sparse_top_k_categorical_accuracy"}
    assert model.optimizer.iterations == 6


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(epochs=None), ArgumentError, "epochs: expected an integer >= 0, got None"),
    (dict(initial_epoch=None), ArgumentError, "initial_epoch: expected an integer >= 0"),
    (dict(callbacks=5), ArgumentError, r"fit: callbacks must be a list of Callback objects, "
                                       r"got int \(5\)\. Hint"),
    (dict(callbacks=[5]), ArgumentError, r"fit: callbacks\[0\] must be a Callback, got int"),
    (dict(validation_data=np.ones((3, 5))), ArgumentError,
     r"validation_data must be a tuple.*got a ndarray\. Hint: validation_data=\(x_val, y_val\)"),
    (dict(validation_data=(np.ones((3, 5)),)), ArgumentError, "got a tuple of 1. Hint"),
    (dict(class_weight={"cat": 1.0}), ArgumentError,
     r"class_weight: keys must be class indices.*'cat'.*Hint"),
    (dict(class_weight={-1: 2.0}), ArgumentError, "class_weight: keys must be class indices"),
    (dict(class_weight={0: -1.0}), ArgumentError,
     r"class_weight: the weight of class 0 must be a finite number >= 0, got -1\.0"),
    (dict(class_weight={0: float("nan")}), ArgumentError, "weight of class 0 must be a finite"),
    (dict(class_weight={0: "x"}), ArgumentError, "weight of class 0"),
])
def test_bad_fit_arguments_give_clear_errors_and_change_nothing(kwargs, error, words):
    x, y = _data()
    model = _classifier()
    model.fit(x, y, verbose=0)
    state = _state(model)
    kwargs = {"x": x, "y": y, **kwargs}
    with pytest.raises(error, match=words):
        model.fit(verbose=0, **kwargs)
    _assert_unchanged(model, state)


def test_class_weight_keys_beyond_the_labels_cost_nothing_and_change_nothing():
    """A key of 10**12 once allocated a table of 10**12 weights (a MemoryError)."""
    x, y = _data()
    model = _classifier()
    model.fit(x, y, class_weight={10**12: 3.0, 1: 2.0}, verbose=0)
    model.fit(x, y, class_weight={}, verbose=0)
    assert model.optimizer.iterations == 2


def test_negative_class_weight_key_no_longer_weights_the_last_class():
    from shendu.models.targets import class_weights_to_sample_weights

    with pytest.raises(ArgumentError, match="keys must be class indices"):
        class_weights_to_sample_weights({-1: 5.0}, np.array([0, 1, 2]))
    weights = class_weights_to_sample_weights({2: 5.0, 7: 9.0}, np.array([0, 1, 2]))
    np.testing.assert_array_equal(weights, [1.0, 1.0, 5.0])


def test_categorical_targets_outside_zero_one_are_refused():
    x, y = _data()
    model = _classifier(loss="categorical_crossentropy")
    with pytest.raises(DataError, match=r"categorical_crossentropy expects one-hot targets or "
                                        r"class probabilities in \[0, 1\], got values from -1"):
        model.fit(x, -np.eye(3)[y], verbose=0)
    assert model.optimizer.iterations == 0


def test_samples_without_features_are_refused():
    model = Sequential([Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(DataError, match=r"x: expected at least one value per sample, got shape "
                                        r"\(4, 0\).*Hint"):
        model.fit(np.ones((4, 0)), np.ones(4), verbose=0)
    assert not model.built


def test_predict_on_batch_of_none_names_x():
    x, y = _data()
    model = _classifier()
    model.fit(x, y, verbose=0)
    with pytest.raises(ArgumentError, match="x: expected an array, got None"):
        model.predict_on_batch(None)


@pytest.mark.parametrize("call", [
    lambda m: m.evaluate(np.ones((2, 5)), np.zeros(2), callbacks=5, verbose=0),
    lambda m: m.predict(np.ones((2, 5)), callbacks=[object()]),
])
def test_other_entry_points_check_their_callbacks(call):
    model = _classifier()
    with pytest.raises(ArgumentError, match=r"callbacks.*must be"):
        call(model)


# -- compile ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, words", [
    (dict(metrics=[123]), "Unknown metric 123"),
    (dict(metrics=[None]), "Unknown metric None"),
    (dict(weighted_metrics=[5]), "Unknown metric 5"),
    (dict(metrics={"nope": ["accuracy"]}), r"metrics is a dict keyed by \['nope'\], but model "
                                           r"'.*' has one output, named 'dense_.*'.*Hint: pass a "
                                           "list"),
    (dict(loss_weights="x"), r"loss_weights must be a finite number, got 'x'"),
    (dict(loss_weights=[1.0, 2.0]), "loss_weights has 2 entries, but model"),
])
def test_bad_compile_arguments_fail_in_compile_and_change_nothing(kwargs, words):
    x, y = _data()
    model = _classifier()
    model.fit(x, y, verbose=0)
    loss, optimizer = model.loss, model.optimizer
    with pytest.raises(ShenduError, match=words):
        model.compile(optimizer="sgd", loss="mse", **kwargs)
    assert model.loss is loss and model.optimizer is optimizer


def test_single_output_metrics_dict_by_output_name_and_neutral_loss_weight_still_work():
    x, y = _data()
    model = _classifier()
    name = model.layers[-1].name
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics={name: ["accuracy"]}, loss_weights=[1.0], weighted_metrics="accuracy")
    history = model.fit(x, y, verbose=0, sample_weight=np.ones(N))
    assert "accuracy" in history.history and "weighted_accuracy" in history.history


@pytest.mark.parametrize("loss_weights, words", [
    (["a", "b"], r"loss_weights\['o1'\] must be a finite number, got 'a'"),
    ([float("nan"), 1.0], r"loss_weights\['o1'\] must be a finite number, got nan"),
    ({"o1": 1.0, "o2": float("inf")}, r"loss_weights\['o2'\]"),
])
def test_bad_loss_weights_of_several_outputs(loss_weights, words):
    model = _two_outputs()
    weights = list(model._loss_weights)
    with pytest.raises(ArgumentError, match=words):
        model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"],
                      loss_weights=loss_weights)
    assert model._loss_weights == weights


def test_several_inputs_and_outputs_errors_carry_hints():
    model = _two_outputs()
    xa, xb = np.ones((8, 3)), np.ones((8, 2))
    with pytest.raises(ShapeError, match=r"expected a list of 2 arrays.*Hint: x=\[a_array, "
                                         r"b_array\]"):
        model.fit(xa, [np.ones(8), np.zeros(8)], verbose=0)
    with pytest.raises(ArgumentError, match=r"missing entries \['b'\].*Hint: the keys are the "
                                            "names of the model's inputs"):
        model.fit({"a": xa}, [np.ones(8), np.zeros(8)], verbose=0)
    with pytest.raises(ShapeError, match=r"got lengths \[8, 5\]\. Hint"):
        model.fit([xa, xb[:5]], [np.ones(8), np.zeros(8)], verbose=0)
    with pytest.raises(ArgumentError, match=r"3 entries for 2 outputs.*Hint"):
        model.compile(loss=["mse"] * 3)


def test_a_functional_model_needs_inputs_and_outputs():
    with pytest.raises(ArgumentError, match="expected at least one input and one output, got 0"):
        Model([], [])


# -- optimizers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make, words", [
    (lambda: optimizers.Adam(beta_1=1.5), r"Adam: beta_1 must be a number in \[0, 1\), got 1\.5"),
    (lambda: optimizers.Adam(beta_2="x"), "Adam: beta_2 must be a number in"),
    (lambda: optimizers.Nadam(beta_1=-0.1), "Nadam: beta_1"),
    (lambda: optimizers.Adamax(beta_2=1.0), "Adamax: beta_2"),
    (lambda: optimizers.AdamW(beta_1=2), "AdamW: beta_1"),
    (lambda: optimizers.Adam(clipnorm=-1), r"clipnorm must be None or a finite number > 0, got "
                                           r"-1\. Hint: clipnorm=1\.0"),
    (lambda: optimizers.SGD(clipvalue=float("inf")), "clipvalue must be None or a finite"),
    (lambda: optimizers.SGD(global_clipnorm=-2), "global_clipnorm.*Hint"),
    (lambda: optimizers.SGD(clipnorm=1.0, clipvalue=1.0), "at most one of.*Hint"),
    (lambda: optimizers.SGD(ema_momentum="x"), "ema_momentum must be a number in"),
])
def test_bad_optimizer_arguments(make, words):
    with pytest.raises(ArgumentError, match=words) as info:
        make()
    assert "Hint:" in str(info.value)


def test_numpy_betas_are_still_numbers():
    assert optimizers.Adam(beta_1=np.float32(0.8)).beta_1 == pytest.approx(0.8)
