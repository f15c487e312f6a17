"""Stateful metrics: ``update_state`` / ``result`` / ``reset_state``, as in ``keras.metrics``.

Metrics work on plain arrays (no gradient). ``"accuracy"`` resolves to binary, categorical or
sparse categorical accuracy from the shapes of the targets and predictions, as Keras does.

>>> import numpy as np
>>> from shendu.metrics import BinaryAccuracy
>>> m = BinaryAccuracy()
>>> m.update_state(np.array([[1], [0]]), np.array([[0.9], [0.8]]))
>>> float(m.result())
0.5
"""

from __future__ import annotations

import numpy as np

from .autograd import Tensor
from .errors import unknown_name


def _array(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where (ŷ > threshold) equals y, per sample (mean over the last axis)."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.ndim == y_pred.ndim - 1:
        y_true = y_true[..., None]
    return ((y_pred > threshold) == (y_true > 0.5)).mean(axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1 where argmax ŷ equals argmax y."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    return (y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where argmax ŷ equals the integer label."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.ndim == y_pred.ndim:
        y_true = y_true[..., 0]
    return (y_pred.argmax(axis=-1) == y_true).astype(np.float64)


class Metric:
    """Base class of stateful metrics."""

    def __init__(self, name=None, dtype=None):
        self.name = name or type(self).__name__.lower()
        self.dtype = dtype
        self.reset_state()

    def reset_state(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def update_state(self, *args, **kwargs) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def result(self):  # pragma: no cover - interface
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Mean(Metric):
    """The (weighted) mean of the values seen."""

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        values = np.asarray(_array(values), dtype=np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += values.size
            return
        sw = np.asarray(sample_weight, dtype=np.float64)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:
            sw = sw[..., 0]
        sw = np.broadcast_to(sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim)), values.shape)
        self.total += float((values * sw).sum())
        self.count += float(sw.sum())

    def result(self):
        return np.float64(self.total / self.count) if self.count else np.float64(0.0)


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred)`` over every sample seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self.fn, self.fn_kwargs = fn, kwargs
        super().__init__(name=name or fn.__name__, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self.fn(y_true, y_pred, **self.fn_kwargs), sample_weight)

    def get_config(self):
        return {"name": self.name, **self.fn_kwargs}


class BinaryAccuracy(MeanMetricWrapper):
    """Share of predictions on the right side of ``threshold``."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose argmax matches the one-hot target."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose argmax matches the integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class Accuracy(MeanMetricWrapper):
    """Share of predictions exactly equal to the targets (Keras's ``Accuracy`` class)."""

    def __init__(self, name="accuracy", dtype=None):
        def accuracy(y_true, y_pred):
            y_true, y_pred = _array(y_true), _array(y_pred)
            return (y_true == y_pred).astype(np.float64)

        super().__init__(accuracy, name=name, dtype=dtype)


ALL: dict[str, type[Metric]] = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
}
ACCURACY_NAMES = ("accuracy", "acc")


def resolve_accuracy(loss_name: str | None, y_true_shape, y_pred_shape) -> type[Metric]:
    """Which accuracy 'accuracy' means for this loss and these shapes (Keras's rule)."""
    if loss_name and "binary" in loss_name:
        return BinaryAccuracy
    if loss_name and "sparse" in loss_name:
        return SparseCategoricalAccuracy
    if loss_name and "categorical" in loss_name:
        return CategoricalAccuracy
    if y_pred_shape[-1] == 1:
        return BinaryAccuracy
    if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        return SparseCategoricalAccuracy
    return CategoricalAccuracy


def get(identifier, loss_name=None, y_true_shape=None, y_pred_shape=None) -> Metric:
    """A Metric from a name, class name, config dict, instance or function."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ACCURACY_NAMES:
            cls = resolve_accuracy(loss_name, y_true_shape, y_pred_shape)
            return cls(name=identifier)
        if key in ALL:
            return ALL[key]()
        by_class = {c.__name__: c for c in ALL.values()}
        if identifier in by_class:
            return by_class[identifier]()
        raise unknown_name("metric", identifier, list(ALL) + list(ACCURACY_NAMES))
    if isinstance(identifier, dict):
        by_class = {c.__name__: c for c in ALL.values()}
        cls = by_class.get(identifier.get("class_name"))
        if cls is None:
            raise unknown_name("metric", identifier.get("class_name"), by_class)
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise unknown_name("metric", identifier, list(ALL) + list(ACCURACY_NAMES))
