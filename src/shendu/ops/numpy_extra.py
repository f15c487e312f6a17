"""More NumPy-family names of ``keras.ops``: logspace and geomspace, fliplr, flipud, dsplit,
isin, histogram, view, and the complex-number names that need no gradient through complex
values (real, imag, conj, conjugate, angle, isreal); with the names of their family files:
bitwise.py (bitwise ops, shifts, gcd, lcm), nan_reductions.py, windows.py (window functions,
i0), floating.py (fmax, fmin, fmod, fabs, ldexp, logaddexp2, erfc, sinc, nextafter) and
vectors.py (cross, correlate, trapezoid, vander, corrcoef, cdist).

On a real tensor, real and conj are the tensor itself (gradient 1), imag is 0; on a complex
one they give constants, and a complex tensor that requires a gradient is refused (shendu's
backward runs on real values only). polar, view_as_complex and view_as_real are not here:
they turn real values into complex ones or back, so a gradient would have to flow through
complex values.

>>> import numpy as np
>>> from shendu import ops
>>> ops.logspace(0, 2, num=3).data
array([  1.,  10., 100.], dtype=float32)
>>> counts, edges = ops.histogram(np.array([0.1, 0.5, 0.7, 2.0]), bins=3)
>>> counts.data, edges.data.round(3)
(array([3, 0, 1], dtype=int32), array([0.1  , 0.733, 1.367, 2.   ]))
>>> ops.isin(np.array([0, 1, 2, 5]), np.array([0, 2])).data
array([ True, False,  True, False])
"""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor, as_tensor
from ..backend import floatx, get_array_module
from ..errors import ArgumentError, DTypeError, ShapeError
from .arguments import check_count, data, floating, is_int
from .arrangement import flip
from .bitwise import (
    bitwise_and,
    bitwise_invert,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    gcd,
    lcm,
    left_shift,
    right_shift,
)
from .floating import erfc, fabs, fmax, fmin, fmod, ldexp, logaddexp2, nextafter, sinc
from .joining import _split_on
from .nan_reductions import (
    nanargmax,
    nanargmin,
    nancumprod,
    nancumsum,
    nanmax,
    nanmean,
    nanmedian,
    nanmin,
    nanpercentile,
    nanprod,
    nanquantile,
    nanstd,
    nansum,
    nanvar,
)
from .vectors import cdist, corrcoef, correlate, cross, trapezoid, vander
from .windows import bartlett, blackman, hamming, hanning, i0, kaiser


def _float_default(*values):
    """Keras's default dtype of a sequence: the float dtype of array endpoints, else floatx."""
    kinds = [data(v).dtype for v in values
             if hasattr(data(v), "dtype") and getattr(data(v), "ndim", 0) > 0
             and data(v).dtype.kind == "f"]
    return np.result_type(*kinds) if kinds else np.dtype(floatx())


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10, dtype=None,
             axis: int = 0) -> Tensor:
    """``num`` values ``base**t``, t evenly spaced from start to stop (stop included unless
    ``endpoint=False``); array endpoints lay their sequences along ``axis``."""
    num = check_count("logspace", "num", num)
    lo, hi = np.asarray(data(start), float), np.asarray(data(stop), float)
    values = np.logspace(lo, hi, num, endpoint=bool(endpoint), base=data(base), axis=axis)
    return Tensor(values.astype(np.dtype(dtype) if dtype else _float_default(start, stop)))


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None,
              axis: int = 0) -> Tensor:
    """``num`` values from start to stop in a geometric progression (each a constant
    multiple of the one before); start and stop must be nonzero."""
    num = check_count("geomspace", "num", num)
    lo, hi = np.asarray(data(start), float), np.asarray(data(stop), float)
    if not (np.all(lo != 0) and np.all(hi != 0)):
        raise ArgumentError(f"geomspace: start and stop must be nonzero, got start={start!r}, "
                            f"stop={stop!r}. Hint: a geometric sequence never reaches 0; "
                            "ops.linspace spaces values evenly.")
    values = np.geomspace(lo, hi, num, endpoint=bool(endpoint), axis=axis)
    return Tensor(values.astype(np.dtype(dtype or floatx())))


def _at_least(op: str, x, ndim: int, axis: int) -> Tensor:
    x = as_tensor(x)
    if x.ndim < ndim:
        raise ShapeError(f"{op}: x needs at least {ndim} axes, got shape {x.shape}. "
                         f"Hint: {op} works on axis {axis}; ops.flip(x, axis) on others.")
    return x


def fliplr(x) -> Tensor:
    """x with its second axis reversed (left and right swapped; x has at least 2 axes)."""
    return flip(_at_least("fliplr", x, 2, 1), axis=1)


def flipud(x) -> Tensor:
    """x with its first axis reversed (up and down swapped)."""
    return flip(_at_least("flipud", x, 1, 0), axis=0)


def dsplit(x, indices_or_sections) -> list[Tensor]:
    """Cut along the third axis (x has at least 3 axes), as ``ops.split(x, ..., axis=2)``."""
    return _split_on("dsplit", x, indices_or_sections, 2, 3)


def isin(x1, x2, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """True where an element of x1 is among the values of x2 (False with ``invert``);
    booleans of x1's shape, no gradient."""
    a, b = data(as_tensor(x1)), data(as_tensor(x2))
    xp = get_array_module(a, b)
    return Tensor(xp.asarray(xp.isin(a, b, assume_unique=bool(assume_unique),
                                     invert=bool(invert))))


def histogram(x, bins: int = 10, range=None) -> tuple[Tensor, Tensor]:  # noqa: A002 - Keras's name
    """The counts of a 1-D x in ``bins`` equal bins over ``range`` (x's min and max when
    None), and the bins+1 edges: ``(counts (int32), edges)``. No gradient."""
    if not is_int(bins) or int(bins) < 1:
        raise ArgumentError(f"histogram: bins must be an int >= 1, got {bins!r}. "
                            "Hint: bins=10.")
    if range is not None and (not isinstance(range, (tuple, list)) or len(range) != 2
                              or not float(range[0]) <= float(range[1])):
        raise ArgumentError(f"histogram: range must be a pair (low, high) with low <= high, got "
                            f"{range!r}. Hint: range=(0.0, 1.0), or None for x's min and max.")
    t = floating(x)
    if t.ndim != 1:
        raise ShapeError(f"histogram: x must be 1-D, got shape {t.shape}. Hint: ops.ravel(x).")
    xp = get_array_module(t.data)
    limits = None if range is None else (float(range[0]), float(range[1]))
    counts, edges = xp.histogram(t.data, bins=int(bins), range=limits)
    return Tensor(counts.astype(xp.int32)), Tensor(edges.astype(t.data.dtype))


def view(x, dtype=None) -> Tensor:
    """The same bytes read as ``dtype`` (the last axis rescaled when the item sizes differ);
    no gradient."""
    a = data(as_tensor(x))
    xp = get_array_module(a)
    if dtype is None:
        return Tensor(a.view())
    try:
        kind = xp.dtype(dtype)
    except TypeError:
        raise DTypeError(f"view: dtype must name a NumPy dtype, got {dtype!r}. "
                         "Hint: dtype='int32' or 'float16'.") from None
    if kind.itemsize != a.dtype.itemsize and (
            a.ndim == 0 or (a.shape[-1] * a.dtype.itemsize) % kind.itemsize):
        raise ShapeError(f"view: the last axis of x ({a.shape}, {a.dtype}) does not hold a "
                         f"whole number of {kind} items. Hint: its size in bytes must be a "
                         f"multiple of {kind.itemsize}.")
    return Tensor(xp.ascontiguousarray(a).view(kind))


def _complex_free(op: str, x) -> Tensor:
    t = as_tensor(x)
    if t.data.dtype.kind == "c" and t.requires_grad:
        raise DTypeError(f"{op}: x is complex and requires a gradient; shendu's backward runs "
                         "on real values only. Hint: ops.stop_gradient(x) to compute a "
                         "constant.")
    return t


def real(x) -> Tensor:
    """The real part: x itself for a real tensor (gradient 1), a constant for a complex one."""
    t = _complex_free("real", x)
    return Tensor(t.data.real.copy()) if t.data.dtype.kind == "c" else t


def imag(x) -> Tensor:
    """The imaginary part: zeros for a real tensor, a constant for a complex one."""
    t = _complex_free("imag", x)
    return Tensor(get_array_module(t.data).imag(t.data).copy())


def conjugate(x) -> Tensor:
    """The complex conjugate: x itself for a real tensor, a constant for a complex one."""
    t = _complex_free("conjugate", x)
    return Tensor(get_array_module(t.data).conj(t.data)) if t.data.dtype.kind == "c" else t


def conj(x) -> Tensor:
    """The same as :func:`conjugate`."""
    return conjugate(_complex_free("conj", x))


def angle(x) -> Tensor:
    """The argument (phase) in radians: 0 or π for a real tensor (its gradient is 0 almost
    everywhere), a constant either way."""
    t = _complex_free("angle", x)
    if t.data.dtype.kind != "c":
        t = floating(t.data)
    return Tensor(get_array_module(t.data).angle(t.data))


def isreal(x) -> Tensor:
    """True where the imaginary part is 0 (everywhere for a real tensor); no gradient."""
    a = data(as_tensor(x))
    return Tensor(get_array_module(a).asarray(get_array_module(a).isreal(a)))


__all__ = [
    "angle", "bartlett", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "blackman", "cdist", "conj",
    "conjugate", "corrcoef", "correlate", "cross", "dsplit", "erfc", "fabs", "fliplr", "flipud",
    "fmax", "fmin", "fmod", "gcd", "geomspace", "hamming", "hanning", "histogram", "i0", "imag",
    "isin", "isreal", "kaiser", "lcm", "ldexp", "left_shift", "logaddexp2", "logspace",
    "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian",
    "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar",
    "nextafter", "real", "right_shift", "sinc", "trapezoid", "vander", "view",
]
