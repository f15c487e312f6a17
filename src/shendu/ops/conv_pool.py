"""A convolution and the max pooling after it, as one op: pool(act(z)) computed as act(pool(z)).

For an activation that never decreases (linear, relu, leaky relu, tanh), the maximum of a
window taken before the activation gives the same values as taken after it, and the same
gradient: the window's argmax is a cell with the same value, and act' is taken at that value
(where several cells tie after the activation, as relu's zeros do, act' is 0 there, so it does
not matter which one the gradient goes to). So the activation and its derivative run on the
pooled output, a quarter of the convolution's output for 2×2 pooling, and the large output is
passed over once less in the forward and once less in the backward. With 'valid' pooling, the
convolution's trailing rows and columns that no pooling window reads (the 11th of 11 rows under
a 2×2 pool) are not computed at all. The Sequential fast path
fuses a Conv op followed directly by a MaxPool op (``fuse_conv_pool``, used by
``models/chain.py``); each op keeps its own forward and backward.

>>> import numpy as np
>>> from shendu.ops.activations import get_kernel
>>> from shendu.ops.conv import Conv, conv_settings
>>> from shendu.ops.pooling import MaxPool, pool_settings
>>> conv = Conv(**conv_settings(2, (3, 3), (1, 1), (1, 1), "valid", 1, get_kernel("relu"), False))
>>> pool = MaxPool(**pool_settings(2, 2, None, "valid", "channels_last", "pool"))
>>> fused = fuse_conv_pool([(conv, ["K", "b"]), (pool, [])])
>>> type(fused[0][0]).__name__, fused[0][1], len(fused)
('ConvMaxPool', ['K', 'b'], 1)
"""

from __future__ import annotations

import copy

from ..autograd import Function
from ..backend import get_array_module
from .activations import Linear, Tanh
from .conv import Conv
from .pooling import MaxPool
from .rectifiers import LeakyReLU, ReLU


def never_decreasing(kernel) -> bool:
    """True for the activations with act(max z) = max act(z) (see the module docstring)."""
    if isinstance(kernel, (Linear, Tanh)):
        return True
    if isinstance(kernel, (ReLU, LeakyReLU)):
        return kernel.negative_slope >= 0
    return False


class ConvMaxPool(Function):
    """y = act(maxpool(conv(x, K) + b)): a Conv op run with no activation, then its MaxPool
    op, then the Conv's activation on the pooled values."""

    reusable = True  # both inner ops are; this one keeps only the pooled output

    @classmethod
    def of(cls, conv: Conv, pool: MaxPool) -> ConvMaxPool:
        inner = copy.copy(conv)  # the same settings and buffers, with the identity activation
        inner.kernel = Linear()
        inner._geometry_for = None
        if all(p == "valid" for p in pool.padding):
            inner.read_by_pool = tuple(zip(pool.pool, pool.strides))
            if pool.pool == pool.strides and not (conv.one_d or conv.channels_first):
                inner.window_rows = pool.pool
        return cls(conv=inner, pool=pool, kernel=conv.kernel, source=conv)

    def forward(self, x, K, b=None):
        need = getattr(self, "needs_input_grad", ())
        training = any(need)
        self.conv.needs_input_grad = need
        self.pool.needs_input_grad = (True,) if training else ()
        z = self.conv.forward(x, K) if b is None else self.conv.forward(x, K, b)
        if self.conv.rows_by_window:  # z: (ph·pw, N, Ho/ph, Wo/pw, F), a block per member
            p, self.index = self.pool.max_and_argmax(list(z))
        else:
            p = self.pool.forward(z)  # a fresh array: the activation may run in place on it
        self.p = p.copy() if training and self.kernel.needs_input else None
        y = self.kernel.forward_(p)
        self.y = y if training else None
        return y

    def backward(self, gy):
        # dL/dp = act'(p)·dL/dy on the pooled values; then the pool's and the conv's backward
        gp = self.kernel.backward(self.p, self.y, gy)
        window = self.conv.rows_by_window
        if window:  # dL/dz in the conv's window order: every member written once
            # a buffer kept by the pool op: the conv's backward only reads it
            gz = self.pool.scratch(get_array_module(gp), "window_grad",
                                   (window[0] * window[1], *gp.shape), gp.dtype)
            self.pool.to_argmax(gp, self.index, list(gz), overwrite=True)
            return self.conv.backward(gz)
        return self.conv.backward(self.pool.backward(gp))


def fuse_conv_pool(steps):
    """The (Function, weights) steps of a chain, with each Conv whose activation never
    decreases and the MaxPool right after it as one :class:`ConvMaxPool` step. A fused op is
    kept on its pool op, so a chain whose steps are asked for again reuses it (and its
    buffers) while the same Conv op comes before that pool."""
    out = []
    for fn, weights in steps:
        prev = out[-1][0] if out else None
        if (type(fn) is MaxPool and type(prev) is Conv and not weights
                and never_decreasing(prev.kernel)):
            fused = fn.__dict__.get("_fused")
            if fused is None or fused.source is not prev:
                fused = fn._fused = ConvMaxPool.of(prev, fn)
            out[-1] = (fused, out[-1][1])
        else:
            out.append((fn, weights))
    return out
