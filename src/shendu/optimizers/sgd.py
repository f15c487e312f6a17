"""Stochastic gradient descent, θ ← θ − η∇J, with Keras's momentum and Nesterov formulas.

>>> from shendu.optimizers import SGD
>>> SGD(learning_rate=0.1, momentum=0.9, nesterov=True).get_config()["nesterov"]
True
"""

from __future__ import annotations

from .base import Optimizer


class SGD(Optimizer):
    """SGD (Keras defaults: learning_rate=0.01, momentum=0.0, nesterov=False)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0.0 <= momentum <= 1.0:
            from ..errors import ArgumentError

            raise ArgumentError(f"SGD: momentum must be in [0, 1], got {momentum}.")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def build(self, size, dtype, xp=None):
        if self.momentum:
            self.add_slot("velocity", size, dtype, xp)
            self._scratch = xp.empty(size, dtype=dtype)

    def update(self, params, grads, lr):
        self._decay_weights(params, lr)
        if not self.momentum:
            # θ ← θ − η g
            params -= lr * grads
            return
        m, step = self.velocity, self._scratch
        # m ← μ m − η g
        m *= self.momentum
        step[...] = grads
        step *= lr
        m -= step
        if self.nesterov:
            # θ ← θ + μ m − η g
            params += self.momentum * m
            params -= step
        else:
            # θ ← θ + m
            params += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
