"""Utilities, as ``keras.utils``: seeding for repeatable runs, array helpers (utils/arrays.py),
data sets of batches (PyDataset, windows over a series, folders of texts, splits), file
downloads, a progress bar, and the registry of custom classes.

The helpers beyond seeding and arrays load the first time their name is used, so
``import shendu.utils`` stays cheap.

>>> from shendu.utils import set_random_seed, to_categorical
>>> set_random_seed(0)
>>> to_categorical([1, 0]).tolist()
[[0.0, 1.0], [1.0, 0.0]]
"""

from __future__ import annotations

import importlib
import random

import numpy as np

from .. import backend
from ..data.sources import PyDataset, Sequence
from .arrays import normalize, pad_sequences, to_categorical

# name -> module (relative to shendu) that holds it; loaded on first use
_LAZY = {
    "Progbar": ".utils.progbar",
    "get_file": ".utils.files",
    "extract_archive": ".utils.files",
    "timeseries_dataset_from_array": ".utils.timeseries",
    "text_dataset_from_directory": ".utils.text_dataset",
    "split_dataset": ".utils.split",
    "register_keras_serializable": ".saving.registry",
    "get_registered_name": ".saving.registry",
    "get_registered_object": ".saving.registry",
}


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


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], "shendu"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'shendu.utils' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


__all__ = ["PyDataset", "Progbar", "Sequence", "clear_session", "extract_archive", "get_file",
           "get_registered_name", "get_registered_object", "normalize", "pad_sequences",
           "register_keras_serializable", "set_random_seed", "split_dataset",
           "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical"]
