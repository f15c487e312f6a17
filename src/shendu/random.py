"""keras.random: random tensors for custom layers, with Keras 3's seeds.

``seed`` is None (draw from the global generator that ``keras.utils.set_random_seed`` resets),
an int (the same values on every call, as in Keras), or a :class:`SeedGenerator` (a stream
of its own: new values on every call, repeatable from its seed). The results are constants,
except :func:`dropout`, whose gradient flows to its inputs.

>>> from shendu import random
>>> a = random.normal((2, 3), seed=7)
>>> bool((a.data == random.normal((2, 3), seed=7).data).all())  # an int seed repeats
True
>>> stream = random.SeedGenerator(7)
>>> bool((random.uniform((2,), seed=stream).data != random.uniform((2,), seed=stream).data).all())
True
"""

from __future__ import annotations

import numbers

import numpy as np

from . import backend
from .autograd import Tensor, as_tensor
from .errors import ArgumentError, ShapeError

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]


class SeedGenerator:
    """A random stream: each op given it draws new values; the same seed gives the same stream.

    A custom layer keeps one as an attribute (``self.seed_generator = SeedGenerator(1337)``);
    BackupAndRestore saves and restores its state with the layer's.

    >>> g = SeedGenerator(3)
    >>> bool((normal((2,), seed=g).data == normal((2,), seed=SeedGenerator(3)).data).all())
    True
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ArgumentError(f"SeedGenerator: unknown argument(s) {sorted(kwargs)}. Hint: "
                                "SeedGenerator(seed=1337).")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
                                 or seed < 0):
            raise ArgumentError(f"SeedGenerator: seed must be a non-negative int or None, got "
                                f"{seed!r}. Hint: SeedGenerator(1337).")
        self.seed = seed
        self.name = name or "seed_generator"
        # without a seed, the stream itself is seeded from the global generator (repeatable
        # after keras.utils.set_random_seed)
        start = seed if seed is not None else int(backend.rng().integers(2 ** 63))
        self.generator = np.random.default_rng(start)

    def next(self) -> np.random.Generator:
        return self.generator

    def get_config(self) -> dict:
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> SeedGenerator:
        return cls(**config)


def _generator(seed, where: str) -> np.random.Generator:
    if seed is None:
        return backend.rng()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ArgumentError(f"random.{where}: seed must be None, a non-negative int or a "
                            f"SeedGenerator, got {seed!r}. Hint: seed=keras.random."
                            "SeedGenerator(1337) for new values on every call.")
    return np.random.default_rng(int(seed))


def _shape(shape, where: str) -> tuple:
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(int(d) for d in shape)
    except TypeError:
        dims = None
    if dims is None or any(d < 0 for d in dims):
        raise ShapeError(f"random.{where}: shape must be a tuple of non-negative ints, got "
                         f"{shape!r}. Hint: shape=(batch, dim), e.g. (ops.shape(x)[0], 8).")
    return dims


def _float(dtype, where: str) -> np.dtype:
    dtype = np.dtype(dtype or backend.floatx())
    if dtype.kind != "f":
        raise ArgumentError(f"random.{where}: dtype must be a float dtype, got {dtype}. Hint: "
                            "leave it None for floatx(), or use randint for integers.")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Draws from N(mean, stddev²)."""
    g = _generator(seed, "normal")
    return Tensor(g.normal(mean, stddev, _shape(shape, "normal")).astype(_float(dtype, "normal")))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    """Draws from U[minval, maxval)."""
    if not minval < maxval:
        raise ArgumentError(f"random.uniform: minval must be below maxval, got {minval} and "
                            f"{maxval}. Hint: uniform(shape, minval=-1.0, maxval=1.0).")
    g = _generator(seed, "uniform")
    values = g.uniform(minval, maxval, _shape(shape, "uniform"))
    return Tensor(values.astype(_float(dtype, "uniform")))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """N(mean, stddev²) with draws beyond two standard deviations drawn again (as Keras)."""
    g = _generator(seed, "truncated_normal")
    values = g.standard_normal(_shape(shape, "truncated_normal"))
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = g.standard_normal(int(bad.sum()))
        bad = np.abs(values) > 2
    return Tensor((mean + stddev * values).astype(_float(dtype, "truncated_normal")))


def randint(shape, minval, maxval, dtype="int32", seed=None) -> Tensor:
    """Integers in [minval, maxval)."""
    if not minval < maxval:
        raise ArgumentError(f"random.randint: minval must be below maxval, got {minval} and "
                            f"{maxval}. Hint: randint(shape, 0, 10) gives 0..9.")
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise ArgumentError(f"random.randint: dtype must be an integer dtype, got {dtype}.")
    g = _generator(seed, "randint")
    return Tensor(g.integers(minval, maxval, _shape(shape, "randint")).astype(dtype))


def categorical(logits, num_samples, dtype="int32", seed=None) -> Tensor:
    """``num_samples`` class indices for each row of (batch, classes) unnormalised log-probs."""
    z = np.asarray(as_tensor(logits).data, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] == 0:
        raise ShapeError(f"random.categorical: logits must be (batch, classes), got shape "
                         f"{z.shape}. Hint: logits[None] for a single distribution.")
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    g = _generator(seed, "categorical")
    # inverse CDF: one uniform draw per sample, searched in each row's cumulative sums
    cdf = np.cumsum(p, axis=1)
    u = g.random((z.shape[0], int(num_samples))) * cdf[:, -1:]
    out = np.stack([np.searchsorted(row, draws, side="right") for row, draws in zip(cdf, u)])
    return Tensor(np.minimum(out, z.shape[1] - 1).astype(dtype))


def gamma(shape, alpha, dtype=None, seed=None) -> Tensor:
    """Draws from Gamma(alpha, 1)."""
    g = _generator(seed, "gamma")
    return Tensor(g.gamma(alpha, 1.0, _shape(shape, "gamma")).astype(_float(dtype, "gamma")))


def beta(shape, alpha, beta, dtype=None, seed=None) -> Tensor:
    """Draws from Beta(alpha, beta)."""
    g = _generator(seed, "beta")
    return Tensor(g.beta(alpha, beta, _shape(shape, "beta")).astype(_float(dtype, "beta")))


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> Tensor:
    """Draws from Binomial(counts, probabilities), as floats (Keras's default dtype)."""
    g = _generator(seed, "binomial")
    values = g.binomial(np.asarray(counts), np.asarray(probabilities), _shape(shape, "binomial"))
    return Tensor(values.astype(_float(dtype, "binomial")))


def dropout(inputs, rate, noise_shape=None, seed=None) -> Tensor:
    """Zero each value with probability ``rate``, scale the rest by 1 / (1 − rate); the
    gradient flows to ``inputs`` through the kept values."""
    if not 0 <= rate < 1:
        raise ArgumentError(f"random.dropout: rate must be in [0, 1), got {rate!r}. Hint: "
                            "rate=0.5 drops half.")
    x = as_tensor(inputs)
    shape = x.shape if noise_shape is None else tuple(
        d if n is None else n for n, d in zip(noise_shape, x.shape))
    keep = _generator(seed, "dropout").random(shape) >= rate
    return x * Tensor((keep / (1 - rate)).astype(x.dtype))


def shuffle(x, axis=0, seed=None) -> Tensor:
    """x with its slices along ``axis`` in a random order."""
    t = as_tensor(x)
    if t.ndim == 0:
        raise ShapeError("random.shuffle: x must have at least one axis, got a scalar.")
    order = _generator(seed, "shuffle").permutation(t.shape[axis])
    return Tensor(np.take(np.asarray(t.data), order, axis=axis))
