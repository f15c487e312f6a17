"""Filters and erasing: RandomGaussianBlur, RandomSharpness, Equalization and RandomErasing —
Keras's arguments and defaults.

They change their input only in training (identity in inference; a direct call without
``training`` augments, as Keras 3's do). Keras's Equalization also skips its work when
``training=False``, though its docstring says otherwise; here it follows the same rule.
``value_range`` is the range of the input pixels. Images are (batch, height, width, channels),
or channels first with ``data_format="channels_first"``; a single unbatched image is accepted.

>>> import numpy as np
>>> from shendu.layers import RandomSharpness
>>> x = np.array([[[[0.0], [10.0], [0.0]]]])
>>> RandomSharpness((0.5, 0.5))(x).data.ravel()
array([ 0., 10.,  0.], dtype=float32)
>>> RandomSharpness((0.0, 0.0))(x, training=False).data.ravel()
array([ 0., 10.,  0.], dtype=float32)
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..ops.image_filters import Equalize, Erase, GaussianBlur, Sharpen
from .color_augmentation import _config_value, _FactorAndRange, _PixelLayer, unit_factor
from .image_preprocessing import _is_number, _value_range_arg, _where


def _odd_sizes(layer, kernel_size) -> tuple[int, int]:
    pair = tuple(kernel_size) if isinstance(kernel_size, (list, tuple)) else (kernel_size,) * 2
    if len(pair) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                 and v > 0 and v % 2 == 1 for v in pair):
        raise ArgumentError(
            f"{_where(layer)}: kernel_size must be an odd positive int or a pair (height, width) "
            f"of them, got {kernel_size!r}. Hint: kernel_size=3 or kernel_size=(5, 5)."
        )
    return int(pair[0]), int(pair[1])


def _sigma_range(layer, sigma) -> tuple[float, float]:
    """Keras's sigma: s means a σ drawn from [0, s]; a pair (lower, upper) from that range."""
    pair = tuple(sigma) if isinstance(sigma, (list, tuple)) else (0.0, sigma)
    if len(pair) != 2 or not all(_is_number(v) and 0 <= v < float("inf") for v in pair):
        raise ArgumentError(
            f"{_where(layer)}: sigma must be a non-negative number or a pair (lower, upper) of "
            f"them, got {sigma!r}. Hint: sigma=(1.0, 1.0) fixes σ at 1."
        )
    return tuple(sorted(float(v) for v in pair))


class RandomGaussianBlur(_PixelLayer):
    """Blur images with a Gaussian kernel, in training: each image is blurred with a
    probability p drawn from ``factor``'s range, the result clipped to ``value_range``.

    ``factor``: f in [0, 1] for p in [0, f], or a pair (lower, upper). ``kernel_size``: an odd
    int, or a pair (height, width). ``sigma``: s for σ drawn from [0, s] (as in Keras, so the
    default 1.0 draws σ in [0, 1]), or a pair (lower, upper); one σ along x and one along y are
    drawn per batch, as Keras does. Pixels outside the image count as 0 ("same" padding).

    >>> import numpy as np
    >>> delta = np.zeros((1, 3, 3, 1)); delta[0, 1, 1, 0] = 1.0
    >>> layer = RandomGaussianBlur((1.0, 1.0), sigma=(1.0, 1.0), value_range=(0, 1))
    >>> layer(delta).data[0, 1, :, 0].round(4)
    array([0.1238, 0.2042, 0.1238], dtype=float32)
    """

    op = GaussianBlur

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format: str | None = None, seed: int | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _config_value(factor)
        self._p = unit_factor(self, "factor", factor, "factor=0.5 blurs about a quarter")
        self.kernel_size = _config_value(kernel_size)
        self._size = _odd_sizes(self, kernel_size)
        self.sigma = _config_value(sigma)
        self._sigma = _sigma_range(self, sigma)
        self.value_range = _value_range_arg(self, value_range)

    def draw(self, shape):
        n = shape[0]
        p = self.generator.uniform(*self._p, size=n)
        apply = self.generator.random(n) < p
        # Keras adds 1e-6 so that σ is never 0
        sigmas = self.generator.uniform(*self._sigma, size=2) + 1e-6
        return sigmas, apply

    def settings(self) -> dict:
        low, high = self.value_range
        return dict(draw=self.draw, kernel_size=self._size, low=low, high=high)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, kernel_size=self.kernel_size, sigma=self.sigma,
                      value_range=list(self.value_range))
        return config


class RandomSharpness(_FactorAndRange, _PixelLayer):
    """Change the sharpness of images by a random s per image, in training (Keras's formula,
    PIL's ImageEnhance.Sharpness with zero padding): y = clip(x + (1 − s)·(smooth(x) − x),
    *value_range), smooth the 3×3 kernel [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13 and s = 2f.

    ``factor``: f in [0, 1] for [0, f], or a pair (lower, upper) in [0, 1]. f = 0 gives the
    smoothed image, f = 0.5 the image itself, f = 1 a sharpened one.

    >>> import numpy as np
    >>> x = np.array([[[[0.0], [13.0], [0.0]]]])
    >>> RandomSharpness((0.0, 0.0))(x).data.ravel()
    array([1., 5., 1.], dtype=float32)
    """

    op = Sharpen

    def __init__(self, factor, value_range=(0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _config_value(factor)
        self._f = unit_factor(self, "factor", factor, "factor=(0.5, 0.5) leaves images as they "
                                                      "are")
        self.value_range = _value_range_arg(self, value_range)

    def draw(self, shape) -> np.ndarray:
        return 2.0 * self.generator.uniform(*self._f, size=shape[0])


class Equalization(_PixelLayer):
    """Histogram-equalize each channel of each image, in training: pixels (mapped from
    ``value_range`` to [0, 255]) fall into ``bins`` bins, and each moves to 255 × the share of
    the channel's pixels below its bin (Keras's formula, rounded; a channel whose pixels fill a
    single bin is kept). Keras pools the histogram over a whole batch; here each image has its
    own, as for a single image in Keras and in PIL and torchvision.

    >>> import numpy as np
    >>> x = np.array([[[[0.0], [0.0], [100.0], [200.0]]]])
    >>> Equalization()(x).data.ravel()
    array([  0.,   0., 128., 255.], dtype=float32)
    """

    op = Equalize

    def __init__(self, value_range=(0, 255), bins: int = 256, data_format: str | None = None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(bins, numbers.Integral) or isinstance(bins, bool) or bins < 2:
            raise ArgumentError(
                f"{_where(self)}: bins must be an int >= 2 (histogram bins), got {bins!r}. "
                "Hint: bins=256 for 8-bit images."
            )
        self.bins = int(bins)
        self.value_range = _value_range_arg(self, value_range)

    def settings(self) -> dict:
        low, high = self.value_range
        return dict(bins=self.bins, low=low, high=high)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        config.update(value_range=list(self.value_range), bins=self.bins)
        return config


def _fill_arg(layer, fill_value):
    if fill_value is None or _is_number(fill_value):
        return fill_value
    if isinstance(fill_value, (list, tuple)) and fill_value and all(
            _is_number(v) for v in fill_value):
        return tuple(float(v) for v in fill_value)
    raise ArgumentError(
        f"{_where(layer)}: fill_value must be None (Gaussian noise), a number or one number "
        f"per channel, got {fill_value!r}. Hint: fill_value=128 or (124, 116, 104)."
    )


class RandomErasing(_PixelLayer):
    """Erase a random box of each image, in training (Random Erasing, Zhong et al. 2017),
    with Keras's draws: the box is √s_w·width wide and √s_h·height high, s_w and s_h drawn
    from ``scale``, at a uniformly random place inside the image; each image is erased with a
    probability p drawn from ``factor``'s range.

    ``factor``: f in [0, 1] for p in [0, f], or a pair; the default 1.0 erases about half the
    images, (1.0, 1.0) all. ``scale``: a pair (lower, upper) in [0, 1] (or s for [0, s]).
    ``fill_value``: None fills with Gaussian noise × high, a number or one number per channel
    fills with that; either is clipped to ``value_range``.

    >>> import numpy as np
    >>> layer = RandomErasing((1.0, 1.0), scale=(0.25, 0.25), fill_value=0, seed=0)
    >>> (layer(np.ones((1, 8, 8, 1))).data == 0).mean()
    np.float64(0.25)
    """

    op = Erase

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed: int | None = None, data_format: str | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _config_value(factor)
        self._p = unit_factor(self, "factor", factor, "factor=(1.0, 1.0) erases every image")
        self.scale = _config_value(scale)
        self._scale = unit_factor(self, "scale", scale, "scale=(0.02, 0.33) erases 2% to 33%")
        self.fill_value = _config_value(fill_value)
        self._fill = _fill_arg(self, fill_value)
        self.value_range = _value_range_arg(self, value_range)

    def draw(self, shape):
        n, h, w, c = shape
        g = self.generator
        sides = np.sqrt(g.uniform(*self._scale, size=(n, 2)))  # (width, height) shares
        box_w, box_h = sides[:, 0] * w, sides[:, 1] * h
        x0 = g.random(n) * (w - box_w)
        y0 = g.random(n) * (h - box_h)
        p = g.uniform(*self._p, size=n)
        apply = g.random(n) < p
        cols = np.arange(w)[None, None, :]
        rows = np.arange(h)[None, :, None]
        inside = ((cols >= x0[:, None, None]) & (cols < (x0 + box_w)[:, None, None])
                  & (rows >= y0[:, None, None]) & (rows < (y0 + box_h)[:, None, None]))
        mask = (inside & apply[:, None, None])[..., None]
        low, high = self.value_range
        if self._fill is None:
            fill = g.normal(size=shape) * high
        else:
            fill = np.broadcast_to(np.asarray(self._fill, dtype=float), (1, 1, 1, c)
                                   if isinstance(self._fill, tuple) else ())
        return mask, np.clip(fill, low, high)

    def transform(self, x):
        if isinstance(self._fill, tuple) and len(self._fill) != x.shape[-1]:
            raise ShapeError(
                f"{_where(self)}: fill_value has {len(self._fill)} numbers, one per channel, "
                f"but the images have {x.shape[-1]} channels (shape {tuple(x.shape)}). Hint: "
                f"check data_format (now {self.data_format!r}) or pass a single number."
            )
        return super().transform(x)

    def settings(self) -> dict:
        return dict(draw=self.draw)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, scale=self.scale, fill_value=self.fill_value,
                      value_range=list(self.value_range))
        return config
