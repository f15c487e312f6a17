"""The accuracy metrics: exact, binary (a threshold), categorical, sparse categorical and
top-k, as per-sample functions and as MeanMetricWrapper classes. :mod:`shendu.metrics`
re-exports them and resolves ``"accuracy"`` to one of them.

>>> import numpy as np
>>> categorical_accuracy(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.3, 0.7]]))
array([1., 0.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from .metrics_base import MeanMetricWrapper, as_array, same_rank
from .metrics_base import metric_class as _wrapper


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
