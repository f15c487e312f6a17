"""ModelCheckpoint, CSVLogger, TensorBoard, LearningRateScheduler, ReduceLROnPlateau and
LambdaCallback: what each writes or changes, checked against hand-worked expectations."""

from __future__ import annotations

import csv
import os
import struct

import numpy as np
import pytest

from shendu.callbacks import (
    Callback,
    CSVLogger,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TensorBoard,
)
from shendu.errors import ArgumentError
from shendu.layers import Dense
from shendu.models import Sequential, load_model
from shendu.saving import model_file
from shendu.utils import set_random_seed


def _data(n=16):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, x @ np.array([[1.0], [-1.0], [2.0]], dtype="float32")


def _model(optimizer="sgd"):
    set_random_seed(0)
    model = Sequential([Dense(4, activation="relu", input_dim=3), Dense(1)])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model


class ScriptedLogs(Callback):
    """Overwrites a log value with a scripted sequence (one per epoch), before later callbacks."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


# -- ModelCheckpoint -------------------------------------------------------------------------
def test_checkpoint_formats_epoch_and_val_loss_and_saves_whole_model(tmp_path):
    x, y = _data()
    model = _model()
    pattern = str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.safetensors")
    model.fit(x, y, epochs=2, batch_size=4, validation_split=0.25, verbose=0,
              callbacks=[ModelCheckpoint(pattern)])
    logs = model.history.history
    expected = sorted(f"m-{e + 1:02d}-{v:.2f}.safetensors" for e, v in enumerate(logs["val_loss"]))
    assert sorted(os.listdir(tmp_path)) == expected
    restored = load_model(tmp_path / expected[-1])  # the last save holds the final weights
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert restored.optimizer.iterations == model.optimizer.iterations


@pytest.mark.parametrize("mode, values, saved_epochs", [
    ("min", [3.0, 2.0, 2.5, 1.0], [1, 2, 4]),
    ("max", [3.0, 2.0, 4.0, 1.0], [1, 3]),
    ("auto", [3.0, 2.0, 2.5, 1.0], [1, 2, 4]),  # 'val_loss' goes down
])
def test_checkpoint_save_best_only_follows_mode(tmp_path, mode, values, saved_epochs):
    x, y = _data()
    model = _model()
    ckpt = ModelCheckpoint(str(tmp_path / "best-{epoch}.safetensors"), monitor="val_loss",
                           mode=mode, save_best_only=True, save_weights_only=True)
    model.fit(x, y, epochs=4, verbose=0, callbacks=[ScriptedLogs("val_loss", values), ckpt])
    assert sorted(os.listdir(tmp_path)) == sorted(f"best-{e}.safetensors" for e in saved_epochs)
    _, metadata = model_file.read_file(tmp_path / f"best-{saved_epochs[0]}.safetensors")
    assert "config" not in metadata  # weights only


def test_checkpoint_initial_value_threshold_blocks_worse_values(tmp_path):
    x, y = _data()
    ckpt = ModelCheckpoint(str(tmp_path / "b{epoch}.safetensors"), monitor="val_loss",
                           save_best_only=True, initial_value_threshold=2.2)
    _model().fit(x, y, epochs=3, verbose=0,
                 callbacks=[ScriptedLogs("val_loss", [3.0, 2.0, 2.5]), ckpt])
    assert os.listdir(tmp_path) == ["b2.safetensors"]
    assert ckpt.best == 2.0


def test_checkpoint_integer_save_freq_counts_batches(tmp_path):
    x, y = _data(16)  # 4 batches of 4 per epoch, 8 in all: saves after batches 3 and 6
    ckpt = ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.safetensors"), save_freq=3,
                           save_weights_only=True)
    _model().fit(x, y, epochs=2, batch_size=4, verbose=0, callbacks=[ckpt])
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.safetensors", "e2-b2.safetensors"]


def test_checkpoint_missing_monitor_warns_and_skips(tmp_path):
    x, y = _data()
    ckpt = ModelCheckpoint(str(tmp_path / "m.safetensors"), save_best_only=True)
    with pytest.warns(UserWarning, match="val_loss"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[ckpt])
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kwargs, message", [
    ({"filepath": "m.safetensors", "mode": "up"}, "mode must be"),
    ({"filepath": "m.safetensors", "save_freq": 0}, "save_freq"),
])
def test_checkpoint_argument_errors(kwargs, message):
    with pytest.raises(ArgumentError, match=message):
        ModelCheckpoint(**kwargs)


def test_checkpoint_takes_a_keras_file_name_and_writes_a_model_file_under_it(tmp_path):
    """A Keras script's ModelCheckpoint("best.keras") runs, as model.save("m.keras") does;
    the file is shendu's safetensors model file and loads back."""
    from shendu.models import load_model

    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "best.keras"), monitor="loss")])
    restored = load_model(tmp_path / "best.keras")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_checkpoint_unknown_key_in_filepath_names_the_available_ones(tmp_path):
    x, y = _data()
    ckpt = ModelCheckpoint(str(tmp_path / "m-{val_acc}.safetensors"))
    with pytest.raises(ArgumentError, match="Available keys: epoch, loss, mae"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[ckpt])


# -- CSVLogger -------------------------------------------------------------------------------
def test_csv_logger_writes_one_row_per_epoch_and_appends(tmp_path):
    x, y = _data()
    path = tmp_path / "log.csv"
    model = _model()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path, separator=";")])
    history = model.history.history
    rows = list(csv.reader(path.open(), delimiter=";"))
    assert rows[0] == ["epoch", "loss", "mae"]
    assert [float(v) for v in rows[2][1:]] == [history["loss"][1], history["mae"][1]]
    assert [r[0] for r in rows[1:]] == ["0", "1"]
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path, separator=";", append=True)])
    rows = list(csv.reader(path.open(), delimiter=";"))
    assert len(rows) == 4 and rows[0][0] == "epoch" and rows[3][0] == "0"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path)])  # append=False: new file
    assert len(path.read_text().splitlines()) == 2
    assert [n for n in os.listdir(tmp_path) if n.endswith(".part")] == []  # written atomically


def test_csv_logger_marks_missing_values_na(tmp_path):
    x, y = _data()
    path = tmp_path / "log.csv"
    _model().fit(x, y, epochs=2, verbose=0, validation_data=(x, y), validation_freq=2,
                 callbacks=[CSVLogger(path)])
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["epoch", "loss", "mae"]  # keys of the first epoch fix the columns
    assert len(rows) == 3
    with pytest.raises(ArgumentError, match="separator"):
        CSVLogger(path, separator="::")


def test_csv_logger_missing_key_in_later_epoch_is_na(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.25})
    logger.on_epoch_end(1, {"loss": 0.125})
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "0,0.5,0.25", "1,0.125,NA"]
    logger.on_epoch_end(2, {"loss": np.array([0.5, 0.25]), "val_loss": np.float64(2.0)})
    assert list(csv.reader(path.open()))[-1] == ["2", "[0.5, 0.25]", "2.0"]  # per-class values


# -- LearningRateScheduler -------------------------------------------------------------------
def test_scheduler_sets_rate_before_each_epoch_and_logs_it():
    x, y = _data()
    model = _model()
    seen = []
    probe = LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(
        model.optimizer.learning_rate))
    sched = LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    model.fit(x, y, epochs=3, verbose=0, callbacks=[sched, probe])
    assert seen == [0.1, 0.05, 0.1 / 3]
    assert model.optimizer.learning_rate == 0.1 / 3


def test_scheduler_rejects_non_numbers():
    x, y = _data()
    with pytest.raises(ArgumentError, match="expected a finite float"):
        _model().fit(x, y, epochs=1, verbose=0,
                     callbacks=[LearningRateScheduler(lambda epoch, lr: "fast")])
    with pytest.raises(ArgumentError, match="schedule must be a function"):
        LearningRateScheduler(0.1)


# -- ReduceLROnPlateau -----------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, values, rates", [
    # patience 1: epochs 2 and 3 do not improve on 1.0 → reduce after epoch 2 and after epoch 3
    ({"patience": 1}, [1.0, 1.0, 1.0, 0.5], [0.1, 0.01, 0.001, 0.001]),
    # min_delta 0.2: 0.9 is no improvement on 1.0; patience 2 → reduce after epoch 3
    ({"patience": 2, "min_delta": 0.2}, [1.0, 0.9, 0.95, 0.95], [0.1, 0.1, 0.01, 0.01]),
    # Keras counts the cool-down down before testing it: cooldown 2 after the cut at epoch 2
    # leaves epoch 3 alone, epoch 4 waits (and cuts) again; cooldown 1 would skip nothing
    ({"patience": 1, "cooldown": 2}, [1.0, 1.0, 1.0, 1.0, 1.0],
     [0.1, 0.01, 0.01, 0.001, 0.001]),
    ({"patience": 1, "cooldown": 1}, [1.0, 1.0, 1.0], [0.1, 0.01, 0.001]),
    # min_lr stops the cuts at 0.05
    ({"patience": 1, "factor": 0.4, "min_lr": 0.05}, [1.0, 2.0, 2.0, 2.0],
     [0.1, 0.05, 0.05, 0.05]),
    # mode max: a falling value is no improvement
    ({"patience": 1, "mode": "max"}, [1.0, 0.5, 2.0, 1.0], [0.1, 0.01, 0.01, 0.001]),
])
def test_reduce_lr_on_plateau(kwargs, values, rates):
    x, y = _data()
    model = _model()
    model.optimizer.learning_rate = 0.1
    plateau = ReduceLROnPlateau(monitor="val_loss", **kwargs)
    seen: list = []
    after = LambdaCallback(on_epoch_end=lambda e, logs: seen.append(model.optimizer.learning_rate))
    model.fit(x, y, epochs=len(values), verbose=0,
              callbacks=[ScriptedLogs("val_loss", values), plateau, after])
    np.testing.assert_allclose(seen, rates, rtol=1e-12)


def test_reduce_lr_on_plateau_logs_rate_and_rejects_bad_factor():
    logs = {"val_loss": 1.0}
    model = _model()
    plateau = ReduceLROnPlateau()
    plateau.set_model(model)
    plateau.on_epoch_end(0, logs)
    assert logs["learning_rate"] == 0.01  # SGD's default rate
    with pytest.raises(ArgumentError, match="factor must be in"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ArgumentError, match="unknown argument"):
        ReduceLROnPlateau(epsilon=0.1)


# -- LambdaCallback --------------------------------------------------------------------------
def test_lambda_callback_calls_given_hooks_in_order():
    x, y = _data(8)
    events = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda e, logs: events.append(f"epoch_begin {e}"),
        on_train_batch_end=lambda b, logs: events.append(f"batch_end {b} {'loss' in logs}"),
        on_epoch_end=lambda e, logs: events.append(f"epoch_end {e} {sorted(logs)}"),
        on_train_end=lambda logs: events.append("train_end"),
        on_test_begin=lambda logs: events.append("test_begin"),
    )
    _model().fit(x, y, epochs=1, batch_size=4, verbose=0, callbacks=[cb])
    assert events == ["train_begin", "epoch_begin 0", "batch_end 0 True", "batch_end 1 True",
                      "epoch_end 0 ['loss', 'mae']", "train_end"]
    _model().evaluate(x, y, verbose=0, callbacks=[cb])
    assert events[-1] == "test_begin"


def test_lambda_callback_without_batch_hooks_leaves_batches_alone():
    from shendu.callbacks import CallbackList

    hooks = CallbackList([LambdaCallback(on_epoch_end=lambda e, logs: None)])
    assert not hooks.batch_hooks_active
    with pytest.raises(ArgumentError, match="unknown hook 'on_epoch_ends'"):
        LambdaCallback(on_epoch_ends=print)


# -- TensorBoard -----------------------------------------------------------------------------
def _read_scalars(folder):
    """{tag: [(step, value)]} from the TFRecord event files in ``folder``."""
    from tensorboardX.proto import event_pb2

    scalars: dict = {}
    for name in sorted(os.listdir(folder)):
        data = (folder / name).read_bytes()
        at = 0
        while at < len(data):
            (length,) = struct.unpack("<Q", data[at:at + 8])
            event = event_pb2.Event.FromString(data[at + 12:at + 12 + length])
            at += 12 + length + 4  # length, its crc, the record, its crc
            for value in event.summary.value:
                scalars.setdefault(value.tag, []).append((event.step, value.simple_value))
    return scalars


def test_tensorboard_writes_epoch_scalars_for_train_and_validation(tmp_path):
    pytest.importorskip("tensorboardX")  # in requirements-test.txt, so CI runs this
    x, y = _data()
    model = _model()
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.25,
                        callbacks=[TensorBoard(log_dir=tmp_path)])
    train = _read_scalars(tmp_path / "train")
    valid = _read_scalars(tmp_path / "validation")
    assert sorted(train) == ["epoch_learning_rate", "epoch_loss", "epoch_mae"]
    assert sorted(valid) == ["epoch_loss", "epoch_mae"]
    np.testing.assert_allclose([v for _, v in train["epoch_loss"]], history.history["loss"],
                               rtol=1e-6)
    np.testing.assert_allclose([v for _, v in valid["epoch_mae"]], history.history["val_mae"],
                               rtol=1e-6)
    assert [s for s, _ in train["epoch_loss"]] == [0, 1]


def test_tensorboard_batch_scalars_and_unsupported_arguments(tmp_path):
    pytest.importorskip("tensorboardX")
    x, y = _data(16)
    _model().fit(x, y, epochs=1, batch_size=4, verbose=0,
                 callbacks=[TensorBoard(log_dir=tmp_path, update_freq=2)])
    train = _read_scalars(tmp_path / "train")
    assert [s for s, _ in train["batch_loss"]] == [2, 4]
    per_class = TensorBoard(log_dir=tmp_path / "classes")
    per_class.set_model(_model())
    per_class.on_epoch_end(0, {"f1_score": np.array([0.25, 0.75])})
    per_class.on_train_end()
    scalars = _read_scalars(tmp_path / "classes" / "train")
    assert scalars["epoch_f1_score/0"] == [(0, 0.25)] and scalars["epoch_f1_score/1"] == [(0, 0.75)]
    with pytest.raises(ArgumentError, match="histogram_freq is not supported"):
        TensorBoard(histogram_freq=1)


def test_tensorboard_without_the_extra_names_it(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_writers(name, *args, **kwargs):
        if name in ("tensorboardX", "torch.utils.tensorboard"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_writers)
    x, y = _data()
    with pytest.raises(ArgumentError, match=r"shendu\[tensorboard\]"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(log_dir=tmp_path)])
