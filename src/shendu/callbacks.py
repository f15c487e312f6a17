"""Callbacks with Keras's hook names: History, the progress display, EarlyStopping, TerminateOnNaN.

>>> from shendu.callbacks import Callback
>>> class Count(Callback):
...     def on_epoch_end(self, epoch, logs=None):
...         self.last = epoch
>>> Count().params
{}
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import numpy as np

from .errors import ArgumentError


class Callback:
    """Base class: override any of the ``on_*`` hooks. ``self.model`` is set by fit."""

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...  # Keras 2 alias of on_train_batch_begin
    def on_batch_end(self, batch, logs=None): ...  # Keras 2 alias of on_train_batch_end

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _overrides(cb, hook: str) -> bool:
    """Whether ``cb``'s class overrides ``hook`` (or its Keras 2 alias)."""
    names = (hook, _ALIASES[hook]) if hook in _ALIASES else (hook,)
    return any(getattr(type(cb), h, None) is not getattr(Callback, h) for h in names)


def check_callbacks(callbacks, where: str) -> list:
    """``callbacks`` as a list of Callback objects, or an ArgumentError naming the bad entry."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise ArgumentError(
            f"{where}: callbacks must be a list of Callback objects, got "
            f"{type(callbacks).__name__} ({callbacks!r}). Hint: callbacks=[EarlyStopping()]."
        )
    for i, cb in enumerate(callbacks):
        if not (isinstance(cb, Callback) or callable(getattr(cb, "set_model", None))):
            kind = "a Callback class, not an instance" if isinstance(cb, type) else (
                f"{type(cb).__name__} ({cb!r})")
            raise ArgumentError(
                f"{where}: callbacks[{i}] must be a Callback, got {kind}. Hint: pass instances "
                "of shendu.callbacks.Callback subclasses, e.g. callbacks=[EarlyStopping()]."
            )
    return list(callbacks)


class CallbackList:
    """Calls a hook on every callback; hooks nobody overrides cost nothing per batch."""

    def __init__(self, callbacks, model=None, params=None):
        self.callbacks = check_callbacks(callbacks, "callbacks")
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params or {})
        self._active_hooks = set()
        for hook in _HOOKS:
            active = [getattr(cb, hook) for cb in self.callbacks if _overrides(cb, hook)]
            setattr(self, hook, _fan_out(active))
            if active:
                self._active_hooks.add(hook)
        batch_users = [cb for cb in self.callbacks
                       if _overrides(cb, "on_train_batch_begin")
                       or _overrides(cb, "on_train_batch_end")]
        self.batch_hooks_active = bool(batch_users)
        # metric results per batch are computed only if some batch hook reads them
        self.batch_metrics_needed = any(getattr(cb, "_reads_batch_metrics", True)
                                        for cb in batch_users)

    def has_hook(self, hook: str) -> bool:
        """Whether some callback overrides ``hook`` (so building its logs is worth it)."""
        return hook in self._active_hooks


def _fan_out(hooks):
    if not hooks:
        return lambda *args, **kwargs: None

    def call(*args, **kwargs):
        for hook in hooks:
            hook(*args, **kwargs)

    return call


class History(Callback):
    """Records the logs of every epoch: ``history.history['loss']`` and friends."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


def format_logs(logs: dict) -> str:
    """'accuracy: 0.9512 - loss: 0.1234', keys sorted as Keras shows them."""
    parts = []
    for key in sorted(logs):
        value = logs[key]
        if getattr(value, "ndim", 0) > 0:  # per-class values
            parts.append(f"{key}: {np.array2string(np.asarray(value), precision=4)}")
        elif isinstance(value, float) or hasattr(value, "dtype"):
            value = float(value)
            parts.append(f"{key}: {value:.4f}" if abs(value) >= 1e-3 or value == 0 else
                         f"{key}: {value:.4e}")
        else:
            parts.append(f"{key}: {value}")
    return " - ".join(parts)


def format_time_per_step(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class ProgbarLogger(Callback):
    """Keras's progress display.

    verbose=1 on a terminal: a live bar, redrawn at most ten times a second (tqdm)::

        625/625 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - accuracy: 0.9512 - loss: 0.1234

    verbose=2, or stdout not a terminal: one such line per epoch, without the bar.
    """

    def __init__(self, verbose=1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream
        self._bar = None

    @property
    def _out(self):
        return self.stream or sys.stdout

    def _live(self) -> bool:
        isatty = getattr(self._out, "isatty", lambda: False)
        return self.verbose == 1 and isatty()

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs", 1)
        print(f"Epoch {epoch + 1}/{epochs}", file=self._out, flush=True)
        self._start = time.perf_counter()
        self._seen = 0
        if self._live():
            from tqdm.auto import tqdm  # imported only when a bar is drawn

            self._bar = tqdm(
                total=self.params.get("steps"), file=self._out, mininterval=0.1,
                ascii=" ━", ncols=100, leave=True,
                bar_format="{n_fmt}/{total_fmt} {bar:20} {elapsed_s:.0f}s {postfix}",
            )

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self._bar is not None:
            self._bar.update(1)
            if self._bar.n == self._bar.total or time.perf_counter() - self._bar.last_print_t > 0.1:
                self._bar.set_postfix_str(self._postfix(logs), refresh=False)

    def _postfix(self, logs) -> str:
        per_step = (time.perf_counter() - self._start) / max(1, self._seen)
        text = format_time_per_step(per_step)
        logs = {k: v for k, v in (logs or {}).items() if k != "batch_loss"}
        return f"{text} - {format_logs(logs)}" if logs else text

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._start
        steps = self.params.get("steps") or self._seen
        per_step = format_time_per_step(elapsed / max(1, self._seen or steps))
        if self._bar is not None:
            self._bar.set_postfix_str(f"{per_step} - {format_logs(logs or {})}", refresh=False)
            self._bar.close()
            self._bar = None
        else:
            line = f"{steps}/{steps} - {elapsed:.0f}s - {per_step} - {format_logs(logs or {})}"
            print(line, file=self._out, flush=True)


_MAXIMIZED = ("acc", "auc", "precision", "recall", "f1", "fbeta", "r2", "iou", "cosine")


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving (Keras's EarlyStopping).

    After each epoch (from ``start_from_epoch`` on) the value of ``monitor`` counts as an
    improvement when it beats the best so far by more than ``min_delta``; after ``patience``
    epochs without one, ``model.stop_training`` is set. With ``baseline``, the wait is reset
    only by values that also beat the baseline. ``restore_best_weights`` puts back the weights
    of the best epoch when training ends.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense
    >>> model = Sequential([Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> stop = EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    >>> history = model.fit(np.ones((8, 2)), np.ones(8), epochs=10, callbacks=[stop], verbose=0)
    >>> len(history.epoch), stop.stopped_epoch
    (2, 1)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ArgumentError(
                f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}. "
                "Hint: 'min' for losses and errors, 'max' for accuracies."
            )
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ArgumentError(
                f"EarlyStopping: patience must be an integer >= 0, got {patience!r}. "
                "Hint: patience=3 waits three epochs without improvement."
            )
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.monitor_op = None
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def _set_monitor_op(self) -> None:
        maximize = self.mode == "max"
        if self.mode == "auto":
            maximize = self._auto_maximize()
        sign = 1.0 if maximize else -1.0
        # improvement: current − min_delta > best (max), current + min_delta < best (min)
        self.monitor_op = (lambda a, b: a > b) if maximize else (lambda a, b: a < b)
        self._signed_delta = sign * self.min_delta

    def _auto_maximize(self) -> bool:
        name = self.monitor.removeprefix("val_")
        if name == "loss" or name.endswith("_loss"):
            return False
        for metric in getattr(self.model, "metrics", None) or []:
            direction = getattr(metric, "_direction", None)
            if getattr(metric, "name", None) == name and direction in ("up", "down"):
                return direction == "up"
        lowered = name.lower()
        if any(word in lowered for word in _MAXIMIZED):
            return True
        if any(word in lowered for word in ("loss", "error", "mse", "mae", "mape", "msle",
                                            "rmse", "hinge", "crossentropy", "divergence")):
            return False
        raise ArgumentError(
            f"EarlyStopping: cannot tell whether monitor={self.monitor!r} should go up or down. "
            "Hint: pass mode='max' (accuracy-like) or mode='min' (loss-like)."
        )

    def _is_improvement(self, value, reference) -> bool:
        if reference is None:
            return True
        return bool(self.monitor_op(value - self._signed_delta, reference))

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def get_monitor_value(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(
                f"EarlyStopping is conditioned on '{self.monitor}', which is not in the logs. "
                f"Available: {', '.join(sorted(logs or {}))}.", stacklevel=3,
            )
        return value

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # the first epoch is the best so far
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.", flush=True)
            self.model.set_weights(self.best_weights)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite (on by default in ``fit``).

    It prints where it happened, e.g. ``Epoch 3, batch 7: Invalid loss nan, terminating
    training``, and records it in ``epoch`` and ``batch``.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense
    >>> model = Sequential([Dense(1, input_dim=1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x = np.full((4, 1), 1e30)
    >>> with np.errstate(all="ignore"):  # the overflow is the point of the example
    ...     history = model.fit(x, x, epochs=3, batch_size=2, verbose=0)  # doctest: +ELLIPSIS
    Epoch 1, batch 0: Invalid loss inf, terminating training
    >>> len(history.epoch)
    1
    """

    _reads_batch_metrics = False  # needs only the loss, so fit skips per-batch metric results

    def __init__(self):
        super().__init__()
        self.epoch = None
        self.batch = None
        self._current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("batch_loss", logs.get("loss"))
        if loss is not None and not math.isfinite(float(loss)):
            self.epoch, self.batch = self._current_epoch, batch
            print(f"Epoch {self._current_epoch + 1}, batch {batch}: Invalid loss {float(loss)}, "
                  "terminating training", flush=True)
            self.model.stop_training = True


# callbacks that write files or steer training live in their own modules, loaded on first use
# (they build on the classes above; the file writers pull in json, csv and safetensors, which
# ``fit`` without them never needs)
_LAZY = {"BackupAndRestore": "callbacks_backup", "CSVLogger": "callbacks_io",
         "ModelCheckpoint": "callbacks_io", "TensorBoard": "callbacks_io",
         "LambdaCallback": "callbacks_schedule", "LearningRateScheduler": "callbacks_schedule",
         "ReduceLROnPlateau": "callbacks_schedule", "SwapEMAWeights": "callbacks_schedule"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__package__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = ["Callback", "CallbackList", "EarlyStopping", "History", "ProgbarLogger",
           "TerminateOnNaN"] + sorted(_LAZY)
