"""The only place a custom class is found again when loading: filled in explicitly by the user.

``register_keras_serializable`` is Keras's name for :func:`register_serializable`; both put an
object under ``"package>Name"`` (and its bare name, if free).

>>> from shendu.layers import Layer
>>> from shendu.saving.registry import lookup, register_serializable
>>> @register_serializable(package="demo")
... class MyLayer(Layer):
...     pass
>>> lookup("demo>MyLayer") is MyLayer
True
>>> get_registered_name(MyLayer), get_registered_object("demo>MyLayer") is MyLayer
('demo>MyLayer', True)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..errors import ArgumentError

_REGISTRY: dict[str, object] = {}
T = TypeVar("T")


def _key_part(value, arg: str, where: str) -> str:
    if not isinstance(value, str) or not value or ">" in value:
        raise ArgumentError(
            f"{where}: {arg} must be a non-empty str without '>', got {value!r}. Hint: the "
            "object is registered as 'package>name', e.g. package='my_package'."
        )
    return value


def register_serializable(package: str = "Custom",
                          name: str | None = None) -> Callable[[T], T]:
    """Decorator: make a class (or function) loadable by the name ``package>Name``.

    A class must have ``get_config`` (every shendu Layer, Loss, Metric... has one), since its
    config is what a file stores.
    """
    where = "register_serializable"
    _key_part(package, "package", where)
    if name is not None:
        _key_part(name, "name", where)

    def decorate(obj):
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ArgumentError(
                f"{where}: class {obj.__name__} has no get_config(), so it cannot be saved and "
                "found again. Hint: subclass shendu.layers.Layer (or define get_config "
                "returning the constructor's arguments)."
            )
        if not callable(obj):
            raise ArgumentError(
                f"{where}: expected a class or a function, got {type(obj).__name__} "
                f"({obj!r}). Hint: use it as a decorator on a class or def."
            )
        key = f"{package}>{name or obj.__name__}"
        _REGISTRY[key] = obj
        _REGISTRY.setdefault(name or obj.__name__, obj)
        obj._registered_name = key
        return obj

    return decorate


def register_keras_serializable(package: str = "Custom",
                                name: str | None = None) -> Callable[[T], T]:
    """Keras's ``register_keras_serializable``: the same as :func:`register_serializable`.

    >>> @register_keras_serializable("demo_fn")
    ... def double(x):
    ...     return 2 * x
    >>> get_registered_name(double)
    'demo_fn>double'
    """
    return register_serializable(package=package, name=name)


def get_registered_name(obj: Any) -> str:
    """The name ``obj`` is registered under (``"package>Name"``), else its ``__name__``, as
    Keras's ``get_registered_name``. A subclass of a registered class has its own name.

    >>> get_registered_name(len)
    'len'
    """
    own = obj.__dict__.get("_registered_name") if hasattr(obj, "__dict__") else None
    if own is not None and _REGISTRY.get(own) is obj:
        return own
    return obj.__name__


def get_registered_object(name: str, custom_objects: Mapping[str, Any] | None = None,
                          module_objects: Mapping[str, Any] | None = None) -> Any:
    """The object registered as ``name``, else ``custom_objects[name]``, else
    ``module_objects[name]``, else None (Keras's order, without its custom-object scopes).

    >>> get_registered_object("nowhere>Nothing") is None
    True
    >>> get_registered_object("f", custom_objects={"f": abs}) is abs
    True
    """
    if not isinstance(name, str):
        raise ArgumentError(
            f"get_registered_object: name must be a str, got {type(name).__name__} ({name!r}). "
            "Hint: the registered name, e.g. 'my_package>MyLayer'."
        )
    for table in (_REGISTRY, custom_objects, module_objects):
        if table and name in table:
            return table[name]
    return None


def lookup(name):
    """The registered object for ``name``, or None. Nothing is imported."""
    return _REGISTRY.get(name) if isinstance(name, str) else None
