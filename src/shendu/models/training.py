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
from ..data.sources import BatchSource, is_batch_source
from ..errors import (
    ArgumentError,
    NotBuiltError,
)
from . import custom_steps, targets
from .batches import ArrayBatches, SourceBatches
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
        custom_steps.refuse_train_step(self)  # Keras's train_step(data) needs a GradientTape
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
        epochs = _capped_epochs(epochs)  # shendu.config.set_max_epochs (debugging cap)
        if isinstance(validation_split, bool) or not (
                isinstance(validation_split, (int, float)) and 0.0 <= validation_split < 1.0):
            raise ArgumentError(
                f"fit: validation_split must be in [0, 1), got {validation_split!r}. "
                "Hint: 0.2 keeps the last 20% of the samples for validation."
            )
        if is_batch_source(x):
            steps_per_epoch = _config().capped_steps(steps_per_epoch, "fit")  # debugging cap
            batches, steps = self._source_for_fit(x, y, sample_weight, validation_split,
                                                  class_weight, shuffle, steps_per_epoch)
            output_shape = batches.output_shape
        else:
            x, y, output_shape = self._check_xy(x, y)
            self._try_metrics(y, output_shape, batch_size)
            sample_weight = check.check_sample_weight(sample_weight, len(x))
            if class_weight is not None:
                sample_weight = targets.class_weights_to_sample_weights(class_weight, y,
                                                                        sample_weight)
            if validation_data is None and validation_split:
                validation_data, x, y, sample_weight = _split_off(validation_split, x, y,
                                                                  sample_weight)
            batches = ArrayBatches(x, y, sample_weight, batch_size, shuffle)
            steps = steps_per_epoch or math.ceil(len(x) / batch_size)
            steps = _config().capped_steps(steps, "fit")  # config.set_max_steps_per_epoch
        if is_batch_source(validation_data):
            validation_data = self._validation_source(validation_data, validation_steps,
                                                      epochs - initial_epoch, validation_freq)
        elif validation_data is not None:
            validation_data = self._check_validation_data(validation_data, output_shape)

        flat = self._ensure_flat()
        self.optimizer.ensure_built(flat)
        history = History()  # last, as in Keras: it records what the callbacks add to logs
        cbs = []
        if not any(type(cb).__name__ == "TerminateOnNaN" for cb in user_callbacks):
            cbs.append(_default_terminate_on_nan())
        if verbose == "auto":
            verbose = 1
        if verbose and not any(isinstance(cb, ProgbarLogger) for cb in user_callbacks):
            # interactive logging off (config.disable_interactive_logging): lines to `logging`
            cbs.append(ProgbarLogger(verbose=verbose, stream=_progress_stream()))
        callback_list = CallbackList(
            [c for c in cbs if c is not None] + user_callbacks + [history], model=self,
            params={"epochs": epochs, "steps": steps, "verbose": verbose, "batch_size": batch_size},
        )
        self.stop_training = False
        callback_list.on_train_begin()
        # a callback restoring a backup (BackupAndRestore) says where training resumes
        initial_epoch = max(initial_epoch, self.__dict__.pop("_initial_epoch_override", 0))
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
            batches.end_epoch()
            if seen == 0:  # a generator read to its end in an earlier epoch
                _warn_ran_out(steps)
                break
            logs = {"loss": loss_total / max(1, seen), **self._metric_logs()}
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val = self._validate(validation_data, validation_batch_size or batch_size,
                                     validation_steps, callback_list)
                logs.update({f"val_{k}": v for k, v in val.items()})
            callback_list.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        if epochs > 0 and getattr(self, "optimizer", None) is not None:
            # with use_ema, the weights become their moving averages (Keras's fit does this)
            self.optimizer.finalize_variable_values()
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

    def _source_for_fit(self, x, y, sample_weight, validation_split, class_weight, shuffle,
                        steps_per_epoch):
        """fit's batches from a generator or PyDataset, the first checked; and the steps."""
        source = BatchSource(x, "x")
        _refuse_with_source("fit", source, y=y, sample_weight=sample_weight,
                            validation_split=validation_split or None)
        batches = SourceBatches(self, source, "fit", class_weight=class_weight,
                                shuffle=shuffle)
        _, y_first, _ = batches.start(steps_per_epoch)
        self._try_metrics(y_first, batches.output_shape, len(y_first))
        return batches, steps_per_epoch or source.num_batches

    def _validation_source(self, data, steps, epochs, freq) -> BatchSource:
        """validation_data given as a generator or PyDataset (a generator read once a run)."""
        source = BatchSource(data, "validation_data")
        if not source.rereadable and steps is None and epochs // (freq or 1) > 1:
            raise ArgumentError(
                f"fit: validation_data is a {type(data).__name__}, read to its end at the first "
                f"validation, but validation runs {epochs // (freq or 1)} times. Hint: pass "
                "validation_steps= (that many batches each time), or a PyDataset, or arrays."
            )
        return source

    def _validate(self, data, batch_size, steps, callbacks) -> dict:
        """The validation logs (without the val_ prefix) at the end of an epoch."""
        if isinstance(data, BatchSource):
            return self.evaluate(data, verbose=0, steps=steps, callbacks=callbacks,
                                 return_dict=True)
        return self.evaluate(*data[:2], sample_weight=data[2] if len(data) > 2 else None,
                             batch_size=batch_size, verbose=0, steps=steps, callbacks=callbacks,
                             return_dict=True, _checked=True)

    # -- evaluate / predict -------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _checked=False):
        """Loss and metrics on (x, y): a number, a list ``[loss, *metrics]``, or a dict."""
        self._require_compiled("evaluate")
        batch_size = check.check_positive_int(batch_size, "batch_size") or 32
        steps = check.check_positive_int(steps, "steps")
        source = _as_source(x)
        if source is not None:
            _refuse_with_source("evaluate", source, y=y, sample_weight=sample_weight)
            batches = SourceBatches(self, source, "evaluate")
            count = steps or source.num_batches
            _, y_first, _ = batches.start(count)
            self._try_metrics(y_first, batches.output_shape, len(y_first))
        else:
            if not _checked:
                x, y, output_shape = self._check_xy(x, y)
                self._try_metrics(y, output_shape, batch_size)
                sample_weight = check.check_sample_weight(sample_weight, len(x))
            batches = ArrayBatches(x, y, sample_weight, batch_size, shuffle=False)
            count = steps or math.ceil(len(x) / batch_size)
        count = _config().capped_steps(count, "evaluate")  # config.set_max_steps_per_epoch
        user_step = custom_steps.user_step(self, "test_step")  # Keras's test_step(data)
        custom_steps.reset(self) if user_step is not None else self._reset_metrics()
        start = time.perf_counter()
        loss_total, seen, step, logs = 0.0, 0, -1, {}
        hooks = self._callback_list(callbacks, {"steps": count, "verbose": verbose})
        hooks.on_test_begin()
        for step, (xb, yb, swb) in enumerate(batches.epoch(count)):
            hooks.on_test_batch_begin(step)
            if user_step is not None:  # its dict is the logs (the last batch's, as in Keras)
                logs = custom_steps.run_test_step(self, user_step, xb, yb, swb)
                hooks.on_test_batch_end(step, dict(logs))
                continue
            loss_total += self.test_step(xb, yb, swb) * len(xb)
            seen += len(xb)
            if hooks.has_hook("on_test_batch_end"):
                hooks.on_test_batch_end(step, {"loss": loss_total / seen, **self._metric_logs()})
        batches.end_epoch()
        if user_step is None:
            logs = {"loss": loss_total / max(1, seen), **self._metric_logs()}
        hooks.on_test_end(logs)
        if verbose:
            _print_summary_line(step + 1, time.perf_counter() - start, logs)
        if return_dict:
            return logs
        if user_step is not None:
            return custom_steps.ordered_values(logs)
        values = [logs["loss"]] + [logs[m.name] for m in self.metrics]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for x, batch by batch, as one NumPy array."""
        source = _as_source(x)
        if source is not None:
            steps = _config().capped_steps(check.check_positive_int(steps, "steps"), "predict")
            return self._predict_source(source, steps, verbose, callbacks)
        if batch_size is None and steps is None and callbacks is None and (
                verbose == "auto" or not verbose) and custom_steps.user_step(
                    self, "predict_step") is None:
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
        if _config().max_steps_per_epoch() is not None:  # config.set_max_steps_per_epoch
            steps = _config().capped_steps(steps or math.ceil(len(x) / batch_size), "predict")
        if steps is not None:
            x = x[:steps * batch_size]
        start = time.perf_counter()
        n = len(x)
        forward = self._predict_forward()
        if callbacks:
            parts = (x[i:i + batch_size] for i in range(0, n, batch_size))
            return self._predict_batches(parts, forward, math.ceil(n / batch_size), callbacks)[0]
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

    def _predict_forward(self):
        """predict's function of one batch: a user's predict_step(data), a chain, or autograd."""
        user_step = custom_steps.user_step(self, "predict_step")
        if user_step is not None:
            return lambda xb: custom_steps.run_predict_step(user_step, xb)
        plan = self._predict_plan()
        return plan.predict if plan is not None else self._predict_batch

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
        out = _data(self._outputs_as_list(self(x, training=False)))
        self._clear_layer_losses()  # activity penalties of a batch no step will read
        return out

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

    def _predict_source(self, source, steps, verbose, callbacks):
        """predict over a generator's or PyDataset's batches (their y, if any, unused)."""
        batches = SourceBatches(self, source, "predict", with_targets=False)
        batches.start(steps)  # builds the model from the first batch
        forward = self._predict_forward()
        start = time.perf_counter()
        parts = (xb for xb, _, _ in batches.epoch(steps))
        out, count = self._predict_batches(parts, forward, steps or source.num_batches, callbacks)
        batches.end_epoch()
        if verbose and verbose != "auto":
            _print_summary_line(count, time.perf_counter() - start, {})
        return out

    def _predict_batches(self, parts, forward, count, callbacks):
        """Outputs of ``forward`` over the batches ``parts`` (with the callbacks' predict hooks),
        and how many batches there were."""
        hooks = self._callback_list(callbacks, {"steps": count, "verbose": 0})
        hooks.on_predict_begin()
        outputs = []
        with no_grad():
            for step, xb in enumerate(parts):
                hooks.on_predict_batch_begin(step)
                outputs.append(_to_host(forward(xb)))
                hooks.on_predict_batch_end(step, {"outputs": outputs[-1]})
        hooks.on_predict_end()
        return self._outputs_as_given(concat_outputs(outputs)), len(outputs)

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
        custom_steps.refuse_train_step(self)
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
        sample_weight = check.check_sample_weight(sample_weight, len(x))
        user_step = custom_steps.user_step(self, "test_step")  # Keras's test_step(data)
        if user_step is not None:
            custom_steps.reset(self)
            logs = custom_steps.run_test_step(self, user_step, x, y, sample_weight)
            return logs if return_dict else custom_steps.ordered_values(logs)
        self._reset_metrics()
        loss = self.test_step(x, y, sample_weight)
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


def _as_source(x) -> BatchSource | None:
    """x as a BatchSource when it is a generator, iterator or PyDataset (else None)."""
    if type(x) is np.ndarray:  # the common case, first: predict on a few rows is microseconds
        return None
    if isinstance(x, BatchSource):
        return x
    return BatchSource(x, "x") if is_batch_source(x) else None


def _split_off(fraction, x, y, sample_weight):
    """validation_split: the last ``fraction`` of the rows as (x, y, sw), and the rest."""
    cut = int(len(x) * (1.0 - fraction))
    if cut == 0 or cut == len(x):
        raise ArgumentError(
            f"fit: validation_split={fraction} leaves "
            f"{'no training' if cut == 0 else 'no validation'} samples out of {len(x)}. "
            "Hint: use more data or a different split."
        )
    held = (x[cut:], y[cut:]) if sample_weight is None else (
        x[cut:], y[cut:], sample_weight[cut:])
    return held, x[:cut], y[:cut], None if sample_weight is None else sample_weight[:cut]


_CARRIED = {
    "y": "the batches carry their targets. Hint: return (x, y) from each batch",
    "sample_weight": "the batches carry their weights. Hint: return (x, y, sample_weight) from "
                     "each batch",
    "validation_split": "a stream of batches cannot be split. Hint: pass validation_data= a "
                        "second generator or PyDataset",
}


def _refuse_with_source(purpose, source, **given):
    """Arguments that a generator or PyDataset carries itself, refused by name when given."""
    for name, value in given.items():
        if value is not None:
            raise ArgumentError(f"{purpose}: {name} cannot be given with x as {source.what}; "
                                f"{_CARRIED[name]}.")


def _warn_ran_out(steps) -> None:
    import warnings

    need = f"steps_per_epoch={steps} batches an epoch" if steps else "one pass an epoch"
    warnings.warn(
        f"fit: the generator ran out of batches, so training stops here. It must give {need} "
        "for every epoch. Hint: loop forever in the generator (while True) and pass "
        "steps_per_epoch, or pass a PyDataset, which is read afresh each epoch.",
        stacklevel=3,
    )


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
    from ..utils.io_utils import print_msg  # stdout, or `logging` (interactive logging off)

    per_step = format_time_per_step(elapsed / max(1, steps))
    text = f"{steps}/{steps} - {elapsed:.0f}s - {per_step}"
    print_msg(f"{text} - {format_logs(logs)}" if logs else text)


# -- shendu.config's debugging caps and interactive logging (config.py, utils/io_utils.py) ----
def _config():
    from .. import config

    return config


def _capped_epochs(epochs):
    """fit's ``epochs`` limited by ``config.set_max_epochs`` (Keras 3.15: warn when it cuts)."""
    cap = _config().max_epochs()
    if cap is not None and cap < epochs:
        import warnings

        warnings.warn(f"fit: limiting the epochs to {cap} (shendu.config.set_max_epochs).",
                      stacklevel=3)
        return cap
    return epochs


def _progress_stream():
    from ..utils.io_utils import progress_stream

    return progress_stream()
