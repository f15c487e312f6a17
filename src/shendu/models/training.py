"""The training API of a Model: fit, evaluate, predict and their one-batch forms, with the
batch iterator, the callbacks and the progress lines.

A mixin of :class:`~shendu.models.Model`, which supplies ``train_step``, ``test_step`` and the
compile state (:mod:`shendu.models.compiling`).

>>> import numpy as np
>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> model = Sequential([Dense(1, input_dim=2)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> model.fit(np.ones((4, 2)), np.ones(4), epochs=2, verbose=0).history["loss"][0] > 0
True
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..data import validation as check
from ..errors import (
    ArgumentError,
    NotBuiltError,
)
from . import targets
from .multi_io import concat_outputs
from .predict_path import lean_predict

if TYPE_CHECKING:
    from ..callbacks import History
    from .chain import ChainPlan

_FLOAT = np.dtype("float32")


class Training:
    """fit, evaluate, predict, train_on_batch, test_on_batch, predict_on_batch (a mixin)."""

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1) -> History:
        """Train for ``epochs`` passes over (x, y); returns a History of per-epoch logs."""
        from ..callbacks import CallbackList, History, ProgbarLogger, check_callbacks

        self._require_compiled("fit")
        batch_size = check.check_positive_int(batch_size, "batch_size") or 32
        epochs = check.check_positive_int(epochs, "epochs", allow_none=False, minimum=0)
        initial_epoch = check.check_positive_int(initial_epoch, "initial_epoch", allow_none=False,
                                                 minimum=0)
        steps_per_epoch = check.check_positive_int(steps_per_epoch, "steps_per_epoch")
        validation_freq = check.check_positive_int(validation_freq, "validation_freq")
        validation_batch_size = check.check_positive_int(validation_batch_size,
                                                         "validation_batch_size")
        validation_steps = check.check_positive_int(validation_steps, "validation_steps")
        user_callbacks = check_callbacks(callbacks, "fit")
        if isinstance(validation_split, bool) or not (
                isinstance(validation_split, (int, float)) and 0.0 <= validation_split < 1.0):
            raise ArgumentError(
                f"fit: validation_split must be in [0, 1), got {validation_split!r}. "
                "Hint: 0.2 keeps the last 20% of the samples for validation."
            )
        x, y, output_shape = self._check_xy(x, y)
        self._try_metrics(y, output_shape, batch_size)
        sample_weight = check.check_sample_weight(sample_weight, len(x))
        if class_weight is not None:
            sample_weight = targets.class_weights_to_sample_weights(class_weight, y, sample_weight)

        if validation_data is None and validation_split:
            cut = int(len(x) * (1.0 - validation_split))
            if cut == 0 or cut == len(x):
                raise ArgumentError(
                    f"fit: validation_split={validation_split} leaves "
                    f"{'no training' if cut == 0 else 'no validation'} samples out of {len(x)}. "
                    "Hint: use more data or a different split."
                )
            validation_data = (x[cut:], y[cut:]) if sample_weight is None else (
                x[cut:], y[cut:], sample_weight[cut:])
            x, y = x[:cut], y[:cut]
            sample_weight = None if sample_weight is None else sample_weight[:cut]
        if validation_data is not None:
            validation_data = self._check_validation_data(validation_data, output_shape)

        flat = self._ensure_flat()
        self.optimizer.ensure_built(flat)
        n = len(x)
        steps = steps_per_epoch or math.ceil(n / batch_size)
        history = History()  # last, as in Keras: it records what the callbacks add to logs
        cbs = []
        if not any(type(cb).__name__ == "TerminateOnNaN" for cb in user_callbacks):
            cbs.append(_default_terminate_on_nan())
        if verbose == "auto":
            verbose = 1
        if verbose and not any(isinstance(cb, ProgbarLogger) for cb in user_callbacks):
            cbs.append(ProgbarLogger(verbose=verbose))
        callback_list = CallbackList(
            [c for c in cbs if c is not None] + user_callbacks + [history], model=self,
            params={"epochs": epochs, "steps": steps, "verbose": verbose, "batch_size": batch_size},
        )
        self.stop_training = False
        callback_list.on_train_begin()
        # a callback restoring a backup (BackupAndRestore) says where training resumes
        initial_epoch = max(initial_epoch, self.__dict__.pop("_initial_epoch_override", 0))
        batches = _BatchIterator(x, y, sample_weight, batch_size, shuffle)
        logs: dict = {}
        for epoch in range(initial_epoch, epochs):
            self._reset_metrics()
            callback_list.on_epoch_begin(epoch)
            loss_total, seen = 0.0, 0
            for step, (xb, yb, swb) in enumerate(batches.epoch(steps)):
                if callback_list.batch_hooks_active:
                    callback_list.on_train_batch_begin(step)
                batch_loss = self.train_step(xb, yb, swb)
                loss_total += batch_loss * len(xb)
                seen += len(xb)
                if callback_list.batch_hooks_active:
                    batch_logs = {"loss": loss_total / seen, "batch_loss": batch_loss}
                    if callback_list.batch_metrics_needed:
                        batch_logs.update(self._metric_logs())
                    callback_list.on_train_batch_end(step, batch_logs)
                if self.stop_training:
                    break
            logs = {"loss": loss_total / max(1, seen), **self._metric_logs()}
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val = self.evaluate(*validation_data[:2],
                                    sample_weight=validation_data[2] if len(validation_data) > 2
                                    else None,
                                    batch_size=validation_batch_size or batch_size, verbose=0,
                                    steps=validation_steps, callbacks=callback_list,
                                    return_dict=True, _checked=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            callback_list.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        callback_list.on_train_end(logs)
        self.history = history
        return history

    def _check_validation_data(self, data, output_shape):
        if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
            got = (f"a {type(data).__name__} of {len(data)}" if isinstance(data, (tuple, list))
                   else f"a {type(data).__name__}")
            raise ArgumentError(
                "fit: validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                f"sample_weight), got {got}. Hint: validation_data=(x_val, y_val), or "
                "validation_split=0.2 to hold out the last 20% of x."
            )
        xv, yv, _ = self._check_xy(data[0], data[1], "validation_data[0] (x_val)",
                                   "validation_data[1] (y_val)")
        sw = check.check_sample_weight(data[2], len(xv)) if len(data) == 3 else None
        return (xv, yv, sw)

    # -- evaluate / predict -------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _checked=False):
        """Loss and metrics on (x, y): a number, a list ``[loss, *metrics]``, or a dict."""
        self._require_compiled("evaluate")
        batch_size = check.check_positive_int(batch_size, "batch_size") or 32
        steps = check.check_positive_int(steps, "steps")
        if not _checked:
            x, y, output_shape = self._check_xy(x, y)
            self._try_metrics(y, output_shape, batch_size)
            sample_weight = check.check_sample_weight(sample_weight, len(x))
        self._reset_metrics()
        start = time.perf_counter()
        loss_total, seen = 0.0, 0
        batches = _BatchIterator(x, y, sample_weight, batch_size, shuffle=False)
        count = steps or math.ceil(len(x) / batch_size)
        hooks = self._callback_list(callbacks, {"steps": count, "verbose": verbose})
        hooks.on_test_begin()
        for step, (xb, yb, swb) in enumerate(batches.epoch(count)):
            hooks.on_test_batch_begin(step)
            loss_total += self.test_step(xb, yb, swb) * len(xb)
            seen += len(xb)
            if hooks.has_hook("on_test_batch_end"):
                hooks.on_test_batch_end(step, {"loss": loss_total / seen, **self._metric_logs()})
        logs = {"loss": loss_total / max(1, seen), **self._metric_logs()}
        hooks.on_test_end(logs)
        if verbose:
            _print_summary_line(count, time.perf_counter() - start, logs)
        if return_dict:
            return logs
        values = [logs["loss"]] + [logs[m.name] for m in self.metrics]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for x, batch by batch, as one NumPy array."""
        if batch_size is None and steps is None and callbacks is None and (
                verbose == "auto" or not verbose):
            out = lean_predict(self, x)  # a few samples through a chain (models/predict_path.py)
            if out is not None:
                return out
        if not self.built:
            raise NotBuiltError(
                f"Model '{self.name}' was never built, so it has no weights to predict with. "
                "Hint: give the first layer input_shape=/input_dim=, or call fit() or "
                "build(input_shape) first."
            )
        batch_size = check.check_positive_int(batch_size, "batch_size") or 32
        steps = check.check_positive_int(steps, "steps")
        x = self._check_x(x)
        self._prepare_build(x)
        if steps is not None:
            x = x[:steps * batch_size]
        start = time.perf_counter()
        n = len(x)
        plan = self._predict_plan()
        forward = plan.predict if plan is not None else self._predict_batch
        if callbacks:
            return self._predict_with_callbacks(x, forward, batch_size, callbacks)
        with no_grad():
            if n <= batch_size:
                out = _to_host(forward(x))
                count = 1
            else:
                count = math.ceil(n / batch_size)
                parts = [_to_host(forward(x[i:i + batch_size])) for i in range(0, n, batch_size)]
                out = concat_outputs(parts)
        if verbose and verbose != "auto":
            _print_summary_line(count, time.perf_counter() - start, {})
        return self._outputs_as_given(out)

    def _predict_plan(self) -> ChainPlan | None:
        """The chain plan for inference: fit's own while the layers and layout still match."""
        if not self.use_fast_path:
            return None
        plan = self._plan
        if plan is None or not plan.matches(self):
            from .chain import ChainPlan

            plan = self._plan = ChainPlan.for_model(self)
        return plan

    def _predict_batch(self, x):
        return _data(self._outputs_as_list(self(x, training=False)))

    def _outputs_as_list(self, outputs):
        """A dict of outputs (``Model(outputs={...})``) as a list in ``output_names`` order."""
        if isinstance(outputs, dict):
            return [outputs[name] for name in self.output_names]
        return outputs

    def _outputs_as_given(self, outputs):
        """predict's arrays shaped like the model's outputs: a dict when they were one."""
        struct = getattr(self, "_output_struct", None)
        if isinstance(struct, dict) and isinstance(outputs, list):
            by_name = dict(zip(self.output_names, outputs))
            return {key: by_name[key] for key in struct}
        return outputs

    def _predict_with_callbacks(self, x, forward, batch_size, callbacks):
        count = math.ceil(len(x) / batch_size)
        hooks = self._callback_list(callbacks, {"steps": count, "verbose": 0})
        hooks.on_predict_begin()
        parts = []
        with no_grad():
            for step, start in enumerate(range(0, len(x), batch_size)):
                hooks.on_predict_batch_begin(step)
                parts.append(_to_host(forward(x[start:start + batch_size])))
                hooks.on_predict_batch_end(step, {"outputs": parts[-1]})
        hooks.on_predict_end()
        return self._outputs_as_given(concat_outputs(parts))

    def _callback_list(self, callbacks, params):
        """``callbacks`` as a CallbackList (fit hands its own list to evaluate unchanged)."""
        from ..callbacks import CallbackList

        if isinstance(callbacks, CallbackList):
            return callbacks
        return CallbackList(callbacks, model=self, params=params)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics) on that batch."""
        self._require_compiled("train_on_batch")
        x, y, output_shape = self._check_xy(x, y)
        self._try_metrics(y, output_shape, len(x))
        sample_weight = check.check_sample_weight(sample_weight, len(x))
        if class_weight is not None:
            sample_weight = targets.class_weights_to_sample_weights(class_weight, y, sample_weight)
        flat = self._ensure_flat()
        self.optimizer.ensure_built(flat)
        self._reset_metrics()
        loss = self.train_step(x, y, sample_weight)
        return self._step_result(loss, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch, without training."""
        self._require_compiled("test_on_batch")
        x, y, output_shape = self._check_xy(x, y)
        self._try_metrics(y, output_shape, len(x))
        self._reset_metrics()
        loss = self.test_step(x, y, check.check_sample_weight(sample_weight, len(x)))
        return self._step_result(loss, return_dict)

    def predict_on_batch(self, x):
        """Model outputs for one batch."""
        try:
            rows = len(x)
        except TypeError:  # None or a scalar: predict's own check names the problem
            rows = 1
        return self.predict(x, batch_size=max(1, rows), verbose=0)

    def _step_result(self, loss, return_dict):
        logs = {"loss": loss, **self._metric_logs()}
        if return_dict:
            return logs
        values = [loss] + [logs[m.name] for m in self.metrics]
        return values[0] if len(values) == 1 else values


def _data(output):
    """The arrays of a model output: one Tensor, or a list of them."""
    return [t.data for t in output] if isinstance(output, (list, tuple)) else output.data


def _to_host(output):
    if isinstance(output, list):
        return [backend.to_numpy(o) for o in output]
    return backend.to_numpy(output)


def _default_terminate_on_nan():
    from .. import callbacks

    cls = getattr(callbacks, "TerminateOnNaN", None)
    return cls() if cls is not None else None


def _print_summary_line(steps, elapsed, logs):
    from ..callbacks import format_logs, format_time_per_step

    per_step = format_time_per_step(elapsed / max(1, steps))
    text = f"{steps}/{steps} - {elapsed:.0f}s - {per_step}"
    print(f"{text} - {format_logs(logs)}" if logs else text, flush=True)


class _BatchIterator:
    """Batches of (x, y, sample_weight): one permutation per epoch, each batch gathered alone.

    A batch is the next ``batch_size`` entries of the epoch's permutation, taken from the data
    as it lies (``take`` of a few rows costs no more than slicing one shuffled copy of the whole
    set, and no such copy is ever made: memory stays one data set plus one batch); without
    shuffling, batches are views. Memory-mapped arrays are gathered batch by batch with sorted
    indices, so they are never fully loaded.
    """

    def __init__(self, x, y, sample_weight, batch_size, shuffle):
        self.x, self.y, self.sw = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.n = len(x)
        self.streaming = isinstance(x, np.memmap) or isinstance(y, np.memmap)

    def epoch(self, steps):
        n, bs = self.n, self.batch_size
        order = backend.rng().permutation(n) if self.shuffle else None
        if self.streaming:
            yield from self._streamed(order, steps)
            return
        x, y, sw = self.x, self.y, self.sw
        for step in range(steps):
            start = (step * bs) % n
            end = min(start + bs, n)
            if order is None:
                yield x[start:end], y[start:end], None if sw is None else sw[start:end]
            else:
                idx = order[start:end]
                yield _rows(x, idx), _rows(y, idx), None if sw is None else _rows(sw, idx)

    def _streamed(self, order, steps):
        n, bs = self.n, self.batch_size
        dtype = backend.floatx()
        for step in range(steps):
            start = (step * bs) % n
            idx = np.arange(start, min(start + bs, n)) if order is None else np.sort(
                order[start:start + bs])
            xb = np.asarray(self.x[idx]).astype(dtype, copy=False)
            yb = np.asarray(self.y[idx])
            yield xb, yb, None if self.sw is None else self.sw[idx]


def _rows(data, idx):
    """The rows ``idx`` of an array (``take``: the fastest gather) or of a MultiArray."""
    return data.take(idx, axis=0) if type(data) is np.ndarray else data[idx]
