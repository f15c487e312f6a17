"""Adafactor with Keras's formula: a second moment factored over each variable's last two axes.

>>> from shendu.optimizers import Adafactor
>>> opt = Adafactor()
>>> opt.beta_2_decay, opt.epsilon_1, opt.epsilon_2, opt.clip_threshold, opt.relative_step
(-0.8, 1e-30, 0.001, 1.0, True)
"""

from __future__ import annotations

import math
import numbers

from ..backend import get_array_module
from ..errors import ArgumentError
from .lamb import check_nonnegative
from .per_variable import PerVariableOptimizer
from .schedules import LearningRateSchedule


def _rms(xp, x) -> float:
    return float(xp.sqrt(xp.mean(x * x)))


class Adafactor(PerVariableOptimizer):
    """Adafactor (Shazeer & Stern, 2018), as Keras computes it; at step t:

    ``ρ = min(η, 1/√t)``, ``α = max(ε₂, rms(θ)) · ρ``, ``β = 1 − t^beta_2_decay``,
    ``s = g² + ε₁``. A variable of rank ≥ 2 keeps row means ``r ← β r + (1 − β) mean(s, −1)``
    and column means ``c ← β c + (1 − β) mean(s, −2)`` and sets ``v = r / mean(r) ⊗ c``;
    a vector keeps ``v ← β v + (1 − β) s`` whole. Then ``u = g / √v``,
    ``θ ← θ − α · u / max(1, rms(u) / clip_threshold)``.

    Keras caps η at 1/√t whether or not ``relative_step`` is set, so the flag, kept for the
    config, changes nothing. The row and column means are stored in slots the size of the
    variable (only their first entries used), so the state lines up with the flat buffer.

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.array([[1.0, -1.0], [2.0, 0.5]]), "w")
    >>> _ = Adafactor(learning_rate=0.1).apply_gradients([(np.ones((2, 2)), w)])
    >>> np.round(w.data, 4)  # every entry moves by α = rms(θ) · 0.1
    array([[ 0.875, -1.125],
           [ 1.875,  0.375]])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001,
                 beta_2_decay: float = -0.8, epsilon_1: float = 1e-30, epsilon_2: float = 1e-3,
                 clip_threshold: float = 1.0, relative_step: bool = True, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if isinstance(beta_2_decay, bool) or not isinstance(beta_2_decay, numbers.Real) or not (
                math.isfinite(beta_2_decay) and beta_2_decay <= 0):
            raise ArgumentError(
                f"Adafactor: beta_2_decay must be a finite number <= 0, got {beta_2_decay!r}. "
                "Hint: the moment decay at step t is 1 − t^beta_2_decay; -0.8 is the default.")
        self.beta_2_decay = float(beta_2_decay)
        self.epsilon_1 = check_nonnegative("Adafactor", "epsilon_1", epsilon_1, 1e-30)
        self.epsilon_2 = check_nonnegative("Adafactor", "epsilon_2", epsilon_2, 1e-3)
        if isinstance(clip_threshold, bool) or not isinstance(clip_threshold, numbers.Real) \
                or not (math.isfinite(clip_threshold) and clip_threshold > 0):
            raise ArgumentError(
                f"Adafactor: clip_threshold must be a finite number > 0, got {clip_threshold!r}. "
                "Hint: it caps the RMS of each update; 1.0 is the default.")
        self.clip_threshold = float(clip_threshold)
        if not isinstance(relative_step, bool):
            raise ArgumentError(f"Adafactor: relative_step must be True or False, got "
                                f"{relative_step!r}. Hint: True is the default.")
        self.relative_step = relative_step

    def build(self, size, dtype, xp=None):
        self.add_slot("v", size, dtype, xp)
        self.add_slot("r", size, dtype, xp)
        self.add_slot("c", size, dtype, xp)

    def update_variable(self, params, grads, lr):
        xp = get_array_module(params)
        t = float(self.iterations + 1)
        rho = min(lr, 1.0 / math.sqrt(t))
        alpha = max(self.epsilon_2, _rms(xp, params)) * rho
        beta = 1.0 - t ** self.beta_2_decay
        square = grads * grads + self.epsilon_1
        v = self.v
        if params.ndim >= 2:
            shape = params.shape
            r = self.r.reshape(-1)[:square[..., 0].size].reshape(shape[:-1])
            c = self.c.reshape(-1)[:square[..., 0, :].size].reshape(shape[:-2] + shape[-1:])
            r *= beta
            r += (1.0 - beta) * xp.mean(square, axis=-1)
            c *= beta
            c += (1.0 - beta) * xp.mean(square, axis=-2)
            v[...] = (r / xp.mean(r, axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v *= beta
            v += (1.0 - beta) * square
        u = grads / xp.sqrt(v)
        u /= max(1.0, _rms(xp, u) / self.clip_threshold)
        u *= alpha
        params -= u

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}
