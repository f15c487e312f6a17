"""Adagrad with Keras's formula: θ ← θ − η g / √(Σg² + ε), the sum starting at 0.1.

>>> from shendu.optimizers import Adagrad
>>> Adagrad().initial_accumulator_value
0.1
"""

from __future__ import annotations

from ..backend import get_array_module
from .base import Optimizer
from .schedules import LearningRateSchedule


class Adagrad(Optimizer):
    """Adagrad (Keras defaults: learning_rate=0.001, initial_accumulator_value=0.1, eps=1e-7).

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0]), "w")
    >>> opt = Adagrad(learning_rate=0.5, initial_accumulator_value=0.0, epsilon=0.0)
    >>> _ = opt.apply_gradients([(np.array([2.0]), w)])
    >>> w.data  # 1 − 0.5 · 2 / √4
    array([0.5])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def build(self, size, dtype, xp=None):
        self.add_slot("accumulator", size, dtype, xp, fill=self.initial_accumulator_value)
        self.add_scratch("_scratch", size, dtype, xp)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        acc, tmp = self.accumulator, self._scratch
        # A ← A + g²
        xp.multiply(grads, grads, out=tmp)
        acc += tmp
        # θ ← θ − η g / √(A + ε)
        xp.add(acc, self.epsilon, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(grads, tmp, out=tmp)
        tmp *= lr
        params -= tmp

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
