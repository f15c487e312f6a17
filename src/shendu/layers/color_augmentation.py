"""Colour augmentation: RandomGrayscale, RandomInvert, Solarization, RandomPosterization,
RandomColorDegeneration and AutoContrast — Keras's arguments and defaults.

The random layers change their input only in training (identity in inference; a direct call
without ``training`` augments, as Keras 3's do); AutoContrast is not random and works in
training and inference alike, as in Keras. ``value_range`` is the range of the input pixels.
Images are (batch, height, width, channels), or channels first with
``data_format="channels_first"``; a single unbatched image is accepted too.

>>> import numpy as np
>>> from shendu.layers import RandomInvert
>>> x = np.array([[[[0.0], [55.0]]]])
>>> RandomInvert(factor=(1.0, 1.0))(x).data.ravel()
array([255., 200.], dtype=float32)
>>> RandomInvert(factor=(1.0, 1.0))(x, training=False).data.ravel()
array([ 0., 55.], dtype=float32)
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..ops.image_color import AutoContrast as AutoContrastOp
from ..ops.image_color import BlendGray, Invert, Posterize, Solarize
from .image_preprocessing import _is_number, _value_range_arg, _where
from .preprocessing import _RandomImageLayer


def unit_factor(layer, name: str, factor, example: str) -> tuple[float, float]:
    """A number f in [0, 1] meaning (0, f), or a pair (lower, upper) in [0, 1] (sorted)."""
    pair = tuple(factor) if isinstance(factor, (list, tuple)) and len(factor) == 2 else (
        (0.0, factor) if _is_number(factor) else None)
    if pair is None or not all(_is_number(v) and 0 <= v <= 1 for v in pair):
        raise ArgumentError(
            f"{_where(layer)}: {name} must be a number in [0, 1] or a pair (lower, upper) of "
            f"them, got {factor!r}. Hint: {example}."
        )
    return tuple(sorted(float(v) for v in pair))


def _config_value(value):
    return list(value) if isinstance(value, tuple) else value


def check_rgb(layer, x) -> None:
    """Grey needs RGB (3 channels) or an already grey image (1)."""
    if x.shape[-1] not in (1, 3):
        raise ShapeError(
            f"{_where(layer)}: expected RGB images (3 channels) or grey ones (1), got "
            f"{x.shape[-1]} channels in shape {tuple(x.shape)}. Hint: check data_format "
            f"(now {layer.data_format!r})."
        )


class _PixelLayer(_RandomImageLayer):
    """One colour op per batch: ``op`` with ``settings()`` (which holds the random draw)."""

    op = None

    def transform(self, x):
        return self.op.apply(x, **self.settings())

    def step(self):
        return self.op(**self.settings())


class _FactorAndRange:
    """Mixed in before the layer base: a layer drawn from ``factor`` (via ``draw``) whose op
    clips to ``value_range``; its op settings and its config."""

    def settings(self) -> dict:
        low, high = self.value_range
        return dict(draw=self.draw, low=low, high=high)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=list(self.value_range))
        return config


class RandomGrayscale(_PixelLayer):
    """Turn each image grey with probability ``factor``, in training: every channel becomes
    0.2989 R + 0.5870 G + 0.1140 B (the shape is kept; a one-channel image stays as it is).

    >>> import numpy as np
    >>> x = np.array([[[[100.0, 50.0, 0.0]]]])
    >>> RandomGrayscale(factor=1.0)(x).data.ravel()
    array([59.24, 59.24, 59.24], dtype=float32)
    """

    op = BlendGray

    def __init__(self, factor: float = 0.5, data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not _is_number(factor) or not 0 <= factor <= 1:
            raise ArgumentError(
                f"{_where(self)}: factor must be a number in [0, 1] (the probability of turning "
                f"an image grey), got {factor!r}. Hint: factor=0.5 greys half the images."
            )
        self.factor = float(factor)

    def draw(self, n: int) -> np.ndarray:
        return (self.generator.random(n) < self.factor).astype(float)

    def transform(self, x):
        check_rgb(self, x)
        return super().transform(x)

    def settings(self) -> dict:
        return dict(draw=self.draw)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor)
        return config


class RandomInvert(_PixelLayer):
    """Invert images, y = high − x (``value_range`` = (low, high)), in training: for each image
    a probability p is drawn from ``factor``'s range and the image inverted with probability p.

    ``factor``: f in [0, 1] for p in [0, f], or a pair (lower, upper); the default 1.0 inverts
    about half the images, (1.0, 1.0) all of them.

    >>> import numpy as np
    >>> RandomInvert((1.0, 1.0), value_range=(0, 1))(np.array([[[[0.25]]]])).data.ravel()
    array([0.75], dtype=float32)
    """

    op = Invert

    def __init__(self, factor=1.0, value_range=(0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _config_value(factor)
        self._p = unit_factor(self, "factor", factor, "factor=0.5 draws p in [0, 0.5]")
        self.value_range = _value_range_arg(self, value_range)

    def draw(self, n: int) -> np.ndarray:
        p = self.generator.uniform(*self._p, size=n)
        return self.generator.random(n) < p

    def settings(self) -> dict:
        return dict(draw=self.draw, high=self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=list(self.value_range))
        return config


class Solarization(_PixelLayer):
    """Solarize images in training: on pixels mapped to [0, 255], add a random a, clip, and
    invert (255 − z) every pixel z at or above a random threshold t.

    ``addition_factor`` / ``threshold_factor``: f in [0, 1] for [0, f], or a pair (lower,
    upper) in [0, 1]; a and t are drawn per image from that range times 255. With the
    defaults (0, 0) every pixel is inverted.

    >>> import numpy as np
    >>> x = np.array([[[[10.0], [200.0]]]])
    >>> Solarization(threshold_factor=(0.5, 0.5))(x).data.ravel()
    array([10., 55.], dtype=float32)
    """

    op = Solarize

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed: int | None = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = _config_value(addition_factor)
        self.threshold_factor = _config_value(threshold_factor)
        self._add = unit_factor(self, "addition_factor", addition_factor,
                                "addition_factor=0.2 adds up to 0.2 · 255 before inverting")
        self._threshold = unit_factor(self, "threshold_factor", threshold_factor,
                                      "threshold_factor=(0.5, 0.5) inverts pixels >= 127.5")
        self.value_range = _value_range_arg(self, value_range)

    def draw(self, n: int):
        additions = self.generator.uniform(*self._add, size=n) * 255.0
        thresholds = self.generator.uniform(*self._threshold, size=n) * 255.0
        return additions, thresholds

    def settings(self) -> dict:
        low, high = self.value_range
        return dict(draw=self.draw, low=low, high=high)

    def get_config(self):
        config = super().get_config()
        config.update(addition_factor=self.addition_factor,
                      threshold_factor=self.threshold_factor, value_range=list(self.value_range))
        return config


class RandomPosterization(_FactorAndRange, _PixelLayer):
    """Keep only the top b bits of each pixel's 8-bit value, b drawn per image, in training
    (pixels are mapped from ``value_range`` to [0, 255] and back).

    ``factor``: an int in [1, 8] for b in [1, factor], or a pair (lower, upper) of them for b
    in [lower, upper]. Its gradient is zero (a staircase).

    >>> import numpy as np
    >>> RandomPosterization((2, 2))(np.array([[[[200.0], [100.0]]]])).data.ravel()
    array([192.,  64.], dtype=float32)
    """

    op = Posterize

    def __init__(self, factor, value_range=(0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        pair = tuple(factor) if isinstance(factor, (list, tuple)) and len(factor) == 2 else (
            (1, factor) if isinstance(factor, numbers.Integral) else None)
        if pair is None or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                   and 1 <= v <= 8 for v in pair):
            raise ArgumentError(
                f"{_where(self)}: factor must be an int in [1, 8] (bits to keep) or a pair "
                f"(lower, upper) of them, got {factor!r}. Hint: factor=(4, 4) keeps 4 bits."
            )
        self.factor = _config_value(factor)
        self._bits = tuple(sorted(int(v) for v in pair))
        self.value_range = _value_range_arg(self, value_range)

    def draw(self, n: int) -> np.ndarray:
        return self.generator.integers(self._bits[0], self._bits[1] + 1, size=n)


class RandomColorDegeneration(_FactorAndRange, _PixelLayer):
    """Fade each image's colours towards its grey by a random f, in training:
    y = clip(x + f · (grey(x) − x), *value_range).

    ``factor``: f in [0, 1] for [0, f], or a pair (lower, upper) in [0, 1].

    >>> import numpy as np
    >>> x = np.array([[[[100.0, 50.0, 0.0]]]])
    >>> RandomColorDegeneration((0.5, 0.5), dtype="float64")(x).data.ravel()
    array([79.62, 54.62, 29.62])
    """

    op = BlendGray

    def __init__(self, factor, value_range=(0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _config_value(factor)
        self._f = unit_factor(self, "factor", factor, "factor=0.5 fades by up to half")
        self.value_range = _value_range_arg(self, value_range)

    def draw(self, n: int) -> np.ndarray:
        return self.generator.uniform(*self._f, size=n)

    def transform(self, x):
        check_rgb(self, x)
        return super().transform(x)


class AutoContrast(_PixelLayer):
    """Stretch each channel of each image to span ``value_range``, in training and inference:
    y = low + (high − low) · (x − m) / (M − m), m and M the channel's minimum and maximum (a
    constant channel is left as it is).

    >>> import numpy as np
    >>> AutoContrast()(np.array([[[[50.0], [100.0], [150.0]]]]), training=False).data.ravel()
    array([  0. , 127.5, 255. ], dtype=float32)
    """

    op = AutoContrastOp

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = _value_range_arg(self, value_range)

    def settings(self) -> dict:
        low, high = self.value_range
        return dict(axes=(1, 2), low=low, high=high)

    def call(self, inputs, training=False):
        return super().call(inputs, training=True)  # not random: the same in inference

    def chain_steps(self, training=False):
        return super().chain_steps(training=True)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        config.update(value_range=list(self.value_range))
        return config
