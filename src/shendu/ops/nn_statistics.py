"""Keras's statistics-and-normalization functions of ``keras.ops.nn``: ``moments``,
``batch_normalization`` (with given statistics), ``layer_normalization``, ``psnr`` and
``sparsemax`` (the Euclidean projection onto the simplex, with its backward).

>>> import numpy as np
>>> mean, variance = moments(np.array([0.0, 1.0, 2.0, 3.0, 100.0]), axes=[0])
>>> float(mean.data), round(float(variance.data), 2)
(21.2, 1553.36)
"""

from __future__ import annotations

import warnings
from math import prod

from ..autograd import Function, Tensor
from ..backend import epsilon as default_epsilon
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from . import math as m
from .arguments import check_axis, check_one_axis, data, floating
from .exponents import log10
from .normalization import LayerNorm
from .shape import mean as _mean
from .shape import reshape, squeeze


def moments(x, axes, keepdims: bool = False, synchronized: bool = False) -> tuple[Tensor, Tensor]:
    """The mean and the (biased) variance of ``x`` over ``axes``; ``synchronized`` (across
    devices) changes nothing on one device.

    >>> import numpy as np
    >>> [t.shape for t in moments(np.ones((2, 3, 4)), axes=(0, 1), keepdims=True)]
    [(1, 1, 4), (1, 1, 4)]
    """
    x = floating(x)
    axes = check_axis("moments", axes, x.ndim, allow_none=True, name="axes")
    mu = _mean(x, axis=axes, keepdims=True)
    centred = m.subtract(x, mu)
    var = _mean(m.multiply(centred, centred), axis=axes, keepdims=True)
    if not keepdims:
        drop = axes if axes is not None else tuple(range(x.ndim))
        mu, var = squeeze(mu, drop), squeeze(var, drop)
    return mu, var


def _feature_vector(op: str, name: str, v, length: int, like: Tensor):
    if v is None:
        return None
    v = floating(v)
    if v.shape != (length,):
        raise ShapeError(f"{op}: {name} must be a vector of length x.shape[axis] = {length}, "
                         f"got shape {v.shape}. Hint: one value per feature.")
    return v if v.dtype == like.dtype else m.multiply(v, like.dtype.type(1))


def batch_normalization(x, mean, variance, axis: int, offset=None, scale=None,
                        epsilon: float = 1e-3) -> Tensor:
    """(x − mean) · scale / √(variance + epsilon) + offset with per-feature vectors along
    ``axis``; every argument that is a Tensor gets its gradient.

    >>> import numpy as np
    >>> batch_normalization(np.array([[1.0, 4.0]]), np.array([1.0, 2.0]),
    ...                     np.array([1.0, 4.0]), axis=-1, epsilon=0.0).data
    array([[0., 1.]])
    """
    x = floating(x)
    axis = check_one_axis("batch_normalization", axis, x.ndim)
    n = x.shape[axis]
    mu, var, beta, gamma = (_feature_vector("batch_normalization", name, v, n, x)
                            for name, v in (("mean", mean), ("variance", variance),
                                            ("offset", offset), ("scale", scale)))
    shape = tuple(n if a == axis else 1 for a in range(x.ndim))
    # y = x · inv + (β − μ · inv),  inv = γ / √(σ² + ε)
    inv = m.power(m.add(reshape(var, shape), float(epsilon)), -0.5)
    if gamma is not None:
        inv = m.multiply(inv, reshape(gamma, shape))
    res = m.negative(m.multiply(reshape(mu, shape), inv))
    if beta is not None:
        res = m.add(res, reshape(beta, shape))
    return m.add(m.multiply(x, inv), res)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs) -> Tensor:
    """(x − μ) / √(σ² + epsilon) · gamma + beta with the statistics of each sample over
    ``axis`` (an int or a tuple); epsilon defaults to ``backend.epsilon()`` (1e-7), as in Keras.

    >>> import numpy as np
    >>> layer_normalization(np.arange(5.0)).data.round(4)
    array([-1.4142, -0.7071,  0.    ,  0.7071,  1.4142])
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise ArgumentError(f"layer_normalization: unexpected keyword argument(s) "
                            f"{sorted(kwargs)}. Hint: gamma, beta, axis and epsilon.")
    x = floating(x)
    axes = check_axis("layer_normalization", axis, x.ndim, allow_none=False)
    eps = default_epsilon() if epsilon is None else float(epsilon)
    features = tuple(x.shape[a] for a in sorted(axes))
    params = []
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p is not None:
            p = floating(p)
            if p.size != prod(features):
                raise ShapeError(f"layer_normalization: {name} must hold one value per "
                                 f"normalized position {features}, got shape {p.shape}. "
                                 "Hint: shape it like x on axis.")
            params.append(reshape(p, features))
    if rms_scaling:
        warnings.warn("layer_normalization: rms_scaling=True is deprecated in Keras (it scales "
                      "by the variance); use ops.rms_normalization.", stacklevel=2)
        var = moments(x, tuple(sorted(axes)), keepdims=True)[1]
        y = m.multiply(x, m.power(m.add(var, eps), -0.5))
        if gamma is not None:
            shape = tuple(x.shape[a] if a in axes else 1 for a in range(x.ndim))
            y = m.multiply(y, reshape(params[0], shape))
        return y
    return LayerNorm.apply(x, *params, axes=tuple(sorted(axes)), epsilon=eps,
                           scale=gamma is not None, center=beta is not None)


def psnr(x1, x2, max_val) -> Tensor:
    """Peak signal-to-noise ratio in dB: 20 log₁₀(max_val) − 10 log₁₀(mean((x1 − x2)²)).

    >>> import numpy as np
    >>> round(float(psnr(np.zeros((2, 3)), np.full((2, 3), 0.5), 1.0).data), 4)
    6.0206
    """
    x1, x2 = floating(x1), floating(x2)
    if x1.shape != x2.shape:
        raise ShapeError(f"psnr: x1 and x2 must have the same shape, got {x1.shape} and "
                         f"{x2.shape}. Hint: compare an image with its reconstruction.")
    diff = m.subtract(x1, x2)
    mse = _mean(m.multiply(diff, diff))
    peak = Tensor(get_array_module(x1.data).asarray(data(max_val), dtype=x1.dtype)) \
        if not isinstance(max_val, Tensor) else max_val
    return m.subtract(m.multiply(log10(peak), 20.0), m.multiply(log10(mse), 10.0))


class Sparsemax(Function):
    """y = max(x − τ, 0) along the last axis, τ chosen so that Σ y = 1: with x sorted
    decreasingly, k the largest j where 1 + j·x₍ⱼ₎ > Σ_{i≤j} x₍ᵢ₎, τ = (Σ_{i≤k} x₍ᵢ₎ − 1)/k."""

    def forward(self, x):
        xp = get_array_module(x)
        z = -xp.sort(-x, axis=-1)
        cum = xp.cumsum(z, axis=-1)
        rank = xp.arange(1, x.shape[-1] + 1, dtype=x.dtype)
        k = (1 + rank * z > cum).sum(axis=-1, keepdims=True)
        tau = (xp.take_along_axis(cum, k - 1, axis=-1) - 1) / k
        self.y = xp.maximum(x - tau, 0)
        return self.y

    def backward(self, g):
        # on the support S (y > 0): dL/dx = g − mean_S(g); off it: 0
        on = (self.y > 0).astype(g.dtype)
        along = (g * on).sum(axis=-1, keepdims=True) / on.sum(axis=-1, keepdims=True)
        return on * (g - along)


def sparsemax(x, axis: int = -1) -> Tensor:
    """Sparsemax along ``axis``: like softmax, a distribution, but with exact zeros.

    Keras 3.15 computes τ from the sum of the running sums (a bug: its outputs do not sum to
    1 once two or more entries are kept); this follows the definition (Martins & Astudillo,
    2016), and agrees with Keras whenever one entry is kept.

    >>> import numpy as np
    >>> sparsemax(np.array([1.0, 0.8, 0.0])).data
    array([0.6, 0.4, 0. ])
    """
    x = floating(x)
    axis = check_one_axis("sparsemax", axis, x.ndim)
    if axis == x.ndim - 1:
        return Sparsemax.apply(x)
    from .arrangement import moveaxis

    return moveaxis(Sparsemax.apply(moveaxis(x, axis, -1)), -1, axis)
