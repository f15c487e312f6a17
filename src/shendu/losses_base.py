"""The base of the loss classes: :class:`Loss` and the Keras reductions of weighted per-sample
values (:func:`reduce_loss`). The built-in losses are in :mod:`shendu.losses` and
:mod:`shendu.losses_extra`; :mod:`shendu.losses` re-exports all of this.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> reduce_loss(Tensor(np.array([1.0, 3.0])), sample_weight=np.array([1.0, 0.0])).item()
0.5
"""

from __future__ import annotations

import re

import numpy as np

from . import ops
from .autograd import Tensor
from .errors import ArgumentError, ShapeError
from .loss_functions import _pair
from .number_args import number_arg

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# -- reduction -------------------------------------------------------------------------------
def _weights_like(sample_weight, values: Tensor) -> np.ndarray:
    sw = sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight
    sw = np.asarray(sw, dtype=values.dtype)
    if sw.ndim == values.ndim + 1 and sw.shape[-1] == 1:
        sw = sw[..., 0]
    elif values.ndim == sw.ndim + 1 and values.shape[-1] == 1 and sw.ndim == 1:
        sw = sw[:, None]
    while 0 < sw.ndim < values.ndim:
        sw = sw[..., None]
    try:
        np.broadcast_shapes(sw.shape, values.shape)
    except ValueError:
        raise ShapeError(
            f"sample_weight: expected one weight per sample (shape {values.shape[:1]}) or a shape "
            f"broadcastable to the loss values {values.shape}, got {sw.shape}. "
            "Hint: pass a 1-D array with one weight per row of x."
        ) from None
    return sw


def reduce_loss(values: Tensor, sample_weight=None, reduction="sum_over_batch_size",
                mask=None) -> Tensor:
    """Weight per-sample loss values and reduce them the way Keras does.

    ``mask`` (booleans, e.g. labels not ignored) zeroes entries; with a mean reduction the
    divisor then counts only the kept entries.
    """
    sw = None if sample_weight is None else _weights_like(sample_weight, values)
    if mask is not None:
        m = np.asarray(mask, dtype=values.dtype)
        if reduction in ("sum_over_batch_size", "mean"):
            kept = m.sum()
            m = m * (m.size / kept) if kept else m  # the mean of the kept entries (none: 0)
        sw = m if sw is None else sw * m
    if sw is not None:
        values = values * Tensor(sw)
    if reduction in ("none", None) or values.ndim == 0:
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sw is not None:
        divisor = float(np.sum(sw))
    else:
        divisor = float(values.size)
    return total * (1.0 / divisor) if divisor else total * 0.0


# -- the base class -----------------------------------------------------------------------------
class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` returns a scalar Tensor.

    ``call`` gives per-sample values; ``reduction`` is 'sum_over_batch_size' (Keras's default:
    weighted sum over the number of values), 'sum', 'mean' (the same as the default),
    'mean_with_sample_weight' (weighted sum over the sum of the weights) or 'none'.

    >>> import numpy as np
    >>> from shendu.losses import MeanAbsoluteError
    >>> loss = MeanAbsoluteError(reduction="sum")
    >>> loss(np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]])).item()
    3.0
    """

    fn = None
    align_ranks = True  # a trailing axis of 1 on one side is matched first, as Keras does

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype=None, **fn_kwargs):
        if reduction not in REDUCTIONS:
            raise ArgumentError(
                f"{type(self).__name__}: reduction must be one of {REDUCTIONS[:-1]} or None, "
                f"got {reduction!r}. Hint: the default 'sum_over_batch_size' averages."
            )
        owner = type(self).__name__
        if "label_smoothing" in fn_kwargs:
            number_arg(fn_kwargs["label_smoothing"], owner, "label_smoothing", low=0.0, high=1.0,
                       hint="label_smoothing=0.1 moves targets 10% of the way to uniform")
        if "delta" in fn_kwargs:
            number_arg(fn_kwargs["delta"], owner, "delta", low=0.0, low_open=True,
                       hint="delta=1.0: quadratic within 1 of the target, linear beyond")
        self.reduction = reduction
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred) -> Tensor:
        """Per-sample loss values."""
        if self.dtype is not None and not isinstance(y_pred, Tensor):
            y_pred = np.asarray(y_pred, dtype=self.dtype)
        if self.align_ranks:
            y_true, y_pred = _pair(y_true, y_pred)
            if y_true.shape != y_pred.shape:
                self._check_broadcast(y_true.shape, y_pred.shape)
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def _check_broadcast(self, true_shape, pred_shape) -> None:
        try:
            np.broadcast_shapes(true_shape, pred_shape)
        except ValueError:
            raise ShapeError(
                f"{type(self).__name__}: y_true of shape {tuple(true_shape)} does not match "
                f"y_pred of shape {tuple(pred_shape)}. Hint: one target per prediction; for "
                "integer class labels use SparseCategoricalCrossentropy."
            ) from None

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        return reduce_loss(self.call(y_true, y_pred), sample_weight, self.reduction)

    def value_and_grad(self, y_true, z, head=None):
        """(loss value, dL/dz) on arrays, without a graph, for a model output ``head(z)``.

        ``head`` is the final Sigmoid/Softmax kernel (z its logits) or None (z is the output).
        Returns None where this loss has no fused form (custom losses, sample weights are the
        caller's to exclude, other reductions, label smoothing...): use autograd then.
        """
        from .losses import SparseCategoricalCrossentropy

        known_call = type(self).__call__ in (Loss.__call__, SparseCategoricalCrossentropy.__call__)
        if type(self).call is not Loss.call or not known_call:
            return None
        from .loss_heads import value_and_grad

        return value_and_grad(self, y_true, z, head)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype,
                **self.fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def _snake(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
