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
from .initializer_base import Initializer
from .matrix_initializers import STFT, Identity, Orthogonal
from .number_args import number_arg


def _fans(shape, input_axes=None, output_axes=None) -> tuple[float, float]:
    """fan_in, fan_out as Keras computes them (receptive field times channels for kernels), or
    the products of the sizes on ``input_axes`` and ``output_axes`` when both are given."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (float(math.prod(shape[a] for a in input_axes)),
                float(math.prod(shape[a] for a in output_axes)))
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)



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
    ``input_axes`` and ``output_axes`` (both or neither) name the axes whose sizes multiply into
    fan_in and fan_out, for kernels that are not (..., in, out).

    >>> VarianceScaling(2.0, "fan_in", "uniform", seed=0)((50, 20)).shape
    (50, 20)
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        name = type(self).__name__
        for arg, axes in (("input_axes", input_axes), ("output_axes", output_axes)):
            if axes is not None and not (isinstance(axes, (list, tuple)) and all(
                    isinstance(a, int) and not isinstance(a, bool) for a in axes)):
                raise ArgumentError(f"{name}: {arg} must be None or a list of axis numbers, got "
                                    f"{axes!r}. Hint: input_axes=[0], output_axes=[1, 2].")
        self.input_axes = None if input_axes is None else list(input_axes)
        self.output_axes = None if output_axes is None else list(output_axes)
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
        fan_in, fan_out = _fans(shape, self.input_axes, self.output_axes)
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
                "seed": self.seed, **self._axes_config()}

    def _axes_config(self) -> dict:
        if self.input_axes is None and self.output_axes is None:
            return {}
        return {"input_axes": self.input_axes, "output_axes": self.output_axes}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution; only ``seed`` is free."""

    preset: tuple = (1.0, "fan_avg", "uniform")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(*self.preset, seed=seed, input_axes=input_axes,
                         output_axes=output_axes)

    def get_config(self):
        return {"seed": self.seed, **self._axes_config()}


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
            "OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity,
            "STFT": STFT, "STFTInitializer": STFT, "stft": STFT}

# keras.initializers exports each class under these names as well (the same objects)
IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT
constant, glorot_normal, glorot_uniform, he_normal, he_uniform = (
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform)
identity, lecun_normal, lecun_uniform, ones, orthogonal = (
    Identity, LecunNormal, LecunUniform, Ones, Orthogonal)
random_normal, random_uniform, stft, truncated_normal, variance_scaling, zeros = (
    RandomNormal, RandomUniform, STFT, TruncatedNormal, VarianceScaling, Zeros)


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


def deserialize(config, custom_objects=None) -> Initializer:
    """The initializer a config describes: shendu's ``{"class_name", "config"}`` or Keras 3's
    ``{"module", "class_name", "config", "registered_name"}`` (the module is never imported;
    ``custom_objects`` may map a class name to a class of the user's).

    >>> deserialize({"module": "keras.initializers", "class_name": "Constant",
    ...              "config": {"value": 0.5}, "registered_name": None})((2,)).tolist()
    [0.5, 0.5]
    """
    if not isinstance(config, dict):
        raise ArgumentError(f"initializers.deserialize: expected a config dict, got "
                            f"{type(config).__name__} ({config!r:.60}). Hint: pass what "
                            "initializers.serialize(init) returns, or use initializers.get.")
    custom = (custom_objects or {}).get(config.get("class_name"))
    if isinstance(custom, type):
        return custom.from_config(config.get("config") or {})
    return get(config)


def serialize(init) -> dict | str:
    """``{"class_name", "config"}`` for an initializer; a function's name otherwise."""
    if isinstance(init, Initializer):
        return {"class_name": type(init).__name__, "config": init.get_config()}
    return getattr(init, "__name__", str(init))
