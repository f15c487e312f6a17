"""Nested structures of tensors, as the control-flow ops of ``keras.ops`` take them: a leaf, or
lists, tuples and dicts of structures (dict entries in sorted key order, as Keras's ``tree``).

>>> from shendu.ops.nested import flatten, pack_as
>>> flatten({"b": 2, "a": [1, (3, None)]})
[1, 3, None, 2]
>>> pack_as({"b": 0, "a": [0, (0, 0)]}, [10, 30, 40, 20])
{'b': 20, 'a': [10, (30, 40)]}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Tensor, as_tensor
from ..backend import floatx


def is_nested(value) -> bool:
    """True for a list, tuple or dict (a structure with parts), False for a leaf."""
    return isinstance(value, (list, tuple, dict))


def flatten(structure) -> list:
    """The leaves of ``structure``, depth first."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for part in structure for leaf in flatten(part)]
    return [structure]


def pack_as(structure, leaves: list):
    """``leaves`` arranged as ``structure`` is (the inverse of :func:`flatten`)."""
    leaves = list(leaves)
    if len(leaves) != len(flatten(structure)):
        raise ValueError(f"{len(leaves)} leaves for a structure of {len(flatten(structure))}")
    it = iter(leaves)

    def build(node):
        if isinstance(node, dict):
            built = {key: build(node[key]) for key in sorted(node)}
            return {key: built[key] for key in node}
        if isinstance(node, (list, tuple)):
            parts = [build(p) for p in node]
            return type(node)(parts) if type(node) in (list, tuple) else type(node)(*parts)
        return next(it)

    return build(structure)


def map_leaves(fn: Callable[[Any], Any], structure):
    """``structure`` with ``fn`` applied to every leaf."""
    return pack_as(structure, [fn(leaf) for leaf in flatten(structure)])


def same_structure(a, b) -> bool:
    """True when ``a`` and ``b`` nest the same way (their leaves may differ)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b)
                and all(same_structure(a[k], b[k]) for k in a))
    if is_nested(a) or is_nested(b):
        return (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))
                and len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b)))
    return True


def to_tensor(value) -> Tensor:
    """A leaf as a Tensor, as Keras converts them: Python floats to floatx, Python ints to
    int32, bools to bool; Tensors and arrays as they are."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, bool):
        return Tensor(np.asarray(value))
    if isinstance(value, int):
        return Tensor(np.asarray(value, dtype="int32"))
    if isinstance(value, float):
        return Tensor(np.asarray(value, dtype=floatx()))
    return as_tensor(value)
