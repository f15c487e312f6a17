"""Models: Sequential (and the Model base with the training loop).

>>> from shendu.models import Sequential
>>> Sequential().layers
[]
"""

from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential"]
