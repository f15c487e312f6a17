"""The only place a custom class is found again when loading: filled in explicitly by the user.

>>> from shendu.layers import Layer
>>> from shendu.saving.registry import lookup, register_serializable
>>> @register_serializable(package="demo")
... class MyLayer(Layer):
...     pass
>>> lookup("demo>MyLayer") is MyLayer
True
"""

from __future__ import annotations

_REGISTRY: dict[str, object] = {}


def register_serializable(package: str = "Custom", name: str | None = None):
    """Decorator: make a class (or function) loadable by the name ``package>Name``."""

    def decorate(obj):
        key = f"{package}>{name or obj.__name__}"
        _REGISTRY[key] = obj
        _REGISTRY.setdefault(name or obj.__name__, obj)
        obj._registered_name = key
        return obj

    return decorate


def lookup(name):
    """The registered object for ``name``, or None. Nothing is imported."""
    return _REGISTRY.get(name) if isinstance(name, str) else None
