"""Adafactor, Lamb and LossScaleOptimizer: Keras's numbers, hand-worked steps, config, saving.

The problem is test_optimizers.py's: a float64 linear model with a log-cosh loss. Reference
trajectories were computed with Keras 3.15.1 (TensorFlow backend, float64 variables,
``opt.apply_gradients`` with the same gradients); Keras keeps the learning rate in float32,
hence the 1e-7 tolerance.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import optimizer_checks as checks
from shendu import optimizers
from shendu.layers import Variable
from shendu.optimizers import SGD, Adafactor, Adam, Lamb, LossScaleOptimizer
from shendu.parameters import FlatParameters
from test_optimizers import shendu_trajectory

MAKE = {
    "adafactor": lambda: Adafactor(learning_rate=0.1),
    "adafactor_opts": lambda: Adafactor(learning_rate=0.5, beta_2_decay=-0.5, epsilon_2=0.01,
                                        clip_threshold=0.5),
    "lamb": lambda: Lamb(learning_rate=0.05),
    "lamb_wd": lambda: Lamb(learning_rate=0.05, beta_1=0.8, beta_2=0.99, weight_decay=0.1),
}
# Keras 3.15.1 (TF backend): [w.ravel(), b] after steps 1, 2 and 10, same settings as MAKE
KERAS = {
    "adafactor": (
        [-1.1626441368, 1.4094413155, 1.2493101387, 0.6769008519, 0.3988341186, -0.3925203586,
         1.2852717739, 1.7875094068],
        [-1.0711381935, 1.3117805133, 1.1616160562, 0.5765044167, 0.5241307051, -0.4654852655,
         1.1323257162, 1.6325520728],
        [-0.4932412437, 0.7465348117, 0.6734802940, -0.1564095891, 1.1609744529, -0.8276324955,
         0.4341804281, 0.8368309050],
    ),
    "adafactor_opts": (
        [-1.0180120474, 1.2527176304, 1.1044622147, 0.5202850327, 0.6004018459, -0.5104166718,
         1.0261484158, 1.5283860487],
        [-0.8032239371, 1.0299927455, 0.9237716966, 0.2750291943, 0.8817534821, -0.6751160594,
         0.7057204507, 1.1980302564],
        [0.0656843074, 0.4094219680, -0.2250583410, -0.6402579664, 0.3517511950, -0.6905139492,
         0.0142252194, 0.2502758919],
    ),
    "lamb": (
        [-1.2071540357, 1.4620122749, 1.2939639798, 0.7293999365, 0.3163671168, -0.3658342956,
         1.3716462266, 1.8738838637],
        [-1.1569981885, 1.4118737446, 1.2438203155, 0.6792405198, 0.3665157082, -0.4159617390,
         1.2895604644, 1.7917616176],
        [-0.8025653219, 1.0605251730, 0.8916829570, 0.3239426227, 0.7189268153, -0.7645836513,
         0.7648523272, 1.2627477625],
    ),
    "lamb_wd": (
        [-1.2011182654, 1.4547022133, 1.2874941597, 0.7257529367, 0.3147852811, -0.3640051241,
         1.3647879952, 1.8645144441],
        [-1.1454479135, 1.3978006779, 1.2314129666, 0.6724483884, 0.3628644376, -0.4117919806,
         1.2767165401, 1.7738693665],
        [-0.7618795006, 1.0103230643, 0.8479074489, 0.3046516484, 0.6837272197, -0.7232028122,
         0.7293294649, 1.1992530110],
    ),
}


@pytest.mark.parametrize("case", sorted(MAKE))
@pytest.mark.parametrize("loose", [False, True])
def test_trajectory_matches_keras(case, loose):
    checks.check_trajectory(MAKE[case](), KERAS[case], loose, atol=1e-8)


def test_relative_step_changes_nothing_as_in_keras():
    a = shendu_trajectory(Adafactor(learning_rate=0.1), steps=5)
    b = shendu_trajectory(Adafactor(learning_rate=0.1, relative_step=False), steps=5)
    np.testing.assert_array_equal(a, b)


# -- hand-worked steps ---------------------------------------------------------------------------
def _run(opt, grads, start):
    w = Variable(np.array(start, dtype=np.float64), "w")
    out = []
    for g in grads:
        opt.apply_gradients([(np.array(g, dtype=np.float64), w)])
        out.append(w.data.copy())
    return out


def test_adafactor_matrix_hand_worked_two_steps():
    # θ = [[1, −1], [2, 0.5]], η = 0.1, ε₁ = 0 (so s = g²), ε₂ = 1e-3, clip 1
    # step 1: ρ = min(0.1, 1) = 0.1; rms(θ) = √(6.25/4) = 1.25 → α = 0.125; β = 1 − 1 = 0
    #   g = 1 everywhere: r = [1, 1], c = [1, 1], v = r/mean(r) ⊗ c = 1, u = 1, rms(u) = 1
    #   θ₁ = θ − 0.125
    theta1 = np.array([[0.875, -1.125], [1.875, 0.375]])
    # step 2: g = [[2, 0], [0, 0]], β = 1 − 2^−0.8; ρ = min(0.1, 1/√2) = 0.1
    beta = 1 - 2 ** -0.8
    r = beta * np.ones(2) + (1 - beta) * np.array([2.0, 0.0])  # row means of g²: [2, 0]
    c = beta * np.ones(2) + (1 - beta) * np.array([2.0, 0.0])  # column means: [2, 0]
    v = np.outer(r / r.mean(), c)
    u = np.array([[2.0, 0.0], [0.0, 0.0]]) / np.sqrt(v)
    u /= max(1.0, math.sqrt((u**2).mean()))
    alpha = max(1e-3, math.sqrt((theta1**2).mean())) * 0.1
    theta2 = theta1 - alpha * u
    out = _run(Adafactor(0.1, epsilon_1=0.0), [np.ones((2, 2)), [[2.0, 0.0], [0.0, 0.0]]],
               [[1.0, -1.0], [2.0, 0.5]])
    np.testing.assert_allclose(out[0], theta1, rtol=1e-14)
    np.testing.assert_allclose(out[1], theta2, rtol=1e-14)


def test_adafactor_vector_keeps_the_full_second_moment():
    # θ = [3, 4], η = 1 → ρ = 1, α = rms(θ) = √12.5; g = [1, 0]: v = g² + ε₁, u = [1, 0]
    # rms(u) = √0.5 < 1: no clipping; θ₁ = [3 − √12.5, 4]
    out = _run(Adafactor(1.0), [[1.0, 0.0]], [3.0, 4.0])
    np.testing.assert_allclose(out[0], [3 - math.sqrt(12.5), 4.0], rtol=1e-14)


def test_lamb_hand_worked_two_steps():
    # θ = [3, 4] (‖θ‖ = 5), η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e-7
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.1
    theta, m, v = np.array([3.0, 4.0]), np.zeros(2), np.zeros(2)
    want = []
    for t, g in enumerate([np.array([1.0, 0.0]), np.array([-1.0, 2.0])], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        u = (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        theta = theta - lr * np.linalg.norm(theta) / np.linalg.norm(u) * u
        want.append(theta)
    out = _run(Lamb(lr), [[1.0, 0.0], [-1.0, 2.0]], [3.0, 4.0])
    # step 1 by hand: u = [1/(1 + 1e-7), 0], ratio 5/‖u‖ → θ = [3 − 0.5, 4]
    np.testing.assert_allclose(out[0], [2.5, 4.0], rtol=1e-14)
    np.testing.assert_allclose(out[1], want[1], rtol=1e-13)


def test_lamb_ratio_is_one_for_zero_weights():
    # ‖θ‖ = 0: the step is the plain Adam-like u, ≈ η · sign(g) on step 1
    out = _run(Lamb(0.1), [[2.0, -3.0]], [0.0, 0.0])
    np.testing.assert_allclose(out[0], [-0.1, 0.1], rtol=1e-6)


# -- LossScaleOptimizer ------------------------------------------------------------------------
def test_loss_scale_matches_keras_sequence():
    # Keras 3.15.1 (TF): LossScaleOptimizer(SGD(0.1), initial_scale=4, dynamic_growth_steps=2),
    # gradients of the scaled loss (g · scale) for g = 1, 2, inf, 1, 1, 1, nan, 1:
    # [w, dynamic_scale, step_counter, iterations] after each
    keras = [[0.9, 4.0, 1, 1], [0.7, 8.0, 0, 2], [0.7, 4.0, 0, 2], [0.6, 4.0, 1, 3],
             [0.5, 8.0, 0, 4], [0.4, 8.0, 1, 5], [0.4, 4.0, 0, 5], [0.3, 4.0, 1, 6]]
    opt = LossScaleOptimizer(SGD(0.1), initial_scale=4.0, dynamic_growth_steps=2)
    w = Variable(np.array([1.0]), "w")
    got = []
    for g in [1.0, 2.0, np.inf, 1.0, 1.0, 1.0, np.nan, 1.0]:
        opt.apply_gradients([(np.array([g]) * float(opt.dynamic_scale), w)])
        got.append([float(w.data[0]), float(opt.dynamic_scale), int(opt.step_counter),
                    opt.iterations])
    np.testing.assert_allclose(np.array(got), np.array(keras), rtol=1e-7)


def test_loss_scale_on_the_flat_buffer_skips_non_finite_and_matches_the_inner_otherwise():
    w = Variable(np.array([1.0, 2.0]), "w")
    flat = FlatParameters([w])
    opt = LossScaleOptimizer(Adam(0.1), initial_scale=2.0**15)
    w.grad[...] = np.array([1.0, -1.0]) * 2.0**15  # fit's gradients are of the scaled loss
    opt.apply(flat)
    np.testing.assert_allclose(w.data, [0.9, 2.1], rtol=1e-6)
    w.grad[...] = [np.nan, 0.0]
    opt.apply(flat)
    np.testing.assert_allclose(w.data, [0.9, 2.1], rtol=1e-6)
    assert float(opt.dynamic_scale) == 2.0**14 and opt.iterations == 1
    assert float(opt.scale_loss(1.0)) == 2.0**14


def test_loss_scale_config_round_trip_and_keras_form():
    opt = LossScaleOptimizer(Lamb(0.01), initial_scale=8.0, dynamic_growth_steps=5)
    config = opt.get_config()
    assert sorted(config) == ["dynamic_growth_steps", "initial_scale", "inner_optimizer", "name"]
    assert config["inner_optimizer"]["class_name"] == "Lamb"
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is LossScaleOptimizer and type(again.inner_optimizer) is Lamb
    assert again.get_config() == config and again.learning_rate == 0.01
    assert opt.name == "loss_scale_optimizer"


@pytest.mark.parametrize("make, words", [
    (lambda: LossScaleOptimizer("adam"), "inner_optimizer must be an Optimizer"),
    (lambda: LossScaleOptimizer(SGD(), initial_scale=0.0), "initial_scale must be"),
    (lambda: LossScaleOptimizer(SGD(), dynamic_growth_steps=0), "dynamic_growth_steps must"),
    (lambda: LossScaleOptimizer(SGD(), dynamic=False), "dynamic=False"),
    (lambda: LossScaleOptimizer(SGD(), clipnorm=1.0), "set clipnorm on the inner"),
    (lambda: LossScaleOptimizer(SGD(), scale=2.0), "unknown argument"),
    (lambda: optimizers.get("LossScaleOptimizer"), "wraps another optimizer"),
    (lambda: Adafactor(beta_2_decay=0.5), "Adafactor: beta_2_decay must be"),
    (lambda: Adafactor(epsilon_1=-1.0), "Adafactor: epsilon_1 must be"),
    (lambda: Adafactor(clip_threshold=0.0), "Adafactor: clip_threshold must be"),
    (lambda: Adafactor(relative_step="yes"), "Adafactor: relative_step must be"),
    (lambda: Lamb(beta_1=1.0), "Lamb: beta_1 must be"),
    (lambda: Lamb(epsilon=float("nan")), "Lamb: epsilon must be"),
    (lambda: Lamb(lerning_rate=0.1), "unknown argument"),
])
def test_bad_arguments(make, words):
    checks.check_bad_argument(make, words)


def test_signatures_and_defaults():
    assert str(inspect.signature(Adafactor)) == (
        "(learning_rate: 'float | LearningRateSchedule' = 0.001, beta_2_decay: 'float' = -0.8, "
        "epsilon_1: 'float' = 1e-30, epsilon_2: 'float' = 0.001, clip_threshold: 'float' = 1.0, "
        "relative_step: 'bool' = True, **kwargs) -> 'None'")
    assert str(inspect.signature(Lamb)) == (
        "(learning_rate: 'float | LearningRateSchedule' = 0.001, beta_1: 'float' = 0.9, "
        "beta_2: 'float' = 0.999, epsilon: 'float' = 1e-07, **kwargs) -> 'None'")
    assert str(inspect.signature(LossScaleOptimizer)) == (
        "(inner_optimizer: 'Optimizer', initial_scale: 'float' = 32768.0, "
        "dynamic_growth_steps: 'int' = 2000, name: 'str | None' = None, **kwargs) -> 'None'")
    assert Adafactor().learning_rate == 0.001 and Lamb().learning_rate == 0.001


# -- config, names, training, saving --------------------------------------------------------------
@pytest.mark.parametrize("case", sorted(MAKE))
def test_config_round_trip(case):
    opt = MAKE[case]()
    again = type(opt).from_config(opt.get_config())
    assert again.get_config() == opt.get_config()
    checks.check_same_trajectory(again, MAKE[case]())


def test_names_as_keras_has_them():
    assert type(optimizers.get("adafactor")) is Adafactor
    assert type(optimizers.get("Adafactor")) is Adafactor
    assert type(optimizers.get("lamb")) is Lamb  # Keras 3.15's get() does not list Lamb
    assert "adafactor" in optimizers.ALL and "lossscaleoptimizer" not in optimizers.ALL


@pytest.mark.parametrize("optimizer", [
    "adafactor", lambda: Adafactor(learning_rate=0.05), lambda: Lamb(learning_rate=0.05),
    lambda: LossScaleOptimizer(Adam(0.05)),
])
def test_trains_a_model(optimizer):
    checks.check_trains_a_model(optimizer)


@pytest.mark.parametrize("make", [
    lambda: Adafactor(learning_rate=0.05), lambda: Lamb(learning_rate=0.05),
    lambda: LossScaleOptimizer(Lamb(0.05), initial_scale=4.0, dynamic_growth_steps=3),
])
def test_save_and_load_resume_the_same_trajectory(make, tmp_path):
    straight, resumed = checks.check_save_and_load_resume(make, tmp_path)
    if isinstance(straight.optimizer, LossScaleOptimizer):
        assert float(resumed.optimizer.dynamic_scale) == float(straight.optimizer.dynamic_scale)
        assert int(resumed.optimizer.step_counter) == int(straight.optimizer.step_counter)


def test_loose_and_flat_state_agree_for_adafactor():
    # the factored slots are stored per variable segment: the flat step and the
    # variable-by-variable step leave the same state
    a, b = Adafactor(0.1), Adafactor(0.1)
    shendu_trajectory(a, steps=3)
    shendu_trajectory(b, steps=3, loose=True)
    for name in ("v", "r", "c"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-14)


# -- LossScaleOptimizer inside fit: the backward seed is the scale, the step divides it out ----
def _fit_model(optimizer, loss="mse", fast=True):
    model = checks.small_model(optimizer)
    model.compile(optimizer=optimizer, loss=loss)
    model.use_fast_path = fast
    return model


def _huge_mse(y_true, y_pred):
    # finite in float32 (the loss is < 1 here) until the scale multiplies its gradient
    from shendu import ops

    return ops.mean(ops.square(y_pred - y_true)) * 1e38


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
@pytest.mark.parametrize("fast", [True, False])
def test_fit_skips_a_step_whose_scaled_gradients_overflow(fast):
    x, y = checks.small_data()
    y = y * 1e-3
    model = _fit_model(LossScaleOptimizer(SGD(0.1)), _huge_mse, fast)
    before = model.get_weights()
    model.fit(x[:8], y[:8], epochs=1, batch_size=8, verbose=0)
    opt = model.optimizer
    assert opt.iterations == 0 and int(opt.step_counter) == 0
    assert float(opt.dynamic_scale) == 2.0**14
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert model.train_on_batch(x[:8], y[:8]) is not None
    assert float(opt.dynamic_scale) == 2.0**13 and opt.iterations == 0


@pytest.mark.parametrize("loss,fast", [("mse", True), ("mse", False),
                                       (lambda t, p: (p - t) ** 2, True)])
def test_fit_trajectory_equals_the_inner_optimizers(loss, fast):
    # power-of-two scales: multiplying the seed and dividing the gradients is exact in float32,
    # so only the order of float rounding in the layers' backward can differ
    x, y = checks.small_data()
    scaled = _fit_model(LossScaleOptimizer(Adam(0.05), initial_scale=2.0**15,
                                           dynamic_growth_steps=3), loss, fast)
    plain = _fit_model(Adam(0.05), loss, fast)
    for model in (scaled, plain):
        model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    assert scaled.optimizer.iterations == plain.optimizer.iterations == 12
    assert float(scaled.optimizer.dynamic_scale) == 2.0**19  # doubled every third step
    for a, b in zip(scaled.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_fit_and_apply_gradients_agree():
    # one fit step and the custom-loop step on the gradients of scale_loss(loss)
    from shendu.autograd import Tensor

    x, y = checks.small_data()
    fitted = _fit_model(LossScaleOptimizer(SGD(0.1), initial_scale=8.0), fast=False)
    fitted.train_on_batch(x[:16], y[:16])
    loop = _fit_model(LossScaleOptimizer(SGD(0.1), initial_scale=8.0), fast=False)
    weights = loop.trainable_weights
    pred = loop(Tensor(x[:16]), training=True)
    loss = loop.optimizer.scale_loss(((pred - Tensor(y[:16])) ** 2).mean())
    loss.backward()
    loop.optimizer.apply_gradients([(w.grad.copy(), w) for w in weights])
    assert float(fitted.optimizer.dynamic_scale) == float(loop.optimizer.dynamic_scale) == 8.0
    for a, b in zip(fitted.get_weights(), loop.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
