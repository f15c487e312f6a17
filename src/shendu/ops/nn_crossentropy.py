"""``keras.ops``'s cross-entropies: unreduced (one value per element or per sample), with
Keras's formulas. From logits they are the fused ops of :mod:`shendu.ops.fused` (backward
``p − y``); from probabilities the probabilities are clipped to [ε, 1 − ε] (categorical ones
renormalised first), ε = ``backend.epsilon()``.

>>> import numpy as np
>>> binary_crossentropy(np.array([1.0, 0.0]), np.array([0.9, 0.2])).data.round(4)
array([0.1054, 0.2231])
"""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..backend import epsilon
from ..errors import ArgumentError, DataError, ShapeError
from . import math as m
from .arguments import check_one_axis, data, floating
from .fused import sigmoid_binary_crossentropy, softmax_cross_entropy, sparse_softmax_cross_entropy
from .shape import sum as _sum


def _same_shapes(op: str, target: Tensor, output: Tensor) -> None:
    if target.shape != output.shape:
        raise ShapeError(f"{op}: target and output must have the same shape, got "
                         f"{target.shape} and {output.shape}. Hint: one-hot or probability "
                         "targets shaped like the predictions.")


def _targets(target, output: Tensor) -> Tensor:
    t = floating(target)
    return t if t.dtype == output.dtype else Tensor(t.data.astype(output.dtype))


def _log_probabilities(p: Tensor, axis: int) -> Tensor:
    """log(clip(p / Σp, ε, 1 − ε)) along ``axis``."""
    eps = epsilon()
    return m.log(m.clip(m.divide(p, _sum(p, axis=axis, keepdims=True)), eps, 1.0 - eps))


def binary_crossentropy(target, output, from_logits: bool = False) -> Tensor:
    """−[y log p + (1 − y) log(1 − p)] elementwise; ``output`` holds probabilities (clipped)
    or, with ``from_logits``, logits."""
    output = floating(output)
    target = _targets(target, output)
    _same_shapes("binary_crossentropy", target, output)
    if from_logits:
        return sigmoid_binary_crossentropy(output, target)
    eps = epsilon()
    p = m.clip(output, eps, 1.0 - eps)
    return m.negative(m.add(m.multiply(target, m.log(p)),
                            m.multiply(m.subtract(1.0, target), m.log(m.subtract(1.0, p)))))


def categorical_crossentropy(target, output, from_logits: bool = False,
                             axis: int = -1) -> Tensor:
    """−Σ y log p along ``axis``, one value per sample; y one-hot or a distribution.

    >>> import numpy as np
    >>> categorical_crossentropy(np.array([[0.0, 1.0]]), np.array([[0.0, 0.0]]),
    ...                          from_logits=True).data.round(4)
    array([0.6931])
    """
    output = floating(output)
    target = _targets(target, output)
    _same_shapes("categorical_crossentropy", target, output)
    if output.ndim < 1:
        raise ShapeError("categorical_crossentropy: target and output must be at least 1-D, "
                         "got scalars. Hint: the class axis holds one value per class.")
    axis = check_one_axis("categorical_crossentropy", axis, output.ndim)
    if from_logits:
        return softmax_cross_entropy(output, target, axis=axis)
    return m.negative(_sum(m.multiply(target, _log_probabilities(output, axis)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits: bool = False,
                                    axis: int = -1) -> Tensor:
    """−log p[label] per sample for integer labels (a trailing axis of 1 is dropped); the
    classes lie on the last axis.

    >>> import numpy as np
    >>> sparse_categorical_crossentropy(np.array([1]), np.array([[0.25, 0.75]])).data.round(4)
    array([0.2877])
    """
    output = floating(output)
    if output.ndim < 1:
        raise ShapeError("sparse_categorical_crossentropy: output must be at least 1-D, got a "
                         "scalar. Hint: the last axis holds one value per class.")
    if check_one_axis("sparse_categorical_crossentropy", axis, output.ndim) != output.ndim - 1:
        raise ArgumentError(f"sparse_categorical_crossentropy: only axis=-1 is supported (as in "
                            f"Keras), got axis={axis}. Hint: move the class axis last.")
    labels = np.asarray(data(target))
    if labels.ndim == output.ndim and labels.shape[-1:] == (1,):
        labels = labels[..., 0]
    if labels.shape != output.shape[:-1]:
        raise ShapeError(f"sparse_categorical_crossentropy: target must have the shape of "
                         f"output without its class axis, {output.shape[:-1]}, got "
                         f"{labels.shape}. Hint: for one-hot targets use "
                         "categorical_crossentropy.")
    classes = output.shape[-1]
    if labels.dtype.kind not in "iuf" or (labels.size and (
            labels.min() < 0 or labels.max() >= classes or np.any(labels % 1))):
        raise DataError(f"sparse_categorical_crossentropy: target must hold integer labels in "
                        f"[0, {classes}), got values from {labels.min()} to {labels.max()}. "
                        "Hint: the output needs one entry per class.")
    labels = labels.astype(np.int64)
    if from_logits:
        return sparse_softmax_cross_entropy(output, labels)
    one_hot = np.zeros(output.shape, dtype=output.dtype)
    np.put_along_axis(one_hot, labels[..., None], 1.0, axis=-1)
    return m.negative(_sum(m.multiply(Tensor(one_hot), _log_probabilities(output, -1)), axis=-1))
