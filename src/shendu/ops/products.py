"""Products of ``keras.ops`` composed of ``einsum`` (so their gradients are einsums too):
outer, inner, vdot, tensordot and kron.

>>> import numpy as np
>>> from shendu import ops
>>> ops.outer(np.array([1.0, 2.0]), np.array([3.0, 4.0])).data
array([[3., 4.],
       [6., 8.]])
>>> float(ops.vdot(np.ones((2, 2)), np.ones((2, 2))).data)
4.0
"""

from __future__ import annotations

import string

from ..autograd import Tensor, as_tensor
from ..errors import ArgumentError, ShapeError
from .arguments import is_int
from .linalg import einsum
from .math import multiply
from .shape import reshape

_LETTERS = string.ascii_letters


def outer(x1, x2) -> Tensor:
    """``x1[i]·x2[j]`` of the flattened inputs."""
    a, b = reshape(as_tensor(x1), (-1,)), reshape(as_tensor(x2), (-1,))
    return einsum("i,j->ij", a, b)


def inner(x1, x2) -> Tensor:
    """The sum over the last axes: ``Σₖ x1[..., k]·x2[..., k]`` (scalars multiply)."""
    a, b = as_tensor(x1), as_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"inner: the last axes must match, got shapes {a.shape} and "
                         f"{b.shape}. Hint: transpose one operand.")
    left, right = _LETTERS[:a.ndim - 1], _LETTERS[a.ndim - 1:a.ndim + b.ndim - 2]
    return einsum(f"{left}z,{right}z->{left}{right}", a, b)


def vdot(x1, x2) -> Tensor:
    """The dot product of the flattened inputs."""
    a, b = reshape(as_tensor(x1), (-1,)), reshape(as_tensor(x2), (-1,))
    if a.shape != b.shape:
        raise ShapeError(f"vdot: the inputs must hold as many values, got shapes "
                         f"{as_tensor(x1).shape} and {as_tensor(x2).shape}. Hint: reshape.")
    return einsum("i,i->", a, b)


def tensordot(x1, x2, axes=2) -> Tensor:
    """The sum over ``axes``: an int n (x1's last n axes with x2's first n) or two lists of
    axes to pair."""
    a, b = as_tensor(x1), as_tensor(x2)
    if is_int(axes):
        n = int(axes)
        if not 0 <= n <= min(a.ndim, b.ndim):
            raise ArgumentError(f"tensordot: axes must be an int in [0, {min(a.ndim, b.ndim)}] "
                                f"for shapes {a.shape} and {b.shape}, got {axes!r}. Hint: "
                                "axes=1 is a matrix product.")
        pa, pb = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        try:
            pa, pb = ([axes_] if is_int(axes_) else list(axes_) for axes_ in axes)
            pa = [int(i) % a.ndim for i in pa]
            pb = [int(i) % b.ndim for i in pb]
        except (TypeError, ValueError, ZeroDivisionError):
            pa = pb = None
        if pa is None or len(pa) != len(pb):
            raise ArgumentError(f"tensordot: axes must be an int or two lists of as many "
                                f"axes, got {axes!r}. Hint: axes=([1], [0]).")
    if any(a.shape[i] != b.shape[j] for i, j in zip(pa, pb)):
        raise ShapeError(f"tensordot: paired axes must have equal lengths, got shapes "
                         f"{a.shape} and {b.shape} with axes {pa} and {pb}. Hint: check axes.")
    la = list(_LETTERS[:a.ndim])
    lb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(pa, pb):
        lb[j] = la[i]
    out = [c for k, c in enumerate(la) if k not in pa] + [c for k, c in enumerate(lb)
                                                          if k not in pb]
    return einsum("".join(la) + "," + "".join(lb) + "->" + "".join(out), a, b)


def kron(x1, x2) -> Tensor:
    """The Kronecker product: each element of x1 times the whole of x2, in blocks."""
    a, b = as_tensor(x1), as_tensor(x2)
    nd = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = reshape(b, (1,) * (nd - b.ndim) + b.shape)
    la, lb = _LETTERS[:nd], _LETTERS[nd:2 * nd]
    # kron(a, b)[i·m + j] = a[i]·b[j], axis by axis
    y = einsum(f"{la},{lb}->" + "".join(p + q for p, q in zip(la, lb)), a, b)
    return reshape(y, tuple(m * n for m, n in zip(a.shape, b.shape)))
