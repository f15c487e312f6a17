"""The Keras training API of Sequential: fit / History, validation_split, evaluate, predict,
accuracy resolution, summary(), the verbose=2 progress line, seeding, the seed's J(θ)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from shendu import backend, losses, metrics
from shendu.callbacks import Callback
from shendu.layers import Dense
from shendu.models import Sequential
from shendu.utils import set_random_seed


def _binary_data(n=100, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float32)
    return x, y


def _binary_model(features=4, metrics_=("accuracy",)):
    model = Sequential([Dense(8, activation="relu", input_dim=features),
                        Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam",
                  metrics=list(metrics_) if metrics_ else None)
    return model


def _forward_by_hand(model, x):
    """The network's output computed with NumPy from get_weights()."""
    h = np.asarray(x, dtype=np.float64)
    for layer in model.layers:
        kernel, bias = layer.get_weights()
        z = h @ kernel + bias
        h = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
             "linear": lambda v: v,
             "softmax": lambda v: np.exp(v) / np.exp(v).sum(-1, keepdims=True)}[
            layer.get_config()["activation"]](z)
    return h


# -- fit / History ----------------------------------------------------------------------------


def test_fit_returns_history_with_train_and_validation_keys():
    x, y = _binary_data()
    model = _binary_model()
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert model.history is history
    for key in ("accuracy", "val_accuracy"):
        assert all(0.0 <= a <= 1.0 for a in history.history[key])


def test_fit_with_validation_data():
    x, y = _binary_data()
    model = _binary_model()
    history = model.fit(x[:80], y[:80], epochs=2, validation_data=(x[80:], y[80:]), verbose=0)
    loss, accuracy = model.evaluate(x[80:], y[80:], verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(loss, rel=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy, rel=1e-6)


class _Recorder(Callback):
    def on_train_begin(self, logs=None):
        self.steps = self.params["steps"]


def test_validation_split_takes_the_last_fraction():
    x, y = _binary_data(n=100)
    model = _binary_model()
    recorder = _Recorder()
    history = model.fit(x, y, epochs=2, batch_size=10, validation_split=0.3, shuffle=False,
                        verbose=0, callbacks=[recorder])
    assert recorder.steps == 7  # 70 training samples in batches of 10
    val_loss, val_acc = model.evaluate(x[70:], y[70:], verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(val_loss, rel=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(val_acc, rel=1e-6)
    first_loss, _ = model.evaluate(x[:30], y[:30], verbose=0)
    assert first_loss != pytest.approx(val_loss, rel=1e-6)


def test_fit_loss_is_the_sample_weighted_mean_of_batch_losses():
    backend.set_floatx("float64")
    x, y = _binary_data(n=50)
    model = _binary_model()
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    model.optimizer.learning_rate = 0.0  # weights stay put, so the epoch loss is checkable
    history = model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(model.evaluate(x, y, verbose=0),
                                                       rel=1e-10)


# -- evaluate -------------------------------------------------------------------------------------


def test_evaluate_returns_a_number_without_metrics():
    x, y = _binary_data()
    model = _binary_model(metrics_=None)
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, float)
    p = np.clip(_forward_by_hand(model, x)[:, 0], 1e-7, 1 - 1e-7)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert result == pytest.approx(expected, rel=1e-4)


def test_evaluate_returns_a_list_with_metrics_and_a_dict_on_request():
    x, y = _binary_data()
    model = _binary_model()
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 2
    accuracy = np.mean((_forward_by_hand(model, x)[:, 0] > 0.5) == y)
    assert result[1] == pytest.approx(accuracy)
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(as_dict) == {"loss", "accuracy"}
    assert as_dict["loss"] == pytest.approx(result[0])
    assert as_dict["accuracy"] == pytest.approx(result[1])
    assert model.metrics_names == ["loss", "accuracy"]


def test_evaluate_does_not_depend_on_batch_size():
    x, y = _binary_data(n=37)
    model = _binary_model()
    a = model.evaluate(x, y, batch_size=5, verbose=0)
    b = model.evaluate(x, y, batch_size=64, verbose=0)
    np.testing.assert_allclose(a, b, rtol=1e-5)


# -- predict --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n,batch_size", [(1, 32), (20, 7), (64, 32), (65, 32)])
def test_predict_shapes_and_batching(n, batch_size):
    x, _ = _binary_data(n=n)
    model = _binary_model()
    out = model.predict(x, batch_size=batch_size, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (n, 1)
    np.testing.assert_allclose(out, _forward_by_hand(model, x), rtol=1e-5, atol=1e-6)


def test_predict_multi_output_shape():
    model = Sequential([Dense(5, activation="softmax", input_dim=3)])
    out = model.predict(np.ones((9, 3)), batch_size=4, verbose=0)
    assert out.shape == (9, 5)
    np.testing.assert_allclose(out.sum(axis=1), np.ones(9), rtol=1e-5)


# -- accuracy resolution --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loss,units,target,expected_cls",
    [
        ("binary_crossentropy", 1, "binary", metrics.BinaryAccuracy),
        ("mse", 1, "binary", metrics.BinaryAccuracy),
        ("sparse_categorical_crossentropy", 3, "labels", metrics.SparseCategoricalAccuracy),
        ("categorical_crossentropy", 3, "onehot", metrics.CategoricalAccuracy),
    ],
)
def test_accuracy_resolves_like_keras(loss, units, target, expected_cls):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    labels = rng.integers(0, units if units > 1 else 2, size=40)
    y = {"binary": labels.astype(np.float32), "labels": labels,
         "onehot": np.eye(max(units, 2))[labels].astype(np.float32)}[target]
    activation = "sigmoid" if units == 1 else "softmax"
    model = Sequential([Dense(units, activation=activation, input_dim=4)])
    model.compile(loss=loss, optimizer="sgd", metrics=["accuracy"])
    _, accuracy = model.evaluate(x, y, verbose=0)
    (metric,) = model.metrics
    assert type(metric) is expected_cls and metric.name == "accuracy"
    p = model.predict(x, verbose=0)
    by_hand = np.mean((p[:, 0] > 0.5) == labels) if units == 1 else np.mean(
        p.argmax(axis=1) == labels)
    assert accuracy == pytest.approx(by_hand)


# -- summary --------------------------------------------------------------------------------------


def test_summary_of_the_seed_network(capsys):
    model = Sequential()
    model.add(Dense(64, activation="relu", input_dim=100))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.summary()
    text = capsys.readouterr().out
    for layer, shape, params in zip(model.layers, ["(None, 64)", "(None, 32)", "(None, 1)"],
                                    ["6,464", "2,080", "33"]):
        row = next(line for line in text.splitlines() if f"{layer.name} (Dense)" in line)
        assert shape in row and params in row
    assert "Total params: 8,577" in text
    assert "Trainable params: 8,577" in text
    assert "Non-trainable params: 0" in text


# -- progress line --------------------------------------------------------------------------------

LINE = re.compile(
    r"^(\d+)/\1 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$"
)


def test_verbose_2_prints_one_keras_line_per_epoch(capsys):
    x, y = _binary_data(n=100)
    model = _binary_model()
    model.fit(x, y, epochs=2, batch_size=32, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    for line in (lines[1], lines[3]):
        match = LINE.match(line)
        assert match, line
        assert match.group(1) == "4"  # ceil(100 / 32) steps
    assert len(lines) == 4


def test_verbose_0_prints_nothing(capsys):
    x, y = _binary_data(n=20)
    model = _binary_model()
    model.fit(x, y, epochs=1, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


# -- determinism ----------------------------------------------------------------------------------


def _seeded_run(seed):
    set_random_seed(seed)
    x, y = _binary_data(n=64)
    model = _binary_model()
    history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0)
    return model.get_weights(), history.history


def test_set_random_seed_makes_runs_bit_for_bit_identical():
    w1, h1 = _seeded_run(7)
    w2, h2 = _seeded_run(7)
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert h1 == h2
    w3, _ = _seeded_run(8)
    assert not np.array_equal(w1[0], w3[0])


# -- the seed's J(θ) ------------------------------------------------------------------------------


def test_half_mean_squared_error_is_one_over_2m_sum_of_squares():
    backend.set_floatx("float64")
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.normal(size=(6, 1)), rng.normal(size=(6, 1))
    m = len(y_true)
    by_hand = np.sum((y_true - y_pred) ** 2) / (2 * m)
    value = losses.get("half_mean_squared_error")(y_true, y_pred)
    assert float(value.data) == pytest.approx(by_hand, rel=1e-12)
    # in a model: evaluate gives J(θ) of the predictions
    x = rng.normal(size=(m, 3))
    model = Sequential([Dense(1, input_dim=3)])
    model.compile(loss="half_mean_squared_error", optimizer="sgd")
    y_hat = model.predict(x, verbose=0)
    expected = np.sum((y_true - y_hat) ** 2) / (2 * m)
    assert model.evaluate(x, y_true, verbose=0) == pytest.approx(expected, rel=1e-12)


def test_half_mse_gradient_step_is_the_seed_update():
    # θ ← θ − η ∂J/∂θ with J = 1/(2m) Σ (y − ŷ)², ŷ = xW + b  →  ∂J/∂W = −xᵀ(y − ŷ)/m
    backend.set_floatx("float64")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    model = Sequential([Dense(1, input_dim=3)])
    model.compile(loss="half_mean_squared_error", optimizer="sgd")
    W, b = model.get_weights()
    residual = y - (x @ W + b)
    model.train_on_batch(x, y)
    W_new, b_new = model.get_weights()
    np.testing.assert_allclose(W_new, W + 0.01 * x.T @ residual / 8, rtol=1e-12)
    np.testing.assert_allclose(b_new, b + 0.01 * residual.sum(axis=0) / 8, rtol=1e-12)
