"""The benchmark's workloads and data: defined once, read by every framework's runner.

The data is generated (seed workload) or decoded (MNIST) once by ``run.py`` with a fixed seed
and written to ``.npy`` files, so every framework reads the same bytes.
"""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass

import numpy as np

MNIST_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist10k")
SEED = 0


@dataclass(frozen=True)
class Workload:
    name: str
    data: str  # "seed" or "mnist"
    batch_size: int
    epochs_full: int  # measured epochs (after one warm-up epoch)
    epochs_quick: int
    samples_quick: int | None = None  # quick mode trains on the first N samples only

    def epochs(self, quick: bool) -> int:
        return self.epochs_quick if quick else self.epochs_full


TRAINING = {
    # 20,000 x 100 -> Dense 64 relu -> 32 relu -> 1 sigmoid, BCE, Adam, batch 32
    "seed": Workload("seed", "seed", 32, epochs_full=5, epochs_quick=2),
    # MNIST test set (10,000 x 784) -> 256 relu -> 128 relu -> 10 softmax, Adam, batch 128
    "mnist-mlp": Workload("mnist-mlp", "mnist", 128, epochs_full=5, epochs_quick=2),
    # Keras's MNIST convnet: Conv 32 3x3 relu, pool 2, Conv 64 3x3 relu, pool 2, flatten, Dense 10
    "mnist-cnn": Workload("mnist-cnn", "mnist", 64, epochs_full=2, epochs_quick=1,
                          samples_quick=1024),
    # issue 6: 4,000 x 50 token ids (vocab 1,000) -> Embedding 64 -> LSTM 64 -> 1 sigmoid, BCE,
    # Adam, batch 64
    "lstm-text": Workload("lstm-text", "lstm", 64, epochs_full=3, epochs_quick=1,
                          samples_quick=1024),
}

PREDICT_CALLS_FULL = 1000  # one-sample calls
PREDICT_CALLS_QUICK = 100
PREDICT_BATCH = 10_000  # throughput: this many samples in one call


def make_seed_data(n: int = 20_000, d: int = 100, seed: int = SEED):
    """A fixed binary problem: a noisy linear rule with a mild non-linearity."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w = rng.standard_normal(d) / np.sqrt(d)
    score = 3.0 * (x @ w) + 0.5 * np.sin(3.0 * x[:, 0]) + 0.3 * rng.standard_normal(n)
    y = (score > 0).astype(np.float32)
    return x, y


def make_lstm_text_data(n: int = 4_000, length: int = 50, vocab: int = 1_000,
                        seed: int = SEED):
    """Token sequences labelled 1 when 'positive' tokens (ids 1-50) outnumber 'negative' ones
    (ids 51-100); ids 101+ are neutral. Positive/negative tokens are oversampled so the counts
    vary and the rule is learnable."""
    rng = np.random.default_rng(seed)
    x = rng.integers(101, vocab, size=(n, length))
    mask = rng.random((n, length)) < 0.2
    x[mask] = rng.integers(1, 101, size=int(mask.sum()))
    pos = ((x >= 1) & (x <= 50)).sum(1)
    neg = ((x >= 51) & (x <= 100)).sum(1)
    y = (pos > neg).astype(np.float32)
    return x.astype(np.int64), y


def _read_idx_gz(path: str) -> np.ndarray:
    """Decode an IDX file (gzip-compressed): magic, dims as big-endian uint32, then uint8 data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {raw[:4]!r})")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist10k(directory: str = MNIST_DIR):
    """The 10,000 MNIST test images as float32 in [0, 1], flattened to 784, and int64 labels."""
    images = _read_idx_gz(os.path.join(directory, "t10k-images-idx3-ubyte.gz"))
    labels = _read_idx_gz(os.path.join(directory, "t10k-labels-idx1-ubyte.gz"))
    x = (images.reshape(len(images), -1).astype(np.float32) / 255.0)
    return x, labels.astype(np.int64)


def write_data(directory: str) -> dict:
    """Write every data set as .npy files into ``directory``; returns their paths."""
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for name, (x, y) in (("seed", make_seed_data()), ("mnist", load_mnist10k()),
                          ("lstm", make_lstm_text_data())):
        px, py = os.path.join(directory, f"{name}_x.npy"), os.path.join(directory, f"{name}_y.npy")
        np.save(px, x)
        np.save(py, y)
        paths[name] = (px, py)
    return paths


def read_data(directory: str, name: str, samples: int | None = None):
    x = np.load(os.path.join(directory, f"{name}_x.npy"))
    y = np.load(os.path.join(directory, f"{name}_y.npy"))
    if samples:
        x, y = x[:samples], y[:samples]
    return x, y
