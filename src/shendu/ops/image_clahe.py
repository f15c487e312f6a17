"""Contrast-limited adaptive histogram equalization (CLAHE) of channels-last image batches
(n, height, width, channels), Keras's algorithm: each channel of each image is cut into a grid
of tiles, each tile gets its own clipped histogram and equalizing lookup table, and each pixel
is mapped by the bilinear blend of the tables of the four tiles nearest to it.

>>> import numpy as np
>>> x = np.full((1, 4, 4, 1), 100.0)
>>> clahe(x, clip_limit=0.0, tile_grid_size=(2, 2)).data.ravel()[:3]
array([255., 255., 255.])
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module

BINS = 256


def _tables(bins, tile_h: int, tile_w: int, clip_limit: float, xp):
    """The equalizing table (…, 256) of each tile from its pixels' bins (…, tile pixels)."""
    count = tile_h * tile_w
    lead = bins.shape[:-1]
    flat = bins.reshape(-1, count)
    offsets = xp.arange(flat.shape[0])[:, None] * BINS
    hist = xp.bincount((flat + offsets).ravel(), minlength=flat.shape[0] * BINS)
    hist = hist.reshape(lead + (BINS,)).astype(np.float64)
    if clip_limit > 0:
        # counts above the limit are cut and spread evenly over all bins
        limit = clip_limit * count / BINS
        clipped = xp.minimum(hist, limit)
        hist = clipped + (hist - clipped).sum(axis=-1, keepdims=True) / BINS
    cdf = xp.cumsum(hist, axis=-1)
    low = cdf.min(axis=-1, keepdims=True)
    denominator = count - low
    denominator = xp.where(denominator == 0, 1.0, denominator)
    # table[b] = 255 · (cdf[b] − cdf_min) / (N − cdf_min)
    return xp.clip((cdf - low) * 255.0 / denominator, 0, 255)


def _blend_weights(size: int, tile: int, grid: int, xp):
    """For each padded pixel position: the two tile indices (in the edge-padded grid) and the
    weight of the second; tile centres sit at tile/2, 3·tile/2, …"""
    t = (xp.arange(size * 1.0) - tile / 2.0) / tile + 1.0
    first = xp.floor(t)
    weight = t - first
    first = xp.clip(first, 0, grid + 1).astype(np.int64)
    second = xp.clip(first + 1, 0, grid + 1).astype(np.int64)
    return first, second, weight


class CLAHE(Function):
    """y = the CLAHE of x (pixels mapped from (low, high) to [0, 255] and back): the blend of
    four tiles' tables at the pixel's bin. A lookup on int(x): piecewise constant in x, so its
    gradient is zero. Settings ``clip_limit``, ``tile_grid_size``, ``low``, ``high``."""

    clip_limit = 4.0
    tile_grid_size = (8, 8)
    low, high = 0.0, 255.0

    def forward(self, x):
        xp = get_array_module(x)
        self.shape = x.shape
        n, h, w, c = x.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-h // grid_h), -(-w // grid_w)
        scale = 255.0 / (self.high - self.low)
        u = (x.astype(np.float64) - self.low) * scale
        pad = ((0, 0), (0, tile_h * grid_h - h), (0, tile_w * grid_w - w), (0, 0))
        u = xp.pad(u, pad, mode="symmetric")
        bins = xp.clip(xp.trunc(u), 0, BINS - 1).astype(np.int64)
        tiles = bins.reshape(n, grid_h, tile_h, grid_w, tile_w, c).transpose(0, 1, 3, 5, 2, 4)
        tables = _tables(tiles.reshape(n, grid_h, grid_w, c, -1), tile_h, tile_w,
                         self.clip_limit, xp)
        # repeat the edge tiles, so pixels near the border blend a tile with itself
        tables = xp.pad(tables, ((0, 0), (1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")
        r0, r1, wr = _blend_weights(tile_h * grid_h, tile_h, grid_h, xp)
        c0, c1, wc = _blend_weights(tile_w * grid_w, tile_w, grid_w, xp)
        image = xp.arange(n)[:, None, None, None]
        channel = xp.arange(c)[None, None, None, :]

        def read(rows, cols):
            return tables[image, rows[None, :, None, None], cols[None, None, :, None],
                          channel, bins]

        wr, wc = wr[None, :, None, None], wc[None, None, :, None]
        top = read(r0, c0) * (1 - wc) + read(r0, c1) * wc
        bottom = read(r1, c0) * (1 - wc) + read(r1, c1) * wc
        y = (top * (1 - wr) + bottom * wr)[:, :h, :w]
        return (y / scale + self.low).astype(x.dtype)

    def backward(self, g):
        # a blend of lookup tables on a staircase of x: dy/dx = 0 almost everywhere
        return get_array_module(g).zeros(self.shape, dtype=g.dtype)


def clahe(x, clip_limit: float = 4.0, tile_grid_size=(8, 8), low: float = 0.0,
          high: float = 255.0):
    """Contrast-limited adaptive histogram equalization of each channel (module doc)."""
    return CLAHE.apply(x, clip_limit=float(clip_limit), tile_grid_size=tuple(tile_grid_size),
                       low=float(low), high=float(high))
