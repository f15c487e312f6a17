"""Keras's ``keras.ops.image`` functions over the kernels the image layers use: grayscale,
padding and cropping to a size, ``resize`` (Keras's signature over ``image.resize_axes``),
Gaussian blur and projective (``affine_transform``) resampling. Images are a single image
(rank 3) or a batch (rank 4), ``data_format`` None follows
``shendu.config.image_data_format()``; every result is differentiable in the images.

>>> import numpy as np
>>> x = np.arange(4.0).reshape(2, 2, 1)
>>> pad_images(x, 1, 0, None, None, target_height=4, target_width=3).data[..., 0]
array([[0., 0., 0.],
       [0., 1., 0.],
       [2., 3., 0.],
       [0., 0., 0.]])
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, as_tensor
from ..backend import get_array_module, image_data_format
from ..errors import ArgumentError, ShapeError
from .image_filters import gaussian_kernel_1d

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")
AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "reflect")


def _format(name: str, data_format):
    fmt = image_data_format() if data_format is None else data_format
    if fmt not in ("channels_last", "channels_first"):
        raise ArgumentError(
            f"ops.image.{name}: data_format must be 'channels_last' or 'channels_first', got "
            f"{data_format!r}. Hint: None follows shendu.config.image_data_format()."
        )
    return fmt


def _images(name: str, images, arg: str = "images"):
    x = as_tensor(images)
    if x.ndim not in (3, 4):
        raise ShapeError(
            f"ops.image.{name}: {arg} must be an image of rank 3 or a batch of rank 4, got "
            f"shape {tuple(x.shape)}. Hint: add a batch axis, e.g. x[None]."
        )
    return x


def _rows_axis(x, fmt: str) -> int:
    """The height axis (width follows it)."""
    return x.ndim - 3 if fmt == "channels_last" else x.ndim - 2


def _channels_last_batch(x, fmt: str):
    """x as (n, h, w, c), and a function that turns such a result back into x's layout."""
    from .shape import transpose

    single = x.ndim == 3
    if single:
        x = x[None]
    if fmt == "channels_first":
        x = transpose(x, (0, 2, 3, 1))

    def back(y):
        if fmt == "channels_first":
            y = transpose(y, (0, 3, 1, 2))
        return y[0] if single else y

    return x, back


def rgb_to_grayscale(images, data_format=None):
    """0.2989·r + 0.5870·g + 0.1140·b (as ``tf.image.rgb_to_grayscale``), keeping a channel axis
    of 1; one-channel images come back unchanged.

    >>> import numpy as np
    >>> rgb_to_grayscale(np.array([[[1.0, 1.0, 0.0]]])).data
    array([[[0.8859]]])
    """
    fmt = _format("rgb_to_grayscale", data_format)
    x = _images("rgb_to_grayscale", images)
    axis = x.ndim - 1 if fmt == "channels_last" else x.ndim - 3
    if x.shape[axis] not in (1, 3):
        raise ShapeError(
            f"ops.image.rgb_to_grayscale: expected 3 (RGB) or 1 (grayscale) channels on axis "
            f"{axis} ({fmt}), got shape {tuple(x.shape)}. Hint: check data_format."
        )
    if x.shape[axis] == 1:
        return x * 1
    from .compare import cast
    from .products import tensordot
    from .shape import expand_dims

    dtype = x.data.dtype
    z = x if dtype.kind == "f" else cast(x, "float32")
    weights = np.array([0.2989, 0.5870, 0.1140], dtype=z.data.dtype)
    gray = expand_dims(tensordot(z, weights, axes=([axis], [0])), axis)
    return gray if dtype.kind == "f" else cast(gray, str(dtype))


def _amounts(name, before, after, target, size, kind, keys, shrink):
    given = [before, after, target].count(None)
    if given != 1:
        raise ArgumentError(
            f"ops.image.{name}: exactly one of {keys} must be None, got "
            f"{keys[0]}={before}, {keys[1]}={after}, {keys[2]}={target}. "
            f"Hint: give two of them; the third is inferred from the image size."
        )
    if shrink:  # cropping: size = before + target + after
        before = size - target - after if before is None else before
        target = size - before - after if target is None else target
        after = size - before - target
    else:  # padding: target = before + size + after
        before = target - after - size if before is None else before
        after = target - before - size if after is None else after
        target = before + size + after
    for key, value in zip(keys, (before, after, target)):
        if value < 0:
            raise ArgumentError(
                f"ops.image.{name}: {key} must be >= 0, got {key}={value} for an image "
                f"{kind} of {size}. Hint: check the {kind} against the image size."
            )
    return int(before), int(after), int(target)


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pad the images' height and width: per axis give two of (before, after, target).

    >>> import numpy as np
    >>> pad_images(np.ones((1, 1, 1)), 0, 1, 1, 0).shape
    (2, 2, 1)
    """
    fmt = _format("pad_images", data_format)
    x = _images("pad_images", images)
    a = _rows_axis(x, fmt)
    top, bottom, _ = _amounts("pad_images", top_padding, bottom_padding, target_height,
                              x.shape[a], "height", ("top_padding", "bottom_padding",
                                                     "target_height"), False)
    left, right, _ = _amounts("pad_images", left_padding, right_padding, target_width,
                              x.shape[a + 1], "width", ("left_padding", "right_padding",
                                                        "target_width"), False)
    from .arrangement import pad

    widths = [(0, 0)] * x.ndim
    widths[a], widths[a + 1] = (top, bottom), (left, right)
    return pad(x, widths)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crop the images' height and width: per axis give two of (before, after, target).

    >>> import numpy as np
    >>> crop_images(np.arange(9.0).reshape(3, 3, 1), 1, 1, None, None, 1, 2).data[..., 0]
    array([[4., 5.]])
    """
    fmt = _format("crop_images", data_format)
    x = _images("crop_images", images)
    a = _rows_axis(x, fmt)
    top, _, height = _amounts("crop_images", top_cropping, bottom_cropping, target_height,
                              x.shape[a], "height", ("top_cropping", "bottom_cropping",
                                                     "target_height"), True)
    left, _, width = _amounts("crop_images", left_cropping, right_cropping, target_width,
                              x.shape[a + 1], "width", ("left_cropping", "right_cropping",
                                                        "target_width"), True)
    index = [slice(None)] * x.ndim
    index[a], index[a + 1] = slice(top, top + height), slice(left, left + width)
    return x[tuple(index)]


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize the images' height and width to ``size`` (half-pixel centres, as Keras), first
    cropping the centre to the target's aspect ratio (``crop_to_aspect_ratio``) or padding
    both sides with ``fill_value`` to it (``pad_to_aspect_ratio``).

    >>> import numpy as np
    >>> resize(np.array([[[0.0], [4.0]]]), (1, 4)).data.ravel()
    array([0., 1., 3., 4.])
    """
    from .image import resize_axes

    fmt = _format("resize", data_format)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ArgumentError(
            f"ops.image.resize: interpolation must be one of {RESIZE_INTERPOLATIONS}, got "
            f"{interpolation!r}. Hint: 'area' is not supported here; use antialias=True."
        )
    if fill_mode != "constant":
        raise ArgumentError(
            f"ops.image.resize: fill_mode must be 'constant', got {fill_mode!r}. "
            "Hint: it is the only mode Keras supports."
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ArgumentError(
            "ops.image.resize: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be "
            "True. Hint: pick one."
        )
    if len(tuple(size)) != 2:
        raise ArgumentError(
            f"ops.image.resize: size must be (height, width), got {size!r}. "
            "Hint: e.g. size=(224, 224)."
        )
    x = _images("resize", images)
    a = _rows_axis(x, fmt)
    th, tw = (int(s) for s in size)
    h, w = x.shape[a], x.shape[a + 1]
    window = ((0, None), (0, None))
    if crop_to_aspect_ratio:
        ch = max(min(h, int(w * th / tw)), 1)
        cw = max(min(w, int(h * tw / th)), 1)
        window = (((h - ch) // 2, ch), ((w - cw) // 2, cw))
    elif pad_to_aspect_ratio:
        top = (max(h, int(w * th / tw)) - h) // 2
        left = (max(w, int(h * tw / th)) - w) // 2
        if top > 0:  # Keras pads one axis: the same amount on both sides
            window = ((-top, h + 2 * top), (0, None))
        elif left > 0:
            window = ((0, None), (-left, w + 2 * left))
    return resize_axes(x, (th, tw), interpolation, axis=a, window=window,
                       fill_value=fill_value, antialias=antialias)


class _Correlate(Function):
    """y[r, c] = Σ_ij K[i, j] · x[r + i − top, c + j − left], zeros outside, over every image and
    channel of (n, h, w, c); linear, so dL/dx[r', c'] = Σ_ij K[i, j] · dL/dy[r' − i + top, ...].
    Settings: ``kernel`` (kh, kw), ``top``, ``left``."""

    def forward(self, x):
        xp = get_array_module(x)
        kh, kw = self.kernel.shape
        h, w = x.shape[1], x.shape[2]
        self.pads = ((0, 0), (self.top, kh - 1 - self.top), (self.left, kw - 1 - self.left),
                     (0, 0))
        padded = xp.pad(x, self.pads)
        y = xp.zeros_like(x)
        for i in range(kh):
            for j in range(kw):
                y += x.dtype.type(self.kernel[i, j]) * padded[:, i:i + h, j:j + w]
        return y

    def backward(self, g):
        xp = get_array_module(g)
        kh, kw = self.kernel.shape
        n, h, w, c = g.shape
        gp = xp.zeros((n, h + kh - 1, w + kw - 1, c), dtype=g.dtype)
        for i in range(kh):
            for j in range(kw):
                gp[:, i:i + h, j:j + w] += g.dtype.type(self.kernel[i, j]) * g
        return gp[:, self.top:self.top + h, self.left:self.left + w]


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur by the Gaussian kernel outer(k(kernel_size[1], σ[1]), k(kernel_size[0], σ[0])) —
    rows from the second entry, columns from the first, as Keras — with zeros outside.

    >>> import numpy as np
    >>> gaussian_blur(np.ones((1, 3, 1)), (3, 1), (1.0, 1.0)).data.ravel().round(4)
    array([0.7259, 1.    , 0.7259])
    """
    fmt = _format("gaussian_blur", data_format)
    x = _images("gaussian_blur", images)
    sizes = tuple(int(k) for k in np.broadcast_to(kernel_size, (2,)))
    sigmas = tuple(float(s) for s in np.broadcast_to(sigma, (2,)))
    if min(sizes) < 1 or min(sigmas) <= 0:
        raise ArgumentError(
            f"ops.image.gaussian_blur: kernel_size must be positive and sigma > 0, got "
            f"kernel_size={kernel_size!r}, sigma={sigma!r}. Hint: e.g. (3, 3) and (1.0, 1.0)."
        )
    kernel = np.outer(gaussian_kernel_1d(sizes[1], sigmas[1]),
                      gaussian_kernel_1d(sizes[0], sigmas[0]))
    z, back = _channels_last_batch(x, fmt)
    return back(_Correlate.apply(z, kernel=kernel, top=(sizes[1] - 1) // 2,
                                 left=(sizes[0] - 1) // 2))


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Resample each image at the projective map ``transform`` [a0, …, a7] (one for all, or
    one per image): output pixel (x, y) reads the input at ((a0 x + a1 y + a2) / k,
    (a3 x + a4 y + a5) / k), k = a6 x + a7 y + 1 (x the column, y the row).

    >>> import numpy as np
    >>> shift = [1.0, 0, 1.0, 0, 1.0, 0, 0, 0]  # read one column to the right
    >>> affine_transform(np.arange(3.0).reshape(1, 3, 1), shift).data.ravel()
    array([1., 2., 0.])
    """
    from .image_warp import projective_grid, sample_at

    fmt = _format("affine_transform", data_format)
    if interpolation not in ("nearest", "bilinear"):
        raise ArgumentError(
            f"ops.image.affine_transform: interpolation must be 'nearest' or 'bilinear', got "
            f"{interpolation!r}. Hint: bilinear is the default."
        )
    if fill_mode not in AFFINE_FILL_MODES:
        raise ArgumentError(
            f"ops.image.affine_transform: fill_mode must be one of {AFFINE_FILL_MODES}, got "
            f"{fill_mode!r}. Hint: 'constant' fills with fill_value."
        )
    x = _images("affine_transform", images)
    t = np.asarray(getattr(transform, "data", transform), dtype=np.float64)
    if t.ndim not in (1, 2) or t.shape[-1] != 8 or (t.ndim == 2 and x.ndim == 3):
        raise ShapeError(
            f"ops.image.affine_transform: transform must be (8,) or (batch, 8) for a batch, got "
            f"shape {t.shape}. Hint: [a0, a1, a2, b0, b1, b2, c0, c1]."
        )
    z, back = _channels_last_batch(x, fmt)
    n, h, w = z.shape[:3]
    t = np.broadcast_to(t.reshape(-1, 8), (n, 8))
    rows, cols = projective_grid(t, h, w)
    return back(sample_at(z, rows, cols, fill_mode=fill_mode, interpolation=interpolation,
                          fill_value=fill_value))


__all__ = ("rgb_to_grayscale", "pad_images", "crop_images", "resize", "gaussian_blur",
           "affine_transform")
