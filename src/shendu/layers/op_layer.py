"""OpLayer: one ``keras.ops`` call (or a Tensor operator, or indexing) on symbolic tensors,
kept as a node of a functional model.

Keras 3 lets a functional model be written with ops between its layers: ``x + inputs`` for a
residual, ``ops.expand_dims(x, -1)``, ``inputs[:, :, 0]``. Each such call made on symbolic
tensors becomes an OpLayer holding the op's name and its constant arguments; the symbolic
operands are its inputs. Its config names the op (looked up in :mod:`shendu.ops` by name when
loading, never imported by path or evaluated) and holds the constants as JSON, so a model
with ops saves and loads like any other. It has no weights, and a constant may not be a
trainable weight (the graph would freeze its value).

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.layers import Dense, Input
>>> from shendu.models import Model
>>> inputs = Input(shape=(3,))
>>> outputs = ops.concatenate([Dense(2)(inputs), inputs * 2.0], axis=-1)
>>> outputs.shape
(None, 5)
>>> model = Model(inputs, outputs)
>>> [type(layer).__name__ for layer in model.layers]
['InputLayer', 'Dense', 'OpLayer', 'OpLayer']
>>> model.predict(np.ones((1, 3)), verbose=0)[0, 2:]
array([2., 2., 2.], dtype=float32)
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Tensor
from ..errors import ArgumentError, UnknownNameError
from .base import Layer
from .node import SymbolicTensor

GETITEM = "__getitem__"


def _encode(obj, leaves: list, where: str):
    """JSON for one argument; symbolic tensors become {'tensor': i} and go into ``leaves``."""
    if isinstance(obj, SymbolicTensor):
        leaves.append(obj)
        return {"tensor": len(leaves) - 1}
    if isinstance(obj, list):
        return [_encode(x, leaves, where) for x in obj]
    if isinstance(obj, tuple):
        return {"tuple": [_encode(x, leaves, where) for x in obj]}
    if isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
        return {"dict": {k: _encode(v, leaves, where) for k, v in obj.items()}}
    if isinstance(obj, slice):
        return {"slice": [_encode(x, leaves, where) for x in (obj.start, obj.stop, obj.step)]}
    if obj is Ellipsis:
        return {"ellipsis": True}
    if obj is None or isinstance(obj, (bool, str)):
        return {"value": obj}
    if isinstance(obj, (numbers.Number, np.generic)) and not isinstance(obj, complex):
        return {"value": obj.item() if isinstance(obj, np.generic) else obj}
    if isinstance(obj, Tensor) and obj.requires_grad:
        raise ArgumentError(
            f"{where}: a trainable weight cannot be a constant of a functional model (its value "
            "would be frozen into the graph). Hint: use it inside a layer's call, e.g. a custom "
            "Layer that owns the weight.")
    if isinstance(obj, (np.ndarray, Tensor)):
        array = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
        if array.dtype.kind not in "biuf":
            raise ArgumentError(f"{where}: a constant array must be numeric, got dtype "
                                f"{array.dtype}.")
        return {"array": array.tolist(), "dtype": array.dtype.name, "shape": list(array.shape)}
    raise ArgumentError(
        f"{where}: cannot keep a {type(obj).__name__} argument in a functional model (numbers, "
        "strings, None, slices, lists, tuples and numeric arrays can be). Hint: wrap the "
        "computation in a custom Layer.")


def _decode(obj, values):
    if isinstance(obj, list):
        return [_decode(x, values) for x in obj]
    if not isinstance(obj, dict) or len(obj) == 0:
        raise ArgumentError(f"OpLayer config: malformed argument {obj!r}.")
    if "tensor" in obj:
        return values[obj["tensor"]]
    if "tuple" in obj:
        return tuple(_decode(x, values) for x in obj["tuple"])
    if "dict" in obj:
        return {k: _decode(v, values) for k, v in obj["dict"].items()}
    if "slice" in obj:
        return slice(*(_decode(x, values) for x in obj["slice"]))
    if "ellipsis" in obj:
        return Ellipsis
    if "value" in obj:
        return obj["value"]
    if "array" in obj:
        return np.asarray(obj["array"], dtype=np.dtype(obj["dtype"])).reshape(obj["shape"])
    raise ArgumentError(f"OpLayer config: malformed argument {obj!r}.")


def _resolve(op: str):
    if op == GETITEM:
        return lambda x, key: x[key]
    from .. import ops

    if op.startswith("image.") and op[6:] in ops.image.SYMBOLIC_NAMES:
        return getattr(ops.image, op[6:])
    if op not in ops.__all__:
        raise UnknownNameError(f"OpLayer: unknown op {op!r}. Hint: it must be a shendu.ops "
                               "name, such as 'add' or 'concatenate'.")
    return getattr(ops, op)


class OpLayer(Layer):
    """One op of :mod:`shendu.ops` with fixed constant arguments; its inputs are the operands.

    ``args`` and ``kwargs`` are the op's arguments in the JSON form :func:`record` writes,
    with ``{"tensor": i}`` where input ``i`` goes.

    >>> import numpy as np
    >>> layer = OpLayer("multiply", args=[{"tensor": 0}, {"value": 3.0}])
    >>> layer([np.ones((1, 2))]).data
    array([[3., 3.]], dtype=float32)
    """

    def __init__(self, op: str, args=None, kwargs=None, **layer_kwargs):
        layer_kwargs.setdefault("name", None)
        if layer_kwargs["name"] is None:
            from .base import unique_name

            # "image.extract_patches" is named "extract_patches", as Keras names it
            base = "get_item" if op == GETITEM else str(op).rsplit(".", 1)[-1]
            layer_kwargs["name"] = unique_name(base)
        super().__init__(**layer_kwargs)
        if not isinstance(op, str):
            raise ArgumentError(f"OpLayer: op must be an ops name, got {op!r}.")
        self.op = op
        self._fn = _resolve(op)
        self.args = list(args or [])
        self.kwargs = dict(kwargs or {})

    def call(self, inputs):
        values = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        args = [_decode(a, values) for a in self.args]
        kwargs = {k: _decode(v, values) for k, v in self.kwargs.items()}
        return self._fn(*args, **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "op": self.op, "args": self.args, "kwargs": self.kwargs}


def record(op: str, args, kwargs) -> SymbolicTensor:
    """The symbolic result of ``ops.<op>(*args, **kwargs)``: a new OpLayer called on the
    symbolic tensors among the arguments."""
    where = f"ops.{op}" if op != GETITEM else "indexing a symbolic tensor"
    leaves: list = []
    enc_args = [_encode(a, leaves, where) for a in args]
    enc_kwargs = {k: _encode(v, leaves, where) for k, v in kwargs.items()}
    return OpLayer(op, enc_args, enc_kwargs)(leaves)
