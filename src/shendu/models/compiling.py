"""The compile step of a Model: its optimizer, its losses and loss weights, and the metrics
they are tracked with (built on the first batch, tried on copies before any step).

A mixin of :class:`~shendu.models.Model`, which supplies the layers and the training loop.

>>> import numpy as np
>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> model = Sequential([Dense(3, activation="softmax", input_dim=2)])
>>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
>>> model.metrics_names  # the metrics are built on the first batch
['loss']
>>> _ = model.fit(np.zeros((4, 2)), np.zeros(4), verbose=0)
>>> model.metrics_names
['loss', 'accuracy']
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING

import numpy as np

from .. import backend
from ..errors import (
    ArgumentError,
    ShapeError,
    ShenduError,
)
from .multi_io import MultiArray, per_output

if TYPE_CHECKING:
    pass

_KERAS_ONLY_COMPILE_ARGS = ("run_eagerly", "steps_per_execution", "jit_compile",
                            "auto_scale_loss")


class Compilation:
    """``compile`` and the metrics state of a model (a mixin of Model)."""

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
