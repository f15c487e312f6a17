"""Keras layers, and the registry used to rebuild them from a config (never by import path).

>>> from shendu.layers import Dense, deserialize, serialize
>>> deserialize(serialize(Dense(8, name="d8"))).units
8
"""

from __future__ import annotations

from ..errors import unknown_name
from .base import Layer, Variable
from .core import Activation, Dense, Input, InputLayer

BUILTIN: dict[str, type[Layer]] = {
    cls.__name__: cls for cls in (Activation, Dense, InputLayer)
}


def register(*classes: type[Layer]) -> None:
    """Add built-in layer classes to the registry (used by the layer modules)."""
    for cls in classes:
        BUILTIN[cls.__name__] = cls


def serialize(layer: Layer) -> dict:
    """{'class_name', 'config'}; a registered class is named by its registered key."""
    name = type(layer).__dict__.get("_registered_name") or type(layer).__name__
    return {"class_name": name, "config": layer.get_config()}


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """Rebuild a layer from ``serialize``'s dict; the class must be built in or registered."""
    name = config.get("class_name") if isinstance(config, dict) else None
    cls = (custom_objects or {}).get(name) or BUILTIN.get(name)
    if cls is None:
        try:
            from ..saving import registry
        except ImportError:  # pragma: no cover - saving is part of the package
            registry = None
        cls = registry.lookup(name) if registry is not None else None
    if cls is None:
        raise unknown_name("layer class", name, BUILTIN,
                           hint="Hint: register custom layers with "
                                "shendu.saving.register_serializable().")
    cfg = dict(config.get("config", {}))
    if hasattr(cls, "from_config") and "layers" in cfg:
        return cls.from_config(cfg, custom_objects)
    return cls.from_config(cfg)


__all__ = ["Activation", "Dense", "Input", "InputLayer", "Layer", "Variable", "deserialize",
           "register", "serialize"]
