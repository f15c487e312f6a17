"""Image ops for augmentation: flips and affine resampling, with their backward.

Images are channels-last batches (n, height, width, channels). ``affine_sample`` reads each
output pixel (r, c) of image i at the input position ``A_i @ (r, c, 1)`` (A_i a 2×3 matrix),
by nearest-neighbour or bilinear interpolation; positions outside the image follow
``fill_mode``: 'reflect' (d c b a | a b c d | d c b a), 'wrap' (a b c d | a b c d),
'nearest' (a a | a b c d | d d) or 'constant' (k k | a b c d | k k).

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.arange(4.0).reshape(1, 1, 4, 1))
>>> shift = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, -1.0]]])  # read column c - 1
>>> affine_sample(x, shift, fill_mode="constant").data.ravel()
array([0., 0., 1., 2.])
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module

FILL_MODES = ("reflect", "wrap", "nearest", "constant")
INTERPOLATIONS = ("nearest", "bilinear")


class Flip(Function):
    """Reverse rows (vertical) and/or columns (horizontal) of the images picked by two masks.

    Settings: ``rows`` and ``cols``, boolean arrays of length n (or ``draw``, a function of n
    returning them, called at forward time).
    """

    def forward(self, x):
        if getattr(self, "draw", None) is not None:
            self.rows, self.cols = self.draw(x.shape[0])
            self.draw = None
        y = x.copy()
        y[self.rows] = y[self.rows][:, ::-1]
        y[self.cols] = y[self.cols][:, :, ::-1]
        return y

    def backward(self, g):
        # a flip is a permutation that is its own inverse: dL/dx = flip(dL/dy)
        return self.forward(g)


class ScaleShift(Function):
    """y = x · scale + offset (Rescaling), with ``scale`` and ``offset`` as settings."""

    def forward(self, x):
        return x * x.dtype.type(self.scale) + x.dtype.type(self.offset)

    def backward(self, g):
        # dL/dx = scale · dL/dy
        return g * g.dtype.type(self.scale)


def _fold(index, size: int, mode: str, xp):
    """Integer positions mapped into [0, size) by the fill mode; also a 'valid' mask."""
    if mode == "reflect":
        period = 2 * size
        index = xp.mod(index, period)
        index = xp.where(index >= size, period - 1 - index, index)
    elif mode == "wrap":
        index = xp.mod(index, size)
    else:
        valid = (index >= 0) & (index < size)
        return xp.clip(index, 0, size - 1), (valid if mode == "constant" else None)
    return index, None


class AffineSample(Function):
    """y[i, r, c] = x[i] sampled at A_i (r, c, 1)ᵀ, with fill and interpolation as settings.

    Settings: ``matrices`` (n, 2, 3) or a function of (n, height, width) returning them (called
    at forward time), ``fill_mode``, ``interpolation``, ``fill_value``.
    """

    def forward(self, x):
        xp = get_array_module(x)
        n, h, w, ch = x.shape
        if callable(self.matrices):
            self.matrices = self.matrices(n, h, w)
        self.shape = x.shape
        rows, cols = xp.meshgrid(xp.arange(h, dtype=x.dtype), xp.arange(w, dtype=x.dtype),
                                 indexing="ij")
        a = xp.asarray(self.matrices, dtype=x.dtype)
        src_r = a[:, 0, 0, None, None] * rows + a[:, 0, 1, None, None] * cols \
            + a[:, 0, 2, None, None]
        src_c = a[:, 1, 0, None, None] * rows + a[:, 1, 1, None, None] * cols \
            + a[:, 1, 2, None, None]
        if self.interpolation == "nearest":
            corners = [(xp.floor(src_r + 0.5), xp.floor(src_c + 0.5), None)]
        else:
            r0, c0 = xp.floor(src_r), xp.floor(src_c)
            fr, fc = src_r - r0, src_c - c0
            corners = [(r0, c0, (1 - fr) * (1 - fc)), (r0, c0 + 1, (1 - fr) * fc),
                       (r0 + 1, c0, fr * (1 - fc)), (r0 + 1, c0 + 1, fr * fc)]
        batch = xp.broadcast_to(xp.arange(n)[:, None, None], (n, h, w))
        self.taps = []
        y = xp.zeros(x.shape, dtype=x.dtype)
        for r, c, weight in corners:
            ri, rvalid = _fold(r.astype(xp.int64), h, self.fill_mode, xp)
            ci, cvalid = _fold(c.astype(xp.int64), w, self.fill_mode, xp)
            wgt = xp.ones((n, h, w), dtype=x.dtype) if weight is None else weight
            if rvalid is not None:
                inside = rvalid & cvalid
                if self.fill_value:
                    y += ((~inside) * wgt * self.fill_value)[..., None]
                wgt = wgt * inside
            self.taps.append((ri, ci, wgt))
            # y = Σ_taps w · x[i, r, c]
            y += wgt[..., None] * x[batch, ri, ci]
        self.batch = batch
        return y

    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.shape, dtype=g.dtype)
        for ri, ci, wgt in self.taps:
            # dL/dx[i, r, c] = Σ over the output pixels reading (r, c) of w · dL/dy
            xp.add.at(gx, (self.batch, ri, ci), wgt[..., None] * g)
        return gx


def scale_shift(x, scale: float, offset: float = 0.0):
    """x · scale + offset, one op (the Rescaling layer)."""
    return ScaleShift.apply(x, scale=float(scale), offset=float(offset))


def flip(x, rows, cols):
    """Flip image i vertically where ``rows[i]`` and horizontally where ``cols[i]``."""
    return Flip.apply(x, rows=rows, cols=cols)


def affine_sample(x, matrices, fill_mode: str = "reflect", interpolation: str = "bilinear",
                  fill_value: float = 0.0):
    """Resample channels-last images at ``matrices @ (row, col, 1)`` (see the module doc)."""
    return AffineSample.apply(x, matrices=matrices, fill_mode=fill_mode,
                              interpolation=interpolation, fill_value=float(fill_value))
