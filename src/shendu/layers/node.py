"""Symbolic tensors and nodes: how calling layers on ``Input`` records a functional graph.

Calling a layer on a :class:`SymbolicTensor` does not compute anything real: it builds the
layer, works out the output shapes (by running ``call`` on one zero sample) and records a
:class:`Node` linking the inputs to new symbolic outputs. ``Model(inputs, outputs)`` then walks
those nodes.

>>> from shendu.layers import Dense, Input
>>> x = Input(shape=(4,))
>>> y = Dense(3)(x)
>>> y.shape
(None, 3)
"""

from __future__ import annotations

import numpy as np


class SymbolicTensor:
    """A placeholder with a shape (batch axis None) and dtype, produced by a layer's node."""

    def __init__(self, shape, dtype="float32", node: Node | None = None, index: int = 0,
                 name: str | None = None):
        self.shape = tuple(shape)
        self.dtype = "string" if dtype in ("string", "str", str) else np.dtype(dtype).name
        self.node = node
        self.index = index
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        layer = self.node.layer.name if self.node is not None else "?"
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype} from '{layer}'>"


class Node:
    """One call of ``layer`` on symbolic ``inputs`` (any nesting), producing ``outputs``."""

    def __init__(self, layer, inputs, outputs: list[SymbolicTensor], kwargs: dict | None = None,
                 args: list | None = None):
        self.layer = layer
        self.inputs = inputs
        self.args = args or []  # further positional arguments (e.g. attention's value)
        self.outputs = outputs
        self.kwargs = kwargs or {}
        self.parents = [t for t in flatten(inputs) + flatten(self.args)
                        if isinstance(t, SymbolicTensor)]
        for i, out in enumerate(outputs):
            out.node, out.index = self, i
        layer._inbound_nodes.append(self)

    @property
    def index_in_layer(self) -> int:
        return self.layer._inbound_nodes.index(self)


def flatten(structure) -> list:
    """The leaves of nested lists, tuples and dicts, in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    """Apply ``fn`` to every leaf, keeping the nesting."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def is_symbolic(structure) -> bool:
    return any(isinstance(leaf, SymbolicTensor) for leaf in flatten(structure))
