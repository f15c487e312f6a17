"""Filters and mixes on channels-last image batches (n, height, width, channels), with
backward: Gaussian blur, sharpening, erasing of boxes, histogram equalization, and the mixing
of each image with a partner from the same batch (MixUp, CutMix).

As in ``image_color``, each op that augments takes its random choice either as settings or as
``draw``, called at forward time with the input's shape (so the Sequential fast path can hand
over a fresh op each step). The filters correlate with zero padding ("same" size), as Keras's
depthwise convolution does; their kernels are symmetric, so the backward is the same filter.

>>> import numpy as np
>>> delta = np.zeros((1, 3, 3, 1)); delta[0, 1, 1, 0] = 1.0
>>> gaussian_blur(delta, sigmas=(1.0, 1.0), apply=[True]).data[0, :, :, 0].round(4)
array([[0.0751, 0.1238, 0.0751],
       [0.1238, 0.2042, 0.1238],
       [0.0751, 0.1238, 0.0751]])
>>> x = np.array([[[[1.0]]], [[[3.0]]]])
>>> mix_batch(x, order=[1, 0], weights=[0.25, 0.25]).data.ravel()
array([2.5, 1.5])
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module

# Keras's RandomSharpness smoothing kernel (PIL's ImageFilter.SMOOTH): 1/13 around, 5/13 inside
SMOOTH = np.array([[1.0, 1.0, 1.0], [1.0, 5.0, 1.0], [1.0, 1.0, 1.0]]) / 13.0


def _per_image(values, x, xp):
    """One value per image, shaped to broadcast over (n, h, w, c)."""
    return xp.asarray(values, dtype=x.dtype).reshape((-1,) + (1,) * (x.ndim - 1))


def gaussian_kernel_1d(size: int, sigma: float) -> np.ndarray:
    """exp(−t² / 2σ²) at t = −(size−1)/2 … (size−1)/2, normalized to sum 1."""
    t = np.arange(size) - (size - 1) / 2
    k = np.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


def correlate_same(x, kernel, xp):
    """Σ_ij K[i, j] · x[r + i − kh//2, c + j − kw//2] with zeros outside, for every image and
    channel of x (n, h, w, c); ``kernel`` is (kh, kw), odd sizes."""
    kh, kw = kernel.shape
    ph, pw = kh // 2, kw // 2
    h, w = x.shape[1], x.shape[2]
    padded = xp.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    out = xp.zeros_like(x)
    for i in range(kh):
        for j in range(kw):
            if kernel[i, j] != 0:
                out += x.dtype.type(kernel[i, j]) * padded[:, i:i + h, j:j + w]
    return out


def separable_same(x, rows, cols, xp):
    """correlate_same with the kernel outer(rows, cols), as two 1-D passes."""
    return correlate_same(correlate_same(x, rows[:, None], xp), cols[None, :], xp)


class GaussianBlur(Function):
    """y = clip(blur(x) if picked else x, low, high): blur is the Gaussian kernel
    outer(k(kh, σ_y), k(kw, σ_x)), one (σ_x, σ_y) for the batch; ``apply`` picks the images
    (``draw`` returns both). The adjoint of a symmetric correlation is itself."""

    draw = None
    kernel_size = (3, 3)
    low, high = -np.inf, np.inf

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            (self.sigmas, self.apply), self.draw = self.draw(x.shape), None
        kh, kw = self.kernel_size
        self.rows = gaussian_kernel_1d(kh, self.sigmas[1])
        self.cols = gaussian_kernel_1d(kw, self.sigmas[0])
        self.m = _per_image(self.apply, x, xp).astype(bool)
        z = xp.where(self.m, separable_same(x, self.rows, self.cols, xp), x)
        self.inside = (z >= self.low) & (z <= self.high)
        return xp.clip(z, self.low, self.high, out=z)

    def backward(self, g):
        xp = get_array_module(g)
        gz = g * self.inside
        # dL/dx = blurᵀ(gz) on picked images (blurᵀ = blur: symmetric kernel), gz elsewhere
        blurred = separable_same(gz, self.rows, self.cols, xp)
        return xp.where(self.m, blurred, gz)


class Sharpen(Function):
    """Keras's sharpness: y = clip(x + (1 − s)·(smooth(x) − x), low, high), one s per image
    (``factors`` or ``draw``): s = 0 is the smoothed image, 1 the image, 2 sharpened."""

    draw = None
    low, high = -np.inf, np.inf

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            self.factors, self.draw = self.draw(x.shape), None
        self.s = _per_image(self.factors, x, xp)
        z = self.s * x + (1 - self.s) * correlate_same(x, SMOOTH, xp)
        self.inside = (z >= self.low) & (z <= self.high)
        return xp.clip(z, self.low, self.high, out=z)

    def backward(self, g):
        xp = get_array_module(g)
        gz = g * self.inside
        # z = s x + (1 − s) K⋆x:  dL/dx = s gz + K⋆((1 − s) gz)  (K symmetric)
        return self.s * gz + correlate_same((1 - self.s) * gz, SMOOTH, xp)


class Erase(Function):
    """y = fill where ``mask`` (n, h, w, 1 or c), x elsewhere (``draw`` returns both)."""

    draw = None

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            (self.mask, self.fill), self.draw = self.draw(x.shape), None
        self.mask = xp.asarray(self.mask, dtype=bool)
        return xp.where(self.mask, xp.asarray(self.fill, dtype=x.dtype), x)

    def backward(self, g):
        # dy/dx = 0 on the erased pixels, 1 elsewhere
        return get_array_module(g).where(self.mask, 0, g).astype(g.dtype)


class Equalize(Function):
    """Keras's histogram equalization of each channel of each image, on pixels mapped to
    [0, 255] by u = (x − low)·255/(high − low): b = int(clip(u·(bins − 1)/255, 0, bins − 1)),
    y = round(255·(cdf[b] − cdf_min)/(N − cdf_min)), cdf the cumulative histogram of b and
    cdf_min its first non-zero count; a channel whose values fill one bin is left as it is.
    Mapped back to (low, high). Piecewise constant, so its gradient is zero."""

    bins = 256
    low, high = 0.0, 255.0

    def forward(self, x):
        xp = get_array_module(x)
        self.shape = x.shape
        n, h, w, c = x.shape
        scale = 255.0 / (self.high - self.low)
        u = (x.astype(np.float64) - self.low) * scale
        b = xp.clip(u * ((self.bins - 1) / 255.0), 0, self.bins - 1).astype(np.int64)
        # one histogram per (image, channel): offset each bin index by its pair's number
        pair = (xp.arange(n)[:, None] * c + xp.arange(c)[None, :]).reshape(n, 1, 1, c)
        flat = (pair * self.bins + b).ravel()
        hist = xp.bincount(flat, minlength=n * c * self.bins).reshape(n, c, self.bins)
        cdf = xp.cumsum(hist, axis=-1)
        first = xp.take_along_axis(hist, xp.argmax(hist > 0, axis=-1)[..., None], axis=-1)
        total = cdf[..., -1:]
        denominator = xp.where(total - first == 0, 1, total - first)
        lut = xp.clip(xp.round((cdf - first) * 255.0 / denominator), 0, 255)
        lut = xp.where((hist > 0).sum(axis=-1, keepdims=True) <= 1, -1.0, lut)  # -1: keep
        picked = xp.take_along_axis(lut, xp.moveaxis(b, -1, 1).reshape(n, c, -1), axis=-1)
        picked = xp.moveaxis(picked.reshape(n, c, h, w), 1, -1)
        return xp.where(picked < 0, x, picked / scale + self.low).astype(x.dtype)

    def backward(self, g):
        # a lookup table on a staircase of x: dy/dx = 0 almost everywhere
        return get_array_module(g).zeros(self.shape, dtype=g.dtype)


class MixBatch(Function):
    """y = w · x + (1 − w) · x[order], ``order`` a permutation of the batch and ``weights``
    broadcasting over x after its first axis (one per image: MixUp; a 0/1 mask per pixel:
    CutMix). ``draw`` returns both."""

    draw = None

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            (self.order, self.weights), self.draw = self.draw(x.shape), None
        self.order = xp.asarray(self.order, dtype=np.int64)
        w = xp.asarray(self.weights, dtype=x.dtype)
        self.w = w.reshape(w.shape + (1,) * (x.ndim - w.ndim)) if w.ndim else w
        return self.w * x + (1 - self.w) * x[self.order]

    def backward(self, g):
        # dL/dx_j = w_j g_j + Σ_{i: order_i = j} (1 − w_i) g_i  (order is a permutation)
        gx = self.w * g
        gx[self.order] += (1 - self.w) * g
        return gx


def gaussian_blur(x, sigmas, apply, kernel_size=(3, 3), low: float = -np.inf,
                  high: float = np.inf):
    return GaussianBlur.apply(x, sigmas=sigmas, apply=apply, kernel_size=tuple(kernel_size),
                              low=low, high=high)


def sharpen(x, factors, low: float = -np.inf, high: float = np.inf):
    return Sharpen.apply(x, factors=factors, low=low, high=high)


def erase(x, mask, fill):
    return Erase.apply(x, mask=mask, fill=fill)


def equalize(x, bins: int = 256, low: float = 0.0, high: float = 255.0):
    return Equalize.apply(x, bins=bins, low=low, high=high)


def mix_batch(x, order, weights):
    return MixBatch.apply(x, order=order, weights=weights)
