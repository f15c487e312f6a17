"""``keras.ops`` on symbolic tensors: ``ops.concatenate([a, b])`` or ``x + inputs`` while a
functional model is being written records a node (an :class:`~shendu.layers.op_layer.OpLayer`)
instead of computing, as Keras 3 does with its KerasTensors.

Every public function of :mod:`shendu.ops` is wrapped once, at import, by
:func:`wrap_namespace`: the wrapper looks for a symbolic tensor among the arguments (nested
lists and tuples too) and, when there is none, calls the op unchanged. The symbolic tensor
types register themselves in ``SYMBOLIC_TYPES`` when their module loads, so before any layer
exists the check is one empty-set test.
"""

from __future__ import annotations

import functools
import types

SYMBOLIC_TYPES: set[type] = set()

# Not tensor functions: they take or return no tensors of a graph, or decide at once.
_NOT_WRAPPED = frozenset({"activation", "get_kernel", "convert_to_numpy", "cond", "unbroadcast"})


def has_symbolic(args, kwargs=None) -> bool:
    for a in args:
        t = type(a)
        if t in SYMBOLIC_TYPES or ((t is list or t is tuple) and has_symbolic(a)):
            return True
    return bool(kwargs) and has_symbolic(tuple(kwargs.values()))


def symbolic_aware(name: str, fn):
    """``fn`` that records a graph node when given a symbolic tensor (the same signature)."""

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if SYMBOLIC_TYPES and has_symbolic(args, kwargs):
            from ..layers.op_layer import record

            return record(name, args, kwargs)
        return fn(*args, **kwargs)

    return op


def wrap_namespace(namespace: dict, names) -> None:
    for name in names:
        fn = namespace.get(name)
        if isinstance(fn, types.FunctionType) and name not in _NOT_WRAPPED:
            namespace[name] = symbolic_aware(name, fn)
