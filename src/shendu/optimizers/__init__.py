"""Optimizers on one flat parameter buffer, with Keras's names, formulas and defaults.

>>> from shendu import optimizers
>>> optimizers.get("adam").learning_rate
0.001
>>> type(optimizers.get({"class_name": "AdamW", "config": {"weight_decay": 0.01}})).__name__
'AdamW'
"""

from __future__ import annotations

from ..errors import unknown_name
from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .base import Optimizer
from .lion import Lion
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

ALL: dict[str, type[Optimizer]] = {
    cls.__name__.lower(): cls
    for cls in (SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW, Adamax, Nadam, Lion)}
_CUSTOM: dict[str, type[Optimizer]] = {}


def register(cls: type[Optimizer]) -> type[Optimizer]:
    """Make a custom Optimizer subclass loadable by name (usable as a class decorator)."""
    _CUSTOM[cls.__name__.lower()] = cls
    return cls


def _lookup(name) -> type[Optimizer]:
    key = str(name).lower()
    cls = ALL.get(key) or _CUSTOM.get(key)
    if cls is None:
        raise unknown_name("optimizer", name, {**ALL, **_CUSTOM},
                           "Hint: optimizers are named as in Keras, e.g. 'adam' or 'SGD'.")
    return cls


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """An optimizer from ``{"class_name": "Adam", "config": {...}}`` (Keras's form)."""
    if custom_objects and config.get("class_name") in custom_objects:
        cls = custom_objects[config["class_name"]]
    else:
        cls = _lookup(config.get("class_name"))
    return cls.from_config(dict(config.get("config", {})), custom_objects)


def get(identifier) -> Optimizer:
    """An optimizer from a name ('adam', 'Adam'), a config dict, a class or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise unknown_name("optimizer", identifier, ALL,
                       "Hint: pass a name such as 'adam', a config dict or an Optimizer.")


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}`` for :func:`deserialize`."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


__all__ = ["SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "AdamW", "Adamax", "Nadam", "Lion",
           "Optimizer", "schedules", "get", "serialize", "deserialize", "register"]
