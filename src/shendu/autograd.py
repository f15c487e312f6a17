"""Reverse-mode automatic differentiation: ``Tensor``, ``Function``, ``backward()``, ``no_grad()``.

A :class:`Tensor` wraps an array (``data``), may hold a gradient (``grad``) and remembers the
:class:`Function` that made it. ``loss.backward()`` walks that record in reverse topological
order and calls each function's ``backward`` once, adding gradients into the leaves' ``.grad``.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
array([2., 4., 6.])
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np

from .backend import get_array_module

_grad_enabled = True


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad`."""
    return _grad_enabled


@contextlib.contextmanager
def no_grad():
    """Run ops without recording them: for inference and weight updates."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


class Tensor:
    """An array with a gradient and a record of the op that made it.

    Python operators (``+ - * / @ **``, unary ``-``, indexing, ``.T``) and the methods
    ``sum mean max reshape transpose exp log`` are ops, so code written with them is
    differentiable without writing a backward.

    >>> import numpy as np
    >>> a = Tensor(np.ones((2, 3)), requires_grad=True)
    >>> (a @ Tensor(np.ones((3, 1)))).shape
    (2, 1)
    """

    __slots__ = ("data", "grad", "requires_grad", "creator", "name", "logits", "__weakref__")
    __array_priority__ = 100  # make ``ndarray * Tensor`` call Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, name: str | None = None):
        if isinstance(data, Tensor):
            data = data.data
        xp = get_array_module(data)
        if not hasattr(data, "dtype"):
            data = xp.asarray(data)
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self.creator: Function | None = None
        self.name = name
        # When this tensor is sigmoid(z) or softmax(z), ``logits`` is z: losses use it to
        # compute cross-entropy stably with the fused ``p - y`` backward (as Keras does).
        self.logits: Tensor | None = None

    # -- array-like facts ------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (copied from the GPU when needed)."""
        from .backend import to_numpy

        return to_numpy(self.data)

    def item(self) -> float:
        return self.data.item()

    def detach(self) -> Tensor:
        """The same data, cut off from the graph."""
        return Tensor(self.data)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.data, dtype=dtype)

    def __float__(self) -> float:  # float(loss) on a one-value Tensor, as with Keras tensors
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __bool__(self) -> bool:  # a one-value Tensor's truth; NumPy's error for several values
        return bool(self.data)

    # -- comparisons: elementwise, without a gradient, as with Keras tensors (shendu.ops.compare)
    __hash__ = object.__hash__  # identity, as before comparisons were defined

    def __eq__(self, other):
        return _ops().equal(self, other)

    def __ne__(self, other):
        return _ops().not_equal(self, other)

    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({self.data!r}{grad})"

    # -- backpropagation -------------------------------------------------------------------
    def backward(self, grad=None) -> None:
        """Backpropagate from this tensor; leaves that require grad accumulate into ``.grad``.

        ``grad`` defaults to ones (so a scalar loss needs none). The graph is freed afterwards.
        """
        if grad is None:
            grad = get_array_module(self.data).ones_like(self.data)
        elif isinstance(grad, Tensor):
            grad = grad.data
        grads: dict[int, object] = {id(self): grad}
        for node in _reverse_topological_order(self):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            fn = node.creator
            if fn is None:  # a leaf
                if node.requires_grad:
                    if node.grad is None:
                        node.grad = g.copy()  # g may be shared with another branch
                    else:
                        node.grad += g
                continue
            input_grads = fn.backward(g)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for parent, pg in zip(fn.inputs, input_grads):
                if pg is None or not parent.requires_grad:
                    continue
                key = id(parent)
                if key in grads:
                    grads[key] = grads[key] + pg
                else:
                    grads[key] = pg
            node.creator = None  # free the graph as we go: saved arrays are released
            fn.inputs = ()

    # -- operators (implemented in shendu.ops) --------------------------------------------
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __truediv__(self, other):
        return _ops().divide(self, other)

    def __rtruediv__(self, other):
        return _ops().divide(other, self)

    def __pow__(self, exponent):
        return _ops().power(self, exponent)

    def __neg__(self):
        return _ops().negative(self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __getitem__(self, index):
        return _ops().getitem(self, index)

    @property
    def T(self):
        return _ops().transpose(self)

    def sum(self, axis=None, keepdims=False):
        return _ops().sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops().mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _ops().max(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops().reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops().transpose(self, axes or None)

    def exp(self):
        return _ops().exp(self)

    def log(self):
        return _ops().log(self)


def _ops():
    from . import ops

    return ops


def _reverse_topological_order(root: Tensor) -> list[Tensor]:
    """Nodes reachable from ``root``, each after every node that consumes it."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if node.creator is not None:
            for parent in node.creator.inputs:
                if id(parent) not in visited and parent.requires_grad:
                    stack.append((parent, False))
    order.reverse()
    return order


def as_tensor(value, dtype=None) -> Tensor:
    """Wrap an array or number as a constant Tensor (a Tensor passes through)."""
    if isinstance(value, Tensor):
        return value
    xp = get_array_module(value)
    return Tensor(xp.asarray(value, dtype=dtype))


class Function:
    """One differentiable operation: ``forward`` on arrays, then ``backward`` beside it.

    ``forward(*arrays)`` returns one array and keeps on ``self`` what backward needs;
    ``backward(grad_output)`` returns one gradient per input (None where not needed).
    Non-array settings (axis, activation name...) are keyword arguments of ``apply``.

    >>> import numpy as np
    >>> class Square(Function):
    ...     def forward(self, x):
    ...         self.x = x
    ...         return x * x
    ...     def backward(self, gy):
    ...         # d(x²)/dx = 2x
    ...         return 2 * self.x * gy
    >>> y = Square.apply(Tensor(np.array([3.0]), requires_grad=True))
    >>> y.data
    array([9.])
    """

    inputs: Sequence[Tensor] = ()

    def __init__(self, **settings):
        if "inputs" in settings:  # apply() keeps the graph's inputs under that name
            raise TypeError(f"{type(self).__name__}: a setting may not be named 'inputs'; "
                            "apply() keeps the Tensors of the graph there. Hint: rename the "
                            "setting.")
        for key, value in settings.items():
            setattr(self, key, value)

    def forward(self, *arrays):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, grad_output):  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **settings) -> Tensor:
        tensors = [x if isinstance(x, Tensor) else as_tensor(x) for x in inputs]
        fn = cls(**settings)
        needs_grad = _grad_enabled and any(t.requires_grad for t in tensors)
        fn.needs_input_grad = tuple(t.requires_grad for t in tensors) if needs_grad else ()
        out = Tensor(fn.forward(*[t.data for t in tensors]), requires_grad=needs_grad)
        if needs_grad:
            fn.inputs = tensors
            out.creator = fn
        return out
