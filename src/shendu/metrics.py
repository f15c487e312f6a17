"""Stateful metrics: ``update_state`` / ``result`` / ``reset_state``, as in ``keras.metrics``.

Metrics run on plain arrays after every batch, so each update is a few vectorised NumPy calls
that add into running totals (kept in float64); nothing is differentiated. ``"accuracy"``
resolves to binary, categorical or sparse categorical accuracy from the loss and the shapes of
the targets and predictions. The confusion-matrix metrics (Precision, Recall, AUC, F1Score)
live in :mod:`shendu.metrics_confusion`, the rate-at-rate ones (PrecisionAtRecall, ...) in
:mod:`shendu.metrics_at`, the IoU family in :mod:`shendu.metrics_iou`, the correlations in
:mod:`shendu.metrics_correlation` and the loss functions as metric functions in
:mod:`shendu.metrics_losses`; all are re-exported here.

>>> import numpy as np
>>> from shendu.metrics import BinaryAccuracy
>>> m = BinaryAccuracy()
>>> m.update_state(np.array([[1], [0]]), np.array([[0.9], [0.8]]))
>>> float(m.result())
0.5
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ArgumentError, unknown_name
from .metrics_at import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from .metrics_base import Mean, MeanMetricWrapper, Metric, Sum, as_array, same_rank, snake_case
from .metrics_base import metric_class as _wrapper
from .metrics_confusion import (
    AUC,
    F1Score,
    FalseNegatives,
    FalsePositives,
    FBetaScore,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from .metrics_correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from .metrics_iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .metrics_losses import FUNCTIONS as _LOSS_FUNCTIONS
from .metrics_losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "CategoricalHinge", "CosineSimilarity", "F1Score", "FBetaScore",
    "FalseNegatives", "FalsePositives", "Hinge", "KLDivergence", "LogCoshError", "Mean",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanMetricWrapper", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Metric", "Poisson", "Precision", "R2Score", "Recall",
    "RootMeanSquaredError", "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "SquaredHinge", "Sum", "TopKCategoricalAccuracy",
    "TrueNegatives", "TruePositives", "get", "serialize", "deserialize",
    "BinaryIoU", "IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation",
    "ConcordanceCorrelation", "pearson_correlation", "concordance_correlation",
    "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
    "SpecificityAtSensitivity", "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "hinge",
    "huber", "kl_divergence", "poisson", "sparse_categorical_crossentropy", "squared_hinge",
]


# -- accuracies -------------------------------------------------------------------------------
def _equal(y_true, y_pred) -> np.ndarray:
    y_true, y_pred = same_rank(as_array(y_true), as_array(y_pred))
    return y_true == y_pred


def accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where the prediction equals the target exactly, elementwise."""
    return _equal(y_true, y_pred).astype(np.float32)


def _binary_matches(y_true, y_pred, threshold=0.5) -> np.ndarray:
    y_true, y_pred = same_rank(as_array(y_true), as_array(y_pred))
    return y_true == (y_pred > threshold)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> np.ndarray:
    """1.0 where (ŷ > threshold) equals y, elementwise."""
    return _binary_matches(y_true, y_pred, threshold).astype(np.float32)


def _sparse_matches(labels: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        return (labels[..., 0] == y_pred.argmax(axis=-1))[..., None]
    return labels == y_pred.argmax(axis=-1)


def _categorical_matches(y_true, y_pred) -> np.ndarray:
    return _sparse_matches(as_array(y_true).argmax(axis=-1), as_array(y_pred))


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where argmax ŷ equals argmax y (ties go to the first index)."""
    return _categorical_matches(y_true, y_pred).astype(np.float32)


def _sparse_categorical_matches(y_true, y_pred) -> np.ndarray:
    return _sparse_matches(as_array(y_true), as_array(y_pred))


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where argmax ŷ equals the integer label."""
    return _sparse_categorical_matches(y_true, y_pred).astype(np.float32)


def _in_top_k(labels: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """Whether each label's score is among the k largest (ties at the boundary count)."""
    classes = y_pred.shape[-1]
    scores = y_pred.reshape(-1, classes)
    labels = labels.reshape(-1).astype(np.int64)
    if k >= classes:
        return np.ones(labels.shape, dtype=bool)
    kth = np.partition(scores, classes - k, axis=-1)[:, classes - k]
    return np.take_along_axis(scores, labels[:, None], axis=-1)[:, 0] >= kth


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> np.ndarray:
    """1.0 where the one-hot target's class is among the k highest scores."""
    labels = as_array(y_true).argmax(axis=-1)
    return _in_top_k(labels, as_array(y_pred), k).reshape(labels.shape).astype(np.float32)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5,
                                      from_sorted_ids: bool = False) -> np.ndarray:
    """1.0 where the integer label is among the k highest scores (or, with
    ``from_sorted_ids``, among the first k ids of y_pred)."""
    labels, y_pred = as_array(y_true), as_array(y_pred)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if from_sorted_ids:
        return (y_pred[..., :k] == labels[..., None]).any(axis=-1).astype(np.float32)
    return _in_top_k(labels, y_pred, k).reshape(labels.shape).astype(np.float32)


class BinaryAccuracy(MeanMetricWrapper):
    """Share of predictions on the right side of ``threshold``.

    >>> m = BinaryAccuracy(threshold=0.5)
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> float(m.result())
    0.75
    """

    matches = staticmethod(_binary_matches)

    def __init__(self, name: str | None = "binary_accuracy", dtype=None,
                 threshold: float = 0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


Accuracy = _wrapper(accuracy, "Accuracy", "accuracy",
                    "Share of predictions exactly equal to their targets.",
                    "    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])\n"
                    "    >>> float(m.result())\n    0.75\n", matches=_equal)
CategoricalAccuracy = _wrapper(
    categorical_accuracy, "CategoricalAccuracy", "categorical_accuracy",
    "Share of samples whose argmax matches the one-hot target's.",
    "    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])\n"
    "    >>> float(m.result())\n    0.5\n", matches=_categorical_matches)
SparseCategoricalAccuracy = _wrapper(
    sparse_categorical_accuracy, "SparseCategoricalAccuracy", "sparse_categorical_accuracy",
    "Share of samples whose argmax matches the integer label.",
    "    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])\n"
    "    >>> float(m.result())\n    0.5\n", matches=_sparse_categorical_matches)
TopKCategoricalAccuracy = _wrapper(
    top_k_categorical_accuracy, "TopKCategoricalAccuracy", "top_k_categorical_accuracy",
    "Share of samples whose one-hot target is among the ``k`` highest scores.",
    "    >>> m = metrics.TopKCategoricalAccuracy(k=1)\n"
    "    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])\n"
    "    >>> float(m.result())\n    0.5\n", positional=("k", "name", "dtype"), k=5)
SparseTopKCategoricalAccuracy = _wrapper(
    sparse_top_k_categorical_accuracy, "SparseTopKCategoricalAccuracy",
    "sparse_top_k_categorical_accuracy",
    "Share of samples whose integer label is among the ``k`` highest scores.",
    "    >>> m = metrics.SparseTopKCategoricalAccuracy(k=1)\n"
    "    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])\n"
    "    >>> float(m.result())\n    0.5\n", positional=("k", "name", "dtype", "from_sorted_ids"),
    k=5, from_sorted_ids=False)


# -- regression -------------------------------------------------------------------------------
def _errors(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    return same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred) -> np.ndarray:
    """mean((y − ŷ)²) over the last axis."""
    y_true, y_pred = _errors(y_true, y_pred)
    return np.square(y_true - y_pred).mean(axis=-1)


def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    """mean(|y − ŷ|) over the last axis."""
    y_true, y_pred = _errors(y_true, y_pred)
    return np.abs(y_true - y_pred).mean(axis=-1)


def mean_absolute_percentage_error(y_true, y_pred) -> np.ndarray:
    """100 · mean(|y − ŷ| / max(|y|, ε)) over the last axis."""
    from .backend import epsilon

    y_true, y_pred = _errors(y_true, y_pred)
    diff = np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), epsilon())
    return 100.0 * diff.mean(axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred) -> np.ndarray:
    """mean((log(max(ŷ, ε) + 1) − log(max(y, ε) + 1))²) over the last axis."""
    from .backend import epsilon

    y_true, y_pred = _errors(y_true, y_pred)
    eps = epsilon()
    diff = np.log(np.maximum(y_pred, eps) + 1.0) - np.log(np.maximum(y_true, eps) + 1.0)
    return np.square(diff).mean(axis=-1)


def _normalize(x: np.ndarray, axis: int) -> np.ndarray:
    from .backend import epsilon

    norm = np.sqrt(np.square(x).sum(axis=axis, keepdims=True))
    return x / np.maximum(norm, epsilon())


def cosine_similarity(y_true, y_pred, axis: int = -1) -> np.ndarray:
    """Σ (y/‖y‖)(ŷ/‖ŷ‖) along ``axis``: 1 when aligned."""
    y_true, y_pred = _errors(y_true, y_pred)
    return (_normalize(y_true, axis) * _normalize(y_pred, axis)).sum(axis=axis)


def log_cosh(y_true, y_pred) -> np.ndarray:
    """mean(log cosh(ŷ − y)) over the last axis."""
    y_true, y_pred = _errors(y_true, y_pred)
    x = y_pred - y_true
    return (x + np.logaddexp(0.0, -2.0 * x) - math.log(2.0)).mean(axis=-1)


class RootMeanSquaredError(Mean):
    """√(mean((y − ŷ)²)) over everything seen.

    >>> m = RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str | None = "root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _errors(y_true, y_pred)
        super().update_state(np.square(y_true - y_pred), sample_weight)

    def result(self) -> np.float64:
        return np.sqrt(super().result())


_EX_REG = "    >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])\n    >>> float(m.result())\n"
MeanSquaredError = _wrapper(mean_squared_error, "MeanSquaredError", "mean_squared_error",
                            "Mean of (y − ŷ)².", _EX_REG + "    0.5\n")
MeanAbsoluteError = _wrapper(mean_absolute_error, "MeanAbsoluteError", "mean_absolute_error",
                             "Mean of |y − ŷ|.", _EX_REG + "    0.5\n")
MeanAbsolutePercentageError = _wrapper(
    mean_absolute_percentage_error, "MeanAbsolutePercentageError",
    "mean_absolute_percentage_error", "100 · mean(|y − ŷ| / max(|y|, ε)).",
    "    >>> m.update_state([[2.0, 1.0]], [[1.0, 1.0]])\n    >>> float(m.result())\n    25.0\n")
MeanSquaredLogarithmicError = _wrapper(
    mean_squared_logarithmic_error, "MeanSquaredLogarithmicError",
    "mean_squared_logarithmic_error", "Mean of (log(ŷ + 1) − log(y + 1))².",
    "    >>> m.update_state([[0.0, 1.0]], [[0.0, 1.0]])\n    >>> float(m.result())\n    0.0\n")
CosineSimilarity = _wrapper(
    cosine_similarity, "CosineSimilarity", "cosine_similarity",
    "Mean cosine of the angle between y and ŷ.",
    "    >>> m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])\n"
    "    >>> round(float(m.result()), 6)\n    0.5\n", axis=-1)
LogCoshError = _wrapper(log_cosh, "LogCoshError", "logcosh", "Mean of log cosh(ŷ − y).",
                        "    >>> m.update_state([[0.0]], [[0.0]])\n"
                        "    >>> float(m.result())\n    0.0\n")


class R2Score(Metric):
    """The coefficient of determination R² = 1 − Σ w (y − ŷ)² / Σ w (y − ȳ)², per target column.

    ``class_aggregation``: 'uniform_average' (default), 'variance_weighted_average' or None
    (one score per column); ``num_regressors`` > 0 gives the adjusted R².

    >>> m = R2Score()
    >>> m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.0], [2.0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, class_aggregation: str | None = "uniform_average",
                 num_regressors: int = 0, name: str | None = "r2_score", dtype=None):
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ArgumentError(
                f"R2Score: class_aggregation must be None, 'uniform_average' or "
                f"'variance_weighted_average', got {class_aggregation!r}.")
        if not isinstance(num_regressors, (int, np.integer)) or num_regressors < 0:
            raise ArgumentError(f"R2Score: num_regressors must be an int >= 0, got "
                                f"{num_regressors!r}.")
        self.class_aggregation, self.num_regressors = class_aggregation, int(num_regressors)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.sum = self.squared_sum = self.total_mse = self.count = None
        self.num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _errors(y_true, y_pred)
        y_true = y_true.astype(np.float64).reshape(len(y_true), -1)
        y_pred = y_pred.astype(np.float64).reshape(len(y_pred), -1)
        if sample_weight is None:
            sw = np.ones((len(y_true), 1))
        else:
            sw = as_array(sample_weight).astype(np.float64).reshape(len(y_true), -1)
        sw = np.broadcast_to(sw, y_true.shape)
        weighted = y_true * sw
        parts = (weighted.sum(axis=0), (y_true * weighted).sum(axis=0),
                 (np.square(y_true - y_pred) * sw).sum(axis=0), sw.sum(axis=0))
        if self.sum is None:
            self.sum, self.squared_sum, self.total_mse, self.count = parts
        else:
            self.sum = self.sum + parts[0]
            self.squared_sum = self.squared_sum + parts[1]
            self.total_mse = self.total_mse + parts[2]
            self.count = self.count + parts[3]
        self.num_samples += y_true.size

    def result(self):
        if self.sum is None:
            return np.float64(0.0)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = 1.0 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * raw).sum() / total.sum()
        else:
            score = raw
        n, p = self.num_samples, self.num_regressors
        if p and p < n - 1:
            score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return np.float64(score) if np.ndim(score) == 0 else score

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype,
                "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


# -- losses as metrics ----------------------------------------------------------------------
def _loss_metric(loss_name: str):
    """The loss function ``loss_name`` run without a graph, returning an array."""

    def fn(y_true, y_pred, **kwargs):
        from . import losses
        from .autograd import no_grad

        with no_grad():
            return getattr(losses, loss_name)(y_true, y_pred, **kwargs).data

    fn.__name__ = loss_name
    return fn


_EX_LOSS = ("    >>> m.update_state([[0.0, 1.0]], [[0.4, 0.6]])\n"
            "    >>> bool(m.result() >= 0)\n    True\n")
BinaryCrossentropy = _wrapper(_loss_metric("binary_crossentropy"), "BinaryCrossentropy",
                              "binary_crossentropy", "Mean binary cross-entropy.", _EX_LOSS,
                              from_logits=False, label_smoothing=0.0)
CategoricalCrossentropy = _wrapper(
    _loss_metric("categorical_crossentropy"), "CategoricalCrossentropy",
    "categorical_crossentropy", "Mean categorical cross-entropy.", _EX_LOSS,
    from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _wrapper(
    _loss_metric("sparse_categorical_crossentropy"), "SparseCategoricalCrossentropy",
    "sparse_categorical_crossentropy", "Mean cross-entropy against integer labels.",
    "    >>> m.update_state([1], [[0.5, 0.5]])\n    >>> round(float(m.result()), 4)\n"
    "    0.6931\n", from_logits=False, axis=-1)
KLDivergence = _wrapper(_loss_metric("kl_divergence"), "KLDivergence", "kl_divergence",
                        "Mean Kullback-Leibler divergence.", _EX_LOSS)
Poisson = _wrapper(_loss_metric("poisson"), "Poisson", "poisson", "Mean Poisson loss.",
                   "    >>> m.update_state([[1.0]], [[1.0]])\n    >>> round(float(m.result()), 4)"
                   "\n    1.0\n")
Hinge = _wrapper(_loss_metric("hinge"), "Hinge", "hinge", "Mean hinge loss.", _EX_LOSS)
SquaredHinge = _wrapper(_loss_metric("squared_hinge"), "SquaredHinge", "squared_hinge",
                        "Mean squared hinge loss.", _EX_LOSS)
CategoricalHinge = _wrapper(_loss_metric("categorical_hinge"), "CategoricalHinge",
                            "categorical_hinge", "Mean categorical hinge loss.", _EX_LOSS)


# -- resolving names ------------------------------------------------------------------------
CLASSES: list[type[Metric]] = [
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, Precision, Recall, AUC, F1Score,
    FBetaScore, TruePositives, FalsePositives, TrueNegatives, FalseNegatives, R2Score,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, LogCoshError,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence,
    Poisson, Hinge, SquaredHinge, CategoricalHinge, BinaryIoU, IoU, MeanIoU, OneHotIoU,
    OneHotMeanIoU, PearsonCorrelation, ConcordanceCorrelation, PrecisionAtRecall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
]
BY_CLASS_NAME: dict[str, type[Metric]] = {c.__name__: c for c in CLASSES}
ALL: dict[str, type[Metric]] = {snake_case(c.__name__): c for c in CLASSES}
ALL.update({
    "mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "rmse": RootMeanSquaredError, "kld": KLDivergence,
    "kullback_leibler_divergence": KLDivergence, "logcosh": LogCoshError,
    "log_cosh": LogCoshError, "bce": BinaryCrossentropy, "cce": CategoricalCrossentropy,
    "r2": R2Score, "f1": F1Score,
})
ACCURACY_NAMES = ("accuracy", "acc")
FUNCTIONS = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    cosine_similarity, log_cosh, pearson_correlation, concordance_correlation, *_LOSS_FUNCTIONS,
)}

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error


def resolve_accuracy(loss_name: str | None, y_true_shape, y_pred_shape) -> type[Metric]:
    """Which accuracy 'accuracy' means for this loss and these shapes."""
    if loss_name and "binary" in loss_name:
        return BinaryAccuracy
    if loss_name and "sparse" in loss_name:
        return SparseCategoricalAccuracy
    if loss_name and "categorical" in loss_name:
        return CategoricalAccuracy
    if y_pred_shape is None:
        return Accuracy
    if y_pred_shape[-1] == 1:
        return BinaryAccuracy
    if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        return SparseCategoricalAccuracy
    return CategoricalAccuracy


def _known() -> list[str]:
    return list(ALL) + list(ACCURACY_NAMES)


def get(identifier, loss_name: str | None = None, y_true_shape=None, y_pred_shape=None) -> Metric:
    """A Metric from a name ('auc', 'mse'), a class name ('AUC'), a config dict, an instance, a
    Metric class or a function ``fn(y_true, y_pred) -> per-sample values``.

    A metric named by a string logs under that string, as in Keras.

    >>> get("mse").name, get("AUC").name, type(get("acc", "binary_crossentropy")).__name__
    ('mse', 'AUC', 'BinaryAccuracy')
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ACCURACY_NAMES:
            return resolve_accuracy(loss_name, y_true_shape, y_pred_shape)(name=identifier)
        cls = BY_CLASS_NAME.get(identifier) or ALL.get(key) or ALL.get(snake_case(identifier))
        if cls is None:
            raise unknown_name("metric", identifier, _known(),
                               hint="Hint: pass a name, a shendu.metrics.Metric or a function.")
        return cls(name=identifier)
    if isinstance(identifier, dict):
        cls = BY_CLASS_NAME.get(identifier.get("class_name"))
        if cls is None:
            raise unknown_name("metric", identifier.get("class_name"), BY_CLASS_NAME)
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise unknown_name("metric", identifier, _known(),
                       hint="Hint: pass a name, a shendu.metrics.Metric or a function.")


def serialize(metric: Metric) -> dict:
    """{'class_name': ..., 'config': ...} for a built-in metric."""
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config: dict) -> Metric:
    """The inverse of :func:`serialize`."""
    return get(config)

