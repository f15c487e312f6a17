"""Stateful metrics: ``update_state`` / ``result`` / ``reset_state``, as in ``keras.metrics``.

Metrics run on plain arrays after every batch, so each update is a few vectorised NumPy calls
that add into running totals (kept in float64); nothing is differentiated. ``"accuracy"``
resolves to binary, categorical or sparse categorical accuracy from the loss and the shapes of
the targets and predictions. The accuracies are written in :mod:`shendu.metrics_accuracy`, the
regression metrics (MeanSquaredError, R2Score, ...) in :mod:`shendu.metrics_regression`, the
confusion-matrix metrics (Precision, Recall, AUC, F1Score) in :mod:`shendu.metrics_confusion`,
the rate-at-rate ones (PrecisionAtRecall, ...) in :mod:`shendu.metrics_at`, the IoU family in
:mod:`shendu.metrics_iou`, the correlations in :mod:`shendu.metrics_correlation` and the loss
functions as metric functions in :mod:`shendu.metrics_losses`; all are re-exported here. This
module holds the losses as metric classes and resolves names (:func:`get`).

>>> import numpy as np
>>> from shendu.metrics import BinaryAccuracy
>>> m = BinaryAccuracy()
>>> m.update_state(np.array([[1], [0]]), np.array([[0.9], [0.8]]))
>>> float(m.result())
0.5
"""

from __future__ import annotations

from .errors import unknown_name
from .metrics_accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from .metrics_at import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from .metrics_base import Mean, MeanMetricWrapper, Metric, Sum, snake_case
from .metrics_base import as_array as as_array  # re-exported, as before the split
from .metrics_base import metric_class as _wrapper
from .metrics_base import same_rank as same_rank
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
from .metrics_regression import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    cosine_similarity,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
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
