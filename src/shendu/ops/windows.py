"""Window functions of ``keras.ops`` (bartlett, blackman, hamming, hanning, kaiser: constants
of length ``x``, in floatx, no gradient) and i0, the modified Bessel function of order 0, with
its backward (d i0/dx = i1, summed from its power series).

>>> import numpy as np
>>> from shendu import ops
>>> ops.hamming(4).data.round(4)
array([0.08, 0.77, 0.77, 0.08], dtype=float32)
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
>>> ops.i0(x).sum().backward()
>>> x.grad.round(6)
array([0.      , 0.565159])
"""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor, as_tensor
from ..backend import floatx, get_array_module
from ..errors import ArgumentError
from .arguments import data, floating, is_int
from .pointwise import Unary


def _length(op: str, x) -> int:
    raw = data(as_tensor(x)) if not isinstance(x, int) else x
    if not is_int(raw) or int(raw) < 0:
        raise ArgumentError(f"{op}: x must be the window length, an int >= 0, got {x!r}. "
                            f"Hint: ops.{op}(16).")
    return int(raw)


def _window(op: str, x, make) -> Tensor:
    n = _length(op, x)
    return Tensor(make(n).astype(floatx()))


def bartlett(x) -> Tensor:
    """The triangular window of length ``x``: ``1 - |2n/(x-1) - 1|``."""
    return _window("bartlett", x, np.bartlett)


def blackman(x) -> Tensor:
    """The Blackman window of length ``x``: ``0.42 - 0.5 cos(2πn/(x-1)) + 0.08 cos(4πn/(x-1))``."""
    return _window("blackman", x, np.blackman)


def hamming(x) -> Tensor:
    """The Hamming window of length ``x``: ``0.54 - 0.46 cos(2πn/(x-1))``."""
    return _window("hamming", x, np.hamming)


def hanning(x) -> Tensor:
    """The Hann window of length ``x``: ``0.5 - 0.5 cos(2πn/(x-1))``."""
    return _window("hanning", x, np.hanning)


def kaiser(x, beta) -> Tensor:
    """The Kaiser window of length ``x`` and shape ``beta``:
    ``i0(β·√(1 - (2n/(x-1) - 1)²)) / i0(β)``."""
    value = data(as_tensor(beta))
    try:
        beta = float(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"kaiser: beta must be a number, got {beta!r}. "
                            "Hint: beta=14.0 is a common choice.") from None
    return _window("kaiser", x, lambda n: np.kaiser(n, beta))


def _i1(x):
    """The modified Bessel function of order 1: Σₖ (x/2)^(2k+1) / (k!(k+1)!), in float64
    (every term has x's sign: no cancellation), summed until the terms stop counting."""
    xp = get_array_module(x)
    half = x.astype(xp.float64) / 2
    quarter = half * half
    term = half.copy()
    total = half.copy()
    k = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            k += 1
            term = term * quarter / (k * (k + 1))
            total = total + term
            if not bool(xp.any(xp.abs(term) > 1e-17 * xp.abs(total))):
                break
    return total


class I0(Unary):
    def f(self, xp, x):
        return xp.i0(x).astype(x.dtype, copy=False)

    # d i0(x)/dx = i1(x)
    def df(self, xp, x, y):
        return _i1(x).astype(x.dtype, copy=False)


def i0(x) -> Tensor:
    """The modified Bessel function of the first kind, order 0, elementwise."""
    return I0.apply(floating(x))
