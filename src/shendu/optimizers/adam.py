"""Adam and AdamW, with Keras's formula: epsilon is added to √v, not to the bias-corrected √v̂.

>>> from shendu.optimizers import Adam
>>> opt = Adam()
>>> opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon
(0.001, 0.9, 0.999, 1e-07)
"""

from __future__ import annotations

import math

from ..backend import get_array_module
from ..errors import ArgumentError
from .base import Optimizer, check_decay_rate
from .schedules import LearningRateSchedule


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015); ``amsgrad`` keeps the running maximum of v.

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0, -1.0]), "w")
    >>> _ = Adam(learning_rate=0.1).apply_gradients([(np.array([3.0, -0.5]), w)])
    >>> np.round(w.data, 4)  # the first step moves each weight by about lr
    array([ 0.9, -0.9])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        owner = type(self).__name__
        self.beta_1 = check_decay_rate(owner, "beta_1", beta_1, 0.9)
        self.beta_2 = check_decay_rate(owner, "beta_2", beta_2, 0.999)
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)

    def build(self, size, dtype, xp=None):
        self.add_slot("m", size, dtype, xp)
        self.add_slot("v", size, dtype, xp)
        if self.amsgrad:
            self.add_slot("v_hat", size, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        # α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        m, v, tmp = self.m, self.v, self._scratch
        c1, c2, eps, alpha = self.scalars(tmp, 1 - b1, 1 - b2, self.epsilon, alpha)
        # m ← m + (g − m)(1 − β₁)
        xp.subtract(grads, m, out=tmp)
        tmp *= c1
        m += tmp
        # v ← v + (g² − v)(1 − β₂)
        xp.multiply(grads, grads, out=tmp)
        tmp -= v
        tmp *= c2
        v += tmp
        if self.amsgrad:
            # v̂ ← max(v̂, v), used in place of v
            xp.maximum(self.v_hat, v, out=self.v_hat)
            v = self.v_hat
        # θ ← θ − α m / (√v + ε)
        xp.sqrt(v, out=tmp)
        tmp += eps
        xp.divide(m, tmp, out=tmp)
        tmp *= alpha
        params -= tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay w ← w − η·wd·w each step (Keras default wd = 0.004).

    >>> AdamW().weight_decay
    0.004
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001,
                 weight_decay: float = 0.004, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs) -> None:
        if weight_decay is None:
            raise ArgumentError(
                "AdamW: weight_decay must be a float, got None. "
                "Hint: use Adam for no weight decay, or weight_decay=0.004 (the default)."
            )
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
