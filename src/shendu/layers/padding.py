"""Spatial reshaping of images: ZeroPadding2D, Cropping2D, UpSampling2D.

>>> import numpy as np
>>> from shendu.layers import Cropping2D, UpSampling2D, ZeroPadding2D
>>> ZeroPadding2D(1)(np.ones((1, 4, 4, 2))).shape
(1, 6, 6, 2)
>>> Cropping2D(((1, 0), (0, 2)))(np.ones((1, 4, 4, 2))).shape
(1, 3, 2, 2)
>>> UpSampling2D(2)(np.ones((1, 4, 4, 2))).shape
(1, 8, 8, 2)
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..autograd import Tensor
from ..errors import ArgumentError, ShapeError
from ..ops.conv import as_tuple
from ..ops.image import RESIZE_METHODS, resize
from .base import Layer
from .convolutional import data_format_arg

INTERPOLATIONS = ("nearest", *RESIZE_METHODS)


def pairs_arg(value, name: str, where: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras's padding/cropping spec: int, (rows, cols) or ((top, bottom), (left, right))."""
    try:
        if isinstance(value, int):
            result = ((value, value), (value, value))
        elif all(isinstance(v, int) for v in value):
            (h, w) = value
            result = ((h, h), (w, w))
        else:
            result = tuple(tuple(int(v) for v in pair) for pair in value)
        if len(result) != 2 or any(len(p) != 2 or min(p) < 0 for p in result):
            raise ValueError
    except (TypeError, ValueError):
        raise ArgumentError(
            f"{where}: {name} must be an int, 2 ints or ((top, bottom), (left, right)) of "
            f"non-negative ints, got {value!r}. Hint: {name}=((1, 1), (2, 2))."
        ) from None
    return result


class _Spatial2D(Layer):
    """Shared: data_format and the (rows, cols) axes of a 4-D input."""

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_arg(data_format, f"{type(self).__name__} '{self.name}'")
        self.row_axis = 2 if self.data_format == "channels_first" else 1

    def _check(self, inputs):
        if inputs.ndim != 4:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected a 4-D input (batch, rows, cols, "
                f"channels), got shape {tuple(inputs.shape)}. Hint: add a channel axis."
            )

    def _resize(self, input_shape, fn):
        shape = list(input_shape)
        for i in (0, 1):
            d = shape[self.row_axis + i]
            shape[self.row_axis + i] = None if d is None else fn(i, d)
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class ZeroPadding2D(_Spatial2D):
    """Pads rows and columns with zeros (differentiable: the gradient is cropped back).

    >>> import numpy as np
    >>> ZeroPadding2D(((1, 0), (2, 1)))(np.ones((1, 3, 3, 1))).shape
    (1, 4, 6, 1)
    """

    def __init__(self, padding=(1, 1), data_format: str | None = None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = pairs_arg(padding, "padding", f"ZeroPadding2D '{self.name}'")

    def call(self, inputs):
        self._check(inputs)
        out = inputs
        for i, (before, after) in enumerate(self.padding):
            axis = self.row_axis + i
            parts = []
            for n in (before, None, after):
                if n is None:
                    parts.append(out)
                elif n:
                    shape = list(out.shape)
                    shape[axis] = n
                    parts.append(Tensor(np.zeros(shape, dtype=out.dtype)))
            out = ops.concatenate(parts, axis=axis) if len(parts) > 1 else out
        return out

    def compute_output_shape(self, input_shape):
        return self._resize(input_shape, lambda i, d: d + sum(self.padding[i]))

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        return config


class Cropping2D(_Spatial2D):
    """Removes rows and columns at the borders.

    >>> import numpy as np
    >>> Cropping2D(1)(np.ones((1, 5, 5, 1))).shape
    (1, 3, 3, 1)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format: str | None = None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = pairs_arg(cropping, "cropping", f"Cropping2D '{self.name}'")

    def call(self, inputs):
        self._check(inputs)
        index = [slice(None)] * 4
        for i, (before, after) in enumerate(self.cropping):
            size = inputs.shape[self.row_axis + i]
            if before + after >= size:
                raise ShapeError(
                    f"Cropping2D '{self.name}': cropping {self.cropping} removes every "
                    f"{'row' if i == 0 else 'column'} of an input of shape "
                    f"{tuple(inputs.shape)}. Hint: crop less."
                )
            index[self.row_axis + i] = slice(before, size - after)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        return self._resize(input_shape, lambda i, d: d - sum(self.cropping[i]))

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        return config


class UpSampling2D(_Spatial2D):
    """Upsamples rows and columns by ``size``: 'nearest' repeats each pixel, 'bilinear',
    'bicubic', 'lanczos3' and 'lanczos5' interpolate with half-pixel centres as Keras's
    ``image.resize`` does (for 'bilinear' that is PyTorch's ``align_corners=False``).

    >>> import numpy as np
    >>> UpSampling2D((2, 3))(np.ones((1, 2, 2, 1))).shape
    (1, 4, 6, 1)
    >>> x = np.array([0.0, 4.0]).reshape(1, 1, 2, 1)
    >>> UpSampling2D((1, 2), interpolation="bilinear")(x).data.ravel().tolist()
    [0.0, 1.0, 3.0, 4.0]
    """

    def __init__(self, size=(2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = as_tuple(size, 2, "size", f"UpSampling2D '{self.name}'")
        if interpolation not in INTERPOLATIONS:
            raise ArgumentError(
                f"UpSampling2D '{self.name}': interpolation must be one of "
                f"{', '.join(map(repr, INTERPOLATIONS))}, got {interpolation!r}. Hint: "
                "'nearest' repeats pixels, 'bilinear' interpolates; use Conv2DTranspose for a "
                "learned upsampling."
            )
        self.interpolation = interpolation

    def call(self, inputs):
        self._check(inputs)
        a = self.row_axis
        (sh, sw), shape = self.size, list(inputs.shape)
        if self.interpolation != "nearest":
            size = (shape[a] * sh, shape[a + 1] * sw)
            return resize(inputs, size, self.interpolation, axis=a)
        expanded = shape[:a] + [shape[a], 1, shape[a + 1], 1] + shape[a + 2:]
        repeated = shape[:a] + [shape[a], sh, shape[a + 1], sw] + shape[a + 2:]
        # nearest: each pixel broadcast over an (sh, sw) block; its gradient sums the block
        out = ops.broadcast_to(ops.reshape(inputs, tuple(expanded)), tuple(repeated))
        final = shape[:a] + [shape[a] * sh, shape[a + 1] * sw] + shape[a + 2:]
        return ops.reshape(out, tuple(final))

    def compute_output_shape(self, input_shape):
        return self._resize(input_shape, lambda i, d: d * self.size[i])

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, interpolation=self.interpolation)
        return config
