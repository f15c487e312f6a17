"""More core names of ``keras.ops``: facts about a tensor (shape, ndim, size, dtype,
is_tensor), get_item, select, saturate_cast, unravel_index, in_top_k and multi_hot here; the
control flow (switch, map, scan, associative_scan, fori_loop, while_loop, vectorized_map) in
``loops.py``, ``vectorize.py``; the out-of-place writes (slice_update, scatter_update,
segment_max, segment_min, segment_prod) in ``updates.py``; ``custom_gradient.py``.

The facts answer at once, also for a symbolic tensor of a functional model (its batch axis is
None), as Keras's do: they never become graph nodes.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.zeros((8, 12), dtype="float32"))
>>> ops.shape(x), ops.ndim(x), ops.size(x), ops.dtype(x), ops.is_tensor(x)
((8, 12), 2, 96, 'float32', True)
>>> ops.select([x[0] < 1], [ops.ones_like(x[0])]).shape
(12,)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from ..autograd import Tensor, as_tensor
from ..backend import floatx, get_array_module
from ..errors import ArgumentError, DTypeError, ShapeError
from .arguments import check_count, check_indices, is_int
from .custom_gradient import custom_gradient
from .indexing import one_hot
from .loops import (
    associative_scan,
    fori_loop,
    map,
    scan,
    switch,
    vectorized_map,
    while_loop,
)
from .math import where
from .shape import getitem
from .shape import max as _max
from .updates import scatter_update, segment_max, segment_min, segment_prod, slice_update
from .vectorize import vectorize


class _AtOnce:
    """A function of ``shendu.ops`` that answers at once, symbolic tensors included: the ops
    namespace wraps only plain functions into graph-recording ones, and this is not one."""

    def __init__(self, fn: Callable):
        functools.update_wrapper(self, fn)
        self._fn = fn

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<shendu.ops.{self.__name__}>"


def _symbolic(x) -> bool:
    from .symbolic import SYMBOLIC_TYPES

    return type(x) in SYMBOLIC_TYPES


def _facts(op: str, x):
    """(shape, dtype name) of a tensor, an array, a symbolic tensor, a number or a list."""
    if _symbolic(x):
        return tuple(x.shape), x.dtype
    if isinstance(x, Tensor) or hasattr(x, "shape") and hasattr(x, "dtype"):
        return tuple(int(n) for n in x.shape), np.dtype(x.dtype).name
    try:
        array = np.asarray(x)
    except (ValueError, TypeError):
        array = None
    if array is None or array.dtype == object:
        raise ArgumentError(f"{op}: x must be a tensor, an array or a (nested) list of numbers, "
                            f"got {type(x).__name__}. Hint: ops.convert_to_tensor(x) first.")
    return tuple(array.shape), None


@_AtOnce
def shape(x) -> tuple:
    """The shape of ``x`` as a tuple of ints (None for a symbolic tensor's unknown axes).

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.shape(np.zeros((2, 3)))
    (2, 3)
    """
    return _facts("shape", x)[0]


@_AtOnce
def ndim(x) -> int:
    """The number of axes of ``x``.

    >>> from shendu import ops
    >>> ops.ndim([[1, 2], [3, 4]])
    2
    """
    return len(_facts("ndim", x)[0])


@_AtOnce
def size(x) -> int:
    """The number of elements of ``x``.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.size(np.zeros((2, 3)))
    6
    """
    dims = _facts("size", x)[0]
    if any(d is None for d in dims):
        raise ArgumentError(f"size: the shape {dims} has unknown axes, so the size is not known "
                            "while the model is being written. Hint: use ops.size inside a "
                            "layer's call, where the batch is known.")
    return int(np.prod(dims, dtype=np.int64))


@_AtOnce
def dtype(x) -> str:
    """The dtype of the tensor ``x`` as a name, such as ``'float32'``.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.dtype(np.zeros(2, dtype="int32"))
    'int32'
    """
    name = _facts("dtype", x)[1]
    if name is None:
        raise ArgumentError(f"dtype: x must be a tensor or an array (something with a dtype), "
                            f"got {type(x).__name__}. Hint: ops.dtype(ops.convert_to_tensor(x)).")
    return name


@_AtOnce
def is_tensor(x) -> bool:
    """True when ``x`` is a shendu Tensor (a weight included); NumPy arrays are data, not
    tensors.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.is_tensor(ops.ones(2)), ops.is_tensor(np.ones(2))
    (True, False)
    """
    return isinstance(x, Tensor)


def get_item(x, key) -> Tensor:
    """``x[key]`` (basic and integer-array indexing), differentiable.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.get_item(np.arange(6.0).reshape(2, 3), (1, slice(0, 2))).data
    array([3., 4.])
    """
    return getitem(as_tensor(x), key)


def select(condlist: Sequence, choicelist: Sequence, default=0) -> Tensor:
    """Each element from the first choice whose condition holds there, else ``default``
    (the shapes broadcast). The gradient follows the chosen values.

    >>> import numpy as np
    >>> from shendu import ops
    >>> x = np.arange(6.0)
    >>> ops.select([x < 3, x > 3], [x, x ** 2], 42.0).data
    array([ 0.,  1.,  2., 42., 16., 25.])
    """
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise ArgumentError(f"select: condlist and choicelist must be lists, got "
                            f"{type(condlist).__name__} and {type(choicelist).__name__}. "
                            "Hint: select([x < 0, x > 0], [a, b]).")
    if not condlist or len(condlist) != len(choicelist):
        raise ArgumentError(f"select: condlist and choicelist must be non-empty and of one "
                            f"length, got {len(condlist)} and {len(choicelist)}. Hint: one "
                            "choice per condition.")
    conds = [as_tensor(c.data if isinstance(c, Tensor) else c) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype.kind != "b":
            raise DTypeError(f"select: condlist[{i}] must be booleans, got dtype {c.dtype}. "
                             "Hint: compare, e.g. x > 0.")
    try:
        np.broadcast_shapes(*[c.shape for c in conds],
                            *[np.shape(ch.data if isinstance(ch, Tensor) else ch)
                              for ch in choicelist])
    except ValueError:
        raise ShapeError(f"select: the conditions and choices do not broadcast together, got "
                         f"shapes {[c.shape for c in conds]} and "
                         f"{[np.shape(getattr(ch, 'data', ch)) for ch in choicelist]}. Hint: "
                         "make them equal or 1 on each axis.") from None
    # the first condition that holds wins: build the choice from the last one back
    out = default
    for cond, choice in zip(reversed(conds), reversed(list(choicelist))):
        out = where(cond, choice, out)
    return out if isinstance(out, Tensor) else as_tensor(out)


def _limits(dtype: np.dtype) -> tuple:
    if dtype.kind == "b":
        return 0, 1
    info = np.iinfo(dtype) if dtype.kind in "iu" else np.finfo(dtype)
    return info.min, info.max


def saturate_cast(x, dtype) -> Tensor:
    """``x`` cast to ``dtype`` after clipping it into the range ``dtype`` can hold, so values
    saturate instead of wrapping around (no gradient, as with ``cast``).

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.saturate_cast(np.array([-1.0, 100.0, 300.0]), "uint8").data
    array([  0, 100, 255], dtype=uint8)
    """
    t = as_tensor(x)
    try:
        target = np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"saturate_cast: dtype must name a NumPy dtype, got {dtype!r}. Hint: "
                         "e.g. 'uint8' or 'int32'.") from None
    source = t.dtype
    if target.kind not in "biuf" or source.kind not in "biuf":
        raise DTypeError(f"saturate_cast: only numeric dtypes, got {source} to {target}. "
                         "Hint: e.g. saturate_cast(x, 'uint8').")
    (in_low, in_high), (out_low, out_high) = _limits(source), _limits(target)
    # the limits as values of x's dtype, nudged inwards when rounding took them outside
    low = np.asarray(max(in_low, out_low)).astype(source)
    high = np.asarray(min(in_high, out_high)).astype(source)
    if source.kind == "f":
        if low.item() < out_low:  # Python scalars compare exactly
            low = np.nextafter(low, 0, dtype=source)
        if high.item() > out_high:
            high = np.nextafter(high, 0, dtype=source)
    xp = get_array_module(t.data)
    values = t.data if source.kind == "b" else xp.clip(t.data, low, high)
    if source.kind == "f" and target.kind in "iub":
        values = xp.where(xp.isnan(values), 0, values)
    return Tensor(values.astype(target))


def unravel_index(indices, shape) -> tuple[Tensor, ...]:
    """The coordinates in an array of ``shape`` of each flat index: one tensor per axis, in
    the indices' integer dtype (int32 for Python ints).

    >>> import numpy as np
    >>> from shendu import ops
    >>> rows, cols = ops.unravel_index(np.array([5, 7]), (3, 3))
    >>> rows.data, cols.data
    (array([1, 2]), array([2, 1]))
    """
    dims = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
    if not dims or not all(is_int(d) and d > 0 for d in dims):
        raise ArgumentError(f"unravel_index: shape must be a tuple of ints > 0, got {shape!r}. "
                            "Hint: e.g. shape=(3, 4).")
    raw = indices.data if isinstance(indices, Tensor) else indices
    out_dtype = getattr(raw, "dtype", None)
    flat = check_indices("unravel_index", "indices", raw)
    out_dtype = np.dtype(out_dtype) if out_dtype is not None and np.dtype(out_dtype).kind in "iu" \
        else np.dtype("int32")
    total = int(np.prod(dims, dtype=np.int64))
    if flat.size and (int(flat.min()) < 0 or int(flat.max()) >= total):
        raise ArgumentError(f"unravel_index: indices must lie in [0, {total - 1}] for shape "
                            f"{dims}, got values in [{int(flat.min())}, {int(flat.max())}]. "
                            "Hint: a flat index counts the elements in row-major order.")
    xp = get_array_module(flat)
    return tuple(Tensor(c.astype(out_dtype)) for c in xp.unravel_index(flat, dims))


def in_top_k(targets, predictions, k: int) -> Tensor:
    """For each row of ``predictions`` (batch, classes), whether the score of its target class
    is among the ``k`` largest; classes tied with the k-th score count as in. A target out of
    range, or a row with a non-finite score, gives False (as TensorFlow's ``in_top_k``).

    >>> import numpy as np
    >>> from shendu import ops
    >>> p = np.array([[0.1, 0.4, 0.6, 0.9], [0.1, 0.7, 0.9, 0.8]])
    >>> ops.in_top_k(np.array([2, 0]), p, k=2).data
    array([ True, False])
    """
    k = check_count("in_top_k", "k", k)
    scores = as_tensor(predictions).data
    ids = check_indices("in_top_k", "targets", targets)
    if scores.ndim != 2 or ids.shape != scores.shape[:1]:
        raise ShapeError(f"in_top_k: predictions must be (batch, classes) and targets "
                         f"(batch,), got {scores.shape} and {ids.shape}. Hint: one target "
                         "class per row of scores.")
    if scores.dtype.kind not in "iuf":
        raise DTypeError(f"in_top_k: predictions must be numbers, got dtype {scores.dtype}. "
                         "Hint: ops.cast(predictions, 'float32').")
    xp = get_array_module(scores)
    batch, classes = scores.shape
    valid = (ids >= 0) & (ids < classes)
    if k == 0 or classes == 0 or batch == 0:
        return Tensor(xp.zeros(batch, dtype=bool))
    kth = xp.partition(scores, classes - min(k, classes), axis=-1)[:, classes - min(k, classes)]
    picked = scores[xp.arange(batch), xp.where(valid, ids, 0)]
    finite = xp.all(xp.isfinite(scores), axis=-1)
    return Tensor(valid & finite & (picked >= kth))


def multi_hot(inputs, num_classes: int | None = None, axis: int = -1, dtype=None,
              sparse: bool = False, **kwargs) -> Tensor:
    """The one-hot vectors of ``inputs``' labels merged by max over axis 1 (axis 0 for 1-D
    inputs): 1 for each class present. ``num_tokens`` is accepted for ``num_classes``; labels
    outside [0, num_classes) are ignored. No gradient.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.multi_hot(np.array([[0, 2], [1, 1]]), num_classes=4).data
    array([[1., 0., 1., 0.],
           [0., 1., 0., 0.]], dtype=float32)
    """
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise ArgumentError(f"multi_hot: unknown argument(s) {sorted(kwargs)}. Hint: "
                            "multi_hot(inputs, num_classes, axis=-1, dtype=None).")
    if num_classes is None:
        raise ArgumentError("multi_hot: num_classes must be given, got None. Hint: the number "
                            "of classes, e.g. num_classes=10.")
    labels = check_indices("multi_hot", "inputs", inputs)
    if labels.ndim == 0:
        raise ShapeError("multi_hot: inputs must have at least one axis of labels, got a "
                         "scalar. Hint: wrap it in a list, e.g. [label].")
    name = np.dtype(dtype or floatx()).name
    hot = one_hot(labels, num_classes, axis=axis, dtype="float32" if name == "bool" else name,
                  sparse=sparse)
    merged = _max(hot, axis=1 if labels.ndim > 1 else 0)
    return Tensor(merged.data.astype(name, copy=False))


__all__ = [
    "associative_scan", "custom_gradient", "dtype", "fori_loop", "get_item", "in_top_k",
    "is_tensor", "map", "multi_hot", "ndim", "saturate_cast", "scan", "scatter_update",
    "segment_max", "segment_min", "segment_prod", "select", "shape", "size", "slice_update",
    "switch", "unravel_index", "vectorize", "vectorized_map", "while_loop",
]
