"""Max and average pooling over any number of spatial axes (3-D volumes), with their backward.

The 1-D and 2-D pooling layers run the tuned ops of :mod:`.pooling`; this module is the
general path for the others (MaxPooling3D, AveragePooling3D), written once for every rank over
:mod:`.conv_nd`'s window views. The rules are the same: max pooling sends each output gradient
to the window's first maximum (as PyTorch and TensorFlow do); average pooling with
``padding='same'`` divides by the number of real (unpadded) cells in each window, as Keras does.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.arange(8.0).reshape(1, 2, 2, 2, 1))
>>> max_pool_nd(x, 2).data.ravel().tolist()
[7.0]
>>> avg_pool_nd(x, 2).data.ravel().tolist()
[3.5]
"""

from __future__ import annotations

import itertools

from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ShapeError
from .conv import as_tuple, channels_first_view, channels_last_view, check_padding
from .conv_nd import crop_nd, geometry, pad_nd, windows_nd


class _PoolND(Function):
    """Shared geometry: channels_last view, padding, window view, offsets.

    The pads and output size follow from each input's shape, so one op object serves every
    batch (the Sequential fast path reuses it: ``reusable``).
    """

    reusable = True  # forward keeps nothing between calls

    def _windows(self, x, fill):
        x = channels_last_view(x, self.channels_first)
        rank = len(self.pool)
        self.in_spatial = x.shape[1:-1]
        self.pads, self.out = geometry(self.in_spatial, self.pool, self.strides, (1,) * rank,
                                       self.padding, self.where)
        xpad = pad_nd(x, self.pads, fill)
        self.pad_shape = xpad.shape
        return windows_nd(xpad, self.out, self.pool, self.strides, (1,) * rank)

    def _members(self, view):
        """The window member at each kernel offset: arrays (N, *out, C), one per offset."""
        lead = (slice(None),) * (1 + len(self.pool))
        return [view[lead + offset] for offset in self._offsets()]

    def _offsets(self):
        return itertools.product(*(range(k) for k in self.pool))

    def _targets(self, gpad):
        """Per offset, the strided slice of the padded input its window members came from."""
        return [gpad[(slice(None),) + tuple(slice(o, o + (n - 1) * s + 1, s)
                                            for o, n, s in zip(offset, self.out, self.strides))]
                for offset in self._offsets()]

    def _grad_input(self, gpad):
        gx = crop_nd(gpad, [b for b, _ in self.pads], self.in_spatial)
        return channels_first_view(gx, self.channels_first)


class MaxPoolND(_PoolND):
    """y = max over each window; the gradient goes to the window's (first) argmax.

    >>> import numpy as np
    >>> op = MaxPoolND(**pool_nd_settings(3, 2, None, "valid", "channels_last", "max_pool"))
    >>> op.forward(np.arange(8.0).reshape(1, 2, 2, 2, 1)).ravel().tolist()
    [7.0]
    """

    def forward(self, x):
        xp = get_array_module(x)
        members = self._members(self._windows(x, -xp.inf))
        y = members[0].copy()
        training = any(getattr(self, "needs_input_grad", ()))
        index = xp.zeros(y.shape, xp.uint8 if len(members) < 256 else xp.int32) \
            if training else None
        for k, v in enumerate(members[1:], 1):
            if training:
                # strictly greater: ties keep the first maximum
                xp.copyto(index, k, where=v > y)
            xp.maximum(y, v, out=y)
        self.index = index
        return channels_first_view(y, self.channels_first)

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = channels_last_view(gy, self.channels_first)
        gpad = xp.zeros((*self.pad_shape[:-1], gy.shape[-1]), dtype=gy.dtype)
        for k, target in enumerate(self._targets(gpad)):
            # dL/dx = dL/dy where x was the window's argmax, 0 elsewhere
            target += gy * (self.index == k)
        return self._grad_input(gpad)


class AvgPoolND(_PoolND):
    """y = (Σ window) / (number of unpadded cells in the window).

    >>> import numpy as np
    >>> op = AvgPoolND(**pool_nd_settings(3, 2, 1, "same", "channels_last", "avg_pool"))
    >>> op.forward(np.ones((1, 2, 2, 2, 1))).ravel().tolist()  # padded cells are not counted
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """

    def forward(self, x):
        xp = get_array_module(x)
        members = self._members(self._windows(x, 0.0))
        y = members[0].copy()
        for v in members[1:]:
            y += v
        self.count = self._counts(xp, y.dtype)
        y /= self.count
        return channels_first_view(y, self.channels_first)

    def backward(self, gy):
        xp = get_array_module(gy)
        # dL/dx = Σ over the windows containing x of dL/dy / count
        g = channels_last_view(gy, self.channels_first) / self.count
        gpad = xp.zeros((*self.pad_shape[:-1], g.shape[-1]), dtype=g.dtype)
        for target in self._targets(gpad):
            target += g
        return self._grad_input(gpad)

    def _counts(self, xp, dtype):
        """Real cells per window: an outer product of per-axis counts, shape (*out, 1)."""
        rank = len(self.pool)
        total = xp.ones((1,) * rank + (1,), dtype=dtype)
        for axis, (size, (before, _), k, s, o) in enumerate(zip(
                self.in_spatial, self.pads, self.pool, self.strides, self.out)):
            start = xp.arange(o) * s - before
            count = xp.minimum(start + k, size) - xp.maximum(start, 0)
            shape = [1] * (rank + 1)
            shape[axis] = o
            total = total * count.reshape(shape).astype(dtype)
        return total


def pool_nd_settings(rank, pool_size, strides, padding, data_format, where) -> dict:
    """The settings of a :class:`MaxPoolND` / :class:`AvgPoolND` op over ``rank`` axes."""
    pool = as_tuple(pool_size, rank, "pool_size", where)
    strides = pool if strides is None else as_tuple(strides, rank, "strides", where)
    return dict(pool=pool, strides=strides, padding=check_padding(padding, where),
                channels_first=data_format == "channels_first", where=where)


def _pool(cls, x, pool_size, strides, padding, data_format, where):
    rank = x.ndim - 2
    if rank < 1:
        raise ShapeError(
            f"{where}: expected an input (batch, *spatial, channels) with at least one spatial "
            f"axis, got shape {tuple(x.shape)}. Hint: a volume is (batch, depth, rows, cols, "
            "channels)."
        )
    return cls.apply(x, **pool_nd_settings(rank, pool_size, strides, padding, data_format, where))


def max_pool_nd(x: Tensor, pool_size, strides=None, padding: str = "valid",
                data_format: str = "channels_last") -> Tensor:
    """Max pooling over every spatial axis of (N, *spatial, C); ``strides`` defaults to
    ``pool_size``."""
    return _pool(MaxPoolND, x, pool_size, strides, padding, data_format, "max_pool")


def avg_pool_nd(x: Tensor, pool_size, strides=None, padding: str = "valid",
                data_format: str = "channels_last") -> Tensor:
    """Average pooling; with 'same' padding the padded cells are not counted."""
    return _pool(AvgPoolND, x, pool_size, strides, padding, data_format, "avg_pool")
