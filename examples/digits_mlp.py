"""An MLP reads the 8×8 handwritten digits shipped with shendu (fixed, seeded 80/20 split).

Run: ``python examples/digits_mlp.py [--epochs N]``. Prints ``test accuracy: 0.xxxx`` last;
with the default 30 epochs it reaches about 0.98 in well under a minute on a CPU
(seeds 0-3 gave 0.983, 0.989, 0.972, 0.986).
"""

from __future__ import annotations

import argparse

import numpy as np

from shendu.datasets import digits
from shendu.layers import BatchNormalization, Dense, Dropout, Input
from shendu.models import Sequential
from shendu.utils import set_random_seed


def standardize(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel z-scores with the training set's statistics (constant pixels left at 0)."""
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std == 0] = 1.0
    return ((x_train - mean) / std).astype("float32"), ((x_test - mean) / std).astype("float32")


def main(epochs: int = 30, seed: int = 0, verbose: int = 0) -> float:
    set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = digits.load_data(flatten=True)
    x_train, x_test = standardize(x_train.astype("float64"), x_test.astype("float64"))
    model = Sequential([
        Input(shape=(64,)),
        Dense(256, activation="relu"),
        BatchNormalization(),
        Dropout(0.3),
        Dense(128, activation="relu"),
        Dropout(0.3),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=verbose)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.seed, args.verbose)
