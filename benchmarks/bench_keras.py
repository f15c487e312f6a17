"""Keras 3 on its TensorFlow backend: Sequential + compile + fit, as in Keras's own examples."""

from __future__ import annotations

import os
import time

from common import Skip, predict_result, time_calls

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def set_threads(threads: int) -> None:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def build(workload: str):
    import keras
    from keras import layers as L

    if workload == "seed":
        model = keras.Sequential([keras.Input((100,)), L.Dense(64, activation="relu"),
                                  L.Dense(32, activation="relu"), L.Dense(1, activation="sigmoid")])
        loss = "binary_crossentropy"
    elif workload == "mnist-mlp":
        model = keras.Sequential([keras.Input((784,)), L.Dense(256, activation="relu"),
                                  L.Dense(128, activation="relu"),
                                  L.Dense(10, activation="softmax")])
        loss = "sparse_categorical_crossentropy"
    elif workload == "mnist-cnn":
        model = keras.Sequential([keras.Input((28, 28, 1)),
                                  L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
                                  L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
                                  L.Flatten(), L.Dense(10, activation="softmax")])
        loss = "sparse_categorical_crossentropy"
    elif workload == "lstm-text":
        model = keras.Sequential([keras.Input((50,)), L.Embedding(1000, 64), L.LSTM(64),
                                  L.Dense(1, activation="sigmoid")])
        loss = "binary_crossentropy"
    else:
        raise Skip(f"unknown workload {workload}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=loss,
                  metrics=["accuracy"])
    return model


def train(workload, x, y, epochs: int) -> dict:
    import keras

    keras.utils.set_random_seed(0)
    if workload.name == "mnist-cnn":
        x = x.reshape(-1, 28, 28, 1)
    model = build(workload.name)

    class EpochTimer(keras.callbacks.Callback):
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
    if pred.shape[-1] == 1:
        accuracy = float(((pred[:, 0] > 0.5) == (y > 0.5)).mean())
    else:
        accuracy = float((pred.argmax(-1) == y).mean())
    return {"epoch_s": timer.times, "loss": float(history.history["loss"][-1]),
            "accuracy": accuracy}


def predict(x, calls: int, batch: int) -> dict:
    model = build("seed")
    one = x[:1]
    xs = x[:batch]
    # Keras's predict costs tens of ms a call: time fewer calls so the run stays short
    slow_calls = max(10, calls // 20)
    one_sample = {
        "model.predict(x)": time_calls(lambda: model.predict(one, verbose=0), slow_calls, 3),
        "model(x)": time_calls(lambda: model(one, training=False).numpy(), calls),
    }
    many = {
        "model.predict(x)": time_calls(
            lambda: model.predict(xs, batch_size=len(xs), verbose=0), 10, warmup=2),
        "model(x)": time_calls(lambda: model(xs, training=False).numpy(), 10, warmup=2),
    }
    return predict_result(one_sample, many)
