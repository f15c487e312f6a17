"""Convolutions (1-D and 2-D, grouped, dilated, transposed) as one GEMM over strided windows.

Arrays are channels_last inside (``channels_first`` input is read through a transposed view).
Forward: the input windows, a zero-copy strided view ``(N, Ho, Wo, kh, kw, C)``, are copied
once into a contiguous ``cols`` buffer and multiplied by the kernel reshaped to
``(kh·kw·C, filters)``: one large GEMM whose output is already ``(N·Ho·Wo, filters)``, so the
bias and the activation run in place on it. Backward: ``dK = colsᵀ dz`` and ``dcols = dz Kᵀ``,
and ``dcols`` goes back onto the input with one strided add per kernel offset (col2im).
An op called again (the Sequential fast path reuses one op object per layer) keeps ``cols``,
the padded input and the col2im block in buffers of its own, one set per batch size; its outputs
and gradients are always fresh arrays. In inference it keeps nothing.
Kernels use Keras's layout: ``(kh, kw, in_channels / groups, filters)``; transposed
convolutions ``(kh, kw, filters, in_channels)``.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu import ops
>>> x = Tensor(np.ones((1, 5, 5, 2)))
>>> ops.conv(x, Tensor(np.ones((3, 3, 2, 4))), padding="same").shape
(1, 5, 5, 4)
>>> ops.conv(x, Tensor(np.ones((3, 3, 2, 4))), strides=2).data[0, :, :, 0]
array([[18., 18.],
       [18., 18.]])
"""

from __future__ import annotations

import numbers

from ..autograd import Function
from ..backend import get_array_module, image_data_format
from ..errors import ArgumentError, ShapeError
from .activations import Sigmoid, Softmax, get_kernel
from .scratch import small_ufunc_buffers

PADDINGS = ("valid", "same", "causal")


# -- geometry ------------------------------------------------------------------------------------
def as_tuple(value, n: int, name: str, where: str | None = None) -> tuple[int, ...]:
    """A positive int or a list/tuple of ``n`` of them as a tuple of ints (``kernel_size=3`` →
    ``(3, 3)``), or an ArgumentError naming ``where`` (the layer or op) and the argument.
    NumPy integers count as ints; bools do not."""
    def whole(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)

    values = (value,) * n if whole(value) else (
        tuple(value) if isinstance(value, (list, tuple)) else None)
    if values is None or len(values) != n or not all(whole(v) and v > 0 for v in values):
        raise ArgumentError(
            f"{where or name}: {name} must be a positive int or a tuple of {n} of them, got "
            f"{value!r}. Hint: {name}=3 or {name}={(3,) * n}."
        )
    return tuple(int(v) for v in values)


def padding_amounts(size: int, k: int, stride: int, dilation: int, padding: str, where: str):
    """(pad_before, pad_after, out_size) along one axis, with TF's asymmetric 'same' rule."""
    k_eff = (k - 1) * dilation + 1
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + k_eff - size, 0)
        return total // 2, total - total // 2, out
    before = k_eff - 1 if padding == "causal" else 0
    if size + before < k_eff:
        raise ShapeError(
            f"{where}: input length {size} is smaller than the (dilated) window {k_eff} with "
            f"padding='{padding}'. Hint: use padding='same' or a larger input."
        )
    return before, 0, (size + before - k_eff) // stride + 1


def check_padding(padding: str, where: str, allow_causal: bool = False) -> str:
    allowed = PADDINGS if allow_causal else PADDINGS[:2]
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in allowed:
        raise ArgumentError(
            f"{where}: padding must be one of {allowed}, got {padding!r}. "
            "Hint: 'same' keeps the spatial size at stride 1, 'valid' adds no padding."
        )
    return value


def channels_last_view(x, channels_first: bool):
    """The array as (N, ..., C): a transposed view when it is channels_first."""
    return x.transpose(0, *range(2, x.ndim), 1) if channels_first else x


def channels_first_view(y, channels_first: bool):
    """Inverse of :func:`channels_last_view`."""
    return y.transpose(0, y.ndim - 1, *range(1, y.ndim - 1)) if channels_first else y


def windows(xpad, out_hw, kernel, strides, dilation):
    """Zero-copy view (N, Ho, Wo, kh, kw, C) of every window of a padded (N, H, W, C) array."""
    xp = get_array_module(xpad)
    sn, sh, sw, sc = xpad.strides
    shape = (xpad.shape[0], *out_hw, *kernel, xpad.shape[3])
    step = (sn, sh * strides[0], sw * strides[1], sh * dilation[0], sw * dilation[1], sc)
    return xp.lib.stride_tricks.as_strided(xpad, shape, step, writeable=False)


def add_windows(gpad, gwin, out_hw, strides, dilation):
    """col2im: add each window's gradient (N, Ho, Wo, kh, kw, C) back onto (N, H, W, C)."""
    ho, wo = out_hw
    for i in range(gwin.shape[3]):
        top = i * dilation[0]
        rows = slice(top, top + (ho - 1) * strides[0] + 1, strides[0])
        for j in range(gwin.shape[4]):
            left = j * dilation[1]
            gpad[:, rows, left:left + (wo - 1) * strides[1] + 1:strides[1]] += gwin[:, :, :, i, j]
    return gpad


# -- convolution ---------------------------------------------------------------------------------
class Scratch:
    """Buffers an op keeps and reuses across its calls (the Sequential fast path calls one op
    object every step): a few per name, keyed by shape and dtype, so a last, shorter batch gets
    its own set. Arrays that leave the op live here only with the op's ``keep_io``."""

    keep = 2  # shapes kept per name (a full batch and a last, shorter one)

    def __init__(self):
        self.buffers: dict = {}

    def get(self, xp, name, shape, dtype, fill=None):
        """An array of ``shape``; ``fill`` (when given) is written only when it is created."""
        per_name = self.buffers.setdefault(name, {})
        key = (tuple(shape), xp.dtype(dtype))
        buf = per_name.get(key)
        if buf is None:
            if len(per_name) >= self.keep:
                per_name.pop(next(iter(per_name)))
            buf = xp.empty(shape, dtype=dtype) if fill is None else xp.full(shape, fill, dtype)
            per_name[key] = buf
        return buf


class ScratchOp(Function):
    """An op whose scratch buffers are kept between calls, but only while it is trained
    (``needs_input_grad`` has a True): in inference each call makes and drops its own.

    ``keep_io`` (set inside a Sequential chain, ops/conv_pool.py): the arrays the op hands to
    its neighbours (its output, its input gradient) may be kept buffers too, since the chain's
    next and previous ops read them within the same step."""

    keep_io = False

    def scratch(self, xp, name, shape, dtype, fill=None):
        if not any(getattr(self, "needs_input_grad", ())):  # inference: nothing to keep
            return xp.empty(shape, dtype) if fill is None else xp.full(shape, fill, dtype)
        store = self.__dict__.get("_scratch")
        if store is None:
            store = self._scratch = Scratch()
        return store.get(xp, name, shape, dtype, fill)

    def handed_out(self, xp, name, shape, dtype, zero: bool = False):
        """An array this op hands to a neighbour: kept (``keep_io``) or fresh; zeroed when
        ``zero``, uninitialised otherwise."""
        if self.keep_io:
            out = self.scratch(xp, name, shape, dtype)
            if zero:
                out.fill(0)
            return out
        return (xp.zeros if zero else xp.empty)(shape, dtype=dtype)

    def padded(self, xp, x, pads, fill=0.0):
        """x (N, H, W, C) with ``pads`` around it, in a reused buffer (its border is written once,
        when the buffer is made); x itself when there is no padding."""
        (t, b), (left, r) = pads
        if not (t or b or left or r):
            return x
        n, h, w, c = x.shape
        out = self.scratch(xp, "pad", (n, h + t + b, w + left + r, c), x.dtype, fill)
        out[:, t:t + h, left:left + w] = x
        return out


class Conv(ScratchOp):
    """y = act(Σ_window x·K + b) over a 2-D grid (1-D inputs come with a unit height axis).

    ``padding`` is per spatial axis; the pads and output size follow from each input's shape,
    so one op object serves every batch (the Sequential fast path reuses it: ``reusable``).
    With few values per window (``kh·kw·C/groups`` < 32, e.g. a first layer on grey images) the
    bias rides in the GEMM as a column of ones in ``cols``, saving a pass over the output.
    """

    reusable = True  # forward keeps nothing between calls but its scratch buffers
    kernel_as = None  # the kernel's shape inside (a depthwise kernel is reshaped to 1 channel)
    # ((window, stride) per axis) of a 'valid' pooling that alone reads this op's output: the
    # trailing rows and columns no window covers are not computed (ops/conv_pool.py)
    read_by_pool = None
    # (ph, pw) of a non-overlapping max pooling that alone reads this op's output: when no
    # input gradient is needed and cols is transposed, the GEMM's rows come in window order,
    # so each window member is one contiguous block of the output (ops/conv_pool.py)
    window_rows = None

    def _setup(self, x_shape):
        if self.__dict__.get("_geometry_for") != x_shape:
            self.pads, self.out_hw = _geometry(x_shape, self.kernel_hw, self.strides,
                                               self.dilation, self.padding, self.one_d,
                                               self.channels_first, self.where)
            if self.read_by_pool is not None:
                self.out_hw = tuple(o if o < k else (o - k) // s * s + k
                                    for o, (k, s) in zip(self.out_hw, self.read_by_pool))
            self._geometry_for = x_shape

    def forward(self, x, K, b=None):
        return self.product(*self.lower(x, K, b), b)

    def lower(self, x, K, b=None):
        """The forward up to its GEMM: the geometry, im2col into ``self.cols`` and the kernel
        as a matrix; returns (cols, the GEMM's kernel matrix, with the bias row when the bias
        rides in the GEMM). ``self.rows_by_window`` says which row order cols took."""
        xp = get_array_module(x)
        self._setup(x.shape)
        self.x_shape, self.K_shape = x.shape, K.shape
        if self.kernel_as is not None:
            K = K.reshape(self.kernel_as)
        x = channels_last_view(x, self.channels_first)
        if self.one_d:
            x, K = x[:, None], K[None]
        n, h, w, c = x.shape
        kh, kw, cg, f = K.shape
        g, fg, kd = self.groups, f // self.groups, kh * kw * cg
        dtype = xp.result_type(x.dtype, K.dtype)
        self.in_hw = (h, w)
        xpad = self.padded(xp, x, self.pads)
        self.pad_hw = xpad.shape[1:3]
        ho, wo = self.out_hw
        m = n * ho * wo
        view = windows(xpad, self.out_hw, (kh, kw), self.strides, self.dilation)
        # with few values per window the bias joins the GEMM: cols gets a column of ones
        self.bias_col = ones = int(b is not None and kd < 32)
        # few channels (a first layer on grey or RGB images): cols is kept transposed,
        # (kh·kw·C [+1], N·Ho·Wo), so each kernel offset is one block of whole rows, copied from
        # one strided slice of the input (a GEMM takes the transposed operand as it is)
        self.cols_t = few = g == 1 and c * x.itemsize < 64
        shape = (kd + ones, m) if few else (g, m, kd + ones)
        cols = self.scratch(xp, "cols", shape, dtype, 1.0 if ones else None)
        self.cols = cols
        need = getattr(self, "needs_input_grad", ())
        wr = self.window_rows if few and not (need and need[0]) else None
        if wr is not None and (ho % wr[0] or wo % wr[1]):
            wr = None
        self.rows_by_window = wr
        # cols[g, (n, i, j), (u, v, c)] = x_pad[n, i·s + u·d, j·s + v·d, g·Cg + c]
        if wr is not None:  # rows (u, v, n, i, j) for output (n, i·ph + u, j·pw + v)
            (ph, pw), hp, wp = wr, ho // wr[0], wo // wr[1]
            target = cols[:kd].reshape(kh, kw, cg, ph, pw, n, hp, wp)
            for i in range(kh):
                for j in range(kw):
                    members = view[:, :, :, i, j].reshape(n, hp, ph, wp, pw, cg)
                    target[i, j] = members.transpose(5, 2, 4, 0, 1, 3)
        elif few:
            target = cols[:kd].reshape(kh, kw, cg, n, ho, wo)
            for i in range(kh):
                for j in range(kw):
                    target[i, j] = view[:, :, :, i, j].transpose(3, 0, 1, 2)
        elif g == 1:
            cols[0, :, :kd].reshape(n, ho, wo, kh, kw, cg)[...] = view
        else:
            target = cols[:, :, :kd].reshape(g, n, ho, wo, kh, kw, cg)
            target[...] = view.reshape(n, ho, wo, kh, kw, g, cg).transpose(5, 0, 1, 2, 3, 4, 6)
        # K as (G, kh·kw·Cg, F/G) (a free reshape when G = 1), plus the bias row with ones
        Kmat = K.reshape(kh, kw, cg, g, fg).transpose(3, 0, 1, 2, 4).reshape(g, kd, fg)
        if ones:
            Kb = self.scratch(xp, "Kb", (g, kd + 1, fg), dtype)
            Kb[:, :kd] = Kmat
            Kb[:, kd] = b.reshape(g, fg)
            Kmat_all = Kb
        else:
            Kmat_all = Kmat
        self.Kmat = Kmat
        self.out_nf = (n, f)
        return cols, Kmat_all

    def product(self, cols, Kmat_all, b=None, out=None):
        """The rest of the forward after :meth:`lower`: the GEMM, bias, activation, layout.
        ``out``: a (N·Ho·Wo, F) array for the GEMM's output (ungrouped convolutions)."""
        xp = get_array_module(cols)
        (n, f), (ho, wo), g = self.out_nf, self.out_hw, self.groups
        ones, few = self.bias_col, self.cols_t
        if few:  # a 2-D GEMM: (N·Ho·Wo, kh·kw·C [+1]) @ (kh·kw·C [+1], F)
            z = xp.matmul(cols.T, Kmat_all[0], out=out)
        elif g == 1:
            z = xp.matmul(cols[0], Kmat_all[0], out=out)
        else:
            z = (cols @ Kmat_all).transpose(1, 0, 2).reshape(-1, f)
        if b is not None and not ones:
            z += b
        act = self.kernel
        training = any(getattr(self, "needs_input_grad", ()))
        self.z = z.copy() if act.needs_input and training else None
        y = act.forward_(z)  # activation in place on the GEMM output
        # inference keeps nothing: a predict chain holds its ops, not their big arrays
        self.y = y if training else None
        if not training:
            self.cols = None
        y = y.reshape(n, ho, wo, f)
        if self.one_d:
            y = y[:, 0]
        return channels_first_view(y, self.channels_first)

    def backward(self, gy):
        xp = get_array_module(gy)
        g, (ho, wo) = self.groups, self.out_hw
        gy = channels_last_view(gy, self.channels_first).reshape(self.y.shape)
        gz = self.kernel.backward(self.z, self.y, gy)
        need = self.needs_input_grad
        kh, kw = self.kernel_hw
        cols, ones = self.cols, self.bias_col
        kd = cols.shape[0 if self.cols_t else 2] - ones
        gz_g = gz.reshape(-1, g, gz.shape[1] // g).transpose(1, 0, 2)
        gx = gK = gb = None
        need_b = len(need) > 2 and need[2]
        if need[1] or (ones and need_b):
            # dL/dK = colsᵀ dz, per group (with the ones column, its last row is dL/db = Σ dz)
            if self.cols_t:
                gKb = (cols @ gz)[None]
            else:
                gKb = (cols[0].T @ gz)[None] if g == 1 else cols.transpose(0, 2, 1) @ gz_g
            gK = self._kernel_layout(gKb[:, :kd]) if need[1] else None
            if ones and need_b:
                gb = gKb[:, kd].reshape(-1)
        if need_b and gb is None:
            # dL/db = Σ_(n,i,j) dz, as a product with ones (a GEMV beats a sum down the rows)
            gb = self.scratch(xp, "ones", gz.shape[:1], gz.dtype, 1.0) @ gz
        if need[0]:
            n = self.x_shape[0]
            cg = kd // (kh * kw)
            gpad = self.handed_out(xp, "grad_in", (n, *self.pad_hw, g, cg), gy.dtype, zero=True)
            if g == 1:
                self._add_input_grad(xp, gpad[:, :, :, 0], gz, kh, kw, cg)
            else:
                # dL/dcols = dz Kᵀ, then col2im adds every window back onto the input
                gcols = (gz_g @ self.Kmat.transpose(0, 2, 1)).reshape(g, n, ho, wo, kh, kw, cg)
                add_windows(gpad, gcols.transpose(1, 2, 3, 4, 5, 0, 6), self.out_hw,
                            self.strides, self.dilation)
            (t, _), (left, _) = self.pads
            h, w = self.in_hw
            gx = gpad[:, t:t + h, left:left + w].reshape(n, h, w, g * cg)
            if self.one_d:
                gx = gx[:, 0]
            gx = channels_first_view(gx, self.channels_first)
        return gx, gK, gb

    def _add_input_grad(self, xp, gpad, gz, kh, kw, c):
        """col2im one kernel offset at a time: a (M, F)·(F, C) GEMM, added as one block (it
        beats one (M, F)·(F, kh·kw·C) GEMM and a strided add from its large output)."""
        (ho, wo), (sh, sw), (dh, dw) = self.out_hw, self.strides, self.dilation
        K = self.Kmat[0].reshape(kh, kw, c, -1)
        block = self.scratch(xp, "block", (gz.shape[0], c), gz.dtype)
        with small_ufunc_buffers(xp):
            for i in range(kh):
                rows = slice(i * dh, i * dh + (ho - 1) * sh + 1, sh)
                for j in range(kw):
                    # dL/dx[window offset (i, j)] += dz K[i, j]ᵀ
                    xp.matmul(gz, K[i, j].T, out=block)
                    cols = slice(j * dw, j * dw + (wo - 1) * sw + 1, sw)
                    gpad[:, rows, cols] += block.reshape(-1, ho, wo, c)

    def _kernel_layout(self, gK):
        """(G, kh·kw·Cg, F/G) back to the kernel's own shape."""
        g, _, fg = gK.shape
        kh, kw = self.kernel_hw
        cg = gK.shape[1] // (kh * kw)
        gK = gK.reshape(g, kh, kw, cg, fg).transpose(1, 2, 3, 0, 4).reshape(kh, kw, cg, g * fg)
        return gK.reshape(self.K_shape)


def _geometry(x_shape, kernel_hw, strides, dilation, padding, one_d, channels_first, where):
    hw = tuple(x_shape[2:] if channels_first else x_shape[1:-1])
    if one_d:
        hw = (1, *hw)
    pads, out = [], []
    for size, k, s, d, p in zip(hw, kernel_hw, strides, dilation, padding):
        before, after, o = padding_amounts(size, k, s, d, p, where)
        pads.append((before, after))
        out.append(o)
    return tuple(pads), tuple(out)


def _data_format(value) -> str:
    """None means the configured ``image_data_format()``, as in Keras's ops."""
    return image_data_format() if value is None else value


def _spatial_args(x, rank, strides, dilation_rate, where):
    if x.ndim != rank + 2:
        raise ShapeError(
            f"{where}: expected a {rank + 2}-D input (batch, {'spatial, ' * rank}channels), "
            f"got shape {tuple(x.shape)}. Hint: add a channel axis with x[..., None]."
        )
    return as_tuple(strides, rank, "strides"), as_tuple(dilation_rate, rank, "dilation_rate")


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, *,
         bias=None, groups=None, activation=None):
    """act(conv(x, kernel) + bias) for 1-D (N, L, C) or 2-D (N, H, W, C) inputs, as one op.

    Keras's ``ops.conv`` arguments first; ``bias``, ``groups`` and ``activation`` (keywords)
    fuse the layer's bias and activation into the op. ``kernel`` is (k, C/groups, F) or
    (kh, kw, C/groups, F) (``groups`` defaults to C over the kernel's input channels, as in
    Keras); ``padding`` 'valid', 'same' (TF's rule: the extra pad goes after) or, in 1-D,
    'causal'; ``data_format`` None follows ``keras.config.image_data_format()``.
    """
    x, data_format = inputs, _data_format(data_format)
    if groups is None:
        c = x.shape[1] if data_format == "channels_first" else x.shape[-1]
        groups = max(1, c // kernel.shape[-2]) if kernel.shape[-2] else 1
    rank = len(kernel.shape) - 2
    where = f"conv{rank}d"
    strides, dilation = _spatial_args(x, rank, strides, dilation_rate, where)
    padding = check_padding(padding, where, allow_causal=rank == 1)
    channels_first = data_format == "channels_first"
    c = x.shape[1] if channels_first else x.shape[-1]
    if c != kernel.shape[-2] * groups or kernel.shape[-1] % groups:
        raise ShapeError(
            f"{where}: input has {c} channels but the kernel {tuple(kernel.shape)} with "
            f"groups={groups} expects {kernel.shape[-2] * groups} (and filters divisible by "
            "groups). Hint: check data_format and the kernel's third axis."
        )
    act = get_kernel(activation)
    if isinstance(act, (Sigmoid, Softmax)):
        from .activations import activation as apply_activation

        out = conv(x, kernel, strides, padding, data_format, dilation_rate, bias=bias,
                   groups=groups)
        return apply_activation(out, act)
    return Conv.apply(*((x, kernel) if bias is None else (x, kernel, bias)),
                      **conv_settings(rank, tuple(kernel.shape[:rank]), strides, dilation, padding,
                                      groups, act, channels_first))


def conv_settings(rank, kernel_hw, strides, dilation, padding, groups, act, channels_first,
                  kernel_as=None) -> dict:
    """The settings of a :class:`Conv` op (``strides``/``dilation`` already tuples)."""
    one_d = rank == 1
    if one_d:
        kernel_hw, strides, dilation = (1, *kernel_hw), (1, *strides), (1, *dilation)
    return dict(strides=tuple(strides), dilation=tuple(dilation), kernel_hw=tuple(kernel_hw),
                padding=("valid",) * one_d + (padding,) * rank, groups=groups, one_d=one_d,
                kernel=act, channels_first=channels_first, kernel_as=kernel_as,
                where=f"conv{rank}d")


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1, *, bias=None, activation=None):
    """Depthwise conv: kernel (kh, kw, C, multiplier); output channel c·multiplier + m.
    Keras's ``ops.depthwise_conv`` arguments; ``bias`` and ``activation`` fused (keywords).

    One grouped :class:`Conv` (C groups of one channel) that reads the kernel as
    (kh, kw, 1, C·multiplier) and hands its gradient back in the kernel's own shape.
    """
    x, data_format = inputs, _data_format(data_format)
    where = "depthwise_conv2d"
    strides, dilation = _spatial_args(x, 2, strides, dilation_rate, where)
    padding = check_padding(padding, where)
    channels_first = data_format == "channels_first"
    c = x.shape[1] if channels_first else x.shape[-1]
    kh, kw, kc, m = kernel.shape
    if c != kc:
        raise ShapeError(
            f"{where}: input has {c} channels but the depthwise kernel {tuple(kernel.shape)} "
            f"expects {kc}. Hint: check data_format and the kernel's third axis."
        )
    act = get_kernel(activation)
    if isinstance(act, (Sigmoid, Softmax)):
        from .activations import activation as apply_activation

        out = depthwise_conv(x, kernel, strides, padding, data_format, dilation_rate, bias=bias)
        return apply_activation(out, act)
    return Conv.apply(*((x, kernel) if bias is None else (x, kernel, bias)),
                      **depthwise_settings(kernel.shape, strides, dilation, padding, act,
                                           channels_first))


def depthwise_settings(kernel_shape, strides, dilation, padding, act, channels_first) -> dict:
    """The settings of the :class:`Conv` op of a depthwise convolution."""
    kh, kw, c, m = kernel_shape
    return conv_settings(2, (kh, kw), strides, dilation, padding, c, act, channels_first,
                         kernel_as=(kh, kw, 1, c * m))


def output_length_transposed(size, k, stride, dilation, padding, output_padding):
    """Keras's deconv_output_length (the output size of a transposed convolution)."""
    k_eff = (k - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(k_eff - stride, 0)
        return size * stride
    pad = k_eff // 2 if padding == "same" else 0
    return (size - 1) * stride + k_eff - 2 * pad + output_padding


class ConvTranspose(Function):
    """y = act(conv_transposed(x, K) + b): the gradient of a convolution with respect to its input.

    Each input pixel spreads ``x·Kᵀ`` over a (kh, kw) patch of a "full" output of length
    (H-1)·s + (k-1)·d + 1; the output is the crop of it that starts at the forward
    convolution's pad_before (TF's rule for output_shape).
    """

    def forward(self, x, K, b=None):
        xp = get_array_module(x)
        x = channels_last_view(x, self.channels_first)
        n, h, w, c = x.shape
        kh, kw, f, _ = K.shape
        self.x2 = x.reshape(n * h * w, c)
        self.Kmat = K.reshape(kh * kw * f, c)
        self.in_hw = (h, w)
        # cols[(n, i, j), (u, v, f)] = Σ_c x[n, i, j, c] K[u, v, f, c]
        cols = (self.x2 @ self.Kmat.T).reshape(n, h, w, kh, kw, f)
        full = xp.zeros((n, *self.full_hw, f), dtype=x.dtype)
        add_windows(full, cols, (h, w), self.strides, self.dilation)
        (t, left), (ho, wo) = self.crop, self.out_hw
        z = xp.ascontiguousarray(full[:, t:t + ho, left:left + wo])
        if b is not None:
            z += b
        act = self.kernel
        self.z = z.copy() if act.needs_input else None
        self.y = act.forward_(z)
        return channels_first_view(self.y, self.channels_first)

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = channels_last_view(gy, self.channels_first)
        gz = self.kernel.backward(self.z, self.y, gy)
        n, h, w = self.y.shape[0], *self.in_hw
        f = self.y.shape[-1]
        kh, kw = self.kernel_hw
        (t, left), (ho, wo) = self.crop, self.out_hw
        gfull = xp.zeros((n, *self.full_hw, f), dtype=gz.dtype)
        gfull[:, t:t + ho, left:left + wo] = gz
        view = windows(gfull, (h, w), (kh, kw), self.strides, self.dilation)
        # dL/dcols = the windows of the (padded) output gradient
        gcols = xp.ascontiguousarray(view).reshape(n * h * w, kh * kw * f)
        need = self.needs_input_grad
        gx = gK = gb = None
        if need[0]:
            # dL/dx = dcols K
            gx = channels_first_view((gcols @ self.Kmat).reshape(n, h, w, -1),
                                     self.channels_first)
        if need[1]:
            # dL/dK = dcolsᵀ x
            gK = (gcols.T @ self.x2).reshape(kh, kw, f, -1)
        if len(need) > 2 and need[2]:
            # dL/db = Σ_(n,i,j) dz
            gb = gz.sum(axis=(0, 1, 2))
        return gx, gK, gb


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1, *, bias=None, activation=None):
    """Transposed 2-D convolution (Keras Conv2DTranspose); kernel (kh, kw, filters, C).
    Keras's ``ops.conv_transpose`` arguments; ``bias`` and ``activation`` fused (keywords)."""
    x, data_format = inputs, _data_format(data_format)
    where = "conv2d_transpose"
    strides, dilation = _spatial_args(x, 2, strides, dilation_rate, where)
    padding = check_padding(padding, where)
    channels_first = data_format == "channels_first"
    c = x.shape[1] if channels_first else x.shape[-1]
    if c != kernel.shape[-1]:
        raise ShapeError(
            f"{where}: input has {c} channels but the kernel {tuple(kernel.shape)} expects "
            f"{kernel.shape[-1]} on its last axis. Hint: check data_format."
        )
    act = get_kernel(activation)
    if isinstance(act, (Sigmoid, Softmax)):
        from .activations import activation as apply_activation

        out = conv_transpose(x, kernel, strides, padding, output_padding, data_format,
                             dilation_rate, bias=bias)
        return apply_activation(out, act)
    hw = tuple(x.shape[2:] if channels_first else x.shape[1:3])
    kernel_hw = tuple(kernel.shape[:2])
    ops_ = (None, None) if output_padding is None else as_tuple_zero(output_padding, where)
    out_hw, crop, full_hw = [], [], []
    for size, k, s, d, op in zip(hw, kernel_hw, strides, dilation, ops_):
        length = output_length_transposed(size, k, s, d, padding, op)
        before = padding_amounts(length, k, s, d, padding, where)[0] if padding == "same" else 0
        out_hw.append(length)
        crop.append(before)
        full_hw.append(max((size - 1) * s + (k - 1) * d + 1, before + length))
    args = (x, kernel) if bias is None else (x, kernel, bias)
    return ConvTranspose.apply(*args, strides=strides, dilation=dilation, kernel_hw=kernel_hw,
                               out_hw=tuple(out_hw), crop=tuple(crop), full_hw=tuple(full_hw),
                               kernel=act, channels_first=channels_first)


def as_tuple_zero(value, where):
    values = (value, value) if isinstance(value, int) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, int) and v >= 0 for v in values):
        raise ArgumentError(
            f"{where}: output_padding must be a non-negative int or 2 of them, got {value!r}. "
            "Hint: output_padding must be smaller than the stride."
        )
    return values
