"""Model: compile, fit, evaluate, predict — the Keras training API on shendu's autograd.

The loop never knows which layers exist: a step is ``y_pred = model(x)``, ``loss.backward()``,
``optimizer.apply(flat)`` where ``flat`` packs every trainable weight into one buffer.

>>> import numpy as np
>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> model = Sequential([Dense(1, activation="sigmoid", input_dim=2)])
>>> model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
>>> history = model.fit(np.zeros((4, 2)), np.zeros(4), epochs=2, verbose=0)
>>> sorted(history.history)
['accuracy', 'loss']
"""

from __future__ import annotations

import copy
import math
import time
from typing import TYPE_CHECKING

import numpy as np

from .. import backend
from ..autograd import Tensor, is_grad_enabled, no_grad
from ..data import validation as check
from ..errors import (
    ArgumentError,
    DTypeError,
    NotBuiltError,
    NotCompiledError,
    ShapeError,
    ShenduError,
)
from ..layers.base import Layer
from ..parameters import FlatParameters
from . import targets
from .multi_io import MultiArray, as_arrays, concat_outputs, per_output
from .predict_path import lean_call, lean_predict

if TYPE_CHECKING:
    from ..callbacks import History
    from .chain import ChainPlan

_FLOAT = np.dtype("float32")
_KERAS_ONLY_COMPILE_ARGS = ("run_eagerly", "steps_per_execution", "jit_compile",
                            "auto_scale_loss")


class Model(Layer):
    """Base of Sequential (and of subclassed models with their own ``call``)."""

    use_fast_path = True  # run chains of layers without a graph (False: always autograd)

    def __new__(cls, *args, **kwargs):
        # Model(inputs, outputs) is a functional model, as in Keras
        if cls is Model and (args or {"inputs", "outputs"} & set(kwargs)):
            from .functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """A model from its ``get_config()``; ``Model.from_config`` of a functional model's
        config rebuilds the functional model, as in Keras."""
        if cls is Model and {"layers", "inputs", "outputs"} <= set(config):
            from .functional import Functional

            return Functional.from_config(config, custom_objects)
        return super().from_config(config)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._flat: FlatParameters | None = None
        self._plan: ChainPlan | None = None
        self._metric_specs: list = []
        self._weighted_metric_specs: list = []
        self._output_losses = None  # one Loss per output, for models with several outputs
        self._loss_trackers: list = []
        self._metrics: list | None = None
        self._weighted_metrics: list | None = None

    def __call__(self, inputs, *args, training=None, **kwargs):
        if not (args or kwargs or training or is_grad_enabled()):
            out = lean_call(self, inputs)  # inference on an array (models/predict_path.py)
            if out is not None:
                return Tensor(out)
        return super().__call__(inputs, *args, training=training, **kwargs)

    # -- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, weighted_metrics=None,
                loss_weights=None, **kwargs) -> None:
        """Choose the optimizer, the loss and the metrics (names or objects).

        A model with several outputs takes one loss for all, a list, or a dict by output name;
        likewise ``loss_weights`` and ``metrics`` (a flat list applies to every output).
        """
        unknown = set(kwargs) - set(_KERAS_ONLY_COMPILE_ARGS)
        if unknown:
            raise ArgumentError(
                f"compile: unknown argument(s) {sorted(unknown)}. "
                "Hint: compile(optimizer=..., loss=..., metrics=[...])."
            )
        if loss is None:
            raise ArgumentError(
                "compile: expected a loss, got None. Hint: loss='binary_crossentropy' for two "
                "classes, 'sparse_categorical_crossentropy' for integer labels, 'mse' for numbers."
            )
        from .. import losses as losses_mod
        from .. import metrics as metrics_mod
        from .. import optimizers as optimizers_mod

        optimizer = optimizers_mod.get(optimizer)  # resolve everything before changing state
        names = self._multi_output_names()
        output_losses = output_metrics = None
        weights, single_weight = None, 1.0
        if names:
            output_losses = [losses_mod.get(spec) for spec in per_output(loss, names, "loss")]
            weights = [1.0 if w is None else _loss_weight(w, f"loss_weights['{n}']")
                       for w, n in zip(per_output(1.0 if loss_weights is None else loss_weights,
                                                  names, "loss_weights"), names)]
            nested = isinstance(metrics, dict) or (
                isinstance(metrics, (list, tuple)) and any(isinstance(m, (list, tuple))
                                                           for m in metrics))
            output_metrics = (per_output(metrics, names, "metrics") if nested
                              else [metrics for _ in names])
            output_metrics = [list(m) if isinstance(m, (list, tuple)) else ([m] if m else [])
                              for m in output_metrics]
            loss = output_losses[0]
            metrics = [spec for specs in output_metrics for spec in specs]
        else:
            loss = losses_mod.get(loss)
            single_weight = self._single_output_loss_weight(loss_weights)
            metrics = self._single_output_metrics(metrics)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            metrics = [metrics]
        if weighted_metrics is not None and not isinstance(weighted_metrics, (list, tuple)):
            weighted_metrics = [weighted_metrics]
        for spec in list(metrics or []) + list(weighted_metrics or []):
            # fail now on unknown names and objects, not after the first gradient step
            metrics_mod.get(spec, loss.name, (1,), (1,))
        self.optimizer, self.loss = optimizer, loss
        self._loss_weights, self._loss_weight = weights, single_weight
        self._output_losses, self._output_metric_specs = output_losses, output_metrics
        self._loss_trackers = [metrics_mod.Mean(name=f"{n}_loss") for n in names or []]
        self._metric_specs = list(metrics or [])
        self._weighted_metric_specs = list(weighted_metrics or [])
        self._metrics = None
        self._weighted_metrics = None
        self._flat = None
        self.compiled = True

    def _single_output_loss_weight(self, loss_weights) -> float:
        """The one output's loss weight (Keras scales the loss by it): a number, or a list or
        dict of one entry; 1.0 when not given."""
        if loss_weights is None:
            return 1.0
        value = loss_weights
        if isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        elif isinstance(value, dict) and len(value) == 1:
            value = next(iter(value.values()))
        if isinstance(value, (list, tuple, dict)):
            raise ArgumentError(
                f"compile: loss_weights has {len(value)} entries, but model '{self.name}' has one "
                "output. Hint: give one weight, e.g. loss_weights=[0.5], or leave it out."
            )
        return _loss_weight(value, "loss_weights")

    def _single_output_metrics(self, metrics):
        """Keras's ``metrics={output_name: [...]}`` for a model with one output → the list."""
        if not isinstance(metrics, dict):
            return metrics
        names = getattr(self, "output_names", None) or [
            layer.name for layer in self._layers[-1:]]
        if len(metrics) != 1 or next(iter(metrics)) not in names:
            raise ArgumentError(
                f"compile: metrics is a dict keyed by {sorted(map(str, metrics))}, but model "
                f"'{self.name}' has one output, named {names[0] if names else '(none yet)'!r}. "
                "Hint: pass a list, e.g. metrics=['accuracy']."
            )
        return next(iter(metrics.values()))

    @property
    def metrics(self) -> list:
        return (list(getattr(self, "_loss_trackers", [])) + list(self._metrics or [])
                + list(self._weighted_metrics or []))

    def _multi_output_names(self) -> list[str] | None:
        names = getattr(self, "output_names", None)
        return list(names) if names and len(names) > 1 else None

    @property
    def metrics_names(self) -> list[str]:
        return ["loss"] + [m.name for m in self.metrics]

    def _build_metrics(self, y, y_pred) -> None:
        if self._metrics is not None:
            return
        if self._output_losses is not None:
            self._build_output_metrics(y, y_pred)
            return
        from .. import metrics as metrics_mod

        loss_name = getattr(self.loss, "name", None)
        self._metrics = [metrics_mod.get(s, loss_name, y.shape, y_pred.shape)
                         for s in self._metric_specs]
        self._weighted_metrics = [metrics_mod.get(s, loss_name, y.shape, y_pred.shape)
                                  for s in self._weighted_metric_specs]
        for m in self._weighted_metrics:
            if m.name in {x.name for x in self._metrics}:
                m.name = "weighted_" + m.name

    def _build_output_metrics(self, y, y_pred) -> None:
        """One metric per (output, spec), logged as '<output>_<metric>'; y is a MultiArray."""
        from .. import metrics as metrics_mod

        self._metrics, self._weighted_metrics, self._metric_output = [], [], {}
        for i, (name, specs) in enumerate(zip(self.output_names, self._output_metric_specs)):
            for spec in specs:
                metric = metrics_mod.get(spec, self._output_losses[i].name, y[i].shape,
                                         y_pred[i].shape)
                metric.name = f"{name}_{metric.name}"
                self._metrics.append(metric)
                self._metric_output[id(metric)] = i

    def _try_metrics(self, y, output_shape, batch_size: int) -> None:
        """Build the metrics and run a copy of each of shendu's own on the first and the last
        batch's worth of targets (against made-up outputs of the output shape), before any step.

        A metric that cannot read these targets (say 'binary_accuracy' with integer labels
        against three outputs) then fails here, with its name, and not after the optimizer has
        already changed the weights. Copies leave the metrics' state alone; metrics written
        by the user are not run (their update_state may have effects of its own). Runs only
        while the metrics are not built yet.
        """
        if self._metrics is not None or not (self._metric_specs or self._weighted_metric_specs
                                             or getattr(self, "_output_metric_specs", None)):
            return
        several = isinstance(y, MultiArray)
        shapes = output_shape if several else [
            output_shape[0] if isinstance(output_shape, list) else output_shape]
        n = len(y)
        trials = []
        for rows in sorted({min(batch_size, n), n % batch_size or min(batch_size, n)},
                           reverse=True):
            targets_ = list(y[:rows]) if several else [y[:rows]]
            probes = [np.full(_probe_shape(shape, t), 0.5, dtype=backend.floatx())
                      for shape, t in zip(shapes, targets_)]
            trials.append((targets_, probes))
        targets_, probes = trials[0]
        self._build_metrics(y[:len(targets_[0])], MultiArray(probes) if several else probes[0])
        outputs = getattr(self, "_metric_output", {})
        own = [m for m in self.metrics[len(self._loss_trackers):] if _shendu_metric(m)]
        for (targets_, probes), metric in ((t, m) for t in trials for m in own):
            i = outputs.get(id(metric), 0)
            try:
                copy.deepcopy(metric).update_state(targets_[i], probes[i])
            except (ValueError, TypeError, IndexError) as err:
                self._metrics = self._weighted_metrics = None
                detail = str(err) if isinstance(err, ShenduError) else (
                    f"{type(err).__name__}: {err}")
                raise ShapeError(
                    f"Model '{self.name}': metric '{metric.name}' cannot compare targets of "
                    f"shape {targets_[i].shape} with outputs of shape {probes[i].shape} "
                    f"({detail.rstrip('. ')}). Hint: integer labels take "
                    "'sparse_categorical_accuracy', one-hot targets 'categorical_accuracy', "
                    "one sigmoid output 'binary_accuracy'; 'accuracy' picks the right one from "
                    "the loss."
                ) from None

    def _reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def _update_metrics(self, y, y_pred, sample_weight) -> None:
        if self._output_losses is not None:
            for m in self._metrics:
                i = self._metric_output[id(m)]
                m.update_state(y[i], y_pred[i])
            return
        for m in self._metrics:
            m.update_state(y, y_pred)
        for m in self._weighted_metrics:
            m.update_state(y, y_pred, sample_weight)

    def _metric_logs(self) -> dict:
        return {m.name: _log_value(m.result()) for m in self.metrics}

    # -- building ---------------------------------------------------------------------------
    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise NotCompiledError(
                f"Model '{self.name}': {what} needs a compiled model. "
                "Hint: call model.compile(optimizer='adam', loss='...') first."
            )

    def _check_x(self, x, name="x"):
        """Inputs checked: one array, or a MultiArray for a model with several inputs."""
        names = getattr(self, "input_names", None)
        if names and (len(names) > 1 or isinstance(x, dict)):
            return as_arrays(x, names, name)
        if names and isinstance(x, (list, tuple)) and len(x) == 1:
            x = x[0]  # a one-input model given [x]
        if self.takes_strings:  # raw text for a TextVectorization first layer, kept as text
            return check.check_strings(x, name, f"Model '{self.name}'")
        try:
            return check.check_array(x, name)
        except DTypeError as err:
            raise self._strings_refused(x, name) or err from None

    @property
    def takes_strings(self) -> bool:
        """True when the first layer reads raw text (TextVectorization), so x stays strings."""
        inputs = getattr(self, "inputs", None)
        if inputs is not None:  # functional: one Input(dtype="string")
            return len(inputs) == 1 and inputs[0].dtype == "string"
        return bool(self._layers) and getattr(self._layers[0], "takes_strings", False)

    def _strings_refused(self, x, name):
        """The error for text given to a model whose first layer takes numbers (else None)."""
        try:
            array = np.asarray(x)
        except (ValueError, TypeError):
            return None
        text = array.dtype.kind in "US" or (array.dtype.kind == "O" and all(
            isinstance(v, (str, bytes)) for v in array.ravel()))
        if not text or not self._layers:
            return None  # not all text (e.g. mixed object columns): check_array's own error
        first = self._layers[0]
        return DTypeError(
            f"{name}: expected a numeric array, got strings (dtype {array.dtype}): model "
            f"'{self.name}' starts with '{first.name}' ({type(first).__name__}), which takes "
            "numbers. Hint: start the model with TextVectorization (e.g. Input(shape=(1,), "
            "dtype='string'), TextVectorization(...)) or encode the texts as numbers first."
        )

    def _check_xy(self, x, y, x_name="x", y_name="y"):
        """(x, y, output shape) checked against each other, the model and the loss."""
        x = self._check_x(x, x_name)
        names = self._multi_output_names() if self._output_losses is not None else None
        if names:
            y = as_arrays(y, names, y_name, allow_int=True)
        else:
            y = check.check_array(y, y_name, allow_int=True)
        check.check_pair(x, y, x_name.split(" ")[0], y_name.split(" ")[0])
        self._prepare_build(x)
        if isinstance(x, MultiArray) or names:
            output_shape = [tuple(t.shape) for t in self.outputs]
        else:
            output_shape = self.output_shape_for((None,) + tuple(x.shape[1:]))
        if names:
            y = MultiArray(targets.check_targets(fn, yi, shape, f"{y_name}['{n}']")
                           for fn, yi, shape, n in zip(self._output_losses, y, output_shape,
                                                       names))
        else:
            shape = output_shape[0] if isinstance(output_shape, list) else output_shape
            y = targets.check_targets(self.loss, y, shape, y_name)
        return x, y, output_shape

    def _prepare_build(self, x) -> None:
        """Build from the data's shape, or check the data against the built input shape."""
        if isinstance(x, MultiArray):
            for i, (array, symbol) in enumerate(zip(x, self.inputs)):
                want = tuple(symbol.shape[1:])
                if len(want) != array.ndim - 1 or any(
                        e is not None and e != d for e, d in zip(want, array.shape[1:])):
                    raise ShapeError(
                        f"Model '{self.name}': input {i} ('{self.input_names[i]}') expects shape "
                        f"(batch, {', '.join(map(str, symbol.shape[1:]))}), got "
                        f"{tuple(array.shape)}. Hint: inputs go in the order of `inputs`."
                    )
            return
        if getattr(x, "dtype", _FLOAT).kind in "OUS":  # texts: (samples,) or (samples, 1)
            if not self.built:
                self.build_from_shape((None,) + tuple(x.shape[1:]))
            return
        expected = getattr(self, "_build_shape", None) if self.built else None
        if getattr(x, "ndim", 2) == 1 and (expected is None or len(expected) > 1):
            columns = expected[-1] if expected else "features"
            raise ShapeError(
                f"Model '{self.name}': expected x of shape (samples, {columns}) with a features "
                f"axis, got a 1-D array of shape {tuple(x.shape)}. Hint: one feature "
                "per sample? use x.reshape(-1, 1); one sample? use x.reshape(1, -1)."
            )
        if not self.built:
            self.build_from_shape((None,) + tuple(x.shape[1:]))
            return
        expected = getattr(self, "_build_shape", None)
        if expected is not None and (len(expected) != x.ndim or any(
                e is not None and e != d for e, d in zip(expected[1:], x.shape[1:]))):
            exp = tuple(expected[1:])
            raise ShapeError(
                f"Model '{self.name}': expected inputs of shape (batch, {', '.join(map(str, exp))})"
                f", got {tuple(x.shape)}. Hint: the model was built for {exp[-1] if exp else 0} "
                "features per sample; check the columns of x."
            )

    def build(self, input_shape=None) -> None:
        """A subclassed model builds its layers by running ``call`` once on zeros."""
        if type(self).call is Layer.call:
            self.built = True
            return

        def zeros(shape):
            return Tensor(np.zeros(tuple(1 if d is None else d for d in shape),
                                   dtype=self.compute_dtype))

        sample = [zeros(s) for s in input_shape] if isinstance(input_shape, list) else zeros(
            input_shape)
        with no_grad():
            self.call(sample, **({"training": False} if self._accepts_training() else {}))
        self._clear_layer_losses()
        self.built = True

    def _ensure_flat(self) -> FlatParameters:
        variables = self.trainable_weights
        if self._flat is None or not self._flat.is_packing(variables):
            self._flat = FlatParameters(variables)
        from .chain import ChainPlan

        self._plan = ChainPlan.for_model(self) if self.use_fast_path else None
        return self._flat

    def output_shape_for(self, input_shape) -> tuple:
        return tuple(self.compute_output_shape(input_shape))

    # -- one step -------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None) -> Tensor:
        """The training objective: the compiled loss plus every regularization loss."""
        if self._output_losses is not None:
            loss = self._multi_output_loss(y, y_pred, sample_weight)
        else:
            loss = self.loss(y, y_pred, sample_weight)
            weight = getattr(self, "_loss_weight", 1.0)
            if weight != 1.0:  # compile(loss_weights=...) on a one-output model scales its loss
                loss = loss * weight
        for extra in self.losses:
            loss = loss + extra
        return loss

    def _multi_output_loss(self, y, y_pred, sample_weight):
        """Σ weight_i · loss_i(y_i, ŷ_i); each term is also tracked as '<output>_loss'."""
        total = None
        for i, (loss_fn, weight) in enumerate(zip(self._output_losses, self._loss_weights)):
            term = loss_fn(y[i], y_pred[i], sample_weight)
            tracker = self._loss_trackers[i]
            tracker.total += float(term.data) * len(y[i])
            tracker.count += len(y[i])
            term = term * weight if weight != 1.0 else term
            total = term if total is None else total + term
        return total

    def _clear_layer_losses(self) -> None:
        stack = [self]
        while stack:
            layer = stack.pop()
            layer._losses.clear()
            stack.extend(layer._layers)

    def train_step(self, x, y, sample_weight=None) -> float:
        """One forward, backward and update on a batch; returns the batch loss."""
        if self._plan is not None:  # a chain of layers: no graph needed (models/chain.py)
            loss_value, y_pred = self._plan.train_step(x, y, sample_weight)
        else:
            flat = self._flat
            flat.zero_grad()
            self._clear_layer_losses()
            predictions = self._outputs_as_list(self(x, training=True))
            loss = self.compute_loss(x, y, predictions, sample_weight)
            loss.backward()
            self.optimizer.apply(flat)
            loss_value, y_pred = float(loss.data), _data(predictions)
        self._build_metrics(y, y_pred)
        self._update_metrics(y, y_pred, sample_weight)
        return loss_value

    def test_step(self, x, y, sample_weight=None) -> float:
        with no_grad():
            self._clear_layer_losses()
            y_pred = self._outputs_as_list(self(x, training=False))
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        self._build_metrics(y, y_pred)
        self._update_metrics(y, _data(y_pred), sample_weight)
        return float(loss.data)

    # -- fit ---------------------------------------------------------------------------------------
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

    # -- inspection ---------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Print the layers, their output shapes and parameter counts; ``show_trainable=True``
        adds Keras's "Trainable" column (Y/N). ``line_length``, ``positions``,
        ``expand_nested`` and ``layer_range`` are accepted for Keras scripts and ignored."""
        from .summary import summary_text

        (print_fn or print)(summary_text(self, show_trainable=show_trainable))

    @property
    def input_shape(self):
        """The shape the model takes (batch axis None); a list of shapes for several inputs."""
        inputs = getattr(self, "inputs", None)
        if inputs:
            return inputs[0].shape if len(inputs) == 1 else [t.shape for t in inputs]
        shape = getattr(self, "_build_shape", None)
        if not self.built or shape is None:
            raise NotBuiltError(
                f"Model '{self.name}' has no input shape yet: it was never built. Hint: start "
                "it with Input(shape=...), or call build(input_shape) or fit() first.")
        return tuple(shape)

    @property
    def output_shape(self):
        """The shape of the model's output (batch axis None); a list for several outputs."""
        outputs = getattr(self, "outputs", None)
        if outputs:
            return outputs[0].shape if len(outputs) == 1 else [t.shape for t in outputs]
        shape = tuple(self.compute_output_shape(self.input_shape))
        return (None,) + shape[1:]

    def get_layer(self, name=None, index=None):
        """A layer by name or by index."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ArgumentError(
                    f"get_layer: index {index} is out of range for a model with {len(layers)} "
                    "layers."
                )
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        from ..errors import unknown_name

        raise unknown_name("layer", name, [layer.name for layer in layers],
                           hint="Hint: model.summary() lists the layer names.")

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    # -- files --------------------------------------------------------------------------------
    def to_json(self, **kwargs) -> str:
        """The architecture as a JSON string (``json.dumps`` keyword arguments pass through).

        Rebuild it with :func:`shendu.models.model_from_json`; weights are not included.
        """
        from .json import model_to_json

        return model_to_json(self, **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True) -> None:
        """Write architecture, weights and optimizer state to one .safetensors file."""
        from ..saving.model_file import save_model

        _check_overwrite(filepath, overwrite)
        save_model(self, filepath, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True) -> None:
        """Write the weights only to a .safetensors file."""
        from ..saving.model_file import save_weights

        _check_overwrite(filepath, overwrite)
        save_weights(self, filepath)

    def load_weights(self, filepath) -> None:
        """Load weights written by ``save_weights`` or ``save`` (shapes must match)."""
        from ..saving.model_file import load_weights

        load_weights(self, filepath)


def _check_overwrite(filepath, overwrite) -> None:
    import os

    if not overwrite and os.path.exists(filepath):
        raise ArgumentError(
            f"save: '{filepath}' exists and overwrite=False. Hint: pick another name or pass "
            "overwrite=True."
        )


def _shendu_metric(metric) -> bool:
    """True for a metric of shendu's own classes (and functions), which has no side effects."""
    fn = getattr(metric, "fn", None)
    return type(metric).__module__.startswith("shendu.") and (
        fn is None or getattr(fn, "__module__", "").startswith("shendu."))


def _probe_shape(output_shape, y) -> tuple:
    """An output of ``output_shape`` for the rows of y; unknown sizes taken from y, else 1."""
    dims = [d if d is not None else (y.shape[i] if i < y.ndim else 1)
            for i, d in enumerate(output_shape) if i > 0]
    return (len(y), *dims)


def _loss_weight(value, what: str) -> float:
    """A loss weight as a float, or an ArgumentError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise ArgumentError(
            f"compile: {what} must be a finite number, got {value!r}. Hint: loss_weights="
            "[1.0, 0.5] counts the second output's loss half as much as the first's."
        )
    return float(value)


def _log_value(result):
    """A float for a scalar metric; an array for per-class results (F1Score(average=None))."""
    result = np.asarray(result)
    return float(result) if result.ndim == 0 else result


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
