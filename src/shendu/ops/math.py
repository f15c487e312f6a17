"""Elementwise arithmetic and functions, each forward followed by its backward.

Binary ops broadcast like NumPy; their backward sums the gradient back to each input's shape
(:func:`unbroadcast`).

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu import ops
>>> x = Tensor(np.array([1.0, 4.0]), requires_grad=True)
>>> ops.sqrt(x).sum().backward()
>>> x.grad
array([0.5 , 0.25])
"""

from __future__ import annotations

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _is_weak(x) -> int:
    """How readily x adopts the other operand's dtype, as NumPy 2's scalars do: 2 for a Python
    number, 1 for a 0-d constant, 0 otherwise (a Tensor in the graph is never replaced)."""
    if isinstance(x, Tensor):
        return int(x.ndim == 0 and not x.requires_grad)
    if isinstance(x, (int, float)):
        return 2
    return int(getattr(x, "ndim", None) == 0)


def _cast_weak(t, dtype):
    """``t`` in ``dtype`` when that loses nothing: into a float dtype, or int into int."""
    if t.data.dtype == dtype or not (
        dtype.kind == "f" or (dtype.kind in "iu" and t.data.dtype.kind in "iub")
    ):
        return t
    return as_tensor(t.data.astype(dtype))


def _same_dtype(a, b):
    """Python scalars take the tensor's dtype (as in NumPy 2), so float32 stays float32."""
    a_weak, b_weak = _is_weak(a), _is_weak(b)
    a, b = as_tensor(a), as_tensor(b)
    if a_weak > b_weak:
        a = _cast_weak(a, b.data.dtype)
    elif b_weak > a_weak:
        b = _cast_weak(b, a.data.dtype)
    return a, b


class Add(Function):
    def forward(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        return a + b

    def backward(self, g):
        # d(a+b)/da = 1, d(a+b)/db = 1
        return unbroadcast(g, self.a_shape), unbroadcast(g, self.b_shape)


class Subtract(Function):
    def forward(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        return a - b

    def backward(self, g):
        # d(a-b)/da = 1, d(a-b)/db = -1
        return unbroadcast(g, self.a_shape), unbroadcast(-g, self.b_shape)


class Multiply(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        # d(ab)/da = b, d(ab)/db = a
        ga = unbroadcast(g * self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * self.a, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Divide(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b²
        ga = unbroadcast(g / self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = (
            unbroadcast(-g * self.a / (self.b * self.b), self.b.shape)
            if self.needs_input_grad[1]
            else None
        )
        return ga, gb


class Negative(Function):
    def forward(self, x):
        return -x

    def backward(self, g):
        # d(-x)/dx = -1
        return -g


class Power(Function):
    def forward(self, x, p):
        self.x, self.p = x, p
        self.y = x**p
        return self.y

    def backward(self, g):
        xp = get_array_module(self.x)
        # d(x^p)/dx = p x^(p-1)
        gx = unbroadcast(g * self.p * self.x ** (self.p - 1), self.x.shape)
        gp = None
        if self.needs_input_grad[1]:
            # d(x^p)/dp = x^p ln x
            gp = unbroadcast(g * self.y * xp.log(self.x), self.p.shape)
        return gx, gp


class Exp(Function):
    def forward(self, x):
        self.y = get_array_module(x).exp(x)
        return self.y

    def backward(self, g):
        # d(eˣ)/dx = eˣ
        return g * self.y


class Log(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).log(x)

    def backward(self, g):
        # d(ln x)/dx = 1/x
        return g / self.x


class Sqrt(Function):
    def forward(self, x):
        self.y = get_array_module(x).sqrt(x)
        return self.y

    def backward(self, g):
        # d(√x)/dx = 1/(2√x)
        return g / (2 * self.y)


class Square(Function):
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, g):
        # d(x²)/dx = 2x
        return 2 * self.x * g


class Abs(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).abs(x)

    def backward(self, g):
        # d|x|/dx = sign(x)  (0 at 0)
        return g * get_array_module(self.x).sign(self.x)


class Clip(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).clip(x, self.low, self.high)

    def backward(self, g):
        # gradient passes where low <= x <= high
        inside = (self.x >= self.low) & (self.x <= self.high)
        return g * inside


class Maximum(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return get_array_module(a).maximum(a, b)

    def backward(self, g):
        # the larger input takes the gradient; ties split it evenly
        a_wins = (self.a > self.b) + 0.5 * (self.a == self.b)
        ga = unbroadcast(g * a_wins, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - a_wins), self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Minimum(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return get_array_module(a).minimum(a, b)

    def backward(self, g):
        # the smaller input takes the gradient; ties split it evenly
        a_wins = (self.a < self.b) + 0.5 * (self.a == self.b)
        ga = unbroadcast(g * a_wins, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - a_wins), self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Where(Function):
    def forward(self, condition, a, b):
        self.condition, self.a_shape, self.b_shape = condition, a.shape, b.shape
        return get_array_module(a).where(condition, a, b)

    def backward(self, g):
        # the gradient follows whichever input was chosen
        zero = g.dtype.type(0)
        xp = get_array_module(g)
        ga = unbroadcast(xp.where(self.condition, g, zero), self.a_shape)
        gb = unbroadcast(xp.where(self.condition, zero, g), self.b_shape)
        return None, ga, gb


def add(x1, x2):
    """x1 + x2 with broadcasting."""
    return Add.apply(*_same_dtype(x1, x2))


def subtract(x1, x2):
    """x1 - x2 with broadcasting."""
    return Subtract.apply(*_same_dtype(x1, x2))


def multiply(x1, x2):
    """x1 * x2 with broadcasting."""
    return Multiply.apply(*_same_dtype(x1, x2))


def divide(x1, x2):
    """x1 / x2 with broadcasting."""
    return Divide.apply(*_same_dtype(x1, x2))


def negative(x):
    """-x."""
    return Negative.apply(x)


def power(x1, x2):
    """x1 ** x2 (x2 a number or a tensor)."""
    return Power.apply(*_same_dtype(x1, x2))


def exp(x):
    """eˣ."""
    return Exp.apply(x)


def log(x):
    """Natural logarithm."""
    return Log.apply(x)


def sqrt(x):
    """Square root."""
    return Sqrt.apply(x)


def square(x):
    """x²."""
    return Square.apply(x)


def abs(x):  # noqa: A001 - the name users expect
    """|x|."""
    return Abs.apply(x)


def clip(x, x_min, x_max):
    """Clamp x to [x_min, x_max]; the gradient is zero outside."""
    return Clip.apply(x, low=x_min, high=x_max)


def maximum(x1, x2):
    """Elementwise max of two tensors (or a tensor and a number)."""
    return Maximum.apply(*_same_dtype(x1, x2))


def minimum(x1, x2):
    """Elementwise min of two tensors (or a tensor and a number)."""
    return Minimum.apply(*_same_dtype(x1, x2))


def where(condition, x1=None, x2=None):
    """Choose x1 where condition holds, else x2; condition is not differentiated. With
    condition alone: the indices where it holds, one array per axis (``ops.nonzero``)."""
    cond = condition.data if hasattr(condition, "creator") else condition
    if x1 is None and x2 is None:
        return tuple(Tensor(i.astype("int32")) for i in get_array_module(cond).nonzero(cond))
    if x1 is None or x2 is None:
        raise ArgumentError("where: give both x1 and x2, or neither (then the indices where "
                            "condition holds come back). Hint: ops.where(c, x, 0.0).")
    x1, x2 = _same_dtype(x1, x2)
    return Where.apply(as_tensor(cond), x1, x2)
