"""Loss functions: one value per sample, as Tensors, with Keras 3's formulas.

Each takes arrays or Tensors and returns a Tensor of per-sample values (the last axis averaged
or summed away): probabilities clipped to [ε, 1 − ε], ``maximum(|y|, ε)`` under MAPE,
``log(max(y, ε) + 1)`` in MSLE, labels {0, 1} turned into {−1, 1} for hinges, and so on.
Cross-entropies on the output of a sigmoid or softmax (which carries ``.logits``) use the
fused ops in :mod:`shendu.ops`, so their backward is the stable ``p − y``. The class forms that
weight and reduce these values are in :mod:`shendu.losses`; the newer losses (CTC, Dice,
Tversky, circle, generalized cross-entropy) are written in :mod:`shendu.loss_functions_extra`
and re-exported here.

>>> import numpy as np
>>> from shendu.loss_functions import huber
>>> huber(np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]])).data
array([1.3125])
"""

from __future__ import annotations

import math

import numpy as np

from . import ops
from .autograd import Tensor
from .backend import epsilon
from .errors import ArgumentError
from .loss_functions_extra import (
    categorical_generalized_cross_entropy,
    circle,
    ctc,
    dice,
    tversky,
)
from .loss_inputs import _labels, _pair, _prediction
from .loss_inputs import _target as _target  # re-exported: the helpers lived here
from .ops.activations import Sigmoid, Softmax

__all__ = [
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_generalized_cross_entropy",
    "categorical_hinge", "circle", "cosine_similarity", "ctc", "dice", "tversky",
    "half_mean_squared_error", "hinge", "huber", "kl_divergence", "log_cosh",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy",
    "squared_hinge",
]


# -- inputs ----------------------------------------------------------------------------------
def _fused_kernel(y_pred: Tensor):
    """The Sigmoid or Softmax kernel that made ``y_pred`` from ``y_pred.logits``, or None."""
    if y_pred.logits is None:
        return None
    kernel = getattr(y_pred.creator, "kernel", None)
    if isinstance(kernel, (Sigmoid, Softmax)):
        return kernel
    # made without a graph (inside no_grad): tell which activation from the values
    z, y = y_pred.logits.data, y_pred.data
    if np.allclose(0.5 * (1.0 + np.tanh(0.5 * z)), y, rtol=1e-5, atol=1e-7):
        return Sigmoid()
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    if np.allclose(shifted / shifted.sum(axis=-1, keepdims=True), y, rtol=1e-5, atol=1e-7):
        return Softmax(-1)
    return None


def _same_axis(a: int, b: int, ndim: int) -> bool:
    return a % max(ndim, 1) == b % max(ndim, 1)


def _softplus(x: Tensor) -> Tensor:
    """log(1 + eˣ) = max(x, 0) + log(1 + e^-|x|), without overflow."""
    return ops.maximum(x, 0.0) + ops.log(1.0 + ops.exp(-ops.abs(x)))


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    """x / max(‖x‖, ε) along ``axis`` (Keras's ``normalize``)."""
    eps = epsilon()
    norm = ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), eps * eps))
    return x / norm


# -- regression ------------------------------------------------------------------------------
def mean_squared_error(y_true, y_pred) -> Tensor:
    """mean((y − ŷ)²) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def half_mean_squared_error(y_true, y_pred) -> Tensor:
    """The seed's J(θ) per sample: ½ Σ (y − ŷ)² over the last axis; its batch mean is 1/(2m) Σ."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.sum(ops.square(y_pred - y_true), axis=-1) * 0.5


def mean_absolute_error(y_true, y_pred) -> Tensor:
    """mean(|y − ŷ|) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred) -> Tensor:
    """100 · mean(|y − ŷ| / max(|y|, ε)) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), epsilon()))
    return ops.mean(diff, axis=-1) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred) -> Tensor:
    """mean((log(max(ŷ, ε) + 1) − log(max(y, ε) + 1))²) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = epsilon()
    first = ops.log(ops.maximum(y_pred, eps) + 1.0)
    second = ops.log(ops.maximum(y_true, eps) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def huber(y_true, y_pred, delta: float = 1.0) -> Tensor:
    """mean(½e² where |e| ≤ δ, else δ|e| − ½δ²) over the last axis, e = ŷ − y."""
    y_true, y_pred = _pair(y_true, y_pred)
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = ops.square(error) * 0.5
    linear = abs_error * float(delta) - 0.5 * float(delta) ** 2
    return ops.mean(ops.where(abs_error.data <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred) -> Tensor:
    """mean(log cosh(ŷ − y)) over the last axis, as x + softplus(−2x) − log 2."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return ops.mean(x + _softplus(x * -2.0) - math.log(2.0), axis=-1)


def cosine_similarity(y_true, y_pred, axis: int = -1) -> Tensor:
    """−Σ (y/‖y‖)(ŷ/‖ŷ‖) along ``axis``: −1 when aligned, 0 when orthogonal."""
    y_true, y_pred = _pair(y_true, y_pred)
    return -ops.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


# -- probabilistic ---------------------------------------------------------------------------
def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Tensor:
    """mean(−[y log p + (1 − y) log(1 − p)]) over ``axis``, p clipped to [ε, 1 − ε]."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    logits = y_pred if from_logits else None
    if logits is None and isinstance(_fused_kernel(y_pred), Sigmoid):
        logits = y_pred.logits
    if logits is not None:
        return ops.mean(ops.sigmoid_binary_crossentropy(logits, y_true), axis=axis)
    return ops.mean(_clipped_bce(y_true, y_pred), axis=axis)


def _clipped_bce(y_true: Tensor, p: Tensor) -> Tensor:
    eps = epsilon()
    p = ops.clip(p, eps, 1.0 - eps)
    return -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """mean((1 − p_t)^γ · BCE) over ``axis`` (times α_t with ``apply_class_balancing``)."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = _clipped_bce(y_true, y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = ops.power(1.0 - p_t, float(gamma)) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return ops.mean(focal_bce, axis=axis)


def _check_axis(axis, fn: str) -> None:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ArgumentError(f"{fn}: axis must be an int, got {axis!r}. Hint: axis=-1.")


def _smooth_categorical(y_true: Tensor, label_smoothing: float) -> Tensor:
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]


def _normalized_probabilities(y_pred: Tensor, axis: int) -> Tensor:
    eps = epsilon()
    return ops.clip(y_pred / ops.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """−Σ y log p over ``axis`` (y one-hot or a distribution; p renormalised and clipped)."""
    _check_axis(axis, "categorical_crossentropy")
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    y_true = _smooth_categorical(y_true, label_smoothing)
    logits = y_pred if from_logits else None
    kernel = None if from_logits else _fused_kernel(y_pred)
    if isinstance(kernel, Softmax) and _same_axis(kernel.axis, axis, y_pred.ndim):
        logits = y_pred.logits
    if logits is not None:
        return ops.softmax_cross_entropy(logits, y_true, axis=axis)
    return -ops.sum(y_true * ops.log(_normalized_probabilities(y_pred, axis)), axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1) -> Tensor:
    """Σ α (1 − p)^γ · (−y log p) over ``axis``."""
    _check_axis(axis, "categorical_focal_crossentropy")
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    y_true = _smooth_categorical(y_true, label_smoothing)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    p = _normalized_probabilities(y_pred, axis)
    cce = -y_true * ops.log(p)
    alpha = np.asarray(alpha, dtype=y_pred.dtype)
    weighting = ops.power(1.0 - p, float(gamma)) * (float(alpha) if alpha.ndim == 0 else alpha)
    return ops.sum(weighting * cce, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Tensor:
    """−log p[label] for integer labels; 0 where the label is ``ignore_class``."""
    _check_axis(axis, "sparse_categorical_crossentropy")
    y_pred = _prediction(y_pred)
    if not _same_axis(axis, -1, y_pred.ndim):
        raise ArgumentError(
            f"sparse_categorical_crossentropy: only the last axis holds classes, got axis={axis}."
            " Hint: move the class axis last."
        )
    labels, mask = _labels(y_true, y_pred, ignore_class)
    logits = y_pred if from_logits else None
    if logits is None and isinstance(_fused_kernel(y_pred), Softmax):
        logits = y_pred.logits
    if logits is not None:
        res = ops.sparse_softmax_cross_entropy(logits, labels)
    else:
        one_hot = np.zeros(y_pred.shape, dtype=y_pred.dtype)
        np.put_along_axis(one_hot, labels[..., None], 1.0, axis=-1)
        res = -ops.sum(Tensor(one_hot) * ops.log(_normalized_probabilities(y_pred, -1)), axis=-1)
    if mask is not None:
        res = ops.where(mask, res, 0.0)
    return res


def kl_divergence(y_true, y_pred) -> Tensor:
    """Σ y log(y / ŷ) over the last axis, both clipped to [ε, 1]."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    y_true = ops.clip(y_true, epsilon(), 1.0)
    y_pred = ops.clip(y_pred, epsilon(), 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred) -> Tensor:
    """mean(ŷ − y log(ŷ + ε)) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    return ops.mean(y_pred - y_true * ops.log(y_pred + epsilon()), axis=-1)


# -- margin ----------------------------------------------------------------------------------
def _hinge_labels(y_true: Tensor) -> Tensor:
    """Labels in {0, 1} become {−1, 1}; anything else is used as given."""
    data = y_true.data
    if np.all((data == 0) | (data == 1)):
        return y_true * 2.0 - 1.0
    return y_true


def hinge(y_true, y_pred) -> Tensor:
    """mean(max(1 − y ŷ, 0)) over the last axis (y in {−1, 1}; {0, 1} is converted)."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    return ops.mean(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred) -> Tensor:
    """mean(max(1 − y ŷ, 0)²) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    margin = ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)
    return ops.mean(ops.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred) -> Tensor:
    """max(neg − pos + 1, 0) with pos = Σ y ŷ and neg = max((1 − y) ŷ) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, 0.0)
