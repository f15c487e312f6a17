"""A loss and its gradient on arrays, with no graph: the fused heads of ``Loss.value_and_grad``.

A model whose last op is a sigmoid (softmax) and whose loss is the matching cross-entropy — or
a linear output with mean squared error — needs no autograd for its loss: the loss value and
``dL/dz`` (z: the logits, or the output of a linear head) come from one fused op's forward and
backward (:mod:`shendu.ops.fused`), the same Functions the autograd path records. Only the
default mean reduction ('sum_over_batch_size' / 'mean') without sample weights is handled
here; everything else returns None and the caller uses autograd.

>>> import numpy as np
>>> from shendu import losses
>>> from shendu.ops.activations import Sigmoid
>>> loss = losses.BinaryCrossentropy()
>>> value, grad = loss.value_and_grad(np.array([[1.0], [0.0]]), np.zeros((2, 1)), Sigmoid())
>>> round(value, 4), grad.ravel().tolist()
(0.6931, [-0.25, 0.25])
"""

from __future__ import annotations

import numpy as np

from .loss_functions import (
    _labels,
    _same_axis,
    binary_crossentropy,
    categorical_crossentropy,
    mean_squared_error,
    sparse_categorical_crossentropy,
)
from .ops.activations import Sigmoid, Softmax
from .ops.fused import (
    SigmoidBinaryCrossentropy,
    SoftmaxCrossentropy,
    SparseSoftmaxCrossentropy,
    SquaredDifference,
)


def _logits_of(head, kernel_type, from_logits: bool) -> bool:
    """True when z are the logits the loss wants: the head is ``kernel_type`` (a softmax over
    one axis), or z already are logits (``from_logits=True`` with no head)."""
    if from_logits:
        return head is None
    return isinstance(head, kernel_type) and isinstance(getattr(head, "axis", -1), int)


def _mean_head(fn, z, y):
    """Value and dL/dz of the mean of fn's elementwise loss (over the averaged axis, then the
    batch: the same as over every entry)."""
    values = fn.forward(z, y)
    count = max(1, values.size)
    # L = (1/count) Σ values  →  dL/dvalues = 1/count
    return float(values.sum()) / count, fn.backward(1.0 / count)[0]


def _binary(loss, y, z, head):
    kw = loss.fn_kwargs
    if kw["label_smoothing"] or not _logits_of(head, Sigmoid, kw["from_logits"]):
        return None
    if y.shape != z.shape:
        return None
    fn = SigmoidBinaryCrossentropy(needs_input_grad=(True, False))
    return _mean_head(fn, z, y.astype(z.dtype, copy=False))


def _categorical(loss, y, z, head):
    kw = loss.fn_kwargs
    if kw["label_smoothing"] or not _logits_of(head, Softmax, kw["from_logits"]):
        return None
    axis = kw["axis"]
    if y.shape != z.shape or (head is not None and not _same_axis(head.axis, axis, z.ndim)):
        return None
    fn = SoftmaxCrossentropy(axis=axis, needs_input_grad=(True, False))
    per_sample = fn.forward(z, y.astype(z.dtype, copy=False))
    count = max(1, per_sample.size)
    g = np.full(per_sample.shape, 1.0 / count, dtype=z.dtype)
    return float(per_sample.sum() * (1.0 / count)), fn.backward(g)[0]


def _sparse(loss, y, z, head):
    kw = loss.fn_kwargs
    if kw["ignore_class"] is not None or not _logits_of(head, Softmax, kw["from_logits"]):
        return None
    if not _same_axis(kw["axis"], -1, z.ndim) or (
            head is not None and not _same_axis(head.axis, -1, z.ndim)):
        return None
    labels, _ = _labels(y, z, None)  # shape and range checks, as the autograd path does
    fn = SparseSoftmaxCrossentropy(needs_input_grad=(True, False))
    per_sample = fn.forward(z, labels)
    count = max(1, per_sample.size)
    g = np.full(per_sample.shape, 1.0 / count, dtype=z.dtype)
    return float(per_sample.sum() * (1.0 / count)), fn.backward(g)[0]


def _squared(loss, y, z, head):
    if head is not None or y.shape != z.shape:
        return None
    fn = SquaredDifference(needs_input_grad=(True, False))
    return _mean_head(fn, z, y.astype(z.dtype, copy=False))


FUSED_HEADS = {
    binary_crossentropy: _binary,
    categorical_crossentropy: _categorical,
    sparse_categorical_crossentropy: _sparse,
    mean_squared_error: _squared,
}


def value_and_grad(loss, y_true, z, head=None):
    """(loss value, dL/dz) for a model output ``head(z)`` (``head``: the final activation
    kernel, or None when z is the output), or None when ``loss`` has no fused form here."""
    if loss.reduction not in ("sum_over_batch_size", "mean") or loss.dtype is not None:
        return None
    fused = FUSED_HEADS.get(type(loss).fn)
    if fused is None or not isinstance(y_true, np.ndarray) or not isinstance(z, np.ndarray):
        return None
    return fused(loss, y_true, z, head)
