"""The short-time Fourier transform of ``keras.ops`` and its inverse (stft, istft), each one
:class:`Function` with its backward.

Keras's conventions: a string window is a *periodic* Hann or Hamming window of
``sequence_length`` samples, zero-padded on both sides (the extra sample on the right) to
``fft_length``; frames of ``fft_length`` samples start every ``sequence_stride`` samples;
``center=True`` first reflect-pads the signal by ``fft_length // 2`` on both sides. The result
is (real, imag) of shape (..., frames, fft_length // 2 + 1), as ``torch.stft`` (transposed).

istft is ``torch.istft``: each frame's irfft, times the window, is overlap-added and divided by
the overlap-added squared window, then the padding of ``center`` is cut off (or the first
``length`` samples kept). Keras's TensorFlow backend divides by that sum in its steady state,
which differs from this in the first and last ``fft_length`` samples of the padded signal.

Framing is an index map (frames, fft_length) into the signal's last axis (reflection
included), so the backward of the framing is a scatter-add of the same map.

>>> import numpy as np
>>> from shendu import ops
>>> x = np.sin(np.arange(64) / 3.0)
>>> real, imag = ops.stft(x, 16, 4, 16)
>>> real.shape
(17, 9)
>>> y = ops.istft((real, imag), 16, 4, 16, length=64)
>>> bool(np.allclose(y.data, x))
True
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, Tensor
from ..errors import ArgumentError, ShapeError
from .arguments import check_count, floating
from .fft import _parts, _stacked, complex_pair, irfft_adjoint, rfft_adjoint


def scatter_add(values, index, length: int):
    """The adjoint of ``x[..., index]``: ``values`` (..., *index.shape) summed into
    (..., length) at the positions ``index`` names."""
    lead = values.shape[: values.ndim - index.ndim]
    rows = values.reshape(-1, index.size).T  # (positions, batch)
    out = np.zeros((length, rows.shape[1]), dtype=values.dtype)
    np.add.at(out, index.ravel(), rows)
    return out.T.reshape(lead + (length,))


def frame_index(frames: int, size: int, step: int):
    """(frames, size): frame t holds the samples t·step .. t·step + size - 1."""
    return np.arange(size)[None, :] + step * np.arange(frames)[:, None]


class STFT(Function):
    """Settings: ``index`` (frames, n) into the signal, ``window`` (n,), ``n`` (fft length)."""

    def forward(self, x):
        self.length = x.shape[-1]
        framed = x[..., self.index] * self.window.astype(x.dtype)
        # X[t, k] = Σ_m x[index[t, m]] · w[m] · e^(−2πi·k·m / n)
        return _stacked(np.fft.rfft(framed, n=self.n, axis=-1), x.dtype)

    def backward(self, g):
        gf = rfft_adjoint(_parts(g), self.n) * self.window
        return scatter_add(gf, self.index, self.length).astype(g.dtype)


class ISTFT(Function):
    """Settings: ``window`` (n,), ``step``, ``n``, ``start`` and ``stop`` (the samples kept
    from the overlap-added signal), ``out`` (the output length)."""

    def forward(self, real, imag):
        self.dtype = np.result_type(real.dtype, imag.dtype)
        self.bins, frames = real.shape[-1], real.shape[-2]
        self.index = frame_index(frames, self.n, self.step)
        self.total = self.n + self.step * (frames - 1)
        self.stop = min(self.stop, self.total)
        envelope = scatter_add(np.broadcast_to(self.window**2, self.index.shape), self.index,
                               self.total)[self.start : self.stop]
        if envelope.size and float(np.abs(envelope).min()) < 1e-11:
            raise ArgumentError(
                "istft: the squared window summed over overlapping frames is 0 at some output "
                "samples, so they cannot be recovered. Hint: use center=True, a smaller "
                "sequence_stride, or window=None.")
        self.envelope = envelope
        framed = np.fft.irfft(real + 1j * imag, n=self.n, axis=-1) * self.window
        y = scatter_add(framed, self.index, self.total)[..., self.start : self.stop] / envelope
        pad = [(0, 0)] * (y.ndim - 1) + [(0, self.out - y.shape[-1])]
        return np.pad(y, pad).astype(self.dtype)

    def backward(self, g):
        kept = g[..., : self.stop - self.start] / self.envelope
        full = np.zeros(g.shape[:-1] + (self.total,), dtype=kept.dtype)
        full[..., self.start : self.stop] = kept
        gz = irfft_adjoint(full[..., self.index] * self.window, self.n, self.bins)
        return gz.real.astype(self.dtype), gz.imag.astype(self.dtype)


def _lengths(op, sequence_length, sequence_stride, fft_length):
    seq = check_count(op, "sequence_length", sequence_length, 1)
    step = check_count(op, "sequence_stride", sequence_stride, 1)
    n = check_count(op, "fft_length", fft_length, 1)
    if n < seq:
        raise ArgumentError(f"{op}: fft_length ({n}) must be >= sequence_length ({seq}). "
                            f"Hint: fft_length={1 << (seq - 1).bit_length()}.")
    return seq, step, n


def padded_window(op: str, window, seq: int, n: int) -> np.ndarray:
    """Keras's window of ``seq`` samples (periodic 'hann'/'hamming', an array, or None for
    ones), zero-padded into ``n`` with (n - seq) // 2 zeros on the left."""
    if window is None:
        w = np.ones(seq)
    elif isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ArgumentError(f"{op}: window must be 'hann', 'hamming', None or an array of "
                                f"sequence_length values, got {window!r}. Hint: 'hann'.")
        from ..layers.audio import window_array

        w = window_array(window, seq, periodic=True)
    else:
        w = np.asarray(window.data if isinstance(window, Tensor) else window, dtype=np.float64)
        if w.shape != (seq,):
            raise ShapeError(f"{op}: a window array must have shape (sequence_length,) = "
                             f"({seq},), got {w.shape}. Hint: window='hann'.")
    left = (n - seq) // 2
    return np.pad(w, (left, n - seq - left))


def stft(x, sequence_length: int, sequence_stride: int, fft_length: int, window="hann",
         center: bool = True) -> tuple[Tensor, Tensor]:
    """The short-time Fourier transform of the real signals ``x`` (..., samples): the rfft of
    each windowed frame (see the module doc). Returns (real, imag) of shape
    (..., frames, fft_length // 2 + 1).

    >>> import numpy as np
    >>> real, imag = stft(np.ones((2, 32)), 8, 4, 8, window=None, center=False)
    >>> real.shape, float(real.data[0, 0, 0])
    ((2, 7, 5), 8.0)
    """
    t = floating(x)
    seq, step, n = _lengths("stft", sequence_length, sequence_stride, fft_length)
    w = padded_window("stft", window, seq, n)
    if t.ndim < 1:
        raise ShapeError(f"stft: x must have a samples axis, got shape {t.shape}. Hint: "
                         "x of shape (..., samples).")
    length = t.shape[-1]
    if center:
        half = n // 2
        if half >= length:
            raise ShapeError(f"stft: center=True reflect-pads by fft_length // 2 = {half}, "
                             f"which needs more than {half} samples, got {length}. Hint: a "
                             "smaller fft_length or center=False.")
        source = np.arange(-half, length + half)
        source = np.abs(source)
        source = np.where(source >= length, 2 * (length - 1) - source, source)
    else:
        if length < n:
            raise ShapeError(f"stft: center=False needs at least fft_length={n} samples, got "
                             f"{length}. Hint: center=True pads the signal.")
        source = np.arange(length)
    frames = 1 + (source.size - n) // step
    index = source[frame_index(frames, n, step)]
    y = STFT.apply(t, index=index, window=w, n=n)
    return y[0], y[1]


def istft(x, sequence_length: int, sequence_stride: int, fft_length: int,
          length: int | None = None, window="hann", center: bool = True) -> Tensor:
    """The signal whose :func:`stft` is ``x = (real, imag)`` (..., frames, bins), as
    ``torch.istft`` (see the module doc); ``length`` keeps that many samples (zeros past
    the end).

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(2, 40))
    >>> y = istft(stft(x, 8, 2, 8), 8, 2, 8, length=40)
    >>> bool(np.allclose(y.data, x))
    True
    """
    real, imag = complex_pair("istft", x, min_ndim=2)
    seq, step, n = _lengths("istft", sequence_length, sequence_stride, fft_length)
    w = padded_window("istft", window, seq, n)
    total = n + step * (real.shape[-2] - 1)
    start = n // 2 if center else 0
    if length is None:
        stop = total - start
    else:
        stop = start + check_count("istft", "length", length, 0)
    return ISTFT.apply(real, imag, window=w, step=step, n=n, start=start, stop=stop,
                       out=max(stop - start, 0))
