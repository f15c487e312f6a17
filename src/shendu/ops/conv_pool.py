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

from ..backend import get_array_module
from .activations import Linear, Tanh
from .conv import Conv, ScratchOp
from .pooling import MaxPool
from .rectifiers import LeakyReLU, ReLU


def never_decreasing(kernel) -> bool:
    """True for the activations with act(max z) = max act(z) (see the module docstring)."""
    if isinstance(kernel, (Linear, Tanh)):
        return True
    if isinstance(kernel, (ReLU, LeakyReLU)):
        return kernel.negative_slope >= 0
    return False


class ConvMaxPool(ScratchOp):
    """y = act(maxpool(conv(x, K) + b)): a Conv op run with no activation, then its MaxPool
    op, then the Conv's activation on the pooled values.

    In training its temporaries (the convolution's output, the argmax index, dL/dp) live in
    buffers kept from one step to the next; with ``keep_io`` (set by the Sequential chain,
    ``models/chain.py``, and passed on to its inner ops) so do its output and its input
    gradient, which the chain's next and previous ops read within the same step. A step
    then maps no fresh pages: fresh multi-megabyte arrays cost page faults every step,
    0.4-0.5 s an epoch of the MNIST convnet in a process whose allocator had not yet grown
    its heap (benchmarks/README.md).
    """

    reusable = True  # both inner ops are; this one keeps only its buffers between calls

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

    # rows of one window member per chunk in the window-order path: 256 KiB of them (2,048
    # rows of 32 float32 filters), so a chunk's members, its maxima and their temporaries stay
    # in a core's cache between the GEMM and the pool (benchmarks/README.md)
    chunk_bytes = 1 << 18

    def forward(self, x, K, b=None):
        need = getattr(self, "needs_input_grad", ())
        training = any(need)
        conv, pool = self.conv, self.pool
        conv.needs_input_grad = need
        pool.needs_input_grad = (True,) if training else ()
        conv.keep_io = pool.keep_io = self.keep_io
        cols, Kmat = conv.lower(x, K, b)
        if conv.rows_by_window:  # cols' rows: (ph·pw, N, Ho/ph, Wo/pw), a block per member
            p, self.index = self._pooled_windows(cols, Kmat[0], b)
        else:  # p: a fresh array (or this op's kept one): the activation may run in place on it
            z = None
            if training and conv.groups == 1:
                (n, f), (ho, wo) = conv.out_nf, conv.out_hw
                z = self.scratch(get_array_module(cols), "z", (n * ho * wo, f), Kmat.dtype)
            p = pool.forward(conv.product(cols, Kmat, b, out=z))
        self.p = p.copy() if training and self.kernel.needs_input else None
        y = self.kernel.forward_(p)
        self.y = y if training else None
        return y

    def backward(self, gy):
        # dL/dp = act'(p)·dL/dy on the pooled values; then the pool's and the conv's backward
        k, y = self.kernel, self.y
        if type(k) is ReLU and k.plain:  # relu'(p) = 1 where y > 0, into kept buffers
            xp = get_array_module(gy)
            active = xp.greater(y, 0, out=self.scratch(xp, "active", y.shape, xp.bool_))
            gp = xp.multiply(gy, active, out=self.scratch(xp, "grad_pooled", y.shape, gy.dtype))
        else:
            gp = k.backward(self.p, y, gy)
        if self.conv.rows_by_window:
            return self._window_grads(gp)
        return self.conv.backward(self.pool.backward(gp))

    def _spans(self, rows, f, itemsize):
        """(chunks of the rows as (start, stop), the longest chunk's length)."""
        step = max(1, min(rows, self.chunk_bytes // (f * itemsize)))
        return [(r, min(r + step, rows)) for r in range(0, rows, step)], step

    def _pooled_windows(self, cols, Kmat, b):
        """(pooled z, argmax index) from cols in window order, a chunk of rows at a time: each
        member's GEMM rows, then their maximum while they are still in cache. The (ph·pw)·M
        rows of z never exist at once."""
        conv, pool = self.conv, self.pool
        xp = get_array_module(cols)
        (n, f), (ho, wo), (ph, pw) = conv.out_nf, conv.out_hw, conv.rows_by_window
        members = ph * pw
        rows = cols.shape[1] // members
        add_bias = b is not None and not conv.bias_col
        training = any(pool.needs_input_grad)
        shape = (rows, f)
        y = self.handed_out(xp, "pooled", shape, Kmat.dtype)
        index = self.scratch(xp, "index", shape, xp.uint8) if training else None
        spans, step = self._spans(rows, f, y.itemsize)
        Z = pool.scratch(xp, "member_rows", (members, step, f), y.dtype)
        colsT = cols.T  # (rows of every member, kh·kw·C [+1]): the transposed operand
        for r0, r1 in spans:
            chunk = [Z[k, :r1 - r0] for k in range(members)]
            for k, z in enumerate(chunk):
                # z_k = cols_kᵀ K (+ b): the member k of each window in these rows
                xp.matmul(colsT[k * rows + r0:k * rows + r1], Kmat, out=z)
                if add_bias:
                    z += b
            pool.max_and_argmax(chunk, out=(y[r0:r1], None if index is None else index[r0:r1]))
        if not training:
            conv.cols = None  # inference keeps nothing
        shape = (n, ho // ph, wo // pw, f)
        return y.reshape(shape), None if index is None else index.reshape(shape)

    def _window_grads(self, gp):
        """(None, dL/dK, dL/db) in the window-order path, a chunk of rows at a time: dL/dz of
        each member (the pooled gradient where it holds the maximum), then its share of
        dL/dK = Σ cols dz while that is still in cache."""
        conv, pool = self.conv, self.pool
        xp = get_array_module(gp)
        (ph, pw), cols, ones = conv.rows_by_window, conv.cols, conv.bias_col
        members, f = ph * pw, gp.shape[-1]
        rows = cols.shape[1] // members
        need = conv.needs_input_grad
        need_b = len(need) > 2 and need[2]
        gp, index = gp.reshape(rows, f), self.index.reshape(rows, f)
        spans, step = self._spans(rows, f, gp.itemsize)
        G = pool.scratch(xp, "member_grads", (members, step, f), gp.dtype)
        chosen = pool.scratch(xp, "member_chosen", (step, f), xp.bool_)
        sum_rows = pool.scratch(xp, "ones", (step,), gp.dtype, 1.0) if need_b and not ones else None
        gKb = xp.zeros((cols.shape[0], f), gp.dtype)  # kh·kw·C rows, + dL/db's with the ones
        gb = xp.zeros(f, gp.dtype) if sum_rows is not None else None
        part = xp.empty_like(gKb)
        for r0, r1 in spans:
            length = r1 - r0
            chunk = [G[k, :length] for k in range(members)]
            pool.to_argmax(gp[r0:r1], index[r0:r1], chunk, overwrite=True,
                           chosen=chosen[:length])
            for k, gz in enumerate(chunk):
                # dL/dK (+ dL/db) += cols_k dz_k over these rows
                xp.matmul(cols[:, k * rows + r0:k * rows + r1], gz, out=part)
                gKb += part
                if gb is not None:
                    gb += sum_rows[:length] @ gz
        kd = cols.shape[0] - ones
        gK = conv._kernel_layout(gKb[None, :kd]) if need[1] else None
        if ones and need_b:
            gb = gKb[kd].copy()
        return None, gK, gb


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
