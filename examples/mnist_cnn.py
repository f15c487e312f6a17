"""A convnet reads handwritten digits: the Keras MNIST example on 8,000 training images.

Trains on the first 8,000 images of ``../shared/data/mnist10k`` (the MNIST test set, IDX gzip)
and tests on the last 2,000. Model (Keras's "simple MNIST convnet"): Conv2D 32 3×3 relu →
MaxPooling2D 2 → Conv2D 64 3×3 relu → MaxPooling2D 2 → Flatten → Dropout 0.5 → Dense 10
softmax, Adam, batch 64.

Run: ``python examples/mnist_cnn.py [--epochs N] [--limit N] [--data FOLDER]``. Prints
``test accuracy: 0.xxxx`` last. The defaults (8 epochs) reached 0.983–0.988 over seeds 0–2
in about 10 s on 2 cores (6 epochs gave 0.980–0.985: too close to the 0.98 the issue asks).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from shendu.datasets.mnist import load_split
from shendu.layers import Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D
from shendu.models import Sequential
from shendu.utils import set_random_seed

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SHENDU_SHARED_DATA", ROOT.parent / "shared" / "data")) / "mnist10k"
TRAIN = 8000


def build_model() -> Sequential:
    return Sequential([
        Input(shape=(28, 28, 1)),
        Conv2D(32, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Conv2D(64, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Flatten(),
        Dropout(0.5),
        Dense(10, activation="softmax"),
    ])


def main(epochs: int = 8, limit: int = TRAIN, data: str | os.PathLike = DATA, seed: int = 0,
         verbose: int = 0) -> float:
    set_random_seed(seed)
    images, labels = load_split(data, "t10k")
    x = (images.astype("float32") / 255.0)[..., None]
    x_train, y_train = x[:min(limit, TRAIN)], labels[:min(limit, TRAIN)]
    x_test, y_test = x[TRAIN:], labels[TRAIN:]
    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, verbose=verbose)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    print(f"test accuracy: {accuracy:.4f}")
    return float(accuracy)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--limit", type=int, default=TRAIN, help="training images (≤ 8000)")
    parser.add_argument("--data", default=str(DATA), help="folder with the t10k IDX files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    np.seterr(all="ignore")
    main(args.epochs, args.limit, args.data, args.seed, args.verbose)
