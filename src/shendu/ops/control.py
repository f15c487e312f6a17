"""Graph control of ``keras.ops``: ``stop_gradient`` (the same values, cut off from the graph)
and ``cond`` (run one of two functions; shendu runs eagerly, so this is a plain ``if``).

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([2.0]), requires_grad=True)
>>> y = x * ops.stop_gradient(x)
>>> y.backward()
>>> x.grad
array([2.])
>>> ops.cond(x > 1, lambda: "big", lambda: "small")
'big'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd import Tensor, as_tensor
from ..errors import ArgumentError


def stop_gradient(variable) -> Tensor:
    """``variable``'s values as a Tensor that does not require grad (no gradient flows back)."""
    return Tensor(as_tensor(variable).data)


def cond(pred, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """``true_fn()`` if ``pred`` (a bool or a one-value tensor) holds, else ``false_fn()``."""
    if not callable(true_fn) or not callable(false_fn):
        raise ArgumentError(f"cond: true_fn and false_fn must be callables without arguments, "
                            f"got {true_fn!r} and {false_fn!r}. Hint: cond(p, lambda: a, "
                            "lambda: b).")
    value = pred.data if isinstance(pred, Tensor) else pred
    size = getattr(value, "size", 1)
    if size != 1:
        raise ArgumentError(f"cond: pred must be a single boolean, got {size} values. "
                            "Hint: reduce it first, e.g. ops.all(p) or ops.any(p).")
    return true_fn() if bool(value) else false_fn()
