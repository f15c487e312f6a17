"""Control flow of ``keras.ops``: switch, map, scan, associative_scan, fori_loop, while_loop and
vectorized_map. shendu runs eagerly, so each is a Python loop over ordinary ops: the graph of
every step is recorded and gradients flow back through all of them, with no backward of their
own. Loop values may be nested structures (lists, tuples, dicts) of tensors.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> xs = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
>>> carry, ys = ops.scan(lambda c, x: (c * x, c + x), np.float64(1.0), xs)
>>> float(carry), ys.data
(6.0, array([2., 3., 5.]))
>>> carry.backward()
>>> xs.grad
array([6., 3., 2.])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..errors import ArgumentError, ShapeError
from .arguments import check_one_axis, is_int
from .nested import flatten, map_leaves, pack_as, same_structure, to_tensor
from .shape import concatenate, getitem, reshape, stack


def _check_callable(op: str, name: str, fn) -> None:
    if not callable(fn):
        raise ArgumentError(f"{op}: {name} must be a callable, got {fn!r}. Hint: pass a "
                            "function or a lambda.")


def _stack_steps(op: str, steps: list):
    """The outputs of every step (each a structure of tensors) stacked leaf by leaf on a new
    leading axis."""
    first = steps[0]
    leaves = [flatten(step) for step in steps]
    for i, step in enumerate(steps):
        if not same_structure(step, first):
            raise ArgumentError(f"{op}: every step must return the same structure; step 0 "
                                f"gave {first!r} and step {i} gave {step!r}. Hint: return "
                                "the same nesting of tensors from every call.")
    stacked = []
    for j in range(len(leaves[0])):
        parts = [to_tensor(row[j]) for row in leaves]
        shapes = {p.shape for p in parts}
        if len(shapes) != 1:
            raise ShapeError(f"{op}: the outputs of the steps must share one shape to be "
                             f"stacked, got shapes {sorted(shapes)}. Hint: pad or reshape "
                             "inside the function so every step returns the same shape.")
        stacked.append(stack(parts, axis=0))
    return pack_as(first, stacked)


def _leading_length(op: str, xs) -> int:
    leaves = [to_tensor(x) for x in flatten(xs)]
    if not leaves or any(t.ndim == 0 for t in leaves):
        raise ShapeError(f"{op}: xs must hold tensors with a leading axis to loop over, got "
                         f"{xs!r}. Hint: a scalar has no steps; use ops.expand_dims.")
    lengths = {t.shape[0] for t in leaves}
    if len(lengths) != 1:
        raise ShapeError(f"{op}: the tensors of xs must share their leading axis, got lengths "
                         f"{sorted(lengths)}. Hint: every leaf of xs is sliced at the same step.")
    return lengths.pop()


def switch(index, branches: Sequence[Callable], *operands) -> Any:
    """``branches[index](*operands)``; ``index`` is clamped into ``[0, len(branches) - 1]``.

    >>> from shendu import ops
    >>> ops.switch(1, [lambda x: x + 1, lambda x: x * 10], 2.0)
    20.0
    >>> ops.switch(7, [lambda x: x + 1, lambda x: x * 10], 2.0)
    20.0
    """
    if not isinstance(branches, (list, tuple)) or not branches:
        raise ArgumentError(f"switch: branches must be a non-empty list of callables, got "
                            f"{branches!r}. Hint: switch(i, [f0, f1], x).")
    for i, branch in enumerate(branches):
        _check_callable("switch", f"branches[{i}]", branch)
    value = index.data if isinstance(index, Tensor) else index
    if getattr(value, "size", 1) != 1 or not (is_int(value) or is_int(np.asarray(value).item())):
        raise ArgumentError(f"switch: index must be one integer, got {index!r}. Hint: e.g. "
                            "ops.cast(i, 'int32') for a one-value tensor.")
    position = min(max(int(np.asarray(value).item()), 0), len(branches) - 1)
    return branches[position](*operands)


def map(f: Callable, xs) -> Any:  # noqa: A001 - Keras's name
    """``f`` applied to each slice of ``xs`` along its leading axis, the results stacked
    (``xs`` and the results may be nested structures).

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.map(lambda x: x * x, np.arange(4.0)).data
    array([0., 1., 4., 9.])
    """
    _check_callable("map", "f", f)
    n = _leading_length("map", xs)
    if n == 0:
        raise ShapeError("map: xs has no steps (a leading axis of length 0). Hint: the output "
                         "shape is only known from a call of f; give at least one element.")
    tensors = map_leaves(to_tensor, xs)
    return _stack_steps("map", [f(map_leaves(lambda t, i=i: getitem(t, i), tensors))
                                for i in range(n)])


def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the slices ``x`` of ``xs`` (or ``length`` times
    with ``x = None``); return the last carry and the stacked ``y`` values. ``reverse`` walks
    the slices from the end (the stacked outputs keep ``xs``'s order); ``unroll`` is accepted
    for Keras's sake (shendu runs every step eagerly). A ``y`` of None stacks zeros like the
    carry.

    >>> import numpy as np
    >>> from shendu import ops
    >>> carry, ys = ops.scan(lambda c, x: (c + x, c + x), np.float64(0.0), np.arange(1.0, 5.0))
    >>> float(carry), ys.data
    (10.0, array([ 1.,  3.,  6., 10.]))
    """
    _check_callable("scan", "f", f)
    if not isinstance(unroll, bool) and not (is_int(unroll) and unroll >= 1):
        raise ArgumentError(f"scan: unroll must be a positive int or a bool, got {unroll!r}. "
                            "Hint: leave unroll=1.")
    if xs is None and length is None:
        raise ArgumentError("scan: give xs to scan over or the number of steps, got neither. "
                            "Hint: scan(f, init, length=10) runs f(carry, None) ten times.")
    if xs is None:
        n, tensors = _length("scan", length), None
    else:
        n, tensors = _leading_length("scan", xs), map_leaves(to_tensor, xs)
        if length is not None and _length("scan", length) != n:
            raise ShapeError(f"scan: length={length} does not match xs's leading axis ({n}). "
                             "Hint: leave length=None when xs is given.")
    carry = map_leaves(to_tensor, init)
    ys: list = []
    for i in (reversed(range(n)) if reverse else range(n)):
        x = None if tensors is None else map_leaves(lambda t, i=i: getitem(t, i), tensors)
        result = f(carry, x)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise ArgumentError(f"scan: f must return a pair (new_carry, y), got {result!r}. "
                                "Hint: return carry, y (y may be None).")
        new_carry, y = result
        _check_carry("scan", carry, new_carry)
        carry = map_leaves(to_tensor, new_carry)
        ys.append(map_leaves(lambda c: Tensor(np.zeros_like(c.data)), carry) if y is None
                  else y)
    if not ys:
        return carry, None
    if reverse:
        ys.reverse()
    return carry, _stack_steps("scan", ys)


def _length(op: str, length) -> int:
    if not is_int(length) or int(length) < 0:
        raise ArgumentError(f"{op}: length must be an int >= 0, got {length!r}. Hint: the "
                            "number of steps, e.g. length=10.")
    return int(length)


def _check_carry(op: str, old, new) -> None:
    """The carry keeps its structure and its shapes from step to step, as Keras requires."""
    if not same_structure(old, new):
        raise ArgumentError(f"{op}: the carry must keep its structure, got {old!r} then "
                            f"{new!r}. Hint: return the carry nested as init is.")
    for a, b in zip(flatten(old), flatten(new)):
        shape_b = to_tensor(b).shape
        if a.shape != shape_b:
            raise ShapeError(f"{op}: a carried value changed shape from {a.shape} to "
                             f"{shape_b}. Hint: the carry must keep a fixed shape.")


def associative_scan(f: Callable, elems, reverse: bool = False, axis: int = 0) -> Any:
    """Every prefix combination ``[a, f(a, b), f(f(a, b), c), ...]`` along ``axis`` for an
    associative ``f`` (applied elementwise to whole slices), in O(log n) calls of ``f`` (the
    parallel scan of Blelloch, 1990). ``elems`` may be a nested structure of tensors.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.associative_scan(lambda a, b: a + b, np.arange(5.0)).data
    array([ 0.,  1.,  3.,  6., 10.])
    """
    _check_callable("associative_scan", "f", f)
    leaves = [to_tensor(e) for e in flatten(elems)]
    if not leaves or any(t.ndim == 0 for t in leaves):
        raise ShapeError(f"associative_scan: elems must hold tensors with at least one axis, "
                         f"got {elems!r}. Hint: a scalar has nothing to scan.")
    axis = check_one_axis("associative_scan", axis, leaves[0].ndim)
    lengths = {t.shape[axis] if t.ndim > axis else None for t in leaves}
    if len(lengths) != 1 or None in lengths:
        raise ShapeError(f"associative_scan: every tensor of elems needs axis {axis} of one "
                         f"length, got shapes {[t.shape for t in leaves]}. Hint: scan "
                         "tensors of the same length.")
    if reverse:
        leaves = [_flip(t, axis) for t in leaves]

    def combine(a: list, b: list) -> list:
        out = flatten(f(pack_as(elems, a), pack_as(elems, b)))
        if len(out) != len(a):
            raise ArgumentError(f"associative_scan: f must return the structure of elems "
                                f"({len(a)} tensors), got {len(out)}. Hint: f(a, b) returns "
                                "what a and b are.")
        return [to_tensor(t) for t in out]

    def cut(t: Tensor, start, stop, step=1) -> Tensor:
        return getitem(t, (slice(None),) * axis + (slice(start, stop, step),))

    def prefix(parts: list) -> list:
        n = parts[0].shape[axis]
        if n < 2:
            return parts
        # combine neighbours pairwise, scan the half-length result: the odd positions
        odd = prefix(combine([cut(t, 0, n - 1, 2) for t in parts],
                             [cut(t, 1, None, 2) for t in parts]))
        # each even position (after the first) is the odd prefix before it with itself
        if n % 2 == 0:
            even = combine([cut(t, 0, -1) for t in odd], [cut(t, 2, None, 2) for t in parts])
        else:
            even = combine(odd, [cut(t, 2, None, 2) for t in parts])
        even = [concatenate([cut(t, 0, 1), e], axis=axis) for t, e in zip(parts, even)]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    scanned = prefix(leaves)
    if reverse:
        scanned = [_flip(t, axis) for t in scanned]
    return pack_as(elems, scanned)


def _flip(t: Tensor, axis: int) -> Tensor:
    return getitem(t, (slice(None),) * axis + (slice(None, None, -1),))


def _interleave(even: Tensor, odd: Tensor, axis: int) -> Tensor:
    """even[0], odd[0], even[1], odd[1], ... along ``axis`` (even may be one longer)."""
    n = odd.shape[axis]
    pairs = getitem(even, (slice(None),) * axis + (slice(0, n),))
    woven = stack([pairs, odd], axis=axis + 1)
    shape = list(odd.shape)
    shape[axis] = 2 * n
    woven = reshape(woven, shape)
    if even.shape[axis] > n:
        woven = concatenate([woven, getitem(even, (slice(None),) * axis + (slice(n, None),))],
                            axis=axis)
    return woven


def fori_loop(lower, upper, body_fun: Callable, init_val) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``, starting from
    ``init_val``; the last ``val`` comes back.

    >>> from shendu import ops
    >>> ops.fori_loop(0, 5, lambda i, total: total + i, 0.0)
    10.0
    """
    _check_callable("fori_loop", "body_fun", body_fun)
    bounds = []
    for name, value in (("lower", lower), ("upper", upper)):
        raw = value.data if isinstance(value, Tensor) else value
        if getattr(raw, "size", 1) != 1 or not is_int(np.asarray(raw).item()):
            raise ArgumentError(f"fori_loop: {name} must be one integer, got {value!r}. Hint: "
                                "fori_loop(0, n, body_fun, init_val).")
        bounds.append(int(np.asarray(raw).item()))
    val = init_val
    for i in range(*bounds):
        val = body_fun(i, val)
    return val


def while_loop(cond: Callable, body: Callable, loop_vars, maximum_iterations=None) -> Any:
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds (a tuple or list of
    loop variables is passed as separate arguments) and fewer than ``maximum_iterations``
    steps have run; the last loop variables come back, as tensors.

    >>> from shendu import ops
    >>> x, y = ops.while_loop(lambda x, y: x < 10, lambda x, y: (x + 1, y * 2), (0, 1))
    >>> int(x), int(y)
    (10, 1024)
    """
    _check_callable("while_loop", "cond", cond)
    _check_callable("while_loop", "body", body)
    if maximum_iterations is not None and not (is_int(maximum_iterations)
                                               and maximum_iterations >= 0):
        raise ArgumentError(f"while_loop: maximum_iterations must be None or an int >= 0, got "
                            f"{maximum_iterations!r}. Hint: e.g. maximum_iterations=100.")
    several = isinstance(loop_vars, (tuple, list))
    values = tuple(map_leaves(to_tensor, v) for v in (loop_vars if several else (loop_vars,)))
    steps = 0
    while maximum_iterations is None or steps < maximum_iterations:
        go = cond(*values)
        raw = go.data if isinstance(go, Tensor) else go
        if getattr(raw, "size", 1) != 1:
            raise ArgumentError(f"while_loop: cond must return one boolean, got "
                                f"{getattr(raw, 'size', '?')} values. Hint: reduce it, e.g. "
                                "ops.all(...).")
        if not bool(raw):
            break
        new = body(*values)
        new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
        if len(new) != len(values):
            raise ArgumentError(f"while_loop: body must return {len(values)} loop "
                                f"variable(s), got {len(new)}. Hint: return as many values "
                                "as loop_vars holds.")
        values = tuple(map_leaves(to_tensor, v) for v in new)
        steps += 1
    if not several:
        return values[0]
    return list(values) if isinstance(loop_vars, list) else values


def vectorized_map(function: Callable, elements) -> Any:
    """``function`` on each slice of ``elements`` along axis 0, the results stacked; when
    ``elements`` is a list or tuple of tensors, ``function`` gets one list of their slices.

    >>> import numpy as np
    >>> from shendu import ops
    >>> ops.vectorized_map(lambda row: row.sum(), np.ones((3, 2))).data
    array([2., 2., 2.])
    """
    _check_callable("vectorized_map", "function", function)
    if not isinstance(elements, (list, tuple)):
        t = to_tensor(elements)
        n = _leading_length("vectorized_map", t)
        slices = [getitem(t, i) for i in range(n)]
    else:
        tensors = [to_tensor(e) for e in elements]
        n = _leading_length("vectorized_map", tensors)
        slices = [[getitem(t, i) for t in tensors] for i in range(n)]
    if n == 0:
        raise ShapeError("vectorized_map: elements has no rows (a leading axis of length 0). "
                         "Hint: the output shape is only known from a call of function.")
    return _stack_steps("vectorized_map", [function(s) for s in slices])


__all__ = ["associative_scan", "fori_loop", "map", "scan", "switch", "vectorized_map",
           "while_loop"]
