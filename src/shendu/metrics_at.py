"""One rate at a fixed value of another: SensitivityAtSpecificity, SpecificityAtSensitivity,
PrecisionAtRecall and RecallAtPrecision, as in ``keras.metrics``.

Confusion counts are kept at ``num_thresholds`` thresholds ``[0, 1/(T−1), …, (T−2)/(T−1), 1]``
(one threshold, 0.5, when T = 1); a prediction is positive at t when ŷ > t. The result is the
largest value of the wanted rate over the thresholds where the constrained rate is at least
the given value, and 0 when there is none.

>>> from shendu.metrics import PrecisionAtRecall
>>> m = PrecisionAtRecall(0.5)
>>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
>>> float(m.result())
0.5
"""

from __future__ import annotations

import numpy as np

from .errors import ArgumentError
from .metrics_base import Metric
from .metrics_confusion import ThresholdPlan, _divide_no_nan, confusion_counts


class _RateAtRate(Metric):
    """Counts at evenly spaced thresholds; subclasses say which rate is fixed (``value_name``)
    and how both rates come from the counts (``_rates``)."""

    value_name = "value"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                or not 0.0 <= float(value) <= 1.0:
            raise ArgumentError(f"{owner}: {self.value_name} must be a number in [0, 1], got "
                                f"{value!r}. Hint: e.g. {self.value_name}=0.8.")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, (int, np.integer)) \
                or num_thresholds <= 0:
            raise ArgumentError(f"{owner}: num_thresholds must be an int > 0, got "
                                f"{num_thresholds!r}. Hint: the default 200 is fine for most "
                                "uses.")
        if class_id is not None and (isinstance(class_id, bool)
                                     or not isinstance(class_id, (int, np.integer))
                                     or class_id < 0):
            raise ArgumentError(f"{owner}: class_id must be an int >= 0 or None, got "
                                f"{class_id!r}. Hint: class_id=2 scores column 2 of y_pred.")
        self.value, self.num_thresholds = float(value), int(num_thresholds)
        self.class_id = None if class_id is None else int(class_id)
        if self.num_thresholds == 1:
            self.thresholds = np.array([0.5])
        else:
            self.thresholds = np.arange(self.num_thresholds) / (self.num_thresholds - 1)
        self._plan = ThresholdPlan(self.thresholds)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        zeros = np.zeros(len(self.thresholds))
        self.true_positives, self.false_positives = zeros.copy(), zeros.copy()
        self.true_negatives, self.false_negatives = zeros.copy(), zeros.copy()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        tp, fp, tn, fn = confusion_counts(y_true, y_pred, self._plan, sample_weight,
                                          class_id=self.class_id)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def _rates(self) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - interface
        raise NotImplementedError

    def result(self) -> np.float64:
        constrained, wanted = self._rates()
        feasible = constrained >= self.value
        return np.float64(np.max(np.where(feasible, wanted, 0.0), initial=0.0))

    def _sensitivity(self):
        return _divide_no_nan(self.true_positives, self.true_positives + self.false_negatives)

    def _specificity(self):
        return _divide_no_nan(self.true_negatives, self.true_negatives + self.false_positives)

    def _precision(self):
        return _divide_no_nan(self.true_positives, self.true_positives + self.false_positives)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self.value_name: self.value}


class SensitivityAtSpecificity(_RateAtRate):
    """The best sensitivity tp / (tp + fn) where specificity tn / (tn + fp) ≥ ``specificity``.

    >>> m = SensitivityAtSpecificity(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(m.result())
    0.5
    """

    value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)
        self.specificity = self.value

    def _rates(self):
        return self._specificity(), self._sensitivity()


class SpecificityAtSensitivity(_RateAtRate):
    """The best specificity tn / (tn + fp) where sensitivity tp / (tp + fn) ≥ ``sensitivity``.

    >>> m = SpecificityAtSensitivity(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> round(float(m.result()), 4)
    0.6667
    """

    value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)
        self.sensitivity = self.value

    def _rates(self):
        return self._sensitivity(), self._specificity()


class PrecisionAtRecall(_RateAtRate):
    """The best precision tp / (tp + fp) where recall tp / (tp + fn) ≥ ``recall``.

    >>> m = PrecisionAtRecall(0.8)
    >>> m.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> round(float(m.result()), 4)
    0.6667
    """

    value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)
        self.recall = self.value

    def _rates(self):
        return self._sensitivity(), self._precision()


class RecallAtPrecision(_RateAtRate):
    """The best recall tp / (tp + fn) where precision tp / (tp + fp) ≥ ``precision``.

    >>> m = RecallAtPrecision(0.6)
    >>> m.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> float(m.result())
    1.0
    """

    value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
        self.precision = self.value

    def _rates(self):
        return self._precision(), self._sensitivity()
