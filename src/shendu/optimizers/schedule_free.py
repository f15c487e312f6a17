"""ScheduleFreeAdamW as Keras 3.15 computes it on its TensorFlow and PyTorch backends.

>>> from shendu.optimizers import ScheduleFreeAdamW
>>> opt = ScheduleFreeAdamW()
>>> opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon, opt.warmup_steps
(0.0025, 0.9, 0.999, 1e-08, 0)
"""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ArgumentError
from .base import Optimizer, check_decay_rate
from .lamb import check_nonnegative
from .schedules import LearningRateSchedule


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW (Defazio et al., 2024) with Keras 3.15's numbers.

    The optimizer keeps ``z`` (Keras's ``momentum``, set to the weights when it is built)
    and ``v``; the model holds ``y``. At step t, with ``η_t = η · min(t / warmup_steps, 1)``
    (η when ``warmup_steps`` is 0) and after the decoupled weight decay of ``y``:
    ``v ← v + (g² − v)(1 − β₂)``, ``z ← z − η_t g / (√(v / (1 − β₂ᵗ)) + ε)``, then Keras
    recovers ``x = (y − (1 − β₁) z) / β₁``, sets ``x ← (1 − 1/t) x + z / t`` and
    ``y ← (1 − β₁) z + β₁ x``.

    On the TensorFlow and PyTorch backends Keras reads ``z`` for the recovery *after* its
    update (its ``momentum.value`` aliases the variable), and the three lines then reduce
    to ``y ← y + (z − y) / t``: ``β₁`` cancels and changes nothing. shendu computes that,
    so its trajectories equal Keras's (the paper, and Keras on JAX, use the ``z`` of before
    the update). Keras swaps nothing for evaluation: the model evaluates at ``y``, and so
    does shendu.

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([1.0, -1.0]), "w")
    >>> opt = ScheduleFreeAdamW(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(np.array([1.0, -1.0]), w)])
    >>> np.round(w.data, 6)  # step 1: y = z = y₀ − η · g / (|g| + ε)
    array([ 0.9, -0.9])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.0025, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8, warmup_steps: int = 0,
                 **kwargs) -> None:
        kwargs["name"] = kwargs.get("name") or "schedule_free_adam_w"  # Keras's default name
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = check_decay_rate("ScheduleFreeAdamW", "beta_1", beta_1, 0.9)
        self.beta_2 = check_decay_rate("ScheduleFreeAdamW", "beta_2", beta_2, 0.999)
        self.epsilon = check_nonnegative("ScheduleFreeAdamW", "epsilon", epsilon, 1e-8)
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) \
                or warmup_steps < 0:
            raise ArgumentError(
                f"ScheduleFreeAdamW: warmup_steps must be an int >= 0, got {warmup_steps!r}. "
                "Hint: the rate rises linearly from 0 over that many steps; 0 (the default) "
                "starts at the full rate.")
        self.warmup_steps = warmup_steps

    def build(self, size, dtype, xp=None):
        self.add_slot("z", size, dtype, xp)
        self.add_slot("v", size, dtype, xp)
        self.add_scratch("_scratch", size, dtype, xp)

    def _build_layout(self, layout, dtype, xp) -> None:
        super()._build_layout(layout, dtype, xp)
        for i in layout.all():  # z starts at the weights, as Keras's build sets it
            layout.slot_view(self.z, i)[...] = layout.params(i)

    def update(self, params, grads, lr):
        xp = get_array_module(params)
        t = self.iterations + 1
        if self.warmup_steps > 0:
            lr = lr * min(t / self.warmup_steps, 1.0)
        z, v, tmp = self.z, self.v, self._scratch
        # v ← v + (g² − v)(1 − β₂)
        xp.multiply(grads, grads, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        # z ← z − η g / (√(v / (1 − β₂ᵗ)) + ε)
        xp.divide(v, 1 - self.beta_2**t, out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        xp.divide(lr * grads, tmp, out=tmp)
        z -= tmp
        # y ← y + (z − y) / t  (Keras's three interpolations, see the class doc)
        xp.subtract(z, params, out=tmp)
        tmp /= t
        params += tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "warmup_steps": self.warmup_steps}

