"""``keras.ops.image.extract_patches``: the ``size`` windows of a batch of images, each
flattened into the channel axis (its entries ordered patch row, patch column, channel, as
TensorFlow's ``extract_image_patches`` and Keras 3 on every backend).

Built on :func:`~shendu.ops.nn_patches.unfold`, so the gradient reaches the images (pixels
shared by overlapping windows add up). ``padding='same'`` pads as TensorFlow does: the odd
pixel goes after.

>>> import numpy as np
>>> images = np.arange(16.0).reshape(1, 4, 4, 1)
>>> patches = extract_patches(images, 2)
>>> patches.shape  # four 2x2 windows, each as 4 values
(1, 2, 2, 4)
>>> patches.data[0, 0]  # the top-left and top-right windows
array([[0., 1., 4., 5.],
       [2., 3., 6., 7.]])
"""

from __future__ import annotations

from ..autograd import Tensor
from ..backend import image_data_format
from ..errors import ArgumentError, ShapeError
from .arguments import floating, is_int
from .arrangement import pad
from .conv import check_padding, padding_amounts
from .nn_patches import _pair, unfold
from .shape import reshape, squeeze, transpose

_WHERE = "ops.image.extract_patches"


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None) -> Tensor:
    """The ``size`` patches of ``images`` (N, H, W, C) or (H, W, C), ``strides`` apart
    (default: ``size``, patches that do not overlap): shape (N, H', W', kh·kw·C), channels
    last; (N, kh·kw·C, H', W') for ``data_format='channels_first'``.

    >>> import numpy as np
    >>> extract_patches(np.ones((5, 5, 3)), (3, 3), strides=1).shape  # unbatched
    (3, 3, 27)
    >>> extract_patches(np.ones((2, 5, 5, 3)), 2, padding="same").shape
    (2, 3, 3, 12)
    """
    if not is_int(size) and isinstance(size, (tuple, list)) and len(size) == 3:
        raise ArgumentError(f"{_WHERE}: size={tuple(size)} asks for 3-D patches, which shendu "
                            "does not extract yet. Hint: pass a 2-D size such as (4, 4).")
    kh, kw = _pair(_WHERE, "size", size, 1)
    sh, sw = _pair(_WHERE, "strides", (kh, kw) if strides is None else strides, 1)
    dh, dw = _pair(_WHERE, "dilation_rate", dilation_rate, 1)
    padding = check_padding(padding, _WHERE)
    data_format = image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ArgumentError(f"{_WHERE}: data_format must be 'channels_last' or "
                            f"'channels_first', got {data_format!r}. Hint: leave it None to "
                            "use keras.config.image_data_format().")
    x = floating(images)
    if x.ndim not in (3, 4):
        raise ShapeError(f"{_WHERE}: images must be 4-D (batch, rows, cols, channels) or 3-D "
                         f"(one image), got shape {x.shape}. Hint: stack the images into a "
                         "batch.")
    unbatched = x.ndim == 3
    if unbatched:
        x = reshape(x, (1, *x.shape))
    if data_format == "channels_last":
        x = transpose(x, (0, 3, 1, 2))
    n, c, h, w = x.shape
    top, bottom, out_h = padding_amounts(h, kh, sh, dh, padding, _WHERE)
    left, right, out_w = padding_amounts(w, kw, sw, dw, padding, _WHERE)
    if top or bottom or left or right:
        x = pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    columns = unfold(x, (kh, kw), (dh, dw), 0, (sh, sw))  # (N, C·kh·kw, H'·W'), rows (c, i, j)
    patches = reshape(columns, (n, c, kh, kw, out_h, out_w))
    if data_format == "channels_last":
        patches = reshape(transpose(patches, (0, 4, 5, 2, 3, 1)), (n, out_h, out_w, kh * kw * c))
    else:
        patches = reshape(transpose(patches, (0, 2, 3, 1, 4, 5)), (n, kh * kw * c, out_h, out_w))
    return squeeze(patches, 0) if unbatched else patches
