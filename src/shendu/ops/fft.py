"""Discrete Fourier transforms of ``keras.ops`` on ``numpy.fft``: fft, fft2, ifft2, rfft and
irfft, with their backward (the adjoint of each transform).

As in Keras, a complex tensor travels as a pair ``(real, imag)`` of real tensors of one shape.
Each transform is one :class:`Function` whose forward stacks the two parts of its output on a
new leading axis; the public function splits them with differentiable indexing, so a loss may
use either part or both. Gradients use the convention ``∂L/∂Re + i·∂L/∂Im`` (PyTorch's for a
real loss), so the backward of a linear map ``z ↦ A z`` is ``g ↦ Aᴴ g``.

>>> import numpy as np
>>> from shendu import ops
>>> real, imag = ops.fft((np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(4)))
>>> real.data, imag.data
(array([10., -2., -2., -2.]), array([ 0.,  2.,  0., -2.]))
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, Tensor
from ..errors import ArgumentError, ShapeError
from .arguments import floating, is_int


def _stacked(z, dtype):
    """A complex array as one real array (2, ...): real part, then imaginary part."""
    return np.stack([z.real, z.imag]).astype(dtype, copy=False)


def _parts(g):
    """The stacked gradient (2, ...) as one complex array."""
    return g[0] + 1j * g[1]


def rfft_adjoint(g, n: int):
    """The adjoint of the ``n``-point rfft of a real signal: Re Σₖ gₖ e^(+2πi·k·m/n), m < n."""
    full = np.zeros(g.shape[:-1] + (n,), dtype=np.result_type(g.dtype, np.complex64))
    full[..., : g.shape[-1]] = g
    return (np.fft.ifft(full, axis=-1) * n).real


def irfft_adjoint(g, n: int, bins: int):
    """The adjoint of the ``n``-point irfft read from ``bins`` bins: cₖ·rfft(g)ₖ / n, where
    cₖ = 2 for the bins that stand for a conjugate pair too and 1 for 0 and n/2."""
    spectrum = np.fft.rfft(g, axis=-1) / n
    spectrum[..., 1 : (n + 1) // 2] *= 2.0
    if bins <= spectrum.shape[-1]:
        return spectrum[..., :bins]
    pad = [(0, 0)] * (g.ndim - 1) + [(0, bins - spectrum.shape[-1])]
    return np.pad(spectrum, pad)


def fit_length(x, length: int):
    """``x`` cut or zero-padded on its last axis to ``length`` (what numpy's ``n=`` does)."""
    if x.shape[-1] >= length:
        return x[..., :length]
    return np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, length - x.shape[-1])])


class ComplexFFT(Function):
    """Settings: ``axes`` (the transformed axes, negative), ``inverse`` (ifft, scaled by 1/N)."""

    def forward(self, real, imag):
        self.dtype = np.result_type(real.dtype, imag.dtype)
        z = real + 1j * imag
        y = np.fft.ifftn(z, axes=self.axes) if self.inverse else np.fft.fftn(z, axes=self.axes)
        return _stacked(y, self.dtype)

    def backward(self, g):
        gz = _parts(g)
        count = int(np.prod([g.shape[a] for a in self.axes]))
        # y = F z: gz = Fᴴ g = N·ifft(g);  y = Fᴴ z / N: gz = F g / N
        if self.inverse:
            gz = np.fft.fftn(gz, axes=self.axes) / count
        else:
            gz = np.fft.ifftn(gz, axes=self.axes) * count
        return gz.real.astype(self.dtype), gz.imag.astype(self.dtype)


class RealFFT(Function):
    """Settings: ``n`` (the fft length)."""

    def forward(self, x):
        self.length, self.dtype = x.shape[-1], x.dtype
        return _stacked(np.fft.rfft(x, n=self.n, axis=-1), x.dtype)

    def backward(self, g):
        # y = R x with x real:  gx = Re(Rᴴ g), cut or padded back to x's length
        gx = fit_length(rfft_adjoint(_parts(g), self.n), self.length)
        return gx.astype(self.dtype)


class InverseRealFFT(Function):
    """Settings: ``n`` (the output length)."""

    def forward(self, real, imag):
        self.dtype = np.result_type(real.dtype, imag.dtype)
        self.bins = real.shape[-1]
        return np.fft.irfft(real + 1j * imag, n=self.n, axis=-1).astype(self.dtype)

    def backward(self, g):
        gz = irfft_adjoint(g, self.n, self.bins)
        return gz.real.astype(self.dtype), gz.imag.astype(self.dtype)


def complex_pair(op: str, x, min_ndim: int = 1) -> tuple[Tensor, Tensor]:
    """``x = (real, imag)`` as two float Tensors of one shape with ``min_ndim`` axes or more."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ArgumentError(f"{op}: x must be a pair (real, imag) of tensors, got "
                            f"{type(x).__name__}. Hint: {op}((x, ops.zeros_like(x))) for a "
                            "real signal.")
    real, imag = floating(x[0]), floating(x[1])
    if real.shape != imag.shape:
        raise ShapeError(f"{op}: the real and imaginary parts must have one shape, got "
                         f"{real.shape} and {imag.shape}. Hint: ops.zeros_like(real) for a "
                         "zero imaginary part.")
    if real.ndim < min_ndim:
        raise ShapeError(f"{op}: x must have at least {min_ndim} axes, got shape "
                         f"{real.shape}. Hint: the transform runs over the last "
                         f"{'axis' if min_ndim == 1 else f'{min_ndim} axes'}.")
    return real, imag


def fft_length_arg(op: str, fft_length, default: int) -> int:
    if fft_length is None:
        return default
    if not is_int(fft_length) or int(fft_length) < 1:
        raise ArgumentError(f"{op}: fft_length must be None or an int >= 1, got "
                            f"{fft_length!r}. Hint: fft_length=None uses the input's length.")
    return int(fft_length)


def _split(y: Tensor) -> tuple[Tensor, Tensor]:
    return y[0], y[1]


def fft(x) -> tuple[Tensor, Tensor]:
    """The discrete Fourier transform over the last axis of ``x = (real, imag)``; returns the
    pair (real, imag) of the result.

    >>> import numpy as np
    >>> real, imag = fft((np.array([0.0, 1.0]), np.array([1.0, 0.0])))
    >>> real.data, imag.data
    (array([ 1., -1.]), array([1., 1.]))
    """
    real, imag = complex_pair("fft", x)
    return _split(ComplexFFT.apply(real, imag, axes=(-1,), inverse=False))


def fft2(x) -> tuple[Tensor, Tensor]:
    """The 2-D discrete Fourier transform over the last two axes of ``x = (real, imag)``.

    >>> import numpy as np
    >>> real, imag = fft2((np.ones((2, 2)), np.zeros((2, 2))))
    >>> real.data
    array([[4., 0.],
           [0., 0.]])
    """
    real, imag = complex_pair("fft2", x, min_ndim=2)
    return _split(ComplexFFT.apply(real, imag, axes=(-2, -1), inverse=False))


def ifft2(x) -> tuple[Tensor, Tensor]:
    """The inverse of :func:`fft2` (scaled by 1/N over the last two axes).

    >>> import numpy as np
    >>> real, imag = ifft2((np.array([[4.0, 0.0], [0.0, 0.0]]), np.zeros((2, 2))))
    >>> real.data
    array([[1., 1.],
           [1., 1.]])
    """
    real, imag = complex_pair("ifft2", x, min_ndim=2)
    return _split(ComplexFFT.apply(real, imag, axes=(-2, -1), inverse=True))


def rfft(x, fft_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The Fourier transform of the real signal ``x`` over its last axis, the
    ``fft_length // 2 + 1`` non-negative frequencies; ``x`` is cut or zero-padded to
    ``fft_length`` (default: its length). Returns (real, imag).

    >>> import numpy as np
    >>> real, imag = rfft(np.array([1.0, 1.0, 1.0, 1.0]))
    >>> real.data, imag.data
    (array([4., 0., 0.]), array([0., 0., 0.]))
    """
    t = floating(x)
    if t.ndim < 1:
        raise ShapeError(f"rfft: x must have at least one axis, got shape {t.shape}. "
                         "Hint: the transform runs over the last axis.")
    n = fft_length_arg("rfft", fft_length, t.shape[-1])
    return _split(RealFFT.apply(t, n=n))


def irfft(x, fft_length: int | None = None) -> Tensor:
    """The real signal of length ``fft_length`` (default ``2 * (bins - 1)``) whose rfft is
    ``x = (real, imag)``; the imaginary parts of bin 0 (and of bin n/2 for an even n) are
    ignored, as the spectrum of a real signal has none.

    >>> import numpy as np
    >>> irfft((np.array([4.0, 0.0, 0.0]), np.zeros(3))).data
    array([1., 1., 1., 1.])
    """
    real, imag = complex_pair("irfft", x)
    n = fft_length_arg("irfft", fft_length, 2 * (real.shape[-1] - 1))
    if n < 1:
        raise ArgumentError(f"irfft: a spectrum of {real.shape[-1]} bin needs an fft_length, "
                            "got None. Hint: pass fft_length (the output length).")
    return InverseRealFFT.apply(real, imag, n=n)
