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


class EmbeddingLookup(Function):
    """``out[..., :] = table[ids[...], :]``; ``ids`` is a constant (no gradient)."""

    def forward(self, table, ids):
        xp = get_array_module(table)
        ids = ids.astype(xp.int64, copy=False)
        self.ids, self.table_shape = ids, table.shape
        return table[ids]

    def backward(self, g):
        xp = get_array_module(g)
        vocab, dim = self.table_shape
        grad = xp.zeros(vocab * dim, dtype=g.dtype)
        # dL/dtable[k] = Σ over positions p with ids[p] = k of g[p]; scattered element by
        # element into the flat table (add.at on a 1-D index is many times faster than on rows)
        index = scratch.take(xp, (self.ids.size, dim), xp.int64)
        xp.multiply(self.ids.reshape(-1, 1), dim, out=index)
        index += xp.arange(dim)  # the flat position of (ids[p], column j)
        xp.add.at(grad, index.reshape(-1), g.reshape(-1))
        scratch.give(index)
        return grad.reshape(vocab, dim), None


def embedding_lookup(table, ids, where: str = "embedding_lookup") -> Tensor:
    """Rows of ``table`` (vocab, dim) at integer ``ids`` (any shape) → ids.shape + (dim,).

    Ids must be whole numbers in [0, vocab); floats holding whole numbers are accepted (models
    cast their inputs to floatx).
    """
    data = ids.data if isinstance(ids, Tensor) else ids
    xp = get_array_module(data)
    data = xp.asarray(data)
    vocab = table.shape[0]
    if data.dtype.kind == "f" and data.size and not bool(xp.all(data == xp.round(data))):
        raise ArgumentError(f"{where}: expected integer token ids, got non-integer values. "
                            "Hint: feed the output of TextVectorization or integer arrays.")
    if data.size and (int(data.min()) < 0 or int(data.max()) >= vocab):
        raise ArgumentError(
            f"{where}: token ids must lie in [0, {vocab}), got values in "
            f"[{int(data.min())}, {int(data.max())}]. Hint: raise input_dim to the vocabulary "
            "size (max id + 1).")
    return EmbeddingLookup.apply(table, Tensor(data.astype(xp.int64, copy=False)))
