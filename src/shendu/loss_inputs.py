"""The inputs of the loss functions: y_pred as a float Tensor, y_true as a Tensor of its dtype,
the two brought to one rank as Keras does, and integer class labels checked against the
predictions. Shared by :mod:`shendu.loss_functions` and :mod:`shendu.loss_functions_extra`.

>>> import numpy as np
>>> y_true, y_pred = _pair(np.array([[1.0], [0.0]]), np.array([0.5, 0.5]))
>>> y_true.shape, y_pred.shape
((2, 1), (2, 1))
"""

from __future__ import annotations

import numpy as np

from . import ops
from .autograd import Tensor, as_tensor
from .backend import floatx
from .errors import DataError, ShapeError


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
