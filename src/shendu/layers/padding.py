"""Spatial reshaping of sequences and images: zero padding, cropping and upsampling, in 1-D
(ZeroPadding1D, Cropping1D, UpSampling1D on (batch, steps, channels)) and 2-D (ZeroPadding2D,
Cropping2D, UpSampling2D on (batch, rows, cols, channels)). Both ranks run the same three
helpers, :func:`pad_zeros`, :func:`crop` and :func:`repeat_nearest`, over their spatial axes.

>>> import numpy as np
>>> from shendu.layers import Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding2D
>>> ZeroPadding2D(1)(np.ones((1, 4, 4, 2))).shape
(1, 6, 6, 2)
>>> Cropping2D(((1, 0), (0, 2)))(np.ones((1, 4, 4, 2))).shape
(1, 3, 2, 2)
>>> UpSampling2D(2)(np.ones((1, 4, 4, 2))).shape
(1, 8, 8, 2)
>>> UpSampling1D(3)(np.ones((1, 4, 2))).shape
(1, 12, 2)
"""

from __future__ import annotations

import numbers

from .. import ops
from ..autograd import Tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from ..ops.conv import as_tuple
from ..ops.image import RESIZE_METHODS, resize_axes
from .base import Layer
from .convolutional import data_format_arg

INTERPOLATIONS = ("nearest", *RESIZE_METHODS)


def _whole(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def pair_arg(value, name: str, where: str) -> tuple[int, int]:
    """Keras's 1-D padding/cropping spec: an int (both ends) or (before, after)."""
    pair = (value, value) if _whole(value) else (
        tuple(value) if isinstance(value, (list, tuple)) else None)
    if pair is None or len(pair) != 2 or not all(_whole(v) and v >= 0 for v in pair):
        raise ArgumentError(
            f"{where}: {name} must be a non-negative int or 2 of them (before, after), got "
            f"{value!r}. Hint: {name}=2 or {name}=(1, 3)."
        )
    return int(pair[0]), int(pair[1])


def pairs_arg(value, name: str, where: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras's 2-D padding/cropping spec: int, (rows, cols) or ((top, bottom), (left, right))."""
    try:
        if _whole(value):
            result = ((value, value), (value, value))
        elif all(_whole(v) for v in value):
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
    return tuple((int(a), int(b)) for a, b in result)


def pad_zeros(x: Tensor, pairs, first_axis: int) -> Tensor:
    """``x`` with ``pairs[i] = (before, after)`` zeros on axis ``first_axis + i``; the
    gradient is the padded gradient cropped back (the concatenation's backward)."""
    xp = get_array_module(x.data)
    out = x
    for i, (before, after) in enumerate(pairs):
        axis = first_axis + i
        parts = []
        for n in (before, None, after):
            if n is None:
                parts.append(out)
            elif n:
                shape = list(out.shape)
                shape[axis] = n
                parts.append(Tensor(xp.zeros(shape, dtype=out.dtype)))
        out = ops.concatenate(parts, axis=axis) if len(parts) > 1 else out
    return out


def crop(x: Tensor, pairs, first_axis: int, where: str) -> Tensor:
    """``x`` without ``pairs[i] = (before, after)`` entries at the ends of axis
    ``first_axis + i``; a cropping that would leave nothing raises a ShapeError."""
    index = [slice(None)] * x.ndim
    for i, (before, after) in enumerate(pairs):
        axis = first_axis + i
        size = x.shape[axis]
        if before + after >= size:
            raise ShapeError(_overcrop(where, pairs, axis, size, tuple(x.shape)))
        index[axis] = slice(before, size - after)
    return x[tuple(index)]


def _overcrop(where, pairs, axis, size, shape) -> str:
    return (f"{where}: cropping {pairs if len(pairs) > 1 else pairs[0]} removes all {size} "
            f"entries of axis {axis} of an input of shape {shape}. Hint: crop fewer than "
            f"{size} in total along that axis.")


def repeat_nearest(x: Tensor, sizes, first_axis: int) -> Tensor:
    """``x`` with each entry of axis ``first_axis + i`` repeated ``sizes[i]`` times."""
    a, shape = first_axis, list(x.shape)
    spatial = shape[a:a + len(sizes)]
    expanded = shape[:a] + [d for n in spatial for d in (n, 1)] + shape[a + len(sizes):]
    repeated = shape[:a] + [d for n, s in zip(spatial, sizes) for d in (n, s)] \
        + shape[a + len(sizes):]
    final = shape[:a] + [n * s for n, s in zip(spatial, sizes)] + shape[a + len(sizes):]
    # each entry broadcast over a block of sizes; its gradient sums the block
    out = ops.broadcast_to(ops.reshape(x, tuple(expanded)), tuple(repeated))
    return ops.reshape(out, tuple(final))


class _Spatial(Layer):
    """Shared: data_format and the ``rank`` spatial axes of a (rank + 2)-D input."""

    rank = 2
    takes_data_format = True  # False: the Keras layer has no data_format (channels_last)

    def __init__(self, data_format: str | None = None, /, **kwargs):
        super().__init__(**kwargs)  # a data_format keyword here is unknown (Cropping1D's)
        self.data_format = data_format_arg(
            data_format if self.takes_data_format else "channels_last", self._where)
        self.first_axis = 2 if self.data_format == "channels_first" else 1

    @property
    def _where(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _check(self, inputs):
        if inputs.ndim != self.rank + 2:
            axes = "steps" if self.rank == 1 else "rows, cols"
            raise ShapeError(
                f"{self._where}: expected a {self.rank + 2}-D input (batch, {axes}, channels), "
                f"got shape {tuple(inputs.shape)}. Hint: add a channel axis, e.g. "
                "x[..., None]."
            )

    def _resize(self, input_shape, fn):
        shape = list(input_shape)
        for i in range(self.rank):
            d = shape[self.first_axis + i]
            shape[self.first_axis + i] = None if d is None else fn(i, d)
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        if self.takes_data_format:
            config["data_format"] = self.data_format
        return config


class _ZeroPadding(_Spatial):
    """Shared by ZeroPadding1D/2D: ``self._pairs`` holds (before, after) per spatial axis."""

    def call(self, inputs):
        self._check(inputs)
        return pad_zeros(inputs, self._pairs, self.first_axis)

    def compute_output_shape(self, input_shape):
        return self._resize(input_shape, lambda i, d: d + sum(self._pairs[i]))

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        return config


class ZeroPadding1D(_ZeroPadding):
    """Keras's ``ZeroPadding1D(padding=1, data_format=None)``: zeros before and after the
    steps of (batch, steps, channels) inputs (channels_first: (batch, channels, steps)).

    >>> import numpy as np
    >>> ZeroPadding1D((1, 2))(np.ones((1, 2, 1))).data[0, :, 0].tolist()
    [0.0, 1.0, 1.0, 0.0, 0.0]
    """

    rank = 1

    def __init__(self, padding=1, data_format: str | None = None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = pair_arg(padding, "padding", self._where)
        self._pairs = (self.padding,)


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns with zeros (differentiable: the gradient is cropped back).

    >>> import numpy as np
    >>> ZeroPadding2D(((1, 0), (2, 1)))(np.ones((1, 3, 3, 1))).shape
    (1, 4, 6, 1)
    """

    def __init__(self, padding=(1, 1), data_format: str | None = None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = pairs_arg(padding, "padding", self._where)
        self._pairs = self.padding


class _Cropping(_Spatial):
    """Shared by Cropping1D/2D: ``self._pairs`` holds (before, after) per spatial axis."""

    def call(self, inputs):
        self._check(inputs)
        return crop(inputs, self._pairs, self.first_axis, self._where)

    def compute_output_shape(self, input_shape):
        def cropped(i, d):
            if sum(self._pairs[i]) >= d:
                raise ShapeError(_overcrop(self._where, self._pairs, self.first_axis + i, d,
                                           tuple(input_shape)))
            return d - sum(self._pairs[i])
        return self._resize(input_shape, cropped)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        return config


class Cropping1D(_Cropping):
    """Keras's ``Cropping1D(cropping=(1, 1))``: removes steps at both ends of (batch, steps,
    channels) inputs.

    >>> import numpy as np
    >>> Cropping1D((1, 2))(np.arange(5.0).reshape(1, 5, 1)).data[0, :, 0].tolist()
    [1.0, 2.0]
    """

    rank = 1
    takes_data_format = False

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(None, **kwargs)
        self.cropping = pair_arg(cropping, "cropping", self._where)
        self._pairs = (self.cropping,)


class Cropping2D(_Cropping):
    """Removes rows and columns at the borders.

    >>> import numpy as np
    >>> Cropping2D(1)(np.ones((1, 5, 5, 1))).shape
    (1, 3, 3, 1)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format: str | None = None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = pairs_arg(cropping, "cropping", self._where)
        self._pairs = self.cropping


class UpSampling1D(_Spatial):
    """Keras's ``UpSampling1D(size=2)``: repeats each step of (batch, steps, channels)
    inputs ``size`` times (the gradient of a step sums over its copies).

    >>> import numpy as np
    >>> UpSampling1D(2)(np.array([[[1.0], [2.0]]])).data[0, :, 0].tolist()
    [1.0, 1.0, 2.0, 2.0]
    """

    rank = 1
    takes_data_format = False

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(None, **kwargs)
        if not _whole(size) or size <= 0:
            raise ArgumentError(
                f"{self._where}: size must be a positive int (how often each step is "
                f"repeated), got {size!r}. Hint: size=2 doubles the length."
            )
        self.size = int(size)

    def call(self, inputs):
        self._check(inputs)
        return repeat_nearest(inputs, (self.size,), self.first_axis)

    def compute_output_shape(self, input_shape):
        return self._resize(input_shape, lambda i, d: d * self.size)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


class UpSampling2D(_Spatial):
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
        self.size = as_tuple(size, 2, "size", self._where)
        if interpolation not in INTERPOLATIONS:
            raise ArgumentError(
                f"{self._where}: interpolation must be one of "
                f"{', '.join(map(repr, INTERPOLATIONS))}, got {interpolation!r}. Hint: "
                "'nearest' repeats pixels, 'bilinear' interpolates; use Conv2DTranspose for a "
                "learned upsampling."
            )
        self.interpolation = interpolation

    def call(self, inputs):
        self._check(inputs)
        a = self.first_axis
        if self.interpolation != "nearest":
            size = (inputs.shape[a] * self.size[0], inputs.shape[a + 1] * self.size[1])
            return resize_axes(inputs, size, self.interpolation, axis=a)
        return repeat_nearest(inputs, self.size, a)

    def compute_output_shape(self, input_shape):
        return self._resize(input_shape, lambda i, d: d * self.size[i])

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, interpolation=self.interpolation)
        return config
