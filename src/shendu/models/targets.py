"""Checks that targets fit the loss and the model's output, once per fit, before training.

>>> import numpy as np
>>> from shendu import losses
>>> check_targets(losses.get("sparse_categorical_crossentropy"), np.array([0, 2]), (None, 3), "y")
array([0, 2])
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ArgumentError, DataError, ShapeError


def _kind(loss) -> str:
    declared = getattr(loss, "target_kind", None)  # "any": the loss checks its targets itself
    if declared is not None:
        return declared
    name = type(loss).__name__.lower()
    if "sparse" in name:
        return "sparse"
    if "categorical" in name and "crossentropy" in name:
        return "categorical"
    if "binary" in name:
        return "binary"
    return "other"


def _written_by_the_user(loss) -> bool:
    """A loss function or Loss subclass of the user's: its targets may have any shape."""
    return (getattr(loss, "user_fn", None) is not None
            or not type(loss).__module__.startswith("shendu."))


def check_targets(loss, y, output_shape, name: str):
    """Return y ready for ``loss`` against outputs of ``output_shape``, or raise a clear error.

    The user's own losses get y as it came (as in Keras, which checks no target shapes): only
    shendu's losses know what shape they need.
    """
    kind = _kind(loss)
    if kind == "any" or _written_by_the_user(loss):
        return y
    width = output_shape[-1] if output_shape else 1
    out_ndim = len(output_shape)
    if kind == "sparse":
        labels = y[..., 0] if y.ndim == out_ndim and y.shape[-1] == 1 else y
        if labels.ndim != out_ndim - 1:
            raise ShapeError(
                f"{name}: sparse_categorical_crossentropy expects integer labels of shape "
                f"{('(samples,)' if out_ndim == 2 else f'{output_shape[:-1]}')}, got shape "
                f"{y.shape}. Hint: for one-hot targets use loss='categorical_crossentropy'."
            )
        if labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels)):
            raise DataError(
                f"{name}: sparse_categorical_crossentropy expects whole-number class labels, got "
                f"fractional values (e.g. {labels[labels != np.round(labels)].flat[0]}). "
                "Hint: for probabilities per class use loss='categorical_crossentropy'."
            )
        low, high = labels.min(), labels.max()
        if low < 0 or high >= width:
            raise DataError(
                f"{name}: labels must be in [0, {width}) for a model with {width} outputs, got "
                f"labels from {low:g} to {high:g}. Hint: the last Dense layer needs as many units "
                "as there are classes."
            )
        return y.astype(np.int64, copy=False)  # (n, 1) stays (n, 1): metrics see y as given
    if kind == "categorical":
        if y.ndim != out_ndim or y.shape[-1] != width:
            hint = ("Hint: y looks like integer labels; use loss='sparse_categorical_crossentropy'"
                    if y.ndim == out_ndim - 1 or (y.ndim == out_ndim and y.shape[-1] == 1)
                    else "Hint: one-hot encode y with as many columns as the model has outputs")
            raise ShapeError(
                f"{name}: categorical_crossentropy expects one-hot targets of width {width} "
                f"(the model's output), got shape {y.shape}. {hint}."
            )
        if y.min() < 0 or y.max() > 1:
            raise DataError(
                f"{name}: categorical_crossentropy expects one-hot targets or class "
                f"probabilities in [0, 1], got values from {y.min():g} to {y.max():g}. Hint: "
                "one-hot encode the labels, e.g. np.eye(classes)[labels]."
            )
        return y
    if y.ndim == out_ndim - 1 and width == 1:
        y = y[..., None]  # (samples,) against outputs (samples, 1): same rank, as Keras does
    if y.ndim != out_ndim or any(o is not None and o != d
                                 for o, d in zip(output_shape[1:], y.shape[1:])):
        expected = f"(samples, {width})" if out_ndim == 2 else str(tuple(output_shape))
        raise ShapeError(
            f"{name}: expected targets of shape {expected} to match the model's output, got "
            f"{y.shape}. Hint: the last layer's units must equal the number of target columns."
        )
    if kind == "binary" and (y.min() < 0 or y.max() > 1):
        raise DataError(
            f"{name}: binary_crossentropy expects targets in [0, 1], got values from "
            f"{y.min():g} to {y.max():g}. Hint: map the two classes to 0 and 1."
        )
    return y


def class_weights_to_sample_weights(class_weight, y, sample_weight=None):
    """Per-sample weights from a ``{class: weight}`` dict (Keras's class_weight).

    Classes the dict does not name keep weight 1; keys must be class indices (whole numbers
    >= 0) and weights finite numbers >= 0.
    """
    if not isinstance(class_weight, dict):
        raise ArgumentError(
            "class_weight: expected a dict {class index: weight}, got "
            f"{type(class_weight).__name__}. Hint: class_weight={{0: 1.0, 1: 5.0}} counts "
            "class 1 five times as much."
        )
    checked = {}
    for cls, weight in class_weight.items():
        if isinstance(cls, bool) or not isinstance(cls, numbers.Integral) or cls < 0:
            raise ArgumentError(
                f"class_weight: keys must be class indices (whole numbers >= 0), got {cls!r}. "
                "Hint: for string classes, map them to 0, 1, ... first, as the labels are."
            )
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) \
                or not np.isfinite(weight) or weight < 0:
            raise ArgumentError(
                f"class_weight: the weight of class {cls} must be a finite number >= 0, got "
                f"{weight!r}. Hint: e.g. class_weight={{0: 1.0, 1: 5.0}}."
            )
        checked[int(cls)] = float(weight)
    if y.ndim >= 2 and y.shape[-1] > 1:
        classes = y.argmax(axis=-1)
    else:
        classes = np.round(y.reshape(len(y), -1)[:, 0]).astype(np.int64)
    # a table as long as the classes present; keys beyond them weigh no sample
    table = np.ones(int(max(classes.max(), 0)) + 1)
    for cls, weight in checked.items():
        if cls < len(table):
            table[cls] = weight
    weights = table[np.maximum(classes, 0)]
    return weights if sample_weight is None else weights * sample_weight
