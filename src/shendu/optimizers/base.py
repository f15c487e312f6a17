"""The Optimizer base: learning rate (or schedule), clipping, weight decay, one flat update a step.

A subclass allocates its slots in ``build(size, dtype, xp)`` and writes
``update(params, grads, lr)`` as a few vectorised in-place operations over whole buffers. The
base runs it once on a model's flat parameter buffer (``apply(flat)``), or once per variable on
views of the same slots (``apply_gradients`` on loose variables) — one formula either way.

Per step, as Keras does: (gradient accumulation) → clip → decoupled weight decay
``w ← w − lr·wd·w`` → ``update`` → (EMA of the weights) → ``iterations += 1`` → constraints.

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
import numbers
import re
from typing import Any

import numpy as np

from ..backend import get_array_module
from ..errors import ArgumentError
from ..parameters import FlatParameters
from .clipping import clip_gradients
from .layout import Layout
from .schedules import LearningRate, LearningRateSchedule

_OPTIONAL_HINTS = {
    "clipnorm": "clipnorm=1.0 caps each gradient's norm at 1",
    "clipvalue": "clipvalue=0.5 clips every gradient entry to [-0.5, 0.5]",
    "global_clipnorm": "global_clipnorm=1.0 caps the norm of all gradients together",
    "weight_decay": "weight_decay=0.004 is AdamW's default",
}


def _check_optional_positive(owner: str, name: str, value) -> None:
    if value is not None and (isinstance(value, bool) or not (
            isinstance(value, numbers.Real) and value > 0 and math.isfinite(value))):
        raise ArgumentError(f"{owner}: {name} must be None or a finite number > 0, got "
                            f"{value!r}. Hint: {_OPTIONAL_HINTS[name]}, or None for none.")


def check_decay_rate(owner: str, name: str, value, default: float) -> float:
    """A moment decay rate (Adam's beta_1, beta_2...) as a float in [0, 1), or ArgumentError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ArgumentError(
            f"{owner}: {name} must be a number in [0, 1), got {value!r}. Hint: it is the decay "
            f"of a running average of the gradients; {default} is the default."
        )
    return float(value)


class Optimizer:
    """Base class of optimizers; Keras's shared arguments and defaults.

    >>> from shendu.optimizers import Adam
    >>> opt = Adam(learning_rate=0.01, global_clipnorm=1.0)
    >>> opt.learning_rate, opt.iterations
    (0.01, 0)
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs) -> None:
        owner = type(self).__name__
        kwargs.pop("decay", None)  # removed in Keras 3, which ignores it with a warning
        if kwargs:
            raise ArgumentError(
                f"{owner}: unknown argument(s) {sorted(kwargs)}. "
                "Hint: check the spelling against keras.optimizers."
            )
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ArgumentError(
                f"{owner}: set at most one of clipnorm, clipvalue, global_clipnorm; got "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}. "
                "Hint: keep one and leave the others None."
            )
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                           ("global_clipnorm", global_clipnorm), ("weight_decay", weight_decay)):
            _check_optional_positive(owner, arg, value if value != 0 else None)
        if gradient_accumulation_steps is not None and not (
                isinstance(gradient_accumulation_steps, int) and gradient_accumulation_steps >= 2):
            raise ArgumentError(f"{owner}: gradient_accumulation_steps must be None or an int "
                                f">= 2, got {gradient_accumulation_steps!r}. Hint: 4 sums the "
                                "gradients of 4 batches before each update.")
        if isinstance(ema_momentum, bool) or not isinstance(ema_momentum, (int, float)) \
                or not 0.0 <= ema_momentum <= 1.0:
            raise ArgumentError(f"{owner}: ema_momentum must be a number in [0, 1], got "
                                f"{ema_momentum!r}. Hint: 0.99 is the default.")
        if ema_overwrite_frequency is not None and not (
                isinstance(ema_overwrite_frequency, int) and ema_overwrite_frequency >= 1):
            raise ArgumentError(f"{owner}: ema_overwrite_frequency must be None or an int >= 1, "
                                f"got {ema_overwrite_frequency!r}. Hint: None copies the "
                                "average into the weights only at the end of training.")
        if loss_scale_factor is not None:
            raise ArgumentError(
                f"{owner}: loss_scale_factor={loss_scale_factor} is for float16 mixed precision, "
                "which shendu does not train in. Hint: leave loss_scale_factor=None."
            )
        self._learning_rate = self._checked_learning_rate(learning_rate)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum = bool(use_ema), ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.name = name or type(self).__name__.lower()
        self._iterations = 0
        self._flat = None
        self._layout: Layout | None = None
        self._slot_names: list[str] = []
        self._scratch_names: list[str] = []
        self._state_names: list[str] = []
        self._exclude_ids: set[int] = set()
        self._exclude_pattern = None

    # The factor fit multiplies the loss gradient by before backward (Keras's scale_loss):
    # None, except for a LossScaleOptimizer, whose property gives its current scale.
    loss_scale = None

    def backward_seed(self, loss):
        """The gradient ``fit`` seeds ``loss.backward`` with: None (ones), or ``loss_scale``
        in the loss's shape and dtype."""
        if self.loss_scale is None:
            return None
        return get_array_module(loss.data).full_like(loss.data, self.loss_scale)

    # -- learning rate and step count --------------------------------------------------------
    def _checked_learning_rate(self, value):
        if callable(value):
            return value
        try:
            rate = float(value)
        except (TypeError, ValueError):
            rate = math.nan
        if isinstance(value, bool) or not math.isfinite(rate) or rate < 0:
            raise ArgumentError(
                f"{type(self).__name__}: learning_rate must be a finite number >= 0 or a "
                f"LearningRateSchedule, got {value!r}. Hint: 0.001 is Adam's default."
            )
        return rate

    @property
    def learning_rate(self) -> LearningRate:
        """The rate of the next step (a float with Keras's ``assign``): a schedule is
        evaluated at the step count."""
        return LearningRate(self._current_rate(), self)

    def _current_rate(self) -> float:
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return float(lr(self._iterations))
        if not callable(lr):
            return lr
        try:
            return float(lr())
        except TypeError as err:
            raise ArgumentError(
                f"{type(self).__name__}: a plain callable learning_rate is called with no "
                f"arguments, as in Keras, and calling it failed ({err}). Hint: for a rate that "
                "depends on the step, subclass schedules.LearningRateSchedule."
            ) from err

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if not callable(value) and isinstance(self._learning_rate, LearningRateSchedule):
            raise ArgumentError(
                f"{type(self).__name__}: this optimizer was created with a LearningRateSchedule, "
                f"so its learning rate cannot be set to {value!r}. Hint: create the optimizer "
                "with a float learning_rate to change it during training."
            )
        self._learning_rate = self._checked_learning_rate(value)

    @property
    def iterations(self) -> int:
        """Update steps taken (with gradient accumulation: applied updates, as Keras counts)."""
        if self.gradient_accumulation_steps:
            return self._iterations // self.gradient_accumulation_steps
        return self._iterations

    @iterations.setter
    def iterations(self, value: int) -> None:
        self._iterations = int(value)

    # -- state ---------------------------------------------------------------------------------
    def add_slot(self, name: str, size: int, dtype, xp=np, fill: float = 0.0):
        """A per-parameter state buffer (saved with the model), one value per parameter."""
        slot = xp.full(size, fill, dtype=dtype)
        setattr(self, name, slot)
        if name not in self._slot_names:
            self._slot_names.append(name)
        return slot

    def add_scratch(self, name: str, size: int, dtype, xp=np):
        """A per-parameter work buffer (not saved), so a step allocates nothing."""
        setattr(self, name, xp.empty(size, dtype=dtype))
        if name not in self._scratch_names:
            self._scratch_names.append(name)

    def add_state(self, name: str, value: float, dtype, xp=np):
        """A scalar state of the whole optimizer (saved), e.g. Nadam's product of momenta."""
        setattr(self, name, xp.full((), value, dtype=dtype))
        if name not in self._state_names:
            self._state_names.append(name)

    def scalars(self, like, *values):
        """``values`` as 0-d arrays of ``like``'s dtype (NumPy float arrays; else the numbers
        themselves), kept and refilled at each call.

        NumPy applies a 0-d array of the operand's dtype faster than a Python float (no scalar
        type discovery, ~1 µs a call on a small buffer), with the same result: a Python float
        meets a float array in that array's dtype.
        """
        if type(like) is not np.ndarray:
            return values
        cache = self.__dict__.setdefault("_scalar_arrays", {})
        arrays = cache.get(like.dtype)
        if arrays is None or len(arrays) < len(values):
            arrays = cache[like.dtype] = [np.zeros((), like.dtype) for _ in values]
        for a, v in zip(arrays, values):
            a[()] = v
        return arrays

    def build(self, size: int, dtype, xp=np) -> None:
        """Allocate the slots (moments...) for ``size`` parameters."""

    def begin_step(self, lr: float) -> None:
        """Once per update, before ``update`` runs on any variable (scalar state goes here)."""

    def update(self, params, grads, lr: float) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def variables(self) -> dict[str, Any]:
        """The optimizer state to checkpoint: iterations, every slot and scalar state."""
        state = {"iterations": np.asarray(self._iterations, dtype=np.int64)}
        for name in self._slot_names + self._state_names:
            state[name] = getattr(self, name)
        return state

    def set_state(self, state: dict) -> None:
        self._iterations = int(state["iterations"])
        for name in self._slot_names + self._state_names:
            getattr(self, name)[...] = state[name]

    def _build_layout(self, layout: Layout, dtype, xp) -> None:
        self._slot_names, self._scratch_names, self._state_names = [], [], []
        self.build(layout.size, dtype, xp)
        if self.gradient_accumulation_steps:
            self.add_slot("gradient_accumulator", layout.size, dtype, xp)
        if self.use_ema:
            self.add_slot("average", layout.size, dtype, xp)
        self._layout = layout
        self._decay_spans = layout.spans(self._uses_weight_decay)

    def ensure_built(self, flat) -> None:
        """Allocate the slots for ``flat`` (kept when it packs the variables built on)."""
        if self._flat is flat:
            return
        layout = Layout(flat.variables)
        if self._layout is None or not self._layout.same_as(layout):
            self._build_layout(layout, flat.data.dtype, get_array_module(flat.data))
        self._flat = flat

    # -- weight decay ----------------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Skip weight decay for these variables, or those whose name matches one of var_names.

        >>> from shendu.optimizers import AdamW
        >>> AdamW().exclude_from_weight_decay(var_names=["bias"])
        """
        if self._layout is not None:
            raise ArgumentError(
                f"{type(self).__name__}: exclude_from_weight_decay() must be called before the "
                "optimizer is built (before the first training step)."
            )
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(var_names)) if var_names else None

    def _uses_weight_decay(self, variable) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        name = getattr(variable, "name", None) or getattr(variable, "path", "") or ""
        return not (self._exclude_pattern and self._exclude_pattern.search(name))

    # -- one step ------------------------------------------------------------------------------
    def apply(self, grads, trainable_variables=None) -> None:
        """One step. ``apply(flat)`` updates a model's packed buffer from ``flat.grad``;
        ``apply(grads, trainable_variables)`` is Keras's form (see :meth:`apply_gradients`)."""
        if isinstance(grads, FlatParameters):
            self.ensure_built(grads)
            self._step(grads.grad, None)
            if grads.constrained:
                grads.apply_constraints()
            return
        grads = list(grads)
        if trainable_variables is None:
            if self._layout is None:
                raise ArgumentError(
                    f"{type(self).__name__}.apply: gradients without variables need an optimizer "
                    "that was already built. Hint: pass apply(grads, trainable_variables)."
                )
            trainable_variables = self._layout.variables
        self.apply_gradients(zip(grads, trainable_variables))

    def apply_gradients(self, grads_and_vars) -> int:
        """Keras's custom-loop entry: ``opt.apply_gradients(zip(grads, model.trainable_weights))``.

        Variables packed in the model's flat buffer are updated in one call over the buffer;
        loose variables one by one, on views of the same slots. Returns ``iterations``.
        """
        from .loose import apply_gradients

        apply_gradients(self, grads_and_vars)
        return self.iterations

    def _step(self, grads, indices) -> None:
        """One optimizer step on the grads buffer: all variables (None) or those listed."""
        layout = self._layout
        if self.gradient_accumulation_steps:
            done = self._accumulate(grads, indices)
        else:
            done = True
        if done:
            if self.clipnorm or self.global_clipnorm or self.clipvalue:
                clip_gradients(self, grads, layout, indices)
            lr = self._current_rate()
            if self.weight_decay:
                self._decay_weights(lr, indices)
            self.begin_step(lr)
            if indices is None and self._flat is not None:
                self.update(self._flat.data, grads, lr)
            else:
                for i in layout.all() if indices is None else indices:
                    with layout.views(self, i):
                        self.update(layout.params(i), layout.grad_view(grads, i), lr)
        if self.use_ema:
            self._update_average(indices)
        self._iterations += 1

    def _accumulate(self, grads, indices) -> bool:
        acc, layout = self.gradient_accumulator, self._layout
        pieces = [slice(None)] if indices is None else [layout.slice(i) for i in indices]
        update_now = (self._iterations + 1) % self.gradient_accumulation_steps == 0
        for s in pieces:
            acc[s] += grads[s]
            if update_now:
                # the step uses the mean gradient over the accumulated batches
                grads[s] = acc[s]
                grads[s] /= self.gradient_accumulation_steps
                acc[s] = 0
        return update_now

    def _decay_weights(self, lr: float, indices) -> None:
        """Decoupled weight decay, as Keras applies it: w ← w − lr · wd · w."""
        if not self.weight_decay:
            return
        factor = 1.0 - lr * self.weight_decay
        if indices is None and self._flat is not None:
            for s in self._decay_spans:
                self._flat.data[s] *= factor
            return
        layout = self._layout
        for i in layout.all() if indices is None else indices:
            if self._uses_weight_decay(layout.variables[i]):
                layout.params(i)[...] *= factor

    def _update_average(self, indices) -> None:
        """EMA of the weights: a ← μ a + (1 − μ) w (μ = 0 on the first step, as Keras)."""
        mu = self.ema_momentum if self.iterations != 0 else 0.0
        overwrite = bool(self.ema_overwrite_frequency) and (
            (self.iterations + 1) % self.ema_overwrite_frequency == 0)
        layout = self._layout
        if indices is None and self._flat is not None:
            pairs = [(self._flat.data, self.average)]
        else:
            pairs = [(layout.params(i), layout.slot_view(self.average, i))
                     for i in (layout.all() if indices is None else indices)]
        for w, a in pairs:
            a *= mu
            a += (1.0 - mu) * w
            if overwrite:
                w[...] = a

    def finalize_variable_values(self, var_list=None) -> None:
        """With ``use_ema``, copy the moving averages into the weights (``fit`` calls it at the
        end of training, as Keras does)."""
        if self.use_ema and self._layout is not None:
            for i in self._layout.all():
                self._layout.params(i)[...] = self._layout.slot_view(self.average, i)

    def swap_average(self, to_average: bool = False) -> None:
        """Exchange the weights and their moving averages (SwapEMAWeights); with
        ``to_average`` only copy the weights into the averages (after a swap, so that
        :meth:`finalize_variable_values` keeps what the weights hold)."""
        if not self.use_ema or self._layout is None:
            raise ArgumentError(
                f"{self.name}: there are no moving averages to swap: the optimizer needs "
                f"use_ema=True and one training step (use_ema={self.use_ema}). Hint: "
                "optimizer=Adam(use_ema=True) with the SwapEMAWeights callback.")
        for i in self._layout.all():
            w, a = self._layout.params(i), self._layout.slot_view(self.average, i)
            if to_average:
                a[...] = w
            else:
                kept = w.copy()
                w[...] = a
                a[...] = kept

    # -- config ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            from .schedules import serialize

            lr = serialize(lr)
        elif callable(lr):
            lr = float(lr())  # a plain function cannot be saved: its current value is
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from . import schedules

            config["learning_rate"] = schedules.deserialize(lr, custom_objects)
        return cls(**config)
