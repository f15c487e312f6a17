"""Learning-rate schedules: callables of the optimizer step, with Keras's names and formulas.

Pass one as ``learning_rate`` to any optimizer; the optimizer evaluates it at its step count.

>>> from shendu.optimizers import SGD, schedules
>>> lr = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> lr(0), lr(10), lr(20)
(0.1, 0.05, 0.025)
>>> SGD(learning_rate=lr).learning_rate
0.1
"""

from __future__ import annotations

import bisect
import math

from ..errors import ArgumentError, UnknownNameError, unknown_name


def _positive(schedule: str, name: str, value) -> None:
    if not isinstance(value, (int, float)) or not value > 0:
        raise ArgumentError(
            f"{schedule}: {name} must be a number > 0, got {value!r}. "
            "Hint: it counts optimizer steps (batches), e.g. 1000."
        )


class LearningRate(float):
    """What ``optimizer.learning_rate`` gives: the current rate as a float that also takes
    Keras's variable calls, ``optimizer.learning_rate.assign(1e-4)`` and ``.numpy()``.

    >>> from shendu.optimizers import Adam
    >>> opt = Adam(learning_rate=1e-3)
    >>> opt.learning_rate.assign(1e-4)
    >>> opt.learning_rate.numpy(), opt.learning_rate * 10
    (0.0001, 0.001)
    """

    def __new__(cls, value: float, optimizer):
        rate = super().__new__(cls, value)
        rate._optimizer = optimizer
        return rate

    def assign(self, value) -> None:
        """Set the optimizer's rate (as ``optimizer.learning_rate = value``)."""
        self._optimizer.learning_rate = value

    def numpy(self) -> float:
        return float(self)


class LearningRateSchedule:
    """Base class: subclasses define ``__call__(step) -> float`` and ``get_config()``.

    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 1.0 / 2 ** step
    ...     def get_config(self):
    ...         return {}
    >>> Halving()(3)
    0.125
    """

    def __call__(self, step) -> float:
        raise NotImplementedError(f"{type(self).__name__} must define __call__(self, step).")

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must define get_config() to be saved.")

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate · decay_rate ^ (step / decay_steps)`` (floored when ``staircase``).

    >>> ExponentialDecay(1.0, decay_steps=4, decay_rate=0.5, staircase=True)(7)
    0.5
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay"):
        _positive("ExponentialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step) -> float:
        p = float(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        # η₀ · r^p
        return float(self.initial_learning_rate * self.decay_rate ** p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate · step / decay_steps)`` (floored when staircase).

    >>> InverseTimeDecay(1.0, decay_steps=1, decay_rate=0.5)(2)
    0.5
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay"):
        _positive("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step) -> float:
        p = float(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        # η₀ / (1 + r p)
        return float(self.initial_learning_rate / (1.0 + self.decay_rate * p))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while step ≤ boundaries[0], ``values[i]`` while step ≤ boundaries[i], ...

    >>> lr = PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    >>> lr(100), lr(101), lr(111)
    (1.0, 0.5, 0.1)
    """

    def __init__(self, boundaries, values, name: str = "PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ArgumentError(
                f"PiecewiseConstantDecay: values must have one more entry than boundaries, got "
                f"{len(boundaries)} boundaries and {len(values)} values. "
                "Hint: boundaries=[100, 110], values=[1.0, 0.5, 0.1]."
            )
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ArgumentError(
                f"PiecewiseConstantDecay: boundaries must increase strictly, got {boundaries}. "
                "Hint: sort them."
            )
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step) -> float:
        # the number of boundaries strictly below step picks the interval
        return float(self.values[bisect.bisect_left(self.boundaries, step)])

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(η₀ − η_end) · (1 − step / decay_steps)^power + η_end``; ``cycle`` restarts it.

    >>> PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0)(5)
    0.5
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay"):
        _positive("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power = end_learning_rate, power
        self.cycle, self.name = cycle, name

    def __call__(self, step) -> float:
        step, decay_steps = float(step), float(self.decay_steps)
        if self.cycle:
            # the first multiple of decay_steps at or above step (1 at step 0)
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        # (η₀ − η_end)(1 − p)^power + η_end
        return float((self.initial_learning_rate - self.end_learning_rate)
                     * (1.0 - p) ** self.power + self.end_learning_rate)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup to ``warmup_target``, then cosine decay to ``alpha`` × that rate.

    >>> lr = CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    >>> lr(2), lr(4), round(lr(9), 6), lr(14)
    (0.5, 1.0, 0.5, 0.0)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: float = 0):
        _positive("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps, self.alpha = (
            initial_learning_rate, decay_steps, alpha)
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def _decayed(self, step: float, start_lr: float) -> float:
        # start · ((1 − α) · ½(1 + cos(π step / decay_steps)) + α)
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return float(start_lr * ((1.0 - self.alpha) * cosine + self.alpha))

    def __call__(self, step) -> float:
        step = float(step)
        if self.warmup_target is None:
            return self._decayed(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            # η₀ + (target − η₀) · step / warmup_steps
            return float(self.initial_learning_rate + (self.warmup_target
                         - self.initial_learning_rate) * step / self.warmup_steps)
        return self._decayed(step - self.warmup_steps, self.warmup_target)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay (SGDR) restarting after ``first_decay_steps``, periods × t_mul, peaks × m_mul.

    >>> lr = CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=1.0, m_mul=0.5)
    >>> lr(0), lr(5), lr(10)
    (1.0, 0.5, 0.5)
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: float,
                 t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0,
                 name: str = "SGDRDecay"):
        _positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate, self.first_decay_steps = (
            initial_learning_rate, first_decay_steps)
        self.t_mul, self.m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step) -> float:
        fraction = float(step) / self.first_decay_steps
        t_mul = float(self.t_mul)
        if t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            # period i lasts t_mulⁱ: i = ⌊log(1 − f (1 − t_mul)) / log t_mul⌋
            restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - t_mul**restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul**restart
        # η₀ · ((1 − α) · ½ m_mulⁱ (1 + cos(π f)) + α)
        cosine = 0.5 * self.m_mul**restart * (1.0 + math.cos(math.pi * fraction))
        return float(self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


ALL: dict[str, type[LearningRateSchedule]] = {
    cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
                                  PolynomialDecay, CosineDecay, CosineDecayRestarts)}
_CUSTOM: dict[str, type[LearningRateSchedule]] = {}


def register(cls: type[LearningRateSchedule]) -> type[LearningRateSchedule]:
    """Make a custom schedule class loadable by name (usable as a class decorator)."""
    _CUSTOM[cls.__name__] = cls
    return cls


def serialize(schedule: LearningRateSchedule) -> dict:
    """``{"class_name": ..., "config": ...}``, the form Keras writes (module included)."""
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """A schedule from ``{"class_name": "ExponentialDecay", "config": {...}}``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ArgumentError(
            f"schedules.deserialize: expected a dict with 'class_name' and 'config', got "
            f"{config!r}. Hint: pass the output of schedules.serialize(schedule)."
        )
    known = {**ALL, **_CUSTOM, **(custom_objects or {})}
    name = config.get("registered_name") or config["class_name"]
    cls = known.get(name) or known.get(config["class_name"])
    if cls is None:
        raise unknown_name("learning rate schedule", config["class_name"], known,
                           "Hint: register a custom schedule with schedules.register(cls).")
    return cls.from_config(dict(config.get("config", {})))


def get(identifier) -> LearningRateSchedule:
    """A schedule from an instance or a serialized dict."""
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise UnknownNameError(
        f"schedules.get: expected a LearningRateSchedule or its config dict, got {identifier!r}. "
        "Hint: schedules.ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.9)."
    )


__all__ = ["LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay",
           "PiecewiseConstantDecay", "PolynomialDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize", "get", "register"]
