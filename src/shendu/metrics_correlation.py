"""Correlation metrics: Pearson's r and Lin's concordance correlation coefficient, per sample
along ``axis``, averaged over the samples seen (as ``keras.metrics`` computes them).

Both use population moments (divide by n). Pearson's r of a constant row is 0/0, NaN, as in
Keras; the concordance coefficient adds ε to its denominator.

>>> import numpy as np
>>> from shendu.metrics import pearson_correlation
>>> np.round(pearson_correlation([[0, 1, 0.5], [1, 1, 0.2]],
...                              [[0.1, 0.9, 0.5], [1, 0.9, 0.2]]), 4)
array([1.    , 0.9934])
"""

from __future__ import annotations

import numpy as np

from .backend import epsilon
from .errors import ArgumentError
from .metrics_base import MeanMetricWrapper, as_array, same_rank


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_pred = as_array(y_pred).astype(np.float64)
    y_true = as_array(y_true).astype(np.float64)
    return same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r along ``axis``: mean(z(y) · z(ŷ)), z standardising by the population std.

    >>> float(pearson_correlation([1.0, 2.0, 3.0], [2.0, 4.0, 7.0]).round(4))
    0.9934
    """
    y_true, y_pred = _pair(y_true, y_pred)
    t = y_true - y_true.mean(axis=axis, keepdims=True)
    p = y_pred - y_pred.mean(axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = t / t.std(axis=axis, keepdims=True)
        p = p / p.std(axis=axis, keepdims=True)
    return (t * p).mean(axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance along ``axis``: 2 cov(y, ŷ) / (var y + var ŷ + (ȳ − ŷ̄)² + ε).

    >>> float(concordance_correlation([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]).round(4))
    1.0
    """
    y_true, y_pred = _pair(y_true, y_pred)
    mean_t = y_true.mean(axis=axis, keepdims=True)
    mean_p = y_pred.mean(axis=axis, keepdims=True)
    covariance = ((y_true - mean_t) * (y_pred - mean_p)).mean(axis=axis, keepdims=True)
    norm = (y_true.var(axis=axis, keepdims=True) + y_pred.var(axis=axis, keepdims=True)
            + np.square(mean_t - mean_p))
    return np.squeeze(2.0 * covariance / (norm + epsilon()), axis=axis)


def _check_axis(owner: str, axis):
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not axes or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                           for a in axes):
        raise ArgumentError(f"{owner}: axis must be an int or a tuple of ints, got {axis!r}. "
                            "Hint: axis=-1 correlates along the last axis of each sample.")
    return axis


class PearsonCorrelation(MeanMetricWrapper):
    """The mean over samples of Pearson's r along ``axis`` (see :func:`pearson_correlation`).

    >>> m = PearsonCorrelation()
    >>> m.update_state([[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    >>> round(float(m.result()), 4)
    0.9967
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        self.axis = _check_axis("PearsonCorrelation", axis)
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean over samples of Lin's concordance coefficient along ``axis`` (see
    :func:`concordance_correlation`).

    >>> m = ConcordanceCorrelation()
    >>> m.update_state([[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    >>> round(float(m.result()), 4)
    0.9816
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        self.axis = _check_axis("ConcordanceCorrelation", axis)
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
