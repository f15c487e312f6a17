"""Differentiable functions on :class:`~shendu.autograd.Tensor`: each forward with its backward.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> ops.add(Tensor(np.ones(2)), 1.0).data
array([2., 2.])
"""

from .activations import Kernel, activation, get_kernel, relu, sigmoid, softmax, tanh
from .compare import (
    argmax,
    argmin,
    cast,
    convert_to_numpy,
    convert_to_tensor,
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    not_equal,
)
from .conv import conv, conv_transpose, depthwise_conv
from .fused import (
    linear,
    sigmoid_binary_crossentropy,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
    squared_difference,
)
from .math import (
    abs,
    add,
    clip,
    divide,
    exp,
    log,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    sqrt,
    square,
    subtract,
    unbroadcast,
    where,
)
from .normalization import batch_norm, group_norm, l2_normalize, layer_norm
from .pooling import avg_pool, max_pool
from .shape import (
    broadcast_to,
    concatenate,
    expand_dims,
    getitem,
    matmul,
    max,
    mean,
    min,
    reshape,
    squeeze,
    stack,
    sum,
    transpose,
)

__all__ = [
    "Kernel", "abs", "activation", "add", "broadcast_to", "clip", "concatenate", "divide",
    "exp", "expand_dims", "get_kernel", "getitem", "linear", "log", "matmul", "max",
    "maximum", "mean", "min", "minimum", "multiply", "negative", "power", "relu", "reshape",
    "sigmoid", "sigmoid_binary_crossentropy", "softmax", "softmax_cross_entropy", "sqrt",
    "square", "squeeze", "stack", "subtract", "sum", "tanh", "transpose", "unbroadcast",
    "sparse_softmax_cross_entropy", "squared_difference", "where",
    "batch_norm", "group_norm", "l2_normalize", "layer_norm",
    "avg_pool", "conv", "conv_transpose", "depthwise_conv", "max_pool",
    "argmax", "argmin", "cast", "convert_to_numpy", "convert_to_tensor", "equal", "greater",
    "greater_equal", "less", "less_equal", "not_equal",
]
