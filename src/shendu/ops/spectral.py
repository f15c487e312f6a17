"""Spectral ops and the remaining linear algebra of ``keras.ops``: the Fourier transforms
(:mod:`.fft`), the short-time Fourier transform and its inverse (:mod:`.stft`), and pinv,
matrix_rank, solve_triangular, lu_factor and cholesky_inverse (:mod:`.linalg_extra`).

>>> import numpy as np
>>> from shendu import ops
>>> real, imag = ops.rfft(np.array([0.0, 1.0, 0.0, -1.0]))
>>> imag.data
array([ 0., -2.,  0.])
"""

from __future__ import annotations

from .fft import fft, fft2, ifft2, irfft, rfft
from .linalg_extra import cholesky_inverse, lu_factor, matrix_rank, pinv, solve_triangular
from .stft import istft, stft

__all__: list[str] = [
    "cholesky_inverse",
    "fft",
    "fft2",
    "ifft2",
    "irfft",
    "istft",
    "lu_factor",
    "matrix_rank",
    "pinv",
    "rfft",
    "solve_triangular",
    "stft",
]
