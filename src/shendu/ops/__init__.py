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
    array,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    identity,
    linspace,
    ones,
    ones_like,
    tri,
    zeros,
    zeros_like,
)
from .division import divide_no_nan, floor_divide, mod, true_divide
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
from .exponents import (
    absolute,
    cbrt,
    erfinv,
    exp2,
    expm1,
    log2,
    log10,
    logaddexp,
    reciprocal,
)
from .fused import (
    linear,
    sigmoid_binary_crossentropy,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
    squared_difference,
)
from .indexing import one_hot, scatter, segment_sum, slice, take, take_along_axis
from .joining import (
    append,
    array_split,
    copy,
    dstack,
    hsplit,
    hstack,
    meshgrid,
    ravel,
    vsplit,
    vstack,
)
from .linalg import dot, einsum
from .linalg_decomp import (
    cholesky,
    det,
    eig,
    eigh,
    inv,
    logdet,
    lstsq,
    qr,
    slogdet,
    solve,
    svd,
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
from .matrices import diag, diagflat, diagonal, roll, rot90, trace
from .nn import elu, gelu, leaky_relu, log_softmax, normalize, selu, silu, softplus
from .nn_activations import (
    celu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    log_sigmoid,
    relu6,
    soft_shrink,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    squareplus,
    swish,
    tanh_shrink,
    threshold,
)
from .normalization import batch_norm, group_norm, l2_normalize, layer_norm
from .norms import norm
from .ordering import argsort, sort, top_k
from .pooling import average_pool, avg_pool, max_pool
from .predicates import (
    allclose,
    ceil,
    heaviside,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    logical_xor,
    nan_to_num,
    signbit,
    trunc,
)
from .products import inner, kron, outer, tensordot, vdot
from .reductions import all, any, cumprod, cumsum, diff, logsumexp, prod, std, var
from .rms_normalization import rms_normalization
from .search import argpartition, bincount, digitize, nonzero, searchsorted, unique
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
from .statistics import (
    amax,
    amin,
    average,
    count_nonzero,
    median,
    percentile,
    ptp,
    quantile,
)
from .trigonometry import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    cosh,
    deg2rad,
    hypot,
    rad2deg,
    sinh,
    tan,
)

__all__ = [
    "Kernel", "abs", "activation", "add", "broadcast_to", "clip", "concatenate", "divide",
    "exp", "expand_dims", "get_kernel", "getitem", "linear", "log", "matmul", "max",
    "maximum", "mean", "min", "minimum", "multiply", "negative", "power", "relu", "reshape",
    "sigmoid", "sigmoid_binary_crossentropy", "softmax", "softmax_cross_entropy", "sqrt",
    "square", "squeeze", "stack", "subtract", "sum", "tanh", "transpose", "unbroadcast",
    "sparse_softmax_cross_entropy", "squared_difference", "where",
    "batch_norm", "group_norm", "l2_normalize", "layer_norm",
    "average_pool", "avg_pool", "conv", "conv_transpose", "depthwise_conv", "max_pool",
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
    # more keras.ops names (trigonometry, exponents, division, predicates, products, matrices,
    # joining, statistics, search, linalg_decomp, nn_activations; tri/empty/array; cumprod/diff)
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "cosh", "deg2rad",
    "hypot", "rad2deg", "sinh", "tan",
    "absolute", "cbrt", "erfinv", "exp2", "expm1", "log10", "log2", "logaddexp", "reciprocal",
    "divide_no_nan", "floor_divide", "mod", "true_divide",
    "allclose", "ceil", "heaviside", "isclose", "isfinite", "isinf", "isnan", "isneginf",
    "isposinf", "logical_xor", "nan_to_num", "signbit", "trunc",
    "inner", "kron", "outer", "tensordot", "vdot",
    "diag", "diagflat", "diagonal", "roll", "rot90", "trace",
    "append", "array_split", "copy", "dstack", "hsplit", "hstack", "meshgrid", "ravel", "vsplit",
    "vstack",
    "amax", "amin", "average", "count_nonzero", "median", "percentile", "ptp", "quantile",
    "argpartition", "bincount", "digitize", "nonzero", "searchsorted", "unique",
    "cholesky", "det", "eig", "eigh", "inv", "logdet", "lstsq", "qr", "slogdet", "solve", "svd",
    "celu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "log_sigmoid", "relu6", "soft_shrink", "softsign", "sparse_plus", "sparse_sigmoid",
    "squareplus", "swish", "tanh_shrink", "threshold",
    "array", "empty", "empty_like", "tri", "cumprod", "diff",
]

# The families whose modules list their own public names (each module's __all__).
from . import core_extra, nn_extra, numpy_extra, spectral  # noqa: E402

for _family in (core_extra, nn_extra, numpy_extra, spectral):
    for _name in _family.__all__:
        globals()[_name] = getattr(_family, _name)
    __all__ += _family.__all__
del _family

# keras.ops.image (ops/image.py): loaded here so that ops.image.extract_patches works before
# any image layer has imported it.
from . import image  # noqa: E402, F401

# Called on a functional model's symbolic tensors, every op records a graph node (symbolic.py).
from .symbolic import wrap_namespace  # noqa: E402

wrap_namespace(globals(), __all__)
del wrap_namespace
