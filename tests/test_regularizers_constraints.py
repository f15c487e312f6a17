"""Regularizers (l1, l2, l1_l2) and constraints (max_norm, non_neg, unit_norm, min_max_norm):
values worked by hand, gradients, configs, and their place in training — the penalty is added
to the reported loss and to the gradient, the constraint is applied after each update."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shendu import constraints, regularizers
from shendu.autograd import Tensor
from shendu.errors import UnknownNameError
from shendu.layers import Dense, deserialize, serialize
from shendu.models import Sequential
from shendu.optimizers import SGD
from shendu.testing import check_gradients

# Σ|w| = 10, Σw² = 30
W = np.array([[1.0, -2.0], [3.0, -4.0]])


# -- regularizers ----------------------------------------------------------------------------


@pytest.mark.parametrize("reg, expected", [
    (regularizers.L1(0.1), 1.0),
    (regularizers.L2(0.1), 3.0),
    (regularizers.L1L2(l1=0.1, l2=0.2), 1.0 + 6.0),
    (regularizers.L1L2(), 0.0),
    (regularizers.L1(), 0.01 * 10),  # Keras default l1=0.01
    (regularizers.L2(), 0.01 * 30),  # Keras default l2=0.01
], ids=["l1", "l2", "l1_l2", "l1_l2_default_zero", "l1_default", "l2_default"])
def test_regularizer_values_by_hand(reg, expected):
    assert float(reg(Tensor(W)).data) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("reg, torch_fn", [
    (regularizers.L1(0.3), lambda t: 0.3 * t.abs().sum()),
    (regularizers.L2(0.3), lambda t: 0.3 * (t * t).sum()),
    (regularizers.L1L2(0.3, 0.7), lambda t: 0.3 * t.abs().sum() + 0.7 * (t * t).sum()),
], ids=["l1", "l2", "l1_l2"])
def test_regularizer_gradients_match_torch_and_finite_differences(reg, torch_fn):
    import torch

    w = np.random.default_rng(0).choice([-1.0, 1.0], (3, 4)) * np.linspace(0.2, 2.0, 12).reshape(
        3, 4)  # away from |w| = 0, where l1 has a kink
    t = Tensor(w, requires_grad=True)
    reg(t).backward()
    tw = torch.tensor(w, requires_grad=True)
    torch_fn(tw).backward()
    np.testing.assert_allclose(t.grad, tw.grad.numpy(), rtol=1e-12)
    assert check_gradients(lambda x: reg(x), [w]) < 1e-7


@pytest.mark.parametrize("reg", [regularizers.L1(0.2), regularizers.L2(0.05),
                                 regularizers.L1L2(0.1, 0.3)], ids=lambda r: type(r).__name__)
def test_regularizer_configs_round_trip(reg):
    config = json.loads(json.dumps(regularizers.serialize(reg)))
    clone = regularizers.get(config)
    assert type(clone) is type(reg) and clone.get_config() == reg.get_config()
    assert float(clone(Tensor(W)).data) == float(reg(Tensor(W)).data)


@pytest.mark.parametrize("name, cls", [("l1", regularizers.L1), ("l2", regularizers.L2),
                                       ("l1_l2", regularizers.L1L2)])
def test_regularizer_names(name, cls):
    assert type(regularizers.get(name)) is cls
    assert regularizers.get(None) is None


def _model(**dense_kwargs):
    model = Sequential([Dense(2, input_dim=3, **dense_kwargs)])
    model.compile(optimizer=SGD(learning_rate=0.1), loss="mse")
    kernel = np.array([[0.5, -1.0], [2.0, 0.25], [-0.5, 1.5]], dtype="float32")
    bias = np.array([0.1, -0.2], dtype="float32")
    model.set_weights([kernel, bias])
    return model, kernel.astype(np.float64), bias.astype(np.float64)


X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0], [0.0, -1.0, 1.0], [2.0, 1.0, -1.0]], "float32")
Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 2.0]], "float32")


def _mse_and_grads(kernel, bias):
    """Mean squared error over batch and outputs, with its gradients, in float64 by hand."""
    x, y = X.astype(np.float64), Y.astype(np.float64)
    err = x @ kernel + bias - y
    n = err.size
    return (err ** 2).mean(), x.T @ (2 * err / n), (2 * err / n).sum(axis=0)


def test_l2_kernel_penalty_is_added_to_the_reported_loss():
    model, kernel, bias = _model(kernel_regularizer=regularizers.L2(0.1))
    data_loss = _mse_and_grads(kernel, bias)[0]
    expected = data_loss + 0.1 * np.sum(kernel ** 2)
    assert model.test_on_batch(X, Y) == pytest.approx(expected, rel=1e-6)
    assert model.evaluate(X, Y, verbose=0) == pytest.approx(expected, rel=1e-6)
    plain = _model()[0]
    assert plain.test_on_batch(X, Y) == pytest.approx(data_loss, rel=1e-6)


def test_l1_bias_and_l1_l2_kernel_penalties_add_up():
    model, kernel, bias = _model(kernel_regularizer=regularizers.L1L2(l1=0.01, l2=0.02),
                                 bias_regularizer=regularizers.L1(0.5))
    expected = (_mse_and_grads(kernel, bias)[0] + 0.01 * np.abs(kernel).sum()
                + 0.02 * np.sum(kernel ** 2) + 0.5 * np.abs(bias).sum())
    assert model.test_on_batch(X, Y) == pytest.approx(expected, rel=1e-6)


def test_l2_penalty_enters_the_gradient_of_a_training_step():
    """One SGD step: W ← W - lr·(dMSE/dW + 2·0.1·W); the returned loss includes the penalty."""
    model, kernel, bias = _model(kernel_regularizer=regularizers.L2(0.1))
    loss, g_kernel, g_bias = _mse_and_grads(kernel, bias)
    reported = model.train_on_batch(X, Y)
    assert reported == pytest.approx(loss + 0.1 * np.sum(kernel ** 2), rel=1e-6)
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.1 * (g_kernel + 0.2 * kernel), rtol=1e-5)
    np.testing.assert_allclose(new_bias, bias - 0.1 * g_bias, rtol=1e-5)


def test_regularizers_survive_the_layer_config():
    layer = Dense(3, kernel_regularizer=regularizers.L1L2(0.1, 0.2),
                  bias_regularizer="l2")
    clone = deserialize(json.loads(json.dumps(serialize(layer))))
    assert clone.kernel_regularizer.get_config() == {"l1": 0.1, "l2": 0.2}
    assert type(clone.bias_regularizer) is regularizers.L2


# -- constraints -------------------------------------------------------------------------------

EPS = 1e-7  # Keras's fuzz factor in the norm constraints
C = np.array([[3.0, 0.5], [4.0, 0.0]])  # column norms 5 and 0.5; row norms ~3.04 and 4


@pytest.mark.parametrize("constraint, expected", [
    (constraints.NonNeg(), [[3.0, 0.5], [4.0, 0.0]]),
    # column 0 rescaled from norm 5 to 2; column 1 (norm 0.5) kept
    (constraints.MaxNorm(2.0), [[1.2, 0.5 * 0.5 / (0.5 + EPS)], [1.6, 0.0]]),
    (constraints.UnitNorm(), [[3 / (5 + EPS), 0.5 / (0.5 + EPS)], [4 / (5 + EPS), 0.0]]),
    # norms clipped into [1, 2]: 5 → 2 and 0.5 → 1
    (constraints.MinMaxNorm(1.0, 2.0), [[1.2, 1.0], [1.6, 0.0]]),
    # rate 0.5: halfway between the clipped and the current norm: 3.5 and 0.75
    (constraints.MinMaxNorm(1.0, 2.0, rate=0.5), [[2.1, 0.75], [2.8, 0.0]]),
], ids=["non_neg", "max_norm", "unit_norm", "min_max_norm", "min_max_norm_rate"])
def test_constraint_values_by_hand(constraint, expected):
    np.testing.assert_allclose(constraint(C), expected, rtol=1e-6)


def test_non_neg_zeroes_negatives():
    np.testing.assert_array_equal(constraints.NonNeg()(np.array([-1.0, 0.0, 2.0])), [0, 0, 2])


@pytest.mark.parametrize("axis", [0, 1, [0, 1, 2]])
def test_norm_constraints_along_an_axis(axis):
    """Norms are taken along ``axis`` (Keras: [0, 1, 2] for a conv kernel, one per filter)."""
    w = np.random.default_rng(0).normal(size=(3, 3, 4, 5)) * 3
    reduce = tuple(axis) if isinstance(axis, list) else axis
    unit = constraints.UnitNorm(axis=axis)(w)
    np.testing.assert_allclose(np.sqrt((unit ** 2).sum(axis=reduce)), 1.0, rtol=1e-6)
    capped = constraints.MaxNorm(1.5, axis=axis)(w)
    assert np.sqrt((capped ** 2).sum(axis=reduce)).max() <= 1.5 + 1e-6


@pytest.mark.parametrize("constraint", [constraints.NonNeg(), constraints.MaxNorm(2.0),
                                        constraints.UnitNorm(), constraints.MinMaxNorm()])
def test_constraints_keep_float32(constraint):
    assert constraint(C.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("constraint", [
    constraints.MaxNorm(3.0, axis=1), constraints.NonNeg(), constraints.UnitNorm(axis=[0, 1]),
    constraints.MinMaxNorm(0.5, 1.5, rate=0.8, axis=0)], ids=lambda c: type(c).__name__)
def test_constraint_configs_round_trip(constraint):
    config = json.loads(json.dumps(constraints.serialize(constraint)))
    clone = constraints.get(config)
    assert type(clone) is type(constraint) and clone.get_config() == constraint.get_config()
    w = np.random.default_rng(1).normal(size=(4, 3))
    np.testing.assert_array_equal(clone(w), constraint(w))


@pytest.mark.parametrize("name, cls", [
    ("max_norm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
    ("unit_norm", constraints.UnitNorm), ("min_max_norm", constraints.MinMaxNorm)])
def test_constraint_names(name, cls):
    assert type(constraints.get(name)) is cls
    assert constraints.get(None) is None


def test_unknown_regularizer_and_constraint_names():
    with pytest.raises(UnknownNameError, match="l3.*Known regularizers"):
        regularizers.get("l3")
    with pytest.raises(UnknownNameError, match="nonneg.*Did you mean 'non_neg'"):
        constraints.get("nonneg")


def test_non_neg_kernel_constraint_applies_after_the_optimizer_step():
    model, kernel, bias = _model(kernel_constraint=constraints.NonNeg())
    _, g_kernel, g_bias = _mse_and_grads(kernel, bias)
    model.train_on_batch(X, Y)
    new_kernel, new_bias = model.get_weights()
    stepped = kernel - 0.1 * g_kernel
    assert (stepped < 0).any()  # the step alone leaves negative weights...
    np.testing.assert_allclose(new_kernel, np.maximum(stepped, 0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(new_bias, bias - 0.1 * g_bias, rtol=1e-5)  # bias unconstrained


def test_max_norm_holds_through_fit():
    model, _, _ = _model(kernel_constraint=constraints.MaxNorm(0.5),
                         bias_constraint=constraints.MaxNorm(0.05))
    model.fit(X, Y * 10, epochs=3, batch_size=2, verbose=0)
    kernel, bias = model.get_weights()
    assert np.sqrt((kernel ** 2).sum(axis=0)).max() <= 0.5 + 1e-5
    assert np.sqrt((bias ** 2).sum()) <= 0.05 + 1e-6


def test_an_activity_penalty_is_divided_by_the_batch_size_as_in_keras_3():
    """Keras 3 adds reg(output) / batch_size for an activity_regularizer (Layer.__call__)."""
    model, kernel, bias = _model(activity_regularizer=regularizers.L2(0.1))
    out = X @ kernel + bias
    expected = _mse_and_grads(kernel, bias)[0] + 0.1 * np.sum(out ** 2) / len(X)
    assert model.test_on_batch(X, Y) == pytest.approx(expected, rel=1e-6)
    assert model.evaluate(X, Y, batch_size=len(X), verbose=0) == pytest.approx(expected,
                                                                              rel=1e-6)


def test_an_activity_penalty_covers_every_output_and_predict_keeps_none():
    """Keras regularizes each output of a layer: an LSTM's sequence and both states."""
    from shendu.layers import LSTM

    layer = LSTM(3, return_state=True, activity_regularizer=regularizers.L1(0.5))
    x = np.random.default_rng(0).normal(size=(4, 5, 2)).astype("float32")
    outputs = layer(x)
    expected = sum(0.5 * np.abs(o.data).sum() / 4 for o in outputs)
    assert sum(float(loss.data) for loss in layer.losses) == pytest.approx(expected, rel=1e-6)
    model = Sequential([Dense(2, input_dim=3, activity_regularizer=regularizers.L1(0.1))])
    model.compile(optimizer="sgd", loss="mse")
    model.predict(np.ones((70, 3)), batch_size=8, verbose=0)
    assert model.layers[0]._losses == []
