"""LossScaleOptimizer: Keras's dynamic loss scaling around an inner optimizer.

The loss is multiplied by a scale before differentiation and the gradients divided by it
before the inner step. A step whose gradients hold an inf or NaN is skipped and the scale
halved; after ``dynamic_growth_steps`` finite steps in a row the scale doubles. In float32 a
power-of-two scale leaves the gradients exact, so only the skipping shows in the weights.

Both ways in work as Keras's: ``model.fit`` seeds its backward pass with the current scale
(the ``loss_scale`` property, through ``Optimizer.backward_seed``), so the packed-buffer step
(``apply(flat)``) receives gradients of the scaled loss, as a custom loop does with
``scale_loss(loss)`` and ``apply_gradients``. Either
step checks the scaled gradients for inf/NaN (as Keras does), then divides them by the scale
before the inner step.

>>> from shendu.optimizers import LossScaleOptimizer, SGD
>>> opt = LossScaleOptimizer(SGD(0.1))
>>> opt.initial_scale, opt.dynamic_growth_steps, opt.learning_rate
(32768.0, 2000, 0.1)
"""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import get_array_module
from ..errors import ArgumentError
from ..parameters import FlatParameters
from .base import Optimizer

# Keras accepts the shared optimizer arguments only at their defaults (old configs carry them)
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


def _array(g):
    """A gradient's array: arrays as they are, a Tensor's ``data``, numbers as arrays."""
    if hasattr(g, "__array_interface__") or hasattr(g, "__cuda_array_interface__"):
        return g
    return np.asarray(getattr(g, "data", g))


def _all_finite(grads) -> bool:
    return all(bool(get_array_module(g).isfinite(g).all()) for g in grads)


class LossScaleOptimizer(Optimizer):
    """Wraps ``inner_optimizer`` with dynamic loss scaling (see the module doc).

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> from shendu.optimizers import SGD
    >>> w = Variable(np.array([1.0]), "w")
    >>> opt = LossScaleOptimizer(SGD(0.5), initial_scale=8.0)
    >>> float(opt.scale_loss(2.0))
    16.0
    >>> _ = opt.apply_gradients([(np.array([8.0]), w)])  # the gradient of the scaled loss
    >>> w.data, float(opt.dynamic_scale)
    (array([0.5]), 8.0)
    >>> _ = opt.apply_gradients([(np.array([np.inf]), w)])  # skipped, scale halved
    >>> w.data, float(opt.dynamic_scale), opt.iterations
    (array([0.5]), 4.0, 1)
    """

    def __init__(self, inner_optimizer: Optimizer, initial_scale: float = 2.0**15,
                 dynamic_growth_steps: int = 2000, name: str | None = None, **kwargs) -> None:
        if not kwargs.pop("dynamic", True):
            raise ArgumentError(
                "LossScaleOptimizer: dynamic=False is not supported (as in Keras 3). "
                "Hint: set loss_scale_factor on the inner optimizer for a fixed scale.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ArgumentError(
                    f"LossScaleOptimizer: {arg} cannot be set on the wrapper. "
                    f"Hint: set {arg} on the inner optimizer instead.")
        if kwargs:
            raise ArgumentError(f"LossScaleOptimizer: unknown argument(s) {sorted(kwargs)}. "
                                "Hint: it takes inner_optimizer, initial_scale, "
                                "dynamic_growth_steps and name.")
        if not isinstance(inner_optimizer, Optimizer):
            raise ArgumentError(
                f"LossScaleOptimizer: inner_optimizer must be an Optimizer instance, got "
                f"{type(inner_optimizer).__name__}. Hint: LossScaleOptimizer(Adam()).")
        if isinstance(initial_scale, bool) or not isinstance(initial_scale, numbers.Real) or \
                not (np.isfinite(initial_scale) and initial_scale > 0):
            raise ArgumentError(
                f"LossScaleOptimizer: initial_scale must be a finite number > 0, got "
                f"{initial_scale!r}. Hint: 2.0**15 is the default.")
        if isinstance(dynamic_growth_steps, bool) or not isinstance(
                dynamic_growth_steps, numbers.Integral) or dynamic_growth_steps < 1:
            raise ArgumentError(
                f"LossScaleOptimizer: dynamic_growth_steps must be an int >= 1, got "
                f"{dynamic_growth_steps!r}. Hint: 2000 is the default.")
        super().__init__(learning_rate=0.0, name=name or "loss_scale_optimizer")
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        inner_optimizer.loss_scale_factor = None
        self.step_counter = np.zeros((), dtype=np.int64)
        self.dynamic_scale = np.full((), self.initial_scale, dtype=np.float32)

    # -- what the inner optimizer owns --------------------------------------------------------
    @property
    def loss_scale(self) -> float:
        """The current scale: ``fit`` seeds its backward with it (Optimizer.backward_seed).

        >>> from shendu.autograd import Tensor
        >>> from shendu.optimizers import SGD
        >>> opt = LossScaleOptimizer(SGD(), initial_scale=4.0)
        >>> opt.loss_scale, SGD().loss_scale, opt.backward_seed(Tensor(np.float32(1)))
        (4.0, None, array(4., dtype=float32))
        """
        return float(self.dynamic_scale)

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if hasattr(self, "inner_optimizer"):
            self.inner_optimizer.learning_rate = value

    @property
    def iterations(self) -> int:
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value: int) -> None:
        self.inner_optimizer.iterations = value

    def finalize_variable_values(self, var_list=None) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def swap_average(self, to_average: bool = False) -> None:
        self.inner_optimizer.swap_average(to_average)

    def ensure_built(self, flat) -> None:
        self.inner_optimizer.ensure_built(flat)
        self._flat, self._layout = flat, self.inner_optimizer._layout

    @property
    def variables(self) -> dict:
        """The inner optimizer's state plus ``step_counter`` and ``dynamic_scale``."""
        return {**self.inner_optimizer.variables, "step_counter": self.step_counter,
                "dynamic_scale": self.dynamic_scale}

    def set_state(self, state: dict) -> None:
        self.inner_optimizer.set_state(state)
        self.step_counter[...] = state["step_counter"]
        self.dynamic_scale[...] = state["dynamic_scale"]

    # -- one step ------------------------------------------------------------------------------
    def scale_loss(self, loss):
        """``loss`` times the current scale (differentiate this in a custom loop)."""
        return loss * self.dynamic_scale

    def apply(self, grads, trainable_variables=None) -> None:
        """One step on gradients of the scaled loss: ``apply(flat)`` (fit's packed buffer) or
        Keras's ``apply(grads, trainable_variables)``. Both check, then unscale."""
        if isinstance(grads, FlatParameters):
            self.ensure_built(grads)
            if not _all_finite([grads.grad]):
                return self._skip()
            grads.grad /= float(self.dynamic_scale)  # fit's buffer is rebuilt every step
            self.inner_optimizer.apply(grads)
        else:
            grads = list(grads)
            if not _all_finite([_array(g) for g in grads if g is not None]):
                return self._skip()
            scale = float(self.dynamic_scale)
            unscaled = [None if g is None else _array(g) / scale for g in grads]
            self.inner_optimizer.apply(unscaled, trainable_variables)
            self._flat, self._layout = self.inner_optimizer._flat, self.inner_optimizer._layout
        if int(self.step_counter) == self.dynamic_growth_steps - 1:
            self.step_counter[...] = 0
            self.dynamic_scale *= 2
        else:
            self.step_counter += 1

    def _skip(self) -> None:
        self.step_counter[...] = 0
        self.dynamic_scale *= 0.5

    def apply_gradients(self, grads_and_vars) -> int:
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations

    # -- config --------------------------------------------------------------------------------
    def get_config(self) -> dict:
        from . import serialize

        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        from . import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)
