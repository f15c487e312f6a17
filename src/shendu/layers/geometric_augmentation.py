"""Warping augmentations: RandomPerspective and RandomElasticTransform — Keras's arguments and
defaults, on the ``sample_at`` op of ``ops/image_warp.py``.

Both change their input only in training (identity in inference; a direct call without
``training`` augments, as Keras 3's do). ``factor`` is the probability of warping each image:
f in [0, 1] for a probability drawn from [0, f] per image, or a pair (lower, upper); each image
is then warped if a uniform draw falls below it (so the default 1.0 warps about half of them,
as in Keras). Images are (batch, height, width, channels), or channels first with
``data_format="channels_first"``; a single unbatched image is accepted too.

>>> import numpy as np
>>> from shendu.layers import RandomPerspective
>>> x = np.arange(9.0).reshape(1, 3, 3, 1)
>>> RandomPerspective(scale=0.5, seed=0)(x, training=False).data[0, :, :, 0]
array([[0., 1., 2.],
       [3., 4., 5.],
       [6., 7., 8.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError
from ..ops.image import FILL_MODES, INTERPOLATIONS
from ..ops.image_warp import (
    SampleAt,
    elastic_offsets,
    homography,
    pixel_grid,
    projective_grid,
)
from .color_augmentation import _config_value, unit_factor
from .image_preprocessing import _is_number, _value_range_arg, _where
from .preprocessing import _RandomImageLayer

FACTOR_EXAMPLE = "factor=1.0 warps each image with a probability drawn from [0, 1]"


def _choice(layer, name: str, value, allowed, hint: str) -> str:
    if value not in allowed:
        raise ArgumentError(
            f"{_where(layer)}: {name} must be one of {tuple(allowed)}, got {value!r}. "
            f"Hint: {hint}."
        )
    return value


class _WarpLayer(_RandomImageLayer):
    """Shared: factor (probability of warping), interpolation, fill_value, one SampleAt op;
    ``source(n, h, w)`` returns the warped (rows, cols) of every image."""

    fill_mode = "constant"
    low, high = -np.inf, np.inf

    def __init__(self, factor, interpolation, fill_value, seed, data_format, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _config_value(factor)
        self._f = unit_factor(self, "factor", factor, FACTOR_EXAMPLE)
        self.interpolation = _choice(self, "interpolation", interpolation, INTERPOLATIONS,
                                     "the default is 'bilinear'")
        if not _is_number(fill_value):
            raise ArgumentError(
                f"{_where(self)}: fill_value must be a number, got {fill_value!r}. Hint: it "
                "fills what the warp brings in from outside the image (0 is black)."
            )
        self.fill_value = float(fill_value)

    def _picked(self, n: int) -> np.ndarray:
        """Keras's draw: image i is warped if u_i < p_i, p_i ~ U(factor), u_i ~ U(0, 1)."""
        probability = self.generator.uniform(*self._f, size=n)
        return self.generator.uniform(0.0, 1.0, size=n) < probability

    def draw(self, shape):
        n, h, w = shape[0], shape[1], shape[2]
        picked = self._picked(n)
        rows, cols = self.source(n, h, w)
        grid_rows, grid_cols = pixel_grid(n, h, w)
        keep = ~picked[:, None, None]
        # an image not picked is read at its own pixels: exactly itself
        return np.where(keep, grid_rows, rows), np.where(keep, grid_cols, cols)

    def settings(self) -> dict:
        return dict(draw=self.draw, fill_mode=self.fill_mode, interpolation=self.interpolation,
                    fill_value=self.fill_value, low=self.low, high=self.high)

    def transform(self, x):
        return SampleAt.apply(x, **self.settings())

    def step(self):
        return SampleAt(**self.settings())

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, interpolation=self.interpolation,
                      fill_value=self.fill_value)
        return config


class RandomPerspective(_WarpLayer):
    """Distort the perspective of each picked image, in training: its corners (x, y) — the
    top-left (0, 0), (w − 1, 0), (0, h − 1) and (w − 1, h − 1) — move to (x, y)·(1 + d), each
    d drawn from U(−scale/2, scale/2), and the image follows the projective map through
    them; pixels brought in from outside are ``fill_value``. (As in Keras, the corner at the
    origin never moves.)

    ``scale``: a number in [0, 1]; 0 leaves every image as it is.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).uniform(0, 255, size=(2, 5, 5, 3))
    >>> y = RandomPerspective(factor=(1.0, 1.0), scale=0.5, seed=0)(x).data
    >>> y.shape, bool(np.allclose(y, x))
    ((2, 5, 5, 3), False)
    >>> y = RandomPerspective(factor=(1.0, 1.0), scale=0.0, seed=0)(x).data
    >>> bool(np.allclose(y, x, atol=1e-3))
    True
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation: str = "bilinear",
                 fill_value: float = 0.0, seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(factor, interpolation, fill_value, seed, data_format, **kwargs)
        if not _is_number(scale) or not 0 <= scale <= 1:
            raise ArgumentError(
                f"{_where(self)}: scale must be a number in [0, 1], got {scale!r}. Hint: "
                "scale=0.2 moves each corner by up to a tenth of its distance from the origin."
            )
        self.scale = float(scale)

    def corners(self, n: int, h: int, w: int):
        """The start corners (n, 4, 2) as (x, y), and where they move: start · (1 + d)."""
        start = np.array([[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]])
        start = np.broadcast_to(start, (n, 4, 2))
        d = self.generator.uniform(-0.5 * self.scale, 0.5 * self.scale, size=(n, 4, 2))
        return start, start + start * d

    def source(self, n: int, h: int, w: int):
        start, end = self.corners(n, h, w)
        # the output pixel at an end corner reads the input at its start corner
        return projective_grid(homography(start, end), h, w)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale)
        return config


class RandomElasticTransform(_WarpLayer):
    """Deform each picked image elastically, in training: the output pixel (r, c) reads the
    input at (r + α·dy, c + α·dx), (dy, dx) per-pixel noise σ·N(0, 1) blurred by a Gaussian
    of σ; s is drawn from U(scale) once per batch, α = 0.1·s·max(h, w) and σ = 0.05·s·min(h,
    w) (Keras's). Positions outside follow ``fill_mode``; the result is clipped to
    ``value_range``.

    ``scale``: s in [0, 1] for [0, s], or a pair (lower, upper) in [0, 1]; 0 (or factor 0)
    leaves every image as it is, unclipped.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).uniform(0, 255, size=(2, 8, 8, 1))
    >>> layer = RandomElasticTransform(factor=(1.0, 1.0), scale=1.0, seed=0)
    >>> y = layer(x).data
    >>> y.shape, bool(np.allclose(y, x)), bool(0 <= y.min() and y.max() <= 255)
    ((2, 8, 8, 1), False, True)
    >>> bool(np.array_equal(RandomElasticTransform(scale=0.0)(x).data, x.astype("float32")))
    True
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0, value_range=(0, 255),
                 seed: int | None = None, data_format: str | None = None, **kwargs):
        super().__init__(factor, interpolation, fill_value, seed, data_format, **kwargs)
        self.scale = _config_value(scale)
        self._s = unit_factor(self, "scale", scale, "scale=0.5 deforms by up to half of "
                              "Keras's full strength")
        self.fill_mode = _choice(self, "fill_mode", fill_mode, FILL_MODES,
                                 "'reflect' mirrors the image at its edges; Keras's 'mirror' "
                                 "is not supported")
        self.value_range = _value_range_arg(self, value_range)
        self.low, self.high = self.value_range

    def source(self, n: int, h: int, w: int):
        s = self.generator.uniform(*self._s)
        alpha, sigma = 0.1 * s * max(h, w), 0.05 * s * min(h, w)
        rows, cols = pixel_grid(n, h, w)
        if sigma <= 0:
            return rows, cols
        dy, dx = elastic_offsets(self.generator, n, h, w, alpha, sigma)
        return rows + dy, cols + dx

    def transform(self, x):
        if self._s[1] == 0 or self._f[1] == 0:
            return x  # Keras: no transform at all, not even the clip
        return super().transform(x)

    def chain_steps(self, training=False):
        if training and (self._s[1] == 0 or self._f[1] == 0):
            return []
        return super().chain_steps(training)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, fill_mode=self.fill_mode,
                      value_range=list(self.value_range))
        return config
