"""Keras's object serialization: ``serialize_keras_object`` / ``deserialize_keras_object``,
``get_custom_objects`` and ``custom_object_scope``, on shendu's registry
(``saving/registry.py``).

An object becomes Keras 3's dict ``{"module", "class_name", "config", "registered_name"}``
(a function: ``class_name "function"`` and its name as the config). Turning a dict back
finds the class or function only among shendu's own (layers, models, optimizers and their
schedules, losses, metrics, initializers, regularizers, constraints, activations), in
``custom_objects``, in an open ``custom_object_scope`` or in the registry that
``register_keras_serializable`` fills: the ``module`` named in a config is never imported,
and no code stored in a config (Keras's ``__lambda__``) is ever run, whatever ``safe_mode``.

>>> from shendu import layers
>>> config = serialize_keras_object(layers.Dense(3, name="d"))
>>> config["module"], config["class_name"], config["config"]["units"]
('keras.layers', 'Dense', 3)
>>> deserialize_keras_object(config).units
3
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

import numpy as np

from ..errors import ArgumentError, UnknownNameError
from ..saving import registry

_WHERE = "deserialize_keras_object"


def get_custom_objects() -> dict:
    """The registry itself (a live dict): ``register_keras_serializable`` fills it, and a name
    put in it by hand is found when loading, as Keras's global custom objects.

    >>> def halve(x):
    ...     return x / 2
    >>> get_custom_objects()["halve"] = halve
    >>> deserialize_keras_object(serialize_keras_object(halve)) is halve
    True
    >>> del get_custom_objects()["halve"]
    """
    return registry._REGISTRY


class CustomObjectScope:
    """Within ``with custom_object_scope({"name": obj}):`` the names are found by
    :func:`deserialize_keras_object`, ``load_model`` and ``get_registered_object``; they are
    taken out again (and any entries they covered put back) on leaving. The scope is the
    process's, not one thread's.

    >>> with custom_object_scope({"Tripled": abs}):
    ...     registry.get_registered_object("Tripled") is abs
    True
    >>> registry.get_registered_object("Tripled") is None
    True
    """

    def __init__(self, custom_objects: Mapping | None) -> None:
        custom_objects = {} if custom_objects is None else custom_objects
        if not isinstance(custom_objects, Mapping) or not all(
                isinstance(k, str) for k in custom_objects):
            raise ArgumentError(
                f"custom_object_scope: custom_objects must be a dict of str names to classes "
                f"or functions, got {custom_objects!r:.80}. Hint: "
                "custom_object_scope({'MyLayer': MyLayer})."
            )
        self.custom_objects = dict(custom_objects)
        self._covered: list[dict] = []

    def __enter__(self):
        table = registry._REGISTRY
        self._covered.append({k: table[k] for k in self.custom_objects if k in table})
        table.update(self.custom_objects)
        return self

    def __exit__(self, *exc_info) -> None:
        table, covered = registry._REGISTRY, self._covered.pop()
        for name, obj in self.custom_objects.items():
            if table.get(name) is obj:
                del table[name]
        table.update(covered)


custom_object_scope = CustomObjectScope  # Keras's name for the same class

# shendu's families: base class (filled in lazily), Keras's module name
_FAMILIES = ("keras", "keras.layers", "keras.optimizers.schedules", "keras.optimizers",
             "keras.losses", "keras.metrics", "keras.initializers", "keras.regularizers",
             "keras.constraints", "keras.activations")


def _family_classes():
    from .. import (
        activations,
        constraints,
        initializers,
        layers,
        losses,
        metrics,
        models,
        optimizers,
        regularizers,
    )
    from ..optimizers import schedules

    return (models.Model, layers.Layer, schedules.LearningRateSchedule, optimizers.Optimizer,
            losses.Loss, metrics.Metric, initializers.Initializer, regularizers.Regularizer,
            constraints.Constraint, activations.Kernel)


def _function_config(name: str, module: str | None = "builtins") -> dict:
    return {"module": module, "class_name": "function", "config": name,
            "registered_name": "function"}


def _builtin_function(name):
    """A shendu activation, loss or metric function of that name, else None."""
    from .. import activations, losses, metrics

    if not isinstance(name, str):
        return None
    if name in activations.KERNELS or name in activations.FUNCTIONS:  # glu, threshold too
        return getattr(activations, name)
    return losses.ALL.get(name) or metrics.FUNCTIONS.get(name)


def _serialize_function(fn) -> dict:
    own = registry.get_registered_name(fn)
    if registry.lookup(own) is fn:
        return _function_config(own)
    if _builtin_function(fn.__name__) is fn:
        return _function_config(fn.__name__)
    if fn.__name__ == "<lambda>":
        raise ArgumentError(
            "serialize_keras_object: a lambda cannot be serialized (shendu never stores code). "
            "Hint: write it as a def, decorate it with @register_keras_serializable(), and "
            "pass that."
        )
    return _function_config(fn.__name__, fn.__module__)


def serialize_keras_object(obj):
    """Keras 3's JSON-able form of ``obj``: plain values as they are, lists, tuples and dicts
    item by item, NumPy arrays as ``{"class_name": "__numpy__", ...}``, functions by name,
    and objects with ``get_config`` as ``{"module", "class_name", "config",
    "registered_name"}``.

    >>> import numpy as np
    >>> from shendu import activations
    >>> serialize_keras_object(activations.relu)["config"]
    'relu'
    >>> serialize_keras_object({"w": np.arange(2), "k": (1, 2)})
    {'w': {'class_name': '__numpy__', 'config': {'value': [0, 1], 'dtype': 'int64'}}, 'k': (1, 2)}
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__",
                "config": {"start": serialize_keras_object(obj.start),
                           "stop": serialize_keras_object(obj.stop),
                           "step": serialize_keras_object(obj.step)}}
    if isinstance(obj, (list, tuple)):
        return type(obj)(serialize_keras_object(v) for v in obj)
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if inspect.isclass(obj) or not hasattr(obj, "get_config"):
        if callable(obj) and not inspect.isclass(obj) and hasattr(obj, "__name__"):
            return _serialize_function(obj)
        raise ArgumentError(
            f"serialize_keras_object: cannot serialize {obj!r:.80} (a {type(obj).__name__}, "
            "with no get_config). Hint: pass an instance of a layer, loss, metric, optimizer, "
            "initializer..., a registered function, or plain values."
        )
    cls = type(obj)
    from .. import activations

    if isinstance(obj, activations.Kernel) and obj.get_config() == cls().get_config():
        return _function_config(obj.name)
    registered = registry.get_registered_name(cls)
    if registry.lookup(registered) is cls:
        module = None if cls.__module__ == "__main__" else cls.__module__
    elif cls.__module__.startswith("shendu."):
        family = next(i for i, base in enumerate(_family_classes()) if isinstance(obj, base))
        module, registered = _FAMILIES[family], None
    else:
        module = cls.__module__
    name = obj.name if isinstance(obj, activations.Kernel) else cls.__name__
    return {"module": module, "class_name": name,
            "config": serialize_keras_object(obj.get_config()), "registered_name": registered}


def _decode(value):
    """Keras's wrapped plain values (arrays, bytes, slices, dtype policies) turned back."""
    if isinstance(value, (list, tuple)):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    name, inner = value.get("class_name"), value.get("config")
    if name == "__lambda__":
        raise ArgumentError(
            f"{_WHERE}: the config holds a lambda's code, which shendu never runs (safe_mode "
            "or not). Hint: define the function, register it with "
            "@register_keras_serializable(), and save the model again."
        )
    if isinstance(inner, dict):
        if name == "__numpy__":
            return np.asarray(inner.get("value"), dtype=inner.get("dtype"))
        if name == "__bytes__":
            return str(inner.get("value", "")).encode("utf-8")
        if name == "__slice__":
            return slice(inner.get("start"), inner.get("stop"), inner.get("step"))
        if name == "DTypePolicy" and value.get("module") in ("keras", "keras.src"):
            return inner.get("name")
    return {k: _decode(v) for k, v in value.items()}


def _family_of(module) -> str | None:
    if not isinstance(module, str):
        return None
    for prefix in ("keras.src.", "shendu."):
        if module.startswith(prefix):
            module = "keras." + module[len(prefix):]
    if module in ("keras.src", "shendu"):
        module = "keras"
    return next((f for f in _FAMILIES[1:] if module == f or module.startswith(f + ".")),
                "keras" if module == "keras" or module.startswith("keras.models") else None)


def _from_config(cls, config: dict, custom_objects):
    if not hasattr(cls, "from_config"):
        raise ArgumentError(f"{_WHERE}: {cls!r:.60} has no from_config, so it cannot be built "
                            "from a config. Hint: register a class with get_config/from_config.")
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


def _builtin_object(family: str, name: str, config: dict, custom_objects):
    from .. import (
        activations,
        constraints,
        initializers,
        layers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from ..optimizers import schedules
    from ..saving import serialization

    spec = {"class_name": name, "config": config}
    if family == "keras":
        if name in serialization._model_classes():
            return serialization.model_from_config(spec, custom_objects)
        return None
    readers = {"keras.layers": lambda: layers.deserialize(spec, custom_objects),
               "keras.optimizers.schedules": lambda: schedules.deserialize(spec, custom_objects),
               "keras.optimizers": lambda: optimizers.deserialize(spec, custom_objects),
               "keras.losses": lambda: losses.get(spec), "keras.metrics": lambda: metrics.get(spec),
               "keras.initializers": lambda: initializers.get(spec),
               "keras.regularizers": lambda: regularizers.get(spec),
               "keras.constraints": lambda: constraints.get(spec),
               "keras.activations": lambda: activations.get(spec)}
    return readers[family]()


def _refuse(kind: str, name, module) -> UnknownNameError:
    return UnknownNameError(
        f"{_WHERE}: unknown {kind} {name!r} (module {module!r}); it is neither built into "
        "shendu nor registered, and shendu never imports a module named in a config. Hint: "
        "decorate it with @register_keras_serializable(), or pass custom_objects={"
        f"{str(name).split('>')[-1]!r}: ...}} or use custom_object_scope."
    )


def deserialize_keras_object(config, custom_objects: Mapping | None = None,
                             safe_mode: bool = True, **kwargs):
    """The object :func:`serialize_keras_object` described (Keras 3's dicts too). Plain
    values come back as they are (lists for tuples, as Keras); a name string that is in
    ``custom_objects`` gives that object. ``module_objects`` (a dict of names to objects) may
    be passed as Keras's older API did; ``safe_mode`` is accepted, and code is never run.

    >>> from shendu import optimizers
    >>> adam = deserialize_keras_object(serialize_keras_object(optimizers.Adam(0.01)))
    >>> type(adam).__name__, round(float(adam.learning_rate), 4)
    ('Adam', 0.01)
    >>> deserialize_keras_object({"module": "os", "class_name": "system"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    shendu.errors.UnknownNameError: deserialize_keras_object: unknown class 'system' ...
    """
    module_objects = kwargs.pop("module_objects", None)
    kwargs.pop("printable_module_name", None)
    if kwargs:
        raise ArgumentError(f"{_WHERE}: unexpected arguments {sorted(kwargs)}. Hint: config, "
                            "custom_objects, safe_mode and module_objects are taken.")
    if custom_objects is not None and not isinstance(custom_objects, Mapping):
        raise ArgumentError(f"{_WHERE}: custom_objects must be a dict of names to objects or "
                            f"None, got {type(custom_objects).__name__}. Hint: "
                            "custom_objects={'MyLayer': MyLayer}.")
    custom = {**(module_objects or {}), **(custom_objects or {})}
    if isinstance(config, str):
        return custom.get(config, config)
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(v, custom, safe_mode) for v in config]
    if not isinstance(config, dict):
        return config
    if "class_name" not in config:
        return {k: deserialize_keras_object(v, custom, safe_mode) for k, v in config.items()}
    name, module = config["class_name"], config.get("module")
    decoded = _decode(config)
    if not isinstance(decoded, dict):  # a wrapped array, bytes or slice
        return decoded
    inner = decoded.get("config")
    if name == "function":
        found = (custom.get(inner) if isinstance(inner, str) else None) or \
            registry.lookup(inner)
        if found is None and (module is None or module == "builtins" or _family_of(module)):
            found = _builtin_function(inner)
        if found is None:
            raise _refuse("function", inner, module)
        return found
    if not isinstance(name, str):
        raise ArgumentError(f"{_WHERE}: class_name must be a str, got {name!r:.60}. Hint: "
                            "pass the dict serialize_keras_object returns.")
    inner = {} if inner is None else inner
    if not isinstance(inner, dict):
        raise ArgumentError(f"{_WHERE}: the config of {name!r} must be a dict, got "
                            f"{type(inner).__name__}. Hint: pass the dict "
                            "serialize_keras_object returns.")
    registered = config.get("registered_name")
    for key in (registered, name):
        found = custom.get(key) if isinstance(key, str) else None
        found = found if found is not None else registry.lookup(key)
        if found is not None:
            return _from_config(found, inner, custom or None) if inspect.isclass(found) \
                else found
    family = _family_of(module)
    obj = None if family is None else _builtin_object(family, name, inner, custom or None)
    if obj is None:
        raise _refuse("class", name, module)
    return obj
