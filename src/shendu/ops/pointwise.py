"""Bases of the elementwise Functions: a subclass writes ``f`` (the forward) and ``df`` (the
derivative) side by side, the formula in a comment above ``df``.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> class Cube(Unary):
...     def f(self, xp, x):
...         return x ** 3
...     # d(x³)/dx = 3x²
...     def df(self, xp, x, y):
...         return 3 * x * x
>>> x = Tensor(np.array([2.0]), requires_grad=True)
>>> Cube.apply(x).backward()
>>> x.grad
array([12.])
"""

from __future__ import annotations

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from .arguments import data
from .math import _same_dtype, unbroadcast


class Unary(Function):
    """y = f(x) elementwise; dL/dx = g·f'(x) (``df`` sees x and y)."""

    def forward(self, x):
        self.x = x
        self.y = self.f(get_array_module(x), x)
        return self.y

    def backward(self, g):
        return g * self.df(get_array_module(g), self.x, self.y)


class Binary(Function):
    """y = f(a, b) elementwise with broadcasting; ``da``/``db`` are ∂f/∂a and ∂f/∂b, summed
    back to each input's shape."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = self.f(get_array_module(a, b), a, b)
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        need = self.needs_input_grad or (True, True)
        ga = unbroadcast(g * self.da(xp, self.a, self.b, self.y), self.a.shape) \
            if need[0] else None
        gb = unbroadcast(g * self.db(xp, self.a, self.b, self.y), self.b.shape) \
            if need[1] else None
        return ga, gb


def floats(a, b):
    """Two operands as Tensors of one float dtype (Python numbers adopt the other's)."""
    from .arguments import floating

    a, b = _same_dtype(floating(a), floating(b))
    return a, b


def constant(fn, *args) -> Tensor:
    """``fn(xp, *arrays)`` on the arrays inside ``args``, as a constant Tensor."""
    arrays = [data(as_tensor(a)) for a in args]
    return Tensor(get_array_module(*arrays).asarray(fn(get_array_module(*arrays), *arrays)))
