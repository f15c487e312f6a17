"""The IoU family, the correlation metrics, the rate-at-rate metrics and the loss functions as
metric functions: against scikit-learn (jaccard_score, roc_curve, precision_recall_curve) and
NumPy, against numbers from Keras 3.15.1 (TensorFlow backend, float32, so to ~1e-6), with
signatures, configs, errors, and all of them through Model.fit / evaluate."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn import metrics as sk

from shendu import losses, metrics
from shendu.errors import ArgumentError, ShapeError

RNG = np.random.default_rng(3)


# -- signatures, exactly Keras's ---------------------------------------------------------------
SIGNATURES = {
    "BinaryIoU": "(target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None)",
    "IoU": "(num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, "
           "sparse_y_true=True, sparse_y_pred=True, axis=-1)",
    "MeanIoU": "(num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, "
               "sparse_y_pred=True, axis=-1)",
    "OneHotIoU": "(num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, "
                 "sparse_y_pred=False, axis=-1)",
    "OneHotMeanIoU": "(num_classes, name=None, dtype=None, ignore_class=None, "
                     "sparse_y_pred=False, axis=-1)",
    "PearsonCorrelation": "(name='pearson_correlation', dtype=None, axis=-1)",
    "ConcordanceCorrelation": "(name='concordance_correlation', dtype=None, axis=-1)",
    "PrecisionAtRecall": "(recall, num_thresholds=200, class_id=None, name=None, dtype=None)",
    "RecallAtPrecision": "(precision, num_thresholds=200, class_id=None, name=None, dtype=None)",
    "SensitivityAtSpecificity": "(specificity, num_thresholds=200, class_id=None, name=None, "
                                "dtype=None)",
    "SpecificityAtSensitivity": "(sensitivity, num_thresholds=200, class_id=None, name=None, "
                                "dtype=None)",
    "pearson_correlation": "(y_true, y_pred, axis=-1)",
    "concordance_correlation": "(y_true, y_pred, axis=-1)",
    "binary_crossentropy": "(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1)",
    "binary_focal_crossentropy": "(y_true, y_pred, apply_class_balancing=False, alpha=0.25, "
                                 "gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)",
    "categorical_crossentropy": "(y_true, y_pred, from_logits=False, label_smoothing=0.0, "
                                "axis=-1)",
    "categorical_focal_crossentropy": "(y_true, y_pred, alpha=0.25, gamma=2.0, "
                                      "from_logits=False, label_smoothing=0.0, axis=-1)",
    "categorical_hinge": "(y_true, y_pred)",
    "hinge": "(y_true, y_pred)",
    "huber": "(y_true, y_pred, delta=1.0)",
    "kl_divergence": "(y_true, y_pred)",
    "poisson": "(y_true, y_pred)",
    "sparse_categorical_crossentropy": "(y_true, y_pred, from_logits=False, ignore_class=None, "
                                       "axis=-1)",
    "squared_hinge": "(y_true, y_pred)",
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_is_keras(name):
    assert name in metrics.__all__
    assert str(inspect.signature(getattr(metrics, name))) == SIGNATURES[name]


# -- IoU ------------------------------------------------------------------------------------
def _sk_iou(y_true, y_pred, n, ids, weights=None):
    """Mean over ``ids`` of scikit-learn's per-class Jaccard index, classes never seen left
    out (Keras's rule)."""
    per_class = sk.jaccard_score(y_true, y_pred, labels=range(n), average=None,
                                 sample_weight=weights, zero_division=0)
    seen = np.isin(np.arange(n), np.concatenate([y_true, y_pred]))
    ids = [i for i in ids if seen[i]]
    return per_class[ids].mean()


def test_iou_matches_sklearn_jaccard_and_accumulates_over_batches():
    y_true, y_pred = RNG.integers(0, 5, 400), RNG.integers(0, 5, 400)
    y_pred[y_true == 4] = 0  # class 4 is never predicted; class 3 below never appears at all
    y_true[y_true == 3], y_pred[y_pred == 3] = 2, 2
    w = RNG.integers(1, 4, 400).astype(float)
    for ids in ([0], [1, 4], [0, 1, 2, 3, 4]):
        m = metrics.IoU(num_classes=5, target_class_ids=ids)
        for lo in range(0, 400, 96):
            m.update_state(y_true[lo:lo + 96], y_pred[lo:lo + 96], sample_weight=w[lo:lo + 96])
        assert float(m.result()) == pytest.approx(_sk_iou(y_true, y_pred, 5, ids, w), rel=1e-6)
    mean = metrics.MeanIoU(num_classes=5)
    mean.update_state(y_true, y_pred)
    assert float(mean.result()) == pytest.approx(_sk_iou(y_true, y_pred, 5, range(5)), rel=1e-6)
    mean.reset_state()
    assert float(mean.result()) == 0.0


def test_one_hot_and_dense_iou_take_the_argmax():
    labels = RNG.integers(0, 4, 200)
    scores = RNG.dirichlet(np.ones(4), 200) + 0.4 * np.eye(4)[labels]
    pred = scores.argmax(1)
    want = _sk_iou(labels, pred, 4, range(4))
    one_hot = np.eye(4)[labels]
    for m in (metrics.OneHotMeanIoU(4), metrics.MeanIoU(4, sparse_y_true=False,
                                                         sparse_y_pred=False)):
        m.update_state(one_hot, scores)
        assert float(m.result()) == pytest.approx(want, rel=1e-6)
    m = metrics.OneHotIoU(4, target_class_ids=[1, 3], sparse_y_pred=True)
    m.update_state(one_hot, pred)
    assert float(m.result()) == pytest.approx(_sk_iou(labels, pred, 4, [1, 3]), rel=1e-6)
    m = metrics.MeanIoU(4, sparse_y_pred=False)  # integer labels, scores
    m.update_state(labels[:, None], scores)
    assert float(m.result()) == pytest.approx(want, rel=1e-6)


YT4, YP4 = [0, 0, 1, 1], [0, 1, 0, 1]
OH_T = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]
OH_P = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]]
# (metric, y_true, y_pred, sample_weight, value from Keras 3.15.1; "dtype='float32'" there
# where the weights are floats, since Keras's default int confusion matrix truncates them)
KERAS_IOU = [
    (metrics.IoU(2, [0]), YT4, YP4, [0.3, 0.3, 0.3, 0.1], 0.33333325386047363),
    (metrics.IoU(2, [0, 1]), YT4, YP4, [1, 2, 3, 4], 0.3055555522441864),
    (metrics.BinaryIoU([0, 1], 0.3), [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], None,
     0.3333333432674408),
    (metrics.BinaryIoU([0, 1], 0.3), [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], [0.2, 0.3, 0.4, 0.1],
     0.1736110895872116),
    # ŷ equal to the threshold is class 1
    (metrics.BinaryIoU([1], 0.5), [0, 1, 1], [0.5, 0.5, 0.2], None, 0.3333333134651184),
    (metrics.MeanIoU(3, ignore_class=0), [0, 1, 2, 2, 1, 0], [1, 1, 2, 0, 2, 0], None,
     0.2777777910232544),
    # labels outside [0, num_classes) count nowhere
    (metrics.MeanIoU(3), [0, 1, 2, 5, -1], [0, 1, 2, 2, 2], None, 0.9999998211860657),
    (metrics.MeanIoU(4), [0, 1, 2], [0, 1, 1], None, 0.4999999701976776),
    (metrics.MeanIoU(2), [[0, 1], [1, 1]], [[0, 1], [0, 1]], [[1, 2], [3, 4]],
     0.4583333432674408),
    (metrics.OneHotIoU(3, [0, 2]), OH_T, OH_P, None, 0.1666666716337204),
    (metrics.OneHotMeanIoU(3), OH_T, OH_P, None, 0.1111111119389534),
    (metrics.OneHotMeanIoU(3, sparse_y_pred=True), OH_T, [2, 2, 0, 1], None,
     0.1666666716337204),
]


@pytest.mark.parametrize("case", KERAS_IOU, ids=lambda c: c[0].name)
def test_iou_numbers_from_keras(case):
    m, y_true, y_pred, w, want = case
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=w)
    assert float(m.result()) == pytest.approx(want, abs=2e-7)


def test_binary_iou_by_hand():
    # threshold 0.3: predicted [0, 0, 1, 1]; cm [[1, 1], [1, 1]] → IoU 1 / 3 for each class
    m = metrics.BinaryIoU(target_class_ids=[1], threshold=0.3)
    m.update_state(np.array([[0], [1], [0], [1]]), np.array([[0.1], [0.2], [0.4], [0.7]]))
    assert float(m.result()) == pytest.approx(1 / 3, abs=1e-6)


# -- correlations ---------------------------------------------------------------------------
def _ccc(t, p):
    cov = np.mean((t - t.mean()) * (p - p.mean()))
    return 2 * cov / (t.var() + p.var() + (t.mean() - p.mean()) ** 2)


def test_correlations_match_numpy_per_sample_and_weighted_mean():
    y_true = RNG.normal(size=(60, 7))
    y_pred = 0.7 * y_true + RNG.normal(scale=0.6, size=(60, 7)) + 0.3
    w = RNG.uniform(0.1, 2.0, 60)
    r = np.array([np.corrcoef(t, p)[0, 1] for t, p in zip(y_true, y_pred)])
    c = np.array([_ccc(t, p) for t, p in zip(y_true, y_pred)])
    np.testing.assert_allclose(metrics.pearson_correlation(y_true, y_pred), r, rtol=1e-10)
    np.testing.assert_allclose(metrics.concordance_correlation(y_true, y_pred), c, rtol=1e-6)
    np.testing.assert_allclose(metrics.pearson_correlation(y_true.T, y_pred.T, axis=0), r,
                               rtol=1e-10)
    for m, per_sample in ((metrics.PearsonCorrelation(), r),
                          (metrics.ConcordanceCorrelation(), c)):
        m.update_state(y_true[:25], y_pred[:25], sample_weight=w[:25])
        m.update_state(y_true[25:], y_pred[25:], sample_weight=w[25:])
        assert float(m.result()) == pytest.approx(np.average(per_sample, weights=w), rel=1e-6)


KT = [[0, 1, 0.5], [1, 1, 0.2]]
KP = [[0.1, 0.9, 0.5], [1, 0.9, 0.2]]


def test_correlation_numbers_from_keras():
    np.testing.assert_allclose(metrics.pearson_correlation(KT, KP),
                               [0.9999999999999999, 0.9933992677987828], rtol=1e-7)
    np.testing.assert_allclose(metrics.concordance_correlation(KT, KP),
                               [0.9756093991672931, 0.987653955189893], rtol=1e-7)
    for m, w, want in ((metrics.PearsonCorrelation(), None, 0.9966996312141418),
                       (metrics.PearsonCorrelation(), [1, 3], 0.9950494766235352),
                       (metrics.ConcordanceCorrelation(), None, 0.9816316962242126),
                       (metrics.ConcordanceCorrelation(), [1, 3], 0.9846428632736206)):
        m.update_state(KT, KP, sample_weight=w)
        assert float(m.result()) == pytest.approx(want, abs=1e-7)


def test_pearson_of_a_constant_row_is_nan_as_in_keras():
    with np.errstate(all="raise"):
        assert np.isnan(metrics.pearson_correlation([[1.0, 1.0, 1.0]], [[1.0, 2.0, 3.0]])[0])


# -- rate at rate ---------------------------------------------------------------------------
def test_rate_at_rate_match_sklearn_curves():
    # scores halfway between the thresholds k/10 of num_thresholds=11: "ŷ > k/10" then picks
    # the same sets as scikit-learn's "ŷ ≥ each distinct score"
    y = RNG.integers(0, 2, 300)
    s = np.clip(np.round(0.3 * y + RNG.uniform(0, 0.7, 300), 1), 0, 0.9) + 0.05
    w = RNG.uniform(0.2, 2.0, 300)
    fpr, tpr, _ = sk.roc_curve(y, s, sample_weight=w, drop_intermediate=False)
    prec, rec, _ = sk.precision_recall_curve(y, s, sample_weight=w)
    prec, rec = prec[:-1], rec[:-1]  # drop scikit-learn's appended (recall 0, precision 1)
    for v in (0.3, 0.6, 0.9):
        want = {
            metrics.SensitivityAtSpecificity(v, 11): tpr[1 - fpr >= v].max(),
            metrics.SpecificityAtSensitivity(v, 11): (1 - fpr)[tpr >= v].max(),
            metrics.PrecisionAtRecall(v, 11): prec[rec >= v].max(),
            metrics.RecallAtPrecision(v, 11): rec[prec >= v].max(initial=0.0),
        }
        for m, value in want.items():
            m.update_state(y[:100], s[:100], sample_weight=w[:100])
            m.update_state(y[100:], s[100:], sample_weight=w[100:])
            assert float(m.result()) == pytest.approx(value, rel=1e-9), (m.name, v)


AT_Y, AT_S = [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]
AT_CLS_Y, AT_CLS_S = [[0, 1], [1, 0], [0, 1], [1, 0]], [[0.3, 0.6], [0.2, 0.1], [0.4, 0.9],
                                                         [0.8, 0.7]]
# from Keras 3.15.1: (class, value, default, weights [1, 1, 2, 2, 1], num_thresholds=1,
# class_id=1 on AT_CLS_*)
KERAS_AT = [
    (metrics.SensitivityAtSpecificity, 0.5, 0.5, 0.3333333432674408, 0.5, 1.0),
    (metrics.SpecificityAtSensitivity, 0.5, 0.6666666865348816, 0.25, 0.6666666865348816, 1.0),
    (metrics.PrecisionAtRecall, 0.5, 0.5, 0.5, 0.5, 1.0),
    (metrics.RecallAtPrecision, 0.8, 0.0, 0.0, 0.0, 0.5),
]


@pytest.mark.parametrize("case", KERAS_AT, ids=lambda c: c[0].__name__)
def test_rate_at_rate_numbers_from_keras(case):
    cls, v, plain, weighted, one, by_class = case
    for m, args, want in ((cls(v), (AT_Y, AT_S), plain),
                          (cls(v), (AT_Y, AT_S, [1, 1, 2, 2, 1]), weighted),
                          (cls(v, num_thresholds=1), (AT_Y, AT_S), one),
                          (cls(v, class_id=1), (AT_CLS_Y, AT_CLS_S), by_class)):
        m.update_state(*args)
        assert float(m.result()) == pytest.approx(want, abs=1e-7)


def test_rate_at_rate_random_numbers_from_keras():
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, size=50), np.round(rng.uniform(size=50), 3)
    for cls, v, want, want7 in (
            (metrics.SensitivityAtSpecificity, 0.7, 0.2222222238779068, 0.18518517911434174),
            (metrics.SpecificityAtSensitivity, 0.7, 0.3478260934352875, 0.3478260934352875),
            (metrics.PrecisionAtRecall, 0.7, 0.6097561120986938, 0.5813953280448914),
            (metrics.RecallAtPrecision, 0.6, 0.9259259104728699, 0.0)):
        assert float(cls(v)(y, s)) == pytest.approx(want, abs=1e-7)
        assert float(cls(v, num_thresholds=7)(y, s)) == pytest.approx(want7, abs=1e-7)


# -- loss functions as metric functions -------------------------------------------------------
P2 = np.array([[0.2, 0.8], [0.6, 0.4]])
T2 = np.array([[0.0, 1.0], [1.0, 0.0]])
FUNCTION_CASES = [
    ("binary_crossentropy", T2, P2, {"label_smoothing": 0.1}),
    ("binary_focal_crossentropy", T2, P2, {"apply_class_balancing": True}),
    ("categorical_crossentropy", T2, P2, {}),
    ("categorical_focal_crossentropy", T2, P2, {"gamma": 1.0}),
    ("sparse_categorical_crossentropy", np.array([1, 0]), P2, {"ignore_class": 0}),
    ("kl_divergence", T2, P2, {}),
    ("poisson", T2, P2, {}),
    ("hinge", T2, P2, {}),
    ("squared_hinge", T2, P2, {}),
    ("categorical_hinge", T2, P2, {}),
    ("huber", T2, P2, {"delta": 0.5}),
]


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=lambda c: c[0])
def test_metric_functions_are_the_losses_as_arrays(case):
    name, y_true, y_pred, kwargs = case
    got = getattr(metrics, name)(y_true, y_pred, **kwargs)
    assert isinstance(got, np.ndarray) and got.shape == (2,)
    np.testing.assert_array_equal(got, getattr(losses, name)(y_true, y_pred, **kwargs).data)


def test_metric_functions_by_hand():
    # −log 0.8 and −log 0.6 per row; huber δ=1: e = 0.5 → 0.125, e = 3 → 3 − 0.5
    np.testing.assert_allclose(metrics.categorical_crossentropy(T2, P2),
                               [-np.log(0.8), -np.log(0.6)], rtol=1e-6)
    np.testing.assert_allclose(metrics.binary_crossentropy(T2, P2),
                               [-np.log(0.8), -np.log(0.6)], rtol=1e-6)
    np.testing.assert_allclose(metrics.huber([[0.0, 0.0]], [[0.5, 3.0]]), [1.3125])
    np.testing.assert_allclose(metrics.categorical_hinge(T2, P2), [0.4, 0.8], rtol=1e-6)


# -- configs and errors -----------------------------------------------------------------------
ALL_NEW = [metrics.BinaryIoU(target_class_ids=[1], threshold=0.2, name="biou"),
           metrics.IoU(4, [1, 2], ignore_class=3, sparse_y_pred=False),
           metrics.MeanIoU(3, ignore_class=255, axis=1), metrics.OneHotIoU(3, [2]),
           metrics.OneHotMeanIoU(5, sparse_y_pred=True), metrics.PearsonCorrelation(axis=0),
           metrics.ConcordanceCorrelation(name="ccc"),
           metrics.PrecisionAtRecall(0.4, num_thresholds=50, class_id=2),
           metrics.RecallAtPrecision(0.9), metrics.SensitivityAtSpecificity(0.2, 9),
           metrics.SpecificityAtSensitivity(0.7, name="spec")]


@pytest.mark.parametrize("metric", ALL_NEW, ids=lambda m: type(m).__name__)
def test_config_round_trip(metric):
    config = metrics.serialize(metric)
    again = metrics.deserialize(config)
    assert type(again) is type(metric)
    assert again.get_config() == metric.get_config()


def test_names_resolve_and_compiled_metrics_survive_save_and_load(tmp_path):
    from shendu.layers import Dense
    from shendu.models import Sequential, load_model

    assert type(metrics.get("BinaryIoU")) is metrics.BinaryIoU
    assert type(metrics.get("pearson_correlation")) is metrics.PearsonCorrelation
    assert type(metrics.get("concordance_correlation")) is metrics.ConcordanceCorrelation
    model = Sequential([Dense(3, activation="softmax", input_dim=4)])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=[metrics.OneHotMeanIoU(3, ignore_class=1),
                           metrics.PrecisionAtRecall(0.3, num_thresholds=20, class_id=2)])
    path = str(tmp_path / "m.safetensors")
    model.save(path)
    restored = load_model(path)
    assert [m.get_config() for m in restored._metric_specs] == [
        m.get_config() for m in model._metric_specs]


def test_config_keys_are_keras():
    assert metrics.BinaryIoU().get_config() == {
        "target_class_ids": [0, 1], "threshold": 0.5, "name": "binary_io_u", "dtype": None}
    assert set(metrics.IoU(3, [1]).get_config()) == {
        "name", "dtype", "num_classes", "target_class_ids", "ignore_class", "sparse_y_true",
        "sparse_y_pred", "axis"}
    assert set(metrics.OneHotMeanIoU(3).get_config()) == {
        "num_classes", "name", "dtype", "ignore_class", "sparse_y_pred", "axis"}
    assert metrics.SensitivityAtSpecificity(0.5).get_config() == {
        "name": "sensitivity_at_specificity", "dtype": None, "class_id": None,
        "num_thresholds": 200, "specificity": 0.5}
    assert metrics.PearsonCorrelation().get_config() == {
        "name": "pearson_correlation", "dtype": None, "axis": -1}
    assert [m.name for m in (metrics.MeanIoU(2), metrics.OneHotIoU(2, [0]),
                             metrics.RecallAtPrecision(0.5))] == [
        "mean_io_u", "one_hot_io_u", "recall_at_precision"]


BAD = [
    (lambda: metrics.IoU(3, [3]), "target_class_ids"),
    (lambda: metrics.IoU(3, []), "target_class_ids"),
    (lambda: metrics.IoU(3, [0.5]), "target_class_ids"),
    (lambda: metrics.MeanIoU(0), "num_classes"),
    (lambda: metrics.MeanIoU(2.0), "num_classes"),
    (lambda: metrics.MeanIoU(3, ignore_class="void"), "ignore_class"),
    (lambda: metrics.OneHotMeanIoU(3, axis=None), "axis"),
    (lambda: metrics.BinaryIoU(threshold="high"), "threshold"),
    (lambda: metrics.BinaryIoU(target_class_ids=[2]), "target_class_ids"),
    (lambda: metrics.PearsonCorrelation(axis="last"), "axis"),
    (lambda: metrics.ConcordanceCorrelation(axis=1.5), "axis"),
    (lambda: metrics.PrecisionAtRecall(1.5), "recall"),
    (lambda: metrics.RecallAtPrecision(-0.1), "precision"),
    (lambda: metrics.SensitivityAtSpecificity(0.5, num_thresholds=0), "num_thresholds"),
    (lambda: metrics.SpecificityAtSensitivity("0.5"), "sensitivity"),
    (lambda: metrics.SpecificityAtSensitivity(0.5, class_id=-1), "class_id"),
]


@pytest.mark.parametrize("case", BAD, ids=lambda c: c[1])
def test_bad_arguments_are_named(case):
    make, argument = case
    with pytest.raises(ArgumentError, match=argument) as info:
        make()
    assert "Hint:" in str(info.value)


def test_bad_shapes_are_named():
    with pytest.raises(ShapeError, match="Hint:"):
        metrics.MeanIoU(3).update_state([0, 1, 2], [0, 1])
    with pytest.raises(ShapeError, match="sample_weight"):
        metrics.MeanIoU(3).update_state([0, 1, 2], [0, 1, 2], sample_weight=[1, 2])
    with pytest.raises(ShapeError):
        metrics.PrecisionAtRecall(0.5).update_state([0, 1, 1], [0.2, 0.7])


# -- through Model.fit / evaluate ------------------------------------------------------------
def _fit_and_check(model, loss, x, y, specs, fresh):
    model.compile(optimizer="adam", loss=loss, metrics=specs)
    history = model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    logs = model.evaluate(x, y, batch_size=50, verbose=0, return_dict=True)
    again = model.evaluate(x, y, batch_size=70, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    for name, metric in fresh.items():
        assert len(history.history[name]) == 2
        assert np.all(np.isfinite(history.history[name]))
        metric.update_state(y, pred)
        # evaluate starts from a reset state: the value over all of x, whatever the batches
        assert logs[name] == pytest.approx(float(metric.result()), rel=1e-5, abs=1e-6), name
        assert again[name] == pytest.approx(logs[name], rel=1e-5, abs=1e-6), name


def test_new_metrics_through_fit_and_evaluate():
    from shendu.layers import Dense
    from shendu.models import Sequential

    rng = np.random.default_rng(8)
    x = rng.normal(size=(160, 5)).astype(np.float32)
    y = (x @ rng.normal(size=5) + 0.5 * rng.normal(size=160) > 0).astype(np.float32)[:, None]
    binary = Sequential([Dense(6, activation="relu", input_dim=5),
                         Dense(1, activation="sigmoid")])
    fresh = {"binary_io_u": metrics.BinaryIoU(), "spec": metrics.SpecificityAtSensitivity(0.5),
             "precision_at_recall": metrics.PrecisionAtRecall(0.6),
             "recall_at_precision": metrics.RecallAtPrecision(0.6),
             "sensitivity_at_specificity": metrics.SensitivityAtSpecificity(0.6)}
    specs = [metrics.BinaryIoU(), metrics.SpecificityAtSensitivity(0.5, name="spec"),
             metrics.PrecisionAtRecall(0.6), metrics.RecallAtPrecision(0.6),
             metrics.SensitivityAtSpecificity(0.6), metrics.binary_crossentropy]
    _fit_and_check(binary, "binary_crossentropy", x, y, specs, fresh)

    labels = (x @ rng.normal(size=(5, 3))).argmax(1)
    soft = Sequential([Dense(3, activation="softmax", input_dim=5)])
    fresh = {"one_hot_mean_io_u": metrics.OneHotMeanIoU(3),
             "one_hot_io_u": metrics.OneHotIoU(3, [0, 2]),
             "iou_dense": metrics.IoU(3, [1], sparse_y_true=False, sparse_y_pred=False)}
    _fit_and_check(soft, "categorical_crossentropy", x, np.eye(3, dtype=np.float32)[labels],
                   [metrics.OneHotMeanIoU(3), metrics.OneHotIoU(3, [0, 2]),
                    metrics.IoU(3, [1], name="iou_dense", sparse_y_true=False,
                                sparse_y_pred=False), metrics.categorical_hinge], fresh)

    target = (x @ rng.normal(size=(5, 4))).astype(np.float32)
    reg = Sequential([Dense(4, input_dim=5)])
    fresh = {"pearson_correlation": metrics.PearsonCorrelation(),
             "concordance_correlation": metrics.ConcordanceCorrelation(),
             "huber": metrics.MeanMetricWrapper(metrics.huber)}
    _fit_and_check(reg, "mse", x, target, [metrics.PearsonCorrelation(),
                                    metrics.ConcordanceCorrelation(), metrics.huber], fresh)
