"""Adaptive average and max pooling: a fixed output size whatever the input size, with backward.

Along an axis of length L pooled to n bins, bin i covers the input cells
[⌊i·L/n⌋, ⌈(i + 1)·L/n⌉) — PyTorch's ``adaptive_avg_pool`` rule, which Keras 3 follows. The
bins of neighbouring outputs may overlap by one cell, and n > L repeats cells. A box of bins
is the product of one interval per axis, so both poolings are done one axis at a time: the
mean as a (n, L) matrix along the axis, the maximum bin by bin, keeping each bin's argmax.

>>> import numpy as np
>>> x = np.array([[1.0, 5.0, 2.0, 0.0, 4.0]])  # L = 5, n = 3: bins [0, 2), [1, 4), [3, 5)
>>> adaptive_pool(x, (3,), (1,), "average").data
array([[3.        , 2.33333333, 2.        ]])
>>> adaptive_pool(x, (3,), (1,), "max").data
array([[5., 5., 4.]])
"""

from __future__ import annotations

import functools

import numpy as np

from ..autograd import Function
from ..backend import get_array_module

MODES = ("average", "max")


def adaptive_bins(length: int, bins: int) -> list[tuple[int, int]]:
    """(start, end) of each bin: start = ⌊i·L/n⌋, end = ⌈(i + 1)·L/n⌉ (exact integers)."""
    return [(i * length // bins, -(-(i + 1) * length // bins)) for i in range(bins)]


@functools.lru_cache(maxsize=64)
def mean_matrix(length: int, bins: int) -> np.ndarray:
    """(bins, length) float64 M with M[i, j] = 1 / |bin i| for the cells j of bin i."""
    m = np.zeros((bins, length))
    for i, (start, end) in enumerate(adaptive_bins(length, bins)):
        m[i, start:end] = 1.0 / (end - start)
    m.flags.writeable = False  # cached: shared by every caller
    return m


def _along(matrix, x, axis: int, xp):
    """Apply ``matrix`` (out, in) to ``x`` along ``axis``."""
    return xp.moveaxis(xp.matmul(matrix, xp.moveaxis(x, axis, -2)), -2, axis)


class AdaptivePool(Function):
    """y = the mean or maximum of each box of adaptive bins over the ``axes``.

    Settings: ``size`` (bins per axis), ``axes`` (the spatial axes, in order), ``mode``
    ('average' or 'max').
    """

    def forward(self, x):
        xp = get_array_module(x)
        self.shapes, self.steps = [], []
        for axis, bins in zip(self.axes, self.size):
            self.shapes.append(x.shape)
            if self.mode == "average":
                m = xp.asarray(mean_matrix(x.shape[axis], bins), dtype=x.dtype)
                self.steps.append(m)
                # y = M x along the axis
                x = _along(m, x, axis, xp)
            else:
                x = self._max_along(x, axis, bins, xp)
        return x

    def _max_along(self, x, axis: int, bins: int, xp):
        outs, picks = [], []
        for start, end in adaptive_bins(x.shape[axis], bins):
            window = xp.take(x, xp.arange(start, end), axis=axis)
            pick = xp.expand_dims(window.argmax(axis=axis), axis)
            picks.append(pick)
            outs.append(xp.take_along_axis(window, pick, axis=axis))
        self.steps.append(picks)
        return xp.concatenate(outs, axis=axis)

    def backward(self, g):
        xp = get_array_module(g)
        for axis, bins, shape, step in reversed(list(zip(self.axes, self.size, self.shapes,
                                                         self.steps))):
            if self.mode == "average":
                # y = M x is linear: dL/dx = Mᵀ dL/dy along the axis
                g = _along(step.T, g, axis, xp)
                continue
            gx = xp.zeros(shape, dtype=g.dtype)
            for i, ((start, end), pick) in enumerate(zip(adaptive_bins(shape[axis], bins), step)):
                part = xp.zeros(pick.shape[:axis] + (end - start,) + pick.shape[axis + 1:],
                                dtype=g.dtype)
                # the bin's gradient goes to its (first) maximum; overlapping bins add up
                xp.put_along_axis(part, pick, xp.take(g, [i], axis=axis), axis=axis)
                index = (slice(None),) * axis + (slice(start, end),)
                gx[index] += part
            g = gx
        return g


def adaptive_pool(x, size: tuple[int, ...], axes: tuple[int, ...], mode: str = "average"):
    """Pool the ``axes`` of ``x`` to ``size`` bins each by their mean or maximum."""
    return AdaptivePool.apply(x, size=tuple(int(s) for s in size),
                              axes=tuple(int(a) for a in axes), mode=mode)
