"""Losses, in function form (per-sample values) and class form (reduced to one number).

Cross-entropies on the output of a sigmoid or softmax use that activation's logits, so the
backward is the stable ``p - y`` (Keras does the same inside ``fit``); on other inputs they
clip probabilities to [ε, 1 − ε] as Keras does.

>>> import numpy as np
>>> from shendu import losses
>>> y_true, y_pred = np.array([[0.0], [1.0]]), np.array([[0.5], [0.5]])
>>> float(losses.MeanSquaredError()(y_true, y_pred).data)
0.25
>>> float(losses.HalfMeanSquaredError()(y_true, y_pred).data)
0.125
"""

from __future__ import annotations

import numpy as np

from . import ops
from .autograd import Tensor, as_tensor
from .backend import epsilon
from .errors import ArgumentError, unknown_name

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "none", None)


def _align(y_true, y_pred):
    """Tensors of y_pred's dtype; a y_true missing a trailing axis of 1 gets one."""
    y_pred = as_tensor(y_pred)
    y_true = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = y_true.astype(y_pred.dtype)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return Tensor(y_true), y_pred


# -- function forms: per-sample losses (mean over the last axis) ----------------------------
def mean_squared_error(y_true, y_pred):
    """mean((y − ŷ)²) over the last axis."""
    y_true, y_pred = _align(y_true, y_pred)
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


def half_mean_squared_error(y_true, y_pred):
    """The seed's J(θ) per sample: ½ Σ (y − ŷ)² over the last axis; its batch mean is 1/(2m) Σ."""
    y_true, y_pred = _align(y_true, y_pred)
    return ops.sum(ops.square(y_pred - y_true), axis=-1) * 0.5


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """−[y log p + (1 − y) log(1 − p)], averaged over ``axis``."""
    y_true, y_pred = _align(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    logits = y_pred if from_logits else y_pred.logits
    if logits is not None and (from_logits or _is_sigmoid(y_pred)):
        return ops.mean(ops.sigmoid_binary_crossentropy(logits, y_true), axis=axis)
    eps = epsilon()
    p = ops.clip(y_pred, eps, 1.0 - eps)
    bce = y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p)
    return -ops.mean(bce, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """−Σ y log p over ``axis`` (y one-hot or a distribution)."""
    y_true, y_pred = _align(y_true, y_pred)
    if label_smoothing:
        classes = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    logits = y_pred if from_logits else y_pred.logits
    if logits is not None and (from_logits or _is_softmax(y_pred, axis)):
        return ops.softmax_cross_entropy(logits, y_true, axis=axis)
    eps = epsilon()
    p = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
    p = ops.clip(p, eps, 1.0 - eps)
    return -ops.sum(y_true * ops.log(p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """−log p[label] for integer labels."""
    y_pred = as_tensor(y_pred)
    labels = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    labels = labels.astype(np.int64, copy=False)
    logits = y_pred if from_logits else y_pred.logits
    if logits is None or not (from_logits or _is_softmax(y_pred, -1)):
        eps = epsilon()
        p = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
        logits = ops.log(ops.clip(p, eps, 1.0 - eps))
    return ops.sparse_softmax_cross_entropy(logits, labels)


def _is_sigmoid(t: Tensor) -> bool:
    return t.logits is not None


def _is_softmax(t: Tensor, axis) -> bool:
    return t.logits is not None and axis in (-1, t.ndim - 1)


mse = MSE = mean_squared_error
half_mse = half_mean_squared_error


# -- class forms ---------------------------------------------------------------------------
class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` returns a scalar Tensor.

    ``call`` gives per-sample values; ``reduction`` is 'sum_over_batch_size' (Keras's default:
    weighted sum divided by the number of values), 'sum', 'mean' or 'none'.
    """

    fn = None

    def __init__(self, reduction="sum_over_batch_size", name=None, **fn_kwargs):
        if reduction not in REDUCTIONS:
            raise ArgumentError(
                f"{type(self).__name__}: reduction must be one of {REDUCTIONS[:-1]}, "
                f"got {reduction!r}."
            )
        self.reduction = reduction
        self.name = name or _snake(type(self).__name__)
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred):
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        return reduce_loss(values, sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, **self.fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def reduce_loss(values: Tensor, sample_weight=None, reduction="sum_over_batch_size") -> Tensor:
    """Weight per-sample loss values and reduce them the way Keras does."""
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=values.dtype)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:
            sw = sw[..., 0]
        while sw.ndim < values.ndim:
            sw = sw[..., None]
        values = values * Tensor(sw)
    if reduction in ("none", None):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    return total * (1.0 / max(1, values.size))


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class MeanSquaredError(Loss):
    """Mean of (y − ŷ)²."""

    fn = staticmethod(mean_squared_error)


class HalfMeanSquaredError(Loss):
    """The seed's J(θ) = 1/(2m) Σ (y − ŷ)²."""

    fn = staticmethod(half_mean_squared_error)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy (``from_logits``, ``label_smoothing``, ``axis``)."""

    fn = staticmethod(binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, **kwargs):
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
                         **kwargs)


class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy on one-hot targets."""

    fn = staticmethod(categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, **kwargs):
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
                         **kwargs)


class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy on integer labels."""

    fn = staticmethod(sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, ignore_class=None, **kwargs):
        super().__init__(from_logits=from_logits, ignore_class=ignore_class, **kwargs)


ALL: dict[str, object] = {
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "half_mean_squared_error": half_mean_squared_error,
    "half_mse": half_mean_squared_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
}
CLASSES: dict[str, type[Loss]] = {
    "mean_squared_error": MeanSquaredError,
    "half_mean_squared_error": HalfMeanSquaredError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def get(identifier) -> Loss:
    """A Loss object from a name, a class name, a config dict, a Loss or a function."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        fn = ALL.get(identifier.lower()) or ALL.get(_snake(identifier))
        if fn is None:
            by_class = {c.__name__: c for c in CLASSES.values()}
            if identifier in by_class:
                return by_class[identifier]()
            raise unknown_name("loss", identifier, ALL)
        return CLASSES[fn.__name__](name=identifier.lower())
    if isinstance(identifier, dict):
        by_class = {c.__name__: c for c in CLASSES.values()}
        cls = by_class.get(identifier.get("class_name"))
        if cls is None:
            raise unknown_name("loss", identifier.get("class_name"), by_class)
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise unknown_name("loss", identifier, ALL)


class LossFunctionWrapper(Loss):
    """Wraps a user function ``fn(y_true, y_pred) -> per-sample Tensor`` as a Loss."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, **kwargs):
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", "loss"),
                         **kwargs)
        self.user_fn = fn

    def call(self, y_true, y_pred):
        y_true, y_pred = _align(y_true, y_pred)
        return self.user_fn(y_true, y_pred, **self.fn_kwargs)


def serialize(loss: Loss) -> dict:
    return {"class_name": type(loss).__name__, "config": loss.get_config()}
