"""Image ops: flips, affine resampling, separable resizing, crops, contrast and brightness,
with their backward; ``rgb_to_hsv`` / ``hsv_to_rgb`` (Keras's ``keras.ops.image`` names) come
from ``ops/image_hsv.py``, ``extract_patches`` from ``ops/image_patches.py``, and
``rgb_to_grayscale``, ``pad_images``, ``crop_images``, ``resize`` (Keras's signature; the
axis-wise kernel is ``resize_axes``), ``gaussian_blur``, ``affine_transform`` from
``ops/image_api.py``.

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
from .image_hsv import hsv_to_rgb as hsv_to_rgb  # keras.ops.image's colour conversions
from .image_hsv import rgb_to_hsv as rgb_to_hsv
from .image_patches import extract_patches as _extract_patches
from .symbolic import symbolic_aware

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
def resize_matrix(size_in: int, size_out: int, method: str, start: int = 0,
                  length: int | None = None, antialias: bool = False) -> np.ndarray:
    """(size_out, size_in) float64 weights R with resized = R @ signal along one axis.

    Half-pixel centres: output j samples the window at s = (j + ½)·len/out − ½ with weights
    k(s − i) over the window's pixels i, each row divided by its sum (so taps that would fall
    outside the window are dropped and the rest renormalised, as Keras does). ``antialias``
    (when shrinking by len/out = σ > 1) widens the kernel to k((s − i)/σ), as Keras and
    PyTorch do.
    'nearest' copies window pixel ⌊(j + ½)·len/out⌋ (Keras's and PyTorch's 'nearest-exact').
    The window is ``signal[start : start + length]`` (the whole axis by default); where it
    reaches past an end (padding) its columns are left out, so those rows sum to less than 1.
    """
    length = size_in if length is None else length
    if method == "nearest":
        weights = np.zeros((size_out, length))
        # exact integers: ⌊(2j + 1)·len / 2·out⌋
        weights[np.arange(size_out), (2 * np.arange(size_out) + 1) * length // (2 * size_out)] = 1
    else:
        stretch = max(length / size_out, 1.0) if antialias else 1.0
        sample = (np.arange(size_out) + 0.5) * (length / size_out) - 0.5
        weights = _resize_kernel(method, (sample[:, None] - np.arange(length)[None, :]) / stretch)
        # R[j, i] = k((s_j − i)/σ) / Σ_i' k((s_j − i')/σ)
        weights = weights / weights.sum(axis=1, keepdims=True)
    if (start, length) != (0, size_in):
        full = np.zeros((size_out, size_in))
        lo, hi = max(start, 0), min(start + length, size_in)
        full[:, lo:hi] = weights[:, lo - start:hi - start]
        weights = full
    weights.flags.writeable = False  # cached: shared by every caller
    return weights


def _along(matrix, x, axis: int, xp):
    """Apply ``matrix`` (out, in) to ``x`` along ``axis``."""
    moved = xp.moveaxis(x, axis, -2)
    return xp.moveaxis(xp.matmul(matrix, moved), -2, axis)


class Resize(Function):
    """y = R_rows · x · R_colsᵀ over two adjacent axes: separable interpolation (see
    :func:`resize_matrix`). Settings: ``axis`` (the rows' axis; columns follow it),
    ``size`` (output rows, output cols), ``method`` ('nearest' or one of ``RESIZE_METHODS``),
    and optionally ``window`` ((start, length) per axis: resize that part of the image; a
    window past the edges pads it with ``fill_value``) and ``antialias``."""

    reusable = True  # keeps only the last call's matrices (the Sequential fast path reuses it)
    window = ((0, None), (0, None))
    fill_value = 0.0
    antialias = False

    def forward(self, x):
        xp = get_array_module(x)
        a = self.axis
        self.mats = [xp.asarray(resize_matrix(x.shape[a + i], self.size[i], self.method,
                                              *self.window[i], self.antialias), dtype=x.dtype)
                     for i in (0, 1)]
        y = _along(self.mats[1], _along(self.mats[0], x, a, xp), a + 1, xp)
        padded = any(s < 0 or (n is not None and s + n > x.shape[a + i])
                     for i, (s, n) in enumerate(self.window))
        if padded and self.fill_value:
            # padding of value k: y += k · (1 − r cᵀ), r and c the row sums of the two matrices
            rows, cols = (m.sum(axis=1) for m in self.mats)
            shape = [1] * x.ndim
            shape[a], shape[a + 1] = self.size
            y += (self.fill_value * (1 - xp.outer(rows, cols))).reshape(shape).astype(y.dtype)
        return y

    def backward(self, g):
        xp = get_array_module(g)
        rows, cols = self.mats
        # y = R x along an axis is linear, so dL/dx = Rᵀ dL/dy along it (both axes in turn);
        # the padding's constant has no gradient
        return _along(rows.T, _along(cols.T, g, self.axis + 1, xp), self.axis, xp)


class Crop(Function):
    """y = x[..., r0 : r0 + h, c0 : c0 + w, ...] over the axes ``axis, axis + 1``.

    Settings: ``size`` (h, w), ``axis``, and ``start`` (r0, c0) or ``draw``, a function of the
    input's (rows, cols) returning it, called at forward time (RandomCrop's draw).
    """

    draw = None

    def forward(self, x):
        a = self.axis
        if self.draw is not None:
            self.start, self.draw = self.draw(x.shape[a], x.shape[a + 1]), None
        self.shape = x.shape
        self.index = (slice(None),) * a + tuple(
            slice(s, s + n) for s, n in zip(self.start, self.size))
        return x[self.index]

    def backward(self, g):
        # the window's pixels get their gradients back, the cropped-away ones zero
        gx = get_array_module(g).zeros(self.shape, dtype=g.dtype)
        gx[self.index] = g
        return gx


class AdjustContrast(Function):
    """y = clip((x − m) · f + m, low, high): m the mean of each image's channel over the
    spatial ``axes``, f one factor per image (``factors``, or ``draw``: a function of the
    batch size returning them, called at forward time). Settings ``low``, ``high``."""

    draw = None

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            self.factors, self.draw = self.draw(x.shape[0]), None
        self.f = xp.asarray(self.factors, dtype=x.dtype).reshape((-1,) + (1,) * (x.ndim - 1))
        mean = x.mean(axis=self.axes, keepdims=True)
        z = (x - mean) * self.f + mean
        self.inside = (z >= self.low) & (z <= self.high)
        return xp.clip(z, self.low, self.high, out=z)

    def backward(self, g):
        gz = g * self.inside
        # z = f·x + (1 − f)·m with m = mean(x): dL/dx = f·gz + (1 − f)·mean(gz)
        return self.f * gz + (1 - self.f) * gz.mean(axis=self.axes, keepdims=True)


class AdjustBrightness(Function):
    """y = clip(x + d, low, high), one shift d per image (``deltas``, or ``draw``: a function
    of the batch size returning them, called at forward time). Settings ``low``, ``high``."""

    draw = None

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            self.deltas, self.draw = self.draw(x.shape[0]), None
        z = x + xp.asarray(self.deltas, dtype=x.dtype).reshape((-1,) + (1,) * (x.ndim - 1))
        self.inside = (z >= self.low) & (z <= self.high)
        return xp.clip(z, self.low, self.high, out=z)

    def backward(self, g):
        # the gradient passes where the shifted value was not clipped
        return g * self.inside


def resize_axes(x, size: tuple[int, int], method: str = "bilinear", axis: int = 1,
           window=((0, None), (0, None)), fill_value: float = 0.0, antialias: bool = False):
    """Resize the two axes ``axis, axis + 1`` of ``x`` to ``size`` by ``method`` interpolation
    (of their ``window``: (start, length) per axis, padded with ``fill_value`` past the edges).

    >>> import numpy as np
    >>> resize_axes(np.array([[0.0, 4.0]]), (1, 4), axis=0).data
    array([[0., 1., 3., 4.]])
    >>> window = ((0, 1), (-1, 4))
    >>> resize_axes(np.array([[0.0, 4.0]]), (1, 4), axis=0, window=window, fill_value=8).data
    array([[8., 0., 4., 8.]])
    """
    return Resize.apply(x, size=tuple(int(s) for s in size), method=method, axis=int(axis),
                        window=tuple(window), fill_value=float(fill_value),
                        antialias=bool(antialias))


def crop(x, start: tuple[int, int], size: tuple[int, int], axis: int = 1):
    """The (rows, cols) window of ``size`` at ``start`` over the axes ``axis, axis + 1``."""
    return Crop.apply(x, start=tuple(start), size=tuple(size), axis=int(axis))


def adjust_contrast(x, factors, axes=(1, 2), low: float = -np.inf, high: float = np.inf):
    """clip((x − mean) · factor + mean, low, high), one factor per image (RandomContrast).

    >>> import numpy as np
    >>> adjust_contrast(np.array([[[[1.0], [3.0]]]]), [2.0]).data.ravel()
    array([0., 4.])
    """
    return AdjustContrast.apply(x, factors=factors, axes=tuple(axes), low=low, high=high)


def adjust_brightness(x, deltas, low: float = -np.inf, high: float = np.inf):
    """clip(x + delta, low, high), one delta per image (RandomBrightness)."""
    return AdjustBrightness.apply(x, deltas=deltas, low=low, high=high)


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


# keras.ops.image names that record an OpLayer node (as "image.<name>") on symbolic tensors.
from . import image_api as _api  # noqa: E402  (last: it imports this module's kernels)

SYMBOLIC_NAMES = ("extract_patches",) + _api.__all__
extract_patches = symbolic_aware("image.extract_patches", _extract_patches)
for _name in _api.__all__:
    globals()[_name] = symbolic_aware("image." + _name, getattr(_api, _name))
del _name
