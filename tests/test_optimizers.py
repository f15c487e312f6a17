"""Optimizers: trajectories against PyTorch where the formulas match, hand-worked steps elsewhere.

The problem: a float64 linear model with a log-cosh loss (gradient tanh of the residual), two
weights of different shapes, 50 steps.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from shendu import optimizers
from shendu.errors import ArgumentError, ShapeError, UnknownNameError
from shendu.layers import Variable
from shendu.optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Ftrl,
    Lion,
    Nadam,
    RMSprop,
    schedules,
)
from shendu.parameters import FlatParameters

STEPS = 50
TINY = 1e-14  # where Keras and PyTorch put epsilon in different places, make it vanish
RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 3))
Y = RNG.normal(size=(8, 2))
W0, B0 = RNG.normal(size=(3, 2)), RNG.normal(size=(2,))


def gradients(w, b):
    """d/dθ of mean(log cosh(x w + b − y)): tanh(r) back through the linear map."""
    r = np.tanh(X @ w + b - Y) / len(X)
    return X.T @ r, r.sum(axis=0)


def shendu_trajectory(opt, steps=STEPS, loose=False):
    w, b = Variable(W0.copy(), "kernel"), Variable(B0.copy(), "bias")
    flat = None if loose else FlatParameters([w, b])
    path = []
    for _ in range(steps):
        gw, gb = gradients(w.data, b.data)
        if loose:
            opt.apply_gradients(zip([gw, gb], [w, b]))
        else:
            w.grad[...], b.grad[...] = gw, gb
            opt.apply(flat)
        path.append(np.concatenate([w.data.ravel(), b.data.ravel()]))
    return np.array(path)


def torch_trajectory(make, steps=STEPS):
    import torch

    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    opt = make(torch.optim, [w, b])
    x, y = torch.tensor(X), torch.tensor(Y)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        torch.log(torch.cosh(x @ w + b - y)).sum(dim=1).mean().backward()
        opt.step()
        path.append(torch.cat([w.detach().ravel(), b.detach().ravel()]).numpy().copy())
    return np.array(path)


def rel_error(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


PARITY = {
    "sgd": (lambda: SGD(0.1), lambda o, p: o.SGD(p, lr=0.1)),
    "sgd_momentum": (lambda: SGD(0.1, momentum=0.9),
                     lambda o, p: o.SGD(p, lr=0.1, momentum=0.9)),
    "sgd_nesterov": (lambda: SGD(0.1, momentum=0.9, nesterov=True),
                     lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    # plain SGD: decoupled decay w(1 − η wd) − η g equals torch's L2 form w − η(g + wd w)
    "sgd_weight_decay": (lambda: SGD(0.1, weight_decay=0.05),
                         lambda o, p: o.SGD(p, lr=0.1, weight_decay=0.05)),
    "adam": (lambda: Adam(0.05, epsilon=TINY), lambda o, p: o.Adam(p, lr=0.05, eps=TINY)),
    "adam_betas": (lambda: Adam(0.05, beta_1=0.8, beta_2=0.99, epsilon=TINY),
                   lambda o, p: o.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=TINY)),
    # β₂ = 0.5 lets v fall as the gradients shrink, so the running maximum matters
    "adam_amsgrad": (lambda: Adam(0.05, beta_2=0.5, epsilon=TINY, amsgrad=True),
                     lambda o, p: o.Adam(p, lr=0.05, betas=(0.9, 0.5), eps=TINY, amsgrad=True)),
    "adamw": (lambda: AdamW(0.05, weight_decay=0.1, epsilon=TINY),
              lambda o, p: o.AdamW(p, lr=0.05, weight_decay=0.1, eps=TINY)),
    "adamw_amsgrad": (lambda: AdamW(0.05, weight_decay=0.1, beta_2=0.5, epsilon=TINY,
                                    amsgrad=True),
                      lambda o, p: o.AdamW(p, lr=0.05, weight_decay=0.1, betas=(0.9, 0.5),
                                           eps=TINY, amsgrad=True)),
    # Keras: √(v + ε); torch: √v + ε — equal as ε → 0
    "rmsprop": (lambda: RMSprop(0.01, rho=0.9, epsilon=TINY),
                lambda o, p: o.RMSprop(p, lr=0.01, alpha=0.9, eps=TINY)),
    "rmsprop_momentum": (lambda: RMSprop(0.01, rho=0.8, momentum=0.5, epsilon=TINY),
                         lambda o, p: o.RMSprop(p, lr=0.01, alpha=0.8, momentum=0.5, eps=TINY)),
    "rmsprop_centered": (lambda: RMSprop(0.01, rho=0.9, centered=True, epsilon=TINY),
                         lambda o, p: o.RMSprop(p, lr=0.01, alpha=0.9, centered=True, eps=TINY)),
    "adagrad": (lambda: Adagrad(0.1, initial_accumulator_value=0.1, epsilon=TINY),
                lambda o, p: o.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=TINY)),
    "adagrad_zero_start": (lambda: Adagrad(0.1, initial_accumulator_value=0.0, epsilon=TINY),
                           lambda o, p: o.Adagrad(p, lr=0.1, eps=TINY)),
    # Adadelta: both √(E[Δ²] + ε) / √(E[g²] + ε) — the same formula, any ε
    "adadelta": (lambda: Adadelta(1.0, rho=0.9, epsilon=1e-6),
                 lambda o, p: o.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6)),
    "adamax": (lambda: Adamax(0.05, epsilon=TINY), lambda o, p: o.Adamax(p, lr=0.05, eps=TINY)),
    # Keras's momentum schedule is β₁(1 − ½·0.96ᵗ): torch's with momentum_decay=1
    "nadam": (lambda: Nadam(0.05, epsilon=TINY),
              lambda o, p: o.NAdam(p, lr=0.05, eps=TINY, momentum_decay=1.0)),
}


@pytest.mark.parametrize("case", sorted(PARITY))
def test_trajectory_matches_pytorch(case):
    ours, theirs = PARITY[case]
    expected = torch_trajectory(theirs)
    assert rel_error(shendu_trajectory(ours()), expected) < 1e-6
    # the same formula run variable by variable (a custom loop on loose variables)
    assert rel_error(shendu_trajectory(ours(), loose=True), expected) < 1e-6


def test_trajectory_moves_far_enough_to_mean_something():
    start = np.concatenate([W0.ravel(), B0.ravel()])
    assert np.max(np.abs(torch_trajectory(PARITY["adam"][1])[-1] - start)) > 0.5


def test_amsgrad_case_differs_from_plain_adam():
    plain = shendu_trajectory(Adam(0.05, beta_2=0.5, epsilon=TINY))
    assert rel_error(shendu_trajectory(PARITY["adam_amsgrad"][0]()), plain) > 1e-3


# -- hand-worked steps ---------------------------------------------------------------------------
def run(opt, grads, start):
    """Apply ``grads`` (one per step) to a single weight starting at ``start``."""
    w = Variable(np.array(start, dtype=np.float64), "w")
    values = []
    for g in grads:
        opt.apply_gradients([(np.array(g, dtype=np.float64), w)])
        values.append(w.data.copy())
    return values


def test_ftrl_hand_worked():
    # η = 0.5, n₀ = 0, θ₀ = 1; step 1, g = 2: n = 4, z = 2 − (√4 − 0)/0.5 · 1 = −2
    #   l1 = 0: θ = (0 + 2)/(√4/0.5) = 0.5;  l1 = 1: θ = (−1 + 2)/4 = 0.25;  l1 = 3: θ = 0
    for l1, first in ((0.0, 0.5), (1.0, 0.25), (3.0, 0.0)):
        out = run(Ftrl(0.5, initial_accumulator_value=0.0, l1_regularization_strength=l1),
                  [[2.0]], [1.0])
        np.testing.assert_allclose(out[0], [first], rtol=1e-12, atol=1e-15)
    # l1 = 1, step 2, g = −1: n = 5, z = −2 − 1 − (√5 − 2)/0.5 · 0.25;  θ = (−1 − z)/(√5/0.5)
    out = run(Ftrl(0.5, initial_accumulator_value=0.0, l1_regularization_strength=1.0),
              [[2.0], [-1.0]], [1.0])
    z = -3.0 - (5 ** 0.5 - 2) / 0.5 * 0.25
    np.testing.assert_allclose(out[1], [(-1.0 - z) / (5 ** 0.5 / 0.5)], rtol=1e-12)


def _ftrl_reference(theta, grads, lr, power, n0, l1, l2, shrink, beta):
    """Keras's Ftrl update, one coordinate at a time in plain Python floats."""
    n, z = n0, 0.0
    for g in grads:
        new = n + g * g
        z += g + 2 * shrink * theta - (new ** -power - n ** -power) / lr * theta
        clipped = min(max(z, -l1), l1)
        theta = (clipped - z) / (new ** -power / lr + 2 * (l2 + beta / (2 * lr)))
        n = new
    return theta


@pytest.mark.parametrize("settings", [
    dict(), dict(l1_regularization_strength=0.05, l2_regularization_strength=0.1),
    dict(l2_shrinkage_regularization_strength=0.2, beta=0.5, learning_rate_power=-0.7),
])
def test_ftrl_matches_its_formula_over_steps(settings):
    rng = np.random.default_rng(3)
    start, grads = rng.normal(size=4), rng.normal(size=(6, 4))
    out = run(Ftrl(0.1, **settings), grads.tolist(), start.tolist())[-1]
    full = dict(power=-0.5, n0=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0)
    full.update({"power": settings.get("learning_rate_power", -0.5),
                 "l1": settings.get("l1_regularization_strength", 0.0),
                 "l2": settings.get("l2_regularization_strength", 0.0),
                 "shrink": settings.get("l2_shrinkage_regularization_strength", 0.0),
                 "beta": settings.get("beta", 0.0)})
    want = [_ftrl_reference(start[i], grads[:, i], 0.1, **full) for i in range(4)]
    np.testing.assert_allclose(out, want, rtol=1e-12)


@pytest.mark.parametrize("kwargs, name", [
    (dict(learning_rate_power=0.5), "learning_rate_power must be a finite number <= 0.0"),
    (dict(initial_accumulator_value=-1.0), "initial_accumulator_value must be a finite number"),
    (dict(l1_regularization_strength=-0.1), "l1_regularization_strength must be"),
    (dict(beta=float("nan")), "beta must be a finite number"),
])
def test_ftrl_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ArgumentError, match=f"Ftrl: {name}"):
        Ftrl(**kwargs)


def test_lion_hand_worked():
    # m₀ = 0, β₁ = 0.9, β₂ = 0.99, η = 0.1
    # step 1: c = 0.1·g = [0.2, −0.1] → θ = [1 − 0.1, 1 + 0.1]; m = 0.01 g = [0.02, −0.01]
    # step 2: g = [−1, −1]: c = 0.9 m + 0.1 g = [0.018 − 0.1, −0.009 − 0.1] < 0 → θ += 0.1
    out = run(Lion(0.1), [[2.0, -1.0], [-1.0, -1.0]], [1.0, 1.0])
    np.testing.assert_allclose(out[0], [0.9, 1.1], rtol=1e-12)
    np.testing.assert_allclose(out[1], [1.0, 1.2], rtol=1e-12)


def test_lion_sign_uses_interpolated_momentum_not_gradient():
    # g = +10: θ = −0.1 and m = (1 − β₂) · 10 = 0.1; then g = −0.5:
    # c = 0.9 · 0.1 + 0.1 · (−0.5) = 0.04 > 0, so θ still decreases although g < 0
    out = run(Lion(0.1), [[10.0], [-0.5]], [0.0])
    np.testing.assert_allclose(out[1], [-0.2], rtol=1e-12)


def test_adadelta_hand_worked():
    # ρ = 0.5, ε = 0.01, η = 1, g = 1 then 2
    # step 1: E[g²] = 0.5; Δ = −√0.01 / √0.51 · 1; E[Δ²] = 0.5 Δ²
    d1 = -math.sqrt(0.01) / math.sqrt(0.51)
    # step 2: E[g²] = 0.25 + 2 = 2.25; Δ = −√(0.5 Δ₁² + 0.01) / √2.26 · 2
    d2 = -math.sqrt(0.5 * d1**2 + 0.01) / math.sqrt(2.26) * 2
    out = run(Adadelta(1.0, rho=0.5, epsilon=0.01), [[1.0], [2.0]], [3.0])
    np.testing.assert_allclose(out[0], [3.0 + d1], rtol=1e-12)
    np.testing.assert_allclose(out[1], [3.0 + d1 + d2], rtol=1e-12)


def test_nadam_hand_worked_first_two_steps():
    b1, b2, lr = 0.9, 0.999, 0.1
    u = [b1 * (1 - 0.5 * 0.96**t) for t in (1, 2, 3)]
    g1, g2 = 2.0, -1.0
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1**2
    mh1 = u[1] * m1 / (1 - u[0] * u[1]) + (1 - u[0]) * g1 / (1 - u[0])
    th1 = 1.0 - lr * mh1 / (math.sqrt(v1 / (1 - b2)) + 1e-7)
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2**2
    p2 = u[0] * u[1]
    mh2 = u[2] * m2 / (1 - p2 * u[2]) + (1 - u[1]) * g2 / (1 - p2)
    th2 = th1 - lr * mh2 / (math.sqrt(v2 / (1 - b2**2)) + 1e-7)
    out = run(Nadam(lr), [[g1], [g2]], [1.0])
    np.testing.assert_allclose([out[0][0], out[1][0]], [th1, th2], rtol=1e-12)


def test_adam_epsilon_sits_on_sqrt_v_as_in_keras():
    # one step, g = 1e-4, ε = 1e-3: α = η √(1 − β₂) / (1 − β₁); θ −= α m / (√v + ε)
    g, eps, lr = 1e-4, 1e-3, 1.0
    alpha = lr * math.sqrt(1 - 0.999) / (1 - 0.9)
    expected = -alpha * (0.1 * g) / (math.sqrt(0.001) * g + eps)
    out = run(Adam(lr, epsilon=eps), [[g]], [0.0])
    np.testing.assert_allclose(out[0], [expected], rtol=1e-12)


def test_sgd_momentum_with_decoupled_weight_decay_hand_worked():
    # Keras: w ← w − η·wd·w, then m ← μ m − η g, w ← w + m
    lr, wd, mu = 0.1, 0.5, 0.9
    w1 = 2.0 * (1 - lr * wd) - lr * 1.0
    m1 = -lr * 1.0
    m2 = mu * m1 - lr * 3.0
    w2 = w1 * (1 - lr * wd) + m2
    out = run(SGD(lr, momentum=mu, weight_decay=wd), [[1.0], [3.0]], [2.0])
    np.testing.assert_allclose([out[0][0], out[1][0]], [w1, w2], rtol=1e-12)


# -- clipping --------------------------------------------------------------------------------------
def two_variable_step(**clip):
    """One SGD(lr=1) step from zero: the weights become −(clipped gradient)."""
    a, b = Variable(np.zeros(2), "a"), Variable(np.zeros(1), "b")
    flat = FlatParameters([a, b])
    a.grad[...], b.grad[...] = [3.0, 4.0], [12.0]
    SGD(1.0, **clip).apply(flat)
    return -a.data, -b.data


def test_clipnorm_clips_each_variable_by_its_own_norm():
    a, b = two_variable_step(clipnorm=1.0)
    np.testing.assert_allclose(a, [0.6, 0.8], rtol=1e-12)  # ‖(3, 4)‖ = 5
    np.testing.assert_allclose(b, [1.0], rtol=1e-12)


def test_global_clipnorm_clips_all_by_the_joint_norm():
    a, b = two_variable_step(global_clipnorm=2.6)  # ‖(3, 4, 12)‖ = 13
    np.testing.assert_allclose(a, [0.6, 0.8], rtol=1e-12)
    np.testing.assert_allclose(b, [2.4], rtol=1e-12)


def test_clipvalue_clips_elementwise():
    a, b = two_variable_step(clipvalue=3.5)
    np.testing.assert_allclose(a, [3.0, 3.5])
    np.testing.assert_allclose(b, [3.5])


def test_clipping_leaves_small_gradients_alone():
    a, b = two_variable_step(global_clipnorm=20.0)
    np.testing.assert_allclose(a, [3.0, 4.0])
    np.testing.assert_allclose(b, [12.0])


def test_clipnorm_on_loose_variables_does_not_touch_the_callers_arrays():
    w = Variable(np.zeros(2), "w")
    g = np.array([3.0, 4.0])
    SGD(1.0, clipnorm=1.0).apply_gradients([(g, w)])
    np.testing.assert_allclose(w.data, [-0.6, -0.8])
    np.testing.assert_array_equal(g, [3.0, 4.0])


# -- the Keras API around the step -----------------------------------------------------------------
def test_learning_rate_get_set_and_iterations():
    opt = Adam()
    assert opt.learning_rate == 0.001 and opt.iterations == 0
    opt.learning_rate = 0.01
    assert opt.learning_rate == 0.01
    run(opt, [[1.0], [1.0]], [0.0])
    assert opt.iterations == 2


def test_schedule_is_evaluated_at_each_step():
    lr = schedules.PiecewiseConstantDecay([1], [1.0, 0.1])  # steps 0, 1 → 1.0; 2 → 0.1
    opt = SGD(lr)
    out = run(opt, [[1.0], [1.0], [1.0]], [0.0])
    np.testing.assert_allclose([o[0] for o in out], [-1.0, -2.0, -2.1])
    assert opt.learning_rate == 0.1


def test_weight_decay_uses_the_scheduled_rate():
    lr = schedules.ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5)
    out = run(SGD(lr, weight_decay=0.2), [[0.0], [0.0]], [1.0])
    np.testing.assert_allclose([out[0][0], out[1][0]], [0.9, 0.9 * 0.95])


def test_setting_a_float_over_a_schedule_is_an_error():
    opt = SGD(schedules.ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(ArgumentError, match="LearningRateSchedule"):
        opt.learning_rate = 0.5


def test_callable_learning_rate_takes_no_arguments_as_in_keras():
    assert SGD(lambda: 0.25).learning_rate == 0.25
    with pytest.raises(ArgumentError, match="LearningRateSchedule"):
        _ = SGD(lambda step: 0.1 / (step + 1)).learning_rate


@pytest.mark.parametrize("name", sorted(optimizers.ALL))
def test_config_round_trip(name):
    cls = optimizers.ALL[name]
    opt = cls(learning_rate=0.123, clipnorm=2.0)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is cls and again.get_config() == opt.get_config()
    assert again.learning_rate == 0.123 and again.clipnorm == 2.0


def test_config_round_trip_with_a_schedule():
    opt = Adam(schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=10))
    again = Adam.from_config(opt.get_config())
    assert isinstance(again._learning_rate, schedules.CosineDecay)
    assert again._learning_rate.get_config() == opt._learning_rate.get_config()


def test_keras_defaults():
    cases = [(SGD(), 0.01), (RMSprop(), 0.001), (Adagrad(), 0.001), (Adadelta(), 0.001),
             (Adam(), 0.001), (AdamW(), 0.001), (Adamax(), 0.001), (Nadam(), 0.001),
             (Lion(), 0.001), (Ftrl(), 0.001)]
    for opt, lr in cases:
        assert opt.learning_rate == lr, type(opt).__name__
        assert opt.weight_decay == (0.004 if isinstance(opt, AdamW) else None)
    assert (Adadelta().rho, Adadelta().epsilon) == (0.95, 1e-7)
    assert (Lion().beta_1, Lion().beta_2) == (0.9, 0.99)
    assert Adagrad().initial_accumulator_value == 0.1
    ftrl = Ftrl()
    assert (ftrl.learning_rate_power, ftrl.initial_accumulator_value, ftrl.beta) == (-0.5, 0.1, 0)
    assert Ftrl.from_config(Ftrl(l1_regularization_strength=0.3).get_config()) \
        .l1_regularization_strength == 0.3


@pytest.mark.parametrize("identifier, cls", [
    ("adam", Adam), ("Adam", Adam), ("AdamW", AdamW), ("nadam", Nadam), ("lion", Lion),
    ("ftrl", Ftrl), ("Ftrl", Ftrl),
    ("RMSprop", RMSprop), ("adagrad", Adagrad), ("Adadelta", Adadelta), ("adamax", Adamax),
    (SGD, SGD), ({"class_name": "Lion", "config": {"beta_2": 0.9}}, Lion),
])
def test_get(identifier, cls):
    assert type(optimizers.get(identifier)) is cls


def test_get_unknown_name_suggests():
    with pytest.raises(UnknownNameError, match="Did you mean 'adamw'"):
        optimizers.get("adamww")


@pytest.mark.parametrize("make, words", [
    (lambda: SGD(clipnorm=1.0, clipvalue=1.0), "at most one of clipnorm"),
    (lambda: AdamW(weight_decay=None), "weight_decay must be a float"),
    (lambda: Lion(beta_1=0.0), "beta_1 must be in"),
    (lambda: SGD(momentum=1.5), "momentum must be"),
    (lambda: Adam(learning_rate=-1.0), "learning_rate must be"),
    (lambda: Adam(learning_rate="fast"), "learning_rate must be"),
    (lambda: Adam(lerning_rate=0.1), "unknown argument"),
    (lambda: Adam(gradient_accumulation_steps=1), "gradient_accumulation_steps"),
    (lambda: Adam(loss_scale_factor=128.0), "loss_scale_factor"),
    (lambda: Adam(clipnorm=-1.0), "clipnorm must be"),
    (lambda: RMSprop(rho=1.1), "rho must be in"),
    (lambda: RMSprop(epsilon=0.0), "epsilon must be positive"),
])
def test_bad_arguments(make, words):
    with pytest.raises(ArgumentError, match=words):
        make()


# -- apply_gradients -------------------------------------------------------------------------------
def test_apply_gradients_on_the_packed_variables_uses_the_flat_buffer():
    w, b = Variable(W0.copy(), "kernel"), Variable(B0.copy(), "bias")
    flat = FlatParameters([w, b])
    opt = Adam(0.1)
    opt.ensure_built(flat)
    gw, gb = gradients(w.data, b.data)
    opt.apply_gradients(zip([gw, gb], [w, b]))
    assert opt._flat is flat and opt.m.shape == (flat.size,)
    reference = shendu_trajectory(Adam(0.1), steps=1)[0]
    np.testing.assert_allclose(flat.data, reference, rtol=1e-14)


def test_apply_gradients_on_a_subset_updates_only_those():
    a, b = Variable(np.ones(2), "a"), Variable(np.ones(3), "b")
    opt = Adam(0.1)
    opt.apply_gradients([(np.ones(2), a), (np.ones(3), b)])
    before_a = a.data.copy()
    opt.apply_gradients([(np.ones(3), b)])
    np.testing.assert_array_equal(a.data, before_a)
    assert opt.iterations == 2 and not np.allclose(b.data, before_a[0])


def test_apply_gradients_errors():
    a = Variable(np.ones(2), "a")
    opt = SGD()
    with pytest.raises(ShapeError, match="'a'.*expected \\(2,\\)"):
        opt.apply_gradients([(np.ones(3), a)])
    opt.apply_gradients([(np.ones(2), a)])
    with pytest.raises(ArgumentError, match="unknown variable"):
        opt.apply_gradients([(np.ones(2), Variable(np.ones(2), "other"))])
    with pytest.raises(ArgumentError, match="no gradients"):
        opt.apply_gradients([(None, a)])


def test_apply_gradients_warns_about_missing_gradients():
    a, b = Variable(np.ones(2), "a"), Variable(np.ones(2), "b")
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        SGD(1.0).apply_gradients([(np.ones(2), a), (None, b)])
    np.testing.assert_array_equal(a.data, [0.0, 0.0])


def test_exclude_from_weight_decay_by_name():
    kernel, bias = Variable(np.ones(2), "kernel"), Variable(np.ones(2), "bias")
    flat = FlatParameters([kernel, bias])
    opt = SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply(flat)  # zero gradients: only the decay moves the weights
    np.testing.assert_allclose(kernel.data, [0.95, 0.95])
    np.testing.assert_array_equal(bias.data, [1.0, 1.0])
    with pytest.raises(ArgumentError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


def test_gradient_accumulation_applies_the_mean_every_n_steps():
    out = run(SGD(1.0, gradient_accumulation_steps=2), [[1.0], [3.0], [5.0]], [0.0])
    np.testing.assert_allclose([o[0] for o in out], [0.0, -2.0, -2.0])


def test_ema_tracks_and_overwrites_hand_worked():
    # SGD(1): w = −1, −2; average: step 0 copies w (μ = 0), step 1: 0.5·(−1) + 0.5·(−2)
    opt = SGD(1.0, use_ema=True, ema_momentum=0.5)
    w = Variable(np.zeros(1), "w")
    for _ in range(2):
        opt.apply_gradients([(np.ones(1), w)])
    np.testing.assert_allclose(opt.average, [-1.5])
    opt.finalize_variable_values()
    np.testing.assert_allclose(w.data, [-1.5])


def test_state_round_trip_continues_the_same_trajectory():
    full = shendu_trajectory(Nadam(0.05), steps=6)
    w, b = Variable(W0.copy(), "kernel"), Variable(B0.copy(), "bias")
    flat = FlatParameters([w, b])
    first = Nadam(0.05)
    for _ in range(3):
        w.grad[...], b.grad[...] = gradients(w.data, b.data)
        first.apply(flat)
    state = {k: np.array(v) for k, v in first.variables.items()}
    second = Nadam(0.05)
    second.ensure_built(flat)
    second.set_state(state)
    for _ in range(3):
        w.grad[...], b.grad[...] = gradients(w.data, b.data)
        second.apply(flat)
    np.testing.assert_allclose(flat.data, full[-1], rtol=1e-13)


@pytest.mark.parametrize("name", sorted(optimizers.ALL))
def test_every_optimizer_trains_a_model(name):
    from shendu import layers, models

    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], dtype="float32"))[:, None]
    model = models.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=optimizers.get({"class_name": name, "config": {
        "learning_rate": 1.0 if name == "adadelta" else 0.05}}), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    assert model.optimizer.iterations == 20


def test_keras_apply_form_with_and_without_variables():
    a, b = Variable(np.ones(2), "a"), Variable(np.ones(1), "b")
    opt = SGD(0.5)
    opt.apply([np.ones(2), np.ones(1)], [a, b])
    opt.apply([np.ones(2), np.full(1, 2.0)])  # the variables it was built with
    np.testing.assert_allclose(a.data, [0.0, 0.0])
    np.testing.assert_allclose(b.data, [-0.5])
    with pytest.raises(ArgumentError, match="already built"):
        SGD().apply([np.ones(2)])


# -- the flat Adam step's constants -----------------------------------------------------------
def _keras_adam_steps(w, grads, lr, b1, b2, eps):
    """Keras's Adam, written out on arrays with Python-float constants, in the same order."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        w -= (m / (np.sqrt(v) + eps)) * alpha
    return w


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_flat_adam_with_0d_constants_gives_the_python_float_numbers_bit_for_bit(dtype):
    rng = np.random.default_rng(5)
    w0 = rng.normal(size=(40, 3)).astype(dtype)
    grads = [rng.normal(size=(40, 3)).astype(dtype) for _ in range(5)]
    var = Variable(w0.copy(), "w")
    flat = FlatParameters([var])
    opt = Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-5)
    for g in grads:
        var.grad[...] = g
        opt.apply(flat)
    expected = _keras_adam_steps(w0.copy(), grads, 0.01, 0.8, 0.95, 1e-5)
    assert var.data.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(var.data, expected)


def test_scalars_are_0d_arrays_of_the_buffer_dtype_refilled_each_call():
    opt = Adam()
    a, b = opt.scalars(np.zeros(3, np.float32), 0.5, 0.25)
    assert a.shape == () and a.dtype == np.float32 and float(b) == 0.25
    again = opt.scalars(np.zeros(3, np.float32), 0.75, 0.125)
    assert again[0] is a and float(a) == 0.75
    assert opt.scalars([0.0], 0.5) == (0.5,)  # not a NumPy array: the numbers themselves
