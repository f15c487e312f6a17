"""RMSprop with Keras's formula: θ ← θ − η g / √(E[g²] + ε) (optionally centred, with momentum).

>>> from shendu.optimizers import RMSprop
>>> RMSprop().rho
0.9
"""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ArgumentError
from .base import Optimizer
from .schedules import LearningRateSchedule


class RMSprop(Optimizer):
    """RMSprop (Keras defaults: learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7).

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0]), "w")
    >>> _ = RMSprop(learning_rate=0.1, epsilon=1e-12).apply_gradients([(np.array([2.0]), w)])
    >>> np.round(w.data, 6)  # 1 − 0.1 · 2 / √(0.1 · 4)
    array([0.683772])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        for arg, value in (("rho", rho), ("momentum", momentum)):
            if not 0.0 <= value <= 1.0:
                raise ArgumentError(f"RMSprop: {arg} must be in [0, 1], got {value!r}. "
                                    "Hint: the defaults are rho=0.9, momentum=0.0.")
        if not epsilon > 0:
            raise ArgumentError(f"RMSprop: epsilon must be positive, got {epsilon!r}. "
                                "Hint: 1e-7 is the default.")
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)

    def build(self, size, dtype, xp=None):
        self.add_slot("velocity", size, dtype, xp)
        if self.momentum:
            self.add_slot("momentum_buffer", size, dtype, xp)
        if self.centered:
            self.add_slot("average_gradient", size, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        rho, v, tmp = self.rho, self.velocity, self._scratch
        # v ← ρ v + (1 − ρ) g²
        v *= rho
        xp.multiply(grads, grads, out=tmp)
        tmp *= 1 - rho
        v += tmp
        if self.centered:
            # ḡ ← ρ ḡ + (1 − ρ) g;  denominator v − ḡ² + ε
            a = self.average_gradient
            a *= rho
            xp.multiply(grads, 1 - rho, out=tmp)
            a += tmp
            xp.multiply(a, a, out=tmp)
            xp.subtract(v, tmp, out=tmp)
            tmp += self.epsilon
        else:
            xp.add(v, self.epsilon, out=tmp)
        # step = η g / √(denominator)
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
