"""Models: Sequential (and the Model base with the training loop).

>>> from shendu.models import Sequential
>>> Sequential().layers
[]
"""

from ..layers import register as _register_layer_classes
from .functional import Functional
from .model import Model
from .sequential import Sequential

_register_layer_classes(Sequential, Functional)  # models nest as layers in saved configs


def model_from_json(json_string: str, custom_objects: dict | None = None):
    """Rebuild a (new, freshly initialised) model from :meth:`Model.to_json`'s string.

    Defined here so that ``import shendu.models`` does not load :mod:`json` until it is used.
    """
    from .json import model_from_json as _from_json

    return _from_json(json_string, custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, custom_objects=None):
    """A new model with ``model``'s architecture and new weights (see shendu.models.json)."""
    from .json import clone_model as _clone

    return _clone(model, input_tensors=input_tensors, clone_function=clone_function,
                  custom_objects=custom_objects)


def load_model(filepath, custom_objects=None, compile=True):
    """Rebuild a model written by ``model.save`` (see shendu.saving.model_file)."""
    from ..saving.model_file import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json"]
