"""Image preprocessing that changes the size (Resizing, CenterCrop, RandomCrop) or the colours
(RandomContrast, RandomBrightness) — Keras's arguments and defaults.

Resizing and CenterCrop work the same in training and inference. RandomCrop crops at a random
place in training and resizes the largest centred window of the target's aspect ratio in
inference, so both give (height, width) images. RandomContrast and RandomBrightness change
their input only in training (a direct call without ``training`` augments, as Keras 3's do) and
clip the result to ``value_range``. Images are (batch, height, width, channels), or channels
first with ``data_format="channels_first"``; a single unbatched image is accepted too.

>>> import numpy as np
>>> from shendu.layers import CenterCrop, Resizing
>>> Resizing(2, 4)(np.ones((1, 6, 6, 3))).shape
(1, 2, 4, 3)
>>> CenterCrop(2, 2)(np.arange(16.0).reshape(1, 4, 4, 1)).data.ravel()
array([ 5.,  6.,  9., 10.], dtype=float32)
"""

from __future__ import annotations

import numbers

from ..errors import ArgumentError, ShapeError
from ..ops.image import RESIZE_METHODS, AdjustBrightness, AdjustContrast, Crop, Resize
from .base import Layer
from .convolutional import data_format_arg
from .preprocessing import _RandomImageLayer

INTERPOLATIONS = ("bilinear", "nearest", *[m for m in RESIZE_METHODS if m != "bilinear"])
WHOLE = (0, None)  # a Resize window: the whole axis


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _where(layer) -> str:
    return f"{type(layer).__name__} '{layer.name}'"


def _size_arg(layer, name: str, value) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
        raise ArgumentError(
            f"{_where(layer)}: {name} must be a positive int (pixels of the output), got "
            f"{value!r}. Hint: {type(layer).__name__}(height=224, width=224)."
        )
    return int(value)


def _spatial_axis(layer, inputs) -> int:
    """The rows' axis of a rank-3 or rank-4 image input (the columns' axis follows it)."""
    if inputs.ndim not in (3, 4):
        layout = "channels, height, width" if layer.data_format == "channels_first" else \
            "height, width, channels"
        raise ShapeError(
            f"{_where(layer)}: expected images of rank 4 (batch, {layout}) or 3 ({layout}), "
            f"got shape {tuple(inputs.shape)}. Hint: add a channels axis, e.g. x[..., None]."
        )
    return inputs.ndim - (2 if layer.data_format == "channels_first" else 3)


def aspect_crop(h: int, w: int, height: int, width: int):
    """Keras's crop to the target's aspect ratio: the largest centred window, as
    ((row start, rows), (col start, cols))."""
    rows = max(min(h, w * height // width), 1)
    cols = max(min(w, h * width // height), 1)
    return ((h - rows) // 2, rows), ((w - cols) // 2, cols)


def aspect_pad(h: int, w: int, height: int, width: int):
    """Keras's padding to the target's aspect ratio: the short side padded evenly on both
    ends, as ((row start, rows), (col start, cols)) windows reaching past the image."""
    top = (max(h, w * height // width) - h) // 2
    left = (max(w, h * width // height) - w) // 2
    return (-top, h + 2 * top), (-left, w + 2 * left)


def _built_axis(layer):
    """The rows' axis when the layer was built on batches with known rows and cols, else None
    (then the Sequential fast path is not used)."""
    shape = layer._build_shape
    if not isinstance(shape, tuple) or len(shape) != 4:
        return None
    axis = 2 if layer.data_format == "channels_first" else 1
    return None if shape[axis] is None or shape[axis + 1] is None else axis


def _sized_output_shape(layer, input_shape):
    shape = list(input_shape)
    axis = len(shape) - (2 if layer.data_format == "channels_first" else 3)
    shape[axis:axis + 2] = [layer.height, layer.width]
    return tuple(shape)


class _SizedImageLayer(Layer):
    """Shared by Resizing and CenterCrop: height, width, data_format."""

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = _size_arg(self, "height", height), _size_arg(self, "width",
                                                                               width)
        self.data_format = data_format_arg(data_format, _where(self))

    def call(self, inputs):
        axis = _spatial_axis(self, inputs)
        fn, settings = self.step(inputs.shape[axis], inputs.shape[axis + 1], axis)
        return fn.apply(inputs, **settings)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path (needs a built image shape)."""
        axis = _built_axis(self)
        if axis is None:
            return None
        fn, settings = self.step(self._build_shape[axis], self._build_shape[axis + 1], axis)
        return [(fn(**settings), [])]

    def compute_output_shape(self, input_shape):
        return _sized_output_shape(self, input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, data_format=self.data_format)
        return config


class Resizing(_SizedImageLayer):
    """Resize images to (height, width), in training and inference (Keras's ``Resizing``).

    ``interpolation``: 'bilinear' (PyTorch's ``align_corners=False``), 'nearest' (PyTorch's
    'nearest-exact'), 'bicubic' (Keys, a = −0.5), 'lanczos3' or 'lanczos5'.
    ``crop_to_aspect_ratio=True`` first crops the largest centred window with the target's
    aspect ratio; ``pad_to_aspect_ratio=True`` instead pads the short side evenly with
    ``fill_value``. ``antialias=True`` widens the kernel when shrinking.

    >>> import numpy as np
    >>> Resizing(1, 4)(np.array([0.0, 4.0]).reshape(1, 1, 2, 1)).data.ravel()
    array([0., 1., 3., 4.], dtype=float32)
    >>> Resizing(1, 4, interpolation="nearest")(np.array([[[0.0], [4.0]]])).data.ravel()
    array([0., 0., 4., 4.], dtype=float32)
    """

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format: str | None = None, **kwargs):
        super().__init__(height, width, data_format, **kwargs)
        if interpolation not in INTERPOLATIONS:
            raise ArgumentError(
                f"{_where(self)}: interpolation must be one of "
                f"{', '.join(map(repr, INTERPOLATIONS))}, got {interpolation!r}. Hint: the "
                "default 'bilinear' suits photos, 'nearest' keeps label maps' values."
            )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ArgumentError(
                f"{_where(self)}: crop_to_aspect_ratio and pad_to_aspect_ratio are both True, "
                "but only one of them can be. Hint: crop loses the borders, pad adds "
                "fill_value around the image."
            )
        if fill_mode != "constant":
            raise ArgumentError(
                f"{_where(self)}: fill_mode must be 'constant' (padding with fill_value), got "
                f"{fill_mode!r}. Hint: Keras's Resizing supports only 'constant'."
            )
        if not _is_number(fill_value):
            raise ArgumentError(
                f"{_where(self)}: fill_value must be a number, got {fill_value!r}. Hint: "
                "fill_value=0.0 pads with black."
            )
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value = fill_mode, float(fill_value)
        self.antialias = bool(antialias)

    def step(self, h: int, w: int, axis: int):
        if self.crop_to_aspect_ratio:
            window = aspect_crop(h, w, self.height, self.width)
        elif self.pad_to_aspect_ratio:
            window = aspect_pad(h, w, self.height, self.width)
        else:
            window = (WHOLE, WHOLE)
        return Resize, dict(size=(self.height, self.width), method=self.interpolation,
                            axis=axis, window=window, fill_value=self.fill_value,
                            antialias=self.antialias)

    def get_config(self):
        config = super().get_config()
        config.update(interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                      pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                      fill_value=self.fill_value, antialias=self.antialias)
        return config


def _fit_to(h: int, w: int, height: int, width: int, axis: int):
    """Keras's resize of an image too small to crop: the largest centred window of the
    target's aspect ratio, resized bilinearly (``smart_resize``)."""
    return Resize, dict(size=(height, width), method="bilinear", axis=axis,
                        window=aspect_crop(h, w, height, width))


class CenterCrop(_SizedImageLayer):
    """Crop the centre (height, width) of each image, in training and inference. An image
    smaller than that along an axis is instead resized, as Keras does: its largest centred
    window of the target's aspect ratio, resized bilinearly.

    >>> import numpy as np
    >>> CenterCrop(1, 2)(np.arange(9.0).reshape(1, 3, 3, 1)).data.ravel()
    array([3., 4.], dtype=float32)
    >>> CenterCrop(4, 4)(np.ones((1, 2, 3, 1))).shape
    (1, 4, 4, 1)
    """

    def step(self, h: int, w: int, axis: int):
        if h < self.height or w < self.width:
            return _fit_to(h, w, self.height, self.width, axis)
        start = ((h - self.height) // 2, (w - self.width) // 2)
        return Crop, dict(start=start, size=(self.height, self.width), axis=axis)


class RandomCrop(_RandomImageLayer):
    """Crop a random (height, width) window in training, the same place for every image of a
    batch (as Keras). In inference, and in training when the image is smaller than the crop,
    the largest centred window of the target's aspect ratio is resized bilinearly to
    (height, width), as Keras documents (Keras 3.15's code passes the input through unchanged
    in inference, and crops at random only when both sides are strictly larger).

    >>> import numpy as np
    >>> layer = RandomCrop(2, 2, seed=0)
    >>> layer(np.ones((3, 5, 4, 1)), training=True).shape
    (3, 2, 2, 1)
    >>> layer(np.arange(16.0).reshape(1, 4, 4, 1), training=False).data.ravel()
    array([ 2.5,  4.5, 10.5, 12.5], dtype=float32)
    """

    def __init__(self, height: int, width: int, seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height, self.width = _size_arg(self, "height", height), _size_arg(self, "width",
                                                                               width)

    def _offsets(self, h: int, w: int) -> tuple[int, int]:
        """One random window position for the batch, uniform over the places that fit."""
        return (int(self.generator.integers(0, h - self.height + 1)),
                int(self.generator.integers(0, w - self.width + 1)))

    def step(self, h: int, w: int, axis: int, training: bool):
        if training and h >= self.height and w >= self.width:
            return Crop, dict(draw=self._offsets, size=(self.height, self.width), axis=axis)
        return _fit_to(h, w, self.height, self.width, axis)

    def call(self, inputs, training=False):
        axis = _spatial_axis(self, inputs)
        fn, settings = self.step(inputs.shape[axis], inputs.shape[axis + 1], axis, training)
        return fn.apply(inputs, **settings)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path (needs a built image shape)."""
        axis = _built_axis(self)
        if axis is None:
            return None
        shape = self._build_shape
        fn, settings = self.step(shape[axis], shape[axis + 1], axis, training)
        return [(fn(**settings), [])]

    def compute_output_shape(self, input_shape):
        return _sized_output_shape(self, input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config


def _factor_bounds(layer, factor, low: float, example: str,
                   name: str = "factor") -> tuple[float, float]:
    """Keras's colour factor: a number f in [low, 1], or a pair of them (sorted)."""
    if isinstance(factor, (list, tuple)) and len(factor) == 2:
        pair = tuple(factor)
    else:
        pair = (-abs(factor), abs(factor)) if low < 0 and _is_number(factor) else (factor,) * 2
    if not all(_is_number(v) and low <= v <= 1 for v in pair):
        raise ArgumentError(
            f"{_where(layer)}: {name} must be a number in [{low:g}, 1] or a pair (lower, "
            f"upper) of them, got {factor!r}. Hint: {example}."
        )
    return tuple(sorted(float(v) for v in pair))


def _value_range_arg(layer, value_range) -> tuple[float, float]:
    ok = isinstance(value_range, (list, tuple)) and len(value_range) == 2 and all(
        _is_number(v) and abs(v) < float("inf") for v in value_range)
    if not ok or value_range[0] == value_range[1]:
        raise ArgumentError(
            f"{_where(layer)}: value_range must be two different finite numbers (low, high), "
            f"the range of the input pixels, got {value_range!r}. Hint: (0, 255) for bytes, "
            "(0, 1) after Rescaling(1/255)."
        )
    low, high = sorted(value_range)
    return low, high


class _ColourLayer(_RandomImageLayer):
    """Shared by RandomContrast and RandomBrightness: factor, value_range, one op per image."""

    op = None  # the Function class
    low_factor = 0.0
    example = ""

    def __init__(self, factor, value_range=(0, 255), seed: int | None = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = list(factor) if isinstance(factor, tuple) else factor
        self.lower, self.upper = _factor_bounds(self, factor, self.low_factor, self.example)
        self.value_range = _value_range_arg(self, value_range)

    def settings(self, ndim: int) -> dict:
        low, high = self.value_range
        return dict(draw=self.draw, low=low, high=high)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        _spatial_axis(self, inputs)  # checks the rank
        x = inputs if inputs.ndim == 4 else inputs.reshape((1,) + tuple(inputs.shape))
        y = self.op.apply(x, **self.settings(4))
        return y if inputs.ndim == 4 else y.reshape(tuple(inputs.shape))

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path (nothing in inference)."""
        if not training:
            return []
        if not isinstance(self._build_shape, tuple) or len(self._build_shape) != 4:
            return None
        return [(self.op(**self.settings(4)), [])]

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=list(self.value_range))
        return config


class RandomContrast(_ColourLayer):
    """Scale each image's contrast by a random factor c in [1 − lower, 1 + upper], in training:
    y = clip((x − m) · c + m, *value_range), m the mean of each channel of the image.

    ``factor``: f in [0, 1] for [1 − f, 1 + f], or a pair (lower, upper) in [0, 1], as Keras
    documents (Keras 3.15's code draws a single f from [1, 1 + f]).

    >>> import numpy as np
    >>> x = np.array([[[[10.0], [30.0]]]])
    >>> RandomContrast(0.5, seed=0)(x, training=False).data.ravel()
    array([10., 30.], dtype=float32)
    >>> y = RandomContrast((1.0, 1.0), value_range=(0, 255))(x).data.ravel()
    >>> bool(0 <= y[0] <= 20 <= y[1] <= 40)
    True
    """

    op = AdjustContrast
    low_factor = 0.0
    example = "0.2 scales the contrast by a random factor in [0.8, 1.2]"

    def draw(self, n: int):
        return self.generator.uniform(1.0 - self.lower, 1.0 + self.upper, size=n)

    def settings(self, ndim: int) -> dict:
        axes = (ndim - 2, ndim - 1) if self.data_format == "channels_first" else (
            ndim - 3, ndim - 2)
        return {**super().settings(ndim), "axes": axes}


class RandomBrightness(_ColourLayer):
    """Shift each image's pixels by a random d · (high − low), d in [lower, upper], in
    training, then clip to ``value_range`` = (low, high).

    ``factor``: f in [−1, 1] for [−|f|, |f|], or a pair (lower, upper) in [−1, 1].

    >>> import numpy as np
    >>> RandomBrightness((0.5, 0.5), value_range=(0, 1))(np.array([[[[0.2], [0.7]]]])).data
    array([[[[0.7],
             [1. ]]]], dtype=float32)
    """

    op = AdjustBrightness
    low_factor = -1.0
    example = "0.2 shifts by a random fraction in [-0.2, 0.2] of value_range's width"

    def draw(self, n: int):
        low, high = self.value_range
        return self.generator.uniform(self.lower, self.upper, size=n) * (high - low)
