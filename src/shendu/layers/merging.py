"""Merge layers: combine a list of tensors (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot). Their gradients come from the ops they are written with.

>>> import numpy as np
>>> from shendu.layers import Add, Concatenate
>>> Add()([np.ones((2, 3)), np.ones((2, 3))]).data[0]
array([2., 2., 2.], dtype=float32)
>>> Concatenate()([np.ones((2, 3)), np.ones((2, 1))]).shape
(2, 4)
"""

from __future__ import annotations

from functools import reduce

from .. import ops
from ..errors import ArgumentError, ShapeError
from .base import Layer


class Merge(Layer):
    """Base class: ``call`` takes a list of at least ``min_inputs`` tensors."""

    min_inputs = 2

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self.min_inputs:
            got = len(inputs) if isinstance(inputs, (list, tuple)) else type(inputs).__name__
            raise ArgumentError(
                f"{type(self).__name__} '{self.name}': expected a list of at least "
                f"{self.min_inputs} tensors, got {got}. Hint: layer([a, b])."
            )
        return list(inputs)

    def _check_same_shape(self, inputs):
        shapes = {tuple(t.shape[1:]) for t in inputs}
        if len(shapes) > 1:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': inputs must share a shape (after the "
                f"batch axis), got {sorted(shapes)}. Hint: use Concatenate to join different "
                "widths, or Dense layers to match them."
            )

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < self.min_inputs:
            got = (f"{len(input_shape)}" if isinstance(input_shape, list)
                   else f"one input of shape {tuple(input_shape)}")
            raise ArgumentError(
                f"{type(self).__name__} '{self.name}': expected a list of at least "
                f"{self.min_inputs} inputs, got {got}. Hint: layer([a, b])."
            )


class _Elementwise(Merge):
    def call(self, inputs):
        inputs = self._check(inputs)
        self._check_same_shape(inputs)
        return self.combine(inputs)


class Add(_Elementwise):
    """Sum of the inputs."""

    def combine(self, inputs):
        return reduce(ops.add, inputs)


class Subtract(_Elementwise):
    """First input minus the second (exactly two inputs)."""

    def combine(self, inputs):
        if len(inputs) != 2:
            raise ArgumentError(f"Subtract '{self.name}': expected exactly 2 inputs, got "
                                f"{len(inputs)}. Hint: Subtract()([a, b]) gives a - b.")
        return ops.subtract(inputs[0], inputs[1])


class Multiply(_Elementwise):
    """Elementwise product of the inputs."""

    def combine(self, inputs):
        return reduce(ops.multiply, inputs)


class Average(_Elementwise):
    """Elementwise mean of the inputs."""

    def combine(self, inputs):
        return reduce(ops.add, inputs) * (1.0 / len(inputs))


class Maximum(_Elementwise):
    """Elementwise maximum of the inputs."""

    def combine(self, inputs):
        return reduce(ops.maximum, inputs)


class Minimum(_Elementwise):
    """Elementwise minimum of the inputs."""

    def combine(self, inputs):
        return reduce(ops.minimum, inputs)


class Concatenate(Merge):
    """Join the inputs along ``axis`` (default the last)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ArgumentError(f"Concatenate '{self.name}': axis must be an int, got {axis!r}. "
                                "Hint: axis=-1 joins along the last axis.")
        self.axis = axis

    def call(self, inputs):
        inputs = self._check(inputs)
        ndim = inputs[0].ndim
        if not -ndim <= self.axis < ndim:
            raise ShapeError(
                f"Concatenate '{self.name}': axis={self.axis} is out of range for inputs of rank "
                f"{ndim} (shapes {[tuple(x.shape) for x in inputs]}). Hint: axis=-1 joins along "
                "the last axis."
            )
        axis = self.axis % ndim
        for t in inputs:
            other = [d for i, d in enumerate(t.shape) if i != axis]
            first = [d for i, d in enumerate(inputs[0].shape) if i != axis]
            if t.ndim != ndim or other != first:
                raise ShapeError(
                    f"Concatenate '{self.name}': inputs must match on every axis but {self.axis}, "
                    f"got shapes {[tuple(x.shape) for x in inputs]}. Hint: reshape or pool them "
                    "to the same sizes first."
                )
        return ops.concatenate(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """Dot product of two inputs along ``axes`` (cosine similarity with ``normalize=True``)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def call(self, inputs):
        a, b = self._check(inputs)[:2]
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        if not (-a.ndim <= axes[0] < a.ndim and -b.ndim <= axes[1] < b.ndim):
            raise ShapeError(
                f"Dot '{self.name}': axes={self.axes} are out of range for inputs of shapes "
                f"{tuple(a.shape)} and {tuple(b.shape)}. Hint: axes=-1 contracts the last axes."
            )
        ax_a, ax_b = axes[0] % a.ndim, axes[1] % b.ndim
        if a.shape[ax_a] != b.shape[ax_b]:
            raise ShapeError(
                f"Dot '{self.name}': axis {axes[0]} of the first input ({a.shape[ax_a]}) must "
                f"equal axis {axes[1]} of the second ({b.shape[ax_b]}). Hint: pick axes of the "
                "same size, e.g. Dot(axes=-1) for two (batch, d) inputs."
            )
        if self.normalize:
            a = a / ops.sqrt(ops.sum(a * a, axis=ax_a, keepdims=True) + 1e-12)
            b = b / ops.sqrt(ops.sum(b * b, axis=ax_b, keepdims=True) + 1e-12)
        if a.ndim == 2 and b.ndim == 2:
            return ops.sum(a * b, axis=1, keepdims=True)
        # batched: move the contracted axes to the end / front and use a batched matmul
        perm_a = [0] + [i for i in range(1, a.ndim) if i != ax_a] + [ax_a]
        perm_b = [0, ax_b] + [i for i in range(1, b.ndim) if i != ax_b]
        a2 = ops.transpose(a, perm_a)
        b2 = ops.transpose(b, perm_b)
        a2 = ops.reshape(a2, (a.shape[0], -1, a.shape[ax_a]))
        b2 = ops.reshape(b2, (b.shape[0], b.shape[ax_b], -1))
        out = ops.matmul(a2, b2)
        rest = [a.shape[i] for i in perm_a[1:-1]] + [b.shape[i] for i in perm_b[2:]]
        return ops.reshape(out, (a.shape[0],) + tuple(rest)) if rest else ops.reshape(
            out, (a.shape[0], 1))

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


add, subtract, multiply, average, maximum, minimum = (
    lambda inputs, **kw: Add(**kw)(inputs),
    lambda inputs, **kw: Subtract(**kw)(inputs),
    lambda inputs, **kw: Multiply(**kw)(inputs),
    lambda inputs, **kw: Average(**kw)(inputs),
    lambda inputs, **kw: Maximum(**kw)(inputs),
    lambda inputs, **kw: Minimum(**kw)(inputs),
)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of :class:`Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """Functional form of :class:`Dot` (Keras's ``keras.layers.dot(inputs, axes=-1)``)."""
    return Dot(axes=axes, **kwargs)(inputs)
