"""Callbacks: hook order, History, ProgbarLogger, EarlyStopping, TerminateOnNaN."""

import io
import math
import re

import numpy as np
import pytest

from shendu import callbacks
from shendu.callbacks import (
    Callback,
    CallbackList,
    EarlyStopping,
    History,
    ProgbarLogger,
    TerminateOnNaN,
)
from shendu.errors import ArgumentError
from shendu.layers import Dense
from shendu.models import Sequential
from shendu.optimizers import SGD


def _model(optimizer="sgd", metrics=None):
    model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(1)])
    model.compile(optimizer=optimizer, loss="mse", metrics=metrics)
    return model


def _data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


class Recorder(Callback):
    """Records every hook call as (name, epoch or batch index if any)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            calls = object.__getattribute__(self, "calls")
            return lambda *args, logs=None: calls.append(
                (name,) + tuple(a for a in args[:1] if isinstance(a, int)))
        return object.__getattribute__(self, name)


# Recorder overrides hooks dynamically; mark them as overridden for CallbackList's check.
for _hook in [h for h in vars(Callback) if h.startswith("on_")]:
    setattr(Recorder, _hook, lambda self, *args, logs=None: None)


class ScriptedLoss(Callback):
    """Replaces logs[key] at each epoch end by a scripted value and notes the weights then."""

    def __init__(self, values, key="loss"):
        super().__init__()
        self.values, self.key, self.weights = values, key, []

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]
        self.weights.append(self.model.get_weights())


# -- the hooks -----------------------------------------------------------------------------
def test_fit_calls_hooks_in_keras_order_with_model_and_params():
    model = _model()
    x, y = _data(8)
    rec = Recorder()
    model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0, callbacks=[rec],
              validation_data=(x[:4], y[:4]))
    epoch = [("on_epoch_begin", 0), ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
             ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
             ("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
             ("on_test_end",), ("on_epoch_end", 0)]
    second = [(c[0], 1) if c[0].startswith("on_epoch") else c for c in epoch]
    assert rec.calls == [("on_train_begin",)] + epoch + second + [("on_train_end",)]
    assert rec.model is model
    assert rec.params == {"epochs": 2, "steps": 2, "verbose": 0, "batch_size": 4}


def test_evaluate_and_predict_call_test_and_predict_hooks():
    model = _model()
    x, y = _data(6)
    rec = Recorder()
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[rec])
    assert rec.calls == [("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                         ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end",)]
    rec.calls.clear()

    class Outputs(Callback):
        def __init__(self):
            super().__init__()
            self.shapes = []

        def on_predict_batch_end(self, batch, logs=None):
            self.shapes.append(logs["outputs"].shape)

    outputs = Outputs()
    out = model.predict(x, batch_size=4, verbose=0, callbacks=[outputs])
    np.testing.assert_array_equal(out, model.predict(x, verbose=0))
    assert outputs.shapes == [(4, 1), (2, 1)]


def test_batch_logs_carry_running_loss_and_metrics():
    model = _model(metrics=["binary_accuracy"])
    x, y = _data(8)
    seen = []

    class Logs(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(dict(logs))

    model.fit(x, y, epochs=1, batch_size=4, verbose=0, callbacks=[Logs()])
    assert [sorted(logs) for logs in seen] == [["batch_loss", "binary_accuracy", "loss"]] * 2
    assert seen[0]["loss"] == seen[0]["batch_loss"]
    assert seen[1]["loss"] == pytest.approx((seen[0]["batch_loss"] + seen[1]["batch_loss"]) / 2)


def test_keras2_batch_hook_aliases_are_called():
    calls = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            calls.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            calls.append(("end", batch, sorted(logs)))

    model = _model()
    x, y = _data(8)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0, callbacks=[Old()])
    assert calls == [("begin", 0), ("end", 0, ["batch_loss", "loss"]), ("begin", 1),
                     ("end", 1, ["batch_loss", "loss"])]


def test_only_loss_reading_batch_callbacks_skip_metric_results():
    class Reads(Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    assert CallbackList([TerminateOnNaN()]).batch_metrics_needed is False
    assert CallbackList([TerminateOnNaN(), Reads()]).batch_metrics_needed is True
    assert CallbackList([History()]).batch_hooks_active is False


def test_history_records_every_epoch_and_is_set_on_the_model():
    model = _model(metrics=["binary_accuracy"])
    x, y = _data()
    history = model.fit(x, y, epochs=3, verbose=0, validation_split=0.25)
    assert isinstance(history, History) and model.history is history
    assert history.epoch == [0, 1, 2]
    assert sorted(history.history) == ["binary_accuracy", "loss", "val_binary_accuracy",
                                       "val_loss"]
    assert all(len(v) == 3 for v in history.history.values())
    assert history.history["loss"][-1] < history.history["loss"][0]


# -- ProgbarLogger ----------------------------------------------------------------------------
class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progbar_writes_one_line_per_epoch_when_not_a_terminal():
    model = _model()
    x, y = _data(8)
    out = io.StringIO()
    model.fit(x, y, epochs=2, batch_size=4, callbacks=[ProgbarLogger(stream=out)])
    lines = out.getvalue().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(r"2/2 - \d+s - \d+(us|ms|s)/step - loss: \d+\.\d{4}", lines[1])


def test_progbar_draws_a_tqdm_bar_on_a_terminal():
    model = _model()
    x, y = _data(8)
    out = _Tty()
    model.fit(x, y, epochs=1, batch_size=4, callbacks=[ProgbarLogger(stream=out)])
    text = out.getvalue()
    assert text.startswith("Epoch 1/1")
    assert "2/2" in text and "━" in text and "loss:" in text and "batch_loss" not in text


def test_verbose_two_prints_lines_even_on_a_terminal():
    model = _model()
    x, y = _data(8)
    out = _Tty()
    model.fit(x, y, epochs=1, batch_size=4, callbacks=[ProgbarLogger(verbose=2, stream=out)])
    assert "━" not in out.getvalue() and "2/2 - " in out.getvalue()


# -- EarlyStopping -----------------------------------------------------------------------------
# (losses seen at each epoch end, EarlyStopping arguments, epoch at which it stops or None)
EARLY_STOPPING = {
    "patience_2": ([1.0, 0.9, 0.95, 0.96, 0.97, 0.98], dict(patience=2), 3),
    "patience_0": ([1.0, 0.9, 0.95, 0.8, 0.7, 0.6], dict(patience=0), 2),
    "keeps_improving": ([1.0, 0.9, 0.8, 0.7, 0.6, 0.5], dict(patience=0), None),
    "min_delta_too_big": ([1.0, 0.9, 0.7, 0.65, 0.6, 0.55], dict(patience=1, min_delta=0.2), 1),
    "min_delta": ([1.0, 0.9, 0.7, 0.68, 0.6, 0.55], dict(patience=1, min_delta=0.05), 3),
    "negative_min_delta_is_its_size": ([1.0, 0.9, 0.7, 0.68, 0.6, 0.5],
                                       dict(patience=1, min_delta=-0.05), 3),
    "equal_is_no_improvement": ([1.0, 1.0, 1.0, 1.0, 1.0, 1.0], dict(patience=2), 2),
    "mode_max": ([0.5, 0.6, 0.6, 0.7, 0.8, 0.9], dict(patience=0, mode="max"), 2),
    "baseline_not_beaten": ([1.0, 0.9, 0.8, 0.8, 0.8, 0.8], dict(patience=2, baseline=0.5), 3),
    "no_baseline_same_losses": ([1.0, 0.9, 0.8, 0.8, 0.8, 0.8], dict(patience=2), 4),
    "baseline_beaten": ([0.4, 0.3, 0.2, 0.1, 0.05, 0.01], dict(patience=0, baseline=0.5), None),
    "start_from_epoch": ([1.0, 2.0, 3.0, 2.5, 2.6, 2.0], dict(patience=0, start_from_epoch=2), 4),
    "without_start_from_epoch": ([1.0, 2.0, 3.0, 2.5, 2.6, 2.0], dict(patience=0), 1),
}


@pytest.mark.parametrize("case", sorted(EARLY_STOPPING))
def test_early_stopping_on_a_constructed_loss_sequence(case):
    losses, kwargs, stop_epoch = EARLY_STOPPING[case]
    model = _model()
    x, y = _data(8)
    stopper = EarlyStopping(monitor="loss", **kwargs)
    history = model.fit(x, y, epochs=len(losses), verbose=0,
                        callbacks=[ScriptedLoss(losses), stopper])
    expected_epochs = len(losses) if stop_epoch is None else stop_epoch + 1
    assert len(history.epoch) == expected_epochs
    assert stopper.stopped_epoch == (stop_epoch or 0)


@pytest.mark.parametrize("stops", [True, False])
def test_early_stopping_restores_the_best_weights(stops):
    losses = [1.0, 0.5, 0.7, 0.8, 0.9] if stops else [1.0, 0.5, 0.7, 0.6, 0.55]
    model = _model()
    x, y = _data(8)
    script = ScriptedLoss(losses)
    stopper = EarlyStopping(monitor="loss", patience=2 if stops else 10,
                            restore_best_weights=True)
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[script, stopper])
    assert len(history.epoch) == (4 if stops else 5)
    assert stopper.best_epoch == 1 and stopper.best == 0.5
    for restored, best in zip(model.get_weights(), script.weights[1]):
        np.testing.assert_array_equal(restored, best)
    assert not np.array_equal(script.weights[1][0], script.weights[-1][0])  # it did move on


def test_early_stopping_without_restore_keeps_the_last_weights():
    model = _model()
    x, y = _data(8)
    script = ScriptedLoss([1.0, 0.5, 0.7, 0.8])
    model.fit(x, y, epochs=4, verbose=0,
              callbacks=[script, EarlyStopping(monitor="loss", patience=2)])
    np.testing.assert_array_equal(model.get_weights()[0], script.weights[-1][0])


def test_early_stopping_verbose_messages(capsys):
    model = _model()
    x, y = _data(8)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[
        ScriptedLoss([1.0, 0.5, 0.7, 0.8, 0.9]),
        EarlyStopping(monitor="loss", patience=2, restore_best_weights=True, verbose=1)])
    out = capsys.readouterr().out
    assert "Epoch 4: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out


def test_early_stopping_monitors_val_loss_by_default():
    model = _model()
    x, y = _data(16)
    stopper = EarlyStopping(patience=1)
    history = model.fit(x, y, epochs=4, verbose=0, validation_split=0.25, callbacks=[
        ScriptedLoss([1.0, 1.0, 1.0, 1.0], key="val_loss"), stopper])
    assert stopper.monitor == "val_loss" and len(history.epoch) == 2


@pytest.mark.parametrize("monitor, maximize", [
    ("loss", False), ("val_loss", False), ("val_accuracy", True), ("binary_accuracy", True),
    ("val_auc", True), ("mean_squared_error", False), ("val_mae", False),
])
def test_early_stopping_auto_mode_direction(monitor, maximize):
    stopper = EarlyStopping(monitor=monitor, min_delta=0.1)
    stopper.set_model(_model())
    stopper._set_monitor_op()
    assert stopper._is_improvement(1.2, 1.0) is maximize
    assert stopper._is_improvement(0.8, 1.0) is (not maximize)
    assert stopper._is_improvement(1.05, 1.0) is False  # within min_delta either way
    assert stopper._is_improvement(0.95, 1.0) is False


def test_early_stopping_auto_mode_uses_a_metric_direction():
    model = _model()

    class Score:
        name, _direction = "score", "up"

    model._metrics, model._weighted_metrics = [Score()], []
    stopper = EarlyStopping(monitor="val_score")
    stopper.set_model(model)
    stopper._set_monitor_op()
    assert stopper._is_improvement(2.0, 1.0)


@pytest.mark.parametrize("kwargs, words", [
    (dict(mode="up"), ["EarlyStopping", "mode", "'up'"]),
    (dict(patience=-1), ["EarlyStopping", "patience", "-1"]),
])
def test_early_stopping_bad_arguments(kwargs, words):
    with pytest.raises(ArgumentError) as info:
        EarlyStopping(**kwargs)
    assert all(word in str(info.value) for word in words)


def test_early_stopping_auto_mode_on_an_unknown_quantity_asks_for_a_mode():
    model = _model()
    x, y = _data(8)
    with pytest.raises(ArgumentError) as info:
        model.fit(x, y, epochs=2, verbose=0, callbacks=[
            ScriptedLoss([1.0, 2.0], key="weirdness"), EarlyStopping(monitor="weirdness")])
    assert "mode='max'" in str(info.value) and "'weirdness'" in str(info.value)


def test_early_stopping_warns_when_the_monitored_value_is_missing():
    model = _model()
    x, y = _data(8)
    with pytest.warns(UserWarning, match="val_loss"):
        history = model.fit(x, y, epochs=3, verbose=0, callbacks=[EarlyStopping(patience=0)])
    assert len(history.epoch) == 3


# -- TerminateOnNaN ------------------------------------------------------------------------------
def _exploding_fit(callbacks=None, epochs=20):
    """SGD with a huge learning rate: each step multiplies the error, the loss overflows."""
    model = _model(optimizer=SGD(learning_rate=50.0))
    x, y = _data(32)
    losses = []

    class BatchLosses(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            losses.append((self.epoch, batch, logs["batch_loss"]))

    with np.errstate(all="ignore"):
        history = model.fit(x, y, epochs=epochs, batch_size=8, verbose=0,
                            callbacks=[BatchLosses()] + list(callbacks or []))
    return model, history, losses


def test_terminate_on_nan_stops_at_the_first_bad_batch_and_names_it(capsys):
    stopper = TerminateOnNaN()
    _, history, losses = _exploding_fit([stopper])
    first_bad = next((e, b) for e, b, loss in losses if not math.isfinite(loss))
    assert (stopper.epoch, stopper.batch) == first_bad
    assert (losses[-1][0], losses[-1][1]) == first_bad  # not one batch more
    assert len(history.epoch) == first_bad[0] + 1 < 20
    out = capsys.readouterr().out
    assert f"Epoch {first_bad[0] + 1}, batch {first_bad[1]}: Invalid loss" in out
    assert "terminating training" in out


def test_terminate_on_nan_is_on_by_default(capsys):
    _, history, losses = _exploding_fit()
    assert not math.isfinite(losses[-1][2]) and len(history.epoch) < 20
    assert capsys.readouterr().out.count("Invalid loss") == 1


def test_terminate_on_nan_given_by_the_user_is_not_doubled(capsys):
    _exploding_fit([callbacks.TerminateOnNaN()])
    assert capsys.readouterr().out.count("Invalid loss") == 1


def test_terminate_on_nan_leaves_finite_training_alone():
    model = _model()
    x, y = _data(16)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[TerminateOnNaN()])
    assert len(history.epoch) == 3
