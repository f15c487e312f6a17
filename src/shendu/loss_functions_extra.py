"""The newer loss functions, one value per sample: the noise-robust generalized cross-entropy,
the overlap losses of segmentation (Dice, Tversky), CTC for sequences and the circle loss of
metric learning. :mod:`shendu.loss_functions` re-exports them; their class forms are in
:mod:`shendu.losses_extra`.

>>> import numpy as np
>>> round(float(dice(np.array([1.0, 1.0]), np.array([1.0, 0.0])).data), 6)
0.333333
"""

from __future__ import annotations

import numpy as np

from . import ops
from .autograd import Tensor
from .backend import epsilon
from .errors import DataError, ShapeError
from .loss_inputs import _labels, _pair, _prediction, _target
from .ops.arguments import check_axis

__all__ = ["categorical_generalized_cross_entropy", "circle", "ctc", "dice", "tversky"]


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
