"""Keras's small tensor helpers in ``keras.utils``: :func:`standardize_dtype` (any spelling of
a dtype to its canonical name), :func:`is_keras_tensor` (is this a symbolic tensor of a
functional graph?) and :func:`get_source_inputs` (the ``Input`` tensors a symbolic tensor was
computed from).

>>> from shendu.layers import Dense, Input
>>> x = Input(shape=(3,))
>>> y = Dense(2)(x)
>>> is_keras_tensor(y), get_source_inputs(y)[0] is x
(True, True)
>>> standardize_dtype(float)
'float32'
"""

from __future__ import annotations

from .. import backend
from ..errors import ArgumentError

# the canonical names Keras 3.15 accepts (keras.src.backend.common.dtypes.ALLOWED_DTYPES);
# a name is only a name here: NumPy has no bfloat16 or float8, so shendu cannot compute in them
ALLOWED_DTYPES = frozenset({
    "bfloat16", "bool", "complex128", "complex64", "float16", "float32", "float64",
    "float8_e4m3fn", "float8_e5m2", "int16", "int32", "int64", "int8", "string", "uint16",
    "uint32", "uint64", "uint8",
})
# Python's own types, as Keras names them (float is float32, int is int64)
_PYTHON_TYPES = {bool: "bool", int: "int64", float: "float32", str: "string",
                 complex: "complex128", "int": "int64"}


def standardize_dtype(dtype):
    """The canonical name of ``dtype``: None gives :func:`~shendu.config.floatx`; Python's
    types, NumPy's dtypes and scalar types, torch's dtypes and plain names all give names from
    Keras's list (``'float32'``, ``'int64'``, ``'bool'``, ...).

    >>> import numpy as np
    >>> standardize_dtype(None), standardize_dtype(int), standardize_dtype(np.dtype("int8"))
    ('float32', 'int64', 'int8')
    >>> standardize_dtype(np.float64)
    'float64'
    >>> standardize_dtype("double")
    Traceback (most recent call last):
    ...
    shendu.errors.ArgumentError: standardize_dtype: dtype 'double' is not a dtype name ...
    """
    given = dtype
    if dtype is None:
        return backend.floatx()
    try:
        dtype = _PYTHON_TYPES.get(dtype, dtype)
    except TypeError:  # unhashable: not a dtype, refused below
        pass
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    elif "torch" in str(dtype) or "jax.numpy" in str(dtype):
        dtype = str(dtype).rsplit(".", 1)[-1]
    if not isinstance(dtype, str) or dtype not in ALLOWED_DTYPES:
        raise ArgumentError(
            f"standardize_dtype: dtype {given!r} is not a dtype name Keras knows; expected one "
            f"of {sorted(ALLOWED_DTYPES)} or a type that names one (float, np.int32, ...). "
            "Hint: spell the size out, e.g. 'float64' rather than 'double' or 'f8'."
        )
    return dtype


def is_keras_tensor(x) -> bool:
    """True when ``x`` is a symbolic tensor (from ``Input`` or a layer called on one), False
    for arrays, eager tensors and anything else.

    >>> import numpy as np
    >>> from shendu.layers import Input
    >>> is_keras_tensor(Input(shape=(2,))), is_keras_tensor(np.ones(2))
    (True, False)
    """
    from ..layers.node import SymbolicTensor

    return isinstance(x, SymbolicTensor)


def get_source_inputs(tensor):
    """The list of ``Input`` tensors that ``tensor`` was computed from, each once, in the order
    a depth-first walk over each layer's inputs (left to right) first meets them. An input
    tensor gives ``[tensor]``; anything that is not a symbolic tensor is returned unchanged,
    as in Keras.

    >>> from shendu.layers import Add, Dense, Input
    >>> a, b = Input(shape=(2,)), Input(shape=(2,))
    >>> total = Add()([Dense(2)(b), a, b])
    >>> [t is b for t in get_source_inputs(total)]
    [True, False]
    >>> get_source_inputs(3)
    3
    """
    if not is_keras_tensor(tensor):
        return tensor
    sources: list = []
    seen_nodes: set[int] = set()
    stack = [tensor]
    while stack:  # a loop, not recursion: a graph thousands of layers deep is fine
        current = stack.pop()
        node = current.node
        if node is None or not node.parents:
            if all(current is not s for s in sources):
                sources.append(current)
            continue
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        stack.extend(reversed(node.parents))
    return sources


__all__ = ["ALLOWED_DTYPES", "get_source_inputs", "is_keras_tensor", "standardize_dtype"]
