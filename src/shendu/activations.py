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

from . import ops
from .autograd import Tensor
from .backend import get_array_module
from .errors import ArgumentError, unknown_name
from .ops import activations as kernels
from .ops import nn_activations as nn_act
from .ops.activations import KERNELS, Kernel, get_kernel
from .ops.nn_statistics import Sparsemax as SparsemaxFn


def linear(x: Tensor) -> Tensor:
    """Identity: returns ``x`` unchanged."""
    return x


def relu(x: Tensor, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> Tensor:
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


class _Elementwise(Kernel):
    """An elementwise Function of :mod:`shendu.ops.nn_activations` (its ``f`` and ``df``) run
    as a kernel, so that ``Dense(4, activation="celu")`` fuses it as the others."""

    needs_input = True
    _op: type = None
    _args: tuple = ()  # (name, default): the settings, as Keras names them

    def __init__(self, **settings):
        names = dict(self._args)
        if set(settings) - set(names):
            raise ArgumentError(f"Activation {self.name!r}: unexpected arguments "
                                f"{sorted(set(settings) - set(names))}. Hint: it takes "
                                f"{list(names) or 'no arguments'}.")
        for key, default in self._args:
            setattr(self, key, nn_act._number(self.name, key, settings.get(key, default),
                                              positive=key == "alpha"))

    def _fn(self):
        return self._op(**{k: getattr(self, k) for k, _ in self._args})

    def forward_(self, z):
        return self._fn().f(get_array_module(z), z)

    def backward(self, z, y, gy):
        # dL/dz = gy · f'(z), with f' the op's own derivative
        return (gy * self._fn().df(get_array_module(gy), z, y)).astype(gy.dtype, copy=False)

    def get_config(self) -> dict:
        return {k: getattr(self, k) for k, _ in self._args}


def _kernel(name, op, args=()):
    return type(f"_{op.__name__}Kernel", (_Elementwise,), {"name": name, "_op": op,
                                                            "_args": args, "__doc__": op.__doc__})


_CELU = _kernel("celu", nn_act.CELU, (("alpha", 1.0),))
_HardShrink = _kernel("hard_shrink", nn_act.HardShrink, (("threshold", 0.5),))
_HardTanh = _kernel("hard_tanh", nn_act.HardTanh)
_LogSigmoid = _kernel("log_sigmoid", nn_act.LogSigmoid)
_SoftShrink = _kernel("soft_shrink", nn_act.SoftShrink, (("threshold", 0.5),))
_SparsePlus = _kernel("sparse_plus", nn_act.SparsePlus)
_SparseSigmoid = _kernel("sparse_sigmoid", nn_act.SparseSigmoid)
_Squareplus = _kernel("squareplus", nn_act.Squareplus, (("b", 4),))
_TanhShrink = _kernel("tanh_shrink", nn_act.TanhShrink)


class _Sparsemax(Kernel):
    """Sparsemax along ``axis``, with the math of :func:`shendu.ops.sparsemax`."""

    name = "sparsemax"

    def __init__(self, axis: int = -1):
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ArgumentError(f"Activation 'sparsemax': axis must be an integer, got "
                                f"{axis!r}. Hint: axis=-1 normalises over the last axis.")
        self.axis = axis

    def forward_(self, z):
        xp = get_array_module(z)
        return xp.moveaxis(SparsemaxFn().forward(xp.moveaxis(z, self.axis, -1)), -1, self.axis)

    def backward(self, z, y, gy):
        # on the support (y > 0): dL/dz = gy - mean of gy over the support; 0 off it
        xp = get_array_module(gy)
        fn = SparsemaxFn()
        fn.y = xp.moveaxis(y, self.axis, -1)
        return xp.moveaxis(fn.backward(xp.moveaxis(gy, self.axis, -1)), -1, self.axis)

    def get_config(self) -> dict:
        return {"axis": self.axis}


_NEW_KERNELS = (_CELU, _HardShrink, _HardTanh, _LogSigmoid, _SoftShrink, _SparsePlus,
                _SparseSigmoid, _Squareplus, _TanhShrink, _Sparsemax)
KERNELS.update({k.name: k for k in _NEW_KERNELS})  # the names layers and configs resolve


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """``x`` for x >= 0, ``alpha·(e^(x/alpha) - 1)`` otherwise.

    >>> import numpy as np
    >>> celu(np.array([-1.0, 2.0]), alpha=2.0).data.round(6)
    array([-0.786939,  2.      ])
    """
    return ops.celu(x, alpha=alpha)


def glu(x: Tensor, axis: int = -1) -> Tensor:
    """The gated linear unit: ``a·sigmoid(b)`` with a, b the halves of ``x`` along ``axis``.

    >>> import numpy as np
    >>> glu(np.array([[2.0, 0.0]])).data
    array([[1.]])
    """
    return ops.glu(x, axis=axis)


def hard_shrink(x: Tensor, threshold: float = 0.5) -> Tensor:
    """``x`` where ``|x| > threshold``, 0 elsewhere.

    >>> import numpy as np
    >>> hard_shrink(np.array([-1.0, 0.3, 0.6])).data
    array([-1. ,  0. ,  0.6])
    """
    return ops.hard_shrink(x, threshold=threshold)


def hard_tanh(x: Tensor) -> Tensor:
    """``clip(x, -1, 1)``.

    >>> import numpy as np
    >>> hard_tanh(np.array([-3.0, 0.5, 2.0])).data
    array([-1. ,  0.5,  1. ])
    """
    return ops.hard_tanh(x)


def log_sigmoid(x: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, without overflow.

    >>> import numpy as np
    >>> float(log_sigmoid(np.array([-1000.0])).data[0])
    -1000.0
    """
    return ops.log_sigmoid(x)


def soft_shrink(x: Tensor, threshold: float = 0.5) -> Tensor:
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0.

    >>> import numpy as np
    >>> soft_shrink(np.array([-2.0, 0.1, 1.0])).data
    array([-1.5,  0. ,  0.5])
    """
    return ops.soft_shrink(x, threshold=threshold)


def sparse_plus(x: Tensor) -> Tensor:
    """0 for x <= -1, ``x`` for x >= 1, ``(x + 1)²/4`` between.

    >>> import numpy as np
    >>> sparse_plus(np.array([-2.0, 0.0, 3.0])).data
    array([0.  , 0.25, 3.  ])
    """
    return ops.sparse_plus(x)


def sparse_sigmoid(x: Tensor) -> Tensor:
    """0 for x <= -1, 1 for x >= 1, ``(x + 1)/2`` between.

    >>> import numpy as np
    >>> sparse_sigmoid(np.array([-2.0, 0.0, 3.0])).data
    array([0. , 0.5, 1. ])
    """
    return ops.sparse_sigmoid(x)


def sparsemax(x: Tensor, axis: int = -1) -> Tensor:
    """Sparsemax along ``axis``: a distribution like softmax's, with exact zeros.

    >>> import numpy as np
    >>> sparsemax(np.array([1.0, 0.8, 0.0])).data
    array([0.6, 0.4, 0. ])
    """
    return ops.sparsemax(x, axis=axis)


def squareplus(x: Tensor, b: float = 4) -> Tensor:
    """``(x + sqrt(x² + b)) / 2``, a smooth relu.

    >>> import numpy as np
    >>> squareplus(np.array([0.0, 1.5])).data
    array([1., 2.])
    """
    return ops.squareplus(x, b=b)


def tanh_shrink(x: Tensor) -> Tensor:
    """``x - tanh(x)``.

    >>> import numpy as np
    >>> tanh_shrink(np.array([0.0, 1.0])).data.round(6)
    array([0.      , 0.238406])
    """
    return ops.tanh_shrink(x)


def threshold(x: Tensor, threshold: float, default_value: float) -> Tensor:
    """``x`` where ``x > threshold``, ``default_value`` elsewhere.

    >>> import numpy as np
    >>> threshold(np.array([-1.0, 0.5, 2.0]), 1.0, -5.0).data
    array([-5., -5.,  2.])
    """
    return ops.threshold(x, threshold, default_value)


# functions with no kernel: glu changes the shape; threshold has no defaults (as in Keras, a
# layer given activation="threshold" fails when called)
_FUNCTIONS: dict[str, Callable] = {"glu": glu, "threshold": threshold}


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
    if getattr(identifier, "__module__", None) == __name__ and name in KERNELS:
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
