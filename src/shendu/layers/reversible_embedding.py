"""ReversibleEmbedding: an Embedding that also projects back to the vocabulary (Keras 3).

Called as usual it looks ids up; called with ``reverse=True`` on hidden states of width
``output_dim`` it returns logits over the ``input_dim`` ids: ``x @ embeddingsᵀ`` (tied
weights, as in Press & Wolf 2016), or ``x @ reverse_embeddings`` with ``tie_weights=False``,
optionally soft-capped, ``cap · tanh(logits / cap)``.

>>> import numpy as np
>>> layer = ReversibleEmbedding(10, 4)
>>> hidden = layer(np.array([[1, 2, 3]]))
>>> hidden.shape, layer(hidden, reverse=True).shape
((1, 3, 4), (1, 3, 10))
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ArgumentError, DTypeError, ShapeError
from .base import _dtype_name
from .embedding import Embedding


class _Cast(Function):
    """y = x in another float dtype; the gradient goes back in x's dtype."""

    def forward(self, x):
        self.source = x.dtype
        return get_array_module(x).asarray(x).astype(self.dtype)

    def backward(self, gy):
        # dy/dx = 1
        return gy.astype(self.source)


def _cast(x: Tensor, dtype: str) -> Tensor:
    return x if x.dtype == np.dtype(dtype) else _Cast.apply(x, dtype=dtype)


class ReversibleEmbedding(Embedding):
    """Keras's ``ReversibleEmbedding(input_dim, output_dim, tie_weights=True,
    embeddings_initializer="uniform", embeddings_regularizer=None, embeddings_constraint=None,
    mask_zero=False, reverse_dtype=None, logit_soft_cap=None)``.

    ``call(inputs, reverse=False)``: ids → (..., output_dim) vectors, as Embedding (with
    ``mask_zero``, id 0 is padding and ``compute_mask`` marks the others); ``reverse=True``:
    (..., output_dim) → (..., input_dim) logits, ``inputs @ embeddings.T``, or
    ``inputs @ reverse_embeddings`` (a second (output_dim, input_dim) weight, with the
    embeddings' initializer) when ``tie_weights=False``. ``reverse_dtype`` (e.g. "float64")
    is the dtype the projection runs and returns in (default: the layer's); with
    ``logit_soft_cap`` the logits become ``cap * tanh(logits / cap)``, inside (-cap, cap).
    A reverse call creates no mask. No bias, as in Keras.

    >>> import numpy as np
    >>> layer = ReversibleEmbedding(3, 2, tie_weights=False, logit_soft_cap=1.0,
    ...                             embeddings_initializer="ones", name="tokens")
    >>> _ = layer(np.array([0]))
    >>> [w.path for w in layer.weights]
    ['tokens/embeddings', 'tokens/reverse_embeddings']
    >>> layer(np.array([[1.0, 1.0]]), reverse=True).data  # tanh(2) for each of the 3 ids
    array([[0.9640276, 0.9640276, 0.9640276]], dtype=float32)
    """

    def __init__(self, input_dim: int, output_dim: int, tie_weights: bool = True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero: bool = False, reverse_dtype=None,
                 logit_soft_cap: float | None = None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        where = f"ReversibleEmbedding '{self.name}'"
        if not isinstance(tie_weights, (bool, np.bool_)):
            raise ArgumentError(
                f"{where}: tie_weights must be True or False, got {tie_weights!r}. Hint: True "
                "projects back with the embeddings' transpose; False adds reverse_embeddings."
            )
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = _dtype_name(reverse_dtype, where)
        if self.reverse_dtype is not None and np.dtype(self.reverse_dtype).kind != "f":
            raise DTypeError(
                f"{where}: reverse_dtype must be a float dtype, got {reverse_dtype!r}. Hint: "
                "reverse_dtype='float32' or 'float64', or None for the layer's own dtype."
            )
        if logit_soft_cap is not None and (
                isinstance(logit_soft_cap, bool) or not isinstance(logit_soft_cap, numbers.Real)
                or not logit_soft_cap > 0):
            raise ArgumentError(
                f"{where}: logit_soft_cap must be a positive number or None, got "
                f"{logit_soft_cap!r}. Hint: logit_soft_cap=30.0 keeps the logits in (-30, 30)."
            )
        self.logit_soft_cap = None if logit_soft_cap is None else float(logit_soft_cap)
        self._reversed = False  # whether the last call projected back (then it makes no mask)

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                (self.output_dim, self.input_dim), self.embeddings_initializer,
                name="reverse_embeddings")

    def call(self, inputs, reverse: bool = False):
        self._reversed = bool(reverse)
        if not reverse:
            return super().call(inputs)
        where = f"ReversibleEmbedding '{self.name}'"
        if inputs.ndim < 1 or inputs.shape[-1] != self.output_dim:
            raise ShapeError(
                f"{where}: reverse=True takes hidden states of width output_dim="
                f"{self.output_dim} on the last axis, got shape {tuple(inputs.shape)}. Hint: "
                "pass the output of the layers after the embedding, not the ids."
            )
        kernel = ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if inputs.dtype.kind != "f":
            inputs = _cast(inputs, self.compute_dtype)  # ids-typed states: compute in floats
        if self.reverse_dtype is not None:
            inputs, kernel = _cast(inputs, self.reverse_dtype), _cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.tanh(logits / cap) * cap  # cap · tanh(logits / cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        """Id 0's mask after a lookup with ``mask_zero``; none after a reverse call."""
        return None if self._reversed else super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse: bool = False):
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(tie_weights=self.tie_weights, reverse_dtype=self.reverse_dtype,
                      logit_soft_cap=self.logit_soft_cap)
        return config
