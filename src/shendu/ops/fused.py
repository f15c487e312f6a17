"""The hot ops, fused: a whole Dense layer, and cross-entropy joined to its sigmoid or softmax.

``linear`` is the seed's neuron a layer at a time, ``y = act(x W + b)``, in one op with one
output buffer. The cross-entropies take logits, so their backward is the stable ``p - y``.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu import ops
>>> x, W, b = Tensor(np.ones((2, 3))), Tensor(np.ones((3, 4))), Tensor(np.zeros(4))
>>> ops.linear(x, W, b, "relu").shape
(2, 4)
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from .activations import Sigmoid, Softmax, get_kernel
from .rectifiers import ReLU


class Linear(Function):
    """y = act(x @ W + b), over the last axis of x.

    Settings of the Sequential fast path (off for a one-shot op of the autograd path):

    - ``grad_out``: arrays to write dL/dW and dL/db into, instead of allocating them (they are
      returned all the same);
    - ``use_buffers(grad_owned)``: z (the output), the copy of z a kernel may need and dL/dx
      live in arrays kept from one call to the next (one set per batch size), so a step
      allocates nothing — the output of one call is overwritten by the next; with
      ``grad_owned`` the gradient handed to ``backward`` belongs to this step (nobody reads it
      afterwards), so a plain relu's derivative is applied to it in place.
    """

    grad_out = None
    keep_buffers = False
    relu = False  # a plain relu, applied here (with buffers) rather than by the kernel
    relu_in_place = False
    bufs = None
    reusable = True  # forward keeps nothing between calls (the Sequential fast path reuses it)

    def use_buffers(self, grad_owned: bool) -> None:
        """Keep output and gradient arrays between calls (see the class docstring)."""
        k = self.kernel
        self.keep_buffers = True
        self.relu = isinstance(k, ReLU) and k.plain
        self.relu_in_place = grad_owned and self.relu

    def forward(self, x, W, b=None):
        k = self.kernel
        self.x_shape = x.shape
        flat = x.ndim == 2
        x2 = x if flat else x.reshape(-1, x.shape[-1])
        self.x, self.W = x2, W
        if self.keep_buffers:
            y = self._forward_kept(x2, W, b)
        else:
            self.bufs = None
            z = x2.dot(W)  # as @ (the same GEMM), with less call overhead on small batches
            if b is not None:
                z += b
            self.z = z.copy() if k.needs_input else None
            y = self.y = k.forward_(z)  # activation in place
        return y if flat else y.reshape(x.shape[:-1] + (W.shape[1],))

    def _forward_kept(self, x2, W, b):
        """forward into this batch size's kept arrays."""
        bufs = self.bufs
        if bufs is None or bufs.rows != x2.shape[0] or bufs.x_dtype != x2.dtype:
            bufs = self.bufs = self._buffers(x2, W)
        z = bufs.xp.matmul(x2, W, out=bufs.z)
        if b is not None:
            z += b
        if self.kernel.needs_input:
            bufs.z_copy[...] = z
            self.z = bufs.z_copy
        else:
            self.z = None
        if self.relu:
            # relu(z) = max(z, 0), as the kernel computes it
            self.y = bufs.xp.maximum(z, bufs.zero, out=z)
        else:
            self.y = self.kernel.forward_(z)  # activation in place
        return self.y

    def _buffers(self, x2, W) -> _Buffers:
        """This batch size's buffers, made on first use."""
        cache = self.__dict__.setdefault("_buffer_sets", {})
        key = (x2.shape[0], x2.dtype)
        bufs = cache.get(key)
        if bufs is None:
            if len(cache) >= 4:  # batch sizes come and go (the last, shorter batch)
                cache.clear()
            bufs = cache[key] = _Buffers(x2, W, self.kernel.needs_input, self.relu)
        return bufs

    def backward(self, gy):
        need = self.needs_input_grad
        y, x, bufs = self.y, self.x, self.bufs
        if gy.ndim != 2:
            gy = gy.reshape(y.shape)
        if bufs is None:
            xp = get_array_module(gy)
            gz = self.kernel.backward(self.z, y, gy)
        elif self.relu_in_place:
            xp = bufs.xp
            # relu'(z) = 1 where y > 0, applied to gy in place
            gz = xp.multiply(gy, xp.greater(y, bufs.zero, out=bufs.mask), out=gy)
        else:
            xp = bufs.xp
            gz = self.kernel.backward(self.z, y, gy)
        # dL/dx = gz Wᵀ,  dL/dW = xᵀ gz,  dL/db = Σ_batch gz
        if not need[0]:
            gx = None
        elif bufs is None:
            gx = gz @ self.W.T
        else:
            if bufs.gx is None:
                bufs.gx = xp.empty(x.shape, dtype=gz.dtype)
            gx = xp.matmul(gz, self.W.T, out=bufs.gx)
        if gx is not None and len(self.x_shape) != 2:
            gx = gx.reshape(self.x_shape)
        out = self.grad_out or (None, None)
        gW = xp.matmul(x.T, gz, out=out[0]) if need[1] else None
        if len(need) < 3 or not need[2]:
            gb = None
        elif xp is np:
            gb = np.add.reduce(gz, axis=0, out=out[1])  # what gz.sum(axis=0) runs
        else:
            gb = gz.sum(axis=0, out=out[1])
        return gx, gW, gb


class _Buffers:
    """One batch size's arrays of a Linear: z (its output), a copy of z when the kernel needs
    it, dL/dx (made on first use), the relu mask; and a zero of their dtype."""

    __slots__ = ("xp", "rows", "x_dtype", "z", "z_copy", "gx", "mask", "zero")

    def __init__(self, x2, W, keep_input: bool, relu_mask: bool):
        xp = self.xp = get_array_module(x2)
        self.rows, self.x_dtype = x2.shape[0], x2.dtype
        z = self.z = xp.empty((x2.shape[0], W.shape[1]),
                              dtype=xp.result_type(x2.dtype, W.dtype))
        self.z_copy = xp.empty_like(z) if keep_input else None
        self.mask = xp.empty(z.shape, dtype=bool) if relu_mask else None
        self.gx = None
        self.zero = const(0, z)


def linear(x, W, b=None, activation=None):
    """act(x @ W + b) as one op; ``activation`` is a name or kernel ('linear' when None)."""
    kernel = get_kernel(activation)
    if isinstance(kernel, (Sigmoid, Softmax)):
        # keep the logits visible so a cross-entropy loss can fuse with the activation
        from .activations import activation as apply_activation

        return apply_activation(linear(x, W, b), kernel)
    args = (x, W) if b is None else (x, W, b)
    return Linear.apply(*args, kernel=kernel)


class SigmoidBinaryCrossentropy(Function):
    """Elementwise BCE of logits z against targets y: max(z,0) - z y + log(1 + e^-|z|)."""

    def forward(self, z, y):
        xp = get_array_module(z)
        self.z, self.y = z, y
        zero = const(0, z)
        # logaddexp(0, -|z|) is log1p(exp(-|z|)), in one call
        return xp.maximum(z, zero) - z * y + xp.logaddexp(zero, -xp.abs(z))

    def backward(self, g):
        p = sigmoid_of(self.z)
        # dL/dz = σ(z) - y,  dL/dy = -z
        gz = g * (p - self.y)
        gy = -g * self.z if self.needs_input_grad[1] else None
        return gz, gy


def sigmoid_of(z):
    """σ(z) = (1 + tanh(z/2)) / 2 in a new array: the same numbers as the Sigmoid kernel."""
    xp = get_array_module(z)
    half = const(0.5, z)
    p = z * half
    xp.tanh(p, out=p)
    p += const(1, z)
    p *= half
    return p


_CONSTANTS: dict = {}


def const(value: float, like):
    """``value`` as a read-only 0-d array of ``like``'s dtype (a float array); the Python
    number itself for other arrays (CuPy).

    NumPy applies a 0-d array of the operand's dtype faster than a Python number (no scalar
    type discovery: ~1 µs a call), with the same result, since a Python number meets a float
    array in that array's dtype.
    """
    if type(like) is not np.ndarray:
        return value
    key = (value, like.dtype)
    c = _CONSTANTS.get(key)
    if c is None:
        if len(_CONSTANTS) > 256:  # values that vary (1/batch size...): start over
            _CONSTANTS.clear()
        c = np.array(value, dtype=like.dtype)
        c.flags.writeable = False
        c = _CONSTANTS[key] = c
    return c


class SoftmaxCrossentropy(Function):
    """-Σ y log softmax(z) along ``axis`` (y one-hot or a distribution)."""

    def forward(self, z, y):
        xp = get_array_module(z)
        shifted = z - z.max(axis=self.axis, keepdims=True)
        log_sum = xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        self.log_p = shifted - log_sum
        self.y = y
        return -(y * self.log_p).sum(axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        g = xp.expand_dims(g, self.axis)
        p = xp.exp(self.log_p)
        # dL/dz = p Σy - y   (= p - y for one-hot y),  dL/dy = -log p
        gz = g * (p * self.y.sum(axis=self.axis, keepdims=True) - self.y)
        gy = -g * self.log_p if self.needs_input_grad[1] else None
        return gz, gy


class SparseSoftmaxCrossentropy(Function):
    """log Σ e^z - z[label] along the last axis; labels are integers."""

    def forward(self, z, labels):
        xp = get_array_module(z)
        shifted = z - z.max(axis=-1, keepdims=True)
        log_sum = xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))
        self.log_p = shifted - log_sum
        self.labels = labels
        # log p[label] of every row (the leading axes flattened), picked by (row, label)
        self.rows = xp.arange(labels.size)
        picked = self.log_p.reshape(-1, z.shape[-1])[self.rows, labels.reshape(-1)]
        return -picked.reshape(labels.shape)

    def backward(self, g):
        xp = get_array_module(g)
        gz = xp.exp(self.log_p)
        # dL/dz = p - onehot(label)
        gz.reshape(-1, gz.shape[-1])[self.rows, self.labels.reshape(-1)] -= 1
        gz *= g[..., None]
        return gz, None


class SquaredDifference(Function):
    """Elementwise (p - y)², the terms of mean squared error."""

    def forward(self, p, y):
        self.diff = p - y
        return self.diff * self.diff

    def backward(self, g):
        # dL/dp = 2 (p - y),  dL/dy = -2 (p - y)
        gp = (2.0 * g) * self.diff
        gy = -gp if self.needs_input_grad[1] else None
        return gp, gy


def sigmoid_binary_crossentropy(logits, targets):
    """Elementwise binary cross-entropy from logits; backward σ(z) - y."""
    return SigmoidBinaryCrossentropy.apply(logits, targets)


def softmax_cross_entropy(logits, targets, axis=-1):
    """Cross-entropy of softmax(logits) against a distribution; backward p - y."""
    return SoftmaxCrossentropy.apply(logits, targets, axis=axis)


def sparse_softmax_cross_entropy(logits, labels):
    """Cross-entropy of softmax(logits) against integer labels; backward p - onehot."""
    return SparseSoftmaxCrossentropy.apply(logits, labels)


def squared_difference(predictions, targets):
    """Elementwise (p - y)² as one op; backward 2 (p - y)."""
    return SquaredDifference.apply(predictions, targets)
