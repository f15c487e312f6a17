"""Adamax with Keras's formula: Adam with the infinity norm, u ← max(β₂ u, |g|).

>>> from shendu.optimizers import Adamax
>>> Adamax().beta_2
0.999
"""

from __future__ import annotations

from ..backend import get_array_module
from .base import Optimizer, check_decay_rate
from .schedules import LearningRateSchedule


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2015, §7; Keras defaults: lr=0.001, β₁=0.9, β₂=0.999, ε=1e-7).

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0]), "w")
    >>> _ = Adamax(learning_rate=0.1, epsilon=0.0).apply_gradients([(np.array([4.0]), w)])
    >>> np.round(w.data, 6)  # 1 − 0.1 · (0.1 · 4) / (0.1 · 4)
    array([0.9])
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
        self.add_slot("u", size, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        b1 = self.beta_1
        m, u, tmp = self.m, self.u, self._scratch
        # m ← m + (g − m)(1 − β₁)
        xp.subtract(grads, m, out=tmp)
        tmp *= 1 - b1
        m += tmp
        # u ← max(β₂ u, |g|)
        u *= self.beta_2
        xp.abs(grads, out=tmp)
        xp.maximum(u, tmp, out=u)
        # θ ← θ − η m / ((1 − β₁ᵗ)(u + ε))
        xp.add(u, self.epsilon, out=tmp)
        tmp *= 1 - b1 ** (self.iterations + 1)
        xp.divide(m, tmp, out=tmp)
        tmp *= lr
        params -= tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
