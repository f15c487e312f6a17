"""Stochastic gradient descent, θ ← θ − η∇J, with Keras's momentum and Nesterov formulas.

>>> from shendu.optimizers import SGD
>>> SGD(learning_rate=0.1, momentum=0.9, nesterov=True).get_config()["nesterov"]
True
"""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ArgumentError
from .base import Optimizer
from .schedules import LearningRateSchedule


class SGD(Optimizer):
    """SGD (Keras defaults: learning_rate=0.01, momentum=0.0, nesterov=False).

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0]), "w")
    >>> opt = SGD(learning_rate=0.1, momentum=0.5)
    >>> for _ in range(2):
    ...     _ = opt.apply_gradients([(np.array([1.0]), w)])
    >>> w.data  # 1 − 0.1 − (0.5·0.1 + 0.1)
    array([0.75])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or not 0.0 <= momentum <= 1.0:
            raise ArgumentError(
                f"SGD: momentum must be a float in [0, 1], got {momentum!r}. "
                "Hint: 0.9 is a common choice."
            )
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def build(self, size, dtype, xp=None):
        if self.momentum:
            self.add_slot("velocity", size, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        step = self._scratch
        xp.multiply(grads, lr, out=step)
        if not self.momentum:
            # θ ← θ − η g
            params -= step
            return
        m = self.velocity
        # m ← μ m − η g
        m *= self.momentum
        m -= step
        if self.nesterov:
            # θ ← θ + μ m − η g
            params -= step
            xp.multiply(m, self.momentum, out=step)
            params += step
        else:
            # θ ← θ + m
            params += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
