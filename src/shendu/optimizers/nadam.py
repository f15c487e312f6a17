"""Nadam with Keras's formula: Adam with Nesterov momentum and the 0.96ᵗ momentum schedule.

>>> from shendu.optimizers import Nadam
>>> Nadam().learning_rate
0.001
"""

from __future__ import annotations

from ..backend import get_array_module
from .base import Optimizer, check_decay_rate
from .schedules import LearningRateSchedule


class Nadam(Optimizer):
    """Nadam (Dozat, 2015; Keras defaults: lr=0.001, β₁=0.9, β₂=0.999, ε=1e-7).

    The momentum of step t is uₜ = β₁ (1 − ½ · 0.96ᵗ); the product of the uₜ is kept as state.

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0]), "w")
    >>> _ = Nadam(learning_rate=0.1).apply_gradients([(np.array([2.0]), w)])
    >>> np.round(w.data, 6)  # 1 − 0.1 · (0.48528 · 0.2 / (1 − 0.468 · 0.48528) + 2) / 2
    array([0.893721])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        owner = type(self).__name__
        self.beta_1 = check_decay_rate(owner, "beta_1", beta_1, 0.9)
        self.beta_2 = check_decay_rate(owner, "beta_2", beta_2, 0.999)
        self.epsilon = float(epsilon)

    def build(self, size, dtype, xp=None):
        self.add_slot("m", size, dtype, xp)
        self.add_slot("v", size, dtype, xp)
        self.add_state("u_product", 1.0, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)
        self.add_scratch("_scratch2", size, dtype, xp)

    def _momentum(self, t: int) -> float:
        # uₜ = β₁ (1 − ½ · 0.96ᵗ)
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def begin_step(self, lr):
        # Πu ← Πu · uₜ, once per step
        self.u_product[...] = float(self.u_product) * self._momentum(self.iterations + 1)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        u_t, u_next = self._momentum(t), self._momentum(t + 1)
        prod = float(self.u_product)
        m, v, den, tmp = self.m, self.v, self._scratch, self._scratch2
        # m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂)
        xp.subtract(grads, m, out=tmp)
        tmp *= 1 - b1
        m += tmp
        xp.multiply(grads, grads, out=tmp)
        tmp -= v
        tmp *= 1 - b2
        v += tmp
        # denominator √(v / (1 − β₂ᵗ)) + ε
        xp.divide(v, 1 - b2**t, out=den)
        xp.sqrt(den, out=den)
        den += self.epsilon
        # m̂ = uₜ₊₁ m / (1 − Πu · uₜ₊₁) + (1 − uₜ) g / (1 − Πu);  θ ← θ − η m̂ / den
        xp.divide(m, den, out=tmp)
        tmp *= lr * u_next / (1 - prod * u_next)
        params -= tmp
        xp.divide(grads, den, out=tmp)
        tmp *= lr * (1 - u_t) / (1 - prod)
        params -= tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
