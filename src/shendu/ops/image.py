"""Image ops: flips, affine resampling and separable resizing, with their backward.

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

import functools

import numpy as np

from ..autograd import Function
from ..backend import get_array_module

FILL_MODES = ("reflect", "wrap", "nearest", "constant")
INTERPOLATIONS = ("nearest", "bilinear")
RESIZE_METHODS = ("bilinear", "bicubic", "lanczos3", "lanczos5")


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


def _resize_kernel(method: str, d):
    """The interpolation kernel k(d) at distances d (in input pixels), as Keras's resize uses."""
    d = np.abs(d)
    if method == "bilinear":
        # triangle: k(d) = max(0, 1 − |d|)
        return np.maximum(0.0, 1.0 - d)
    if method == "bicubic":
        # Keys cubic, a = −0.5: 1.5|d|³ − 2.5|d|² + 1 (|d| ≤ 1), −0.5|d|³ + 2.5|d|² − 4|d| + 2 (< 2)
        near = (1.5 * d - 2.5) * d * d + 1.0
        far = ((-0.5 * d + 2.5) * d - 4.0) * d + 2.0
        return np.where(d <= 1.0, near, np.where(d < 2.0, far, 0.0))
    radius = int(method[len("lanczos"):])
    # Lanczos: k(d) = sinc(d) · sinc(d / radius) for |d| < radius
    return np.where(d < radius, np.sinc(d) * np.sinc(d / radius), 0.0)


@functools.lru_cache(maxsize=64)
def resize_matrix(size_in: int, size_out: int, method: str) -> np.ndarray:
    """(size_out, size_in) float64 weights R with resized = R @ signal along one axis.

    Half-pixel centres, no antialiasing: output j samples the input at s = (j + ½)·in/out − ½
    with weights k(s − i) over the input pixels i, each row divided by its sum (so taps that
    would fall outside the image are dropped and the rest renormalised, as Keras does).
    """
    sample = (np.arange(size_out) + 0.5) * (size_in / size_out) - 0.5
    weights = _resize_kernel(method, sample[:, None] - np.arange(size_in)[None, :])
    # R[j, i] = k(s_j − i) / Σ_i' k(s_j − i')
    return weights / weights.sum(axis=1, keepdims=True)


def _along(matrix, x, axis: int, xp):
    """Apply ``matrix`` (out, in) to ``x`` along ``axis``."""
    moved = xp.moveaxis(x, axis, -2)
    return xp.moveaxis(xp.matmul(matrix, moved), -2, axis)


class Resize(Function):
    """y = R_rows · x · R_colsᵀ over two adjacent axes: separable interpolation (see
    :func:`resize_matrix`). Settings: ``axis`` (the rows' axis; columns follow it),
    ``size`` (output rows, output cols), ``method`` (one of ``RESIZE_METHODS``)."""

    def forward(self, x):
        xp = get_array_module(x)
        a = self.axis
        self.mats = [xp.asarray(resize_matrix(x.shape[a + i], self.size[i], self.method),
                                dtype=x.dtype) for i in (0, 1)]
        return _along(self.mats[1], _along(self.mats[0], x, a, xp), a + 1, xp)

    def backward(self, g):
        xp = get_array_module(g)
        rows, cols = self.mats
        # y = R x along an axis is linear, so dL/dx = Rᵀ dL/dy along it (both axes in turn)
        return _along(rows.T, _along(cols.T, g, self.axis + 1, xp), self.axis, xp)


def resize(x, size: tuple[int, int], method: str = "bilinear", axis: int = 1):
    """Resize the two axes ``axis, axis + 1`` of ``x`` to ``size`` by ``method`` interpolation.

    >>> import numpy as np
    >>> resize(np.array([[0.0, 4.0]]), (1, 4), axis=0).data
    array([[0., 1., 3., 4.]])
    """
    return Resize.apply(x, size=tuple(int(s) for s in size), method=method, axis=int(axis))


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
