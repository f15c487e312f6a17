"""Embedding lookup: rows of a table picked by integer ids, gradient scattered back with add.at.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu.ops.embedding import embedding_lookup
>>> table = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
>>> out = embedding_lookup(table, np.array([[2, 0, 2]]))
>>> out.data
array([[[4., 5.],
        [0., 1.],
        [4., 5.]]])
>>> out.sum().backward()
>>> table.grad
array([[1., 1.],
       [0., 0.],
       [2., 2.]])
"""

from __future__ import annotations

from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ArgumentError
from .scratch import scratch

_PAIRS = {"float32": "complex64", "float64": "complex128"}


def scatter_rows(ids, g, vocab: int):
    """dL/dtable (vocab, dim) from dL/dout ``g`` (ids.shape + (dim,)): Σ of g over equal ids.

    Scattered element by element into the flat table with add.at (on a 1-D index many times
    faster than on rows); two float32 (float64) numbers travel as one complex64 (complex128),
    whose addition is the two additions, so the index and the scatter are half as long.
    """
    xp = get_array_module(g)
    dim = g.shape[-1]
    g = xp.ascontiguousarray(g).reshape(-1)
    pair = _PAIRS.get(g.dtype.name) if dim % 2 == 0 else None
    if pair is not None:
        g, dim = g.view(pair), dim // 2
    grad = xp.zeros(vocab * dim, dtype=g.dtype)
    # dL/dtable[k] = Σ over positions p with ids[p] = k of g[p]
    index = scratch.take(xp, (ids.size, dim), xp.int64)
    xp.multiply(ids.reshape(-1, 1), dim, out=index)
    index += xp.arange(dim)  # the flat position of (ids[p], column j)
    xp.add.at(grad, index.reshape(-1), g)
    scratch.give(index)
    if pair is not None:
        grad = grad.view(g.real.dtype)
    return grad.reshape(vocab, -1)


class EmbeddingLookup(Function):
    """``out[..., :] = table[ids[...], :]``; ``ids`` is a constant (no gradient)."""

    def forward(self, table, ids):
        xp = get_array_module(table)
        ids = ids.astype(xp.int64, copy=False)
        self.ids, self.vocab = ids, table.shape[0]
        return table[ids]

    def backward(self, g):
        return scatter_rows(self.ids, g, self.vocab), None


class EmbeddingStep(Function):
    """The lookup in the order of the Sequential fast path (input first, then the weight):
    ``forward(ids, table)``, ids checked as :func:`embedding_lookup` checks them (they may come
    as floats holding whole numbers); ``backward`` gives (None, dL/dtable)."""

    reusable = True  # forward keeps nothing between calls (the Sequential fast path reuses it)

    def forward(self, ids, table):
        ids = checked_ids(ids, table.shape[0], self.where)
        self.ids, self.vocab = ids, table.shape[0]
        return table[ids]

    def backward(self, g):
        return None, scatter_rows(self.ids, g, self.vocab)


def checked_ids(data, vocab: int, where: str):
    """``data`` as int64 ids, after checking they are whole numbers in [0, vocab)."""
    xp = get_array_module(data)
    data = xp.asarray(data)
    if data.dtype.kind == "f" and data.size and not bool(xp.all(data == xp.round(data))):
        raise ArgumentError(f"{where}: expected integer token ids, got non-integer values. "
                            "Hint: feed the output of TextVectorization or integer arrays.")
    if data.size:
        low, high = int(data.min()), int(data.max())
        if low < 0 or high >= vocab:
            raise ArgumentError(
                f"{where}: token ids must lie in [0, {vocab}), got values in [{low}, {high}]. "
                "Hint: raise input_dim to the vocabulary size (max id + 1).")
    return data.astype(xp.int64, copy=False)


def embedding_lookup(table, ids, where: str = "embedding_lookup") -> Tensor:
    """Rows of ``table`` (vocab, dim) at integer ``ids`` (any shape) → ids.shape + (dim,).

    Ids must be whole numbers in [0, vocab); floats holding whole numbers are accepted (models
    cast their inputs to floatx).
    """
    data = ids.data if isinstance(ids, Tensor) else ids
    return EmbeddingLookup.apply(table, Tensor(checked_ids(data, table.shape[0], where)))
