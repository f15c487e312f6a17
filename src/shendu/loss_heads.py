"""A loss and its gradient on arrays, with no graph: the fused heads of ``Loss.value_and_grad``.

A model whose last op is a sigmoid (softmax) and whose loss is the matching cross-entropy — or
a linear output with mean squared error — needs no autograd for its loss: the loss value and
``dL/dz`` (z: the logits, or the output of a linear head) come from one fused op's forward and
backward (:mod:`shendu.ops.fused`), the same Functions the autograd path records. Only the
default mean reduction ('sum_over_batch_size' / 'mean') without sample weights is handled
here; everything else returns None and the caller uses autograd.

:func:`fused_head` makes the decisions that depend only on the loss and the head once (the
Sequential fast path calls it when it builds its plan); the function it returns then runs once
per batch and also gives the model's predictions ``head(z)``.

>>> import numpy as np
>>> from shendu import losses
>>> from shendu.ops.activations import Sigmoid
>>> loss = losses.BinaryCrossentropy()
>>> value, grad = loss.value_and_grad(np.array([[1.0], [0.0]]), np.zeros((2, 1)), Sigmoid())
>>> round(value, 4), grad.ravel().tolist()
(0.6931, [-0.25, 0.25])
"""

from __future__ import annotations

from collections.abc import Callable

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
    const,
    sigmoid_of,
)

HeadStep = Callable[[np.ndarray, np.ndarray], "tuple[float, np.ndarray, np.ndarray] | None"]


def _logits_of(head, kernel_type, from_logits: bool) -> bool:
    """True when z are the logits the loss wants: the head is ``kernel_type`` (a softmax over
    one axis), or z already are logits (``from_logits=True`` with no head)."""
    if from_logits:
        return head is None
    return isinstance(head, kernel_type) and isinstance(getattr(head, "axis", -1), int)


def _predictions(head, z):
    """head(z) as the model outputs it (the Activation op: the kernel on a copy of z)."""
    return z if head is None else head.forward_(z.copy())


def _binary(loss, head) -> HeadStep | None:
    kw = loss.fn_kwargs
    if kw["label_smoothing"] or not _logits_of(head, Sigmoid, kw["from_logits"]):
        return None
    def step(y, z):
        if y.shape != z.shape:
            return None
        y = y.astype(z.dtype, copy=False)
        values = SigmoidBinaryCrossentropy(needs_input_grad=(True, False)).forward(z, y)
        count = max(1, values.size)
        p = sigmoid_of(z)  # as SigmoidBinaryCrossentropy.backward has it; the predictions too
        # L = (1/count) Σ values  →  dL/dz = (σ(z) − y) / count
        grad = p - y
        grad *= const(1.0 / count, grad)
        return float(values.sum()) / count, grad, p if head is not None else z

    return step


def _categorical(loss, head) -> HeadStep | None:
    kw = loss.fn_kwargs
    if kw["label_smoothing"] or not _logits_of(head, Softmax, kw["from_logits"]):
        return None
    axis = kw["axis"]

    def step(y, z):
        if y.shape != z.shape or (head is not None and not _same_axis(head.axis, axis, z.ndim)):
            return None
        fn = SoftmaxCrossentropy(axis=axis, needs_input_grad=(True, False))
        return _mean_of_softmax_loss(fn, z, y.astype(z.dtype, copy=False), head)

    return step


def _mean_of_softmax_loss(fn, z, target, head):
    """(value, dL/dz, predictions) of the mean over samples of a softmax cross-entropy op."""
    per_sample = fn.forward(z, target)
    count = max(1, per_sample.size)
    # L = (1/count) Σ per_sample  →  dL/dper_sample = 1/count
    g = np.full(per_sample.shape, 1.0 / count, dtype=z.dtype)
    value = float(per_sample.sum() * (1.0 / count))
    return value, fn.backward(g)[0], _predictions(head, z)


def _sparse(loss, head) -> HeadStep | None:
    kw = loss.fn_kwargs
    if kw["ignore_class"] is not None or not _logits_of(head, Softmax, kw["from_logits"]):
        return None

    def step(y, z):
        if not _same_axis(kw["axis"], -1, z.ndim) or (
                head is not None and not _same_axis(head.axis, -1, z.ndim)):
            return None
        labels, _ = _labels(y, z, None)  # shape and range checks, as the autograd path does
        fn = SparseSoftmaxCrossentropy(needs_input_grad=(True, False))
        return _mean_of_softmax_loss(fn, z, labels, head)

    return step


def _squared(loss, head) -> HeadStep | None:
    if head is not None:
        return None

    def step(y, z):
        if y.shape != z.shape:
            return None
        fn = SquaredDifference(needs_input_grad=(True, False))
        values = fn.forward(z, y.astype(z.dtype, copy=False))
        count = max(1, values.size)
        # L = (1/count) Σ values  →  dL/dvalues = 1/count
        return float(values.sum()) / count, fn.backward(1.0 / count)[0], z

    return step


FUSED_HEADS = {
    binary_crossentropy: _binary,
    categorical_crossentropy: _categorical,
    sparse_categorical_crossentropy: _sparse,
    mean_squared_error: _squared,
}


def fused_head(loss, head=None) -> HeadStep | None:
    """A function ``step(y_true, z) → (loss value, dL/dz, predictions)`` (or None for a batch
    it has no fused form for: shapes that differ...) for a model output ``head(z)``; None when
    ``loss`` with this ``head`` (the final activation kernel, or None) is not fused at all.

    >>> import numpy as np
    >>> from shendu import losses
    >>> step = fused_head(losses.MeanSquaredError())
    >>> value, grad, predictions = step(np.ones((2, 1)), np.zeros((2, 1)))
    >>> value, grad.ravel().tolist()
    (1.0, [-1.0, -1.0])
    """
    from .losses import Loss, SparseCategoricalCrossentropy

    if not isinstance(loss, Loss) or type(loss).call is not Loss.call or type(
            loss).__call__ not in (Loss.__call__, SparseCategoricalCrossentropy.__call__):
        return None
    if loss.reduction not in ("sum_over_batch_size", "mean") or loss.dtype is not None:
        return None
    make = FUSED_HEADS.get(getattr(type(loss), "fn", None))
    return None if make is None else make(loss, head)


def value_and_grad(loss, y_true, z, head=None):
    """(loss value, dL/dz) for a model output ``head(z)`` (``head``: the final activation
    kernel, or None when z is the output), or None when ``loss`` has no fused form here."""
    step = fused_head(loss, head)
    if step is None or not isinstance(y_true, np.ndarray) or not isinstance(z, np.ndarray):
        return None
    out = step(y_true, z)
    return None if out is None else out[:2]
