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

from ..autograd import Function
from ..backend import get_array_module
from .activations import Sigmoid, Softmax, get_kernel


class Linear(Function):
    """y = act(x @ W + b), over the last axis of x.

    ``grad_out`` (optional, set by the Sequential fast path): arrays to write dL/dW and dL/db
    into, instead of allocating them (they are returned all the same).
    """

    grad_out = None
    reusable = True  # forward keeps nothing between calls (the Sequential fast path reuses it)

    def forward(self, x, W, b=None):
        self.x_shape = x.shape
        x2 = x.reshape(-1, x.shape[-1])
        z = x2 @ W
        if b is not None:
            z += b
        k = self.kernel
        self.z = z.copy() if k.needs_input else None
        self.x, self.W, self.y = x2, W, k.forward_(z)  # activation in place
        return self.y.reshape(x.shape[:-1] + (W.shape[1],))

    def backward(self, gy):
        gz = self.kernel.backward(self.z, self.y, gy.reshape(self.y.shape))
        need = self.needs_input_grad
        # dL/dx = gz Wᵀ,  dL/dW = xᵀ gz,  dL/db = Σ_batch gz
        gx = (gz @ self.W.T).reshape(self.x_shape) if need[0] else None
        xp = get_array_module(gz)
        out = self.grad_out or (None, None)
        gW = xp.matmul(self.x.T, gz, out=out[0]) if need[1] else None
        gb = gz.sum(axis=0, out=out[1]) if len(need) > 2 and need[2] else None
        return gx, gW, gb


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
        return xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))

    def backward(self, g):
        xp = get_array_module(g)
        p = 0.5 * (1 + xp.tanh(0.5 * self.z))
        # dL/dz = σ(z) - y,  dL/dy = -z
        gz = g * (p - self.y)
        gy = -g * self.z if self.needs_input_grad[1] else None
        return gz, gy


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
        picked = xp.take_along_axis(self.log_p, labels[..., None], axis=-1)
        return -picked[..., 0]

    def backward(self, g):
        xp = get_array_module(g)
        gz = xp.exp(self.log_p)
        # dL/dz = p - onehot(label)
        xp.put_along_axis(
            gz, self.labels[..., None],
            xp.take_along_axis(gz, self.labels[..., None], axis=-1) - 1, axis=-1,
        )
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
