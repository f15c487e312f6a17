"""Adadelta with Keras's formula: a step scaled by the ratio of running RMS of steps and grads.

>>> from shendu.optimizers import Adadelta
>>> Adadelta().rho
0.95
"""

from __future__ import annotations

from ..backend import get_array_module
from .base import Optimizer
from .schedules import LearningRateSchedule


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012; Keras defaults: learning_rate=0.001, rho=0.95, epsilon=1e-7).

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0]), "w")
    >>> opt = Adadelta(learning_rate=1.0, rho=0.5, epsilon=0.01)
    >>> _ = opt.apply_gradients([(np.array([1.0]), w)])
    >>> np.round(w.data, 6)  # 1 − √0.01 · 1 / √(0.5 + 0.01)
    array([0.859972])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001, rho: float = 0.95,
                 epsilon: float = 1e-7, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def build(self, size, dtype, xp=None):
        self.add_slot("accumulated_grad", size, dtype, xp)
        self.add_slot("accumulated_delta_var", size, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)
        self.add_scratch("_scratch2", size, dtype, xp)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        rho, eps = self.rho, self.epsilon
        eg, ed = self.accumulated_grad, self.accumulated_delta_var
        step, tmp = self._scratch, self._scratch2
        # E[g²] ← ρ E[g²] + (1 − ρ) g²
        eg *= rho
        xp.multiply(grads, grads, out=tmp)
        tmp *= 1 - rho
        eg += tmp
        # Δ = −√(E[Δ²] + ε) g / √(E[g²] + ε)   (step holds −Δ)
        xp.add(ed, eps, out=step)
        xp.sqrt(step, out=step)
        step *= grads
        xp.add(eg, eps, out=tmp)
        xp.sqrt(tmp, out=tmp)
        step /= tmp
        # E[Δ²] ← ρ E[Δ²] + (1 − ρ) Δ²
        ed *= rho
        xp.multiply(step, step, out=tmp)
        tmp *= 1 - rho
        ed += tmp
        # θ ← θ + η Δ
        step *= lr
        params -= step

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
