"""Spoken digits: log-mel spectrograms (MelSpectrogram, computed once) and a small CNN on FSDD.

Run: ``python examples/spoken_digits.py [--epochs N] [--limit N] [--data DIR]``. Uses the
official Free Spoken Digit Dataset split (recordings 0-4 of each speaker and digit are the test
set). Clips are cut or zero-padded to 6000 samples (0.75 s at 8 kHz), turned into 32 × 32
log-mel images, standardised with the training statistics, then classified by two Conv2D
blocks and a Dense head. Prints ``test accuracy: 0.xxxx`` last.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from shendu.datasets import fsdd
from shendu.layers import (
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Input,
    MaxPooling2D,
    MelSpectrogram,
)
from shendu.models import Sequential
from shendu.utils import set_random_seed

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"
SAMPLES = 6000


def features(clips: list[np.ndarray], mel: MelSpectrogram) -> np.ndarray:
    """(clips, mel bins, frames, 1) log-mel images of clips cut/padded to SAMPLES."""
    batch = np.zeros((len(clips), SAMPLES), dtype=np.float32)
    for i, clip in enumerate(clips):
        clip = clip[:SAMPLES]
        batch[i, :len(clip)] = clip
    return mel(batch).numpy()[..., None]


def main(epochs: int = 10, limit: int | None = None, seed: int = 0, data: Path = DATA,
         verbose: int = 0) -> float:
    set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = fsdd.load_data(data)
    if limit:
        order = np.random.default_rng(seed).permutation(len(x_train))[:limit]
        x_train, y_train = [x_train[i] for i in order], y_train[order]
    mel = MelSpectrogram(fft_length=256, sequence_stride=192, sampling_rate=8000,
                         num_mel_bins=32, min_freq=20.0, top_db=None, min_power=1e-8)
    f_train, f_test = features(x_train, mel), features(x_test, mel)
    mean, std = f_train.mean(), f_train.std()
    f_train, f_test = (f_train - mean) / std, (f_test - mean) / std
    model = Sequential([
        Input(shape=f_train.shape[1:]),
        Conv2D(16, 3, activation="relu"),
        MaxPooling2D(2),
        Conv2D(32, 3, activation="relu"),
        MaxPooling2D(2),
        Flatten(),
        Dropout(0.3),
        Dense(64, activation="relu"),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(f_train, y_train, batch_size=32, epochs=epochs, verbose=verbose)
    _, accuracy = model.evaluate(f_test, y_test, verbose=0)
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="use N training clips")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.limit, args.seed, args.data, args.verbose)
