"""Colour ops on channels-last image batches (n, height, width, channels), with backward:
a blend towards grey, inversion, solarization, posterization and auto-contrast.

Each op that augments takes one random choice per image either as an array setting or as
``draw``, a function of the batch size called at forward time (so the Sequential fast path can
hand over a fresh op each step). Grey is ITU-R 601 luma, 0.2989 R + 0.5870 G + 0.1140 B, the
weights Keras and TensorFlow use; a one-channel image is its own grey.

>>> import numpy as np
>>> x = np.array([[[[255.0, 0.0, 0.0]]]])
>>> blend_gray(x, [1.0]).data.ravel()
array([76.2195, 76.2195, 76.2195])
>>> invert(np.array([[[[0.0], [200.0]]]]), [True], high=255.0).data.ravel()
array([255.,  55.])
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module

LUMA = (0.2989, 0.5870, 0.1140)


def _per_image(values, x, xp):
    """One value per image, shaped to broadcast over (n, h, w, c)."""
    return xp.asarray(values, dtype=x.dtype).reshape((-1,) + (1,) * (x.ndim - 1))


def _luma(x, xp):
    if x.shape[-1] == 1:
        return x
    return (x @ xp.asarray(LUMA, dtype=x.dtype))[..., None]


class BlendGray(Function):
    """y = clip(x + f · (grey(x) − x), low, high), one f per image (``factors`` or ``draw``).
    f = 1 is greyscale (RandomGrayscale), f in [0, 1] a fading of the colours
    (RandomColorDegeneration). ``low`` / ``high`` default to no clipping."""

    draw = None
    low, high = -np.inf, np.inf

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            self.factors, self.draw = self.draw(x.shape[0]), None
        self.f = _per_image(self.factors, x, xp)
        z = x + self.f * (_luma(x, xp) - x)
        self.inside = (z >= self.low) & (z <= self.high)
        return xp.clip(z, self.low, self.high, out=z)

    def backward(self, g):
        xp = get_array_module(g)
        gz = g * self.inside
        if gz.shape[-1] == 1:  # the grey of one channel is the channel: z = x
            return gz
        # z_c = (1 − f) x_c + f Σ_k w_k x_k:  dL/dx_k = (1 − f) gz_k + f w_k Σ_c gz_c
        luma = xp.asarray(LUMA, dtype=g.dtype)
        return (1 - self.f) * gz + self.f * gz.sum(axis=-1, keepdims=True) * luma


class Invert(Function):
    """y = high − x for the images picked by ``mask`` (or ``draw``), x for the others."""

    draw = None

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            self.mask, self.draw = self.draw(x.shape[0]), None
        self.m = _per_image(self.mask, x, xp).astype(bool)
        return xp.where(self.m, x.dtype.type(self.high) - x, x)

    def backward(self, g):
        # d(high − x)/dx = −1 where inverted
        return get_array_module(g).where(self.m, -g, g)


class Solarize(Function):
    """Keras's solarization, on pixels mapped to [0, 255] by u = (x − low)·255/(high − low):
    z = clip(u + a, 0, 255), v = z if z < t else 255 − z, and v mapped back to (low, high).
    ``additions`` a and ``thresholds`` t per image (or ``draw`` returning both)."""

    draw = None

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            (self.additions, self.thresholds), self.draw = self.draw(x.shape[0]), None
        scale = x.dtype.type(255.0 / (self.high - self.low))
        z = (x - x.dtype.type(self.low)) * scale + _per_image(self.additions, x, xp)
        self.inside = (z >= 0) & (z <= 255)
        xp.clip(z, 0, 255, out=z)
        self.keep = z < _per_image(self.thresholds, x, xp)
        v = xp.where(self.keep, z, 255 - z)
        return v / scale + x.dtype.type(self.low)

    def backward(self, g):
        # the scale and its inverse cancel: dy/dx = ±1 where not clipped (− where inverted)
        return get_array_module(g).where(self.keep, g, -g) * self.inside


class Posterize(Function):
    """Keep the top ``bits`` (one count per image, or ``draw``) of each pixel's 8-bit value:
    q = ⌊u / 2^(8 − b)⌋ · 2^(8 − b), u = clip((x − low)·255/(high − low), 0, 255), mapped
    back to (low, high). Piecewise constant, so its gradient is zero."""

    draw = None

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            self.bits, self.draw = self.draw(x.shape[0]), None
        self.shape, self.dtype = x.shape, x.dtype
        scale = 255.0 / (self.high - self.low)
        u = xp.floor(xp.clip((x - self.low) * scale, 0, 255))
        step = 2.0 ** (8 - _per_image(self.bits, u, xp))
        return (xp.floor(u / step) * step / scale + self.low).astype(x.dtype)

    def backward(self, g):
        # q is a staircase in x: dq/dx = 0 almost everywhere
        return get_array_module(g).zeros(self.shape, dtype=g.dtype)


class AutoContrast(Function):
    """Stretch each image's channel to the full range: y = low + (high − low)·(x − m)/(M − m),
    m and M that channel's minimum and maximum over the spatial ``axes``; a constant channel
    (M = m) is left as it is."""

    def forward(self, x):
        xp = get_array_module(x)
        lo = x.min(axis=self.axes, keepdims=True)
        hi = x.max(axis=self.axes, keepdims=True)
        self.flat = hi == lo
        spread = xp.where(self.flat, 1, hi - lo)
        self.s = xp.where(self.flat, 0, (self.high - self.low) / spread).astype(x.dtype)
        self.u = (x - lo) / spread
        self.x = x
        y = self.low + (self.high - self.low) * self.u
        return xp.where(self.flat, x, y).astype(x.dtype)

    def backward(self, g):
        xp = get_array_module(g)
        # y = low + s (x − m), s = (high − low)/(M − m):
        # ∂y/∂x = s,  ∂y/∂m = s (u − 1),  ∂y/∂M = −s u  (u = (x − m)/(M − m))
        gx = xp.where(self.flat, g, g * self.s)
        gm = (g * self.s * (self.u - 1)).sum(axis=self.axes, keepdims=True)
        gM = (-g * self.s * self.u).sum(axis=self.axes, keepdims=True)
        for extreme, share in ((self.x.min(axis=self.axes, keepdims=True), gm),
                               (self.x.max(axis=self.axes, keepdims=True), gM)):
            at = self.x == extreme  # the minimum (maximum): shared among ties
            gx = gx + at * share / at.sum(axis=self.axes, keepdims=True)
        return gx


def blend_gray(x, factors, low: float = -np.inf, high: float = np.inf):
    """clip(x + f · (grey(x) − x), low, high), one factor f per image."""
    return BlendGray.apply(x, factors=factors, low=low, high=high)


def invert(x, mask, high: float = 255.0):
    """high − x for the images where ``mask`` is True."""
    return Invert.apply(x, mask=mask, high=float(high))


def solarize(x, additions, thresholds, low: float = 0.0, high: float = 255.0):
    """Keras's solarization with one addition and threshold (in [0, 255] units) per image.

    >>> import numpy as np
    >>> solarize(np.array([[[[10.0], [200.0]]]]), [0.0], [128.0]).data.ravel()
    array([10., 55.])
    """
    return Solarize.apply(x, additions=additions, thresholds=thresholds, low=float(low),
                          high=float(high))


def posterize(x, bits, low: float = 0.0, high: float = 255.0):
    """Keep the top ``bits`` of each pixel's 8-bit value, one count per image.

    >>> import numpy as np
    >>> posterize(np.array([[[[200.0], [37.5]]]]), [2]).data.ravel()
    array([192.,   0.])
    """
    return Posterize.apply(x, bits=bits, low=float(low), high=float(high))


def auto_contrast(x, axes=(1, 2), low: float = 0.0, high: float = 255.0):
    """Stretch each channel of each image to [low, high] (a constant channel stays)."""
    return AutoContrast.apply(x, axes=tuple(axes), low=float(low), high=float(high))
