"""Embedding (integer ids → dense vectors) and Masking (skip padded time steps).

Masks: both layers expose ``compute_mask(inputs, mask=None)`` returning a boolean (batch, steps)
array. Sequential and functional models do not propagate masks automatically yet; pass the mask
explicitly to the layers that accept ``mask=`` (MultiHeadAttention's ``attention_mask`` /
``query_mask``, Attention's ``mask``, GlobalAveragePooling1D's ``mask``).

>>> import numpy as np
>>> from shendu.layers import Embedding
>>> layer = Embedding(10, 4, mask_zero=True)
>>> layer(np.array([[3, 1, 0]])).shape
(1, 3, 4)
>>> layer.compute_mask(np.array([[3, 1, 0]]))
array([[ True,  True, False]])
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import constraints, initializers, ops, regularizers
from ..autograd import Tensor
from ..errors import ArgumentError
from ..ops.embedding import EmbeddingStep, embedding_lookup
from .base import Layer


def _positive_int(value, where: str, arg: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ArgumentError(f"{where}: {arg} must be a positive integer, got {value!r}. "
                            f"Hint: e.g. Embedding(input_dim=10000, output_dim=64).")
    return int(value)


class Embedding(Layer):
    """Keras's ``Embedding(input_dim, output_dim, ...)``: row ``i`` of an (input_dim, output_dim)
    table for each integer id ``i``; with ``mask_zero=True`` id 0 is padding (then ids go up to
    ``input_dim - 1`` and ``compute_mask`` marks the non-zero ids).

    >>> import numpy as np
    >>> Embedding(5, 2, embeddings_initializer="ones")(np.array([[0, 4]])).data
    array([[[1., 1.],
            [1., 1.]]], dtype=float32)
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        where = f"Embedding '{self.name}'"
        self.input_dim = _positive_int(input_dim, where, "input_dim")
        self.output_dim = _positive_int(output_dim, where, "output_dim")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim), self.embeddings_initializer, name="embeddings",
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)

    def _casts_inputs(self) -> bool:
        return False

    def call(self, inputs):
        return embedding_lookup(self.embeddings, inputs, where=f"Embedding '{self.name}'")

    def chain_steps(self, training=False):
        """The lookup as a (Function, weights) pair, for the Sequential fast path (which hands
        it the ids cast to floatx: exact only up to 2**24 in float32, so no plan beyond)."""
        if np.dtype(self.compute_dtype).itemsize < 8 and self.input_dim > 2 ** 24:
            return None
        return [(EmbeddingStep(where=f"Embedding '{self.name}'"), [self.embeddings])]

    @property
    def creates_mask(self) -> bool:
        """True with ``mask_zero``: id 0 marks padding for the layers that follow."""
        return bool(self.mask_zero)

    def compute_mask(self, inputs, mask=None):
        """Boolean (batch, steps): True where the id is not 0 (None without ``mask_zero``)."""
        if not self.mask_zero:
            return None
        data = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        return data != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            input_dim=self.input_dim, output_dim=self.output_dim,
            embeddings_initializer=initializers.serialize(self.embeddings_initializer),
            embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
            embeddings_constraint=constraints.serialize(self.embeddings_constraint),
            mask_zero=self.mask_zero)
        return config


class Masking(Layer):
    """Keras's ``Masking(mask_value=0.0)``: time steps whose features all equal ``mask_value``
    are masked; the output zeroes them, and ``compute_mask`` returns the (batch, steps) mask.

    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0], [0.0, 0.0]]])
    >>> Masking()(x).data
    array([[[1., 2.],
            [0., 0.]]], dtype=float32)
    >>> Masking().compute_mask(x)
    array([[ True, False]])
    """

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Real):
            raise ArgumentError(
                f"Masking '{self.name}': mask_value must be a number, got {mask_value!r}. Hint: "
                "mask_value=0.0 masks the time steps whose features are all 0."
            )
        self.mask_value = float(mask_value)

    creates_mask = True

    def compute_mask(self, inputs, mask=None):
        data = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        return np.any(data != self.mask_value, axis=-1)

    def call(self, inputs):
        keep = self.compute_mask(inputs)[..., None].astype(inputs.dtype)
        return ops.multiply(inputs, keep)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
