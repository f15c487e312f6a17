"""Loss functions: one value per sample, as Tensors, with Keras 3's formulas.

Each takes arrays or Tensors and returns a Tensor of per-sample values (the last axis averaged
or summed away): probabilities clipped to [ε, 1 − ε], ``maximum(|y|, ε)`` under MAPE,
``log(max(y, ε) + 1)`` in MSLE, labels {0, 1} turned into {−1, 1} for hinges, and so on.
Cross-entropies on the output of a sigmoid or softmax (which carries ``.logits``) use the
fused ops in :mod:`shendu.ops`, so their backward is the stable ``p − y``. The class forms that
weight and reduce these values are in :mod:`shendu.losses`.

>>> import numpy as np
>>> from shendu.loss_functions import huber
>>> huber(np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]])).data
array([1.3125])
"""

from __future__ import annotations

import math

import numpy as np

from . import ops
from .autograd import Tensor, as_tensor
from .backend import epsilon, floatx
from .errors import ArgumentError, DataError, ShapeError
from .ops.activations import Sigmoid, Softmax
from .ops.arguments import check_axis

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
def _prediction(y_pred) -> Tensor:
    """y_pred as a float Tensor (arrays of ints become floatx)."""
    y_pred = as_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = Tensor(y_pred.data.astype(floatx()))
    return y_pred


def _target(y_true, dtype) -> Tensor:
    """y_true as a Tensor of ``dtype``; a Tensor of that dtype keeps its graph."""
    if isinstance(y_true, Tensor):
        return y_true if y_true.dtype == dtype else Tensor(y_true.data.astype(dtype))
    return Tensor(np.asarray(y_true, dtype=dtype))


def _pair(y_true, y_pred, same_rank: bool = True) -> tuple[Tensor, Tensor]:
    """Tensors of y_pred's dtype brought to the same rank as Keras does: a trailing axis of 1
    on one side is squeezed away (or, against a 1-D other side, added to it)."""
    y_pred = _prediction(y_pred)
    y_true = _target(y_true, y_pred.dtype)
    if not same_rank:
        return y_true, y_pred
    t_rank, p_rank = y_true.ndim, y_pred.ndim
    if t_rank == p_rank + 1 and y_true.shape[-1] == 1:
        if p_rank == 1:
            y_pred = ops.expand_dims(y_pred, -1)
        else:
            y_true = ops.squeeze(y_true, -1)
    elif p_rank == t_rank + 1 and y_pred.shape[-1] == 1:
        if t_rank == 1:
            y_true = ops.expand_dims(y_true, -1)
        else:
            y_pred = ops.squeeze(y_pred, -1)
    return y_true, y_pred


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


def _labels(y_true, y_pred: Tensor, ignore_class, fn: str = "sparse_categorical_crossentropy",
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer labels of shape y_pred.shape[:-1] and the mask of those not ignored."""
    labels = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != y_pred.shape[:-1]:
        raise ShapeError(
            f"{fn}: expected integer labels of shape "
            f"{y_pred.shape[:-1]} for predictions of shape {y_pred.shape}, got {labels.shape}. "
            "Hint: for one-hot targets use categorical_crossentropy."
        )
    mask = None
    if ignore_class is not None:
        mask = labels != ignore_class
        labels = np.where(mask, labels, 0)
    classes = y_pred.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise DataError(
            f"{fn}: labels must be in [0, {classes}) for predictions "
            f"with {classes} classes, got labels from {labels.min():g} to {labels.max():g}. "
            "Hint: the last layer needs as many units as there are classes."
        )
    return labels.astype(np.int64, copy=False), mask


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


def categorical_generalized_cross_entropy(y_true, y_pred, q) -> Tensor:
    """(1 − p^q) / q, p the predicted probability of the integer label (noise-robust: near
    cross-entropy as q → 0, near MAE as q → 1).

    >>> import numpy as np
    >>> categorical_generalized_cross_entropy(np.array([1]), np.array([[0.75, 0.25]]), 0.5).data
    array([1.])
    """
    y_pred = _prediction(y_pred)
    labels, _ = _labels(y_true, y_pred, None, "categorical_generalized_cross_entropy")
    one_hot = np.zeros(y_pred.shape, dtype=y_pred.dtype)
    np.put_along_axis(one_hot, labels[..., None], 1.0, axis=-1)
    p = ops.sum(y_pred * Tensor(one_hot), axis=-1)
    return (1.0 - ops.power(p, float(q))) * (1.0 / float(q))


# -- segmentation, sequences, metric learning ------------------------------------------------
def _overlap_pair(y_true, y_pred, fn: str, axis):
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    try:
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ShapeError(f"{fn}: y_true of shape {y_true.shape} does not match y_pred of shape "
                         f"{y_pred.shape}. Hint: one target (mask value) per prediction.") from None
    ndim = max(y_true.ndim, y_pred.ndim)
    check_axis(fn, axis, ndim)
    return y_true, y_pred, None if axis is None else tuple(axis) if isinstance(
        axis, (tuple, list)) else axis


def dice(y_true, y_pred, axis=None) -> Tensor:
    """1 − 2 Σ yŷ / (Σ y + Σ ŷ + ε), the sums over ``axis`` (None: everything, one value).

    >>> import numpy as np
    >>> round(float(dice(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]])).data), 6)
    0.333333
    """
    y_true, y_pred, axis = _overlap_pair(y_true, y_pred, "dice", axis)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis) + epsilon()
    return 1.0 - intersection * 2.0 / total


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None) -> Tensor:
    """1 − I / (I + α Σ y(1 − ŷ) + β Σ ŷ(1 − y) + ε), I = Σ yŷ over ``axis`` (Keras's
    weighting: α on the missed targets, β on the spurious predictions; α = β = ½ is Dice).

    >>> import numpy as np
    >>> round(float(tversky(np.array([1.0, 0.0]), np.array([1.0, 1.0]), 0.3, 0.7).data), 6)
    0.411765
    """
    y_true, y_pred, axis = _overlap_pair(y_true, y_pred, "tversky", axis)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    missed = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    spurious = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    denominator = intersection + missed * float(alpha) + spurious * float(beta) + epsilon()
    return 1.0 - intersection / denominator


def _integer_labels(y_true, fn: str, name: str = "y_true") -> np.ndarray:
    labels = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iub":
        raise DataError(f"{fn}: {name} must hold integer labels, got dtype {labels.dtype}. "
                        "Hint: pass class indices, not one-hot or probabilities.")
    return labels.astype(np.int64, copy=False)


def ctc(y_true, y_pred) -> Tensor:
    """CTC loss per sample: ``y_true`` (batch, max_length) integer labels padded with 0 (the
    blank, never a class), ``y_pred`` (batch, frames, classes) logits (no softmax); every
    frame counts and a label sequence's length is its number of non-zero entries.

    >>> import numpy as np
    >>> round(float(ctc(np.array([[1, 0]]), np.log(np.full((1, 2, 2), 0.5))).data[0]), 6)
    0.287682
    """
    labels = _integer_labels(y_true, "ctc")
    y_pred = _prediction(y_pred)
    if labels.ndim != 2 or y_pred.ndim != 3 or labels.shape[0] != y_pred.shape[0]:
        raise ShapeError(f"ctc: expected y_true (batch, max_length) integer labels and y_pred "
                         f"(batch, frames, classes) logits, got {labels.shape} and "
                         f"{y_pred.shape}. Hint: pad label sequences with 0 to one length.")
    batch, frames = y_pred.shape[:2]
    label_length = np.sum(labels != 0, axis=-1).astype(np.int64)
    return ops.ctc_loss(labels, y_pred, label_length, np.full(batch, frames, dtype=np.int64),
                        mask_index=0)


def _masked_logsumexp(x: Tensor, mask: np.ndarray) -> Tensor:
    """log Σ exp(x) over the entries of each row that ``mask`` keeps; a row keeping none gives
    a huge negative number (−∞ in effect) and no gradient."""
    return ops.logsumexp(ops.where(mask, x, -1e30), axis=1)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4) -> Tensor:
    """Circle loss of L2-normalised embeddings ``y_pred`` with integer labels ``y_true``,
    against ``ref_embeddings`` / ``ref_labels`` (default: the batch itself): with d the
    cosine distances (≥ 0), softplus(lse_pos(−γ [m + d]₊ (m − d)) + lse_neg(γ [1 + m − d]₊
    (1 − m − d))); a row with no positive or no negative pair gives 0.

    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> np.round(circle(np.array([0, 0, 1]), e, gamma=1.0).data, 4)
    array([0.5459, 0.5459, 0.    ])
    """
    labels = _integer_labels(y_true, "circle").reshape(-1)
    y_pred = _prediction(y_pred)
    ref = y_pred if ref_embeddings is None else _target(ref_embeddings, y_pred.dtype)
    ref_lab = labels if ref_labels is None else _integer_labels(ref_labels, "circle",
                                                                "ref_labels").reshape(-1)
    if (y_pred.ndim != 2 or ref.ndim != 2 or y_pred.shape[1] != ref.shape[1]
            or labels.shape[0] != y_pred.shape[0] or ref_lab.shape[0] != ref.shape[0]):
        raise ShapeError(f"circle: expected y_pred (batch, dim) embeddings with one label each "
                         f"and references (n, dim) with one label each, got y_pred "
                         f"{y_pred.shape}, {labels.shape[0]} labels, references {ref.shape}, "
                         f"{ref_lab.shape[0]} labels. Hint: labels are class indices (batch,).")
    gamma, margin = float(gamma), float(margin)
    distances = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref)), 0.0)
    positive = labels[:, None] == ref_lab[None, :]
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~np.eye(*positive.shape, dtype=bool)
    pos_w = ops.maximum((distances + margin) * Tensor(positive.astype(y_pred.dtype)), 0.0)
    neg_w = ops.maximum((1.0 + margin - distances) * Tensor(negative.astype(y_pred.dtype)), 0.0)
    pos_term = pos_w * (margin - distances) * -gamma
    neg_term = neg_w * (1.0 - margin - distances) * gamma
    total = _masked_logsumexp(pos_term, positive) + _masked_logsumexp(neg_term, negative)
    return ops.softplus(total)
