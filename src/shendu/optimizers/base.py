"""The Optimizer base: learning rate (or schedule), gradient clipping, one flat update per step.

A subclass allocates its slots in ``build(size, dtype)`` and writes ``update(params, grads, lr)``
as a few vectorised in-place operations on the whole flat parameter buffer.

>>> import numpy as np
>>> from shendu.optimizers import SGD
>>> from shendu.parameters import FlatParameters
>>> from shendu.layers import Variable
>>> w = Variable(np.array([1.0, 2.0]), "w")
>>> flat = FlatParameters([w])
>>> w.grad[...] = [1.0, 1.0]
>>> SGD(learning_rate=0.5).apply(flat)
>>> w.data
array([0.5, 1.5])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import get_array_module
from ..errors import ArgumentError


class Optimizer:
    """Base class of optimizers; Keras's shared arguments and defaults."""

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            raise ArgumentError(
                f"{type(self).__name__}: unknown argument(s) {sorted(kwargs)}. "
                "Hint: check the spelling against keras.optimizers."
            )
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ArgumentError(
                f"{type(self).__name__}: set at most one of clipnorm, clipvalue, global_clipnorm."
            )
        if not callable(learning_rate):
            learning_rate = float(learning_rate)
            if not math.isfinite(learning_rate) or learning_rate < 0:
                raise ArgumentError(
                    f"{type(self).__name__}: learning_rate must be a finite number >= 0, "
                    f"got {learning_rate}. Hint: 0.001 is Adam's default."
                )
        self._learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self._flat = None
        self._slot_names: list[str] = []

    # -- learning rate -------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The rate for the next step (a schedule is evaluated at ``iterations``)."""
        lr = self._learning_rate
        return float(lr(self.iterations)) if callable(lr) else lr

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._learning_rate = value if callable(value) else float(value)

    # -- state -----------------------------------------------------------------------------
    def add_slot(self, name: str, size: int, dtype, xp=np, fill: float = 0.0):
        slot = xp.full(size, fill, dtype=dtype)
        setattr(self, name, slot)
        if name not in self._slot_names:
            self._slot_names.append(name)
        return slot

    def build(self, size: int, dtype, xp=np) -> None:
        """Allocate the slots (moments...) for a flat buffer of ``size`` values."""

    @property
    def variables(self) -> dict[str, Any]:
        """The optimizer state to checkpoint: iterations and every slot buffer."""
        state = {"iterations": np.asarray(self.iterations, dtype=np.int64)}
        for name in self._slot_names:
            state[name] = getattr(self, name)
        return state

    def set_state(self, state: dict) -> None:
        self.iterations = int(state["iterations"])
        for name in self._slot_names:
            getattr(self, name)[...] = state[name]

    def ensure_built(self, flat) -> None:
        if self._flat is not flat:
            xp = get_array_module(flat.data)
            self._slot_names = []
            self.build(flat.size, flat.data.dtype, xp)
            self._flat = flat

    # -- one step --------------------------------------------------------------------------
    def apply(self, flat) -> None:
        """Update every parameter in ``flat`` from ``flat.grad``; then apply constraints."""
        self.ensure_built(flat)
        grads = self._clip(flat)
        lr = self.learning_rate
        self.update(flat.data, grads, lr)
        self.iterations += 1
        if flat.constrained:
            flat.apply_constraints()

    def update(self, params, grads, lr: float) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _clip(self, flat):
        g = flat.grad
        xp = get_array_module(g)
        if self.clipvalue is not None:
            xp.clip(g, -self.clipvalue, self.clipvalue, out=g)
        elif self.global_clipnorm is not None:
            norm = float(xp.sqrt(xp.dot(g, g)))
            if norm > self.global_clipnorm:
                g *= self.global_clipnorm / norm
        elif self.clipnorm is not None:  # per weight, as Keras does
            for v in flat.variables:
                norm = float(xp.sqrt((v.grad * v.grad).sum()))
                if norm > self.clipnorm:
                    v.grad *= self.clipnorm / norm
        return g

    def _decay_weights(self, params, lr: float) -> None:
        """Decoupled weight decay: w ← w − lr · wd · w (before the gradient step, as Keras)."""
        if self.weight_decay:
            params *= 1 - lr * self.weight_decay

    # -- config ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._learning_rate
        if callable(lr) and hasattr(lr, "get_config"):
            lr = {"class_name": type(lr).__name__, "config": lr.get_config()}
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "clipvalue": self.clipvalue,
                "global_clipnorm": self.global_clipnorm}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from . import schedules

            config["learning_rate"] = schedules.deserialize(lr)
        return cls(**config)
