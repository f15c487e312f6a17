"""scikit-learn's MLPClassifier: one epoch per partial_fit (solver='adam', max_iter=1)."""

from __future__ import annotations

import time
import warnings

from common import Skip


def train(workload, x, y, epochs: int) -> dict:
    from sklearn.neural_network import MLPClassifier

    sizes = {"seed": (64, 32), "mnist-mlp": (256, 128)}
    if workload.name == "lstm-text":
        raise Skip("MLPClassifier has no embedding or recurrent layers")
    if workload.name not in sizes:
        raise Skip("MLPClassifier has no convolutional layers")
    # alpha=0: no L2 penalty (the other frameworks have none); epsilon as in Keras
    model = MLPClassifier(hidden_layer_sizes=sizes[workload.name], activation="relu",
                          solver="adam", batch_size=workload.batch_size, learning_rate_init=1e-3,
                          epsilon=1e-7, alpha=0.0, max_iter=1, shuffle=True, random_state=0)
    labels = y.astype("int64")
    classes = sorted(set(labels.tolist()))
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(1 + epochs):
            t0 = time.perf_counter()
            model.partial_fit(x, labels, classes=classes)
            times.append(time.perf_counter() - t0)
    return {"epoch_s": times, "loss": float(model.loss_), "accuracy": float(model.score(x, labels))}
