"""Adam, with Keras's formula: epsilon is added to √v, not to the bias-corrected √v̂.

>>> from shendu.optimizers import Adam
>>> opt = Adam()
>>> opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon
(0.001, 0.9, 0.999, 1e-07)
"""

from __future__ import annotations

import math

from ..backend import get_array_module
from .base import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015); ``amsgrad`` keeps the running maximum of v."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.amsgrad = bool(amsgrad)

    def build(self, size, dtype, xp=None):
        self.add_slot("m", size, dtype, xp)
        self.add_slot("v", size, dtype, xp)
        if self.amsgrad:
            self.add_slot("v_hat", size, dtype, xp)
        self._scratch = xp.empty(size, dtype=dtype)

    def update(self, params, grads, lr):
        self._decay_weights(params, lr)
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        # α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        m, v, tmp = self.m, self.v, self._scratch
        xp = get_array_module(params)
        # m ← β₁ m + (1 − β₁) g
        m *= b1
        tmp[...] = grads
        tmp *= 1 - b1
        m += tmp
        # v ← β₂ v + (1 − β₂) g²
        v *= b2
        tmp[...] = grads
        tmp *= grads
        tmp *= 1 - b2
        v += tmp
        if self.amsgrad:
            xp.maximum(self.v_hat, v, out=self.v_hat)
            v = self.v_hat
        # θ ← θ − α m / (√v + ε)
        xp.sqrt(v, out=tmp)
        tmp += self.epsilon
        xp.divide(m, tmp, out=tmp)
        tmp *= alpha
        params -= tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}

