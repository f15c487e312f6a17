"""Intersection-over-union metrics (IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU), as in
``keras.metrics``.

Every batch adds into one (num_classes, num_classes) confusion matrix, rows the true class and
columns the predicted one, with a single weighted ``bincount``. From it, per class,
IoU = tp / (tp + fp + fn); the result is the mean over the target classes whose denominator is
not zero (Keras's ε in both divisions is kept, so the numbers agree to ~1e-7). Pairs with a
class outside [0, num_classes), or a true class equal to ``ignore_class``, count nowhere.

Unlike Keras, whose confusion matrix is an int variable by default (so float sample weights
are truncated, with a warning), sample weights here always count as floats.

>>> from shendu.metrics import MeanIoU
>>> m = MeanIoU(num_classes=2)
>>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
>>> round(float(m.result()), 4)
0.3333
"""

from __future__ import annotations

import numpy as np

from .backend import epsilon
from .errors import ArgumentError, ShapeError
from .metrics_base import Metric, as_array


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _check_int(owner: str, arg: str, value, low: int, hint: str, optional: bool = False):
    if (value is None and optional) or (_is_int(value) and value >= low):
        return value
    raise ArgumentError(f"{owner}: {arg} must be an int >= {low}"
                        f"{' or None' if optional else ''}, got {value!r}. Hint: {hint}")


class _IoUBase(Metric):
    """The accumulated confusion matrix that every IoU metric reads."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        owner = type(self).__name__
        self.num_classes = _check_int(owner, "num_classes", num_classes, 1,
                                      "the number of classes the model predicts, e.g. 3.")
        if ignore_class is not None and not _is_int(ignore_class):
            raise ArgumentError(f"{owner}: ignore_class must be an int or None, got "
                                f"{ignore_class!r}. Hint: e.g. ignore_class=255 for a void "
                                "class in segmentation maps.")
        if not _is_int(axis):
            raise ArgumentError(f"{owner}: axis must be an int, got {axis!r}. Hint: axis=-1 "
                                "is the class axis of one-hot or score arrays.")
        self.ignore_class, self.axis = ignore_class, int(axis)
        self.sparse_y_true, self.sparse_y_pred = bool(sparse_y_true), bool(sparse_y_pred)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def _labels(self, values, sparse: bool, what: str) -> np.ndarray:
        values = as_array(values)
        if not sparse:
            if values.ndim == 0:
                raise ShapeError(f"{type(self).__name__} '{self.name}': {what} holds one score "
                                 "per class along axis, got a scalar. Hint: pass sparse_"
                                 f"{what}=True for integer class ids.")
            values = np.argmax(values, axis=self.axis)
        return np.asarray(values).astype(np.int64).reshape(-1)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = self._labels(y_true, self.sparse_y_true, "y_true")
        y_pred = self._labels(y_pred, self.sparse_y_pred, "y_pred")
        if y_true.shape != y_pred.shape:
            raise ShapeError(f"{type(self).__name__} '{self.name}': {y_true.size} true classes "
                             f"but {y_pred.size} predicted ones. Hint: one prediction per "
                             "target (one-hot arrays need sparse_y_true/sparse_y_pred=False).")
        if sample_weight is None:
            weights = np.ones(y_true.shape)
        else:
            weights = as_array(sample_weight).astype(np.float64).reshape(-1)
            if weights.size not in (1, y_true.size):
                raise ShapeError(f"{type(self).__name__} '{self.name}': sample_weight has "
                                 f"{weights.size} values for {y_true.size} targets. Hint: one "
                                 "weight per target, or a single number.")
            weights = np.broadcast_to(weights, y_true.shape)
        n = self.num_classes
        keep = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            keep &= y_true != self.ignore_class
        cells = y_true[keep] * n + y_pred[keep]
        self.total_cm += np.bincount(cells, weights=weights[keep], minlength=n * n).reshape(n, n)

    def _iou(self, target_class_ids) -> np.float64:
        cm = self.total_cm
        tp = np.diag(cm)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1) - tp)[target_class_ids]
        tp = tp[target_class_ids]
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + epsilon()), 0.0)
        return np.float64(iou.sum() / (valid.sum() + epsilon()))


class IoU(_IoUBase):
    """Intersection-over-union, tp / (tp + fp + fn), averaged over ``target_class_ids``.

    ``sparse_y_true`` / ``sparse_y_pred``: False takes the argmax along ``axis`` of one-hot
    targets or of scores; ``ignore_class``: a true class that counts nowhere.

    >>> m = IoU(num_classes=2, target_class_ids=[0])
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        ids = np.atleast_1d(np.asarray(target_class_ids)) if target_class_ids is not None else []
        if (len(ids) == 0 or ids.ndim != 1 or not all(_is_int(i) for i in ids.tolist())
                or ids.min() < 0 or ids.max() >= self.num_classes):
            raise ArgumentError(
                f"{type(self).__name__}: target_class_ids must be a non-empty list of class ids "
                f"in [0, {self.num_classes}), got {target_class_ids!r}. Hint: e.g. "
                "target_class_ids=[1] for the IoU of class 1 alone.")
        self.target_class_ids = [int(i) for i in ids]

    def result(self) -> np.float64:
        return self._iou(self.target_class_ids)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of a binary task: a prediction is class 1 where ŷ ≥ ``threshold``, else class 0;
    the mean over ``target_class_ids`` ((0,), (1,) or (0, 1)) is returned.

    >>> m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)):
            raise ArgumentError(f"BinaryIoU: threshold must be a number, got {threshold!r}. "
                                "Hint: threshold=0.5 for probabilities, 0.0 for logits.")
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = float(threshold)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = (as_array(y_pred).astype(np.float64) >= self.threshold).astype(np.int64)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self) -> dict:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over every class (those never seen, true or predicted, left out).

    >>> m = MeanIoU(num_classes=3, ignore_class=0)
    >>> m.update_state([0, 1, 2, 2, 1, 0], [1, 1, 2, 0, 2, 0])
    >>> round(float(m.result()), 4)
    0.2778
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        _check_int(type(self).__name__, "num_classes", num_classes, 1,
                   "the number of classes the model predicts, e.g. 3.")
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU for one-hot targets (argmax along ``axis``) and scores (argmax too, unless
    ``sparse_y_pred``), averaged over ``target_class_ids``.

    >>> m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    >>> m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
    ...                [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    >>> round(float(m.result()), 4)
    0.1667
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU for one-hot targets (argmax along ``axis``) and scores.

    >>> m = OneHotMeanIoU(num_classes=3)
    >>> m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
    ...                [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    >>> round(float(m.result()), 4)
    0.1111
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
