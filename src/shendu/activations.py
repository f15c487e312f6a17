"""Activation functions by name and as functions on tensors, as in ``keras.activations``.

Each function runs one kernel of :mod:`shendu.ops.activations` as one differentiable op; the
same kernel runs fused inside ``Dense(..., activation="gelu")``. :func:`get` turns a name, a
config or one of these functions into a kernel, and :func:`serialize` turns it back: a plain
name, or ``{"class_name": "relu", "config": {...}}`` when its arguments are not the defaults.

>>> import numpy as np
>>> from shendu import activations
>>> from shendu.autograd import Tensor
>>> activations.relu(Tensor(np.array([-2.0, 3.0]))).data
array([0., 3.])
>>> activations.relu(Tensor(np.array([-2.0, 3.0])), negative_slope=0.5, max_value=2.0).data
array([-1.,  2.])
>>> activations.serialize(activations.get({"class_name": "elu", "config": {"alpha": 0.5}}))
{'class_name': 'elu', 'config': {'alpha': 0.5}}
"""

from __future__ import annotations

from collections.abc import Callable

from . import activations_extra, ops
from .activations_extra import (  # noqa: F401 - Keras 3's newer activations, re-exported
    FUNCTIONS,
    celu,
    glu,
    hard_shrink,
    hard_tanh,
    log_sigmoid,
    soft_shrink,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    tanh_shrink,
    threshold,
)
from .autograd import Tensor
from .errors import ArgumentError, unknown_name
from .ops import activations as kernels
from .ops.activations import KERNELS, Kernel, get_kernel

_FUNCTIONS = FUNCTIONS  # the functions with no kernel (glu, threshold), by name
_OWN_MODULES = (__name__, activations_extra.__name__)  # where a shendu activation function lives


def linear(x: Tensor) -> Tensor:
    """Identity: returns ``x`` unchanged."""
    return x


def relu(x: Tensor, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> Tensor:  # noqa: F811 - a local name, as in Keras
    """``x`` above ``threshold`` (capped at ``max_value``), else
    ``negative_slope·(x - threshold)``."""
    return ops.activation(x, kernels.ReLU(negative_slope, max_value, threshold))


def leaky_relu(x: Tensor, negative_slope: float = 0.2) -> Tensor:
    """``x`` for x > 0, ``negative_slope·x`` otherwise."""
    return ops.activation(x, kernels.LeakyReLU(negative_slope))


def relu6(x: Tensor) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return ops.activation(x, kernels.ReLU6())


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """``x`` for x > 0, ``alpha·(eˣ - 1)`` otherwise."""
    return ops.activation(x, kernels.ELU(alpha))


def selu(x: Tensor) -> Tensor:
    """``scale·elu(x, alpha)``, alpha ≈ 1.67326324 and scale ≈ 1.05070098."""
    return ops.activation(x, kernels.SELU())


def gelu(x: Tensor, approximate: bool = False) -> Tensor:
    """``x·Φ(x)`` with Φ the normal CDF; ``approximate=True`` uses the tanh formula."""
    return ops.activation(x, kernels.GELU(approximate))


def silu(x: Tensor) -> Tensor:
    """``x·sigmoid(x)``, also called swish."""
    return ops.activation(x, kernels.Silu())


swish = silu


def softplus(x: Tensor) -> Tensor:
    """``log(eˣ + 1)``."""
    return ops.activation(x, kernels.Softplus())


def softsign(x: Tensor) -> Tensor:
    """``x / (|x| + 1)``."""
    return ops.activation(x, kernels.Softsign())


def hard_sigmoid(x: Tensor) -> Tensor:
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, ``x/6 + 1/2`` between."""
    return ops.activation(x, kernels.HardSigmoid())


def hard_silu(x: Tensor) -> Tensor:
    """``x·hard_sigmoid(x)``, also called hard_swish."""
    return ops.activation(x, kernels.HardSilu())


hard_swish = hard_silu


def exponential(x: Tensor) -> Tensor:
    """``eˣ``."""
    return ops.activation(x, kernels.Exponential())


def mish(x: Tensor) -> Tensor:
    """``x·tanh(softplus(x))``."""
    return ops.activation(x, kernels.Mish())


def sigmoid(x: Tensor) -> Tensor:
    """``1 / (1 + e⁻ˣ)``."""
    return ops.activation(x, "sigmoid")


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return ops.activation(x, "tanh")


def softmax(x: Tensor, axis: int | tuple[int, ...] = -1) -> Tensor:
    """``eˣ / Σ eˣ`` along ``axis``."""
    return ops.activation(x, kernels.Softmax(axis))


def log_softmax(x: Tensor, axis: int | tuple[int, ...] = -1) -> Tensor:
    """``x - log Σ eˣ`` along ``axis``."""
    return ops.activation(x, kernels.LogSoftmax(axis))


def _by_name(name) -> Kernel | Callable:
    if isinstance(name, str) and name.lower() in _FUNCTIONS:
        return _FUNCTIONS[name.lower()]
    if name is None or isinstance(name, Kernel) or (isinstance(name, str)
                                                      and name.lower() in KERNELS):
        return get_kernel(name)
    raise unknown_name("activation", name, [*KERNELS, *_FUNCTIONS])


def _from_config(name, config) -> Kernel:
    if isinstance(name, str) and name.lower() in KERNELS:
        cls = KERNELS[name.lower()]
        try:
            return cls(**(config or {}))
        except TypeError as e:
            raise ArgumentError(
                f"Activation {name!r}: cannot build it from config {config!r} ({e}). Hint: the "
                f"config holds its arguments, e.g. {cls().get_config() or '{}'}."
            ) from None
    if isinstance(name, str) and name.lower() in _FUNCTIONS and not config:
        return _FUNCTIONS[name.lower()]
    raise unknown_name("activation", name, [*KERNELS, *_FUNCTIONS])


def get(identifier) -> Kernel | Callable:
    """A kernel for a name, a config dict or a shendu function; other callables as they are.

    >>> get("swish").name
    'silu'
    """
    if identifier is None or isinstance(identifier, (str, Kernel)):
        return _by_name(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Kernel):
        return identifier()
    if isinstance(identifier, dict):
        name, config = identifier.get("class_name"), identifier.get("config")
        if name == "function" and isinstance(config, str):  # Keras 3's saved form
            return _by_name(config)
        if config is not None and not isinstance(config, dict):
            raise ArgumentError(f"Activation config: expected {{'class_name': name, 'config': "
                                f"{{...}}}}, got {identifier!r}. Hint: use serialize().")
        return _from_config(name, config)
    name = getattr(identifier, "__name__", None)
    if getattr(identifier, "__module__", None) in _OWN_MODULES and name in KERNELS:
        return get_kernel(name)
    if callable(identifier):
        return identifier
    return _by_name(identifier)


def serialize(activation) -> str | dict:
    """The name (or, for non-default arguments, the dict) that :func:`get` turns back."""
    if isinstance(activation, Kernel):
        config = activation.get_config()
        if config == type(activation)().get_config():
            return activation.name
        return {"class_name": activation.name, "config": config}
    return getattr(activation, "__name__", str(activation))


def deserialize(config, custom_objects=None) -> Kernel | Callable:
    """The inverse of :func:`serialize` (as :func:`get`, after looking a name up in
    ``custom_objects``).

    >>> deserialize("celu").name
    'celu'
    """
    if custom_objects and isinstance(config, str) and config in custom_objects:
        return custom_objects[config]
    if custom_objects and isinstance(config, dict) and isinstance(config.get("config"), str) \
            and config.get("class_name") == "function" and config["config"] in custom_objects:
        return custom_objects[config["config"]]
    return get(config)
