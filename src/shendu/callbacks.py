"""Callbacks with Keras's hook names; History and the Keras-style progress display.

>>> from shendu.callbacks import Callback
>>> class Count(Callback):
...     def on_epoch_end(self, epoch, logs=None):
...         self.last = epoch
>>> Count().params
{}
"""

from __future__ import annotations

import sys
import time


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
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


class CallbackList:
    """Calls a hook on every callback; hooks nobody overrides cost nothing per batch."""

    def __init__(self, callbacks, model=None, params=None):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params or {})
        for hook in _HOOKS:
            active = [getattr(cb, hook) for cb in self.callbacks
                      if getattr(type(cb), hook, None) is not getattr(Callback, hook)]
            setattr(self, hook, _fan_out(active))
        self.batch_hooks_active = any(
            getattr(type(cb), h) is not getattr(Callback, h)
            for cb in self.callbacks for h in ("on_train_batch_begin", "on_train_batch_end")
        )


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
        if isinstance(value, float) or hasattr(value, "dtype"):
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
