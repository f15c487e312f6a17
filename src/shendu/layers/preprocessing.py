"""Image preprocessing and augmentation: Rescaling, RandomFlip, RandomTranslation,
RandomRotation, RandomZoom — Keras's arguments and defaults.

The random layers change their input only in training: ``fit`` runs them with
``training=True``, ``predict`` and ``evaluate`` with ``training=False`` (they pass the input
through). Called directly without ``training``, they augment, as Keras 3's do (their ``call``
defaults to ``training=True``). ``seed`` gives a layer its own generator, so its sequence of
transforms repeats; without it the global generator (``set_random_seed``) is used. Images are
(batch, height, width, channels), or channels first with ``data_format="channels_first"``; a
single unbatched image is accepted too.

>>> import numpy as np
>>> from shendu.layers import RandomFlip
>>> image = np.arange(4.0).reshape(1, 2, 2, 1)
>>> RandomFlip(seed=0)(image, training=False).data.ravel()
array([0., 1., 2., 3.], dtype=float32)
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import image_data_format
from ..backend import rng as global_rng
from ..errors import ArgumentError, ShapeError
from ..ops import transpose
from ..ops.image import (
    FILL_MODES,
    INTERPOLATIONS,
    AffineSample,
    Flip,
    ScaleShift,
    affine_sample,
    flip,
    scale_shift,
)
from .base import Layer


class Rescaling(Layer):
    """``y = x * scale + offset``, in training and inference (e.g. ``Rescaling(1/255)``).

    >>> import numpy as np
    >>> Rescaling(1 / 255)(np.array([[0.0, 255.0]])).data
    array([[0., 1.]], dtype=float32)
    """

    def __init__(self, scale: float, offset: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("scale", scale), ("offset", offset)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ArgumentError(
                    f"Rescaling '{self.name}': {name} must be a number, got {value!r}. "
                    "Hint: Rescaling(1/255) maps [0, 255] to [0, 1]; add offset=-1 with "
                    "scale=1/127.5 for [-1, 1]."
                )
        self.scale, self.offset = float(scale), float(offset)

    def call(self, inputs):
        return scale_shift(inputs, self.scale, self.offset)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path."""
        return [(ScaleShift(scale=self.scale, offset=self.offset), [])]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config


class _RandomImageLayer(Layer):
    """Shared parts: seed, data_format, batching of a single image, pass-through in inference."""

    def __init__(self, seed: int | None = None, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ArgumentError(
                f"{type(self).__name__} '{self.name}': data_format must be 'channels_last' or "
                f"'channels_first', got {data_format!r}. Hint: None follows "
                "shendu.config.image_data_format()."
            )
        self.seed = seed
        self.data_format = data_format or image_data_format()
        self._rng = None if seed is None else np.random.default_rng(seed)

    @property
    def generator(self) -> np.random.Generator:
        return self._rng or global_rng()

    def __call__(self, inputs, *args, training=None, **kwargs):
        # Keras 3: a direct call without ``training`` augments; models always pass it
        return super().__call__(inputs, *args, training=True if training is None else training,
                                **kwargs)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        if inputs.ndim not in (3, 4):
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected images of rank 4 (batch, "
                f"height, width, channels) or 3, got shape {tuple(inputs.shape)}. "
                "Hint: add a channels axis, e.g. x[..., None]."
            )
        x = inputs if inputs.ndim == 4 else inputs.reshape((1,) + tuple(inputs.shape))
        if self.data_format == "channels_first":
            x = transpose(x, (0, 2, 3, 1))
        y = self.transform(x)
        if self.data_format == "channels_first":
            y = transpose(y, (0, 3, 1, 2))
        return y if inputs.ndim == 4 else y.reshape(tuple(inputs.shape))

    def transform(self, x):  # pragma: no cover - interface
        raise NotImplementedError

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path (nothing in inference)."""
        if not training:
            return []
        if self.data_format != "channels_last" or len(self._build_shape or ()) != 4:
            return None
        return [(self.step(), [])]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(seed=self.seed, data_format=self.data_format)
        return config


class RandomFlip(_RandomImageLayer):
    """Flip each image left-right and/or upside down, each with probability 1/2, in training.

    ``mode``: 'horizontal', 'vertical' or 'horizontal_and_vertical' (default).

    >>> import numpy as np
    >>> layer = RandomFlip("horizontal", seed=1)
    >>> layer(np.zeros((2, 4, 4, 3)), training=True).shape
    (2, 4, 4, 3)
    """

    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in self.MODES:
            raise ArgumentError(
                f"RandomFlip '{self.name}': mode must be one of {self.MODES}, got {mode!r}. "
                "Hint: 'horizontal' mirrors left-right."
            )
        self.mode = mode

    def _draw_masks(self, n: int):
        cols = self.generator.random(n) < 0.5 if "horizontal" in self.mode else np.zeros(n, bool)
        rows = self.generator.random(n) < 0.5 if "vertical" in self.mode else np.zeros(n, bool)
        return rows, cols

    def transform(self, x):
        return flip(x, *self._draw_masks(x.shape[0]))

    def step(self):
        return Flip(draw=self._draw_masks)

    def get_config(self):
        config = super().get_config()
        config.update(mode=self.mode)
        return config


def _factor_range(layer, name: str, factor, bound: float | None = 1.0) -> tuple[float, float]:
    """Keras's factor: a number f means (-f, f); a pair (lower, upper) is used as is."""
    if isinstance(factor, (list, tuple)) and len(factor) == 2:
        lower, upper = factor
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        lower, upper = -abs(factor), abs(factor)
    else:
        lower = upper = None
    ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lower, upper))
    if not ok or lower > upper or (bound is not None and (lower < -bound or upper > bound)):
        raise ArgumentError(
            f"{type(layer).__name__} '{layer.name}': {name} must be a number or a pair "
            f"(lower, upper) with lower <= upper{'' if bound is None else ' in [-1, 1]'}, got "
            f"{factor!r}. Hint: 0.1 means a random value in [-0.1, 0.1]."
        )
    return float(lower), float(upper)


class _AffineLayer(_RandomImageLayer):
    """A random affine map per image, resampled with fill_mode / interpolation / fill_value."""

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if fill_mode not in FILL_MODES:
            raise ArgumentError(
                f"{type(self).__name__} '{self.name}': fill_mode must be one of {FILL_MODES}, "
                f"got {fill_mode!r}. Hint: 'constant' fills with fill_value."
            )
        if interpolation not in INTERPOLATIONS:
            raise ArgumentError(
                f"{type(self).__name__} '{self.name}': interpolation must be one of "
                f"{INTERPOLATIONS}, got {interpolation!r}. Hint: the default is 'bilinear'."
            )
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = float(fill_value)

    def transform(self, x):
        matrices = self.matrices(x.shape[0], x.shape[1], x.shape[2])
        return affine_sample(x, matrices, self.fill_mode, self.interpolation, self.fill_value)

    def step(self):
        return AffineSample(matrices=self.matrices, fill_mode=self.fill_mode,
                            interpolation=self.interpolation, fill_value=self.fill_value)

    def _draw(self, n: int, bounds: tuple[float, float]) -> np.ndarray:
        return self.generator.uniform(bounds[0], bounds[1], size=n)

    def get_config(self):
        config = super().get_config()
        config.update(fill_mode=self.fill_mode, interpolation=self.interpolation,
                      fill_value=self.fill_value)
        return config


def _about_center(linear: np.ndarray, h: int, w: int) -> np.ndarray:
    """2×3 matrices applying ``linear`` (n, 2, 2) to offsets from the image centre."""
    center = np.array([(h - 1) / 2.0, (w - 1) / 2.0])
    shift = center - np.einsum("nij,j->ni", linear, center)
    return np.concatenate([linear, shift[:, :, None]], axis=2)


class RandomTranslation(_AffineLayer):
    """Shift each image by a random fraction of its height and width, in training.

    ``height_factor`` / ``width_factor``: f for [-f, f], or (lower, upper); positive moves the
    content down / right.

    >>> import numpy as np
    >>> RandomTranslation(0.2, 0.2, seed=0)(np.ones((2, 5, 5, 1)), training=True).shape
    (2, 5, 5, 1)
    """

    def __init__(self, height_factor, width_factor, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _factor_range(self, "height_factor", height_factor)
        self._w = _factor_range(self, "width_factor", width_factor)

    def matrices(self, n, h, w):
        dy, dx = self._draw(n, self._h) * h, self._draw(n, self._w) * w
        m = np.zeros((n, 2, 3))
        m[:, 0, 0] = m[:, 1, 1] = 1.0
        # the output pixel (r, c) shows the input pixel (r - dy, c - dx)
        m[:, 0, 2], m[:, 1, 2] = -dy, -dx
        return m

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomRotation(_AffineLayer):
    """Rotate each image about its centre by a random angle, in training.

    ``factor`` is a fraction of 2π: f for [-f·2π, f·2π], or (lower, upper); positive angles
    turn the content counter-clockwise.

    >>> import numpy as np
    >>> RandomRotation(0.1, seed=0)(np.ones((1, 6, 6, 2)), training=True).shape
    (1, 6, 6, 2)
    """

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor
        self._range = _factor_range(self, "factor", factor, bound=None)

    def matrices(self, n, h, w):
        theta = self._draw(n, self._range) * 2.0 * math.pi
        cos, sin = np.cos(theta), np.sin(theta)
        # rows point down, so a counter-clockwise turn reads the input at the inverse rotation
        linear = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], 1)
        return _about_center(linear, h, w)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor)
        return config


class RandomZoom(_AffineLayer):
    """Zoom each image in or out about its centre by a random factor, in training.

    ``height_factor``: f for [-f, f], or (lower, upper); positive zooms out, negative zooms in
    (Keras's convention). ``width_factor=None`` keeps the aspect ratio.

    >>> import numpy as np
    >>> RandomZoom(0.2, seed=0)(np.ones((1, 6, 6, 1)), training=True).shape
    (1, 6, 6, 1)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _factor_range(self, "height_factor", height_factor)
        self._w = None if width_factor is None else _factor_range(self, "width_factor",
                                                                    width_factor)

    def matrices(self, n, h, w):
        zh = 1.0 + self._draw(n, self._h)
        zw = zh if self._w is None else 1.0 + self._draw(n, self._w)
        linear = np.zeros((n, 2, 2))
        # the output reads the input at the centre + zoom · offset (zoom > 1: zoomed out)
        linear[:, 0, 0], linear[:, 1, 1] = zh, zw
        return _about_center(linear, h, w)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config
