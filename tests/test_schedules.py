"""Learning-rate schedules against hand-computed values (Keras's formulas) and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shendu.errors import ArgumentError, UnknownNameError
from shendu.optimizers import schedules
from shendu.optimizers.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

CASES = [
    # η₀ · r^(step / decay_steps)
    (ExponentialDecay(0.1, 10, 0.5), [(0, 0.1), (5, 0.1 * math.sqrt(0.5)), (10, 0.05),
                                      (20, 0.025)]),
    (ExponentialDecay(0.1, 10, 0.5, staircase=True), [(9, 0.1), (15, 0.05), (20, 0.025)]),
    # η₀ / (1 + r · step / decay_steps)
    (InverseTimeDecay(0.1, 1.0, 0.5), [(0, 0.1), (1, 0.1 / 1.5), (2, 0.05)]),
    (InverseTimeDecay(0.1, 2, 0.5, staircase=True), [(1, 0.1), (3, 0.1 / 1.5), (4, 0.05)]),
    # Keras's documented example: 1.0 up to step 100000, 0.5 up to 110000, then 0.1
    (PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1]),
     [(0, 1.0), (100000, 1.0), (100001, 0.5), (110000, 0.5), (110001, 0.1)]),
    # (η₀ − η_end)(1 − step / decay_steps)^power + η_end
    (PolynomialDecay(0.1, 10000, 0.01, power=0.5),
     [(0, 0.1), (2500, 0.09 * math.sqrt(0.75) + 0.01), (10000, 0.01), (20000, 0.01)]),
    # cycle: decay_steps grows to the first multiple at or above step
    (PolynomialDecay(0.1, 10000, 0.01, power=0.5, cycle=True),
     [(0, 0.1), (10000, 0.01), (15000, 0.09 * 0.5 + 0.01)]),
    (PolynomialDecay(1.0, 4), [(2, 0.5 * (1 - 0.0001) + 0.0001)]),
    # η₀ ((1 − α) ½(1 + cos(π step / decay_steps)) + α)
    (CosineDecay(1.0, 100, alpha=0.1), [(0, 1.0), (50, 0.55), (100, 0.1), (200, 0.1)]),
    # warmup: linear from η₀ to the target, then cosine from the target
    (CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10),
     [(0, 0.0), (5, 0.05), (10, 0.1), (60, 0.05), (110, 0.0), (500, 0.0)]),
    (CosineDecay(0.02, 10, warmup_target=0.1, warmup_steps=4), [(1, 0.04)]),
    # restarts at 10, 10 + 20, 10 + 20 + 40 ...; peaks × m_mul each time
    (CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5),
     [(0, 1.0), (5, 0.5), (10, 0.5), (20, 0.25), (30, 0.25),
      (40, 0.25 * 0.5 * (1 + math.cos(math.pi / 4)))]),
    (CosineDecayRestarts(1.0, 10, t_mul=1.0, alpha=0.2), [(5, 0.6), (10, 1.0), (15, 0.6)]),
]


@pytest.mark.parametrize("schedule, expected", CASES,
                         ids=[f"{type(s).__name__}-{i}" for i, (s, _) in enumerate(CASES)])
def test_hand_computed_values(schedule, expected):
    for step, value in expected:
        assert schedule(step) == pytest.approx(value, rel=1e-12, abs=1e-15), step


def test_exponential_decay_matches_torch():
    import torch

    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    torch_sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    ours = ExponentialDecay(0.1, decay_steps=1, decay_rate=0.9)
    for step in range(30):
        assert ours(step) == pytest.approx(torch_sched.get_last_lr()[0], rel=1e-12)
        opt.step()
        torch_sched.step()


def test_cosine_decay_restarts_matches_torch_warm_restarts():
    import torch

    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    torch_sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        opt, T_0=5, T_mult=2, eta_min=0.05)
    ours = CosineDecayRestarts(0.5, 5, t_mul=2.0, m_mul=1.0, alpha=0.1)
    for step in range(80):
        assert ours(step) == pytest.approx(torch_sched.get_last_lr()[0], rel=1e-9), step
        opt.step()
        torch_sched.step()


def test_cosine_decay_matches_torch_cosine_annealing():
    import torch

    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    torch_sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=40, eta_min=0.03)
    ours = CosineDecay(0.3, 40, alpha=0.1)
    for step in range(41):
        assert ours(step) == pytest.approx(torch_sched.get_last_lr()[0], rel=1e-9), step
        opt.step()
        torch_sched.step()


@pytest.mark.parametrize("schedule", [s for s, _ in CASES], ids=lambda s: type(s).__name__)
def test_serialize_round_trip(schedule):
    again = schedules.deserialize(schedules.serialize(schedule))
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    steps = np.arange(0, 200, 7)
    assert [again(s) for s in steps] == [schedule(s) for s in steps]


def test_deserialize_accepts_keras_form_without_module():
    config = {"class_name": "PolynomialDecay", "config": {
        "cycle": False, "decay_steps": 10000, "end_learning_rate": 0.01,
        "initial_learning_rate": 0.1, "name": None, "power": 0.5}}
    assert schedules.deserialize(config)(0) == 0.1


def test_custom_schedule_registered_by_name():
    @schedules.register
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, start):
            self.start = start

        def __call__(self, step):
            return self.start / 2**step

        def get_config(self):
            return {"start": self.start}

    again = schedules.deserialize(schedules.serialize(Halving(1.0)))
    assert again(3) == 0.125


@pytest.mark.parametrize("make, error, words", [
    (lambda: ExponentialDecay(0.1, 0, 0.9), ArgumentError, "decay_steps must be"),
    (lambda: PolynomialDecay(0.1, -5), ArgumentError, "decay_steps must be"),
    (lambda: CosineDecayRestarts(0.1, 0), ArgumentError, "first_decay_steps"),
    (lambda: PiecewiseConstantDecay([1, 2], [1.0, 0.5]), ArgumentError, "one more entry"),
    (lambda: PiecewiseConstantDecay([2, 1], [1.0, 0.5, 0.1]), ArgumentError, "increase"),
    (lambda: schedules.deserialize({"class_name": "ExponentialDecai", "config": {}}),
     UnknownNameError, "Did you mean 'ExponentialDecay'"),
    (lambda: schedules.deserialize("ExponentialDecay"), ArgumentError, "class_name"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()
