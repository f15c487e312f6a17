"""Metrics counted from a confusion matrix: Precision, Recall, AUC, F-scores, TP/FP/TN/FN.

Every prediction ŷ and target y (any shape; y is positive where non-zero) is one binary
decision per threshold t: positive when ŷ > t. Counts are accumulated per threshold with one
``bincount`` over "how many thresholds lie below ŷ" and a reversed cumulative sum, so a
200-threshold AUC costs O(n + 200) per batch. Keras's formulas throughout: AUC's thresholds
``[−ε, 1/(T−1), …, (T−2)/(T−1), 1 + ε]``, its Riemann sums, and Davis & Goadrich's
interpolation for the PR curve.

>>> import numpy as np
>>> from shendu.metrics_confusion import AUC
>>> m = AUC()
>>> m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
>>> round(float(m.result()), 4)
0.75
"""

from __future__ import annotations

import numpy as np

from .backend import epsilon
from .errors import ArgumentError, ShapeError
from .metrics_base import Metric, as_array, same_rank

NEG_INF = -1e10


def _divide_no_nan(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)


def _filter_top_k(y_pred: np.ndarray, k: int) -> np.ndarray:
    """Keep the k largest scores of each row (first index wins ties); the rest become −1e10."""
    order = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    kept = np.full(y_pred.shape, NEG_INF)
    np.put_along_axis(kept, order, np.take_along_axis(y_pred, order, axis=-1), axis=-1)
    return kept


class ThresholdPlan:
    """What the counting needs to know about a set of thresholds, worked out once."""

    def __init__(self, thresholds):
        self.values = np.asarray(thresholds, dtype=np.float64).reshape(-1)
        n = len(self.values)
        clipped = np.clip(self.values, 0.0, 1.0)
        # Keras's fast path: evenly spaced thresholds give each ŷ its bucket by arithmetic
        self.evenly = bool(n >= 3 and np.all(np.diff(self.values) > 0)
                           and np.allclose(clipped, np.arange(n) / (n - 1), atol=epsilon()))
        self.with_epsilon = bool(self.values[0] < 0.0 or self.values[-1] > 1.0)
        self.order = np.argsort(self.values, kind="stable")
        self.sorted = self.values[self.order]
        self.unsort = np.empty_like(self.order)
        self.unsort[self.order] = np.arange(n)

    def buckets(self, y_pred: np.ndarray) -> np.ndarray:
        """b such that ŷ lies above the sorted thresholds 0..b (−1: above none)."""
        n = len(self.values)
        if self.evenly:
            y_pred = np.clip(y_pred, 0.0, 1.0)
            bucket = np.ceil(y_pred * (n - 1)) - 1
            if self.with_epsilon:
                np.maximum(bucket, 0, out=bucket)
            return bucket.astype(np.int64)
        return np.searchsorted(self.sorted, y_pred, side="left") - 1


def _prepare(y_true, y_pred, sample_weight, top_k, class_id, multi_label, label_weights):
    """Keras's alignment of targets, predictions and weights before counting."""
    y_pred = as_array(y_pred).astype(np.float64, copy=False)
    y_true = as_array(y_true)
    y_pred, y_true = same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ShapeError(f"confusion metrics: y_true of shape {y_true.shape} does not match "
                         f"y_pred of shape {y_pred.shape}. Hint: one target per prediction.")
    weights = None
    if sample_weight is not None:
        sw = as_array(sample_weight).astype(np.float64)[..., None]
        _, sw = same_rank(y_true, sw, expand_rank_1=False)
        while 0 < sw.ndim < y_pred.ndim:
            sw = sw[..., None]
        weights = np.broadcast_to(sw, y_pred.shape)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ShapeError(f"class_id={class_id}: y_pred must be 2-D (samples, classes), got "
                             f"shape {y_pred.shape}. Hint: drop class_id for one output.")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
        weights = None if weights is None else weights[..., class_id, None]
    if label_weights is not None and not multi_label:
        lw = np.broadcast_to(np.asarray(label_weights, dtype=np.float64), y_pred.shape)
        weights = lw if weights is None else weights * lw
    return y_true != 0, y_pred, weights


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, *, top_k=None,
                     class_id=None, multi_label=False, label_weights=None):
    """Weighted (tp, fp, tn, fn) for each threshold: arrays of shape (T,), or (T, labels)
    with ``multi_label``. A prediction is positive at threshold t when ŷ > t."""
    plan = thresholds if isinstance(thresholds, ThresholdPlan) else ThresholdPlan(thresholds)
    positive, y_pred, weights = _prepare(y_true, y_pred, sample_weight, top_k, class_id,
                                         multi_label, label_weights)
    n_thr = len(plan.values)
    if n_thr == 1 and not multi_label:  # one threshold: two masked sums
        above = y_pred > plan.values[0]
        if weights is None:
            tp, total_pos = np.count_nonzero(above & positive), np.count_nonzero(positive)
            fp = np.count_nonzero(above) - tp
            total_neg = positive.size - total_pos
        else:
            pos_w = np.where(positive, weights, 0.0)
            tp, total_pos = pos_w[above].sum(), pos_w.sum()
            fp = weights[above].sum() - tp
            total_neg = weights.sum() - total_pos
        return tuple(np.array([v], dtype=np.float64)
                     for v in (tp, fp, total_neg - fp, total_pos - tp))

    labels = y_pred.shape[-1] if multi_label else 1
    bucket = plan.buckets(y_pred)
    if multi_label:  # one histogram per label: offset each label's buckets
        bucket = bucket + (n_thr + 1) * np.arange(labels)
    index = (bucket + 1).reshape(-1)
    positive = positive.reshape(-1)
    size = (n_thr + 1) * labels
    if weights is None:
        all_bins = np.bincount(index, minlength=size)
        tp_bins = np.bincount(index[positive], minlength=size)
    else:
        w = weights.reshape(-1)
        all_bins = np.bincount(index, weights=w, minlength=size)
        tp_bins = np.bincount(index, weights=np.where(positive, w, 0.0), minlength=size)
    tp_bins = tp_bins.reshape(labels, n_thr + 1).astype(np.float64)
    fp_bins = all_bins.reshape(labels, n_thr + 1) - tp_bins
    # tp[t] = weight of positives in buckets ≥ t (a reversed cumulative sum), bucket −1 left out
    tp = np.cumsum(tp_bins[:, ::-1], axis=1)[:, ::-1][:, 1:][:, plan.unsort]
    fp = np.cumsum(fp_bins[:, ::-1], axis=1)[:, ::-1][:, 1:][:, plan.unsort]
    total_pos = tp_bins.sum(axis=1, keepdims=True)
    total_neg = fp_bins.sum(axis=1, keepdims=True)
    counts = tp, fp, total_neg - fp, total_pos - tp
    if multi_label:
        return tuple(c.T for c in counts)
    return tuple(c[0] for c in counts)


def _thresholds(thresholds, default: float) -> tuple[np.ndarray, bool]:
    if thresholds is None:
        return np.array([default]), True
    single = np.ndim(thresholds) == 0
    values = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if values.size == 0 or np.any((values < 0) | (values > 1)):
        raise ArgumentError(f"thresholds: expected values in [0, 1], got {thresholds!r}. "
                            "Hint: thresholds=0.5 or thresholds=[0.3, 0.5, 0.7].")
    return values, single or values.size == 1


class _ConfusionMetric(Metric):
    """Counts at ``thresholds`` (default 0.5; −∞ with ``top_k``), optionally for the top-k
    scores or one ``class_id`` only."""

    def __init__(self, thresholds=None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype=None):
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        default = 0.5 if top_k is None else NEG_INF
        if thresholds is None and top_k is not None:
            self.thresholds, self._single = np.array([NEG_INF]), True
        else:
            self.thresholds, self._single = _thresholds(thresholds, default)
        self._plan = ThresholdPlan(self.thresholds)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        zeros = np.zeros(len(self.thresholds))
        self.true_positives, self.false_positives = zeros.copy(), zeros.copy()
        self.true_negatives, self.false_negatives = zeros.copy(), zeros.copy()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        tp, fp, tn, fn = confusion_counts(y_true, y_pred, self._plan, sample_weight,
                                          top_k=self.top_k, class_id=self.class_id)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def _out(self, values):
        return np.float64(values[0]) if self._single else values

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ConfusionMetric):
    """tp / (tp + fp): the share of predicted positives that are positive.

    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    def result(self):
        return self._out(_divide_no_nan(self.true_positives,
                                        self.true_positives + self.false_positives))


class Recall(_ConfusionMetric):
    """tp / (tp + fn): the share of positives predicted positive.

    >>> m = Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    def result(self):
        return self._out(_divide_no_nan(self.true_positives,
                                        self.true_positives + self.false_negatives))


def _count_class(attribute: str, doc: str):
    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        _ConfusionMetric.__init__(self, thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(getattr(self, attribute).copy())

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}

    class_name = "".join(part.title() for part in attribute.split("_"))
    example = (f"\n\n    >>> from shendu.metrics import {class_name}\n"
               f"    >>> float({class_name}()([0, 1, 1, 0], [1, 1, 0, 0]))\n    1.0\n")
    return type(class_name, (_ConfusionMetric,),
                {"__init__": __init__, "result": result, "get_config": get_config,
                 "__doc__": doc + example, "__module__": __name__})


TruePositives = _count_class("true_positives", "Weighted count of true positives.")
FalsePositives = _count_class("false_positives", "Weighted count of false positives.")
TrueNegatives = _count_class("true_negatives", "Weighted count of true negatives.")
FalseNegatives = _count_class("false_negatives", "Weighted count of false negatives.")


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at ``num_thresholds``.

    ``summation_method``: 'interpolation' (trapezoids; for PR, Davis & Goadrich's
    interpolation), 'minoring' or 'majoring' (lower / upper Riemann sums).

    >>> m = AUC(num_thresholds=3, curve="PR")
    >>> m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
    >>> round(float(m.result()), 4)
    0.8207
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None, dtype=None,
                 thresholds=None, multi_label: bool = False, num_labels: int | None = None,
                 label_weights=None, from_logits: bool = False):
        curve_key = str(curve).upper()
        if curve_key not in ("ROC", "PR"):
            raise ArgumentError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}.")
        method = str(summation_method).lower()
        if method not in ("interpolation", "minoring", "majoring"):
            raise ArgumentError(f"AUC: summation_method must be 'interpolation', 'minoring' or "
                                f"'majoring', got {summation_method!r}.")
        self.curve, self.summation_method = curve_key, method
        self.multi_label, self.num_labels, self.from_logits = multi_label, num_labels, from_logits
        self.label_weights = None if label_weights is None else np.asarray(label_weights, float)
        self.init_thresholds = thresholds
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
        else:
            if num_thresholds <= 1:
                raise ArgumentError(f"AUC: num_thresholds must be > 1, got {num_thresholds}. "
                                    "Hint: the default 200 is fine for most uses.")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = len(inner) + 2
        self.thresholds = np.array([0.0 - epsilon()] + inner + [1.0 + epsilon()])
        self._plan = ThresholdPlan(self.thresholds)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        shape = (self.num_thresholds,)
        if self.multi_label:
            shape = shape + (self.num_labels,) if self.num_labels else None
        self._zeros(shape)

    def _zeros(self, shape) -> None:
        for attr in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, attr, None if shape is None else np.zeros(shape))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = as_array(y_pred).astype(np.float64)
        if self.from_logits:
            y_pred = 0.5 * (1.0 + np.tanh(0.5 * y_pred))
        if self.true_positives is None:  # multi_label: the label count comes with the data
            self.num_labels = y_pred.shape[-1]
            self._zeros((self.num_thresholds, self.num_labels))
        counts = confusion_counts(y_true, y_pred, self._plan, sample_weight,
                                  multi_label=self.multi_label,
                                  label_weights=None if self.multi_label else self.label_weights)
        for attr, value in zip(("true_positives", "false_positives", "true_negatives",
                                "false_negatives"), counts):
            setattr(self, attr, getattr(self, attr) + value)

    def _interpolate_pr_auc(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        safe_p_ratio = np.where(both, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        # ∫ precision d(recall) between thresholds, precision linear in tp along the segment
        return _divide_no_nan(prec_slope * (dtp + intercept * np.log(safe_p_ratio)),
                              np.maximum(tp[1:] + fn[1:], 0))

    def result(self) -> np.float64:
        if self.true_positives is None:
            return np.float64(0.0)
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        if self.curve == "PR" and self.summation_method == "interpolation":
            terms = self._interpolate_pr_auc()
        else:
            recall = _divide_no_nan(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _divide_no_nan(fp, fp + tn), recall
            else:
                x, y = recall, _divide_no_nan(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[:-1], y[1:])
            else:
                heights = np.maximum(y[:-1], y[1:])
            terms = (x[:-1] - x[1:]) * heights
        if not self.multi_label:
            return np.float64(terms.sum())
        by_label = terms.sum(axis=0)
        if self.label_weights is None:
            return np.float64(by_label.mean())
        return np.float64(_divide_no_nan((by_label * self.label_weights).sum(),
                                         self.label_weights.sum()))

    def get_config(self) -> dict:
        lw = None if self.label_weights is None else self.label_weights.tolist()
        return {"name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds,
                "curve": self.curve, "summation_method": self.summation_method,
                "thresholds": self.init_thresholds, "multi_label": self.multi_label,
                "num_labels": self.num_labels, "label_weights": lw,
                "from_logits": self.from_logits}


class FBetaScore(Metric):
    """F-beta per class: (1 + β²) P R / (β² P + R), from counts over every batch.

    ``average``: None (one score per class), 'micro' (counts pooled), 'macro' (plain mean) or
    'weighted' (mean weighted by each class's support). ``threshold``: None takes each row's
    highest score as its prediction; a float marks scores above it.

    >>> m = FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.2], [0.7, 0.1]])
    >>> np.round(m.result(), 4)
    array([1., 0.])
    """

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str | None = "fbeta_score", dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ArgumentError(f"{type(self).__name__}: average must be None, 'micro', 'macro' "
                                f"or 'weighted', got {average!r}. Hint: 'macro' averages the "
                                "per-class scores, None returns them all.")
        if not isinstance(beta, (int, float)) or beta <= 0:
            raise ArgumentError(f"{type(self).__name__}: beta must be a float > 0, got {beta!r}. "
                                "Hint: beta=1 is F1; beta=2 weighs recall more.")
        if threshold is not None and not (isinstance(threshold, (int, float))
                                          and 0 < threshold <= 1):
            raise ArgumentError(f"{type(self).__name__}: threshold must be a float in (0, 1], "
                                f"got {threshold!r}. Hint: None uses each row's top score.")
        self.average, self.beta, self.threshold = average, float(beta), threshold
        self.axis = None if average == "micro" else 0
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = None
        self.false_negatives = self.intermediate_weights = None

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = as_array(y_true).astype(np.float64)
        y_pred = as_array(y_pred).astype(np.float64)
        y_true = y_true[:, None] if y_true.ndim == 1 else y_true
        y_pred = y_pred[:, None] if y_pred.ndim == 1 else y_pred
        if y_true.ndim != 2 or y_true.shape != y_pred.shape:
            raise ShapeError(f"{type(self).__name__}: expected y_true and y_pred of the same "
                             f"shape (samples, classes), got {y_true.shape} and {y_pred.shape}. "
                             "Hint: one-hot encode integer labels.")
        if self.threshold is None:
            top = y_pred.max(axis=-1, keepdims=True)
            predicted = ((y_pred >= top) & (np.abs(y_pred) > 1e-9)).astype(np.float64)
        else:
            predicted = (y_pred > self.threshold).astype(np.float64)
        w = None
        if sample_weight is not None:
            w = as_array(sample_weight).astype(np.float64).reshape(-1)[:, None]

        def weighted_sum(values):
            return (values if w is None else values * w).sum(axis=self.axis)

        tp = weighted_sum(predicted * y_true)
        fp = weighted_sum(predicted * (1 - y_true))
        fn = weighted_sum((1 - predicted) * y_true)
        support = weighted_sum(y_true)
        if self.true_positives is None:
            self.true_positives, self.false_positives = tp, fp
            self.false_negatives, self.intermediate_weights = fn, support
        else:
            self.true_positives = self.true_positives + tp
            self.false_positives = self.false_positives + fp
            self.false_negatives = self.false_negatives + fn
            self.intermediate_weights = self.intermediate_weights + support

    def result(self):
        if self.true_positives is None:
            return np.float64(0.0)
        eps = epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        b2 = self.beta ** 2
        score = (1 + b2) * (precision * recall) / (b2 * precision + recall + eps)
        if self.average == "weighted":
            weights = self.intermediate_weights / (self.intermediate_weights.sum() + eps)
            return np.float64((score * weights).sum())
        if self.average is not None:
            return np.float64(np.mean(score))
        return score

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "average": self.average,
                "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The harmonic mean of precision and recall (F-beta with β = 1).

    >>> m = F1Score(threshold=0.5)
    >>> m.update_state([[1, 1], [0, 1]], [[0.9, 0.2], [0.7, 0.8]])
    >>> np.round(m.result(), 4)
    array([0.6667, 0.6667])
    """

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str | None = "f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
