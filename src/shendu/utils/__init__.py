"""Utilities, as ``keras.utils``: seeding for repeatable runs, array helpers (utils/arrays.py),
data sets of batches (PyDataset, windows over a series, folders of texts, images or WAV
files, splits), image files (with Pillow, when installed), file downloads, a progress bar,
packing of ``(x, y, sample_weight)``, the registry and serialization of custom objects, and
Keras's small helpers: ``Config``, ``standardize_dtype``, ``is_keras_tensor``,
``get_source_inputs``, the interactive logging switch (the same functions as
``shendu.config``'s), and ``plot_model``/``model_to_dot``, which only say what they would need
(shendu draws no models). Keras's FeatureSpace and the ``legacy`` and ``bounding_boxes``
submodules are not here.

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
    "Config": ".utils.attr_config",
    "get_source_inputs": ".utils.tensor_utils",
    "is_keras_tensor": ".utils.tensor_utils",
    "standardize_dtype": ".utils.tensor_utils",
    "enable_interactive_logging": ".utils.io_utils",
    "disable_interactive_logging": ".utils.io_utils",
    "is_interactive_logging_enabled": ".utils.io_utils",
    "plot_model": ".utils.model_visualization",
    "model_to_dot": ".utils.model_visualization",
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


__all__ = ["Config", "CustomObjectScope", "PyDataset", "Progbar", "Sequence", "array_to_img",
           "audio_dataset_from_directory", "clear_session", "custom_object_scope",
           "deserialize_keras_object", "disable_interactive_logging",
           "enable_interactive_logging", "extract_archive", "get_custom_objects", "get_file",
           "get_registered_name", "get_registered_object", "get_source_inputs",
           "image_dataset_from_directory", "img_to_array", "is_interactive_logging_enabled",
           "is_keras_tensor", "load_img", "model_to_dot", "normalize", "pack_x_y_sample_weight",
           "pad_sequences", "plot_model", "register_keras_serializable", "save_img",
           "serialize_keras_object", "set_random_seed", "split_dataset", "standardize_dtype",
           "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical",
           "unpack_x_y_sample_weight"]
