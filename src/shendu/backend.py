"""The array backend: which module does the maths, in which float type, with which random numbers.

Every op finds its array module with :func:`get_array_module`, so the same forward and backward
run on NumPy arrays and, when CuPy is installed and the data lives on a GPU, on CuPy arrays.
CuPy is never imported unless a CuPy array is seen.

>>> import numpy as np
>>> from shendu import backend
>>> backend.get_array_module(np.zeros(3)) is np
True
>>> backend.floatx()
'float32'
"""

from __future__ import annotations

import numpy as np

xp = np
"""The default array module (NumPy)."""

_FLOATX = "float32"
_EPSILON = 1e-7
_ALLOWED_FLOATX = ("float16", "float32", "float64")
_IMAGE_DATA_FORMAT = "channels_last"
_rng = None  # made on first use, so numpy.random loads only when something draws from it


def get_array_module(*arrays):
    """Return ``cupy`` when any argument is a CuPy array, else ``numpy``."""
    for a in arrays:
        if type(a) is np.ndarray:  # the common case, checked first (hot path)
            continue
        if type(a).__module__.startswith("cupy"):
            import cupy  # noqa: PLC0415 - only when a GPU array is seen

            return cupy
    return np


def floatx() -> str:
    """The default float dtype name of new weights and of input data ('float32')."""
    return _FLOATX


def set_floatx(dtype: str) -> None:
    """Set the default float dtype: 'float32' (default), 'float64' or 'float16'."""
    global _FLOATX
    name = np.dtype(dtype).name
    if name not in _ALLOWED_FLOATX:
        from .errors import DTypeError

        raise DTypeError(
            f"set_floatx: expected one of {_ALLOWED_FLOATX}, got {dtype!r}. "
            "Hint: use 'float64' for gradient checks, 'float32' for speed."
        )
    _FLOATX = name


def epsilon() -> float:
    """The fuzz factor Keras uses in losses and optimizers (1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor (checked by :func:`shendu.config.set_epsilon`)."""
    global _EPSILON
    _EPSILON = float(value)


def backend() -> str:
    """The name of the array backend, as ``keras.backend.backend()``: always 'numpy' (CuPy
    arrays are handled by the same code, so there is no separate backend to name)."""
    return "numpy"


def image_data_format() -> str:
    """Where the channels of images go when a layer's ``data_format`` is None:
    'channels_last' (the default, (batch, rows, cols, channels)) or 'channels_first'."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default of :func:`image_data_format` for layers made from now on."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        from .errors import ArgumentError

        raise ArgumentError(
            f"set_image_data_format: data_format must be 'channels_last' or 'channels_first', "
            f"got {data_format!r}. Hint: channels_last means (batch, rows, cols, channels)."
        )
    _IMAGE_DATA_FORMAT = data_format


def rng() -> np.random.Generator:
    """The global random generator; :func:`set_seed` makes it repeatable."""
    global _rng
    if _rng is None:
        _rng = np.random.default_rng()
    return _rng


def set_seed(seed: int) -> None:
    """Reseed the global generator (weights, dropout, shuffling all draw from it)."""
    global _rng
    _rng = np.random.default_rng(seed)


_SESSION_STATE: list = []  # functions that forget a module's global state (registered by it)


def clear_session() -> None:
    """Forget what earlier models left in global state, as Keras's ``clear_session``: the
    layer-name counters start again, so the next Dense is named 'dense'.

    >>> from shendu.layers import Dense
    >>> clear_session()
    >>> Dense(2).name, Dense(2).name
    ('dense', 'dense_1')
    >>> clear_session()
    >>> Dense(2).name
    'dense'
    """
    for forget in _SESSION_STATE:
        forget()


def make_rng(seed: int | None) -> np.random.Generator:
    """A generator for an object with its own ``seed`` argument; the global one when None."""
    return rng() if seed is None else np.random.default_rng(seed)


def to_numpy(a) -> np.ndarray:
    """Bring an array back to host memory as a NumPy array."""
    if type(a).__module__.startswith("cupy"):
        return a.get()
    return np.asarray(a)
