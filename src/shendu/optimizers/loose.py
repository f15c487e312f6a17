"""``apply_gradients`` for a custom training loop: gradients given next to their variables.

Variables that are exactly a model's packed flat buffer are updated in one call over the
buffer. Others are updated one by one with the same ``update`` formula, on views of the
optimizer's slots (see :class:`~shendu.optimizers.layout.Layout`).

>>> import numpy as np
>>> from shendu.layers import Variable
>>> from shendu.optimizers import SGD
>>> w, b = Variable(np.array([1.0, 2.0]), "w"), Variable(np.array([0.5]), "b")
>>> opt = SGD(learning_rate=0.1)
>>> opt.apply_gradients([(np.array([1.0, 1.0]), w), (np.array([2.0]), b)])
1
>>> w.data, b.data
(array([0.9, 1.9]), array([0.3]))
"""

from __future__ import annotations

import warnings

import numpy as np

from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .layout import Layout, _array


def _describe(variable) -> str:
    return str(getattr(variable, "path", None) or getattr(variable, "name", None) or "variable")


def apply_gradients(optimizer, grads_and_vars) -> None:
    """Copy the gradients into the optimizer's buffer and take one step (see module doc)."""
    owner = type(optimizer).__name__
    pairs = list(grads_and_vars)
    missing = [_describe(v) for g, v in pairs if g is None]
    pairs = [(g, v) for g, v in pairs if g is not None]
    if not pairs:
        raise ArgumentError(
            f"{owner}.apply_gradients: no gradients provided for any variable. "
            "Hint: pass zip(grads, variables) with the gradients of a loss."
        )
    if missing:
        warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss.",
                      stacklevel=3)
    variables = [v for _, v in pairs]
    if optimizer._layout is None:
        arrays = [_array(v) for v in variables]
        dtype = np.result_type(*[a.dtype for a in arrays])
        optimizer._build_layout(Layout(variables), dtype, get_array_module(*arrays))
    layout = optimizer._layout
    unknown = [_describe(v) for v in variables if id(v) not in layout.index]
    if unknown:
        raise ArgumentError(
            f"{owner}.apply_gradients: unknown variable(s) {unknown}; this optimizer was built "
            f"for {len(layout.variables)} other variables. Hint: use a new optimizer instance "
            "for a new set of variables."
        )
    buffer = getattr(optimizer, "_grad_buffer", None)
    if buffer is None or buffer.size != layout.size:
        ref = optimizer._flat.data if optimizer._flat is not None else _array(variables[0])
        buffer = optimizer._grad_buffer = get_array_module(ref).zeros(
            layout.size, dtype=np.result_type(*[_array(v).dtype for v in layout.variables]))
    indices = [layout.index[id(v)] for v in variables]
    for (g, v), i in zip(pairs, indices):
        g = getattr(g, "data", g)
        if not hasattr(g, "shape"):
            g = np.asarray(g)
        if tuple(g.shape) != layout.shapes[i]:
            raise ShapeError(
                f"{owner}.apply_gradients: the gradient of '{_describe(v)}' has shape "
                f"{tuple(g.shape)}, expected {layout.shapes[i]} (the variable's shape). "
                "Hint: pair each gradient with its own variable, in order."
            )
        layout.grad_view(buffer, i)[...] = g
    flat = optimizer._flat
    if flat is not None and indices == list(layout.all()) and flat.is_packing(variables):
        optimizer._step(buffer, None)
        if flat.constrained:
            flat.apply_constraints()
        return
    optimizer._step(buffer, indices)
    for v in variables:
        if getattr(v, "constraint", None) is not None:
            v.data[...] = v.constraint(v.data)
