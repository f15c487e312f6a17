"""Architecture and compile configuration to and from plain JSON-able dicts.

Classes are found only in shendu's own tables, in ``custom_objects``, or in the registry that
``register_serializable`` fills; nothing named in a config is ever imported.

>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> config = model_config(Sequential([Dense(2, input_dim=3, name="out")], name="m"))
>>> config["class_name"], model_from_config(config).get_layer("out").units
('Sequential', 2)
"""

from __future__ import annotations

from ..errors import ArgumentError, unknown_name
from . import registry


def _model_classes():
    from ..models import Model, Sequential

    classes = {"Sequential": Sequential, "Model": Model}
    try:
        from ..models.functional import Functional

        classes["Functional"] = Functional
    except ImportError:
        pass
    return classes


def _class_name(obj) -> str:
    return type(obj).__dict__.get("_registered_name") or type(obj).__name__


def model_config(model) -> dict:
    return {"class_name": _class_name(model), "config": model.get_config()}


def model_from_config(config: dict, custom_objects: dict | None = None):
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ArgumentError("model config: expected {'class_name': ..., 'config': {...}}, got "
                            f"{type(config).__name__}. Hint: pass the dict model_config(model) "
                            "returns.")
    name = config["class_name"]
    classes = _model_classes()
    cls = (custom_objects or {}).get(name) or classes.get(name) or registry.lookup(name)
    if cls is None or not isinstance(cls, type):
        raise unknown_name("model class", name, classes,
                           hint="Hint: register custom models with "
                                "shendu.saving.register_serializable().")
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise ArgumentError(f"model config of {name}: expected a dict, got {type(inner).__name__}"
                            ". Hint: pass the dict model_config(model) returns.")
    try:
        return cls.from_config(inner, custom_objects=custom_objects)
    except TypeError:
        return cls.from_config(inner)


def _serialize_fn_or_object(obj, serialize):
    if isinstance(obj, str):
        return obj
    registered = getattr(obj, "_registered_name", None)
    if registered is not None and not hasattr(obj, "get_config"):
        return {"registered": registered}
    return serialize(obj)


def compile_config(model) -> dict:
    from .. import losses, metrics, optimizers

    def metric_spec(spec):
        if isinstance(spec, str):
            return spec
        if isinstance(spec, metrics.Metric):
            return {"class_name": _class_name(spec), "config": spec.get_config()}
        return {"registered": getattr(spec, "_registered_name", getattr(spec, "__name__", "?"))}

    def loss_spec(loss):
        if isinstance(loss, losses.LossFunctionWrapper):
            fn = loss.user_fn
            return {"registered": getattr(fn, "_registered_name", getattr(fn, "__name__", "?"))}
        return {"class_name": _class_name(loss), "config": loss.get_config()}

    config = {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": loss_spec(model.loss),
        "metrics": [metric_spec(m) for m in model._metric_specs],
        "weighted_metrics": [metric_spec(m) for m in model._weighted_metric_specs],
    }
    if getattr(model, "_loss_weight", 1.0) != 1.0:  # one output with a loss weight
        config["loss_weights"] = [model._loss_weight]
    if getattr(model, "_output_losses", None) is not None:  # several outputs
        config["loss"] = [loss_spec(loss) for loss in model._output_losses]
        config["loss_weights"] = list(model._loss_weights)
        config["metrics"] = [[metric_spec(m) for m in specs]
                             for specs in model._output_metric_specs]
    return config


def _resolve(spec, custom_objects, kind, getter):
    if isinstance(spec, dict) and "registered" in spec:
        name = spec["registered"]
        found = (custom_objects or {}).get(name) or registry.lookup(name)
        if found is None:
            raise unknown_name(kind, name, list(custom_objects or {}),
                               hint="Hint: register it with shendu.saving.register_serializable() "
                                    "or pass custom_objects={name: fn}.")
        return found
    if isinstance(spec, dict) and spec.get("class_name") in (custom_objects or {}):
        cls = custom_objects[spec["class_name"]]
        return cls.from_config(spec.get("config", {}))
    if isinstance(spec, dict) and registry.lookup(spec.get("class_name")) is not None:
        return registry.lookup(spec["class_name"]).from_config(spec.get("config", {}))
    return getter(spec)


def compile_from_config(model, config: dict, custom_objects: dict | None = None) -> None:
    from .. import losses, metrics, optimizers

    optimizer = _resolve(config.get("optimizer"), custom_objects, "optimizer", optimizers.get)
    def metric(m):
        if isinstance(m, list):
            return [metric(x) for x in m]
        return _resolve(m, custom_objects, "metric", metrics.get) if isinstance(m, dict) else m

    loss_cfg = config.get("loss")
    if isinstance(loss_cfg, list):
        loss = [_resolve(c, custom_objects, "loss", losses.get) for c in loss_cfg]
    else:
        loss = _resolve(loss_cfg, custom_objects, "loss", losses.get)
    metric_list = [metric(m) for m in config.get("metrics", [])]
    weighted = [metric(m) for m in config.get("weighted_metrics", [])]
    model.compile(optimizer=optimizer, loss=loss, metrics=metric_list or None,
                  weighted_metrics=weighted or None, loss_weights=config.get("loss_weights"))
