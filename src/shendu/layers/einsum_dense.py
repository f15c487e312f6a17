"""EinsumDense: a dense layer whose product is an einsum equation (Keras's names, arguments,
weights and config).

The equation is ``"<input>,<kernel>-><output>"`` with an optional ``...`` at the start of the
input and output (``"...b,bc->...c"``) or at the end of both (``"ab...,bc->ac..."``). The
kernel's shape comes from the letters it shares with the output (sizes from ``output_shape``)
and with the input (sizes from the input); ``bias_axes`` names output letters that get a bias.

>>> import numpy as np
>>> from shendu.layers import EinsumDense
>>> layer = EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")
>>> layer(np.ones((3, 5, 6))).shape
(3, 5, 2, 4)
>>> [w.shape for w in layer.get_weights()]
[(6, 2, 4), (2, 4)]
"""

from __future__ import annotations

import math
import numbers
import re

import numpy as np

from .. import activations, initializers, ops
from ..errors import ArgumentError, ShapeError
from ..ops.activations import Kernel
from .base import Layer

_FORMS = (  # (pattern, where the ellipsis is)
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), None),
    (re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)"), "left"),
    (re.compile(r"([a-zA-Z]+)\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\."), "right"),
)


def fan_preserving(init, kernel_shape, input_axes, output_axes):
    """``init`` for an einsum kernel, with Keras's fans for a VarianceScaling initializer:
    fan_in = the product of the input axes' sizes, fan_out that of the output axes (not the
    convolution-style receptive field of its last two axes). Other initializers are unchanged."""
    if not isinstance(init, initializers.VarianceScaling):
        return init
    fan_in = math.prod(kernel_shape[i] for i in input_axes)
    fan_out = math.prod(kernel_shape[i] for i in output_axes)

    def draw(shape, dtype=None):
        # values are drawn independently, so a (fan_in, fan_out) draw reshaped is the same law
        return np.asarray(init((fan_in, fan_out), dtype=dtype)).reshape(shape)

    return draw


def parse_equation(equation, where: str = "EinsumDense"):
    """(input letters, kernel letters, output letters, ellipsis side or None)."""
    text = equation.replace(" ", "") if isinstance(equation, str) else None
    for pattern, side in _FORMS:
        found = pattern.fullmatch(text) if text is not None else None
        if found:
            return found.group(1), found.group(2), found.group(3), side
    raise ArgumentError(
        f"{where}: equation must look like 'ab,bc->ac', '...b,bc->...c' or 'ab...,bc->ac...' "
        f"(input, kernel -> output), got {equation!r}. Hint: 'ab,bc->ac' is a Dense layer.")


def analyze(equation, bias_axes, input_shape, output_shape, where: str = "EinsumDense"):
    """(kernel shape, bias shape or None, full output shape, kernel input axes, kernel output
    axes) for inputs of ``input_shape`` (batch first), as Keras's EinsumDense lays them out."""
    in_spec, w_spec, out_spec, side = parse_equation(equation, where)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (side is None and elided != 0):
        raise ShapeError(
            f"{where}: the equation's input {in_spec!r} names {len(in_spec)} axes, got inputs "
            f"of shape {input_shape}. Hint: one letter per input axis (batch included), or "
            "'...' for the leading axes.")
    partial = [output_shape] if isinstance(output_shape, numbers.Integral) else list(output_shape)
    named = len(out_spec) - (0 if side == "left" else 1)  # the batch letter has no entry
    if len(partial) != named:
        raise ArgumentError(
            f"{where}: output_shape must give {named} size(s) (one per output letter of "
            f"{out_spec!r} after the batch axis), got {tuple(partial)!r}. Hint: None for an "
            "axis that keeps the input's size.")
    if side == "left":
        full = list(input_shape[:elided]) + partial
        in_map = {c: elided + i for i, c in enumerate(in_spec)}
        out_map = {c: elided + i for i, c in enumerate(out_spec)}
    else:
        full = [input_shape[0]] + partial + list(input_shape[len(in_spec):])
        in_map = {c: i for i, c in enumerate(in_spec)}
        out_map = {c: i for i, c in enumerate(out_spec)}
    for c, i in out_map.items():
        if c in in_map:
            size = input_shape[in_map[c]]
            if full[i] is not None and size is not None and full[i] != size:
                raise ShapeError(
                    f"{where}: axis {c!r} is shared by input and output, but the input has "
                    f"size {size} and output_shape says {full[i]}. Hint: use None there.")
            full[i] = size if full[i] is None else full[i]
        elif c not in w_spec:
            raise ArgumentError(f"{where}: output letter {c!r} of {equation!r} appears in "
                                "neither the input nor the kernel. Hint: every output axis "
                                "must come from one of them.")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, c in enumerate(w_spec):
        size = full[out_map[c]] if c in out_map else (
            input_shape[in_map[c]] if c in in_map else None)
        if c not in out_map and c not in in_map:
            raise ArgumentError(f"{where}: kernel letter {c!r} of {equation!r} appears in "
                                "neither the input nor the output. Hint: every kernel axis "
                                "must be summed with the input or kept in the output.")
        if size is None:
            raise ShapeError(f"{where}: the kernel axis {c!r} needs a known size, got None "
                             f"(inputs {input_shape}, output_shape {tuple(partial)}). Hint: give "
                             "that axis a size in output_shape or in the input shape.")
        kernel_shape.append(int(size))
        (output_axes if c in out_map else input_axes).append(i)
    bias_shape = None
    if bias_axes:
        bad = [c for c in bias_axes if c not in out_spec]
        if bad:
            raise ArgumentError(f"{where}: bias_axes {bias_axes!r} must be letters of the "
                                f"output {out_spec!r}, got {bad[0]!r}. Hint: e.g. the last "
                                "output letter.")
        first = min(out_spec.index(c) for c in bias_axes)
        bias_shape = [full[out_map[c]] if c in bias_axes else 1 for c in out_spec[first:]]
        if side == "right":
            bias_shape += [1] * elided
        if any(d is None for d in bias_shape):
            raise ShapeError(f"{where}: the bias axes {bias_axes!r} need known sizes, got "
                             f"output shape {tuple(full)}. Hint: set them in output_shape.")
    return (tuple(kernel_shape), None if bias_shape is None else tuple(bias_shape),
            tuple(full), input_axes, output_axes)


class EinsumDense(Layer):
    """Keras's ``EinsumDense(equation, output_shape, activation=None, bias_axes=None, ...)``:
    ``y = activation(einsum(equation, x, kernel) + bias)``, one einsum op with its gradient.

    Weights, in Keras's order: ``kernel`` (shape from the equation), then ``bias`` when
    ``bias_axes`` is set: the sizes of the bias letters from the first of them to the end of
    the output, 1 for the letters in between (so it broadcasts). With a VarianceScaling
    initializer (Glorot by default) the fans are those of the kernel's input and output axes,
    as in Keras.

    >>> import numpy as np
    >>> dense = EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", activation="relu")
    >>> dense(np.ones((2, 3))).shape, [w.shape for w in dense.get_weights()]
    ((2, 4), [(3, 4), (4,)])
    """

    def __init__(self, equation: str, output_shape, activation=None, bias_axes: str | None = None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank: int | None = None, lora_alpha=None,
                 activity_regularizer=None, **kwargs):
        kwargs.pop("quantization_config", None)  # Keras writes it (None) into every config
        kwargs.pop("gptq_unpacked_column_size", None)
        super().__init__(**kwargs)
        where = f"EinsumDense '{self.name}'"
        parse_equation(equation, where)
        shape = (output_shape,) if isinstance(output_shape, numbers.Integral) else output_shape
        if isinstance(output_shape, bool) or not isinstance(shape, (list, tuple)) or not all(
                d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool)
                              and d > 0) for d in shape):
            raise ArgumentError(f"{where}: output_shape must be a positive int or a tuple of "
                                f"positive ints / None, got {output_shape!r}. Hint: the output "
                                "sizes after the batch axis, e.g. (None, 8).")
        if bias_axes is not None and (not isinstance(bias_axes, str) or not bias_axes):
            raise ArgumentError(f"{where}: bias_axes must be a string of output letters or "
                                f"None, got {bias_axes!r}. Hint: bias_axes='c'.")
        if lora_rank:
            raise ArgumentError(f"{where}: LoRA (lora_rank={lora_rank!r}) is not supported. "
                                "Hint: leave lora_rank=None.")
        self.equation = equation
        self.partial_output_shape = tuple(None if d is None else int(d) for d in shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self._set_weight_options(
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)

    def build(self, input_shape):
        where = f"EinsumDense '{self.name}'"
        kernel_shape, bias_shape, self._full_shape, ins, outs = analyze(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape, where)
        self._rank = len(input_shape)
        self.kernel = self.add_weight(
            kernel_shape, fan_preserving(self.kernel_initializer, kernel_shape, ins, outs),
            name="kernel", regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(bias_shape, self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        if inputs.ndim != self._rank:
            raise ShapeError(f"EinsumDense '{self.name}': expected inputs of rank {self._rank} "
                             f"(the layer was built for it), got shape {tuple(inputs.shape)}. "
                             f"Hint: the equation {self.equation!r} fixes the rank.")
        # y = einsum(equation, x, kernel) + bias
        out = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            out = ops.add(out, self.bias)
        if isinstance(self.activation, Kernel):
            return ops.activation(out, self.activation)
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        return analyze(self.equation, self.bias_axes, input_shape, self.partial_output_shape,
                       f"EinsumDense '{self.name}'")[2]

    def get_config(self):
        config = super().get_config()
        config.update(
            output_shape=list(self.partial_output_shape), equation=self.equation,
            activation=activations.serialize(self.activation), bias_axes=self.bias_axes,
            **self._weight_options_config(
                "kernel_initializer", "bias_initializer", "kernel_regularizer",
                "bias_regularizer", "activity_regularizer", "kernel_constraint",
                "bias_constraint"))
        return config
