"""Pooling layers: MaxPooling1D/2D, AveragePooling1D/2D and the global poolings.

>>> import numpy as np
>>> from shendu.layers import GlobalAveragePooling2D, MaxPooling2D
>>> MaxPooling2D()(np.ones((2, 28, 28, 3))).shape
(2, 14, 14, 3)
>>> GlobalAveragePooling2D()(np.ones((2, 7, 7, 3))).shape
(2, 3)
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import ShapeError
from ..ops.conv import as_tuple, check_padding
from ..ops.pooling import AvgPool, MaxPool, pool_settings
from .base import Layer
from .convolutional import conv_output_shape, data_format_arg


class _Pooling(Layer):
    """Window pooling over ``rank`` spatial axes; ``strides`` defaults to ``pool_size``."""

    rank = 2
    default_pool = (2, 2)
    op = None
    function = None  # the op's Function class, for the Sequential fast path

    def __init__(self, pool_size=None, strides=None, padding: str = "valid",
                 data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        pool_size = self.default_pool if pool_size is None else pool_size
        self.pool_size = as_tuple(pool_size, self.rank, "pool_size", where)
        self.strides = self.pool_size if strides is None else as_tuple(strides, self.rank,
                                                                        "strides", where)
        self.padding = check_padding(padding, where)
        self.data_format = data_format_arg(data_format, where)

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected a {self.rank + 2}-D input, got "
                f"shape {tuple(inputs.shape)}. Hint: images are (batch, rows, cols, channels)."
            )
        self.compute_output_shape(tuple(inputs.shape))  # an input smaller than the window: named
        return type(self).op(inputs, self.pool_size, self.strides, self.padding,
                             self.data_format)

    def chain_steps(self, training=False):
        """The op of ``call`` as a (Function, weights) pair, for the Sequential fast path."""
        settings = pool_settings(self.rank, self.pool_size, self.strides, self.padding,
                                 self.data_format, self.name)
        return [(type(self).function(**settings), [])]

    def compute_output_shape(self, input_shape):
        shape = conv_output_shape(input_shape, self.rank, self.data_format, self.pool_size,
                                  self.strides, (1,) * self.rank, self.padding,
                                  f"{type(self).__name__} '{self.name}'")
        if self.data_format == "channels_first":
            return (shape[0], input_shape[1], *shape[1:])
        return (*shape, input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding,
                      data_format=self.data_format)
        return config


class MaxPooling2D(_Pooling):
    """Maximum over (pool_rows, pool_cols) windows.

    >>> import numpy as np
    >>> MaxPooling2D(pool_size=3, strides=2, padding="same")(np.ones((1, 7, 7, 2))).shape
    (1, 4, 4, 2)
    """

    op, function = staticmethod(ops.max_pool), MaxPool


class AveragePooling2D(_Pooling):
    """Mean over (pool_rows, pool_cols) windows ('same' padding: real cells only).

    >>> import numpy as np
    >>> AveragePooling2D()(np.ones((1, 4, 4, 2))).shape
    (1, 2, 2, 2)
    """

    op, function = staticmethod(ops.avg_pool), AvgPool


class MaxPooling1D(_Pooling):
    """Maximum over windows of ``pool_size`` steps.

    >>> import numpy as np
    >>> MaxPooling1D()(np.ones((1, 10, 3))).shape
    (1, 5, 3)
    """

    rank, default_pool = 1, 2
    op, function = staticmethod(ops.max_pool), MaxPool


class AveragePooling1D(_Pooling):
    """Mean over windows of ``pool_size`` steps.

    >>> import numpy as np
    >>> AveragePooling1D(pool_size=3)(np.ones((1, 9, 3))).shape
    (1, 3, 3)
    """

    rank, default_pool = 1, 2
    op, function = staticmethod(ops.avg_pool), AvgPool


class _GlobalPooling(Layer):
    """Reduce every spatial axis; ``keepdims`` keeps them with length 1."""

    rank = 2
    reduce = None

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_arg(data_format, f"{type(self).__name__} '{self.name}'")
        self.keepdims = keepdims

    def _axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self.rank))

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected a {self.rank + 2}-D input, got "
                f"shape {tuple(inputs.shape)}. Hint: check the layer before it."
            )
        return type(self).reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over rows and columns: (batch, rows, cols, channels) → (batch, channels).

    >>> import numpy as np
    >>> GlobalAveragePooling2D(keepdims=True)(np.ones((2, 5, 5, 3))).shape
    (2, 1, 1, 3)
    """

    reduce = staticmethod(ops.mean)


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum over rows and columns.

    >>> import numpy as np
    >>> GlobalMaxPooling2D()(np.ones((2, 5, 5, 3))).shape
    (2, 3)
    """

    reduce = staticmethod(ops.max)


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over steps: (batch, steps, features) → (batch, features).

    ``mask`` (batch, steps), True for real steps (from Embedding(mask_zero=True) or Masking's
    ``compute_mask``), averages over the unmasked steps only: Σ mask·x / Σ mask (0 for a
    sample with every step masked, where Keras gives NaN).

    >>> import numpy as np
    >>> GlobalAveragePooling1D()(np.ones((2, 7, 3))).shape
    (2, 3)
    """

    rank = 1
    reduce = staticmethod(ops.mean)

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        mask = np.asarray(getattr(mask, "data", mask))
        if mask.shape != tuple(inputs.shape[:2]) or self.data_format == "channels_first":
            raise ShapeError(
                f"GlobalAveragePooling1D '{self.name}': expected a (batch, steps) mask "
                f"{tuple(inputs.shape[:2])} with channels_last inputs, got mask shape "
                f"{mask.shape}. Hint: use the compute_mask of the Embedding/Masking layer."
            )
        weight = mask.astype(inputs.dtype)[:, :, None]
        # masked mean = Σ_t m_t x_t / max(Σ_t m_t, 1)  (a fully masked sample gives 0, not NaN)
        total = ops.sum(ops.multiply(inputs, weight), axis=1, keepdims=self.keepdims)
        return ops.divide(total, np.maximum(weight.sum(axis=1, keepdims=self.keepdims), 1))


class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum over steps.

    >>> import numpy as np
    >>> GlobalMaxPooling1D()(np.ones((2, 7, 3))).shape
    (2, 3)
    """

    rank = 1
    reduce = staticmethod(ops.max)


MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
