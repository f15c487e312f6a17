"""Keras 3's "customizing what happens in fit()" on shendu: a subclass's ``test_step(data)``
and ``predict_step(data)`` (one argument each, as in Keras) drive evaluate, fit's validation
and predict; a ``train_step(data)`` is refused, since shendu computes the gradients itself.

Inside a user's step ``self.metrics`` is Keras 3's list: a Mean named "loss" first, then the
compiled metrics as one object named "compile_metrics" (its ``result()`` is a dict, flattened
into the logs). The step's returned dict becomes the logs.

>>> import numpy as np
>>> import shendu as keras
>>> class Doubled(keras.Sequential):
...     def predict_step(self, data):
...         return self(data, training=False) * 2.0
>>> model = Doubled([keras.layers.Dense(1, kernel_initializer="ones", input_dim=2)])
>>> model.predict(np.ones((3, 2)), verbose=0).ravel().tolist()
[4.0, 4.0, 4.0]
"""

from __future__ import annotations

import inspect

import numpy as np

from ..autograd import Tensor, no_grad
from ..errors import ArgumentError


def user_step(model, name: str):
    """The bound ``name`` method when a subclass overrides it with Keras's one-argument form
    (``step(self, data)``), else None (shendu's own step, or an override of its signature).

    >>> import shendu as keras
    >>> user_step(keras.Sequential([keras.layers.Dense(1)]), "test_step") is None
    True
    """
    from .model import Model

    method = getattr(type(model), name, None)
    if method is None or method is getattr(Model, name, None):
        return None
    try:
        params = list(inspect.signature(method).parameters.values())[1:]  # past self
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) != 1 or any(p.default is p.empty for p in params[1:]
                                   if p.kind is not p.VAR_KEYWORD):
        return None
    return getattr(model, name)


def refuse_train_step(model) -> None:
    """fit's error for a Keras-style ``train_step(self, data)`` override.

    >>> import shendu as keras
    >>> refuse_train_step(keras.Sequential([keras.layers.Dense(1)]))  # no override: nothing
    """
    if user_step(model, "train_step") is None:
        return
    raise ArgumentError(
        f"fit: model '{model.name}' ({type(model).__name__}) overrides train_step(self, data), "
        "which in Keras needs the backend's GradientTape to take gradients; shendu has none and "
        "computes the gradients itself, so fit cannot run this train_step. Hint: put the custom "
        "objective in compute_loss(x, y, y_pred, sample_weight) or in a custom loss passed to "
        "compile(loss=...), and keep per-batch evaluation logic in test_step(self, data)."
    )


class CompileMetrics:
    """The compiled metrics as one object, as Keras 3 lists them in ``model.metrics``."""

    name = "compile_metrics"

    def __init__(self, model):
        self._model = model

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = _arrays(y_pred)
        self._model._build_metrics(y_true, y_pred)
        self._model._update_metrics(y_true, y_pred, sample_weight)

    def result(self) -> dict:
        return {m.name: m.result() for m in _compiled(self._model)}

    def reset_state(self) -> None:
        for m in _compiled(self._model):
            m.reset_state()


def _compiled(model) -> list:
    """The compiled metrics themselves (not the step's view of ``model.metrics``)."""
    from .compiling import Compilation

    return Compilation.metrics.fget(model)


def loss_tracker(model):
    """The model's Mean named "loss" (made on first use), which a user's step updates."""
    tracker = model.__dict__.get("_step_loss_tracker")
    if tracker is None:
        from ..metrics_base import Mean

        tracker = model.__dict__["_step_loss_tracker"] = Mean(name="loss")
    return tracker


def reset(model) -> None:
    """Before an evaluate with a user's test_step: the loss tracker and the metrics at zero."""
    loss_tracker(model).reset_state()
    for m in _compiled(model):
        m.reset_state()


def run_test_step(model, step, x, y, sample_weight) -> dict:
    """One call of the user's ``test_step(data)``; its returned dict, flattened, as logs."""
    data = (x, y) if sample_weight is None else (x, y, sample_weight)
    model._clear_layer_losses()
    model.__dict__["_step_metrics"] = [loss_tracker(model), CompileMetrics(model),
                                       *model._loss_trackers]
    try:
        with no_grad():
            logs = step(data)
    finally:
        del model.__dict__["_step_metrics"]
    if not isinstance(logs, dict):
        raise ArgumentError(
            f"evaluate: test_step of model '{model.name}' must return a dict of "
            f"{{metric name: value}}, got {type(logs).__name__}. Hint: end test_step with "
            "return {m.name: m.result() for m in self.metrics}."
        )
    return flat_logs(logs)


def run_predict_step(step, x):
    """The user's ``predict_step(data)`` on one batch, as NumPy arrays."""
    with no_grad():
        out = step(x)
    if isinstance(out, (list, tuple)):
        return [_host(o) for o in out]
    return _host(out)


def flat_logs(logs: dict) -> dict:
    """A step's logs with nested dicts (compile_metrics) merged in, values as floats.

    >>> flat_logs({"loss": np.float32(0.5), "compile_metrics": {"mae": 0.25}})
    {'loss': 0.5, 'mae': 0.25}
    """
    flat: dict = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(flat_logs(value))
            continue
        array = _host(value)
        flat[key] = float(array) if array.ndim == 0 else array
    return flat


def ordered_values(logs: dict):
    """evaluate's list form of a user's logs: the loss first, then the rest in order."""
    values = ([logs["loss"]] if "loss" in logs else []) + [
        v for k, v in logs.items() if k != "loss"]
    return values[0] if len(values) == 1 else values


def _host(value) -> np.ndarray:
    from .. import backend

    return np.asarray(backend.to_numpy(_arrays(value)))


def _arrays(value):
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, (list, tuple)):
        return [_arrays(v) for v in value]
    return value
