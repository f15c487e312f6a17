"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE) — Keras's name, arguments and
defaults, on the ``clahe`` op of ``ops/image_clahe.py``.

Not random: as in Keras it works in training and inference alike. ``value_range`` is the range
of the input pixels (mapped to [0, 255] for the histograms and back). Images are (batch,
height, width, channels), or channels first with ``data_format="channels_first"``; a single
unbatched image is accepted too.

>>> import numpy as np
>>> from shendu.layers import ContrastLimitedAdaptiveHistogramEqualization
>>> x = np.full((1, 4, 4, 1), 100.0)
>>> layer = ContrastLimitedAdaptiveHistogramEqualization(clip_limit=0.0, tile_grid_size=(2, 2))
>>> layer(x, training=False).data.ravel()[:4]
array([255., 255., 255., 255.], dtype=float32)
"""

from __future__ import annotations

import numbers

from ..errors import ArgumentError
from ..ops.image_clahe import CLAHE
from .color_augmentation import _PixelLayer
from .image_preprocessing import _is_number, _value_range_arg, _where


class ContrastLimitedAdaptiveHistogramEqualization(_PixelLayer):
    """Equalize each channel of each image tile by tile, with limited contrast: the image is
    cut into ``tile_grid_size`` (rows, columns) tiles (padded by mirroring to a whole number
    of pixels per tile); each tile's 256-bin histogram is cut at clip_limit × (tile pixels) /
    256 with the excess spread over all bins, its cumulative sum c gives the table
    255 · (c − c_min) / (N − c_min), and each pixel is mapped by the bilinear blend of the
    tables of the four nearest tile centres. ``clip_limit=0`` does not clip (plain adaptive
    equalization). Piecewise constant in the pixels, so its gradient is zero.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).integers(80, 120, size=(1, 16, 16, 3)).astype("float32")
    >>> y = ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))(x).data
    >>> y.shape, bool(y.max() - y.min() > x.max() - x.min())
    ((1, 16, 16, 3), True)
    """

    op = CLAHE

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format: str | None = None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = _value_range_arg(self, value_range)
        if not _is_number(clip_limit) or clip_limit < 0:
            raise ArgumentError(
                f"{_where(self)}: clip_limit must be a number >= 0, got {clip_limit!r}. Hint: "
                "4.0 (the default) caps each bin at 4× the average count; 0 does not clip."
            )
        self.clip_limit = float(clip_limit)
        grid = tuple(tile_grid_size) if isinstance(tile_grid_size, (list, tuple)) else None
        if grid is None or len(grid) != 2 or not all(
                isinstance(g, numbers.Integral) and not isinstance(g, bool) and g >= 1
                for g in grid):
            raise ArgumentError(
                f"{_where(self)}: tile_grid_size must be a pair (rows, columns) of ints >= 1, "
                f"got {tile_grid_size!r}. Hint: (8, 8) cuts the image into 64 tiles."
            )
        self.tile_grid_size = (int(grid[0]), int(grid[1]))

    def settings(self) -> dict:
        low, high = self.value_range
        return dict(clip_limit=self.clip_limit, tile_grid_size=self.tile_grid_size, low=low,
                    high=high)

    def call(self, inputs, training=False):
        return super().call(inputs, training=True)  # not random: the same in inference

    def chain_steps(self, training=False):
        return super().chain_steps(training=True)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        config.update(value_range=list(self.value_range), clip_limit=self.clip_limit,
                      tile_grid_size=list(self.tile_grid_size))
        return config
