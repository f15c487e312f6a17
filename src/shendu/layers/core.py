"""Input, Dense and Activation.

>>> import numpy as np
>>> from shendu.layers import Dense
>>> layer = Dense(3, activation="relu")
>>> layer(np.ones((2, 5))).shape
(2, 3)
>>> [w.shape for w in layer.get_weights()]
[(5, 3), (3,)]
"""

from __future__ import annotations

import numpy as np

from .. import activations, ops
from ..autograd import Tensor, no_grad
from ..errors import ArgumentError, ShapeError
from ..ops.activations import Activation as ActivationFn
from ..ops.activations import Kernel, Sigmoid, Softmax
from ..ops.activations import Linear as LinearKernel
from ..ops.fused import Linear as FusedLinear
from .base import STANDARD_WEIGHT_OPTIONS, Layer, shape_arg
from .node import Node, SymbolicTensor


class InputLayer(Layer):
    """Declares the shape of a model's input (batch axis excluded)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, **kwargs):
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        text = dtype in ("string", "str", str)  # strings for a TextVectorization first layer
        super().__init__(name=name, dtype=None if text else dtype, **kwargs)
        if text:
            self.dtype = "string"
        if shape is None:
            raise ArgumentError(f"InputLayer '{self.name}': expected shape=(features, ...), got "
                                "None. Hint: Input(shape=(4,)) for 4 features per sample.")
        self.shape = shape_arg(shape, f"InputLayer '{self.name}'", "shape")
        self.batch_size = batch_size
        self._input_shape_arg = self.shape
        self.built = True
        symbol = SymbolicTensor((batch_size,) + self.shape, self.compute_dtype, name=self.name)
        Node(self, [], [symbol])

    def get_config(self):
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}


def Input(shape=None, batch_size=None, dtype=None, name=None) -> SymbolicTensor:
    """``keras.Input``: a symbolic input for a functional model, or a Sequential's first entry.

    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense, Input
    >>> model = Sequential([Input(shape=(4,)), Dense(2)])
    >>> model.count_params()
    10
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name)
    return layer.output


class Dense(Layer):
    """``y = activation(x @ kernel + bias)`` on the last axis, as one fused op.

    >>> import numpy as np
    >>> Dense(4, activation="sigmoid")(np.zeros((1, 2))).data
    array([[0.5, 0.5, 0.5, 0.5]], dtype=float32)
    """

    supports_masking = True  # a time mask passes through unchanged

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ArgumentError(
                f"Dense '{self.name}': units must be a positive integer, got {units!r}. "
                "Hint: Dense(64) for 64 neurons."
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self._set_weight_options(
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ShapeError(
                f"Dense '{self.name}': expected inputs of shape (batch, ..., features), got "
                f"shape {tuple(input_shape)}. Hint: one sample? use x.reshape(1, -1); one "
                "feature per sample? use x.reshape(-1, 1)."
            )
        if not input_shape[-1]:
            raise ShapeError(
                f"Dense '{self.name}': the last axis of its input must have a known size > 0, got "
                f"shape {tuple(input_shape)}. Hint: give Input a fixed number of features, "
                "e.g. Input(shape=(None, 16)), or pool/flatten a varying axis first."
            )
        self.input_dim = int(input_shape[-1])
        self.kernel = self.add_weight((self.input_dim, self.units), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((self.units,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        if inputs.ndim < 2 or inputs.shape[-1] != self.input_dim:
            if inputs.ndim < 2:
                raise ShapeError(
                    f"Dense '{self.name}': expected inputs of shape (batch, ..., "
                    f"{self.input_dim}), got shape {tuple(inputs.shape)}, which has no batch "
                    "axis. Hint: one sample? use x.reshape(1, -1)."
                )
            raise ShapeError(
                f"Dense '{self.name}': expected inputs with {self.input_dim} features on the last "
                f"axis, got shape {tuple(inputs.shape)}. Hint: the layer was built for "
                f"{self.input_dim} features; check the columns of x."
            )
        if isinstance(self.activation, Kernel):
            out = ops.linear(inputs, self.kernel, self.bias, self.activation)
        else:
            out = self.activation(ops.linear(inputs, self.kernel, self.bias))
        return out

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[:-1]) + (self.units,)
        if isinstance(self.activation, Kernel):  # a kernel keeps the shape
            return shape
        return _activated_shape(self.activation, shape, self.compute_dtype)

    def chain_steps(self, training=False):
        """The ops of ``call`` as (Function, weights) pairs, for the Sequential fast path."""
        if not isinstance(self.activation, Kernel):
            return None
        weights = [self.kernel] if self.bias is None else [self.kernel, self.bias]
        if isinstance(self.activation, (Sigmoid, Softmax)):  # logits stay visible to the loss
            return [(FusedLinear(kernel=LinearKernel()), weights),
                    (ActivationFn(kernel=self.activation), [])]
        return [(FusedLinear(kernel=self.activation), weights)]

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            **self._weight_options_config(*STANDARD_WEIGHT_OPTIONS),
        )
        return config


def _activated_shape(fn, shape, dtype):
    """The shape ``fn`` returns for inputs of ``shape``, found as Keras does by running it
    (on zeros, a None axis as 1, kept None where the rank is kept); ``shape`` itself when
    ``fn`` cannot run on zeros (a call then reports the error).

    >>> from shendu import activations
    >>> _activated_shape(activations.glu, (None, 4), "float32")
    (None, 2)
    """
    probe = tuple(1 if d is None else d for d in shape)
    try:
        with no_grad():
            out = fn(Tensor(np.zeros(probe, dtype=dtype)))
    except Exception:  # noqa: BLE001 - a custom function may refuse zeros; call() reports it
        return shape
    got = tuple(getattr(out, "shape", probe))
    if len(got) != len(shape):
        return (shape[0],) + got[1:]
    return tuple(None if d is None and g == 1 else g for d, g in zip(shape, got))


class Activation(Layer):
    """Applies an activation function by name or function.

    >>> import numpy as np
    >>> Activation("relu")(np.array([[-1.0, 1.0]])).data
    array([[0., 1.]], dtype=float32)

    A kernel (relu, tanh, ...) keeps the shape; any other function (glu, a user function) is
    run once on zeros to find the output shape, as Dense does:

    >>> [Activation(fn).compute_output_shape((None, 8)) for fn in ("relu", "glu")]
    [(None, 8), (None, 4)]
    """

    supports_masking = True  # a time mask passes through unchanged

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        if isinstance(self.activation, Kernel):
            return ops.activation(inputs, self.activation)
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        if isinstance(self.activation, Kernel):  # a kernel keeps the shape
            return tuple(input_shape)
        return _activated_shape(self.activation, tuple(input_shape), self.compute_dtype)

    def chain_steps(self, training=False):
        """The op of ``call`` as a (Function, weights) pair, for the Sequential fast path."""
        if not isinstance(self.activation, Kernel):
            return None
        if isinstance(self.activation, LinearKernel):
            return []
        return [(ActivationFn(kernel=self.activation), [])]

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
