"""IMDB movie reviews for sentiment: 25,000 training and 25,000 test reviews as word indices.

A. L. Maas et al., *Learning word vectors for sentiment analysis* (ACL 2011). Read from Keras's
``imdb.npz`` (downloaded when needed with a SHA-256 check); its object arrays are read with an
unpickler that can only rebuild arrays and lists (no code runs).

>>> from shendu.datasets import imdb
>>> imdb.URL.endswith("imdb.npz")
True
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import ArgumentError, DataError, FileFormatError
from ._resolve import local_or_download
from ._safe import load_npz

URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"


def _shuffled(x, y, rng):
    order = np.arange(len(x))
    rng.shuffle(order)
    return x[order], y[order]


def _drop_long(maxlen, x, y):
    keep = [i for i, seq in enumerate(x) if len(seq) < maxlen]
    return [x[i] for i in keep], y[keep]


def load_data(path: str | os.PathLike | None = "imdb.npz", num_words: int | None = None,
              skip_top: int = 0, maxlen: int | None = None, seed: int = 113,
              start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3,
              **kwargs):
    """Keras's ``imdb.load_data``: ``((x_train, y_train), (x_test, y_test))``.

    Each x is an object array of lists of word indices (word rank + ``index_from``, after a
    ``start_char``); y holds 0 (negative) or 1 (positive). Each split is shuffled with
    ``seed``; reviews of ``maxlen`` words or more are dropped; words ranked ``num_words`` or
    beyond, or below ``skip_top``, become ``oov_char`` (or are removed when it is None).
    ``path``: a local .npz, or a file name in ``$SHENDU_HOME/datasets`` (downloaded once).
    """
    if kwargs:
        raise ArgumentError(f"imdb.load_data: unknown keyword argument(s) {sorted(kwargs)}. "
                            "Hint: see Keras's imdb.load_data signature.")
    arrays = load_npz(local_or_download(path, URL, SHA256, "imdb.npz"))
    keys = ("x_train", "y_train", "x_test", "y_test")
    if not all(k in arrays for k in keys):
        raise FileFormatError(f"imdb.load_data: expected arrays {keys} in {os.fspath(path)!r}, "
                              f"found {sorted(arrays)}. Hint: pass Keras's imdb.npz.")
    rng = np.random.RandomState(seed)
    x_train, y_train = _shuffled(arrays["x_train"], arrays["y_train"], rng)
    x_test, y_test = _shuffled(arrays["x_test"], arrays["y_test"], rng)
    if start_char is not None:
        x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
        x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    elif index_from:
        x_train = [[w + index_from for w in x] for x in x_train]
        x_test = [[w + index_from for w in x] for x in x_test]
    else:
        x_train, x_test = [list(x) for x in x_train], [list(x) for x in x_test]
    if maxlen:
        x_train, y_train = _drop_long(maxlen, x_train, y_train)
        x_test, y_test = _drop_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise DataError(f"imdb.load_data: maxlen={maxlen} leaves no review in a split. "
                            "Hint: increase maxlen.")
    sequences = x_train + x_test
    if not num_words:
        num_words = max(max(x) for x in sequences if x)
    if oov_char is not None:
        sequences = [[w if skip_top <= w < num_words else oov_char for w in x]
                     for x in sequences]
    else:
        sequences = [[w for w in x if skip_top <= w < num_words] for x in sequences]
    split = len(x_train)
    return ((_object_array(sequences[:split]), np.asarray(y_train)),
            (_object_array(sequences[split:]), np.asarray(y_test)))


def _object_array(sequences) -> np.ndarray:
    out = np.empty(len(sequences), dtype=object)
    for i, seq in enumerate(sequences):
        out[i] = seq
    return out
