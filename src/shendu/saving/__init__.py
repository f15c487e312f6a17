"""Model files that cannot run code, and the registry of user classes they may name.

>>> from shendu.saving import register_serializable, load_model, save_model
>>> callable(register_serializable())
True
"""

from .model_file import load_model, load_weights, save_model, save_weights
from .registry import (
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    register_serializable,
)

# keras.saving's names for the object (de)serializers, which live in shendu.utils
_FROM_UTILS = ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
               "get_custom_objects", "serialize_keras_object")


def __getattr__(name: str):
    if name in _FROM_UTILS:
        from ..utils import serialization

        return getattr(serialization, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["get_registered_name", "get_registered_object", "load_model", "load_weights",
           "register_keras_serializable", "register_serializable", "save_model",
           "save_weights", *_FROM_UTILS]
