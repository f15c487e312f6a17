"""Callbacks that steer training: LearningRateScheduler, ReduceLROnPlateau, LambdaCallback,
SwapEMAWeights.

>>> from shendu.callbacks_schedule import LearningRateScheduler
>>> LearningRateScheduler(lambda epoch, lr: lr * 0.5).verbose
0
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

from .callbacks import _HOOKS, _MAXIMIZED, Callback
from .errors import ArgumentError

_LOSS_WORDS = ("loss", "error", "mse", "mae", "mape", "msle", "rmse", "hinge", "crossentropy",
               "divergence")


def check_mode(owner: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ArgumentError(
            f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}. "
            "Hint: 'min' for losses and errors, 'max' for accuracies."
        )
    return mode


def monitor_maximizes(owner: str, monitor: str, mode: str, model) -> bool:
    """Whether a larger ``monitor`` is better: from ``mode``, the metric, or the name."""
    if mode != "auto":
        return mode == "max"
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss"):
        return False
    for metric in getattr(model, "metrics", None) or []:
        direction = getattr(metric, "_direction", None)
        if getattr(metric, "name", None) == name and direction in ("up", "down"):
            return direction == "up"
    lowered = name.lower()
    if any(word in lowered for word in _MAXIMIZED):
        return True
    if any(word in lowered for word in _LOSS_WORDS):
        return False
    raise ArgumentError(
        f"{owner}: cannot tell whether monitor={monitor!r} should go up or down. "
        "Hint: pass mode='max' (accuracy-like) or mode='min' (loss-like)."
    )


def _float_learning_rate(owner: str, model) -> float:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ArgumentError(
            f"{owner}: the model has no optimizer with a learning_rate. "
            "Hint: compile the model before fit."
        )
    return float(optimizer.learning_rate)


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)`` (Keras).

    ``epoch`` counts from 0 and ``lr`` is the current rate; the rate used is also logged as
    ``learning_rate`` at the end of the epoch.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense
    >>> model = Sequential([Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> halve = LearningRateScheduler(lambda epoch, lr: lr / 2)
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=3, callbacks=[halve], verbose=0)
    >>> model.optimizer.learning_rate
    0.00125
    """

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise ArgumentError(
                f"LearningRateScheduler: schedule must be a function (epoch, lr) -> lr, got "
                f"{type(schedule).__name__}. Hint: LearningRateScheduler(lambda e, lr: lr * 0.9)."
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = _float_learning_rate("LearningRateScheduler", self.model)
        new_lr = self.schedule(epoch, lr)
        try:
            value = float(new_lr)
        except (TypeError, ValueError):
            value = math.nan
        if isinstance(new_lr, bool) or not math.isfinite(value) or value < 0:
            raise ArgumentError(
                f"LearningRateScheduler: schedule({epoch}, {lr}) returned {new_lr!r}; expected a "
                "finite float >= 0. Hint: the schedule must return the new learning rate."
            )
        self.model.optimizer.learning_rate = value
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {value}.",
                  flush=True)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _float_learning_rate("LearningRateScheduler", self.model)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving (Keras).

    An epoch improves when the value beats the best by more than ``min_delta``; after
    ``patience`` epochs without one the rate becomes ``max(lr * factor, min_lr)``, then
    ``cooldown`` epochs pass before waiting starts again.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense
    >>> model = Sequential([Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> plateau = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=3, callbacks=[plateau], verbose=0)
    >>> model.optimizer.learning_rate
    0.0025
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0, **kwargs):
        super().__init__()
        if kwargs:
            raise ArgumentError(f"ReduceLROnPlateau: unknown argument(s) {sorted(kwargs)}. "
                                "Hint: check the spelling against keras.callbacks.")
        if not isinstance(factor, (int, float)) or not 0 <= factor < 1.0:
            raise ArgumentError(
                f"ReduceLROnPlateau: factor must be in [0, 1), got {factor!r}. "
                "Hint: factor=0.1 divides the rate by ten; a factor >= 1 would not reduce it."
            )
        for arg, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ArgumentError(f"ReduceLROnPlateau: {arg} must be an integer >= 0, "
                                    f"got {value!r}.")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = patience
        self.verbose = verbose
        self.mode = check_mode("ReduceLROnPlateau", mode)
        self.min_delta = abs(min_delta)
        self.cooldown = cooldown
        self.min_lr = float(min_lr)
        self._reset()

    def _reset(self) -> None:
        self._maximize = None
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def _improved(self, current) -> bool:
        if self.best is None:
            return True
        # better: current > best + min_delta (max), current < best − min_delta (min)
        if self._maximize:
            return current > self.best + self.min_delta
        return current < self.best - self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        lr = _float_learning_rate("ReduceLROnPlateau", self.model)
        logs["learning_rate"] = lr
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"ReduceLROnPlateau is conditioned on '{self.monitor}', which is not in the logs. "
                f"Available: {', '.join(sorted(logs))}.", stacklevel=2,
            )
            return
        if self._maximize is None:
            self._maximize = monitor_maximizes("ReduceLROnPlateau", self.monitor, self.mode,
                                               self.model)
        current = float(current)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
            return
        if self.cooldown_counter > 0:  # still cooling down after the decrement, as Keras
            return
        self.wait += 1
        if self.wait >= self.patience and lr > self.min_lr:
            new_lr = max(lr * self.factor, self.min_lr)
            self.model.optimizer.learning_rate = new_lr
            if self.verbose > 0:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.",
                      flush=True)
            self.cooldown_counter = self.cooldown
            self.wait = 0


_LAMBDA_HOOKS = {
    "on_train_begin": "logs", "on_train_end": "logs",
    "on_epoch_begin": "index", "on_epoch_end": "index",
    "on_train_batch_begin": "index", "on_train_batch_end": "index",
    "on_batch_begin": "index", "on_batch_end": "index",
}


def _hook_method(function, takes_index: bool):
    if takes_index:
        def hook(self, index, logs=None):
            function(index, logs)
    else:
        def hook(self, logs=None):
            function(logs)
    return hook


class LambdaCallback(Callback):
    """A callback made of plain functions (Keras's LambdaCallback).

    ``on_epoch_begin/on_epoch_end(epoch, logs)``, ``on_train_batch_begin/end(batch, logs)``,
    ``on_train_begin/on_train_end(logs)``; any other ``on_*`` hook may be given by keyword.
    Only the hooks given are called, so unused batch hooks cost nothing.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense
    >>> model = Sequential([Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> seen = []
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[cb], verbose=0)
    >>> seen
    [0, 1]
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for name, function in kwargs.items():
            if name not in _HOOKS:
                raise ArgumentError(
                    f"LambdaCallback: unknown hook {name!r}. Expected one of "
                    f"{', '.join(_HOOKS)}. Hint: on_epoch_end=lambda epoch, logs: ..."
                )
            given[name] = function
        methods = {}
        for name, function in given.items():
            if function is None:
                continue
            if not callable(function):
                raise ArgumentError(f"LambdaCallback: {name} must be a function, got "
                                    f"{type(function).__name__}.")
            takes_index = _LAMBDA_HOOKS.get(name) == "index" or (
                name not in _LAMBDA_HOOKS and "batch" in name)
            methods[name] = _hook_method(function, takes_index)
        # a class of its own, so fit sees exactly these hooks as overridden
        self.__class__ = type("LambdaCallback", (LambdaCallback,), methods)


class SwapEMAWeights(Callback):
    """Evaluate and predict with the optimizer's moving averages of the weights (Keras's
    SwapEMAWeights; the optimizer needs ``use_ema=True``). Validation, ``evaluate`` and
    ``predict`` inside training see the averages, training goes on from the raw weights. With
    ``swap_on_epoch=True`` the averages are in the model from each epoch's end to the next
    epoch's start, so a ModelCheckpoint placed after this callback saves them.

    >>> SwapEMAWeights(swap_on_epoch=True).swap_on_epoch
    True
    """

    def __init__(self, swap_on_epoch: bool = False):
        super().__init__()
        self.swap_on_epoch = bool(swap_on_epoch)
        self._ema_in_model = False

    def _swap(self, to_average: bool = False) -> None:
        self.model.optimizer.swap_average(to_average)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_in_model:
            self._swap()
            self._ema_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_in_model:
            self._swap()
            self._ema_in_model = True
            if epoch == self.params.get("epochs", 0) - 1:
                self._swap(to_average=True)  # fit's final copy keeps the averages in place

    def on_test_begin(self, logs=None):
        if not self._ema_in_model:
            self._swap()

    def on_test_end(self, logs=None):
        if not self._ema_in_model:
            self._swap()

    def on_predict_begin(self, logs=None):
        if not self._ema_in_model:
            self._swap()

    def on_predict_end(self, logs=None):
        if not self._ema_in_model:
            self._swap()
