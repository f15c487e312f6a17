"""Metrics: against scikit-learn where it has the same quantity, against Keras's documented
(hand-worked) examples where it does not; batches accumulate to the one-batch value; names,
configs and errors; several metrics and a weighted metric through Model.fit / evaluate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sklearn_metrics

from shendu import metrics
from shendu.errors import ArgumentError, ShapeError, UnknownNameError
from shendu.metrics_confusion import confusion_counts

RNG = np.random.default_rng(11)
N, C = 300, 4
BIN_TRUE = RNG.integers(0, 2, size=N)
BIN_SCORE = np.clip(0.35 * BIN_TRUE + RNG.uniform(0, 0.65, size=N), 0, 1)
LABELS = RNG.integers(0, C, size=N)
SCORES = RNG.dirichlet(np.ones(C), size=N) + 0.3 * np.eye(C)[LABELS]
ONE_HOT = np.eye(C)[LABELS]
MULTI_TRUE = RNG.integers(0, 2, size=(N, C))
MULTI_SCORE = np.clip(0.3 * MULTI_TRUE + RNG.uniform(0, 0.7, size=(N, C)), 0, 1)
WEIGHTS = RNG.uniform(0.1, 2.0, size=N)
REG_TRUE = RNG.normal(size=(N, 2)) + 3.0
REG_PRED = REG_TRUE + RNG.normal(scale=0.5, size=(N, 2))


# -- Keras's documented examples (hand-worked there) -------------------------------------------
DOC_CASES = [
    (metrics.Accuracy(), [[1], [2], [3], [4]], [[0], [2], [3], [4]], None, 0.75),
    (metrics.Accuracy(), [[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0], 0.5),
    (metrics.BinaryAccuracy(), [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], None, 0.75),
    (metrics.BinaryAccuracy(), [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1],
     0.5),
    (metrics.CategoricalAccuracy(), [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
     None, 0.5),
    (metrics.CategoricalAccuracy(), [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
     [0.7, 0.3], 0.3),
    (metrics.SparseCategoricalAccuracy(), [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], None,
     0.5),
    (metrics.SparseCategoricalAccuracy(), [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]],
     [0.7, 0.3], 0.3),
    (metrics.TopKCategoricalAccuracy(k=1), [[0, 0, 1], [0, 1, 0]],
     [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3], 0.3),
    (metrics.SparseTopKCategoricalAccuracy(k=1), [2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
     [0.7, 0.3], 0.3),
    (metrics.SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True), [2, 1],
     [[1, 0, 3], [1, 2, 3]], None, 0.5),
    # ties at the k-th score count as inside the top k (Keras's in_top_k)
    (metrics.SparseTopKCategoricalAccuracy(k=1), [1], [[0.5, 0.5, 0.1]], None, 1.0),
    (metrics.Precision(), [0, 1, 1, 1], [1, 0, 1, 1], None, 2 / 3),
    (metrics.Precision(), [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 1.0),
    (metrics.Precision(top_k=2), [0, 0, 1, 1], [1, 1, 1, 1], None, 0.0),
    (metrics.Precision(top_k=4), [0, 0, 1, 1], [1, 1, 1, 1], None, 0.5),
    (metrics.Recall(), [0, 1, 1, 1], [1, 0, 1, 1], None, 2 / 3),
    (metrics.Recall(), [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 1.0),
    # thresholds [−ε, 0.5, 1 + ε]: tp [2, 1, 0], fp [2, 0, 0], fn [0, 1, 2], tn [0, 2, 2];
    # ROC: recall [1, .5, 0], fpr [1, 0, 0] → (1 + .5)/2 · 1 + (.5 + 0)/2 · 0 = 0.75
    (metrics.AUC(num_thresholds=3), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], None, 0.75),
    # PR (interpolated): p = tp + fp = [4, 1, 0]; slopes [1/3, 1], intercepts [2/3, 0]:
    # (1/3)(1 + (2/3) ln 4) / 2 + 1 · 1 / 2
    (metrics.AUC(num_thresholds=3, curve="PR"), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], None,
     (1 + 2 / 3 * np.log(4)) / 6 + 0.5),
    # minoring on ROC: min heights [.5, 0] · widths [1, 0]
    (metrics.AUC(num_thresholds=3, summation_method="minoring"), [0, 0, 1, 1],
     [0, 0.5, 0.3, 0.9], None, 0.5),
    (metrics.AUC(num_thresholds=3, summation_method="majoring"), [0, 0, 1, 1],
     [0, 0.5, 0.3, 0.9], None, 1.0),
    (metrics.CosineSimilarity(), [[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]], None, 0.5),
    (metrics.CosineSimilarity(), [[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]], [0.3, 0.7],
     0.7),
    (metrics.RootMeanSquaredError(), [[0, 1], [0, 0]], [[1, 1], [0, 0]], None, 0.5),
    (metrics.RootMeanSquaredError(), [[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0], 0.70710678),
    (metrics.MeanAbsolutePercentageError(), [[0, 1], [0, 0]], [[1, 1], [0, 0]], None,
     250000000.0),
    (metrics.LogCoshError(), [[0, 1], [0, 0]], [[1, 1], [0, 0]], None, 0.10844523),
    (metrics.TruePositives(), [0, 1, 1, 1], [1, 0, 1, 1], None, 2.0),
    (metrics.FalsePositives(), [0, 1, 0, 0], [0, 0, 1, 1], None, 2.0),
    (metrics.TrueNegatives(), [0, 1, 0, 0], [1, 1, 1, 0], None, 1.0),
    (metrics.FalseNegatives(), [0, 1, 1, 1], [1, 0, 1, 0], None, 2.0),
]


@pytest.mark.parametrize("metric,y_true,y_pred,sample_weight,expected", DOC_CASES,
                         ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(DOC_CASES)])
def test_metric_matches_keras_documented_example(metric, y_true, y_pred, sample_weight,
                                                 expected):
    metric.reset_state()
    metric.update_state(np.array(y_true), np.array(y_pred, dtype=float), sample_weight)
    assert float(metric.result()) == pytest.approx(expected, rel=1e-6)


def test_mean_and_sum_with_weights():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert m.result() == 2.0
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7])
    s.update_state([[1.0, 2.0]], sample_weight=[3.0])  # rows are summed, then weighted
    assert s.result() == 16.0 + 9.0


# -- against scikit-learn ---------------------------------------------------------------------
def _weighted_accuracy(matches, w):
    return np.sum(matches * w) / np.sum(w)


@pytest.mark.parametrize("weighted", [False, True])
def test_accuracies_match_sklearn(weighted):
    w = WEIGHTS if weighted else None
    cases = [
        (metrics.BinaryAccuracy(), BIN_TRUE[:, None], BIN_SCORE[:, None],
         sklearn_metrics.accuracy_score(BIN_TRUE, BIN_SCORE > 0.5, sample_weight=w)),
        (metrics.BinaryAccuracy(threshold=0.7), BIN_TRUE, BIN_SCORE,
         sklearn_metrics.accuracy_score(BIN_TRUE, BIN_SCORE > 0.7, sample_weight=w)),
        (metrics.CategoricalAccuracy(), ONE_HOT, SCORES,
         sklearn_metrics.accuracy_score(LABELS, SCORES.argmax(1), sample_weight=w)),
        (metrics.SparseCategoricalAccuracy(), LABELS, SCORES,
         sklearn_metrics.accuracy_score(LABELS, SCORES.argmax(1), sample_weight=w)),
        (metrics.SparseTopKCategoricalAccuracy(k=2), LABELS, SCORES,
         sklearn_metrics.top_k_accuracy_score(LABELS, SCORES, k=2, sample_weight=w)),
        (metrics.TopKCategoricalAccuracy(k=3), ONE_HOT, SCORES,
         sklearn_metrics.top_k_accuracy_score(LABELS, SCORES, k=3, sample_weight=w)),
    ]
    for metric, y_true, y_pred, expected in cases:
        metric.update_state(y_true, y_pred, w)
        assert float(metric.result()) == pytest.approx(expected, rel=1e-12), metric.name


def test_binary_accuracy_averages_multi_label_rows():
    m = metrics.BinaryAccuracy()
    m.update_state(MULTI_TRUE, MULTI_SCORE, WEIGHTS)
    per_row = ((MULTI_SCORE > 0.5) == MULTI_TRUE).mean(axis=1)
    assert float(m.result()) == pytest.approx(_weighted_accuracy(per_row, WEIGHTS), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_precision_and_recall_match_sklearn(weighted, threshold):
    w = WEIGHTS if weighted else None
    p, r = metrics.Precision(thresholds=threshold), metrics.Recall(thresholds=threshold)
    p.update_state(BIN_TRUE, BIN_SCORE, w)
    r.update_state(BIN_TRUE[:, None], BIN_SCORE[:, None], w)
    pred = BIN_SCORE > threshold
    assert float(p.result()) == pytest.approx(
        sklearn_metrics.precision_score(BIN_TRUE, pred, sample_weight=w), rel=1e-12)
    assert float(r.result()) == pytest.approx(
        sklearn_metrics.recall_score(BIN_TRUE, pred, sample_weight=w), rel=1e-12)


def test_precision_with_several_thresholds_gives_one_value_each_in_the_given_order():
    thresholds = [0.7, 0.2, 0.5]
    p = metrics.Precision(thresholds=thresholds)
    p.update_state(BIN_TRUE, BIN_SCORE)
    expected = [sklearn_metrics.precision_score(BIN_TRUE, BIN_SCORE > t) for t in thresholds]
    np.testing.assert_allclose(p.result(), expected, rtol=1e-12)


def test_precision_and_recall_for_one_class_id():
    for k in range(C):
        p, r = metrics.Precision(class_id=k), metrics.Recall(class_id=k)
        p.update_state(MULTI_TRUE, MULTI_SCORE, WEIGHTS)
        r.update_state(MULTI_TRUE, MULTI_SCORE, WEIGHTS)
        pred = MULTI_SCORE[:, k] > 0.5
        assert float(p.result()) == pytest.approx(sklearn_metrics.precision_score(
            MULTI_TRUE[:, k], pred, sample_weight=WEIGHTS), rel=1e-12)
        assert float(r.result()) == pytest.approx(sklearn_metrics.recall_score(
            MULTI_TRUE[:, k], pred, sample_weight=WEIGHTS), rel=1e-12)


def _brute_force_counts(y_true, y_pred, thresholds, w):
    """One comparison per (threshold, prediction): the definition, slowly."""
    pos = np.asarray(y_true).reshape(-1) != 0
    pred = np.asarray(y_pred, dtype=float).reshape(-1)
    w = np.asarray(w, dtype=float).reshape(-1)
    out = []
    for t in thresholds:
        above = pred > t
        out.append([w[above & pos].sum(), w[above & ~pos].sum(), w[~above & ~pos].sum(),
                    w[~above & pos].sum()])
    return np.array(out).T


@pytest.mark.parametrize("thresholds", [
    metrics.AUC().thresholds,            # evenly spaced with ε ends: the bucketed path
    np.linspace(0, 1, 11),               # evenly spaced without ε
    np.array([0.9, 0.05, 0.5, 0.5, 0.31]),  # any order, repeated
])
def test_confusion_counts_equal_the_definition(thresholds):
    score = np.round(BIN_SCORE, 1)  # values sitting exactly on thresholds
    counts = confusion_counts(BIN_TRUE, score, thresholds, WEIGHTS)
    np.testing.assert_allclose(np.array(counts), _brute_force_counts(BIN_TRUE, score,
                                                                     thresholds, WEIGHTS),
                               rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
def test_auc_roc_and_pr_match_sklearn_up_to_threshold_discretisation(weighted):
    w = WEIGHTS if weighted else None
    roc, pr = metrics.AUC(), metrics.AUC(curve="PR")
    roc.update_state(BIN_TRUE, BIN_SCORE, w)
    pr.update_state(BIN_TRUE, BIN_SCORE, w)
    # 200 thresholds: ties within a 1/199-wide bucket are the only difference
    assert float(roc.result()) == pytest.approx(
        sklearn_metrics.roc_auc_score(BIN_TRUE, BIN_SCORE, sample_weight=w), abs=3e-3)
    assert float(pr.result()) == pytest.approx(
        sklearn_metrics.average_precision_score(BIN_TRUE, BIN_SCORE, sample_weight=w), abs=1e-2)


def test_auc_is_exact_when_scores_sit_on_thresholds():
    score = np.round(BIN_SCORE * 10) / 10  # every score is a threshold of AUC(11)
    m = metrics.AUC(num_thresholds=11)
    m.update_state(BIN_TRUE, score)
    assert float(m.result()) == pytest.approx(sklearn_metrics.roc_auc_score(BIN_TRUE, score),
                                              rel=1e-9)


def test_auc_multi_label_and_label_weights_and_logits():
    m = metrics.AUC(multi_label=True)
    m.update_state(MULTI_TRUE, MULTI_SCORE)
    per_label = [sklearn_metrics.roc_auc_score(MULTI_TRUE[:, k], MULTI_SCORE[:, k])
                 for k in range(C)]
    assert float(m.result()) == pytest.approx(np.mean(per_label), abs=3e-3)
    lw = np.array([1.0, 0.0, 2.0, 1.0])
    m = metrics.AUC(multi_label=True, label_weights=lw)
    m.update_state(MULTI_TRUE, MULTI_SCORE)
    assert float(m.result()) == pytest.approx(np.dot(per_label, lw) / lw.sum(), abs=3e-3)
    logits = np.log(BIN_SCORE.clip(1e-6, 1 - 1e-6) / (1 - BIN_SCORE.clip(1e-6, 1 - 1e-6)))
    a, b = metrics.AUC(from_logits=True), metrics.AUC()
    a.update_state(BIN_TRUE, logits)
    b.update_state(BIN_TRUE, BIN_SCORE)
    assert float(a.result()) == pytest.approx(float(b.result()), abs=1e-9)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("weighted", [False, True])
def test_f1_score_matches_sklearn(average, weighted):
    w = WEIGHTS if weighted else None
    m = metrics.F1Score(average=average, threshold=0.5)
    m.update_state(MULTI_TRUE, MULTI_SCORE, w)
    expected = sklearn_metrics.f1_score(MULTI_TRUE, MULTI_SCORE > 0.5, average=average,
                                        sample_weight=w, zero_division=0)
    np.testing.assert_allclose(m.result(), expected, atol=1e-6)
    # threshold None: each row's top score is its prediction (multi-class)
    m = metrics.F1Score(average=average)
    m.update_state(ONE_HOT, SCORES, w)
    expected = sklearn_metrics.f1_score(LABELS, SCORES.argmax(1), average=average,
                                        sample_weight=w, zero_division=0)
    np.testing.assert_allclose(m.result(), expected, atol=1e-6)


def test_fbeta_score_matches_sklearn():
    m = metrics.FBetaScore(beta=2.0, average="macro", threshold=0.5)
    m.update_state(MULTI_TRUE, MULTI_SCORE)
    expected = sklearn_metrics.fbeta_score(MULTI_TRUE, MULTI_SCORE > 0.5, beta=2.0,
                                           average="macro")
    assert float(m.result()) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("aggregation,sk_multioutput", [
    ("uniform_average", "uniform_average"),
    ("variance_weighted_average", "variance_weighted"),
    (None, "raw_values"),
])
@pytest.mark.parametrize("weighted", [False, True])
def test_r2_score_matches_sklearn(aggregation, sk_multioutput, weighted):
    w = WEIGHTS if weighted else None
    m = metrics.R2Score(class_aggregation=aggregation)
    m.update_state(REG_TRUE, REG_PRED, w)
    expected = sklearn_metrics.r2_score(REG_TRUE, REG_PRED, sample_weight=w,
                                        multioutput=sk_multioutput)
    np.testing.assert_allclose(m.result(), expected, rtol=1e-10)


def test_adjusted_r2_score():
    m = metrics.R2Score(num_regressors=3)
    m.update_state(REG_TRUE[:, :1], REG_PRED[:, :1])
    r2 = sklearn_metrics.r2_score(REG_TRUE[:, 0], REG_PRED[:, 0])
    assert float(m.result()) == pytest.approx(1 - (1 - r2) * (N - 1) / (N - 3 - 1), rel=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics_match_sklearn(weighted):
    w = WEIGHTS if weighted else None
    y, p = REG_TRUE, REG_PRED
    cases = [
        (metrics.MeanSquaredError(), sklearn_metrics.mean_squared_error(y, p, sample_weight=w)),
        (metrics.MeanAbsoluteError(), sklearn_metrics.mean_absolute_error(y, p, sample_weight=w)),
        (metrics.RootMeanSquaredError(),
         np.sqrt(sklearn_metrics.mean_squared_error(y, p, sample_weight=w))),
        (metrics.MeanAbsolutePercentageError(),
         100 * sklearn_metrics.mean_absolute_percentage_error(y, p, sample_weight=w)),
        (metrics.MeanSquaredLogarithmicError(),
         sklearn_metrics.mean_squared_log_error(y, np.abs(p) + 0.01, sample_weight=w)),
    ]
    for metric, expected in cases:
        metric.update_state(y, np.abs(p) + 0.01 if "log" in metric.name else p, w)
        assert float(metric.result()) == pytest.approx(expected, rel=1e-10), metric.name


def test_cosine_similarity_against_the_dot_product_of_unit_vectors():
    m = metrics.CosineSimilarity()
    m.update_state(REG_TRUE, REG_PRED, WEIGHTS)
    cos = (REG_TRUE * REG_PRED).sum(1) / np.linalg.norm(REG_TRUE, axis=1) / np.linalg.norm(
        REG_PRED, axis=1)
    assert float(m.result()) == pytest.approx(_weighted_accuracy(cos, WEIGHTS), rel=1e-10)


# -- statefulness ----------------------------------------------------------------------------
STATEFUL = [
    (lambda: metrics.Accuracy(), LABELS, SCORES.argmax(1)),
    (lambda: metrics.BinaryAccuracy(), MULTI_TRUE, MULTI_SCORE),
    (lambda: metrics.CategoricalAccuracy(), ONE_HOT, SCORES),
    (lambda: metrics.SparseCategoricalAccuracy(), LABELS, SCORES),
    (lambda: metrics.TopKCategoricalAccuracy(k=2), ONE_HOT, SCORES),
    (lambda: metrics.SparseTopKCategoricalAccuracy(k=2), LABELS, SCORES),
    (lambda: metrics.Precision(thresholds=[0.3, 0.6]), MULTI_TRUE, MULTI_SCORE),
    (lambda: metrics.Recall(top_k=2), MULTI_TRUE, MULTI_SCORE),
    (lambda: metrics.AUC(), BIN_TRUE, BIN_SCORE),
    (lambda: metrics.AUC(curve="PR", multi_label=True), MULTI_TRUE, MULTI_SCORE),
    (lambda: metrics.F1Score(average="weighted", threshold=0.4), MULTI_TRUE, MULTI_SCORE),
    (lambda: metrics.F1Score(), ONE_HOT, SCORES),
    (lambda: metrics.R2Score(), REG_TRUE, REG_PRED),
    (lambda: metrics.MeanSquaredError(), REG_TRUE, REG_PRED),
    (lambda: metrics.MeanAbsoluteError(), REG_TRUE, REG_PRED),
    (lambda: metrics.RootMeanSquaredError(), REG_TRUE, REG_PRED),
    (lambda: metrics.MeanAbsolutePercentageError(), REG_TRUE, REG_PRED),
    (lambda: metrics.MeanSquaredLogarithmicError(), REG_TRUE, REG_PRED),
    (lambda: metrics.CosineSimilarity(), REG_TRUE, REG_PRED),
    (lambda: metrics.LogCoshError(), REG_TRUE, REG_PRED),
    (lambda: metrics.BinaryCrossentropy(), MULTI_TRUE, MULTI_SCORE),
    (lambda: metrics.CategoricalCrossentropy(), ONE_HOT, SCORES),
    (lambda: metrics.SparseCategoricalCrossentropy(), LABELS, SCORES),
    (lambda: metrics.KLDivergence(), ONE_HOT, SCORES),
    (lambda: metrics.Poisson(), np.abs(REG_TRUE), np.abs(REG_PRED)),
    (lambda: metrics.Hinge(), MULTI_TRUE, MULTI_SCORE),
    (lambda: metrics.SquaredHinge(), MULTI_TRUE, MULTI_SCORE),
    (lambda: metrics.CategoricalHinge(), ONE_HOT, SCORES),
]


@pytest.mark.parametrize("make,y_true,y_pred", STATEFUL,
                         ids=[type(c[0]()).__name__ + f"-{i}" for i, c in enumerate(STATEFUL)])
@pytest.mark.parametrize("weighted", [False, True])
def test_batches_accumulate_to_the_one_batch_value(make, y_true, y_pred, weighted):
    w = WEIGHTS if weighted else None
    whole = make()
    whole.update_state(y_true, y_pred, w)
    batched = make()
    for part in np.split(np.arange(N), [7, 100, 101, 250]):
        batched.update_state(y_true[part], y_pred[part], None if w is None else w[part])
    np.testing.assert_allclose(batched.result(), whole.result(), rtol=1e-9, atol=1e-12)
    first = make().result()
    batched.reset_state()
    np.testing.assert_allclose(batched.result(), first)


def test_keras_positional_argument_order():
    assert metrics.TopKCategoricalAccuracy(3).fn_kwargs["k"] == 3
    assert metrics.SparseTopKCategoricalAccuracy(2, "top2").name == "top2"
    assert metrics.BinaryAccuracy("acc", None, 0.7).fn_kwargs["threshold"] == 0.7
    with pytest.raises(ArgumentError, match="unexpected argument"):
        metrics.TopKCategoricalAccuracy(top=3)


def test_calling_a_metric_updates_and_returns_the_result():
    m = metrics.Mean()
    assert m([1.0, 3.0]) == 2.0
    assert m([5.0]) == 3.0


# -- names, configs, errors ------------------------------------------------------------------
@pytest.mark.parametrize("identifier,cls,name", [
    ("mse", metrics.MeanSquaredError, "mse"),
    ("mae", metrics.MeanAbsoluteError, "mae"),
    ("mape", metrics.MeanAbsolutePercentageError, "mape"),
    ("msle", metrics.MeanSquaredLogarithmicError, "msle"),
    ("rmse", metrics.RootMeanSquaredError, "rmse"),
    ("precision", metrics.Precision, "precision"),
    ("recall", metrics.Recall, "recall"),
    ("auc", metrics.AUC, "auc"),
    ("AUC", metrics.AUC, "AUC"),
    ("f1_score", metrics.F1Score, "f1_score"),
    ("r2_score", metrics.R2Score, "r2_score"),
    ("cosine_similarity", metrics.CosineSimilarity, "cosine_similarity"),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy,
     "top_k_categorical_accuracy"),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy,
     "sparse_top_k_categorical_accuracy"),
    ("mean", metrics.Mean, "mean"),
    ("sum", metrics.Sum, "sum"),
    ("RootMeanSquaredError", metrics.RootMeanSquaredError, "RootMeanSquaredError"),
    (metrics.Recall, metrics.Recall, "recall"),
])
def test_get_resolves_names_and_class_names(identifier, cls, name):
    m = metrics.get(identifier)
    assert type(m) is cls and m.name == name


def test_default_names_are_the_ones_keras_logs():
    expected = {metrics.Precision: "precision", metrics.Recall: "recall", metrics.AUC: "auc",
                metrics.F1Score: "f1_score", metrics.R2Score: "r2_score",
                metrics.FBetaScore: "fbeta_score", metrics.Mean: "mean", metrics.Sum: "sum",
                metrics.RootMeanSquaredError: "root_mean_squared_error",
                metrics.MeanSquaredError: "mean_squared_error",
                metrics.LogCoshError: "logcosh", metrics.KLDivergence: "kl_divergence",
                metrics.TruePositives: "true_positives"}
    for cls, name in expected.items():
        assert cls().name == name


@pytest.mark.parametrize("loss,y_true_shape,y_pred_shape,cls", [
    ("binary_crossentropy", (8, 1), (8, 1), metrics.BinaryAccuracy),
    ("sparse_categorical_crossentropy", (8,), (8, 3), metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (8, 3), (8, 3), metrics.CategoricalAccuracy),
    ("mse", (8, 1), (8, 1), metrics.BinaryAccuracy),
    ("mse", (8,), (8, 3), metrics.SparseCategoricalAccuracy),
    ("mse", (8, 3), (8, 3), metrics.CategoricalAccuracy),
])
def test_accuracy_resolves_from_the_loss_and_shapes(loss, y_true_shape, y_pred_shape, cls):
    m = metrics.get("accuracy", loss, y_true_shape, y_pred_shape)
    assert type(m) is cls and m.name == "accuracy"


def test_get_accepts_functions_and_config_dicts():
    def within_one(y_true, y_pred):
        return (np.abs(y_true - y_pred) <= 1.0).astype(float)

    m = metrics.get(within_one)
    m.update_state(np.array([0.0, 0.0]), np.array([0.5, 3.0]))
    assert m.name == "within_one" and m.result() == 0.5
    auc = metrics.get({"class_name": "AUC", "config": {"curve": "PR", "num_thresholds": 50}})
    assert auc.curve == "PR" and auc.num_thresholds == 50
    assert type(metrics.get(metrics.binary_accuracy)) is metrics.MeanMetricWrapper


CONFIG_CASES = [
    metrics.Precision(thresholds=[0.2, 0.6], class_id=1, name="p1"),
    metrics.Recall(top_k=3),
    metrics.AUC(num_thresholds=50, curve="PR", summation_method="minoring", multi_label=True,
                num_labels=4, label_weights=[1, 2, 3, 4], from_logits=True),
    metrics.AUC(thresholds=[0.1, 0.5, 0.9]),
    metrics.F1Score(average="macro", threshold=0.3),
    metrics.FBetaScore(average="weighted", beta=0.5),
    metrics.R2Score(class_aggregation=None, num_regressors=2),
    metrics.BinaryAccuracy(threshold=0.7),
    metrics.TopKCategoricalAccuracy(k=3),
    metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
    metrics.CosineSimilarity(axis=0),
    metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    metrics.Mean(name="avg"),
    metrics.Sum(),
    metrics.TruePositives(thresholds=0.3),
]


@pytest.mark.parametrize("metric", CONFIG_CASES, ids=[type(m).__name__ for m in CONFIG_CASES])
def test_config_round_trip(metric):
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == metric.get_config()


def test_bad_arguments_are_clear_errors():
    with pytest.raises(UnknownNameError, match="Did you mean 'precision'"):
        metrics.get("precison")
    with pytest.raises(ArgumentError, match="curve must be 'ROC' or 'PR'"):
        metrics.AUC(curve="DET")
    with pytest.raises(ArgumentError, match="num_thresholds must be > 1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ArgumentError, match="average must be None, 'micro'"):
        metrics.F1Score(average="samples")
    with pytest.raises(ArgumentError, match=r"threshold must be a float in \(0, 1\]"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ArgumentError, match=r"thresholds: expected values in \[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 2.0])
    with pytest.raises(ShapeError, match="does not match"):
        metrics.Precision().update_state(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ShapeError, match="same shape"):
        metrics.F1Score().update_state(np.zeros((4, 2)), np.zeros((4, 3)))


# -- through Model.fit / evaluate ------------------------------------------------------------
def test_several_metrics_and_a_weighted_metric_through_fit_and_evaluate():
    from shendu.layers import Dense
    from shendu.models import Sequential

    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 6)).astype(np.float32)
    y = (x @ rng.normal(size=6) + 0.3 * rng.normal(size=200) > 0).astype(np.float32)
    w = rng.uniform(0.2, 3.0, size=200)
    model = Sequential([Dense(8, activation="relu", input_dim=6), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["accuracy", "precision", metrics.Recall(), "auc",
                           metrics.F1Score(average="micro", threshold=0.5)],
                  weighted_metrics=["accuracy", "mse"])
    history = model.fit(x, y, sample_weight=w, epochs=3, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "precision", "recall", "auc",
                                    "f1_score", "weighted_accuracy", "mse"}

    logs = model.evaluate(x, y, sample_weight=w, batch_size=64, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)[:, 0]
    pred = p > 0.5
    assert logs["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(y, pred), rel=1e-6)
    assert logs["weighted_accuracy"] == pytest.approx(
        sklearn_metrics.accuracy_score(y, pred, sample_weight=w), rel=1e-6)
    assert logs["precision"] == pytest.approx(sklearn_metrics.precision_score(y, pred), rel=1e-6)
    assert logs["recall"] == pytest.approx(sklearn_metrics.recall_score(y, pred), rel=1e-6)
    assert logs["auc"] == pytest.approx(sklearn_metrics.roc_auc_score(y, p), abs=5e-3)
    assert logs["f1_score"] == pytest.approx(sklearn_metrics.f1_score(y, pred), abs=1e-5)
    assert logs["mse"] == pytest.approx(
        sklearn_metrics.mean_squared_error(y, p, sample_weight=w), rel=1e-5)


def test_sparse_top_k_and_r2_through_evaluate():
    from shendu.layers import Dense
    from shendu.models import Sequential

    rng = np.random.default_rng(6)
    x = rng.normal(size=(120, 5)).astype(np.float32)
    labels = (x @ rng.normal(size=(5, 4))).argmax(1)
    model = Sequential([Dense(4, activation="softmax", input_dim=5)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    model.fit(x, labels, epochs=2, verbose=0)
    logs = model.evaluate(x, labels, verbose=0, return_dict=True)
    probs = model.predict(x, verbose=0)
    assert logs["accuracy"] == pytest.approx(
        sklearn_metrics.accuracy_score(labels, probs.argmax(1)), rel=1e-6)
    assert logs["top2"] == pytest.approx(
        sklearn_metrics.top_k_accuracy_score(labels, probs, k=2, labels=range(4)), rel=1e-6)

    y = x @ rng.normal(size=(5, 2))
    reg = Sequential([Dense(2, input_dim=5)])
    reg.compile(optimizer="adam", loss="mse", metrics=["r2_score", "mae", "rmse"])
    logs = reg.evaluate(x, y, verbose=0, return_dict=True)
    out = reg.predict(x, verbose=0)
    assert logs["r2_score"] == pytest.approx(sklearn_metrics.r2_score(y, out), rel=1e-5)
    assert logs["mae"] == pytest.approx(sklearn_metrics.mean_absolute_error(y, out), rel=1e-5)
    assert logs["rmse"] == pytest.approx(np.sqrt(sklearn_metrics.mean_squared_error(y, out)),
                                         rel=1e-5)


# -- accuracies count matches (MeanMetricWrapper.matches) -------------------------------------
COUNTED = [
    (lambda: metrics.Accuracy(), metrics.accuracy, LABELS, SCORES.argmax(1)),
    (lambda: metrics.BinaryAccuracy(), metrics.binary_accuracy, MULTI_TRUE, MULTI_SCORE),
    (lambda: metrics.BinaryAccuracy(threshold=0.7),
     lambda t, p: metrics.binary_accuracy(t, p, threshold=0.7), BIN_TRUE[:, None], BIN_SCORE),
    (lambda: metrics.CategoricalAccuracy(), metrics.categorical_accuracy, ONE_HOT, SCORES),
    (lambda: metrics.SparseCategoricalAccuracy(), metrics.sparse_categorical_accuracy,
     LABELS[:, None], SCORES),
]


@pytest.mark.parametrize("make,fn,y_true,y_pred", COUNTED,
                         ids=[type(c[0]()).__name__ + f"-{i}" for i, c in enumerate(COUNTED)])
def test_counted_accuracy_equals_the_mean_of_its_function_and_the_weighted_path(
        make, fn, y_true, y_pred):
    counted, weighted = make(), make()
    assert counted.matches is not None  # the counting path is the one under test
    for part in np.split(np.arange(N), [7, 100, 101, 250]):
        counted.update_state(y_true[part], y_pred[part])
        weighted.update_state(y_true[part], y_pred[part], np.ones(len(part)))  # float path
    per_sample = fn(y_true, y_pred)
    per_sample = per_sample.astype(np.float64).reshape(len(per_sample), -1).mean(axis=1)
    assert float(counted.result()) == pytest.approx(float(per_sample.mean()), rel=1e-12)
    assert float(counted.result()) == pytest.approx(float(weighted.result()), rel=1e-12)
