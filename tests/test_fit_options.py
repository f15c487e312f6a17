"""fit / evaluate / predict options, the *_on_batch methods, pop / get_layer / count_params,
and the JSON architecture round trip."""

import io
import json

import numpy as np
import pytest

from shendu.errors import ArgumentError, UnknownNameError
from shendu.layers import Dense, Dropout, Flatten, Input, Permute, RepeatVector, Reshape
from shendu.models import Model, Sequential, load_model, model_from_json
from shendu.optimizers import SGD
from shendu.utils import set_random_seed


def _regressor(seed=0, lr=0.1):
    set_random_seed(seed)
    model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(1)])
    model.compile(optimizer=SGD(learning_rate=lr), loss="mse")
    return model


def _classifier(seed=0, loss="binary_crossentropy", units=1):
    set_random_seed(seed)
    activation = "sigmoid" if units == 1 else "softmax"
    model = Sequential([Dense(5, activation="relu", input_dim=3),
                        Dense(units, activation=activation)])
    model.compile(optimizer=SGD(learning_rate=0.5), loss=loss, metrics=["accuracy"])
    return model


def _data(n=12, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")


def _same_weights(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def _per_sample_mse(model, x, y):
    return ((model.predict(x, verbose=0) - y) ** 2).mean(axis=1)


# -- class_weight and sample_weight -------------------------------------------------------------
def test_class_weight_equals_the_matching_sample_weight():
    x, _ = _data()
    y = (x[:, 0] > 0).astype("float32")
    weights = np.where(y == 1, 3.0, 0.5)
    a, b = _classifier(), _classifier()
    a.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0, class_weight={0: 0.5, 1: 3.0})
    b.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0, sample_weight=weights)
    _same_weights(a, b)


def test_class_weight_scales_each_sample_loss_by_hand():
    """Keras's default reduction: Σ wᵢ·lossᵢ / n, with wᵢ = class_weight[yᵢ]."""
    x, _ = _data(6)
    y = np.array([0, 1, 1, 0, 1, 0], dtype="float32")
    model = _classifier()
    p = model.predict(x, verbose=0)[:, 0].astype(np.float64)
    eps = 1e-7
    p = np.clip(p, eps, 1 - eps)
    per_sample = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    expected = np.sum(np.where(y == 1, 2.0, 1.0) * per_sample) / 6
    loss = model.train_on_batch(x, y, class_weight={1: 2.0})[0]
    assert loss == pytest.approx(expected, rel=1e-5)


def test_class_weight_with_one_hot_targets_uses_the_argmax_class():
    x, _ = _data()
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
    one_hot = np.eye(3, dtype="float32")[labels]
    a = _classifier(loss="categorical_crossentropy", units=3)
    b = _classifier(loss="categorical_crossentropy", units=3)
    table = {0: 1.0, 1: 4.0, 2: 0.25}
    a.fit(x, one_hot, epochs=1, batch_size=6, shuffle=False, verbose=0, class_weight=table)
    b.fit(x, one_hot, epochs=1, batch_size=6, shuffle=False, verbose=0,
          sample_weight=np.array([table[c] for c in labels]))
    _same_weights(a, b)


def test_sample_weight_in_evaluate_by_hand():
    x, y = _data(8)
    model = _regressor()
    w = np.array([0.0, 1.0, 2.0, 0.5, 1.0, 0.0, 3.0, 1.0])
    expected = np.sum(w * _per_sample_mse(model, x, y)) / len(x)
    assert model.evaluate(x, y, sample_weight=w, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_zero_sample_weight_makes_a_sample_irrelevant():
    x, y = _data(8)
    w = np.ones(8)
    w[3] = 0.0
    y_changed = y.copy()
    y_changed[3] = 1e3
    a, b = _regressor(), _regressor()
    a.fit(x, y, epochs=2, batch_size=4, shuffle=False, sample_weight=w, verbose=0)
    b.fit(x, y_changed, epochs=2, batch_size=4, shuffle=False, sample_weight=w, verbose=0)
    _same_weights(a, b)


def test_validation_split_keeps_the_sample_weights_of_the_held_out_rows():
    x, y = _data(12)
    w = np.linspace(0.0, 2.0, 12)
    model = _regressor()
    history = model.fit(x, y, epochs=1, sample_weight=w, validation_split=0.25, verbose=0)
    held_out = model.evaluate(x[9:], y[9:], sample_weight=w[9:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(held_out, rel=1e-6)


def test_validation_data_with_sample_weights():
    x, y = _data(12)
    w = np.arange(4.0)
    model = _regressor()
    history = model.fit(x[:8], y[:8], epochs=1, verbose=0, validation_data=(x[8:], y[8:], w))
    expected = model.evaluate(x[8:], y[8:], sample_weight=w, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-6)


# -- epochs, steps, validation schedule ----------------------------------------------------------
def test_initial_epoch_resumes_the_epoch_count():
    x, y = _data(12)
    model = _regressor()
    out = io.StringIO()
    from shendu.callbacks import ProgbarLogger

    history = model.fit(x, y, epochs=5, initial_epoch=2, batch_size=4, verbose=0,
                        callbacks=[ProgbarLogger(stream=out)])
    assert history.epoch == [2, 3, 4]
    assert model.optimizer.iterations == 3 * 3
    assert out.getvalue().splitlines()[0] == "Epoch 3/5"


def test_initial_epoch_at_or_past_epochs_trains_nothing():
    x, y = _data(12)
    model = _regressor()
    before = model.get_weights()
    history = model.fit(x, y, epochs=2, initial_epoch=2, verbose=0)
    assert history.epoch == [] and model.optimizer.iterations == 0
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("steps_per_epoch", [1, 2, 5])
def test_steps_per_epoch_sets_the_number_of_batches(steps_per_epoch):
    x, y = _data(12)
    model = _regressor()
    model.fit(x, y, epochs=3, batch_size=4, steps_per_epoch=steps_per_epoch, verbose=0)
    assert model.optimizer.iterations == 3 * steps_per_epoch


@pytest.mark.parametrize("freq, validated", [(1, [0, 1, 2, 3, 4]), (2, [1, 3]), (5, [4])])
def test_validation_freq_validates_every_nth_epoch(freq, validated):
    x, y = _data(12)
    model = _regressor()
    seen = []

    from shendu.callbacks import Callback

    class Spy(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if "val_loss" in logs:
                seen.append(epoch)

    history = model.fit(x, y, epochs=5, verbose=0, validation_split=0.25, validation_freq=freq,
                        callbacks=[Spy()])
    assert seen == validated and len(history.history["val_loss"]) == len(validated)
    assert len(history.history["loss"]) == 5


@pytest.mark.parametrize("validation_batch_size, sizes", [(None, [4, 4]), (3, [3, 3, 2])])
def test_validation_batch_size(validation_batch_size, sizes, monkeypatch):
    x, y = _data(16)
    model = _regressor()
    seen = []
    test_step = model.test_step

    def spy(xb, yb, sw=None):
        seen.append(len(xb))
        return test_step(xb, yb, sw)

    monkeypatch.setattr(model, "test_step", spy)
    model.fit(x[:8], y[:8], epochs=1, batch_size=4, verbose=0, validation_data=(x[8:], y[8:]),
              validation_batch_size=validation_batch_size)
    assert seen == sizes


def test_validation_steps_limits_validation_batches(monkeypatch):
    x, y = _data(16)
    model = _regressor()
    seen = []
    test_step = model.test_step
    monkeypatch.setattr(model, "test_step",
                        lambda xb, yb, sw=None: seen.append(len(xb)) or test_step(xb, yb, sw))
    model.fit(x[:8], y[:8], epochs=1, batch_size=2, verbose=0, validation_data=(x[8:], y[8:]),
              validation_steps=2)
    assert seen == [2, 2]


# -- return_dict and the *_on_batch methods --------------------------------------------------------
def test_evaluate_returns_a_number_a_list_or_a_dict():
    x, _ = _data(8)
    y = (x[:, 0] > 0).astype("float32")
    plain, with_metric = _regressor(), _classifier()
    assert isinstance(plain.evaluate(x, x[:, :1], verbose=0), float)
    values = with_metric.evaluate(x, y, verbose=0)
    logs = with_metric.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy"] and values == [logs["loss"], logs["accuracy"]]
    assert with_metric.metrics_names == ["loss", "accuracy"]


def test_train_on_batch_is_one_step_of_fit_over_the_same_batch():
    x, y = _data(8)
    a, b = _regressor(), _regressor()
    loss = a.train_on_batch(x, y)
    history = b.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    _same_weights(a, b)
    assert a.optimizer.iterations == 1
    assert loss == pytest.approx(history.history["loss"][0], rel=1e-6)


def test_train_on_batch_loss_is_before_the_update_and_sgd_step_by_hand():
    """One SGD step: W ← W − lr·∂L/∂W; for a linear model ∂L/∂W = 2/n · xᵀ(xW + b − y)."""
    set_random_seed(0)
    model = Sequential([Dense(1, input_dim=3)])
    model.compile(optimizer=SGD(learning_rate=0.1), loss="mse")
    x, y = _data(8)
    w, b = [v.astype(np.float64) for v in model.get_weights()]
    err = x @ w + b - y
    loss = model.train_on_batch(x, y, return_dict=True)
    assert loss == {"loss": pytest.approx(float(np.mean(err ** 2)), rel=1e-5)}
    new_w, new_b = model.get_weights()
    np.testing.assert_allclose(new_w, w - 0.1 * 2 / 8 * x.T @ err, rtol=1e-5)
    np.testing.assert_allclose(new_b, b - 0.1 * 2 / 8 * err.sum(axis=0), rtol=1e-5)


def test_test_on_batch_does_not_train_and_matches_evaluate():
    x, _ = _data(8)
    y = (x[:, 0] > 0).astype("float32")
    model = _classifier()
    before = model.get_weights()
    result = model.test_on_batch(x, y)
    assert result == model.evaluate(x, y, batch_size=8, verbose=0)
    assert model.test_on_batch(x, y, return_dict=True) == dict(zip(["loss", "accuracy"], result))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == 0


def test_predict_on_batch_equals_predict():
    x, _ = _data(50)
    model = _regressor()
    np.testing.assert_array_equal(model.predict_on_batch(x), model.predict(x, verbose=0))
    assert model.predict(x, batch_size=8, steps=2, verbose=0).shape == (16, 1)


# -- model surgery ---------------------------------------------------------------------------------
def test_count_params_get_layer_and_pop():
    model = Sequential([Dense(4, input_dim=3, name="hidden"), Dropout(0.1, name="drop"),
                        Dense(2, name="out")])
    assert model.count_params() == (3 * 4 + 4) + (4 * 2 + 2)
    assert model.get_layer("drop") is model.layers[1]
    assert model.get_layer(index=-1).name == "out"
    popped = model.pop()
    assert popped.name == "out" and [layer.name for layer in model.layers] == ["hidden", "drop"]
    assert model.count_params() == 16
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 4)
    model.add(Dense(1, name="new_out"))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.ones(4), verbose=0)
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 1)


def test_pop_retrains_with_a_new_head_after_fitting():
    x, y = _data(8)
    model = _regressor()
    model.fit(x, y, epochs=1, verbose=0)
    model.pop()
    model.add(Dense(2))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.hstack([y, y]), epochs=1, verbose=0)
    assert model.predict(x, verbose=0).shape == (8, 2)


def test_surgery_errors():
    model = Sequential([Dense(2, input_dim=2, name="dense_out")])
    with pytest.raises(UnknownNameError) as info:
        model.get_layer("dense_uot")
    assert "Did you mean 'dense_out'" in str(info.value)
    with pytest.raises(ArgumentError, match="index 3 is out of range"):
        model.get_layer(index=3)
    model.pop()
    with pytest.raises(ArgumentError, match="no layers to remove"):
        model.pop()


# -- JSON -----------------------------------------------------------------------------------------
def test_to_json_round_trips_the_architecture():
    model = Sequential([Reshape((2, 3), input_shape=(6,)), Permute((2, 1)), Flatten(),
                        Dense(5, activation="relu", kernel_initializer="he_normal"),
                        Dropout(0.25, seed=3), Dense(4), RepeatVector(2), Flatten(),
                        Dense(1, activation="sigmoid")], name="round_trip")
    text = model.to_json()
    parsed = json.loads(text)
    assert parsed["class_name"] == "Sequential" and "shendu_version" in parsed
    clone = model_from_json(text)
    assert clone is not model and clone.name == "round_trip"
    assert [layer.get_config() for layer in clone.layers] == [
        layer.get_config() for layer in model.layers]
    assert clone.count_params() == model.count_params()
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    assert json.loads(clone.to_json()) == parsed


def test_to_json_passes_json_dumps_arguments():
    model = Sequential([Dense(1, input_dim=2)])
    assert model.to_json(indent=2).startswith('{\n  "class_name"')


def test_model_from_json_of_an_unbuilt_model_stays_unbuilt():
    clone = model_from_json(Sequential([Dense(3), Dense(1)]).to_json())
    assert not clone.built and [type(layer).__name__ for layer in clone.layers] == ["Dense"] * 2


@pytest.mark.parametrize("text, error, words", [
    ("{not json", ArgumentError, ["model_from_json", "not JSON"]),
    ("[1, 2]", ArgumentError, ["'class_name'", "list"]),
    (b"\x00" * 0 + b'{"class_name": "Sequentail", "config": {}}', UnknownNameError,
     ["Sequentail", "Did you mean 'Sequential'"]),
    (42, ArgumentError, ["expected a JSON string", "int"]),
])
def test_model_from_json_bad_input(text, error, words):
    with pytest.raises(error) as info:
        model_from_json(text)
    assert all(word in str(info.value) for word in words)


@pytest.mark.parametrize("functional", [False, True])
@pytest.mark.parametrize("loss_weights", [[0.25], 0.25, "by name"])
def test_one_output_loss_weight_scales_the_loss_and_its_step_by_hand(functional, loss_weights,
                                                                   tmp_path):
    """Keras's loss_weights on a one-output model: L = w·mse, so one SGD step is w times the
    unweighted step (a linear model: ∂mse/∂W = 2/n · xᵀ(xW + b − y)); the Sequential chain
    and the functional (autograd) path agree; the weight survives save and load."""
    set_random_seed(0)
    if functional:
        inputs = Input(shape=(3,))
        model = Model(inputs, Dense(1, name="out")(inputs))
    else:
        model = Sequential([Dense(1, input_dim=3, name="out")])
    weights = {"out": 0.25} if loss_weights == "by name" else loss_weights
    model.compile(optimizer=SGD(learning_rate=0.1), loss="mse", loss_weights=weights)
    x, y = _data(8)
    w, b = [v.astype(np.float64) for v in model.get_weights()]
    err = x @ w + b - y
    loss = model.train_on_batch(x, y)
    assert loss == pytest.approx(0.25 * float(np.mean(err ** 2)), rel=1e-5)
    new_w, new_b = model.get_weights()
    np.testing.assert_allclose(new_w, w - 0.1 * 0.25 * 2 / 8 * x.T @ err, rtol=1e-5)
    np.testing.assert_allclose(new_b, b - 0.1 * 0.25 * 2 / 8 * err.sum(axis=0), rtol=1e-5)
    model.save(tmp_path / "m.safetensors")
    restored = load_model(tmp_path / "m.safetensors")
    assert restored._loss_weight == 0.25
    assert restored.evaluate(x, y, verbose=0) == pytest.approx(
        0.25 * float(np.mean((model.predict(x, verbose=0) - y) ** 2)), rel=1e-5)
