"""Keras 3's newer activations as functions on tensors: celu, glu, hard_shrink, hard_tanh,
log_sigmoid, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh_shrink and
threshold. :mod:`shendu.activations` re-exports them; all but glu and threshold also have a
kernel (:mod:`shendu.ops.activation_kernels_extra`), which ``Dense(4, activation="celu")``
runs fused.

>>> import numpy as np
>>> hard_tanh(np.array([-3.0, 0.5])).data
array([-1. ,  0.5])
"""

from __future__ import annotations

from collections.abc import Callable

from . import ops
from .autograd import Tensor


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


# the functions with no kernel, by name: glu changes the shape; threshold has no defaults (as
# in Keras, a layer given activation="threshold" fails when called)
FUNCTIONS: dict[str, Callable] = {"glu": glu, "threshold": threshold}
