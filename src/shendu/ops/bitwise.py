"""Integer ops of ``keras.ops``, without a gradient (their values are integers): the bitwise
and/or/xor/invert, the shifts, and gcd and lcm.

The bitwise ops take integers or booleans, the shifts, gcd and lcm integers only; a float
raises a :class:`~shendu.errors.DTypeError` naming the op and the argument. Operands are
promoted to one dtype as in NumPy (a Python int adopts the other operand's dtype).

>>> import numpy as np
>>> from shendu import ops
>>> ops.bitwise_and(np.array([12, 10]), np.array([10, 6])).data
array([8, 2])
>>> ops.left_shift(np.array([1, 3], dtype=np.int32), 2).data
array([ 4, 12], dtype=int32)
>>> ops.gcd(np.array([12, -18]), np.array([8, 4])).data
array([4, 2])
"""

from __future__ import annotations

from ..autograd import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import DTypeError
from .arguments import data


def _integers(op: str, name: str, x, allow_bool: bool):
    """The array inside ``x``, checked to hold integers (or booleans when allowed)."""
    if isinstance(x, (bool, int)) and (allow_bool or not isinstance(x, bool)):
        return x  # a Python number stays weak: it adopts the other operand's dtype
    a = data(as_tensor(x))
    kinds = "iub" if allow_bool else "iu"
    if a.dtype.kind not in kinds:
        what = "integers or booleans" if allow_bool else "integers"
        raise DTypeError(f"{op}: {name} must hold {what}, got dtype {a.dtype}. "
                         f"Hint: ops.cast({name}, 'int32') first.")
    return a


def _binary(op: str, ufunc: str, x, y, allow_bool: bool, names=("x", "y")) -> Tensor:
    a, b = (_integers(op, name, v, allow_bool) for name, v in zip(names, (x, y)))
    xp = get_array_module(a, b)
    return Tensor(xp.asarray(getattr(xp, ufunc)(a, b)))


def bitwise_and(x, y) -> Tensor:
    """``x & y``, bit by bit (integers or booleans)."""
    return _binary("bitwise_and", "bitwise_and", x, y, True)


def bitwise_or(x, y) -> Tensor:
    """``x | y``, bit by bit (integers or booleans)."""
    return _binary("bitwise_or", "bitwise_or", x, y, True)


def bitwise_xor(x, y) -> Tensor:
    """``x ^ y``, bit by bit (integers or booleans)."""
    return _binary("bitwise_xor", "bitwise_xor", x, y, True)


def _invert(op: str, x) -> Tensor:
    a = _integers(op, "x", as_tensor(x), True)
    return Tensor(get_array_module(a).invert(a))


def bitwise_invert(x) -> Tensor:
    """``~x``: every bit flipped (``-x - 1`` for signed integers, ``not`` for booleans)."""
    return _invert("bitwise_invert", x)


def bitwise_not(x) -> Tensor:
    """The same as :func:`bitwise_invert`."""
    return _invert("bitwise_not", x)


def bitwise_left_shift(x, y) -> Tensor:
    """``x << y``: the bits of x moved y places up (integers)."""
    return _binary("bitwise_left_shift", "left_shift", x, y, False)


def left_shift(x, y) -> Tensor:
    """The same as :func:`bitwise_left_shift`."""
    return _binary("left_shift", "left_shift", x, y, False)


def bitwise_right_shift(x, y) -> Tensor:
    """``x >> y``: the bits of x moved y places down, the sign kept (integers)."""
    return _binary("bitwise_right_shift", "right_shift", x, y, False)


def right_shift(x, y) -> Tensor:
    """The same as :func:`bitwise_right_shift`."""
    return _binary("right_shift", "right_shift", x, y, False)


def gcd(x1, x2) -> Tensor:
    """The greatest common divisor of ``|x1|`` and ``|x2|``, elementwise (integers)."""
    return _binary("gcd", "gcd", x1, x2, False, ("x1", "x2"))


def lcm(x1, x2) -> Tensor:
    """The least common multiple of ``|x1|`` and ``|x2|``, elementwise (integers)."""
    return _binary("lcm", "lcm", x1, x2, False, ("x1", "x2"))
