"""Initializers of structured matrices: Orthogonal, Identity, and Keras's STFT kernels.

STFT: a convolution kernel whose outputs are one side (real or imaginary) of a windowed
discrete Fourier transform of each frame. For a shape ``(T, channels, F)`` with
``N = 2·(F - 1)`` FFT points, the value at ``(t, c, f)`` is ``cos(-2π·t·f / N)``
(``side="real"``) or ``sin(-2π·t·f / N)`` (``side="imag"``), times the window ``w[t]``
divided by ``sqrt(Σ w²)`` (``scaling="density"``) or ``Σ |w|`` (``"spectrum"``); with no
window there is no scaling. A frame ``x`` convolved with it gives the real or imaginary part
of ``np.fft.rfft(x · w, n=N)`` over that scale:

>>> import numpy as np
>>> kernel = STFT("real", window=None)((4, 1, 3))
>>> frame = np.array([1.0, 2.0, 0.0, -1.0])
>>> np.round(frame @ kernel[:, 0, :], 6).tolist(), np.fft.rfft(frame).real.tolist()
([2.0, 1.0, 0.0], [2.0, 1.0, 0.0])
"""

from __future__ import annotations

import math

import numpy as np

from . import backend
from .errors import ArgumentError
from .initializer_base import Initializer
from .number_args import number_arg


class Orthogonal(Initializer):
    """``gain`` times a random orthogonal matrix (rows or columns orthonormal, whichever are
    fewer), reshaped to ``shape``: the Q of a QR decomposition of a normal matrix, signs fixed
    by R's diagonal so the result is uniformly distributed.

    >>> import numpy as np
    >>> q = Orthogonal(seed=0)((4, 4))
    >>> bool(np.allclose(q.T @ q, np.eye(4), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        number_arg(gain, "Orthogonal", "gain", hint="gain=1.0")
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ArgumentError(f"Orthogonal: the shape must have at least 2 axes, got {shape}. "
                                "Hint: use it for kernels, not biases.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        rng = backend.make_rng(self.seed)
        a = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        # Q·sign(diag R) makes the decomposition unique, so Q is Haar-distributed
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype or backend.floatx())

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; non-square gets ones on the diagonal).

    >>> Identity(gain=2.0)((2, 3)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain=1.0):
        number_arg(gain, "Identity", "gain", hint="gain=1.0")
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 2:
            raise ArgumentError(f"Identity: the shape must have exactly 2 axes, got {shape}. "
                                "Hint: it initializes square (or rectangular) matrices.")
        return (self.gain * np.eye(*shape)).astype(dtype or backend.floatx())

    def get_config(self):
        return {"gain": self.gain}


_WINDOWS = ("hann", "hamming")


def _window(window, length: int, periodic: bool) -> np.ndarray | None:
    """Hann or Hamming (periodic: as for an FFT of ``length`` points; symmetric otherwise),
    the values given, or None."""
    if window is None:
        return None
    if isinstance(window, str):
        n = np.arange(length)
        denom = length if periodic else max(length - 1, 1)
        a0 = 0.5 if window == "hann" else 0.54
        # w[n] = a0 - (1 - a0)·cos(2πn / N')
        return a0 - (1.0 - a0) * np.cos(2.0 * np.pi * n / denom)
    values = np.asarray(window, dtype=np.float64)
    if values.shape != (length,):
        raise ArgumentError(f"STFT: the window must have frame_length={length} values (the "
                            f"kernel's first axis), got shape {values.shape}. Hint: "
                            "window='hann', or an array as long as a frame.")
    return values


class STFT(Initializer):
    """Kernels of ``keras.layers.STFTSpectrogram``: one side of a windowed DFT (see the module
    doc for the formula). ``window`` is ``"hann"``, ``"hamming"``, an array of ``T`` values or
    None; ``scaling`` is ``"density"``, ``"spectrum"`` or None.

    >>> (STFT("imag", window=None)((4, 1, 3))[:, 0, 1].round(6) + 0.0).tolist()
    [0.0, -1.0, 0.0, 1.0]
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ArgumentError(f"STFT: side must be 'real' or 'imag', got {side!r}. Hint: one "
                                "STFT kernel per side, e.g. STFT('real') and STFT('imag').")
        if isinstance(window, str) and window not in _WINDOWS:
            raise ArgumentError(f"STFT: window must be one of {_WINDOWS}, an array or None, got "
                                f"{window!r}. Hint: window='hann' (shendu has no SciPy "
                                "windows; pass other windows as arrays of values).")
        if scaling not in ("density", "spectrum", None):
            raise ArgumentError(f"STFT: scaling must be 'density', 'spectrum' or None, got "
                                f"{scaling!r}. Hint: 'density' divides by sqrt(sum(w**2)).")
        if not isinstance(periodic, (bool, np.bool_)):
            raise ArgumentError(f"STFT: periodic must be True or False, got {periodic!r}. "
                                "Hint: periodic=True for windows meant for FFTs.")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 3 or shape[2] < 2:
            raise ArgumentError(f"STFT: expected a kernel shape (frame_length, channels, bins) "
                                f"with bins >= 2, got {shape}. Hint: bins = fft_length // 2 + 1.")
        length, _, bins = shape
        fft_points = 2 * (bins - 1)
        t = np.arange(length, dtype=np.float64)[:, None, None]
        f = np.arange(bins, dtype=np.float64)[None, None, :]
        angle = -2.0 * np.pi * t * f / fft_points
        kernel = np.cos(angle) if self.side == "real" else np.sin(angle)
        win = _window(self.window, length, bool(self.periodic))
        if win is not None:
            scale = {"density": np.sqrt(np.sum(win ** 2)), "spectrum": np.sum(np.abs(win)),
                     None: 1.0}[self.scaling]
            kernel = kernel * win[:, None, None] / scale
        return np.broadcast_to(kernel, shape).astype(dtype or backend.floatx())

    def get_config(self):
        window = self.window
        if isinstance(window, np.ndarray):
            window = window.tolist()
        return {"side": self.side, "window": window, "periodic": self.periodic,
                "scaling": self.scaling}
