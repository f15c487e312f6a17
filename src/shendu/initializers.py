"""Weight initializers with Keras's names, formulas and defaults; each one seedable.

>>> from shendu import initializers
>>> init = initializers.get("glorot_uniform")
>>> init((100, 64)).shape
(100, 64)
"""

from __future__ import annotations

import math

import numpy as np

from . import backend
from .errors import ArgumentError, unknown_name
from .number_args import number_arg


def _fans(shape) -> tuple[float, float]:
    """fan_in, fan_out as Keras computes them (receptive field times channels for kernels)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class Initializer:
    """Base class: ``init(shape, dtype=None)`` returns a new array."""

    def __call__(self, shape, dtype=None):  # pragma: no cover - interface
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class Zeros(Initializer):
    """All zeros.

    >>> Zeros()((2,)).tolist()
    [0.0, 0.0]
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=dtype or backend.floatx())


class Ones(Initializer):
    """All ones.

    >>> Ones()((2,)).tolist()
    [1.0, 1.0]
    """

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or backend.floatx())


class Constant(Initializer):
    """Every value equal to ``value``.

    >>> Constant(3.0)((2,)).tolist()
    [3.0, 3.0]
    """

    def __init__(self, value=0.0):
        number_arg(value, "Constant", "value", hint="Constant(0.1)")
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or backend.floatx())

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Normal(mean, stddev); Keras defaults mean=0.0, stddev=0.05.

    >>> RandomNormal(seed=1)((3, 2)).shape
    (3, 2)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        number_arg(mean, "RandomNormal", "mean", hint="mean=0.0")
        number_arg(stddev, "RandomNormal", "stddev", low=0.0, hint="stddev=0.05")
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        rng = backend.make_rng(self.seed)
        return rng.normal(self.mean, self.stddev, size=shape).astype(dtype or backend.floatx())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform(minval, maxval); Keras defaults ±0.05.

    >>> bool(abs(RandomUniform(-1.0, 1.0, seed=1)((100,))).max() <= 1.0)
    True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        number_arg(minval, "RandomUniform", "minval", hint="minval=-0.05")
        number_arg(maxval, "RandomUniform", "maxval", low=minval,
                   hint=f"maxval must not be below minval={minval}")
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        rng = backend.make_rng(self.seed)
        return rng.uniform(self.minval, self.maxval, size=shape).astype(dtype or backend.floatx())

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng, stddev, shape, mean=0.0):
    """Normal values, redrawing any more than 2 standard deviations from the mean."""
    values = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(values) > 2
    return values * stddev + mean


class TruncatedNormal(Initializer):
    """Normal(mean, stddev) with values beyond 2 stddev redrawn; Keras defaults 0.0, 0.05.

    >>> bool(abs(TruncatedNormal(stddev=1.0, seed=1)((1000,))).max() <= 2.0)
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        number_arg(mean, "TruncatedNormal", "mean", hint="mean=0.0")
        number_arg(stddev, "TruncatedNormal", "stddev", low=0.0, hint="stddev=0.05")
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        rng = backend.make_rng(self.seed)
        values = _truncated_normal(rng, self.stddev, shape, self.mean)
        return values.astype(dtype or backend.floatx())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


class VarianceScaling(Initializer):
    """Keras's VarianceScaling: values of variance ``scale / fan`` (fan by ``mode``), drawn from
    a truncated normal (stddev corrected for the cut at 2σ), a normal, or a uniform
    in ``±sqrt(3·scale / fan)``. ``distribution="normal"`` means truncated normal, as in Keras.

    >>> VarianceScaling(2.0, "fan_in", "uniform", seed=0)((50, 20)).shape
    (50, 20)
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        name = type(self).__name__
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
            raise ArgumentError(f"{name}: scale must be a positive number, got {scale!r}. "
                                "Hint: scale=2.0 for He initialization.")
        if mode not in _MODES:
            raise ArgumentError(f"{name}: mode must be one of {_MODES}, got {mode!r}. "
                                "Hint: 'fan_avg' for Glorot, 'fan_in' for He and LeCun.")
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        dist = "truncated_normal" if dist == "normal" else dist
        if dist not in _DISTRIBUTIONS:
            raise ArgumentError(f"{name}: distribution must be one of {_DISTRIBUTIONS}, got "
                                f"{distribution!r}. Hint: 'uniform' or 'truncated_normal'.")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, dist, seed

    def __call__(self, shape, dtype=None):
        rng = backend.make_rng(self.seed)
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            # uniform(-l, l) has variance l²/3
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), size=shape)
        else:  # truncated normal at 2 stddev; 0.8796... is the stddev of a unit normal cut there
            stddev = math.sqrt(variance) / 0.87962566103423978
            values = _truncated_normal(rng, stddev, shape)
        return values.astype(dtype or backend.floatx())

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution; only ``seed`` is free."""

    preset: tuple = (1.0, "fan_avg", "uniform")

    def __init__(self, seed=None):
        super().__init__(*self.preset, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Uniform in ±sqrt(6 / (fan_in + fan_out)); Keras's default kernel initializer.

    >>> GlorotUniform(seed=0)((4, 2)).shape
    (4, 2)
    """

    preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out)).

    >>> GlorotNormal(seed=0)((4, 2)).shape
    (4, 2)
    """

    preset = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """Truncated normal with stddev sqrt(2 / fan_in).

    >>> HeNormal(seed=0)((4, 2)).shape
    (4, 2)
    """

    preset = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """Uniform in ±sqrt(6 / fan_in).

    >>> HeUniform(seed=0)((4, 2)).shape
    (4, 2)
    """

    preset = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """Truncated normal with stddev sqrt(1 / fan_in) (for selu networks).

    >>> LecunNormal(seed=0)((4, 2)).shape
    (4, 2)
    """

    preset = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """Uniform in ±sqrt(3 / fan_in).

    >>> LecunUniform(seed=0)((4, 2)).shape
    (4, 2)
    """

    preset = (1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """``gain`` times a random orthogonal matrix (rows or columns orthonormal, whichever are
    fewer), reshaped to ``shape``: the Q of a QR decomposition of a normal matrix, signs fixed
    by R's diagonal so the result is uniformly distributed.

    >>> import numpy as np
    >>> q = Orthogonal(seed=0)((4, 4))
    >>> bool(np.allclose(q.T @ q, np.eye(4), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        number_arg(gain, "Orthogonal", "gain", hint="gain=1.0")
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ArgumentError(f"Orthogonal: the shape must have at least 2 axes, got {shape}. "
                                "Hint: use it for kernels, not biases.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        rng = backend.make_rng(self.seed)
        a = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        # Q·sign(diag R) makes the decomposition unique, so Q is Haar-distributed
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype or backend.floatx())

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; non-square gets ones on the diagonal).

    >>> Identity(gain=2.0)((2, 3)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain=1.0):
        number_arg(gain, "Identity", "gain", hint="gain=1.0")
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 2:
            raise ArgumentError(f"Identity: the shape must have exactly 2 axes, got {shape}. "
                                "Hint: it initializes square (or rectangular) matrices.")
        return (self.gain * np.eye(*shape)).astype(dtype or backend.floatx())

    def get_config(self):
        return {"gain": self.gain}


ALL: dict[str, type[Initializer]] = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal,
    "identity": Identity,
}
_CLASS_NAMES = {cls.__name__: cls for cls in ALL.values()}
# Keras's other spellings
_ALIASES = {"zero": Zeros, "one": Ones, "normal": RandomNormal, "uniform": RandomUniform,
            "OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity}


def _lookup(name):
    if not isinstance(name, str):
        return None
    return (ALL.get(name.lower()) or _CLASS_NAMES.get(name) or _ALIASES.get(name)
            or _ALIASES.get(name.lower()))


def get(identifier) -> Initializer:
    """An initializer from a name, a config dict, a class, an instance or a callable."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str):
        cls = _lookup(identifier)
        if cls is None:
            raise unknown_name("initializer", identifier, ALL)
        return cls()
    if isinstance(identifier, dict):
        cls = _lookup(identifier.get("class_name"))
        if cls is None:
            raise unknown_name("initializer", identifier.get("class_name"), _CLASS_NAMES)
        config = identifier.get("config", {}) or {}
        try:
            return cls.from_config(config)
        except TypeError as e:
            raise ArgumentError(
                f"Initializer {cls.__name__}: cannot build it from config {config!r} ({e}). "
                f"Hint: its config looks like {cls().get_config()}."
            ) from None
    if callable(identifier):
        return identifier
    raise unknown_name("initializer", identifier, ALL)


def serialize(init) -> dict | str:
    """``{"class_name", "config"}`` for an initializer; a function's name otherwise."""
    if isinstance(init, Initializer):
        return {"class_name": type(init).__name__, "config": init.get_config()}
    return getattr(init, "__name__", str(init))
