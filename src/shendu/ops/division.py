"""Division of ``keras.ops`` beyond ``divide``: true_divide, divide_no_nan and mod with their
backward; floor_divide without a gradient (its derivative is 0 almost everywhere).

``mod`` takes the divisor's sign (Python's ``%``). Integer operands stay integers in mod and
floor_divide (no gradient then), as in NumPy.

>>> import numpy as np
>>> from shendu import ops
>>> ops.divide_no_nan(np.array([1.0, 2.0]), np.array([0.0, 4.0])).data
array([0. , 0.5])
>>> ops.mod(np.array([-3.0, 3.0]), 2.0).data
array([1., 1.])
"""

from __future__ import annotations

from ..autograd import Tensor, as_tensor
from .arguments import data
from .math import divide
from .pointwise import Binary, constant, floats


class DivideNoNan(Binary):
    def f(self, xp, a, b):
        zero = b == 0
        # y = a / b, and 0 where b = 0
        return xp.where(zero, 0, a / xp.where(zero, 1, b)).astype(self.a.dtype, copy=False)

    # ∂(a/b)/∂a = 1/b  (0 where b = 0)
    def da(self, xp, a, b, y):
        return xp.where(b == 0, 0, 1 / xp.where(b == 0, 1, b))

    # ∂(a/b)/∂b = -a/b² = -y/b  (0 where b = 0)
    def db(self, xp, a, b, y):
        return -y / xp.where(b == 0, 1, b)


class Mod(Binary):
    def f(self, xp, a, b):
        return xp.mod(a, b)

    # ∂(a - b·q)/∂a = 1  (q = floor(a/b), constant between jumps)
    def da(self, xp, a, b, y):
        return xp.ones_like(y)

    # ∂(a - b·q)/∂b = -q
    def db(self, xp, a, b, y):
        q = a / b
        return -xp.floor(q)


def _integers(x1, x2) -> bool:
    return all(getattr(data(as_tensor(v)), "dtype", None) is not None
               and data(as_tensor(v)).dtype.kind in "iub" for v in (x1, x2))


def true_divide(x1, x2) -> Tensor:
    """``x1 / x2`` in floats (integers become floatx)."""
    return divide(*floats(x1, x2))


def divide_no_nan(x1, x2) -> Tensor:
    """``x1 / x2``, and 0 where ``x2`` is 0 (no NaN or inf); the gradient is 0 there too."""
    return DivideNoNan.apply(*floats(x1, x2))


def mod(x1, x2) -> Tensor:
    """The remainder of ``x1 / x2`` with the divisor's sign (Python's ``%``)."""
    if _integers(x1, x2):
        return constant(lambda xp, a, b: xp.mod(a, b), x1, x2)
    return Mod.apply(*floats(x1, x2))



def floor_divide(x1, x2) -> Tensor:
    """``floor(x1 / x2)`` (integers stay integers). No gradient."""
    return constant(lambda xp, a, b: xp.floor_divide(a, b), x1, x2)
