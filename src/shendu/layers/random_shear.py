"""RandomShear: shear each image by a random factor along x and y, in training (Keras's
arguments and defaults), on the AffineSample op that RandomTranslation and RandomRotation use.

>>> import numpy as np
>>> from shendu.layers import RandomShear
>>> RandomShear(x_factor=0.3, seed=0)(np.ones((2, 5, 5, 3))).shape
(2, 5, 5, 3)
"""

from __future__ import annotations

import numpy as np

from .color_augmentation import unit_factor
from .preprocessing import _AffineLayer


def _symmetric(layer, name: str, factor) -> tuple[float, float]:
    """Keras's shear factor: f in [0, 1] for [−f, f], or a pair (lower, upper) in [0, 1]."""
    if isinstance(factor, (list, tuple)):
        return unit_factor(layer, name, factor, "x_factor=0.2 shears by up to ±0.2")
    lower, upper = unit_factor(layer, name, factor, "x_factor=0.2 shears by up to ±0.2")
    return -upper, upper


class RandomShear(_AffineLayer):
    """Shear each image about its top-left corner, in training: the output pixel (row r,
    column c) shows the input at (r + s_y·c, c + s_x·r), pixels outside filled by
    ``fill_mode``.

    ``x_factor`` / ``y_factor``: f in [0, 1] for s drawn from [−f, f], or a pair (lower, upper)
    in [0, 1]; as in Keras, each image's (s_x, s_y) is then negated with probability 1/2.

    >>> import numpy as np
    >>> image = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> layer = RandomShear(x_factor=(1.0, 1.0), interpolation="nearest", fill_mode="constant",
    ...                     seed=1)
    >>> layer(image, training=False).data[0, :, :, 0]
    array([[0., 1., 2.],
           [3., 4., 5.],
           [6., 7., 8.]], dtype=float32)
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0,
                 data_format: str | None = None, seed: int | None = None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format=data_format,
                         **kwargs)
        self.x_factor = list(x_factor) if isinstance(x_factor, tuple) else x_factor
        self.y_factor = list(y_factor) if isinstance(y_factor, tuple) else y_factor
        self._x = _symmetric(self, "x_factor", x_factor)
        self._y = _symmetric(self, "y_factor", y_factor)

    def matrices(self, n: int, h: int, w: int) -> np.ndarray:
        sign = np.where(self.generator.random(n) > 0.5, -1.0, 1.0)
        sy = self._draw(n, self._y) * sign
        sx = self._draw(n, self._x) * sign
        m = np.zeros((n, 2, 3))
        # source row = r + s_y·c, source column = s_x·r + c
        m[:, 0, 0] = m[:, 1, 1] = 1.0
        m[:, 0, 1], m[:, 1, 0] = sy, sx
        return m

    def get_config(self):
        config = super().get_config()
        config.update(x_factor=self.x_factor, y_factor=self.y_factor)
        return config
