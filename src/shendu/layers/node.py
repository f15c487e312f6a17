"""Symbolic tensors and nodes: how calling layers on ``Input`` records a functional graph.

Calling a layer on a :class:`SymbolicTensor` does not compute anything real: it builds the
layer, works out the output shapes (by running ``call`` on one zero sample, see
:func:`symbolic_outputs`) and records a
:class:`Node` linking the inputs to new symbolic outputs. ``Model(inputs, outputs)`` then walks
those nodes.

>>> from shendu.layers import Dense, Input
>>> x = Input(shape=(4,))
>>> y = Dense(3)(x)
>>> y.shape
(None, 3)
>>> from shendu.layers import Embedding
>>> Embedding(10, 4)(Input(shape=(None,))).shape  # a sequence of any length stays so
(None, None, 4)
"""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor, no_grad
from ..errors import ArgumentError, DTypeError
from ..ops.symbolic import SYMBOLIC_TYPES

# Lengths given to unknown (None) input axes past the batch axis in the second and third dry
# runs; an output axis whose length changes between them is unknown too. Doubling keeps the
# lengths apart through downsampling by up to 16 (strides, pooling).
_PROBE_LENGTHS = (16, 32)


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

    # Keras 3's operators on symbolic tensors: each records an op node (layers/op_layer.py).
    # == and != stay identity (graphs look tensors up by identity); NumPy defers to these.
    __array_ufunc__ = None

    def _op(self, name, *args):
        from .. import ops

        return getattr(ops, name)(*args)

    def __add__(self, other):
        return self._op("add", self, other)

    def __radd__(self, other):
        return self._op("add", other, self)

    def __sub__(self, other):
        return self._op("subtract", self, other)

    def __rsub__(self, other):
        return self._op("subtract", other, self)

    def __mul__(self, other):
        return self._op("multiply", self, other)

    def __rmul__(self, other):
        return self._op("multiply", other, self)

    def __truediv__(self, other):
        return self._op("divide", self, other)

    def __rtruediv__(self, other):
        return self._op("divide", other, self)

    def __pow__(self, other):
        return self._op("power", self, other)

    def __rpow__(self, other):
        return self._op("power", other, self)

    def __matmul__(self, other):
        return self._op("matmul", self, other)

    def __rmatmul__(self, other):
        return self._op("matmul", other, self)

    def __neg__(self):
        return self._op("negative", self)

    def __abs__(self):
        return self._op("abs", self)

    def __lt__(self, other):
        return self._op("less", self, other)

    def __le__(self, other):
        return self._op("less_equal", self, other)

    def __gt__(self, other):
        return self._op("greater", self, other)

    def __ge__(self, other):
        return self._op("greater_equal", self, other)

    def __getitem__(self, key):
        from .op_layer import GETITEM, record

        return record(GETITEM, (self, key), {})

    __hash__ = object.__hash__


SYMBOLIC_TYPES.add(SymbolicTensor)  # ops called on one record a node


class Node:
    """One call of ``layer`` on symbolic ``inputs`` (any nesting), producing ``outputs``."""

    def __init__(self, layer, inputs, outputs: list[SymbolicTensor], kwargs: dict | None = None,
                 args: list | None = None, tensor_kwargs: dict | None = None):
        self.layer = layer
        self.inputs = inputs
        self.args = args or []  # further positional arguments (e.g. attention's value)
        self.outputs = outputs
        self.kwargs = kwargs or {}
        self.tensor_kwargs = tensor_kwargs or {}  # keyword tensors, e.g. an RNN's initial_state
        self.parents = [t for t in flatten(inputs) + flatten(self.args) + flatten(
            self.tensor_kwargs) if isinstance(t, SymbolicTensor)]
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


def symbolic_outputs(run, inputs, args: list):
    """Symbolic outputs of ``run(inputs, args)`` on zeros standing in for symbolic tensors.

    Unknown axes get length 1. When an input has an unknown axis past the batch axis (a
    sequence of any length, an image of any size), the run is made instead at the two lengths
    in ``_PROBE_LENGTHS``, and an output axis whose length follows them is unknown (None) too,
    as in Keras; if a probe fails (a layer that needs a fixed length), the length-1 run stands.
    """
    leaves = [t for t in flatten(inputs) + flatten(args) if isinstance(t, SymbolicTensor)]

    def dry_run(length: int):
        def zeros(t):
            if not isinstance(t, SymbolicTensor):
                return t
            shape = (1 if t.shape[0] is None else t.shape[0],) + tuple(
                length if d is None else d for d in t.shape[1:])
            return Tensor(np.zeros(shape, dtype=t.dtype))

        # zeros stand in for the values: 1 / x on them is no error of the user's
        with no_grad(), np.errstate(all="ignore"):
            result = run(map_structure(zeros, inputs), map_structure(zeros, list(args)))
        return result, [tuple(t.shape[1:]) for t in flatten(result)]

    shapes = None
    if any(d is None for t in leaves for d in t.shape[1:]):
        try:
            (result, first), (_, second) = (dry_run(n) for n in _PROBE_LENGTHS)
        except Exception:  # noqa: BLE001 - the probes are optional; the length-1 run decides
            first = second = None
        if first is not None and [len(s) for s in first] == [len(s) for s in second]:
            shapes = [tuple(a if a == b else None for a, b in zip(s, t))
                      for s, t in zip(first, second)]
    if shapes is None:
        result, shapes = dry_run(1)
    it = iter(shapes)
    return map_structure(lambda t: SymbolicTensor((None,) + next(it), t.dtype), result)


def record_call(layer, inputs, shape: tuple, dtype: str, kwargs=None) -> SymbolicTensor:
    """A functional-graph node for ``layer`` on one symbolic input, its output shape known
    without a dry run (a preprocessing layer has nothing to run on before ``adapt``, and
    strings have no zeros)."""
    if not isinstance(inputs, SymbolicTensor):
        raise ArgumentError(f"{type(layer).__name__} '{layer.name}': expected one input, got "
                            f"{type(inputs).__name__}. Hint: call it on a single Input.")
    if inputs.dtype == "string" and not layer.takes_strings:
        raise DTypeError(f"Layer '{layer.name}' ({type(layer).__name__}): got a string input, "
                         "but it takes numbers. Hint: put StringLookup or TextVectorization "
                         "between Input(dtype='string') and it.")
    outputs = SymbolicTensor(shape, dtype)
    Node(layer, inputs, [outputs], kwargs or {})
    return outputs
