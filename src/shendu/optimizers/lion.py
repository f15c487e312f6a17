"""Lion with Keras's formula: θ ← θ − η · sign(β₁ m + (1 − β₁) g), then m ← β₂ m + (1 − β₂) g.

>>> from shendu.optimizers import Lion
>>> Lion().beta_2
0.99
"""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ArgumentError
from .base import Optimizer
from .schedules import LearningRateSchedule


class Lion(Optimizer):
    """Lion (Chen et al., 2023; Keras defaults: learning_rate=0.001, beta_1=0.9, beta_2=0.99).

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0, 1.0]), "w")
    >>> _ = Lion(learning_rate=0.1).apply_gradients([(np.array([5.0, -0.01]), w)])
    >>> w.data  # every weight moves by exactly lr
    array([0.9, 1.1])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.99, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0.0 < beta_1 <= 1.0:
            raise ArgumentError(
                f"Lion: beta_1 must be in (0, 1], got {beta_1!r}. Hint: 0.9 is the default."
            )
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    def build(self, size, dtype, xp=None):
        self.add_slot("m", size, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        m, tmp = self.m, self._scratch
        # c = β₁ m + (1 − β₁) g, written g + β₁ (m − g)
        xp.subtract(m, grads, out=tmp)
        tmp *= self.beta_1
        tmp += grads
        # θ ← θ − η sign(c)
        xp.sign(tmp, out=tmp)
        tmp *= lr
        params -= tmp
        # m ← β₂ m + (1 − β₂) g, written g + β₂ (m − g)
        m -= grads
        m *= self.beta_2
        m += grads

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
