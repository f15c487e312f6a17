"""The activation functions of ``keras.ops`` (gelu, silu, softplus, log_softmax, leaky_relu,
elu, selu) as ops that run the kernels of :mod:`.activations`, and ``normalize``.

Keras's defaults hold: ``gelu`` is the tanh approximation unless ``approximate=False``,
``leaky_relu``'s slope is 0.2, ``normalize`` divides by ``max(‖x‖, epsilon)``.

>>> import numpy as np
>>> from shendu import ops
>>> ops.leaky_relu(np.array([-1.0, 2.0])).data
array([-0.2,  2. ])
>>> ops.normalize(np.array([[3.0, 4.0]])).data
array([[0.6, 0.8]])
"""

from __future__ import annotations

from ..autograd import Tensor
from ..backend import epsilon as default_epsilon
from ..errors import ArgumentError
from .activations import GELU, SELU, LeakyReLU, LogSoftmax, Silu, Softplus, activation
from .arguments import check_axis, floating, is_int
from .rectifiers import ELU


def gelu(x, approximate: bool = True) -> Tensor:
    """x·Φ(x): its tanh approximation by default (as ``keras.ops.gelu``), exact with erf when
    ``approximate=False``."""
    return activation(floating(x), GELU(approximate=approximate))


def silu(x) -> Tensor:
    """x·σ(x) (swish)."""
    return activation(floating(x), Silu())


def softplus(x) -> Tensor:
    """log(1 + eˣ), without overflow."""
    return activation(floating(x), Softplus())


def log_softmax(x, axis: int = -1) -> Tensor:
    """x − log Σ eˣ along ``axis``, without overflow."""
    x = floating(x)
    check_axis("log_softmax", axis, x.ndim, allow_none=False)
    return activation(x, LogSoftmax(axis=axis))


def leaky_relu(x, negative_slope: float = 0.2) -> Tensor:
    """x for x > 0, ``negative_slope·x`` otherwise."""
    return activation(floating(x), LeakyReLU(negative_slope=negative_slope))


def elu(x, alpha: float = 1.0) -> Tensor:
    """x for x > 0, ``alpha·(eˣ − 1)`` otherwise."""
    return activation(floating(x), ELU(alpha=alpha))


def selu(x) -> Tensor:
    """``scale·elu(x, alpha)`` with the self-normalizing constants."""
    return activation(floating(x), SELU())


def normalize(x, axis: int | tuple[int, ...] | None = -1, order: int = 2,
              epsilon: float | None = None) -> Tensor:
    """``x / max(norm(x, ord=order, axis=axis), epsilon)``; epsilon defaults to
    ``backend.epsilon()``."""
    if not is_int(order) or order < 1:
        raise ArgumentError(f"normalize: order must be an int >= 1, got {order!r}. "
                            "Hint: order=2 (Euclidean) or order=1.")
    x = floating(x)
    eps = default_epsilon() if epsilon is None else float(epsilon)
    if order == 2:
        from .normalization import l2_normalize

        axes = check_axis("normalize", axis, x.ndim)
        return l2_normalize(x, axis=tuple(range(x.ndim)) if axes is None else axes,
                            epsilon=eps)
    from .math import divide, maximum
    from .norms import norm

    return divide(x, maximum(norm(x, ord=int(order), axis=axis, keepdims=True), eps))
