"""Adaptive pooling layers: AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D.

The output has ``output_size`` cells along each spatial axis whatever the input's size; cell i
of an axis of length L pools the input cells [⌊i·L/n⌋, ⌈(i + 1)·L/n⌉), as Keras 3 and
PyTorch's ``adaptive_avg_pool2d`` / ``adaptive_max_pool2d`` do.

>>> import numpy as np
>>> from shendu.layers import AdaptiveAveragePooling2D
>>> AdaptiveAveragePooling2D((2, 3))(np.ones((4, 7, 9, 3))).shape
(4, 2, 3, 3)
"""

from __future__ import annotations

import numbers

from ..errors import ArgumentError, ShapeError
from ..ops.adaptive_pooling import AdaptivePool, adaptive_pool
from .base import Layer
from .convolutional import data_format_arg


class _AdaptivePooling(Layer):
    """Shared by the six layers: output_size (an int or one per spatial axis), data_format."""

    rank = 2
    mode = "average"

    def __init__(self, output_size, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        sizes = (output_size,) * self.rank if isinstance(output_size, numbers.Integral) \
            else output_size
        ok = isinstance(sizes, (tuple, list)) and len(sizes) == self.rank and all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
            for s in sizes)
        if not ok:
            example = "(4,)" if self.rank == 1 else "(" + ", ".join(["4"] * self.rank) + ")"
            raise ArgumentError(
                f"{where}: output_size must be a positive int or a tuple of {self.rank} positive "
                f"ints (cells per spatial axis), got {output_size!r}. Hint: "
                f"{type(self).__name__}({example})."
            )
        self.output_size = tuple(int(s) for s in sizes)
        self.data_format = data_format_arg(data_format, where)

    def _axes(self) -> tuple[int, ...]:
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self.rank))

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            layout = ("channels, " + "spatial, " * self.rank).rstrip(", ") \
                if self.data_format == "channels_first" else "spatial, " * self.rank + "channels"
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected a {self.rank + 2}-D input "
                f"(batch, {layout}), got shape {tuple(inputs.shape)}. Hint: use the "
                f"{self.rank}D layer for {self.rank} spatial axes."
            )
        return adaptive_pool(inputs, self.output_size, self._axes(), self.mode)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path."""
        return [(AdaptivePool(size=self.output_size, axes=self._axes(), mode=self.mode), [])]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, size in zip(self._axes(), self.output_size):
            shape[axis] = size
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(output_size=self.output_size, data_format=self.data_format)
        return config


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Mean over ``output_size`` adaptive bins of the steps: (batch, steps, features) →
    (batch, output_size, features).

    >>> import numpy as np
    >>> AdaptiveAveragePooling1D(2)(np.arange(5.0).reshape(1, 5, 1)).data.ravel()
    array([1., 3.], dtype=float32)
    """

    rank = 1


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Maximum over ``output_size`` adaptive bins of the steps.

    >>> import numpy as np
    >>> AdaptiveMaxPooling1D(3)(np.array([[[1.0], [5.0], [2.0], [0.0], [4.0]]])).data.ravel()
    array([5., 5., 4.], dtype=float32)
    """

    rank, mode = 1, "max"


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Mean over an (rows, cols) grid of adaptive bins.

    >>> import numpy as np
    >>> AdaptiveAveragePooling2D(1)(np.arange(4.0).reshape(1, 2, 2, 1)).data.ravel()
    array([1.5], dtype=float32)
    """


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Maximum over an (rows, cols) grid of adaptive bins.

    >>> import numpy as np
    >>> AdaptiveMaxPooling2D((1, 2))(np.arange(6.0).reshape(1, 2, 3, 1)).data.ravel()
    array([4., 5.], dtype=float32)
    """

    mode = "max"


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Mean over a (depth, rows, cols) grid of adaptive bins.

    >>> import numpy as np
    >>> AdaptiveAveragePooling3D((1, 2, 2))(np.ones((2, 3, 5, 4, 6))).shape
    (2, 1, 2, 2, 6)
    """

    rank = 3


class AdaptiveMaxPooling3D(_AdaptivePooling):
    """Maximum over a (depth, rows, cols) grid of adaptive bins.

    >>> import numpy as np
    >>> AdaptiveMaxPooling3D(2, data_format="channels_first")(np.ones((1, 3, 4, 4, 4))).shape
    (1, 3, 2, 2, 2)
    """

    rank, mode = 3, "max"
