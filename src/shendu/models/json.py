"""A model's architecture as JSON: ``model.to_json()`` and ``model_from_json(json_string)``.

The JSON holds class names and configs only. Loading finds classes in shendu's own tables,
in ``custom_objects`` or in the registry filled by ``register_serializable``; it never
imports a module or runs code named in the string. Weights are not part of it.

>>> from shendu.models import Sequential, model_from_json
>>> from shendu.layers import Dense, Dropout
>>> model = Sequential([Dense(4, activation="relu", input_dim=3), Dropout(0.5), Dense(1)])
>>> clone = model_from_json(model.to_json())
>>> [type(layer).__name__ for layer in clone.layers], clone.count_params()
(['Dense', 'Dropout', 'Dense'], 21)
"""

from __future__ import annotations

import json

from ..errors import ArgumentError


def model_to_json(model, **kwargs) -> str:
    """``{"class_name", "config", "shendu_version"}`` as a JSON string."""
    from .. import __version__
    from ..saving.serialization import model_config

    config = model_config(model)
    config["shendu_version"] = __version__
    return json.dumps(config, **kwargs)


def model_from_json(json_string: str, custom_objects: dict | None = None):
    """Rebuild a (new, freshly initialised) model from :meth:`Model.to_json`'s string."""
    from ..saving.serialization import model_from_config

    if not isinstance(json_string, (str, bytes, bytearray)):
        raise ArgumentError(
            f"model_from_json: expected a JSON string, got {type(json_string).__name__}. "
            "Hint: pass the string returned by model.to_json()."
        )
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as err:
        raise ArgumentError(
            f"model_from_json: expected a JSON string from model.to_json(), got text that is not "
            f"JSON ({err.msg} at position {err.pos}). Hint: read the file's whole content."
        ) from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ArgumentError(
            "model_from_json: expected a JSON object with 'class_name' and 'config', got "
            f"{type(config).__name__}. Hint: pass the string returned by model.to_json()."
        )
    config = {k: v for k, v in config.items() if k != "shendu_version"}
    return model_from_config(config, custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, custom_objects=None):
    """A new model with ``model``'s architecture and freshly initialised weights, as Keras's
    ``clone_model``: the layers are new objects, so training the clone leaves ``model`` alone.
    Copy the weights with ``clone.set_weights(model.get_weights())`` when you want them too.

    >>> from shendu.models import Sequential, clone_model
    >>> from shendu.layers import Dense
    >>> model = Sequential([Dense(2, input_dim=3)])
    >>> clone = clone_model(model)
    >>> clone.count_params(), clone.layers[0] is model.layers[0]
    (8, False)
    """
    from ..saving.serialization import model_config, model_from_config

    if input_tensors is not None or clone_function is not None:
        raise ArgumentError(
            "clone_model: input_tensors= and clone_function= are not supported. Hint: clone "
            "the whole model, then call it on new inputs or edit its layers.")
    return model_from_config(model_config(model), custom_objects=custom_objects)
