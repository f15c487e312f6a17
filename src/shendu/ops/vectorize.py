"""``keras.ops.vectorize``: a function of scalars (or of small blocks, by a generalized ufunc
signature such as ``"(m,n),(n)->(m)"``) turned into one that broadcasts over the leading axes
of its arguments, as ``numpy.vectorize`` does. shendu calls the function once per element of
the broadcast loop shape and stacks the results, so gradients flow through every call.

>>> import numpy as np
>>> from shendu import ops
>>> ops.vectorize(lambda a, b: a * b + 1)(np.array([1.0, 2.0, 3.0]), 2.0).data
array([3., 5., 7.])
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from ..errors import ArgumentError, ShapeError
from .nested import to_tensor
from .shape import broadcast_to, getitem, reshape, stack

_DIMS = r"\(\s*(?:\w+(?:\s*,\s*\w+)*)?\s*\)"
_SIGNATURE = re.compile(rf"^\s*{_DIMS}(?:\s*,\s*{_DIMS})*\s*->\s*{_DIMS}(?:\s*,\s*{_DIMS})*\s*$")


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """``"(m,n),(n)->(m)"`` as ([('m', 'n'), ('n',)], [('m',)])."""
    if not isinstance(signature, str) or not _SIGNATURE.match(signature):
        raise ArgumentError(f"vectorize: signature must read like '(m,n),(n)->(m)', got "
                            f"{signature!r}. Hint: one parenthesised list of dimension names "
                            "per argument, '->', then one per output; '()' for a scalar.")
    inputs, outputs = signature.split("->")

    def groups(text):
        return [tuple(d.strip() for d in g.split(",") if d.strip())
                for g in re.findall(r"\(([^)]*)\)", text)]

    return groups(inputs), groups(outputs)


def _bind(core: dict, dims: tuple[str, ...], shape: tuple[int, ...], what: str) -> None:
    """Record the size of each core dimension, checking it agrees with earlier ones."""
    for name, size in zip(dims, shape):
        if core.setdefault(name, size) != size:
            raise ShapeError(f"vectorize: core dimension {name!r} is {core[name]} elsewhere but "
                             f"{size} in {what}. Hint: the sizes of a named dimension must "
                             "agree across arguments and outputs.")


def vectorize(pyfunc: Callable, *, excluded=None, signature: str | None = None) -> Callable:
    """``pyfunc`` broadcast over its positional arguments: it is called on each element (or,
    with ``signature``, on each block of core dimensions) of the broadcast leading shape, and
    the results are stacked back into that shape. Positional arguments whose index is in
    ``excluded`` and all keyword arguments go to every call unchanged.

    >>> import numpy as np
    >>> from shendu import ops
    >>> matvec = ops.vectorize(ops.matmul, signature="(m,n),(n)->(m)")
    >>> matvec(np.ones((4, 2, 3)), np.arange(3.0)).shape
    (4, 2)
    """
    if not callable(pyfunc):
        raise ArgumentError(f"vectorize: pyfunc must be a callable, got {pyfunc!r}. Hint: "
                            "vectorize(lambda a, b: a + b).")
    skip = set(excluded or ())
    if any(not isinstance(e, (int, str)) or isinstance(e, bool) for e in skip):
        raise ArgumentError(f"vectorize: excluded must hold argument positions (ints) or "
                            f"names, got {excluded!r}. Hint: excluded={{1}}.")
    in_dims, out_dims = _parse_signature(signature) if signature is not None else (None, None)

    def vectorized(*args, **kwargs):
        moving = [i for i in range(len(args)) if i not in skip]
        dims = in_dims if in_dims is not None else [()] * len(moving)
        if len(dims) != len(moving):
            raise ArgumentError(f"vectorize: the signature {signature!r} names {len(dims)} "
                                f"argument(s), got {len(moving)} to vectorize. Hint: give one "
                                "argument per input of the signature.")
        tensors = [to_tensor(args[i]) for i in moving]
        core: dict = {}
        loop_shapes = []
        for k, (t, d) in enumerate(zip(tensors, dims)):
            if t.ndim < len(d):
                raise ShapeError(f"vectorize: argument {moving[k]} needs at least {len(d)} "
                                 f"axes for core dimensions {d}, got shape {t.shape}. Hint: "
                                 "check the signature.")
            _bind(core, d, t.shape[t.ndim - len(d):], f"argument {moving[k]}")
            loop_shapes.append(t.shape[:t.ndim - len(d)])
        try:
            loop = np.broadcast_shapes(*loop_shapes)
        except ValueError:
            raise ShapeError(f"vectorize: the leading shapes {loop_shapes} do not broadcast. "
                             "Hint: the axes before the core dimensions must be equal or 1.") \
                from None
        if 0 in loop:
            raise ShapeError(f"vectorize: the loop shape {loop} is empty, so the output shape "
                             "is unknown. Hint: call the function on at least one element.")
        wide = [broadcast_to(t, loop + t.shape[t.ndim - len(d):]) if t.shape[:t.ndim - len(d)]
                != loop else t for t, d in zip(tensors, dims)]
        results = []
        for index in np.ndindex(*loop):
            call_args = list(args)
            for i, t in zip(moving, wide):
                call_args[i] = getitem(t, index) if index else t
            out = pyfunc(*call_args, **kwargs)
            results.append(tuple(out) if isinstance(out, (tuple, list)) else (out,))
        several = out_dims is not None and len(out_dims) > 1
        count = len(out_dims) if out_dims is not None else len(results[0])
        outputs = []
        for j in range(count):
            parts = [to_tensor(r[j]) if j < len(r) else None for r in results]
            if any(p is None for p in parts) or any(len(r) != count for r in results):
                raise ArgumentError(f"vectorize: pyfunc must return {count} output(s) on every "
                                    "call. Hint: match the outputs of the signature.")
            if out_dims is not None:
                if parts[0].ndim != len(out_dims[j]):
                    raise ShapeError(f"vectorize: output {j} should have core dimensions "
                                     f"{out_dims[j]}, got shape {parts[0].shape}. Hint: check "
                                     "the signature.")
                _bind(core, out_dims[j], parts[0].shape, f"output {j}")
            shapes = {p.shape for p in parts}
            if len(shapes) != 1:
                raise ShapeError(f"vectorize: output {j} changed shape between calls, got "
                                 f"{sorted(shapes)}. Hint: return the same shape every call.")
            joined = parts[0] if not loop else reshape(stack(parts), loop + parts[0].shape)
            outputs.append(joined)
        if several or (out_dims is None and len(outputs) > 1):
            return tuple(outputs)
        return outputs[0]

    vectorized.__doc__ = pyfunc.__doc__
    vectorized.__name__ = getattr(pyfunc, "__name__", "vectorized")
    return vectorized


__all__ = ["vectorize"]

