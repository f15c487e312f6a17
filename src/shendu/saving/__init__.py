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

__all__ = ["get_registered_name", "get_registered_object", "load_model", "load_weights",
           "register_keras_serializable", "register_serializable", "save_model", "save_weights"]
