"""Zero padding, cropping and nearest upsampling of volumes: ZeroPadding3D, Cropping3D and
UpSampling3D on (batch, dim1, dim2, dim3, channels) inputs (channels_first: (batch, channels,
dim1, dim2, dim3)). They run the helpers of the 1-D and 2-D layers (``padding.pad_zeros``,
``crop`` and ``repeat_nearest``) over three spatial axes.

>>> import numpy as np
>>> from shendu.layers import Cropping3D, UpSampling3D, ZeroPadding3D
>>> ZeroPadding3D(1)(np.ones((1, 2, 3, 4, 2))).shape
(1, 4, 5, 6, 2)
>>> Cropping3D(((1, 0), (0, 1), (1, 1)))(np.ones((1, 3, 3, 4, 2))).shape
(1, 2, 2, 2, 2)
>>> UpSampling3D((1, 2, 3))(np.ones((1, 2, 2, 2, 1))).shape
(1, 2, 4, 6, 1)
"""

from __future__ import annotations

from ..errors import ArgumentError, ShapeError
from ..ops.conv import as_tuple
from .padding import _Cropping, _Spatial, _whole, _ZeroPadding, repeat_nearest


def triples_arg(value, name: str, where: str):
    """Keras's 3-D padding/cropping spec: an int (every side), 3 ints (both sides of each axis)
    or 3 (before, after) pairs."""
    try:
        if _whole(value):
            result = ((value, value),) * 3
        elif all(_whole(v) for v in value):
            result = tuple((v, v) for v in value)
        else:
            result = tuple(tuple(pair) for pair in value)
        if len(result) != 3 or any(len(p) != 2 or not all(_whole(v) and v >= 0 for v in p)
                                   for p in result):
            raise ValueError
    except (TypeError, ValueError):
        raise ArgumentError(
            f"{where}: {name} must be a non-negative int, 3 of them, or 3 (before, after) pairs, "
            f"got {value!r}. Hint: {name}=((1, 1), (2, 2), (0, 1))."
        ) from None
    return tuple((int(a), int(b)) for a, b in result)


class _Volume(_Spatial):
    """Shared: the check of a 5-D input."""

    rank = 3

    def _check(self, inputs):
        if inputs.ndim != 5:
            layout = ("(batch, channels, dim1, dim2, dim3)" if self.data_format ==
                      "channels_first" else "(batch, dim1, dim2, dim3, channels)")
            raise ShapeError(
                f"{self._where}: expected a 5-D input {layout}, got shape "
                f"{tuple(inputs.shape)}. Hint: images (4-D) go to the 2-D layer; add a channel "
                "axis with x[..., None]."
            )


class ZeroPadding3D(_Volume, _ZeroPadding):
    """Pads the three spatial axes with zeros (the gradient is cropped back).

    >>> import numpy as np
    >>> ZeroPadding3D(((0, 1), (2, 0), (1, 1)), data_format="channels_first")(
    ...     np.ones((1, 2, 3, 3, 3))).shape
    (1, 2, 4, 5, 5)
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = triples_arg(padding, "padding", self._where)
        self._pairs = self.padding


class Cropping3D(_Volume, _Cropping):
    """Removes entries at both ends of the three spatial axes.

    >>> import numpy as np
    >>> Cropping3D()(np.ones((1, 4, 5, 6, 2))).shape
    (1, 2, 3, 4, 2)
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = triples_arg(cropping, "cropping", self._where)
        self._pairs = self.cropping


class UpSampling3D(_Volume):
    """Repeats each entry ``size[i]`` times along spatial axis i (nearest neighbour; the
    gradient of an entry sums over its copies).

    >>> import numpy as np
    >>> UpSampling3D(2)(np.ones((1, 2, 2, 2, 3))).shape
    (1, 4, 4, 4, 3)
    """

    def __init__(self, size=(2, 2, 2), data_format: str | None = None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = as_tuple(size, 3, "size", self._where)

    def call(self, inputs):
        self._check(inputs)
        return repeat_nearest(inputs, self.size, self.first_axis)

    def compute_output_shape(self, input_shape):
        return self._resize(input_shape, lambda i, d: d * self.size[i])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config
