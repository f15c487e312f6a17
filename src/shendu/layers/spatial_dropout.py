"""SpatialDropout1D/2D/3D: drop whole feature maps (channels) while training, as Keras does.

>>> import numpy as np
>>> from shendu.layers import SpatialDropout2D
>>> y = SpatialDropout2D(0.5, seed=0)(np.ones((1, 3, 3, 8)), training=True).data
>>> bool(np.all(y == y[:, :1, :1, :]))  # one draw per channel, shared over the pixels
True
"""

from __future__ import annotations

from ..backend import image_data_format
from ..errors import ArgumentError, ShapeError
from .dropout import Dropout


class _SpatialDropout(Dropout):
    rank = 2

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None,
                 **kwargs):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, seed=seed, **kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ArgumentError(
                f"{type(self).__name__} '{self.name}': data_format must be 'channels_last' or "
                f"'channels_first', got {data_format!r}. Hint: None follows "
                "shendu.config.image_data_format()."
            )
        self.data_format = data_format or image_data_format()
        ones = (1,) * self.rank
        # one keep/drop draw per (sample, channel), broadcast over the spatial axes
        self.noise_shape = ((None,) + ones + (None,) if self.data_format == "channels_last"
                            else (None, None) + ones)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected inputs of rank {self.rank + 2} "
                f"(batch, {'spatial, ' * self.rank}channels), got shape {tuple(input_shape)}. "
                "Hint: use Dropout for other ranks."
            )

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        config.update(data_format=self.data_format)
        return config


class SpatialDropout1D(_SpatialDropout):
    """Keras's ``SpatialDropout1D(rate, seed=None)`` on (batch, steps, channels)."""

    rank = 1

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Keras's ``SpatialDropout2D(rate, data_format=None, seed=None)``: each channel of each
    sample is kept (scaled by 1/(1 - rate)) or zeroed as a whole, in training only.

    >>> import numpy as np
    >>> SpatialDropout2D(0.3)(np.ones((2, 4, 4, 3)), training=False).shape
    (2, 4, 4, 3)
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Keras's ``SpatialDropout3D(rate, data_format=None, seed=None)`` on (batch, dim1, dim2,
    dim3, channels) (or channels first): each channel of each sample is kept (scaled by
    1/(1 - rate)) or zeroed as a whole volume, in training only.

    >>> import numpy as np
    >>> y = SpatialDropout3D(0.5, seed=1)(np.ones((2, 2, 3, 2, 4)), training=True).data
    >>> bool(np.all(y == y[:, :1, :1, :1, :]))  # one draw per channel, shared by the volume
    True
    """

    rank = 3
