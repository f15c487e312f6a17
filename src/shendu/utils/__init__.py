"""Utilities, as ``keras.utils``: seeding for repeatable runs, array helpers (utils/arrays.py),
data sets of batches (PyDataset, windows over a series, folders of texts, images or WAV
files, splits), image files (with Pillow, when installed), file downloads, a progress bar,
packing of ``(x, y, sample_weight)``, and the registry and serialization of custom objects.

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
    "image_dataset_from_directory": ".utils.image_dataset",
    "load_img": ".utils.images",
    "img_to_array": ".utils.images",
    "array_to_img": ".utils.images",
    "save_img": ".utils.images",
    "audio_dataset_from_directory": ".utils.audio_dataset",
    "pack_x_y_sample_weight": ".utils.packing",
    "unpack_x_y_sample_weight": ".utils.packing",
    "get_custom_objects": ".utils.serialization",
    "custom_object_scope": ".utils.serialization",
    "CustomObjectScope": ".utils.serialization",
    "serialize_keras_object": ".utils.serialization",
    "deserialize_keras_object": ".utils.serialization",
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


__all__ = ["CustomObjectScope", "PyDataset", "Progbar", "Sequence", "array_to_img",
           "audio_dataset_from_directory", "clear_session", "custom_object_scope",
           "deserialize_keras_object", "extract_archive", "get_custom_objects", "get_file",
           "get_registered_name", "get_registered_object", "image_dataset_from_directory",
           "img_to_array", "load_img", "normalize", "pack_x_y_sample_weight", "pad_sequences",
           "register_keras_serializable", "save_img", "serialize_keras_object",
           "set_random_seed", "split_dataset", "text_dataset_from_directory",
           "timeseries_dataset_from_array", "to_categorical", "unpack_x_y_sample_weight"]
