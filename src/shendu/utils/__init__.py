"""Utilities: seeding for repeatable runs, and keras.utils's array helpers (utils/arrays.py).

>>> from shendu.utils import set_random_seed, to_categorical
>>> set_random_seed(0)
>>> to_categorical([1, 0]).tolist()
[[0.0, 1.0], [1.0, 0.0]]
"""

from __future__ import annotations

import random

import numpy as np

from .. import backend
from ..data.sources import PyDataset, Sequence
from .arrays import normalize, pad_sequences, to_categorical


def set_random_seed(seed: int) -> None:
    """Seed every generator shendu draws from (weights, shuffling, dropout), plus Python's and
    NumPy's global ones, so a CPU run is bit-for-bit repeatable."""
    seed = int(seed)
    backend.set_seed(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))


def clear_session() -> None:
    """Keras's ``keras.utils.clear_session``: :func:`shendu.backend.clear_session`."""
    backend.clear_session()


__all__ = ["PyDataset", "Sequence", "clear_session", "normalize", "pad_sequences",
           "set_random_seed", "to_categorical"]
