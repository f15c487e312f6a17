"""Convolutions over any number of spatial axes (3-D volumes): plain, grouped, dilated, transposed.

The 1-D and 2-D layers run the tuned ops of :mod:`.conv`; this module is the general path for
the others (Conv3D, Conv3DTranspose), written once for every rank. The geometry helpers
(``as_tuple``, ``padding_amounts``, ``check_padding``) and the kernel layouts are
:mod:`.conv`'s, so the shapes, the 'same' rule and the error messages agree with the 2-D op.

Forward: the zero-copy strided view of every window, ``(N, *out, *kernel, C)``, is copied once
into ``cols`` and multiplied by the kernel as a matrix, ``(Π kernel · C/groups, filters)``; the
bias and the activation run in place on the GEMM's output. Backward: ``dK = colsᵀ dz`` and
``dcols = dz Kᵀ``, added back onto the input one kernel offset at a time (col2im). Arrays are
channels_last inside; channels_first inputs are read through a transposed view. Kernels use
Keras's layout: ``(*kernel, in_channels / groups, filters)``; transposed ``(*kernel, filters,
in_channels)``.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.ones((1, 4, 4, 4, 2)))
>>> conv_nd(x, Tensor(np.ones((3, 3, 3, 2, 5)))).shape
(1, 2, 2, 2, 5)
>>> float(conv_nd(x, Tensor(np.ones((3, 3, 3, 2, 1))), padding="same").data[0, 0, 0, 0, 0])
16.0
>>> conv_transpose_nd(x, Tensor(np.ones((2, 2, 2, 3, 2))), strides=2).shape
(1, 8, 8, 8, 3)
"""

from __future__ import annotations

import itertools
import numbers

from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .activations import Sigmoid, Softmax, get_kernel
from .conv import (
    as_tuple,
    channels_first_view,
    channels_last_view,
    check_padding,
    output_length_transposed,
    padding_amounts,
)


# -- windows of an (N, *spatial, C) array -----------------------------------------------------
def windows_nd(xpad, out, kernel, strides, dilation):
    """Zero-copy view (N, *out, *kernel, C) of every window of a padded (N, *spatial, C) array."""
    xp = get_array_module(xpad)
    sn, *spatial, sc = xpad.strides
    shape = (xpad.shape[0], *out, *kernel, xpad.shape[-1])
    step = (sn, *(a * s for a, s in zip(spatial, strides)),
            *(a * d for a, d in zip(spatial, dilation)), sc)
    return xp.lib.stride_tricks.as_strided(xpad, shape, step, writeable=False)


def add_windows_nd(gpad, gwin, out, strides, dilation):
    """col2im: add each window's gradient (N, *out, *kernel, C) back onto (N, *spatial, C)."""
    rank = len(out)
    kernel = gwin.shape[1 + rank:1 + 2 * rank]
    for offset in itertools.product(*(range(k) for k in kernel)):
        target = (slice(None),) + tuple(
            slice(o * d, o * d + (n - 1) * s + 1, s)
            for o, d, n, s in zip(offset, dilation, out, strides))
        gpad[target] += gwin[(slice(None),) * (1 + rank) + offset]
    return gpad


def pad_nd(x, pads, fill=0.0):
    """x (N, *spatial, C) with ``pads`` ((before, after) per spatial axis) of ``fill`` around
    it; x itself when there is nothing to pad."""
    if not any(b or a for b, a in pads):
        return x
    xp = get_array_module(x)
    out = xp.full((x.shape[0], *(n + b + a for n, (b, a) in zip(x.shape[1:-1], pads)),
                   x.shape[-1]), fill, dtype=x.dtype)
    out[(slice(None),) + tuple(slice(b, b + n) for n, (b, _) in zip(x.shape[1:-1], pads))] = x
    return out


def crop_nd(x, starts, sizes):
    """x[:, starts[0]:starts[0] + sizes[0], ...] over the spatial axes (a view)."""
    return x[(slice(None),) + tuple(slice(b, b + n) for b, n in zip(starts, sizes))]


def geometry(spatial, kernel, strides, dilation, padding, where):
    """((before, after) pads, output sizes) per spatial axis, by TF's rules."""
    pads, out = [], []
    for size, k, s, d in zip(spatial, kernel, strides, dilation):
        before, after, o = padding_amounts(size, k, s, d, padding, where)
        pads.append((before, after))
        out.append(o)
    return tuple(pads), tuple(out)


def _training(fn) -> bool:
    return any(getattr(fn, "needs_input_grad", ()))


# -- convolution ---------------------------------------------------------------------------------
class ConvND(Function):
    """y = act(Σ_window x·K + b) over ``rank`` spatial axes, as one GEMM per group.

    The pads and output size follow from each input's shape, so one op object serves every
    batch (the Sequential fast path reuses it: ``reusable``). In inference it keeps nothing.

    >>> import numpy as np
    >>> from shendu.ops.activations import get_kernel
    >>> op = ConvND(**conv_nd_settings(3, (1, 1, 1), (1, 1, 1), "valid", 1, get_kernel(None),
    ...                                False))
    >>> op.forward(np.ones((1, 3, 3, 3, 1)), np.ones((2, 2, 2, 1, 1))).ravel().tolist()
    [8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    """

    reusable = True  # forward keeps nothing between calls

    def forward(self, x, K, b=None):
        xp = get_array_module(x)
        x = channels_last_view(x, self.channels_first)
        rank, g = len(self.strides), self.groups
        kernel, cg, f = K.shape[:rank], K.shape[-2], K.shape[-1]
        n, fg, kd = x.shape[0], f // g, cg * _prod(kernel)
        self.in_spatial = x.shape[1:-1]
        self.pads, self.out = geometry(self.in_spatial, kernel, self.strides, self.dilation,
                                       self.padding, self.where)
        xpad = pad_nd(x, self.pads)
        self.pad_spatial = xpad.shape[1:-1]
        view = windows_nd(xpad, self.out, kernel, self.strides, self.dilation)
        m = n * _prod(self.out)
        # cols[g, (n, *o), (*k, c)] = x_pad[n, o·s + k·d, g·Cg + c]
        if g == 1:
            cols = xp.ascontiguousarray(view).reshape(1, m, kd)
        else:
            grouped = view.reshape(*view.shape[:-1], g, cg)
            cols = xp.ascontiguousarray(xp.moveaxis(grouped, -2, 0)).reshape(g, m, kd)
        # K as (G, Π k · Cg, F/G)
        Kmat = xp.moveaxis(K.reshape(*kernel, cg, g, fg), -2, 0).reshape(g, kd, fg)
        z = cols[0] @ Kmat[0] if g == 1 else (cols @ Kmat).transpose(1, 0, 2).reshape(m, f)
        if b is not None:
            z += b
        act, training = self.kernel, _training(self)
        self.z = z.copy() if act.needs_input and training else None
        y = act.forward_(z)  # activation in place on the GEMM output
        if training:
            self.cols, self.Kmat, self.y, self.K_shape = cols, Kmat, y, K.shape
        return channels_first_view(y.reshape(n, *self.out, f), self.channels_first)

    def backward(self, gy):
        xp = get_array_module(gy)
        g, rank = self.groups, len(self.strides)
        gy = channels_last_view(gy, self.channels_first).reshape(self.y.shape)
        gz = self.kernel.backward(self.z, self.y, gy)
        m, f = gz.shape
        gz_g = gz.reshape(m, g, f // g).transpose(1, 0, 2)
        need = self.needs_input_grad
        kernel, cg = self.K_shape[:rank], self.K_shape[-2]
        gx = gK = gb = None
        if need[1]:
            # dL/dK = colsᵀ dz, per group, back to (*k, Cg, F)
            gKg = self.cols.transpose(0, 2, 1) @ gz_g
            gK = xp.moveaxis(gKg.reshape(g, *kernel, cg, f // g), 0, -2).reshape(self.K_shape)
        if len(need) > 2 and need[2]:
            # dL/db = Σ_(n, *o) dz
            gb = gz.sum(axis=0)
        if need[0]:
            # dL/dcols = dz Kᵀ, then col2im adds every window back onto the input
            n = m // _prod(self.out)
            gcols = (gz_g @ self.Kmat.transpose(0, 2, 1)).reshape(g, n, *self.out, *kernel, cg)
            gwin = xp.moveaxis(gcols, 0, -2).reshape(n, *self.out, *kernel, g * cg)
            gpad = xp.zeros((n, *self.pad_spatial, g * cg), dtype=gwin.dtype)
            add_windows_nd(gpad, gwin, self.out, self.strides, self.dilation)
            gx = crop_nd(gpad, [b for b, _ in self.pads], self.in_spatial)
            gx = channels_first_view(gx, self.channels_first)
        return gx, gK, gb


def conv_nd_settings(rank, strides, dilation, padding, groups, act, channels_first,
                     where=None) -> dict:
    """The settings of a :class:`ConvND` op (``strides`` and ``dilation`` already tuples)."""
    return dict(strides=tuple(strides), dilation=tuple(dilation), padding=padding,
                groups=groups, kernel=act, channels_first=channels_first,
                where=where or f"conv{rank}d")


def _check_input(x, rank, where):
    if x.ndim != rank + 2:
        raise ShapeError(
            f"{where}: expected a {rank + 2}-D input (batch, {'spatial, ' * rank}channels) for a "
            f"{rank + 2}-D kernel, got shape {tuple(x.shape)}. Hint: a volume is (batch, depth, "
            "rows, cols, channels); add a channel axis with x[..., None]."
        )


def _split_activation(activation):
    """(the kernel fused into the op, the activation applied after it or None): sigmoid and
    softmax run as their own op, as :func:`.conv.conv` does."""
    act = get_kernel(activation)
    if isinstance(act, (Sigmoid, Softmax)):
        return get_kernel(None), act
    return act, None


def _then(out, after):
    if after is None:
        return out
    from .activations import activation as apply_activation

    return apply_activation(out, after)


def conv_nd(x: Tensor, kernel: Tensor, bias: Tensor | None = None, strides=1,
            padding: str = "valid", dilation_rate=1, groups: int = 1,
            data_format: str = "channels_last", activation=None) -> Tensor:
    """act(conv(x, kernel) + bias) over ``kernel.ndim - 2`` spatial axes, as one op.

    ``kernel`` is (*kernel_size, C/groups, F); ``padding`` 'valid' or 'same' (TF's rule: the
    extra pad goes after).
    """
    rank = len(kernel.shape) - 2
    where = f"conv{rank}d"
    _check_input(x, rank, where)
    strides = as_tuple(strides, rank, "strides", where)
    dilation = as_tuple(dilation_rate, rank, "dilation_rate", where)
    padding = check_padding(padding, where)
    channels_first = data_format == "channels_first"
    c = x.shape[1] if channels_first else x.shape[-1]
    if c != kernel.shape[-2] * groups or kernel.shape[-1] % groups:
        raise ShapeError(
            f"{where}: input has {c} channels but the kernel {tuple(kernel.shape)} with "
            f"groups={groups} expects {kernel.shape[-2] * groups} (and filters divisible by "
            "groups). Hint: check data_format and the kernel's second-to-last axis."
        )
    act, after = _split_activation(activation)
    out = ConvND.apply(*((x, kernel) if bias is None else (x, kernel, bias)),
                       **conv_nd_settings(rank, strides, dilation, padding, groups, act,
                                          channels_first))
    return _then(out, after)


# -- transposed convolution ---------------------------------------------------------------------
class ConvTransposeND(Function):
    """y = act(conv_transposed(x, K) + b): the gradient of a convolution with respect to its input.

    Each input cell spreads ``x·Kᵀ`` over a kernel-sized patch of a "full" output of length
    (n-1)·s + (k-1)·d + 1 per axis; the output is the crop of it that starts at the forward
    convolution's pad_before (TF's rule for the output shape).

    >>> import numpy as np
    >>> from shendu.ops.activations import get_kernel
    >>> op = ConvTransposeND(**transpose_nd_settings(3, (2, 2, 2), (1, 1, 1), "valid", None,
    ...                                              get_kernel(None), False))
    >>> op.forward(np.ones((1, 1, 1, 1, 1)), np.ones((2, 2, 2, 3, 1))).shape
    (1, 2, 2, 2, 3)
    """

    reusable = True  # forward keeps nothing between calls

    def forward(self, x, K, b=None):
        xp = get_array_module(x)
        x = channels_last_view(x, self.channels_first)
        rank = len(self.strides)
        kernel, f = K.shape[:rank], K.shape[-2]
        n, c = x.shape[0], x.shape[-1]
        in_spatial = x.shape[1:-1]
        self.out, self.crop, self.full = transposed_geometry(
            in_spatial, kernel, self.strides, self.dilation, self.padding, self.output_padding,
            self.where)
        x2 = x.reshape(-1, c)
        Kmat = K.reshape(-1, c)
        # cols[(n, *i), (*k, f)] = Σ_c x[n, *i, c] K[*k, f, c]
        cols = (x2 @ Kmat.T).reshape(n, *in_spatial, *kernel, f)
        full = xp.zeros((n, *self.full, f), dtype=cols.dtype)
        add_windows_nd(full, cols, in_spatial, self.strides, self.dilation)
        z = xp.ascontiguousarray(crop_nd(full, self.crop, self.out))
        if b is not None:
            z += b
        act, training = self.kernel, _training(self)
        self.z = z.copy() if act.needs_input and training else None
        y = act.forward_(z)
        if training:
            self.x2, self.Kmat, self.y, self.in_spatial, self.K_shape = (x2, Kmat, y, in_spatial,
                                                                         K.shape)
        return channels_first_view(y, self.channels_first)

    def backward(self, gy):
        xp = get_array_module(gy)
        rank = len(self.strides)
        gy = channels_last_view(gy, self.channels_first)
        gz = self.kernel.backward(self.z, self.y, gy)
        n, f = gz.shape[0], gz.shape[-1]
        kernel = self.K_shape[:rank]
        gfull = xp.zeros((n, *self.full, f), dtype=gz.dtype)
        crop_nd(gfull, self.crop, self.out)[...] = gz
        # dL/dcols = the windows of the (zero-extended) output gradient
        view = windows_nd(gfull, self.in_spatial, kernel, self.strides, self.dilation)
        gcols = xp.ascontiguousarray(view).reshape(-1, _prod(kernel) * f)
        need = self.needs_input_grad
        gx = gK = gb = None
        if need[0]:
            # dL/dx = dcols K
            gx = (gcols @ self.Kmat).reshape(n, *self.in_spatial, -1)
            gx = channels_first_view(gx, self.channels_first)
        if need[1]:
            # dL/dK = dcolsᵀ x
            gK = (gcols.T @ self.x2).reshape(self.K_shape)
        if len(need) > 2 and need[2]:
            # dL/db = Σ_(n, *o) dz
            gb = gz.reshape(-1, f).sum(axis=0)
        return gx, gK, gb


def output_padding_arg(value, rank: int, where: str) -> tuple[int, ...] | None:
    """None, or ``rank`` non-negative ints (an int stands for all of them)."""
    if value is None:
        return None

    def whole(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)

    values = (value,) * rank if whole(value) else (
        tuple(value) if isinstance(value, (list, tuple)) else None)
    if values is None or len(values) != rank or not all(whole(v) and v >= 0 for v in values):
        raise ArgumentError(
            f"{where}: output_padding must be None or a non-negative int or {rank} of them, got "
            f"{value!r}. Hint: output_padding must be smaller than the stride on each axis."
        )
    return tuple(int(v) for v in values)


def transposed_geometry(spatial, kernel, strides, dilation, padding, output_padding, where):
    """(output sizes, crop starts, full sizes) per axis of a transposed convolution."""
    out, crop, full = [], [], []
    ops_ = output_padding or (None,) * len(spatial)
    for size, k, s, d, op in zip(spatial, kernel, strides, dilation, ops_):
        length = output_length_transposed(size, k, s, d, padding, op)
        before = padding_amounts(length, k, s, d, padding, where)[0] if padding == "same" else 0
        out.append(length)
        crop.append(before)
        full.append(max((size - 1) * s + (k - 1) * d + 1, before + length))
    return tuple(out), tuple(crop), tuple(full)


def conv_transpose_nd(x: Tensor, kernel: Tensor, bias: Tensor | None = None, strides=1,
                      padding: str = "valid", output_padding=None, dilation_rate=1,
                      data_format: str = "channels_last", activation=None) -> Tensor:
    """Transposed convolution over ``kernel.ndim - 2`` spatial axes (Keras Conv3DTranspose);
    kernel (*kernel_size, filters, C)."""
    rank = len(kernel.shape) - 2
    where = f"conv{rank}d_transpose"
    _check_input(x, rank, where)
    strides = as_tuple(strides, rank, "strides", where)
    dilation = as_tuple(dilation_rate, rank, "dilation_rate", where)
    padding = check_padding(padding, where)
    output_padding = output_padding_arg(output_padding, rank, where)
    channels_first = data_format == "channels_first"
    c = x.shape[1] if channels_first else x.shape[-1]
    if c != kernel.shape[-1]:
        raise ShapeError(
            f"{where}: input has {c} channels but the kernel {tuple(kernel.shape)} expects "
            f"{kernel.shape[-1]} on its last axis. Hint: check data_format."
        )
    act, after = _split_activation(activation)
    result = ConvTransposeND.apply(*((x, kernel) if bias is None else (x, kernel, bias)),
                                   **transpose_nd_settings(rank, strides, dilation, padding,
                                                           output_padding, act, channels_first))
    return _then(result, after)


def transpose_nd_settings(rank, strides, dilation, padding, output_padding, act,
                          channels_first, where=None) -> dict:
    """The settings of a :class:`ConvTransposeND` op (tuples already checked)."""
    return dict(strides=tuple(strides), dilation=tuple(dilation), padding=padding,
                output_padding=output_padding, kernel=act, channels_first=channels_first,
                where=where or f"conv{rank}d_transpose")


def _prod(values) -> int:
    total = 1
    for v in values:
        total *= int(v)
    return total
