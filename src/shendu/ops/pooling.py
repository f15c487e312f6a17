"""Max and average pooling (1-D and 2-D) over strided window views, with their backward.

Max pooling keeps the argmax of each window, so its backward sends each output gradient to
exactly one input (the first maximum, as PyTorch and TensorFlow do). Average pooling with
``padding='same'`` divides by the number of real (unpadded) cells in each window, as Keras does.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu import ops
>>> x = Tensor(np.arange(16.0).reshape(1, 4, 4, 1))
>>> ops.max_pool(x, 2).data[0, :, :, 0]
array([[ 5.,  7.],
       [13., 15.]])
>>> ops.avg_pool(x, 2).data[0, :, :, 0]
array([[ 2.5,  4.5],
       [10.5, 12.5]])
"""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ShapeError
from .conv import (
    ScratchOp,
    add_windows,
    as_tuple,
    channels_first_view,
    channels_last_view,
    check_padding,
    padding_amounts,
    windows,
)

_UNIT = (1, 1)


class _Pool(ScratchOp):
    """Shared geometry: channels_last 2-D view of the input, padding, window view.

    The pads and output size follow from each input's shape, so one op object serves every
    batch (the Sequential fast path reuses it: ``reusable``).
    """

    reusable = True  # forward keeps nothing between calls but its scratch buffers

    def _setup(self, x):
        if self.__dict__.get("_geometry_for") != x.shape:
            hw = tuple(x.shape[2:] if self.channels_first else x.shape[1:-1])
            if self.one_d:
                hw = (1, *hw)
            pads, out_hw = [], []
            for size, k, s in zip(hw, self.pool, self.strides):
                before, after, out = padding_amounts(size, k, s, 1, self.padding[len(pads)],
                                                     self.where)
                pads.append((before, after))
                out_hw.append(out)
            self.pads, self.out_hw, self._geometry_for = tuple(pads), tuple(out_hw), x.shape

    def _windows(self, x, fill):
        xp = get_array_module(x)
        self._setup(x)
        x = channels_last_view(x, self.channels_first)
        if self.one_d:
            x = x[:, None]
        self.in_shape = x.shape
        xpad = self.padded(xp, x, self.pads, fill)
        self.pad_hw = xpad.shape[1:3]
        return windows(xpad, self.out_hw, self.pool, self.strides, _UNIT)

    def _output(self, y):
        return channels_first_view(y[:, 0] if self.one_d else y, self.channels_first)

    def _grad_input(self, gwin):
        """Add window gradients (N, Ho, Wo, ph, pw, C) back and crop the padding off."""
        xp = get_array_module(gwin)
        n, h, w, c = self.in_shape
        gpad = xp.zeros((n, *self.pad_hw, c), dtype=gwin.dtype)
        add_windows(gpad, gwin, self.out_hw, self.strides, _UNIT)
        (t, _), (left, _) = self.pads
        return self._output(gpad[:, t:t + h, left:left + w])

    def _grad_output(self, gy):
        gy = channels_last_view(gy, self.channels_first)
        return gy[:, None] if self.one_d else gy


class MaxPool(_Pool):
    """y = max over each window; the gradient goes to the window's (first) argmax.

    Both passes loop over the ph·pw window offsets (each a strided elementwise op on the whole
    batch, all in one dtype: mixed-dtype ufuncs on strided views take NumPy's slow buffered
    path), which is far faster than an argmax along a non-contiguous axis.
    """

    def forward(self, x):
        view = self._windows(x, -get_array_module(x).inf)
        members = [view[:, :, :, i, j] for i, j in self._offsets()]
        y, self.index = self.max_and_argmax(members)
        return self._output(y)

    def max_and_argmax(self, members, out=None):
        """(y, index): the elementwise maximum of the window members (arrays of one shape)
        and, when trained, which member holds it (uint8; the first one on ties). ``out``:
        (y, index) arrays to write them into (index None in inference). The index and the
        temporaries are kept buffers in training, y too with ``keep_io``."""
        xp = get_array_module(members[0])
        training = any(getattr(self, "needs_input_grad", ()))
        shape, dtype = members[0].shape, members[0].dtype
        if out is None:
            y = self.handed_out(xp, "pooled", shape, dtype)
            index = self.scratch(xp, "index", shape, xp.uint8) if training else None
        else:
            y, index = out
        if training and len(members) == 4:  # 2×2: a two-round tournament, fewer float passes
            return _max_and_argmax_of_four(xp, members, y, index,
                                           lambda name, dt: self.scratch(xp, name, shape, dt))
        y[...] = members[0]
        if not training:  # inference: no argmax to keep
            for v in members[1:]:
                xp.maximum(y, v, out=y)
            return y, None
        index[...] = 0
        greater = self.scratch(xp, "greater", shape, xp.bool_)
        step = self.scratch(xp, "step", shape, xp.uint8)
        for k, v in enumerate(members[1:], 1):
            # strictly greater: ties keep the first maximum; index += (v > y)·(k - index)
            xp.greater(v, y, out=greater)
            xp.subtract(k, index, out=step, dtype=xp.uint8)
            step *= greater.view(xp.uint8)
            index += step
            xp.maximum(y, v, out=y)
        return y, index

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = self._grad_output(gy)
        n, h, w, c = self.in_shape
        (ho, wo), (sh, sw) = self.out_hw, self.strides
        tiles = self.pool == self.strides and tuple(self.pad_hw) == (ho * sh, wo * sw)
        # windows that tile the input exactly are written, not added, into an empty buffer
        gpad = self.handed_out(xp, "grad_in", (n, *self.pad_hw, c), gy.dtype, zero=not tiles)
        targets = [gpad[:, i:i + (ho - 1) * sh + 1:sh, j:j + (wo - 1) * sw + 1:sw]
                   for i, j in self._offsets()]
        self.to_argmax(gy, self.index, targets, overwrite=tiles)
        (t, _), (left, _) = self.pads
        return self._output(gpad[:, t:t + h, left:left + w])

    def to_argmax(self, gy, index, targets, overwrite: bool, chosen=None):
        """Send gy to the window member ``index`` names: written into (``overwrite``) or
        added to each member's target array (``chosen``: a bool array of gy's shape to use)."""
        xp = get_array_module(gy)
        if chosen is None:
            chosen = self.scratch(xp, "chosen", gy.shape, xp.bool_)
        for k, target in enumerate(targets):
            xp.equal(index, k, out=chosen)
            # dL/dx = dL/dy where x was the window's argmax, 0 elsewhere
            if overwrite:
                xp.multiply(gy, chosen, out=target)
            else:
                target += gy * chosen

    def _offsets(self):
        return [(i, j) for i in range(self.pool[0]) for j in range(self.pool[1])]


def _max_and_argmax_of_four(xp, members, y, index, temp):
    """(y, index) written for members (v0, v1, v2, v3): the winners of (v0, v1) and (v2, v3)
    meet in a final; strict comparisons keep the first maximum. ``temp(name, dtype)`` gives
    the temporaries (arrays of the members' shape)."""
    v0, v1, v2, v3 = members
    first = xp.greater(v1, v0, out=temp("first", xp.bool_)).view(xp.uint8)  # v1 wins pair 1
    second = xp.greater(v3, v2, out=temp("second", xp.bool_)).view(xp.uint8)
    xp.maximum(v0, v1, out=y)
    rest = xp.maximum(v2, v3, out=temp("rest", y.dtype))
    final = xp.greater(rest, y, out=temp("final", xp.bool_)).view(xp.uint8)  # pair 2 wins
    xp.maximum(y, rest, out=y)
    # index = 2·final + (second if final else first)
    second ^= first
    second &= final
    xp.bitwise_xor(first, second, out=index)
    index += final
    index += final
    return y, index


class AvgPool(_Pool):
    """y = (Σ window) / (number of unpadded cells in the window)."""

    def forward(self, x):
        view = self._windows(x, 0.0)
        xp = get_array_module(x)
        ph, pw = self.pool
        y = xp.zeros(view.shape[:3] + view.shape[5:], dtype=x.dtype)
        for i in range(ph):
            for j in range(pw):
                y += view[:, :, :, i, j]
        self.count = self._counts(xp, x.dtype)
        y /= self.count
        return self._output(y)

    def backward(self, gy):
        xp = get_array_module(gy)
        # dL/dx = Σ over the windows containing x of dL/dy / count
        g = self._grad_output(gy) / self.count
        gwin = xp.broadcast_to(g[:, :, :, None, None], g.shape[:3] + self.pool + g.shape[3:])
        return self._grad_input(gwin)

    def _counts(self, xp, dtype):
        """Real cells per window: a product of per-axis counts, shape (Ho, Wo, 1)."""
        axes = []
        for size, (before, _), k, s, o in zip(self.in_shape[1:3], self.pads, self.pool,
                                              self.strides, self.out_hw):
            start = xp.arange(o) * s - before
            axes.append(xp.minimum(start + k, size) - xp.maximum(start, 0))
        return (axes[0][:, None] * axes[1][None, :])[:, :, None].astype(dtype)


def _pool(cls, x, pool_size, strides, padding, data_format, name):
    rank = x.ndim - 2
    if data_format is None:
        from ..backend import image_data_format

        data_format = image_data_format()
    if rank not in (1, 2):
        raise ShapeError(
            f"{name}: expected a 3-D (batch, steps, channels) or 4-D (batch, rows, cols, "
            f"channels) input, got shape {tuple(x.shape)}. Hint: add a channel axis."
        )
    return cls.apply(x, **pool_settings(rank, pool_size, strides, padding, data_format, name))


def pool_settings(rank, pool_size, strides, padding, data_format, name) -> dict:
    """The settings of a :class:`MaxPool` / :class:`AvgPool` op over ``rank`` spatial axes."""
    pool = as_tuple(pool_size, rank, "pool_size")
    strides = pool if strides is None else as_tuple(strides, rank, "strides")
    padding = check_padding(padding, name)
    one_d = rank == 1
    if one_d:
        pool, strides = (1, *pool), (1, *strides)
    return dict(pool=pool, strides=strides, padding=("valid",) * one_d + (padding,) * rank,
                one_d=one_d, channels_first=data_format == "channels_first", where=name)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over (N, L, C) or (N, H, W, C); ``strides`` defaults to ``pool_size``;
    ``data_format`` None follows ``image_data_format()``."""
    return _pool(MaxPool, inputs, pool_size, strides, padding, data_format, "max_pool")


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling (Keras's ``ops.average_pool``); with 'same' padding the padded cells
    are not counted."""
    return _pool(AvgPool, inputs, pool_size, strides, padding, data_format, "average_pool")


avg_pool = average_pool
