"""Models: Sequential (and the Model base with the training loop).

>>> from shendu.models import Sequential
>>> Sequential().layers
[]
"""

from .model import Model
from .sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True):
    """Rebuild a model written by ``model.save`` (see shendu.saving.model_file)."""
    from ..saving.model_file import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile)


__all__ = ["Model", "Sequential", "load_model"]
