"""The 8×8 handwritten digits shipped inside shendu: 1,797 images, values 0..16, 10 classes.

Source: *Optical Recognition of Handwritten Digits*, E. Alpaydin and C. Kaynak (1998), UCI
Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed CC BY 4.0 (the copy
scikit-learn ships). Each image counts the "on" pixels of a 32×32 bitmap in 4×4 blocks.
Stored as ``_data/digits.npz`` (uint8, about 45 KB), so it needs no download.

>>> from shendu.datasets import digits
>>> (x_train, y_train), (x_test, y_test) = digits.load_data()
>>> x_train.shape, x_test.shape, int(x_train.max())
((1438, 8, 8), (359, 8, 8), 16)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ArgumentError

DATA_FILE = Path(__file__).resolve().parent / "_data" / "digits.npz"
SEED = 0
TEST_SIZE = 0.2


def load_all(flatten: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 (images, labels), in the source's order; images (n, 8, 8) or (n, 64)."""
    with np.load(DATA_FILE) as f:
        images, labels = f["images"], f["labels"]
    return (images.reshape(len(images), -1) if flatten else images), labels


def stratified_split(labels: np.ndarray, test_size: float, seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices): ``round(test_size · n_c)`` of each class c to the test
    side, drawn with ``seed``; each side sorted."""
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        test.append(rng.permutation(members)[: int(round(test_size * len(members)))])
    test_idx = np.sort(np.concatenate(test))
    train_idx = np.setdiff1d(np.arange(len(labels)), test_idx)
    return train_idx, test_idx


def load_data(flatten: bool = False, *, test_size: float = TEST_SIZE, seed: int = SEED):
    """``((x_train, y_train), (x_test, y_test))``: the fixed, seeded, stratified 80/20 split.

    Images are uint8 in 0..16, shape (n, 8, 8), or (n, 64) with ``flatten=True``; labels uint8.
    The default ``test_size`` and ``seed`` give the split the examples and benchmarks use.
    """
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) \
            or not 0 < test_size < 1:
        raise ArgumentError(f"digits.load_data: test_size must be in (0, 1), got {test_size!r}. "
                            "Hint: the default 0.2 gives the standard 80/20 split.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"digits.load_data: seed must be an int >= 0, got {seed!r}. "
                            "Hint: the default seed=0 gives the standard split.")
    x, y = load_all(flatten)
    train_idx, test_idx = stratified_split(y, test_size, seed)
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])
