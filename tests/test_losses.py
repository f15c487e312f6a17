"""Losses: every function by finite differences (float64, through ops), against PyTorch where
torch has the same function, against Keras's documented values (or hand-worked ones) where it
does not; reductions and sample weights; logit fusion; names, configs and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shendu import losses, ops
from shendu.autograd import Tensor, no_grad
from shendu.errors import ArgumentError, DataError, ShapeError, UnknownNameError
from shendu.testing import check_gradients

RNG = np.random.default_rng(7)
N, C = 6, 4


def _probs(shape, seed):
    """Probabilities well inside (ε, 1 − ε), so clipping never kicks in."""
    return np.random.default_rng(seed).uniform(0.05, 0.95, size=shape)


def _dist(shape, seed):
    p = _probs(shape, seed)
    return p / p.sum(axis=-1, keepdims=True)


def _one_hot(labels, classes):
    return np.eye(classes)[labels]


LABELS = RNG.integers(0, C, size=N)
ONE_HOT = _one_hot(LABELS, C)
BINARY = RNG.integers(0, 2, size=(N, C)).astype(np.float64)
REAL = RNG.normal(size=(N, C))
POSITIVE = RNG.uniform(0.2, 3.0, size=(N, C))
SIGNS = np.where(BINARY > 0, 1.0, -1.0)

# name, kwargs, y_true, y_pred (kinks and clipping bounds avoided)
GRADIENT_CASES = [
    ("mean_squared_error", {}, REAL, RNG.normal(size=(N, C))),
    ("half_mean_squared_error", {}, REAL, RNG.normal(size=(N, C))),
    ("mean_absolute_error", {}, REAL, REAL + RNG.uniform(0.1, 1, (N, C)) * SIGNS),
    ("mean_absolute_percentage_error", {}, POSITIVE, POSITIVE + RNG.uniform(0.1, 1, (N, C))),
    ("mean_squared_logarithmic_error", {}, POSITIVE, RNG.uniform(0.2, 3.0, (N, C))),
    ("huber", {"delta": 1.0}, REAL, REAL + RNG.choice([-2.5, -0.4, 0.3, 1.7], (N, C))),
    ("huber", {"delta": 0.5}, REAL, REAL + RNG.choice([-2.5, -0.3, 0.2, 1.7], (N, C))),
    ("log_cosh", {}, REAL, RNG.normal(size=(N, C)) * 3),
    ("cosine_similarity", {}, REAL, RNG.normal(size=(N, C))),
    ("cosine_similarity", {"axis": 0}, REAL, RNG.normal(size=(N, C))),
    ("binary_crossentropy", {}, BINARY, _probs((N, C), 1)),
    ("binary_crossentropy", {"label_smoothing": 0.2}, BINARY, _probs((N, C), 2)),
    ("binary_crossentropy", {"from_logits": True}, BINARY, RNG.normal(size=(N, C)) * 3),
    ("binary_focal_crossentropy", {}, BINARY, _probs((N, C), 3)),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5,
                                   "label_smoothing": 0.1}, BINARY, _probs((N, C), 4)),
    ("binary_focal_crossentropy", {"from_logits": True}, BINARY, RNG.normal(size=(N, C))),
    ("categorical_crossentropy", {}, ONE_HOT, _dist((N, C), 5)),
    ("categorical_crossentropy", {}, _dist((N, C), 6), _probs((N, C), 7)),  # renormalised
    ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, ONE_HOT,
     RNG.normal(size=(N, C))),
    ("categorical_crossentropy", {"axis": 0}, _dist((C, N), 8).T.copy(), _dist((C, N), 9).T),
    ("categorical_focal_crossentropy", {}, ONE_HOT, _dist((N, C), 10)),
    ("categorical_focal_crossentropy", {"from_logits": True, "alpha": 0.5, "gamma": 3.0,
                                        "label_smoothing": 0.1}, ONE_HOT, RNG.normal(size=(N, C))),
    ("sparse_categorical_crossentropy", {}, LABELS, _dist((N, C), 11)),
    ("sparse_categorical_crossentropy", {"from_logits": True}, LABELS, RNG.normal(size=(N, C))),
    ("sparse_categorical_crossentropy", {"from_logits": True, "ignore_class": 0}, LABELS,
     RNG.normal(size=(N, C))),
    ("kl_divergence", {}, _dist((N, C), 12), _dist((N, C), 13)),
    ("poisson", {}, RNG.poisson(2.0, (N, C)).astype(float), POSITIVE),
    ("hinge", {}, BINARY, SIGNS * RNG.choice([-0.5, 0.4, 1.6], (N, C))),
    ("squared_hinge", {}, BINARY, SIGNS * RNG.choice([-0.5, 0.4, 1.6], (N, C))),
    ("categorical_hinge", {}, ONE_HOT, _dist((N, C), 14) * 2),
]


@pytest.mark.parametrize("name,kwargs,y_true,y_pred", GRADIENT_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(GRADIENT_CASES)])
def test_loss_gradients_match_finite_differences(name, kwargs, y_true, y_pred):
    fn = getattr(losses, name)
    assert check_gradients(lambda p: fn(y_true, p, **kwargs), [y_pred]) < 1e-6


@pytest.mark.parametrize("name", ["mean_squared_error", "kl_divergence", "binary_crossentropy",
                                  "categorical_crossentropy", "huber", "poisson"])
def test_loss_gradients_reach_a_target_tensor(name):
    """A Tensor y_true keeps its graph, so both arguments can be learned."""
    y_true, y_pred = _dist((N, C), 20), _dist((N, C), 21)
    fn = getattr(losses, name)
    assert check_gradients(lambda t, p: fn(t, p), [y_true, y_pred]) < 1e-6


# -- against PyTorch ----------------------------------------------------------------------
def _t(a):
    import torch

    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _torch_cases():
    import torch
    import torch.nn.functional as F

    logits = RNG.normal(size=(N, C)) * 2
    p = _probs((N, C), 30)
    dist_true, dist_pred = _dist((N, C), 31), _dist((N, C), 32)
    cos_a, cos_b = RNG.normal(size=(N, C)), RNG.normal(size=(N, C))
    return [
        ("mean_squared_error", {}, REAL, cos_a,
         lambda t, q: F.mse_loss(q, t, reduction="none").mean(-1)),
        ("mean_absolute_error", {}, REAL, cos_a,
         lambda t, q: F.l1_loss(q, t, reduction="none").mean(-1)),
        ("huber", {"delta": 0.7}, REAL, cos_a,
         lambda t, q: F.huber_loss(q, t, delta=0.7, reduction="none").mean(-1)),
        ("huber", {"delta": 1.0}, REAL, cos_a,
         lambda t, q: F.smooth_l1_loss(q, t, beta=1.0, reduction="none").mean(-1)),
        ("log_cosh", {}, REAL, cos_a, lambda t, q: torch.log(torch.cosh(q - t)).mean(-1)),
        ("mean_squared_logarithmic_error", {}, POSITIVE, p * 3,
         lambda t, q: (torch.log1p(q) - torch.log1p(t)).square().mean(-1)),
        ("mean_absolute_percentage_error", {}, POSITIVE, p,
         lambda t, q: 100 * ((t - q).abs() / t.abs()).mean(-1)),
        ("cosine_similarity", {}, cos_a, cos_b, lambda t, q: -F.cosine_similarity(t, q, dim=-1)),
        ("binary_crossentropy", {}, BINARY, p,
         lambda t, q: F.binary_cross_entropy(q, t, reduction="none").mean(-1)),
        ("binary_crossentropy", {"from_logits": True}, BINARY, logits,
         lambda t, q: F.binary_cross_entropy_with_logits(q, t, reduction="none").mean(-1)),
        ("binary_crossentropy", {"from_logits": True, "label_smoothing": 0.2}, BINARY, logits,
         lambda t, q: F.binary_cross_entropy_with_logits(q, t * 0.8 + 0.1,
                                                          reduction="none").mean(-1)),
        ("categorical_crossentropy", {"from_logits": True}, ONE_HOT, logits,
         lambda t, q: F.cross_entropy(q, t, reduction="none")),
        ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, ONE_HOT,
         logits, lambda t, q: F.cross_entropy(q, t.argmax(-1), label_smoothing=0.1,
                                              reduction="none")),
        ("categorical_crossentropy", {}, dist_true, dist_pred,
         lambda t, q: F.cross_entropy(torch.log(q), t, reduction="none")),
        ("sparse_categorical_crossentropy", {"from_logits": True}, LABELS, logits,
         lambda t, q: F.cross_entropy(q, torch.as_tensor(LABELS), reduction="none")),
        ("sparse_categorical_crossentropy", {}, LABELS, dist_pred,
         lambda t, q: F.cross_entropy(torch.log(q), torch.as_tensor(LABELS), reduction="none")),
        ("kl_divergence", {}, dist_true, dist_pred,
         lambda t, q: F.kl_div(torch.log(q), t, reduction="none").sum(-1)),
        ("poisson", {}, RNG.poisson(2.0, (N, C)).astype(float), POSITIVE,
         lambda t, q: F.poisson_nll_loss(q, t, log_input=False, eps=1e-7,
                                         reduction="none").mean(-1)),
    ]


TORCH_IDS = ["mse", "mae", "huber-0.7", "smooth_l1", "log_cosh", "msle", "mape", "cosine",
             "bce", "bce-logits", "bce-logits-smoothing", "cce-logits", "cce-smoothing",
             "cce-probs", "sparse-logits", "sparse-probs", "kld", "poisson"]


@pytest.mark.parametrize("case", range(len(TORCH_IDS)), ids=TORCH_IDS)
def test_loss_matches_torch_values_and_gradients(case):
    name, kwargs, y_true, y_pred, reference = _torch_cases()[case]
    pred = Tensor(np.asarray(y_pred, dtype=np.float64), requires_grad=True)
    ours = getattr(losses, name)(y_true, pred, **kwargs)
    weights = np.random.default_rng(case).normal(size=ours.shape)
    (ours * Tensor(weights)).sum().backward()

    t_true, t_pred = _t(y_true), _t(y_pred)
    theirs = reference(t_true, t_pred)
    (theirs * _t(weights)).sum().backward()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(pred.grad, t_pred.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_sparse_ignore_class_averages_over_kept_labels_like_torch_ignore_index():
    import torch
    import torch.nn.functional as F

    labels = np.array([0, 2, -1, 1, -1, 3])
    logits = RNG.normal(size=(6, 4))
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    theirs = F.cross_entropy(torch.tensor(logits), torch.tensor(labels), ignore_index=-1)
    np.testing.assert_allclose(loss(labels, logits).item(), theirs.item(), rtol=1e-6)
    per_sample = losses.sparse_categorical_crossentropy(labels, logits, True, ignore_class=-1)
    assert per_sample.data[2] == 0.0 and per_sample.data[4] == 0.0


# -- Keras's documented and hand-worked values -----------------------------------------------
KERAS_DOC_CASES = [
    # (function, kwargs, y_true, y_pred, expected per-sample values, decimals)
    ("binary_crossentropy", {}, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], [0.916, 0.714], 3),
    ("binary_focal_crossentropy", {"gamma": 2}, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]],
     [0.330, 0.206], 3),
    ("categorical_crossentropy", {}, [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]],
     [0.0513, 2.303], 3),
    ("sparse_categorical_crossentropy", {}, [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]],
     [0.0513, 2.303], 3),
    ("categorical_focal_crossentropy", {}, [[0, 1, 0], [0, 0, 1]],
     [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]], [2.63401289e-04, 6.75912094e-01], 6),
    ("cosine_similarity", {}, [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
     [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]], [0.0, -1.0, 1.0], 6),
    # hinge: {0, 1} labels become {−1, 1}; rows: mean(1.3, 0.4), mean(1.5, 1.2)
    ("hinge", {}, [[0, 1], [1, 0]], [[0.3, 0.6], [-0.5, 0.2]], [0.85, 1.35], 10),
    ("squared_hinge", {}, [[0, 1], [1, 0]], [[0.3, 0.6], [-0.5, 0.2]], [0.925, 1.845], 10),
    ("hinge", {}, [[-1, 1]], [[0.3, 2.0]], [0.65], 10),  # already ±1: used as given
    # categorical hinge: max(neg − pos + 1, 0): 0.7 − 0.5 + 1, then max(0.3 − 2 + 1, 0)
    ("categorical_hinge", {}, [[0, 1, 0], [0, 1, 0]], [[0.2, 0.5, 0.7], [0.1, 2.0, 0.3]],
     [1.2, 0.0], 10),
    # KL clips y to [ε, 1]: a zero target contributes ε log(ε / ŷ) ≈ 0
    ("kl_divergence", {}, [[0.0, 1.0]], [[0.5, 0.5]], [math.log(2.0)], 5),
    # Poisson: 1 − 2 log(1 + ε) and 0.5 − 0
    ("poisson", {}, [[2.0], [0.0]], [[1.0], [0.5]], [1.0, 0.5], 6),
    # MAPE divides by max(|y|, ε): |0 − 1| / 1 and |2 − 1| / 2, in percent
    ("mean_absolute_percentage_error", {}, [[1.0, 2.0]], [[0.0, 1.0]], [75.0], 10),
    ("mean_squared_logarithmic_error", {}, [[math.e - 1]], [[0.0]], [1.0], 6),
]


@pytest.mark.parametrize("name,kwargs,y_true,y_pred,expected,decimals", KERAS_DOC_CASES,
                         ids=[c[0] for c in KERAS_DOC_CASES])
def test_loss_matches_keras_documented_or_hand_worked_values(name, kwargs, y_true, y_pred,
                                                              expected, decimals):
    out = getattr(losses, name)(np.array(y_true, dtype=float), np.array(y_pred), **kwargs)
    np.testing.assert_allclose(out.data, expected, atol=0.6 * 10.0**-decimals)


def test_huber_and_log_cosh_reduced_values_from_keras_docs():
    y_true, y_pred = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.6, 0.4], [0.4, 0.6]])
    assert round(losses.Huber()(y_true, y_pred).item(), 3) == 0.155
    y_true, y_pred = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 0.0]])
    assert round(losses.LogCosh()(y_true, y_pred).item(), 3) == 0.108


def test_half_mean_squared_error_is_the_seeds_cost():
    y, h = np.array([[1.0], [2.0], [4.0]]), np.array([[0.0], [2.0], [1.0]])
    # J = 1/(2m) Σ (y − ŷ)² = (1 + 0 + 9) / 6
    assert losses.HalfMeanSquaredError()(y, h).item() == pytest.approx(10 / 6)


def test_clipping_keeps_cross_entropy_finite_at_zero_and_one():
    y, p = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    eps = 1e-7
    expected = -math.log(eps)  # both terms log of the clipped ε
    assert losses.binary_crossentropy(y, p).item() == pytest.approx(expected, rel=1e-6)
    assert losses.categorical_crossentropy(y, p).item() == pytest.approx(expected, rel=1e-6)


# -- reductions and sample weights -------------------------------------------------------
Y_TRUE, Y_PRED = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]])


@pytest.mark.parametrize("reduction,sample_weight,expected", [
    ("sum_over_batch_size", None, 0.5),
    ("sum_over_batch_size", [0.7, 0.3], 0.25),  # Keras's documented example
    ("sum_over_batch_size", [[0.7], [0.3]], 0.25),
    ("sum_over_batch_size", 2.0, 1.0),
    ("mean", [0.7, 0.3], 0.25),
    ("sum", None, 1.0),
    ("sum", [0.7, 0.3], 0.5),
    ("mean_with_sample_weight", [0.7, 0.3], 0.5),
    ("mean_with_sample_weight", [1.0, 3.0], 0.5),
    ("none", [0.7, 0.3], [0.35, 0.15]),
    (None, None, [0.5, 0.5]),
])
def test_reductions_and_sample_weights(reduction, sample_weight, expected):
    out = losses.MeanSquaredError(reduction=reduction)(Y_TRUE, Y_PRED, sample_weight)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


def test_sample_weight_per_element_of_a_sequence_output():
    y_true, y_pred = np.zeros((2, 3, 1)), np.ones((2, 3, 1))
    sw = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    assert losses.MeanSquaredError()(y_true, y_pred, sw).item() == pytest.approx(3 / 6)


def test_sample_weight_of_the_wrong_length_is_a_clear_error():
    with pytest.raises(ShapeError, match="sample_weight.*one weight per sample"):
        losses.MeanSquaredError()(Y_TRUE, Y_PRED, [1.0, 2.0, 3.0])


def test_bad_reduction_is_a_clear_error():
    with pytest.raises(ArgumentError, match="reduction must be one of"):
        losses.MeanSquaredError(reduction="average")


@pytest.mark.parametrize("cls", [losses.BinaryCrossentropy, losses.Hinge, losses.Poisson,
                                 losses.KLDivergence, losses.BinaryFocalCrossentropy])
def test_loss_classes_match_a_1d_target_to_a_column_of_predictions(cls):
    y, p = np.array([0.0, 1.0, 1.0]), np.array([[0.2], [0.7], [0.9]])
    loss = cls(reduction="none")
    np.testing.assert_allclose(loss(y, p).data, loss(y[:, None], p).data)
    assert loss(y, p).shape == (3,)


def test_rank_of_targets_follows_keras_squeeze_or_expand():
    # y (n,) against ŷ (n, 1): the same per-sample values as y (n, 1)
    y, p = np.array([0.0, 1.0, 2.0]), np.array([[1.0], [1.0], [1.0]])
    np.testing.assert_allclose(losses.mean_squared_error(y, p).data, [1.0, 0.0, 1.0])
    np.testing.assert_allclose(losses.mean_squared_error(y[:, None], p[:, 0]).data,
                               [1.0, 0.0, 1.0])


# -- logit fusion ----------------------------------------------------------------------------
def test_sigmoid_output_fuses_with_binary_crossentropy():
    z_data, y = np.array([[-60.0], [0.3], [45.0]]), np.array([[1.0], [0.0], [0.0]])
    z = Tensor(z_data, requires_grad=True)
    loss = losses.BinaryCrossentropy()(y, ops.sigmoid(z))
    loss.backward()
    # stable: log(1 + e^60) ≈ 60, no clipping to −log ε ≈ 16.1; backward (σ(z) − y)/n
    expected = np.logaddexp(0, -z_data) * y + np.logaddexp(0, z_data) * (1 - y)
    assert loss.item() == pytest.approx(expected.mean(), rel=1e-12)
    np.testing.assert_allclose(z.grad, (1 / (1 + np.exp(-z_data)) - y) / 3, rtol=1e-12)


def test_softmax_output_fuses_with_categorical_and_sparse_crossentropy():
    z_data = np.array([[80.0, -80.0, 0.0], [0.1, 0.2, 0.3]])
    labels = np.array([1, 2])
    for loss, y in [(losses.CategoricalCrossentropy(), _one_hot(labels, 3)),
                    (losses.SparseCategoricalCrossentropy(), labels)]:
        z = Tensor(z_data, requires_grad=True)
        value = loss(y, ops.softmax(z))
        value.backward()
        log_p = z_data - np.log(np.exp(z_data - 80).sum(-1, keepdims=True)) - 80
        assert value.item() == pytest.approx(-log_p[[0, 1], labels].mean(), rel=1e-12)
        np.testing.assert_allclose(z.grad, (np.exp(log_p) - _one_hot(labels, 3)) / 2, atol=1e-12)


def test_fusion_without_a_graph_gives_the_same_values():
    z = np.array([[-30.0, 2.0], [1.0, 0.5]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    with no_grad():
        bce = losses.binary_crossentropy(y, ops.sigmoid(Tensor(z))).data
        cce = losses.categorical_crossentropy(y, ops.softmax(Tensor(z))).data
    np.testing.assert_allclose(bce, losses.binary_crossentropy(y, z, from_logits=True).data)
    np.testing.assert_allclose(cce, losses.categorical_crossentropy(y, z, from_logits=True).data)


def test_binary_crossentropy_on_a_softmax_output_does_not_use_sigmoid_logits():
    z = np.array([[0.3, -0.2, 1.0]])
    y = np.array([[0.0, 0.0, 1.0]])
    p = np.exp(z) / np.exp(z).sum()
    for grad_mode in (True, False):
        t = Tensor(z, requires_grad=grad_mode)
        out = losses.binary_crossentropy(y, ops.softmax(t))
        np.testing.assert_allclose(out.data, losses.binary_crossentropy(y, p).data, rtol=1e-12)


# -- names, configs, errors -----------------------------------------------------------------
@pytest.mark.parametrize("identifier,cls,name", [
    ("mse", losses.MeanSquaredError, "mse"),
    ("MSE", losses.MeanSquaredError, "MSE"),
    ("mae", losses.MeanAbsoluteError, "mae"),
    ("mape", losses.MeanAbsolutePercentageError, "mape"),
    ("msle", losses.MeanSquaredLogarithmicError, "msle"),
    ("kld", losses.KLDivergence, "kld"),
    ("logcosh", losses.LogCosh, "logcosh"),
    ("huber", losses.Huber, "huber"),
    ("Huber", losses.Huber, "huber_loss"),
    ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy, "binary_focal_crossentropy"),
    ("CategoricalFocalCrossentropy", losses.CategoricalFocalCrossentropy,
     "categorical_focal_crossentropy"),
    ("SparseCategoricalCrossentropy", losses.SparseCategoricalCrossentropy,
     "sparse_categorical_crossentropy"),
    ("half_mse", losses.HalfMeanSquaredError, "half_mse"),
    (losses.poisson, losses.Poisson, "poisson"),
    (losses.Hinge, losses.Hinge, "hinge"),
])
def test_get_resolves_names_aliases_class_names_and_functions(identifier, cls, name):
    loss = losses.get(identifier)
    assert type(loss) is cls and loss.name == name


ALL_CLASSES = sorted(set(losses.CLASSES.values()), key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=[c.__name__ for c in ALL_CLASSES])
def test_config_round_trip_keeps_every_option(cls):
    loss = cls(reduction="sum", name="custom")
    config = loss.get_config()
    again = losses.get(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == config
    assert config["reduction"] == "sum" and config["name"] == "custom"


def test_keras_positional_arguments_and_defaults():
    assert losses.Huber(2.0).get_config()["delta"] == 2.0
    assert losses.MeanSquaredError("sum").reduction == "sum"
    bfc = losses.BinaryFocalCrossentropy()
    assert bfc.get_config() == {"name": "binary_focal_crossentropy",
                                "reduction": "sum_over_batch_size", "dtype": None,
                                "apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0,
                                "from_logits": False, "label_smoothing": 0.0, "axis": -1}
    with pytest.raises(ArgumentError, match="unexpected argument.*'beta'"):
        losses.Huber(beta=1.0)


def test_unknown_loss_name_suggests_the_close_one():
    with pytest.raises(UnknownNameError, match="Did you mean 'mean_squared_error'"):
        losses.get("mean_squared_eror")


def test_user_function_is_wrapped_and_reduced():
    def doubled_mae(y_true, y_pred):
        return ops.mean(ops.abs(y_true - y_pred), axis=-1) * 2.0

    loss = losses.get(doubled_mae)
    assert isinstance(loss, losses.LossFunctionWrapper) and loss.name == "doubled_mae"
    assert loss(Y_TRUE, Y_PRED, [1.0, 0.0]).item() == pytest.approx(0.5)


def test_sparse_labels_out_of_range_are_a_clear_error():
    with pytest.raises(DataError, match=r"labels must be in \[0, 3\).*got labels from 0 to 3"):
        losses.sparse_categorical_crossentropy(np.array([0, 3]), np.full((2, 3), 1 / 3))
    with pytest.raises(ShapeError, match="expected integer labels of shape"):
        losses.sparse_categorical_crossentropy(np.zeros((2, 3)), np.full((2, 3), 1 / 3))


def test_sparse_labels_with_a_trailing_axis_of_one():
    probs = _dist((4, 3), 40)
    labels = np.array([0, 2, 1, 1])
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(labels[:, None], probs).data,
                               losses.sparse_categorical_crossentropy(labels, probs).data)


TRAINABLE = [
    ("mse", "linear", "real"), ("mae", "linear", "real"), ("huber", "linear", "real"),
    ("log_cosh", "linear", "real"), ("mape", "linear", "positive"), ("msle", "relu", "positive"),
    ("poisson", "relu", "positive"), ("cosine_similarity", "linear", "real"),
    ("binary_crossentropy", "sigmoid", "binary"), ("binary_focal_crossentropy", "sigmoid",
                                                    "binary"),
    ("hinge", "tanh", "binary"), ("squared_hinge", "tanh", "binary"),
    ("categorical_crossentropy", "softmax", "one_hot"),
    ("categorical_focal_crossentropy", "softmax", "one_hot"),
    ("categorical_hinge", "softmax", "one_hot"), ("kl_divergence", "softmax", "one_hot"),
    ("sparse_categorical_crossentropy", "softmax", "sparse"),
]


@pytest.mark.parametrize("loss,activation,kind", TRAINABLE, ids=[t[0] for t in TRAINABLE])
def test_every_loss_trains_a_model_through_fit(loss, activation, kind):
    from shendu.layers import Dense
    from shendu.models import Sequential

    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    score = x @ rng.normal(size=(5, 3))
    y = {"real": score, "positive": np.abs(score) + 0.5, "binary": (score > 0) * 1.0,
         "one_hot": _one_hot(score.argmax(-1), 3), "sparse": score.argmax(-1)}[kind]
    model = Sequential([Dense(3, activation=activation, input_dim=5)])
    model.compile(optimizer="adam", loss=loss)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
