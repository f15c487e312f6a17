"""Layer configs as Keras 3 writes them, turned into the constructor arguments shendu takes.

Keras's ``layer.get_config()`` carries keys that some shendu layers do not take but that change
nothing at their usual values (``quantization_config=None``, ``activity_regularizer=None``,
``InputLayer``'s ``sparse=False``, ``ragged=False``, ``optional=False``, attention's
``use_gate=False``, ``sliding_window=None``); where the layer does not take them they are
dropped, and any other value
is refused with an error, since shendu cannot honour it. ``dtype`` may be Keras's
``DTypePolicy`` dict, and ``InputLayer``'s shape comes as ``batch_shape`` (batch axis first).
Nothing named in a config (a ``module``) is ever imported.

>>> from shendu.layers import Dense
>>> standardize(Dense, {"units": 2, "quantization_config": None,
...     "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}})
{'units': 2, 'dtype': 'float32'}
"""

from __future__ import annotations

import inspect

from ..errors import ArgumentError, DTypeError

# key -> the value at which leaving it out means the same thing
_HARMLESS = {"quantization_config": None, "sparse": False, "ragged": False, "optional": False,
             "activity_regularizer": None, "use_gate": False, "sliding_window": None}
_WHY = {"quantization_config": "shendu has no quantized layers",
        "sparse": "shendu has no sparse tensors", "ragged": "shendu has no ragged tensors",
        "optional": "every input of a shendu model must be given",
        "activity_regularizer": "this shendu layer takes no activity regularizer",
        "use_gate": "shendu's attention has no output gate",
        "sliding_window": "shendu's attention has no sliding window"}
_POLICIES = ("DTypePolicy", "FloatDTypePolicy")


def _explicit_parameters(cls) -> set[str]:
    """The named parameters of ``cls.__init__`` (along its bases, while they pass **kwargs)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names.update(p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names


def policy_dtype(dtype, where: str):
    """The dtype name inside Keras's ``DTypePolicy`` dict; anything else is returned as it is.
    Mixed and quantized policies are refused: shendu computes in the dtype of its weights."""
    if not isinstance(dtype, dict):
        return dtype
    name = dtype.get("class_name")
    inner = dtype.get("config") if isinstance(dtype.get("config"), dict) else {}
    policy = inner.get("name")
    if name in _POLICIES and isinstance(policy, str) and not policy.startswith("mixed_"):
        return policy
    raise DTypeError(
        f"{where}: dtype policy {name!r} ({policy!r}) is not supported; shendu computes in the "
        "dtype of its weights. Hint: save the Keras model with a plain policy (float32 or "
        "float64), or set dtype='float32' in the config."
    )


def standardize(cls, config: dict) -> dict:
    """Constructor arguments for ``cls`` from a config shendu or Keras 3 wrote (see above)."""
    where = f"{cls.__name__} config"
    if isinstance(config.get("name"), str):
        where = f"{cls.__name__} '{config['name']}' config"
    config = dict(config)
    explicit = _explicit_parameters(cls)
    if "dtype" in config:
        config["dtype"] = policy_dtype(config["dtype"], where)
    for key, default in _HARMLESS.items():
        if key not in config or key in explicit:
            continue
        value = config.pop(key)
        if value != default:
            raise ArgumentError(
                f"{where}: {key}={value!r} cannot be honoured ({_WHY[key]}). Hint: rebuild the "
                f"Keras model without it ({key}={default!r}) before moving it to shendu."
            )
    for key in ("batch_shape", "batch_input_shape"):
        if key in config and key not in explicit:
            shape = config.pop(key)
            if not isinstance(shape, (list, tuple)) or not shape:
                raise ArgumentError(f"{where}: {key} must be a list, batch axis first, got "
                                    f"{shape!r}. Hint: [null, 28, 28, 1] in JSON.")
            target = "shape" if "shape" in explicit else "input_shape"
            config.setdefault(target, list(shape[1:]))
            if shape[0] is not None:
                config.setdefault("batch_size", shape[0])
    return config
