"""``keras.ops.custom_gradient``: a function whose backward is the one its author wrote.

The decorated ``f(*args)`` returns ``(output, grad_fn)``. Its forward runs without recording
a graph; the output is made by one :class:`CustomGradient` Function whose backward calls
``grad_fn`` with the upstream gradient and hands what it returns to the tensor arguments.
``grad_fn`` may be written ``grad(upstream)`` (TensorFlow / JAX style) or
``grad(*args, upstream=None)`` (Keras's backend-agnostic style): when it takes a parameter
named ``upstream``, the gradient comes by that keyword, else positionally.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> @ops.custom_gradient
... def clip_gradient(x):
...     def grad(upstream):
...         return ops.clip(upstream, -1.0, 1.0)
...     return x * 1.0, grad
>>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
>>> (clip_gradient(x) * 5.0).sum().backward()
>>> x.grad
array([1., 1.])
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from ..autograd import Function, Tensor, no_grad
from ..errors import ArgumentError, ShapeError


class CustomGradient(Function):
    """Settings: ``value`` (the forward's output array), ``grad_fn``, ``by_keyword``,
    ``count`` (the number of positional arguments of f), ``where`` (the positions of the
    Tensor arguments, which are this Function's inputs)."""

    def forward(self, *arrays):
        return self.value

    def backward(self, g):
        upstream = Tensor(g)
        with no_grad():
            grads = (self.grad_fn(upstream=upstream) if self.by_keyword
                     else self.grad_fn(upstream))
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != self.count:
            raise ArgumentError(
                f"custom_gradient: grad_fn must return one gradient per argument of the "
                f"function ({self.count}), got {len(grads)}. Hint: return a tuple, with None "
                "for an argument that needs no gradient.")
        out = []
        for position, t in zip(self.where, self.inputs):
            grad = grads[position]
            if grad is None:
                out.append(None)
                continue
            grad = grad.data if isinstance(grad, Tensor) else grad
            if getattr(grad, "shape", ()) != t.shape:
                raise ShapeError(
                    f"custom_gradient: the gradient for argument {position} must have its "
                    f"shape {t.shape}, got {getattr(grad, 'shape', ())}. Hint: reduce "
                    "broadcast axes, e.g. with ops.sum.")
            out.append(grad.astype(t.dtype, copy=False) if hasattr(grad, "astype") else grad)
        return tuple(out)


def _takes_upstream(grad_fn) -> bool:
    try:
        params = inspect.signature(grad_fn).parameters
    except (TypeError, ValueError):
        return False
    p = params.get("upstream")
    return p is not None and p.kind is not inspect.Parameter.POSITIONAL_ONLY


def custom_gradient(f: Callable) -> Callable:
    """``f`` (returning ``(output, grad_fn)``) as a function that returns ``output`` and whose
    gradient is ``grad_fn(upstream)``: one gradient per positional argument (a single value
    when there is one argument; None for no gradient). The output must be one tensor.

    >>> import numpy as np
    >>> from shendu import ops
    >>> from shendu.autograd import Tensor
    >>> @ops.custom_gradient
    ... def log1pexp(x):
    ...     e = ops.exp(x)
    ...     def grad(*args, upstream=None):
    ...         if upstream is None:
    ...             (upstream,) = args
    ...         return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))
    ...     return ops.log(1 + e), grad
    >>> x = Tensor(np.array([0.0, 100.0]), requires_grad=True)
    >>> log1pexp(x).sum().backward()
    >>> x.grad
    array([0.5, 1. ])
    """
    if not callable(f):
        raise ArgumentError(f"custom_gradient: f must be a callable, got {f!r}. Hint: use it "
                            "as a decorator, @ops.custom_gradient.")

    @functools.wraps(f)
    def with_custom_gradient(*args, **kwargs):
        with no_grad():
            result = f(*args, **kwargs)
        if not isinstance(result, (tuple, list)) or len(result) != 2 or not callable(result[1]):
            raise ArgumentError(f"custom_gradient: the function must return (output, grad_fn), "
                                f"got {result!r}. Hint: return y, grad.")
        output, grad_fn = result
        if isinstance(output, (tuple, list, dict)):
            raise ArgumentError("custom_gradient: shendu supports one output tensor, got a "
                                f"{type(output).__name__}. Hint: concatenate the outputs, or "
                                "write one custom gradient per output.")
        value = output.data if isinstance(output, Tensor) else output
        where = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        return CustomGradient.apply(*[args[i] for i in where], value=value, grad_fn=grad_fn,
                                    by_keyword=_takes_upstream(grad_fn), count=len(args),
                                    where=where)

    return with_custom_gradient


__all__ = ["custom_gradient"]
