"""FTRL-Proximal ("follow the regularized leader") with Keras's formula and defaults.

Per weight it keeps the sum of squared gradients n and a "linear" term z; the weight is then
the minimiser of z·θ + l1‖θ‖₁ + (√n/η + 2·l2)/2 · θ², in closed form (McMahan et al., 2013,
"Ad Click Prediction: a View from the Trenches", Algorithm 1, with Keras's learning-rate power
p in place of the square root):

    n' = n + g²
    z  ← z + (g + 2·l2_shrinkage·θ) − (n'^(−p) − n^(−p)) / η · θ
    θ  ← (clip(z, −l1, l1) − z) / (n'^(−p) / η + 2·(l2 + β / (2η)))
    n  ← n'

>>> from shendu.optimizers import Ftrl
>>> Ftrl().learning_rate_power
-0.5
"""

from __future__ import annotations

from ..backend import get_array_module
from ..number_args import number_arg
from .base import Optimizer
from .schedules import LearningRateSchedule


class Ftrl(Optimizer):
    """FTRL (Keras defaults: learning_rate=0.001, learning_rate_power=-0.5,
    initial_accumulator_value=0.1, no l1, l2 or l2-shrinkage penalty, beta=0). The l1 strength
    makes weights exactly 0 while |z| ≤ l1, which is what FTRL is used for: sparse models.

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0]), "w")
    >>> opt = Ftrl(learning_rate=0.5, initial_accumulator_value=0.0)
    >>> _ = opt.apply_gradients([(np.array([2.0]), w)])
    >>> w.data  # z = 2 − (√4 − 0)/0.5 · 1 = −2;  θ = (−0 − (−2)) / (√4 / 0.5) = 0.5
    array([0.5])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001,
                 learning_rate_power: float = -0.5, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0,
                 l2_shrinkage_regularization_strength: float = 0.0, beta: float = 0.0,
                 **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        owner = type(self).__name__
        self.learning_rate_power = number_arg(
            learning_rate_power, owner, "learning_rate_power", high=0.0,
            hint="-0.5 (the default) divides the step by the root of the squared-gradient sum")
        self.initial_accumulator_value = number_arg(
            initial_accumulator_value, owner, "initial_accumulator_value", low=0.0,
            hint="0.1 (the default)")
        penalty = "0.0 (none) or a small strength such as 0.01"
        self.l1_regularization_strength = number_arg(
            l1_regularization_strength, owner, "l1_regularization_strength", low=0.0, hint=penalty)
        self.l2_regularization_strength = number_arg(
            l2_regularization_strength, owner, "l2_regularization_strength", low=0.0, hint=penalty)
        self.l2_shrinkage_regularization_strength = number_arg(
            l2_shrinkage_regularization_strength, owner, "l2_shrinkage_regularization_strength",
            low=0.0, hint=penalty)
        self.beta = number_arg(beta, owner, "beta", low=0.0, hint="0.0 (the default)")

    def build(self, size, dtype, xp=None):
        self.add_slot("accumulator", size, dtype, xp, fill=self.initial_accumulator_value)
        self.add_slot("linear", size, dtype, xp)
        self.add_scratch("_new_power", size, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        n, z = self.accumulator, self.linear
        new_power, old_power = self._new_power, self._scratch
        p = -self.learning_rate_power
        xp.power(n, p, out=old_power)
        # n' = n + g²
        xp.multiply(grads, grads, out=new_power)
        n += new_power
        xp.power(n, p, out=new_power)
        # z ← z + g + 2·l2_shrinkage·θ − (n'^p − n^p)/η · θ   (θ before the step)
        step = old_power
        xp.subtract(new_power, old_power, out=step)
        step *= params
        step /= lr
        z += grads
        if self.l2_shrinkage_regularization_strength:
            z += (2 * self.l2_shrinkage_regularization_strength) * params
        z -= step
        # θ = (clip(z, −l1, l1) − z) / (n'^p/η + 2·(l2 + β/(2η)))
        l1 = self.l1_regularization_strength
        xp.clip(z, -l1, l1, out=params)
        params -= z
        new_power /= lr
        new_power += 2 * (self.l2_regularization_strength + self.beta / (2 * lr))
        params /= new_power

    def get_config(self):
        return {**super().get_config(),
                "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
