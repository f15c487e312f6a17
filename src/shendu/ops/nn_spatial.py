"""Spatial ``keras.ops.nn`` functions composed of existing ops: ``separable_conv`` (a depthwise
then a pointwise convolution), ``adaptive_average_pool`` / ``adaptive_max_pool`` (any rank,
either data format) and ``depth_to_space`` / ``space_to_depth``.

``depth_to_space`` splits the channels of a channels-last image as (row in block, column in
block, channel), TensorFlow's "DCR" order; a channels-first image as (channel, row, column),
PyTorch's ``pixel_shuffle``. That is what Keras 3's NumPy, JAX and PyTorch backends do (its
TensorFlow backend reads channels-first images in DCR order too). ``space_to_depth`` is the
inverse of each.

>>> import numpy as np
>>> x = np.arange(8.0).reshape(1, 1, 2, 4)  # (N, H, W, C) with C = 2²
>>> depth_to_space(x, 2).data[0, :, :, 0]
array([[0., 1., 4., 5.],
       [2., 3., 6., 7.]])
>>> bool((space_to_depth(depth_to_space(x, 2), 2).data == x).all())
True
"""

from __future__ import annotations

from ..autograd import Tensor
from ..backend import image_data_format
from ..errors import ArgumentError, ShapeError
from .adaptive_pooling import adaptive_pool
from .arguments import check_count, floating, is_int
from .conv import conv, depthwise_conv
from .shape import expand_dims, reshape, squeeze, transpose

_FORMATS = ("channels_last", "channels_first")


def _format(op: str, data_format) -> str:
    fmt = image_data_format() if data_format is None else data_format
    if fmt not in _FORMATS:
        raise ArgumentError(f"{op}: data_format must be 'channels_last' or 'channels_first', "
                            f"got {data_format!r}. Hint: None reads keras.config.")
    return fmt


def _one_d(value, name: str):
    """A 1-D stride or dilation as the (1, value) of a height-1 image."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ArgumentError(f"separable_conv: a 1-D {name} is an int or a 1-tuple, got "
                                f"{value!r}. Hint: {name}=1.")
        value = value[0]
    return (1, value)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1) -> Tensor:
    """A depthwise convolution (kernel (…, C, multiplier)) then a pointwise one (kernel
    (1, …, C·multiplier, filters)), for 1-D and 2-D inputs.

    >>> import numpy as np
    >>> separable_conv(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 2)), np.ones((1, 1, 4, 3)),
    ...                padding="same").shape
    (1, 5, 5, 3)
    """
    x, dk, pk = floating(inputs), floating(depthwise_kernel), floating(pointwise_kernel)
    fmt = _format("separable_conv", data_format)
    if x.ndim not in (3, 4) or dk.ndim != x.ndim or pk.ndim != x.ndim:
        raise ShapeError(f"separable_conv: inputs and both kernels must be 3-D (1-D conv) or "
                         f"4-D (2-D conv), got shapes {x.shape}, {dk.shape} and {pk.shape}. "
                         "Hint: kernels are (kernel…, in, multiplier) and (1…, in·mult, out).")
    if x.ndim == 3:
        spatial_axis = 2 if fmt == "channels_first" else 1
        y = separable_conv(expand_dims(x, spatial_axis), expand_dims(dk, 0), expand_dims(pk, 0),
                           _one_d(strides, "strides"), padding, fmt,
                           _one_d(dilation_rate, "dilation_rate"))
        return squeeze(y, spatial_axis)
    if pk.shape[:2] != (1, 1) or pk.shape[2] != dk.shape[2] * dk.shape[3]:
        raise ShapeError(f"separable_conv: pointwise_kernel must be (1, 1, {dk.shape[2]}·"
                         f"{dk.shape[3]}, filters) for depthwise_kernel {dk.shape}, got "
                         f"{pk.shape}. Hint: its input channels are channels × multiplier.")
    y = depthwise_conv(x, dk, strides, padding, fmt, dilation_rate)
    return conv(y, pk, 1, "valid", fmt, 1)


def _adaptive(op: str, inputs, output_size, data_format, mode: str) -> Tensor:
    x = floating(inputs)
    fmt = _format(op, data_format)
    rank = x.ndim - 2
    if rank not in (1, 2, 3):
        raise ShapeError(f"{op}: inputs must be 3-D, 4-D or 5-D (batch, spatial…, channels), "
                         f"got shape {x.shape}. Hint: add a batch axis with x[None].")
    size = (output_size,) * rank if is_int(output_size) else tuple(output_size) \
        if isinstance(output_size, (tuple, list)) else ()
    if len(size) != rank or not all(is_int(s) and int(s) >= 1 for s in size):
        raise ArgumentError(f"{op}: output_size must be an int >= 1 or {rank} of them for a "
                            f"{rank}-D pooling, got {output_size!r}. Hint: output_size=1 is "
                            "global pooling.")
    first = 2 if fmt == "channels_first" else 1
    return adaptive_pool(x, size, tuple(range(first, first + rank)), mode)


def adaptive_average_pool(inputs, output_size, data_format=None) -> Tensor:
    """Average pooling to ``output_size`` bins per spatial axis, whatever the input size
    (bin i of n over L cells covers [⌊iL/n⌋, ⌈(i+1)L/n⌉), PyTorch's rule).

    >>> import numpy as np
    >>> adaptive_average_pool(np.ones((2, 100, 80, 3)), 7).shape
    (2, 7, 7, 3)
    """
    return _adaptive("adaptive_average_pool", inputs, output_size, data_format, "average")


def adaptive_max_pool(inputs, output_size, data_format=None) -> Tensor:
    """Max pooling to ``output_size`` bins per spatial axis (the bins of
    :func:`adaptive_average_pool`).

    >>> import numpy as np
    >>> adaptive_max_pool(np.arange(5.0).reshape(1, 5, 1), 2).data[0, :, 0]
    array([2., 4.])
    """
    return _adaptive("adaptive_max_pool", inputs, output_size, data_format, "max")


def _block(op: str, x: Tensor, block_size, data_format) -> tuple[int, bool]:
    b = check_count(op, "block_size", block_size, 1)
    fmt = _format(op, data_format)
    if x.ndim != 4:
        raise ShapeError(f"{op}: x must be 4-D (N, H, W, C) or (N, C, H, W), got shape "
                         f"{x.shape}. Hint: add a batch axis with x[None].")
    return b, fmt == "channels_first"


def depth_to_space(x, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Move channels into block_size × block_size spatial blocks: (N, H, W, C) →
    (N, H·b, W·b, C / b²) (or the channels-first shapes).

    >>> import numpy as np
    >>> depth_to_space(np.ones((1, 8, 2, 3)), 2, "channels_first").shape
    (1, 2, 4, 6)
    """
    x = floating(x)
    b, first = _block("depth_to_space", x, block_size, data_format)
    if first:
        n, c, h, w = x.shape
    else:
        n, h, w, c = x.shape
    if c % (b * b):
        raise ShapeError(f"depth_to_space: the {c} channels must be a multiple of block_size² "
                         f"= {b * b}. Hint: check data_format and block_size.")
    cc = c // (b * b)
    if first:  # channels as (channel, row, column)
        y = transpose(reshape(x, (n, cc, b, b, h, w)), (0, 1, 4, 2, 5, 3))
        return reshape(y, (n, cc, h * b, w * b))
    y = transpose(reshape(x, (n, h, w, b, b, cc)), (0, 1, 3, 2, 4, 5))  # (row, column, channel)
    return reshape(y, (n, h * b, w * b, cc))


def space_to_depth(x, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Move block_size × block_size spatial blocks into channels (the inverse of
    :func:`depth_to_space`): (N, H, W, C) → (N, H / b, W / b, C·b²).

    >>> import numpy as np
    >>> space_to_depth(np.ones((1, 4, 6, 3)), 2).shape
    (1, 2, 3, 12)
    """
    x = floating(x)
    b, first = _block("space_to_depth", x, block_size, data_format)
    if first:
        n, c, h, w = x.shape
    else:
        n, h, w, c = x.shape
    if h % b or w % b:
        raise ShapeError(f"space_to_depth: height {h} and width {w} must be multiples of "
                         f"block_size={b}. Hint: crop or pad the image first.")
    if first:
        y = transpose(reshape(x, (n, c, h // b, b, w // b, b)), (0, 1, 3, 5, 2, 4))
        return reshape(y, (n, c * b * b, h // b, w // b))
    y = transpose(reshape(x, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5))
    return reshape(y, (n, h // b, w // b, c * b * b))
