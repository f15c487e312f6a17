"""Ops of ``keras.ops`` that move, copy or cut values without arithmetic: flip, moveaxis,
swapaxes, tile, repeat, pad, split, unstack, tril and triu, each with its backward (the
gradient goes back to where each value came from; copies add up).

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
>>> ops.tile(x, 3).data
array([1., 2., 1., 2., 1., 2.])
>>> ops.pad(x, 1, mode="reflect").sum().backward()
>>> x.grad
array([2., 2.])
>>> [part.data for part in ops.split(np.arange(4.0), 2)]
[array([0., 1.]), array([2., 3.])]
"""

from __future__ import annotations

import builtins

import numpy as np

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_axis, check_count, check_one_axis, data, is_int
from .shape import getitem, reshape, transpose


class Flip(Function):
    def forward(self, x):
        return get_array_module(x).flip(x, self.axes)

    def backward(self, g):
        # a flip moves values: the gradient is flipped back
        return get_array_module(g).flip(g, self.axes)


class Tile(Function):
    """Settings: ``reps`` (one per axis of x, after x gets the leading axes it lacks)."""

    def forward(self, x):
        self.shape = x.shape
        return get_array_module(x).tile(x, self.reps)

    def backward(self, g):
        # copies add up: view g as (r₀, n₀, r₁, n₁, …) and sum over the copies rₖ
        split = []
        for r, n in zip(self.reps, self.shape):
            split += [r, n]
        summed = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return summed.reshape(self.shape)


class Repeat(Function):
    """Settings: ``repeats`` (an int, or one int per element on ``axis``) and ``axis``."""

    def forward(self, x):
        self.shape = x.shape
        return get_array_module(x).repeat(x, self.repeats, axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        a, n = self.axis, self.shape[self.axis]
        if is_int(self.repeats):
            # each element's r copies sit side by side: sum them
            shape = g.shape[:a] + (n, int(self.repeats)) + g.shape[a + 1:]
            return g.reshape(shape).sum(axis=a + 1)
        counts = xp.asarray(self.repeats)
        starts = xp.cumsum(counts) - counts
        gx = xp.zeros(self.shape, dtype=g.dtype)
        some = counts > 0
        if g.shape[a]:
            # the sum of each element's run of copies (reduceat over the non-empty runs)
            runs = xp.add.reduceat(g, starts[some], axis=a)
            index = [builtins.slice(None)] * g.ndim
            index[a] = some
            gx[tuple(index)] = runs
        return gx


class Pad(Function):
    """Settings: ``widths`` ((before, after) per axis), ``mode``, ``value``."""

    def forward(self, x):
        xp = get_array_module(x)
        self.shape = x.shape
        if self.mode == "constant":
            return xp.pad(x, self.widths, mode="constant", constant_values=self.value)
        # the source of each output element, read by padding the element numbers alike
        self.source = xp.pad(xp.arange(x.size).reshape(x.shape), self.widths, mode=self.mode)
        return x.reshape(-1)[self.source]

    def backward(self, g):
        xp = get_array_module(g)
        if self.mode == "constant":
            # the padding is constant: the gradient is the inner block
            return g[tuple(builtins.slice(b, b + n) for (b, _), n in zip(self.widths, self.shape))]
        # every copy of an element adds its gradient to it
        total = xp.bincount(self.source.ravel(), weights=g.ravel(),
                            minlength=int(xp.prod(self.shape, dtype=xp.int64)))
        return total.astype(g.dtype, copy=False).reshape(self.shape)


class Band(Function):
    """tril (``upper`` False) or triu of the last two axes, from diagonal ``k``."""

    def forward(self, x):
        xp = get_array_module(x)
        return xp.triu(x, self.k) if self.upper else xp.tril(x, self.k)

    def backward(self, g):
        xp = get_array_module(g)
        # the kept triangle passes its gradient, the zeroed one none
        return xp.triu(g, self.k) if self.upper else xp.tril(g, self.k)


def flip(x, axis=None) -> Tensor:
    """Reverse the order of elements along ``axis`` (an int, a tuple, or None for all)."""
    x = as_tensor(x)
    return Flip.apply(x, axes=check_axis("flip", axis, x.ndim))


def moveaxis(x, source, destination) -> Tensor:
    """Move the axes ``source`` to the positions ``destination`` (ints or tuples)."""
    x = as_tensor(x)
    src = check_axis("moveaxis", source, x.ndim, allow_none=False, name="source")
    dst = check_axis("moveaxis", destination, x.ndim, allow_none=False, name="destination")
    if len(src) != len(dst):
        raise ArgumentError(
            f"moveaxis: source and destination must name as many axes, got {source!r} and "
            f"{destination!r}. Hint: moveaxis(x, [0, 1], [-1, -2]).")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    x = as_tensor(x)
    a = check_one_axis("swapaxes", axis1, x.ndim, name="axis1")
    b = check_one_axis("swapaxes", axis2, x.ndim, name="axis2")
    order = list(range(x.ndim))
    order[a], order[b] = b, a
    return transpose(x, order)


def _counts(op, name, value) -> list[int]:
    raw = data(value)
    items = raw.tolist() if hasattr(raw, "tolist") else raw
    items = list(items) if isinstance(items, (list, tuple)) else [items]
    return [check_count(op, name, r) for r in items]


def tile(x, repeats) -> Tensor:
    """Repeat the whole of ``x`` ``repeats`` times along each axis (an int or one per axis;
    x gets leading axes of size 1 when repeats is longer, repeats leading 1s when shorter)."""
    x = as_tensor(x)
    reps = _counts("tile", "repeats", repeats)
    if len(reps) > x.ndim:
        x = reshape(x, (1,) * (len(reps) - x.ndim) + x.shape)
    reps = [1] * (x.ndim - len(reps)) + reps
    return Tile.apply(x, reps=tuple(reps))


def repeat(x, repeats, axis: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (of the flattened x when None);
    repeats is an int or one int per element on that axis."""
    x = as_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    else:
        axis = check_one_axis("repeat", axis, x.ndim)
    counts = _counts("repeat", "repeats", repeats)
    if len(counts) == 1:  # one count for every element
        return Repeat.apply(x, repeats=counts[0], axis=axis)
    if len(counts) != x.shape[axis]:
        raise ShapeError(
            f"repeat: repeats must be an int or hold one count per element on axis {axis} "
            f"({x.shape[axis]}), got {len(counts)} counts. Hint: repeat(x, 2, axis=...).")
    return Repeat.apply(x, repeats=tuple(counts), axis=axis)


_PAD_MODES = {"constant": "constant", "edge": "edge", "reflect": "reflect",
              "symmetric": "symmetric", "wrap": "wrap", "circular": "wrap"}


def pad(x, pad_width, mode: str = "constant", constant_values=None) -> Tensor:
    """Pad ``x``: ``pad_width`` is an int, ``(before, after)`` for every axis, or one pair per
    axis; ``mode`` 'constant' (``constant_values``, default 0), 'edge', 'reflect',
    'symmetric' or 'wrap' ('circular')."""
    x = as_tensor(x)
    if mode not in _PAD_MODES:
        raise ArgumentError(f"pad: mode must be one of {sorted(_PAD_MODES)}, got {mode!r}. "
                            "Hint: mode='constant' pads with constant_values (default 0).")
    if constant_values is not None and mode != "constant":
        raise ArgumentError(f"pad: constant_values is only for mode='constant', got mode="
                            f"{mode!r} and constant_values={constant_values!r}. Hint: leave "
                            "constant_values=None.")
    widths = _pad_widths(pad_width, x.shape)
    value = 0 if constant_values is None else data(constant_values)
    return Pad.apply(x, widths=widths, mode=_PAD_MODES[mode], value=value)


def _pad_widths(pad_width, shape) -> tuple:
    raw = data(pad_width)
    raw = raw.tolist() if hasattr(raw, "tolist") else raw
    try:
        pairs = np.broadcast_to(np.asarray(raw, dtype=object), (len(shape), 2))
        widths = tuple((int(check_count("pad", "pad_width", b)),
                        int(check_count("pad", "pad_width", a))) for b, a in pairs)
    except (ValueError, TypeError):
        widths = None
    if widths is None:
        raise ArgumentError(
            f"pad: pad_width must be an int, a (before, after) pair or one pair per axis "
            f"({len(shape)}) of ints >= 0, got {pad_width!r}. Hint: ((0, 0), (1, 2)).")
    return widths


def split(x, indices_or_sections, axis: int = 0) -> list[Tensor]:
    """Cut ``x`` along ``axis`` into equal sections (an int) or at the given indices."""
    x = as_tensor(x)
    axis = check_one_axis("split", axis, x.ndim)
    n = x.shape[axis]
    raw = data(indices_or_sections)
    if is_int(raw):
        sections = check_count("split", "indices_or_sections", raw, minimum=1)
        if n % sections:
            raise ShapeError(
                f"split: axis {axis} (length {n}) does not divide into {sections} equal "
                f"sections. Hint: pass the cut indices instead, e.g. split(x, [2, 5]).")
        cuts = [n // sections * i for i in range(1, sections)]
    else:
        cuts = _counts("split", "indices_or_sections", raw)
    bounds = [0] + [builtins.min(c, n) for c in cuts] + [n]
    head = (builtins.slice(None),) * axis
    return [getitem(x, head + (builtins.slice(a, builtins.max(a, b)),))
            for a, b in zip(bounds, bounds[1:])]


def unstack(x, num: int | None = None, axis: int = 0) -> list[Tensor]:
    """The slices of ``x`` along ``axis``, that axis removed (``num`` checks their count)."""
    x = as_tensor(x)
    axis = check_one_axis("unstack", axis, x.ndim)
    n = x.shape[axis]
    if num is not None and num != n:
        raise ShapeError(f"unstack: num={num!r} but axis {axis} of shape {x.shape} has {n} "
                         "slices. Hint: leave num=None.")
    head = (builtins.slice(None),) * axis
    return [getitem(x, head + (i,)) for i in range(n)]


def _band(op, x, k, upper):
    x = as_tensor(x)
    if x.ndim < 2 or not is_int(k):
        raise ArgumentError(f"{op}: expected a tensor of at least 2 axes and an int k, got "
                            f"shape {x.shape} and k={k!r}. Hint: {op}(x, k=0) keeps the main "
                            "diagonal.")
    return Band.apply(x, k=int(k), upper=upper)


def tril(x, k: int = 0) -> Tensor:
    """The lower triangle of the last two axes (from diagonal k), zeros above."""
    return _band("tril", x, k, upper=False)


def triu(x, k: int = 0) -> Tensor:
    """The upper triangle of the last two axes (from diagonal k), zeros below."""
    return _band("triu", x, k, upper=True)
