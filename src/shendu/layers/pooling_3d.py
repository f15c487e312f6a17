"""Pooling over volumes: MaxPooling3D, AveragePooling3D and the global 3-D poolings.

The window poolings share their arguments and checks with the 1-D and 2-D layers
(``pooling._Pooling``) and run the general N-d ops (``ops/pooling_nd.py``); the global ones
reduce the three spatial axes. Inputs are (batch, depth, rows, cols, channels), or
(batch, channels, depth, rows, cols) with ``data_format='channels_first'``.

>>> import numpy as np
>>> from shendu.layers import AveragePooling3D, GlobalMaxPooling3D, MaxPooling3D
>>> MaxPooling3D()(np.ones((2, 4, 6, 6, 3))).shape
(2, 2, 3, 3, 3)
>>> AveragePooling3D(3, strides=2, padding="same")(np.ones((1, 5, 5, 5, 2))).shape
(1, 3, 3, 3, 2)
>>> GlobalMaxPooling3D()(np.ones((2, 3, 3, 3, 4))).shape
(2, 4)
"""

from __future__ import annotations

from .. import ops
from ..errors import ShapeError
from ..ops.pooling_nd import AvgPoolND, MaxPoolND, avg_pool_nd, max_pool_nd, pool_nd_settings
from .pooling import _GlobalPooling, _Pooling


def _check_volume(layer, inputs) -> None:
    if inputs.ndim != 5:
        layout = ("(batch, channels, depth, rows, cols)" if layer.data_format == "channels_first"
                  else "(batch, depth, rows, cols, channels)")
        raise ShapeError(
            f"{type(layer).__name__} '{layer.name}': expected a 5-D input {layout}, got shape "
            f"{tuple(inputs.shape)}. Hint: images (4-D) go to the 2-D layers; add a channel "
            "axis with x[..., None]."
        )


class _Pooling3D(_Pooling):
    rank, default_pool = 3, (2, 2, 2)

    def call(self, inputs):
        _check_volume(self, inputs)
        return super().call(inputs)

    def chain_steps(self, training=False):
        """The op of ``call`` as a (Function, weights) pair, for the Sequential fast path."""
        settings = pool_nd_settings(3, self.pool_size, self.strides, self.padding,
                                    self.data_format, f"{type(self).__name__} '{self.name}'")
        return [(type(self).function(**settings), [])]


class MaxPooling3D(_Pooling3D):
    """Maximum over (pool_depth, pool_rows, pool_cols) windows; ``strides`` defaults to
    ``pool_size``, ``padding`` is 'valid' or 'same'.

    >>> import numpy as np
    >>> x = np.arange(8.0).reshape(1, 2, 2, 2, 1)
    >>> MaxPooling3D(pool_size=2)(x).data.ravel().tolist()
    [7.0]
    """

    op, function = staticmethod(max_pool_nd), MaxPoolND


class AveragePooling3D(_Pooling3D):
    """Mean over (pool_depth, pool_rows, pool_cols) windows ('same' padding: real cells only).
    As in Keras, ``pool_size`` has no default.

    >>> import numpy as np
    >>> AveragePooling3D((1, 2, 2))(np.ones((1, 3, 4, 4, 2))).shape
    (1, 3, 2, 2, 2)
    """

    op, function = staticmethod(avg_pool_nd), AvgPoolND

    def __init__(self, pool_size, strides=None, padding: str = "valid",
                 data_format: str | None = None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling3D(_GlobalPooling):
    rank = 3

    def call(self, inputs):
        _check_volume(self, inputs)
        return super().call(inputs)


class GlobalAveragePooling3D(_GlobalPooling3D):
    """Mean over depth, rows and columns: (batch, depth, rows, cols, channels) → (batch,
    channels); ``keepdims`` keeps the three axes with length 1.

    >>> import numpy as np
    >>> GlobalAveragePooling3D(keepdims=True)(np.ones((2, 3, 4, 5, 6))).shape
    (2, 1, 1, 1, 6)
    """

    reduce = staticmethod(ops.mean)


class GlobalMaxPooling3D(_GlobalPooling3D):
    """Maximum over depth, rows and columns.

    >>> import numpy as np
    >>> GlobalMaxPooling3D(data_format="channels_first")(np.ones((2, 6, 3, 4, 5))).shape
    (2, 6)
    """

    reduce = staticmethod(ops.max)


MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D
GlobalAvgPool3D, GlobalMaxPool3D = GlobalAveragePooling3D, GlobalMaxPooling3D
