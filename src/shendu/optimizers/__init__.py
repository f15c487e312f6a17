"""Optimizers on one flat parameter buffer, with Keras's names, formulas and defaults.

>>> from shendu import optimizers
>>> optimizers.get("adam").learning_rate
0.001
"""

from __future__ import annotations

from ..errors import unknown_name
from .adam import Adam
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

ALL: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def get(identifier) -> Optimizer:
    """An optimizer from a name ('adam'), a config dict or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = ALL.get(identifier.lower())
        if cls is None:
            raise unknown_name("optimizer", identifier, ALL)
        return cls()
    if isinstance(identifier, dict):
        name = str(identifier.get("class_name", "")).lower()
        if name not in ALL:
            raise unknown_name("optimizer", identifier.get("class_name"), ALL)
        return ALL[name].from_config(identifier.get("config", {}))
    raise unknown_name("optimizer", identifier, ALL)


def serialize(optimizer: Optimizer) -> dict:
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


__all__ = ["SGD", "Adam", "RMSprop", "Optimizer", "get", "serialize"]
