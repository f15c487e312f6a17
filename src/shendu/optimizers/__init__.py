"""Optimizers on one flat parameter buffer, with Keras's names, formulas and defaults.

Each optimizer's module loads on first use (``from shendu.optimizers import Adam``,
``optimizers.get("adam")``, ``optimizers.ALL``), so ``import shendu`` loads none of them.

>>> from shendu import optimizers
>>> optimizers.get("adam").learning_rate
0.001
>>> type(optimizers.get({"class_name": "AdamW", "config": {"weight_decay": 0.01}})).__name__
'AdamW'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ..errors import ArgumentError, unknown_name

if TYPE_CHECKING:
    from .base import Optimizer

# module -> the optimizer classes it holds (in Keras's order of ALL)
_MODULES: dict[str, tuple[str, ...]] = {
    "sgd": ("SGD",), "rmsprop": ("RMSprop",), "adagrad": ("Adagrad",),
    "adadelta": ("Adadelta",), "adam": ("Adam", "AdamW"), "adamax": ("Adamax",),
    "nadam": ("Nadam",), "ftrl": ("Ftrl",), "lion": ("Lion",), "adafactor": ("Adafactor",),
    "lamb": ("Lamb",), "muon": ("Muon",), "schedule_free": ("ScheduleFreeAdamW",),
}
# optimizers that wrap another: loadable from a config, but not in ALL nor made from a name alone
_WRAPPERS = {"LossScaleOptimizer": "loss_scale"}
_CLASSES = {name: module for module, names in _MODULES.items() for name in names}
_CLASSES_AND_WRAPPERS = {**_CLASSES, **_WRAPPERS}
_CUSTOM: dict[str, type[Optimizer]] = {}


def _load(name: str):
    """Import the module holding ``name`` (an optimizer class, or ``Optimizer``/``schedules``)."""
    if name == "schedules":
        value = importlib.import_module(f"{__name__}.schedules")
    elif name == "Optimizer":
        value = importlib.import_module(f"{__name__}.base").Optimizer
    else:
        value = getattr(importlib.import_module(f"{__name__}.{_CLASSES_AND_WRAPPERS[name]}"),
                        name)
    globals()[name] = value
    return value


def _all() -> dict[str, type[Optimizer]]:
    """Every built-in optimizer class by lower-case name (loads them all)."""
    table = {name.lower(): globals().get(name) or _load(name) for name in _CLASSES}
    globals()["ALL"] = table
    return table


def __getattr__(name: str):
    if name in _CLASSES_AND_WRAPPERS or name in ("Optimizer", "schedules"):
        return _load(name)
    if name == "ALL":
        return _all()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


def register(cls: type[Optimizer]) -> type[Optimizer]:
    """Make a custom Optimizer subclass loadable by name (usable as a class decorator)."""
    _CUSTOM[cls.__name__.lower()] = cls
    return cls


def _lookup(name) -> type[Optimizer]:
    key = str(name).lower()
    builtin = {n.lower(): n for n in _CLASSES_AND_WRAPPERS}.get(key)
    cls = (globals().get(builtin) or _load(builtin)) if builtin else _CUSTOM.get(key)
    if cls is None:
        raise unknown_name("optimizer", name, {**_all(), **_CUSTOM},
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
    if isinstance(identifier, str):
        cls = _lookup(identifier)
        if cls.__name__ in _WRAPPERS:
            raise ArgumentError(
                f"optimizers.get: {identifier!r} wraps another optimizer, so a name alone cannot "
                f"make one. Hint: pass an instance, e.g. {cls.__name__}(Adam()).")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    from .base import Optimizer

    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise unknown_name("optimizer", identifier, _all(),
                       "Hint: pass a name such as 'adam', a config dict or an Optimizer.")


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}`` for :func:`deserialize`."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


__all__ = ["SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "AdamW", "Adamax", "Nadam", "Ftrl",
           "Lion", "Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW", "LossScaleOptimizer",
           "Optimizer", "schedules", "get", "serialize", "deserialize", "register", "ALL"]
