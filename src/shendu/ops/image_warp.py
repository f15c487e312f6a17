"""Warps of channels-last image batches (n, height, width, channels) by a per-pixel map, with
backward: ``sample_at`` reads each output pixel (r, c) of image i at the input position
(rows[i, r, c], cols[i, r, c]), by nearest-neighbour or bilinear interpolation, positions
outside the image following the fill mode of ``ops/image.py`` ('reflect', 'wrap', 'nearest'
or 'constant'). RandomPerspective reads at a homography of (r, c), RandomElasticTransform at
(r, c) plus a smooth random displacement.

>>> import numpy as np
>>> x = np.arange(4.0).reshape(1, 1, 4, 1)
>>> rows, cols = np.zeros((1, 1, 4)), np.array([[[0.5, 1.0, 2.0, 9.0]]])
>>> sample_at(x, rows, cols, fill_mode="constant", fill_value=-1).data.ravel()
array([ 0.5,  1. ,  2. , -1. ])
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from .image import _fold
from .image_filters import gaussian_kernel_1d, separable_same


class SampleAt(Function):
    """y[i, r, c] = clip(Σ_taps w · x[i, fold(r'), fold(c')], low, high) at the source (rows,
    cols): linear in x, so dL/dx scatters w · dL/dy back to the taps where y was not clipped
    (the map itself gets no gradient).

    Settings: ``rows`` and ``cols`` (n, h, w), or ``draw``, a function of the input's shape
    returning them (called at forward time), ``fill_mode``, ``interpolation``, ``fill_value``,
    ``low`` and ``high``.
    """

    draw = None
    fill_mode, interpolation, fill_value = "constant", "bilinear", 0.0
    low, high = -np.inf, np.inf

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            self.rows, self.cols = self.draw(x.shape)
            self.draw = None
        n, h, w, _ = self.shape = x.shape
        src_r = xp.asarray(self.rows, dtype=np.float64)
        src_c = xp.asarray(self.cols, dtype=np.float64)
        if self.interpolation == "nearest":
            corners = [(xp.floor(src_r + 0.5), xp.floor(src_c + 0.5), None)]
        else:
            r0, c0 = xp.floor(src_r), xp.floor(src_c)
            fr, fc = src_r - r0, src_c - c0
            corners = [(r0, c0, (1 - fr) * (1 - fc)), (r0, c0 + 1, (1 - fr) * fc),
                       (r0 + 1, c0, fr * (1 - fc)), (r0 + 1, c0 + 1, fr * fc)]
        self.batch = xp.broadcast_to(xp.arange(n)[:, None, None], (n, h, w))
        self.taps = []
        y = xp.zeros(x.shape, dtype=x.dtype)
        for r, c, weight in corners:
            ri, rvalid = _fold(r.astype(np.int64), h, self.fill_mode, xp)
            ci, cvalid = _fold(c.astype(np.int64), w, self.fill_mode, xp)
            wgt = xp.ones((n, h, w)) if weight is None else weight
            if rvalid is not None:
                inside = rvalid & cvalid
                if self.fill_value:
                    y += ((~inside) * wgt * self.fill_value)[..., None].astype(x.dtype)
                wgt = wgt * inside
            wgt = wgt.astype(x.dtype)
            self.taps.append((ri, ci, wgt))
            # y = Σ_taps w · x[i, r, c]
            y += wgt[..., None] * x[self.batch, ri, ci]
        self.inside = (y >= self.low) & (y <= self.high)
        return xp.clip(y, self.low, self.high, out=y)

    def backward(self, g):
        xp = get_array_module(g)
        g = g * self.inside
        gx = xp.zeros(self.shape, dtype=g.dtype)
        for ri, ci, wgt in self.taps:
            # dL/dx[i, r, c] = Σ over the output pixels reading (r, c) of w · dL/dy
            xp.add.at(gx, (self.batch, ri, ci), wgt[..., None] * g)
        return gx


def sample_at(x, rows, cols, fill_mode: str = "constant", interpolation: str = "bilinear",
              fill_value: float = 0.0, low: float = -np.inf, high: float = np.inf):
    """Resample channels-last images at the source positions (rows, cols) (module doc), then
    clip to [low, high]."""
    return SampleAt.apply(x, rows=rows, cols=cols, fill_mode=fill_mode,
                          interpolation=interpolation, fill_value=float(fill_value), low=low,
                          high=high)


def pixel_grid(n: int, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pixel's own (row, column), (n, h, w) each: sampling there is the identity."""
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                             indexing="ij")
    return np.broadcast_to(rows, (n, h, w)).copy(), np.broadcast_to(cols, (n, h, w)).copy()


def homography(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The (n, 8) coefficients a of the projective map taking each of the 4 ``end`` points
    (x, y) to its ``start`` point: x_s = (a0·x + a1·y + a2) / (a6·x + a7·y + 1), y_s =
    (a3·x + a4·y + a5) / (a6·x + a7·y + 1); ``start`` and ``end`` are (n, 4, 2)."""
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    n = start.shape[0]
    system = np.zeros((n, 8, 8))
    xe, ye, xs, ys = end[..., 0], end[..., 1], start[..., 0], start[..., 1]
    one, zero = np.ones_like(xe), np.zeros_like(xe)
    # a0·x + a1·y + a2 − a6·x·x_s − a7·y·x_s = x_s, and the same for y_s
    system[:, 0::2] = np.stack([xe, ye, one, zero, zero, zero, -xe * xs, -ye * xs], -1)
    system[:, 1::2] = np.stack([zero, zero, zero, xe, ye, one, -xe * ys, -ye * ys], -1)
    target = np.stack([xs, ys], -1).reshape(n, 8)
    return np.linalg.solve(system, target[..., None])[..., 0]


def projective_grid(coefficients: np.ndarray, h: int, w: int):
    """The source (rows, cols), (n, h, w) each, of every output pixel under ``homography``."""
    a = np.asarray(coefficients, np.float64)[:, :, None, None]
    y, x = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                       indexing="ij")
    denominator = a[:, 6] * x + a[:, 7] * y + 1.0
    return (a[:, 3] * x + a[:, 4] * y + a[:, 5]) / denominator, \
        (a[:, 0] * x + a[:, 1] * y + a[:, 2]) / denominator


def elastic_offsets(generator, n: int, h: int, w: int, alpha: float, sigma: float):
    """Keras's elastic displacement field: per pixel, σ·N(0, 1) noise blurred by a Gaussian
    of σ (kernel int(6σ) | 1, zeros outside), times α; one (rows, cols) pair, (n, h, w)."""
    size = int(6 * sigma) | 1
    kernel = gaussian_kernel_1d(size, sigma)
    noise = generator.normal(size=(2, n, h, w)) * sigma
    smooth = separable_same(noise.reshape(2 * n, h, w, 1), kernel, kernel, np)
    dy, dx = alpha * smooth.reshape(2, n, h, w)
    return dy, dx
