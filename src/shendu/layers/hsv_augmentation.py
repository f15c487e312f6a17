"""Hue and saturation augmentation: RandomHue, RandomSaturation and RandomColorJitter —
Keras's arguments and defaults.

They change their input only in training (identity in inference; a direct call without
``training`` augments, as Keras 3's do). Images are RGB, (batch, height, width, 3), or
channels first with ``data_format="channels_first"``; a single unbatched image is accepted too.
``value_range`` is the range of the input pixels: they are mapped to [0, 1] for the HSV
conversion and back.

>>> import numpy as np
>>> from shendu.layers import RandomHue
>>> x = np.array([[[[255.0, 0.0, 0.0]]]])
>>> RandomHue((0.5, 0.5), seed=0)(x, training=False).data.ravel()
array([255.,   0.,   0.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops.image import AdjustBrightness, AdjustContrast
from ..ops.image_hsv import AdjustHSV
from .color_augmentation import _config_value, _FactorAndRange, unit_factor
from .image_preprocessing import _factor_bounds, _value_range_arg, _where
from .preprocessing import _RandomImageLayer

SATURATION_EPSILON = 1e-7  # Keras's backend epsilon in f / (1 − f + ε)


def check_three_channels(layer, x) -> None:
    if x.shape[-1] != 3:
        raise ShapeError(
            f"{_where(layer)}: expected RGB images (3 channels), got {x.shape[-1]} channels in "
            f"shape {tuple(x.shape)}. Hint: check data_format (now {layer.data_format!r}); a "
            "grey image has no hue or saturation to change."
        )


def hue_shifts(generator, bounds, n: int) -> np.ndarray:
    """Keras's hue draw: δ = ±f/2 turns of the colour wheel, f ~ U(bounds), either sign."""
    sign = np.where(generator.random(n) > 0.5, -1.0, 1.0)
    return sign * generator.uniform(*bounds, size=n) * 0.5


def saturation_scales(generator, bounds, n: int) -> np.ndarray:
    """Keras's saturation draw: s is scaled by f / (1 − f + ε), f ~ U(bounds): f = 0.5 keeps
    it, 0 greys the image, 1 saturates it fully."""
    f = generator.uniform(*bounds, size=n)
    return f / (1 - f + SATURATION_EPSILON)


class _HSVLayer(_FactorAndRange, _RandomImageLayer):
    """Shared by RandomHue and RandomSaturation: factor in [0, 1], value_range, one AdjustHSV."""

    example = ""

    def __init__(self, factor, value_range=(0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _config_value(factor)
        self._f = unit_factor(self, "factor", factor, self.example)
        self.value_range = _value_range_arg(self, value_range)

    def transform(self, x):
        check_three_channels(self, x)
        return AdjustHSV.apply(x, **self.settings())

    def step(self):
        return AdjustHSV(**self.settings())


class RandomHue(_HSVLayer):
    """Rotate each image's hue by a random δ, in training: in HSV, h' = (h + δ) mod 1, with
    δ = ±f/2 (either sign, equally likely) and f drawn per image from ``factor``'s range.

    ``factor``: f in [0, 1] for [0, f], or a pair (lower, upper) in [0, 1]; 0 changes nothing,
    1 rotates the hue by up to half the wheel.

    >>> import numpy as np
    >>> x = np.array([[[[255.0, 0.0, 0.0]]]])
    >>> y = RandomHue((2 / 3, 2 / 3), seed=0)(x).data.ravel()  # red turns blue or green
    >>> bool(np.allclose(y, [0, 0, 255], atol=1e-3) or np.allclose(y, [0, 255, 0], atol=1e-3))
    True
    """

    example = "factor=0.2 rotates the hue by up to a tenth of the wheel"

    def draw(self, n: int):
        return hue_shifts(self.generator, self._f, n), np.ones(n)


class RandomSaturation(_HSVLayer):
    """Scale each image's saturation, in training: s' = clip(s · f / (1 − f), 0, 1) in HSV,
    f drawn per image from ``factor``'s range: 0.5 keeps the image, 0 makes it grey, 1 fully
    saturated.

    ``factor``: f in [0, 1] for [0, f], or a pair (lower, upper) in [0, 1]. The pixels are
    mapped from ``value_range`` to [0, 1] first and s' is clipped to [0, 1], so f = 1 saturates
    fully whatever the range (Keras's code has at times clipped s' to ``value_range``).

    >>> import numpy as np
    >>> x = np.array([[[[200.0, 100.0, 100.0]]]])
    >>> RandomSaturation((0.0, 0.0))(x).data.ravel()
    array([200., 200., 200.], dtype=float32)
    >>> RandomSaturation((1.0, 1.0))(x).data.ravel()
    array([200.,   0.,   0.], dtype=float32)
    """

    example = "factor=(0.3, 0.7) desaturates or saturates a little; 0.5 keeps the image"

    def draw(self, n: int):
        return np.zeros(n), saturation_scales(self.generator, self._f, n)


class RandomColorJitter(_RandomImageLayer):
    """Change brightness, contrast, saturation and hue at random, in that order, in training:
    each factor left at None skips its step, and each step is that of RandomBrightness,
    RandomContrast, RandomSaturation and RandomHue with the same factor and ``value_range``
    (brightness and contrast clip to ``value_range``).

    >>> import numpy as np
    >>> layer = RandomColorJitter(brightness_factor=0.2, contrast_factor=0.3,
    ...                           saturation_factor=(0.4, 0.6), hue_factor=0.1, seed=0)
    >>> x = np.random.default_rng(0).uniform(0, 255, size=(2, 4, 4, 3)).astype("float32")
    >>> y = layer(x).data
    >>> y.shape, bool(0 <= y.min() and y.max() <= 255), bool(np.array_equal(y, x))
    ((2, 4, 4, 3), True, False)
    >>> bool(np.array_equal(layer(x, training=False).data, x))
    True
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = _value_range_arg(self, value_range)
        self.brightness_factor = _config_value(brightness_factor)
        self.contrast_factor = _config_value(contrast_factor)
        self.saturation_factor = _config_value(saturation_factor)
        self.hue_factor = _config_value(hue_factor)
        self._brightness = None if brightness_factor is None else _factor_bounds(
            self, brightness_factor, -1.0, "brightness_factor=0.2 shifts by up to a fifth of "
            "value_range's width", name="brightness_factor")
        self._contrast = None if contrast_factor is None else _factor_bounds(
            self, contrast_factor, 0.0, "contrast_factor=0.2 scales the contrast by a factor "
            "in [0.8, 1.2]", name="contrast_factor")
        self._saturation = None if saturation_factor is None else unit_factor(
            self, "saturation_factor", saturation_factor, "saturation_factor=(0.3, 0.7) "
            "changes the saturation a little; 0.5 keeps it")
        self._hue = None if hue_factor is None else unit_factor(
            self, "hue_factor", hue_factor, "hue_factor=0.2 rotates the hue by up to a tenth "
            "of the wheel")

    def _draw_brightness(self, n: int):
        low, high = self.value_range
        return self.generator.uniform(*self._brightness, size=n) * (high - low)

    def _draw_contrast(self, n: int):
        lower, upper = self._contrast
        return self.generator.uniform(1.0 - lower, 1.0 + upper, size=n)

    def _draw_hsv(self, n: int):
        shifts = np.zeros(n) if self._hue is None else hue_shifts(self.generator, self._hue, n)
        scales = np.ones(n) if self._saturation is None else saturation_scales(
            self.generator, self._saturation, n)
        return shifts, scales

    def _steps(self) -> list:
        """(Function, settings) in order, on channels-last batches; saturation and hue are one
        HSV round trip (the same result as two: neither changes what the other reads)."""
        low, high = self.value_range
        steps = []
        if self._brightness is not None:
            steps.append((AdjustBrightness, dict(draw=self._draw_brightness, low=low,
                                                 high=high)))
        if self._contrast is not None:
            steps.append((AdjustContrast, dict(draw=self._draw_contrast, axes=(1, 2), low=low,
                                               high=high)))
        if self._saturation is not None or self._hue is not None:
            steps.append((AdjustHSV, dict(draw=self._draw_hsv, low=low, high=high)))
        return steps

    def transform(self, x):
        if self._saturation is not None or self._hue is not None:
            check_three_channels(self, x)
        for fn, settings in self._steps():
            x = fn.apply(x, **settings)
        return x

    def chain_steps(self, training=False):
        if not training:
            return []
        if self.data_format != "channels_last" or len(self._build_shape or ()) != 4:
            return None
        return [(fn(**settings), []) for fn, settings in self._steps()]

    def get_config(self):
        config = super().get_config()
        config.update(value_range=list(self.value_range),
                      brightness_factor=self.brightness_factor,
                      contrast_factor=self.contrast_factor,
                      saturation_factor=self.saturation_factor, hue_factor=self.hue_factor)
        return config
