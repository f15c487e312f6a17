"""RMSprop with Keras's formula: θ ← θ − η g / (√(E[g²]) + ε) (optionally centred, with momentum).

>>> from shendu.optimizers import RMSprop
>>> RMSprop().rho
0.9
"""

from __future__ import annotations

from ..backend import get_array_module
from .base import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Keras defaults: learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)

    def build(self, size, dtype, xp=None):
        self.add_slot("velocity", size, dtype, xp)
        if self.momentum:
            self.add_slot("momentum_buffer", size, dtype, xp)
        if self.centered:
            self.add_slot("average_gradient", size, dtype, xp)
        self._scratch = xp.empty(size, dtype=dtype)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        self._decay_weights(params, lr)
        rho, v, tmp = self.rho, self.velocity, self._scratch
        # v ← ρ v + (1 − ρ) g²
        v *= rho
        xp.multiply(grads, grads, out=tmp)
        tmp *= 1 - rho
        v += tmp
        if self.centered:
            # ḡ ← ρ ḡ + (1 − ρ) g;  denominator uses v − ḡ²
            a = self.average_gradient
            a *= rho
            a += (1 - rho) * grads
            xp.subtract(v, a * a, out=tmp)
            tmp += self.epsilon
        else:
            xp.add(v, self.epsilon, out=tmp)
        # step = η g / √(v + ε)
        xp.sqrt(tmp, out=tmp)
        xp.divide(grads, tmp, out=tmp)
        tmp *= lr
        if self.momentum:
            # m ← μ m + step;  θ ← θ − m
            m = self.momentum_buffer
            m *= self.momentum
            m += tmp
            params -= m
        else:
            params -= tmp

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
