"""SpectralNormalization: a wrapper that keeps its layer's kernel at spectral norm 1 (Keras 3).

Miyato et al., 2018 (https://arxiv.org/abs/1802.05957). The kernel K, seen as a matrix
W = K.reshape(-1, out), is divided by an estimate of its largest singular value σ, made by
power iteration from a kept vector u (Keras's ``vector_u``, shape (1, out)):

    v ← normalize(u Wᵀ),   u ← normalize(v W),   σ = v W uᵀ,   K ← K / σ.

As in Keras, the normalized kernel is *written into* the wrapped layer's kernel during a
training call (and u into ``vector_u``); the layer then runs on it, so gradients reach the
kernel as they would without the wrapper (none flows through σ). An inference call runs the
layer on the kernel as stored: the one the last training call normalized.

>>> import numpy as np
>>> from shendu.layers import Dense
>>> layer = SpectralNormalization(Dense(2, kernel_initializer="ones"), power_iterations=5)
>>> y = layer(np.ones((1, 3)), training=True)
>>> round(float(np.linalg.svd(layer.layer.kernel.data, compute_uv=False)[0]), 4)
1.0
"""

from __future__ import annotations

import numbers

from .. import initializers
from ..backend import get_array_module
from ..errors import ArgumentError
from .base import Layer
from .wrappers import Wrapper

_NORM_EPSILON = 1e-12  # normalize(x) = x / max(‖x‖, ε): as torch's F.normalize


def _normalize(xp, x):
    return x / max(float(xp.sqrt(xp.sum(x * x))), _NORM_EPSILON)


class SpectralNormalization(Wrapper):
    """Keras's ``SpectralNormalization(layer, power_iterations=1)``: spectral normalization of
    the weights of ``layer`` (one with a ``kernel``, as Dense and Conv2D, or ``embeddings``, as
    Embedding), which bounds its Lipschitz constant and steadies the training of GANs.

    Weights (Keras's order): the kernel, ``vector_u`` (non-trainable, (1, kernel.shape[-1]),
    TruncatedNormal(stddev=0.02) at first), then the layer's other weights. A training call
    runs ``power_iterations`` steps of power iteration, divides the kernel by σ in place and
    keeps u; an inference call uses the kernel as stored. An all-zero kernel is left as it is.

    >>> import numpy as np
    >>> from shendu.layers import Conv2D
    >>> layer = SpectralNormalization(Conv2D(1, 2, kernel_initializer="ones", name="conv"),
    ...                               power_iterations=8, name="sn")
    >>> x = np.ones((1, 2, 2, 1))
    >>> layer(x).data.ravel(), layer(x, training=True).data.ravel()  # σ of the 4 ones: 2
    (array([4.], dtype=float32), array([2.], dtype=float32))
    >>> [w.path for w in layer.weights]
    ['conv/kernel', 'sn/vector_u', 'conv/bias']
    """

    def __init__(self, layer: Layer, power_iterations: int = 1, **kwargs):
        super().__init__(layer, **kwargs)
        if isinstance(power_iterations, bool) or not isinstance(
                power_iterations, numbers.Integral) or power_iterations <= 0:
            raise ArgumentError(
                f"SpectralNormalization '{self.name}': power_iterations must be a positive "
                f"integer, got {power_iterations!r}. Hint: power_iterations=1 (Keras's default) "
                "is usually enough, as u carries over from one training step to the next."
            )
        self.power_iterations = int(power_iterations)

    def build(self, input_shape):
        super().build(input_shape)
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ArgumentError(
                f"SpectralNormalization '{self.name}': the wrapped "
                f"{type(self.layer).__name__} '{self.layer.name}' has no attribute 'kernel' nor "
                "'embeddings' to normalize. Hint: wrap a layer with a kernel (Dense, Conv2D, "
                "...) or an Embedding."
            )
        self._kernel = kernel
        self.vector_u = self.add_weight(
            (1, kernel.shape[-1]), initializers.TruncatedNormal(stddev=0.02),
            dtype=kernel.dtype, trainable=False, name="vector_u")

    @property
    def weights(self):
        """The kernel, ``vector_u``, then the wrapped layer's other weights (Keras's order)."""
        if not self.built:
            return super().weights
        rest = [w for w in super().weights if w is not self._kernel and w is not self.vector_u]
        return [self._kernel, self.vector_u] + rest

    def normalized_weights(self):
        """(u, kernel / σ) as arrays after ``power_iterations`` steps from ``vector_u``, as
        Keras's ``normalized_weights`` (which the training call assigns)."""
        kernel = self._kernel.data
        xp = get_array_module(kernel)
        w = kernel.reshape(-1, kernel.shape[-1])
        u = self.vector_u.data
        for _ in range(self.power_iterations):
            v = _normalize(xp, u @ w.T)  # (1, in): the right singular vector's estimate
            u = _normalize(xp, v @ w)  # (1, out)
        sigma = (v @ w @ u.T)[0, 0]  # σ ≈ vᵀ W u, the largest singular value
        return u, kernel / sigma

    def call(self, inputs, training=False):
        if training and bool((self._kernel.data != 0).any()):
            u, kernel = self.normalized_weights()
            self.vector_u.assign(u)
            self._kernel.assign(kernel)
        return self.layer(inputs, training=training)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
