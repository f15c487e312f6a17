"""shendu's side of the benchmark: Sequential + compile + fit, as a user writes it."""

from __future__ import annotations

import time

import numpy as np
from common import Skip, predict_result, time_calls


def build(workload: str):
    from shendu import layers as L
    from shendu.models import Sequential
    from shendu.optimizers import Adam

    if workload == "seed":
        model = Sequential([L.Dense(64, activation="relu", input_dim=100),
                            L.Dense(32, activation="relu"), L.Dense(1, activation="sigmoid")])
        loss = "binary_crossentropy"
    elif workload == "mnist-mlp":
        model = Sequential([L.Dense(256, activation="relu", input_dim=784),
                            L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")])
        loss = "sparse_categorical_crossentropy"
    elif workload == "mnist-cnn":
        missing = [n for n in ("Conv2D", "MaxPooling2D", "Flatten") if not hasattr(L, n)]
        if missing:
            raise Skip(f"shendu.layers has no {', '.join(missing)} yet")
        model = Sequential([L.Input(shape=(28, 28, 1)),
                            L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
                            L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
                            L.Flatten(), L.Dense(10, activation="softmax")])
        loss = "sparse_categorical_crossentropy"
    elif workload == "lstm-text":
        model = Sequential([L.Input(shape=(50,)), L.Embedding(1000, 64), L.LSTM(64),
                            L.Dense(1, activation="sigmoid")])
        loss = "binary_crossentropy"
    else:
        raise Skip(f"unknown workload {workload}")
    model.compile(optimizer=Adam(learning_rate=1e-3), loss=loss, metrics=["accuracy"])
    return model


def train(workload, x, y, epochs: int) -> dict:
    from shendu.callbacks import Callback
    from shendu.utils import set_random_seed

    set_random_seed(0)
    if workload.name == "mnist-cnn":
        x = x.reshape(-1, 28, 28, 1)
    model = build(workload.name)

    class EpochTimer(Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.t0)

    timer = EpochTimer()
    history = model.fit(x, y, batch_size=workload.batch_size, epochs=1 + epochs, shuffle=True,
                        verbose=0, callbacks=[timer])
    pred = model.predict(x, batch_size=1024, verbose=0)
    return {"epoch_s": timer.times, "loss": history.history["loss"][-1],
            "accuracy": _accuracy(pred, y)}


def _accuracy(pred, y) -> float:
    if pred.shape[-1] == 1:
        return float(((pred[:, 0] > 0.5) == (y > 0.5)).mean())
    return float((pred.argmax(-1) == y).mean())


def predict(x, calls: int, batch: int) -> dict:
    model = build("seed")
    one = x[:1]
    xs = x[:batch]
    one_sample = {"model.predict(x)": time_calls(lambda: model.predict(one, verbose=0), calls)}
    many = {"model.predict(x)": time_calls(
        lambda: model.predict(xs, batch_size=len(xs), verbose=0), 10, warmup=2)}
    assert np.isfinite(model.predict(one, verbose=0)).all()
    return predict_result(one_sample, many)
