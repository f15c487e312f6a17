"""RGB ↔ HSV with backward (Keras's ``keras.ops.image.rgb_to_hsv`` / ``hsv_to_rgb``), and the
hue / saturation change built on them (RandomHue, RandomSaturation, RandomColorJitter).

HSV follows Keras (and dm_pix, TensorFlow, Python's colorsys): v = max(r, g, b),
s = (v − min)/v (0 where v = 0), h in [0, 1): the position on the colour wheel (0 red, 1/3
green, 2/3 blue), measured from the channel that holds the maximum (r first, then g, then b
on ties), 0 where the colour is grey. Values are well defined for pixels in [0, 1]. The
gradient is that of the branch in use; it does not exist where two channels tie for the
maximum or the minimum, or where the colour is grey (max = min): there the branch's value is
taken, as autograd frameworks do.

>>> import numpy as np
>>> rgb_to_hsv(np.array([[[1.0, 0.5, 0.0]]])).data
array([[[0.08333333, 1.        , 1.        ]]])
>>> hsv_to_rgb(np.array([[[0.5, 1.0, 0.8]]])).data
array([[[0. , 0.8, 0.8]]])
"""

from __future__ import annotations

from ..autograd import Function, as_tensor
from ..backend import get_array_module, image_data_format
from ..errors import ArgumentError, DTypeError, ShapeError
from .shape import transpose

_SEXTANT = (5.0, 3.0, 1.0)  # hsv → rgb: channel c reads the wheel at k = (n_c + 6h) mod 6


def _one_hot(index, xp, dtype):
    return (index[..., None] == xp.arange(3)).astype(dtype)


class RGBToHSV(Function):
    """(r, g, b) → (h, s, v) on the last axis, channel values ≥ 0."""

    def forward(self, x):
        xp = get_array_module(x)
        top, low = x.argmax(axis=-1), x.argmin(axis=-1)
        v = xp.take_along_axis(x, top[..., None], -1)[..., 0]
        d = v - xp.take_along_axis(x, low[..., None], -1)[..., 0]
        # h = (x_a − x_b)/(6d) + top/3, a and b the channels after the maximum's, cyclically
        a, b = (top + 1) % 3, (top + 2) % 3
        num = (xp.take_along_axis(x, a[..., None], -1) - xp.take_along_axis(x, b[..., None], -1)
               )[..., 0]
        self.grey, self.dark = d <= 0, v <= 0
        safe_d, safe_v = xp.where(self.grey, 1, d), xp.where(self.dark, 1, v)
        h = (num / (6 * safe_d) + top.astype(x.dtype) / x.dtype.type(3)) % 1
        h = xp.where(self.grey | (h >= 1), 0, h)  # a rounding of −ε mod 1 may give 1
        s = xp.where(self.dark, 0, d / safe_v)
        self.saved = top, low, a, b, v, d, safe_d, safe_v, num
        return xp.stack([h, s, v], axis=-1).astype(x.dtype, copy=False)

    def backward(self, g):
        xp = get_array_module(g)
        top, low, a, b, v, d, safe_d, safe_v, num = (
            k if i < 4 else k[..., None] for i, k in enumerate(self.saved))
        hot = [_one_hot(i, xp, g.dtype) for i in (top, low, a, b)]
        gh = xp.where(self.grey, 0, g[..., 0])[..., None]
        gs = xp.where(self.dark, 0, g[..., 1])[..., None]
        # ∂h/∂x = (e_a − e_b)/(6d) − num/(6d²) (e_top − e_low)
        gx = gh * ((hot[2] - hot[3]) / (6 * safe_d)
                   - num / (6 * safe_d * safe_d) * (hot[0] - hot[1]))
        # s = 1 − x_low/v:  ∂s/∂x_low = −1/v,  ∂s/∂x_top = x_low/v² = (v − d)/v²
        gx += gs * ((v - d) / (safe_v * safe_v) * hot[0] - hot[1] / safe_v)
        # ∂v/∂x_top = 1
        return gx + g[..., 2:3] * hot[0]


class HSVToRGB(Function):
    """(h, s, v) → (r, g, b): c = v · (1 − s · t_c), t_c = clip(min(k, 4 − k), 0, 1),
    k = (n_c + 6h) mod 6 with n = (5, 3, 1) for (r, g, b)."""

    def forward(self, hsv):
        xp = get_array_module(hsv)
        h, s, v = hsv[..., 0:1], hsv[..., 1:2], hsv[..., 2:3]
        k = (xp.asarray(_SEXTANT, dtype=hsv.dtype) + 6 * h) % 6
        rising = k < 4 - k
        m = xp.where(rising, k, 4 - k)
        t = xp.clip(m, 0, 1)
        # dt/dh = ±6 on the slopes (0 < m < 1), 0 on the flats
        self.dt = xp.where((m > 0) & (m < 1), xp.where(rising, 6.0, -6.0), 0.0).astype(hsv.dtype)
        self.t, self.s, self.v = t, s, v
        return v * (1 - s * t)

    def backward(self, g):
        xp = get_array_module(g)
        # ∂c/∂h = −v s dt/dh,  ∂c/∂s = −v t,  ∂c/∂v = 1 − s t
        gh = (-g * self.v * self.s * self.dt).sum(axis=-1)
        gs = (-g * self.v * self.t).sum(axis=-1)
        gv = (g * (1 - self.s * self.t)).sum(axis=-1)
        return xp.stack([gh, gs, gv], axis=-1)


class AdjustHSV(Function):
    """Rotate the hue and scale the saturation of RGB images in ``(low, high)``:
    u = (x − low)/(high − low), (h, s, v) = hsv(u), h' = (h + δ) mod 1, s' = clip(f · s, 0, 1),
    y = clip(rgb(h', s', v), 0, 1) · (high − low) + low. One δ (``shifts``) and one f
    (``scales``) per image, or ``draw``: a function of the batch size returning both."""

    draw = None
    low, high = 0.0, 1.0

    def forward(self, x):
        xp = get_array_module(x)
        if self.draw is not None:
            (self.shifts, self.scales), self.draw = self.draw(x.shape[0]), None
        per_image = (-1,) + (1,) * (x.ndim - 2)
        self.width = x.dtype.type(self.high - self.low)
        self.to_hsv, self.to_rgb = RGBToHSV(), HSVToRGB()
        hsv = self.to_hsv.forward((x - x.dtype.type(self.low)) / self.width)
        f = xp.asarray(self.scales, dtype=x.dtype).reshape(per_image)
        s = hsv[..., 1] * f
        self.s_inside = (s >= 0) & (s <= 1)
        self.f = f
        hue = (hsv[..., 0] + xp.asarray(self.shifts, dtype=x.dtype).reshape(per_image)) % 1.0
        rgb = self.to_rgb.forward(xp.stack([hue, xp.clip(s, 0, 1), hsv[..., 2]], axis=-1))
        self.inside = (rgb >= 0) & (rgb <= 1)
        return xp.clip(rgb, 0, 1, out=rgb) * self.width + x.dtype.type(self.low)

    def backward(self, g):
        ghsv = self.to_rgb.backward(g * self.inside)  # the width cancels with its inverse
        # h' = (h + δ) mod 1: ∂h'/∂h = 1;  s' = clip(f s): ∂s'/∂s = f where not clipped
        ghsv[..., 1] *= self.f * self.s_inside
        return self.to_hsv.backward(ghsv)


def _converted(fn, name: str, images, data_format):
    """Keras's checks of ``ops.image.rgb_to_hsv`` / ``hsv_to_rgb``, then ``fn`` over the
    channels (moved last and back for channels_first)."""
    fmt = image_data_format() if data_format is None else data_format
    if fmt not in ("channels_last", "channels_first"):
        raise ArgumentError(
            f"{name}: data_format must be 'channels_last' or 'channels_first', got "
            f"{data_format!r}. Hint: None follows shendu.config.image_data_format()."
        )
    x = as_tensor(images)
    if x.ndim not in (3, 4):
        raise ShapeError(
            f"{name}: expected an image of rank 3 or a batch of rank 4, got shape "
            f"{tuple(x.shape)}. Hint: add a batch axis, e.g. x[None]."
        )
    if x.data.dtype.kind != "f":
        raise DTypeError(
            f"{name}: expected float images (values in [0, 1]), got dtype {x.data.dtype}. "
            "Hint: x.astype('float32') / 255."
        )
    axis = x.ndim - 1 if fmt == "channels_last" else x.ndim - 3
    if x.shape[axis] != 3:
        raise ShapeError(
            f"{name}: expected 3 channels on axis {axis} ({fmt}), got shape "
            f"{tuple(x.shape)}. Hint: check data_format."
        )
    if fmt == "channels_last":
        return fn.apply(x)
    order = [i for i in range(x.ndim) if i != axis] + [axis]
    back = sorted(range(x.ndim), key=order.__getitem__)
    return transpose(fn.apply(transpose(x, order)), back)


def rgb_to_hsv(images, data_format: str | None = None):
    """(r, g, b) → (h, s, v) of an image (rank 3) or a batch (rank 4) of float images in
    [0, 1], as Keras's ``keras.ops.image.rgb_to_hsv``; ``data_format`` None follows
    ``shendu.config.image_data_format()``.

    >>> import numpy as np
    >>> rgb = np.array([[[0.0]], [[0.5]], [[1.0]]])  # one pixel, channels first
    >>> rgb_to_hsv(rgb, data_format="channels_first").data.ravel()
    array([0.58333333, 1.        , 1.        ])
    """
    return _converted(RGBToHSV, "rgb_to_hsv", images, data_format)


def hsv_to_rgb(images, data_format: str | None = None):
    """(h, s, v) → (r, g, b), the inverse of :func:`rgb_to_hsv` (Keras's
    ``keras.ops.image.hsv_to_rgb``)."""
    return _converted(HSVToRGB, "hsv_to_rgb", images, data_format)


def adjust_hsv(x, shifts, scales, low: float = 0.0, high: float = 1.0):
    """Rotate each image's hue by δ (turns) and scale its saturation by f, pixels in
    (low, high).

    >>> import numpy as np
    >>> adjust_hsv(np.array([[[[255.0, 0.0, 0.0]]]]), [1 / 3], [1.0], 0, 255).data.ravel()
    array([  0., 255.,   0.])
    """
    return AdjustHSV.apply(x, shifts=shifts, scales=scales, low=float(low), high=float(high))


__all__ = ["AdjustHSV", "HSVToRGB", "RGBToHSV", "adjust_hsv", "hsv_to_rgb", "rgb_to_hsv"]
