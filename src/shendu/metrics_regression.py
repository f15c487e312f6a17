"""The regression metrics: mean squared, absolute, percentage and logarithmic errors, the
cosine similarity and log cosh as per-sample functions and classes, the root mean squared
error and the R² score. :mod:`shendu.metrics` re-exports them.

>>> import numpy as np
>>> mean_absolute_error(np.array([[0.0, 2.0]]), np.array([[1.0, 1.0]]))
array([1.])
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ArgumentError
from .metrics_base import Mean, Metric, as_array, same_rank
from .metrics_base import metric_class as _wrapper


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
