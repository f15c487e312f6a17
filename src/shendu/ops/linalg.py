"""Products of ``keras.ops``: ``einsum`` (one op for any subscripts, with its backward) and
``dot`` (NumPy's ``dot`` rules: a matmul where it is one, an einsum otherwise).

The gradient of an einsum operand is itself an einsum: the output gradient contracted with
the other operands back to that operand's subscripts. A letter that only that operand has
(summed away) is broadcast back; a repeated letter (a diagonal, ``"ii->i"``) writes the
gradient onto the diagonal; a size-1 axis that broadcast is summed back.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
>>> ops.einsum("ij,ij->i", a, a).data
array([ 5., 50.])
>>> ops.einsum("ij->", a).backward()
>>> a.grad
array([[1., 1., 1.],
       [1., 1., 1.]])
>>> ops.dot(np.ones((2, 3)), np.ones(3)).data
array([3., 3.])
"""

from __future__ import annotations

import string

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .math import multiply
from .shape import matmul


def _unique(letters: str) -> str:
    """Letters in order of first appearance, each once."""
    return "".join(dict.fromkeys(letters))


class Einsum(Function):
    """Settings: ``terms`` (one explicit subscript string per operand, no ellipsis) and
    ``output``."""

    def forward(self, *arrays):
        xp = get_array_module(*arrays)
        self.arrays = arrays
        spec = ",".join(self.terms) + "->" + self.output
        return xp.einsum(spec, *arrays, optimize=len(arrays) > 1)

    def backward(self, g):
        return tuple(self._grad(i, g) if not self.needs_input_grad or self.needs_input_grad[i]
                     else None for i in range(len(self.arrays)))

    def _grad(self, i, g):
        xp = get_array_module(g)
        x, subs = self.arrays[i], self.terms[i]
        others = [j for j in range(len(self.arrays)) if j != i]
        reached = set(self.output).union(*(self.terms[j] for j in others))
        unique = _unique(subs)
        kept = "".join(c for c in unique if c in reached)
        # dL/dX[kept] = einsum(G, the other operands → kept)
        spec = ",".join([self.output] + [self.terms[j] for j in others]) + "->" + kept
        gk = xp.einsum(spec, g, *[self.arrays[j] for j in others],
                       optimize=len(others) > 0)
        sizes = {c: n for c, n in zip(subs, x.shape)}
        # a letter summed away inside this operand alone: d(Σ_c x)/dx_c = 1, broadcast back
        gu = gk.reshape([gk.shape[kept.index(c)] if c in kept else 1 for c in unique])
        gu = xp.broadcast_to(gu, [max(gu.shape[k], sizes[c]) if c in kept else sizes[c]
                                  for k, c in enumerate(unique)])
        # an axis of size 1 that broadcast against the others: its copies' gradients add up
        stretched = tuple(k for k, c in enumerate(unique) if sizes[c] == 1 and gu.shape[k] != 1)
        if stretched:
            gu = gu.sum(axis=stretched, keepdims=True)
        if unique == subs:
            return xp.ascontiguousarray(gu).astype(x.dtype, copy=False)
        # a repeated letter takes a diagonal: the gradient goes back onto it, zeros elsewhere
        gx = xp.zeros(x.shape, dtype=x.dtype)
        xp.einsum(subs + "->" + unique, gx)[...] = gu
        return gx


def _parse(subscripts: str, shapes) -> tuple[list[str], str]:
    """Explicit per-operand subscripts and output (ellipses spelled out as letters)."""
    spec = subscripts.replace(" ", "")
    if spec.count("->") > 1:
        _bad_spec(subscripts, "at most one '->'")
    lhs, arrow, out = spec.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(shapes):
        raise ShapeError(
            f"einsum: subscripts {subscripts!r} name {len(inputs)} operand(s), got "
            f"{len(shapes)}. Hint: one comma-separated term per operand, e.g. 'ij,jk->ik'.")
    allowed = set(string.ascii_letters)
    for term in inputs + ([out] if arrow else []):
        body = term.replace("...", "", 1)
        if not set(body) <= allowed:
            _bad_spec(subscripts, "letters a-z, A-Z and at most one '...' per term")
    spare = [c for c in string.ascii_letters if c not in spec]
    widths = []
    for term, shape in zip(inputs, shapes):
        named = len(term.replace("...", ""))
        if ("..." in term and len(shape) < named) or ("..." not in term and len(shape) != named):
            raise ShapeError(
                f"einsum: term {term!r} of {subscripts!r} names {named} axes, got an operand "
                f"of shape {tuple(shape)}. Hint: one letter per axis ('...' for the rest).")
        widths.append(len(shape) - named if "..." in term else 0)
    ellipsis = "".join(spare[:max(widths, default=0)])
    inputs = [t.replace("...", ellipsis[len(ellipsis) - w:] if w else "") for t, w
              in zip(inputs, widths)]
    if arrow:
        if ellipsis and "..." not in out:
            _bad_spec(subscripts, "'...' in the output when the inputs' '...' stand for axes")
        out = out.replace("...", ellipsis)
    else:  # implicit output: the ellipsis, then the letters used once, alphabetically
        counts = "".join(inputs)
        out = ellipsis + "".join(sorted(c for c in set(counts) if counts.count(c) == 1
                                        and c not in ellipsis))
    if len(set(out)) != len(out) or not set(out) <= set("".join(inputs)):
        _bad_spec(subscripts, "output letters that appear in the inputs, each once")
    sizes: dict[str, int] = {}
    for term, shape in zip(inputs, shapes):
        for c in set(term):
            if term.count(c) > 1 and len({n for t, n in zip(term, shape) if t == c}) > 1:
                raise ShapeError(f"einsum: the repeated letter {c!r} in {term!r} needs axes of "
                                 f"equal length, got shape {tuple(shape)}. Hint: a repeated "
                                 "letter takes a diagonal of a square block.")
        for c, n in zip(term, shape):
            seen = sizes.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                raise ShapeError(
                    f"einsum: axis {c!r} of {subscripts!r} has length {seen} in one operand "
                    f"and {n} in another (shapes {[tuple(s) for s in shapes]}). Hint: axes "
                    "that share a letter must have the same length (or 1).")
            sizes[c] = max(seen, n)
    return inputs, out


def _bad_spec(subscripts, expected):
    raise ArgumentError(f"einsum: subscripts must have {expected}, got {subscripts!r}. "
                        "Hint: e.g. 'bij,bjk->bik' or '...ij,...jk'.")


def einsum(subscripts: str, *operands, **kwargs) -> Tensor:
    """Einstein summation over ``operands`` as NumPy's ``einsum`` (one op, with its gradient).

    ``optimize`` is accepted and ignored (the contraction order is always optimized).
    """
    unknown = set(kwargs) - {"optimize"}
    if unknown:
        raise ArgumentError(f"einsum: unexpected keyword argument(s) {sorted(unknown)}. "
                            "Hint: einsum(subscripts, *operands).")
    if not isinstance(subscripts, str):
        raise ArgumentError(f"einsum: subscripts must be a string, got {subscripts!r}. "
                            "Hint: einsum('ij,jk->ik', a, b).")
    if not operands:
        raise ArgumentError("einsum: expected at least one operand, got none. "
                            "Hint: einsum('ij->ji', x).")
    tensors = [as_tensor(t) for t in operands]
    inputs, out = _parse(subscripts, [t.shape for t in tensors])
    return Einsum.apply(*tensors, terms=inputs, output=out)


def dot(x1, x2) -> Tensor:
    """NumPy's ``dot``: a product of scalars, an inner product of vectors, a matrix product,
    or a sum over x1's last axis and x2's second-to-last axis (its only axis when 1-D)."""
    a, b = as_tensor(x1), as_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    inner = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != inner:
        which = "only" if b.ndim == 1 else "second-to-last"
        raise ShapeError(
            f"dot: x1's last axis ({a.shape[-1]}, shape {a.shape}) must equal x2's {which} "
            f"axis ({inner}, shape {b.shape}). Hint: transpose one operand, or use "
            "ops.einsum to name the axes to contract.")
    if b.ndim <= 2:
        return matmul(a, b)
    letters = string.ascii_letters.replace("z", "")
    left = letters[:a.ndim - 1]
    right = letters[a.ndim - 1:a.ndim + b.ndim - 3]
    last = letters[a.ndim + b.ndim - 3]
    # dot(a, b)[i…, j…, k] = Σ_z a[i…, z] · b[j…, z, k]
    return Einsum.apply(a, b, terms=[left + "z", right + "z" + last],
                        output=left + right + last)
