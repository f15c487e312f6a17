"""Differentiable functions on :class:`~shendu.autograd.Tensor`: each forward with its backward.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> ops.add(Tensor(np.ones(2)), 1.0).data
array([2., 2.])
"""

from .activations import Kernel, activation, get_kernel, relu, sigmoid, softmax, tanh
from .arrangement import (
    flip,
    moveaxis,
    pad,
    repeat,
    split,
    swapaxes,
    tile,
    tril,
    triu,
    unstack,
)
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
from .control import cond, stop_gradient
from .conv import conv, conv_transpose, depthwise_conv
from .creation import (
    arange,
    eye,
    full,
    full_like,
    identity,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from .elementwise import (
    cos,
    erf,
    floor,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    round,
    rsqrt,
    sign,
    sin,
)
from .fused import (
    linear,
    sigmoid_binary_crossentropy,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
    squared_difference,
)
from .indexing import one_hot, scatter, segment_sum, slice, take, take_along_axis
from .linalg import dot, einsum
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
from .nn import elu, gelu, leaky_relu, log_softmax, normalize, selu, silu, softplus
from .normalization import batch_norm, group_norm, l2_normalize, layer_norm
from .norms import norm
from .ordering import argsort, sort, top_k
from .pooling import avg_pool, max_pool
from .reductions import all, any, cumsum, logsumexp, prod, std, var
from .rms_normalization import rms_normalization
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
    # keras.ops names (elementwise, reductions, arrangement, ordering, indexing, creation...)
    "cos", "erf", "floor", "log1p", "logical_and", "logical_not", "logical_or", "round",
    "rsqrt", "sign", "sin",
    "all", "any", "cumsum", "logsumexp", "norm", "prod", "std", "var", "rms_normalization",
    "flip", "moveaxis", "pad", "repeat", "split", "swapaxes", "tile", "tril", "triu", "unstack",
    "argsort", "sort", "top_k",
    "one_hot", "scatter", "segment_sum", "slice", "take", "take_along_axis",
    "arange", "eye", "full", "full_like", "identity", "linspace", "ones", "ones_like", "zeros",
    "zeros_like",
    "dot", "einsum",
    "elu", "gelu", "leaky_relu", "log_softmax", "normalize", "selu", "silu", "softplus",
    "cond", "stop_gradient",
]
