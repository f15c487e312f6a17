"""Lamb with Keras's formula: an Adam step rescaled per variable by ‖θ‖ / ‖step‖.

>>> from shendu.optimizers import Lamb
>>> opt = Lamb()
>>> opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon
(0.001, 0.9, 0.999, 1e-07)
"""

from __future__ import annotations

import math
import numbers

from ..backend import get_array_module
from ..errors import ArgumentError
from .base import check_decay_rate
from .per_variable import PerVariableOptimizer
from .schedules import LearningRateSchedule


def check_nonnegative(owner: str, name: str, value, default) -> float:
    """A finite number >= 0 as a float, or ArgumentError naming ``owner`` and ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            math.isfinite(value) and value >= 0):
        raise ArgumentError(f"{owner}: {name} must be a finite number >= 0, got {value!r}. "
                            f"Hint: {default} is the default.")
    return float(value)


class Lamb(PerVariableOptimizer):
    """Lamb (You et al., 2019), as Keras computes it.

    Per variable: m and v as in Adam, ``u = m̂ / (√v̂ + ε)`` with bias-corrected moments, then
    ``θ ← θ − η · r · u`` where ``r = ‖θ‖ / ‖u‖`` (1 when either norm is 0).

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([3.0, 4.0]), "w")
    >>> _ = Lamb(learning_rate=0.1).apply_gradients([(np.array([1.0, 0.0]), w)])
    >>> np.round(w.data, 6)  # u ≈ [1, 0], ‖θ‖ = 5: θ moves by lr · 5
    array([2.5, 4. ])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = check_decay_rate("Lamb", "beta_1", beta_1, 0.9)
        self.beta_2 = check_decay_rate("Lamb", "beta_2", beta_2, 0.999)
        self.epsilon = check_nonnegative("Lamb", "epsilon", epsilon, 1e-7)

    def build(self, size, dtype, xp=None):
        self.add_slot("m", size, dtype, xp)
        self.add_slot("v", size, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)

    def update_variable(self, params, grads, lr):
        xp = get_array_module(params)
        t = self.iterations + 1
        m, v, u = self.m, self.v, self._scratch
        # m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂)
        m += (grads - m) * (1 - self.beta_1)
        v += (grads * grads - v) * (1 - self.beta_2)
        # u = (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
        xp.divide(v, 1 - self.beta_2**t, out=u)
        xp.sqrt(u, out=u)
        u += self.epsilon
        xp.divide(m / (1 - self.beta_1**t), u, out=u)
        w_norm = float(xp.sqrt(xp.sum(params * params)))
        u_norm = float(xp.sqrt(xp.sum(u * u)))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        u *= ratio * lr
        params -= u

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
