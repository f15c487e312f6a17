"""``rearrange``: einops-style axis patterns, as Keras 3's ``keras.ops.rearrange`` — names
and parenthesised groups on each side of ``->``; a group on the left is split (all but one
of its lengths given as keywords), one on the right is merged. It is one reshape, one
transpose and one reshape, so its backward is theirs.

>>> import numpy as np
>>> rearrange(np.ones((32, 30, 40, 3)), "b h w c -> (b h) w c").shape
(960, 40, 3)
>>> rearrange(np.arange(6.0).reshape(1, 6), "b (h w) -> b w h", h=2).data
array([[[0., 3.],
        [1., 4.],
        [2., 5.]]])
"""

from __future__ import annotations

import re
from math import prod

from ..autograd import Tensor, as_tensor
from ..errors import ArgumentError, ShapeError
from .shape import reshape, transpose

_TOKEN = re.compile(r"\(([^()]*)\)|([A-Za-z_]\w*)|(\S)")


def _groups(side: str, pattern: str) -> list[list[str]]:
    groups = []
    for match in _TOKEN.finditer(side):
        inner, name, other = match.groups()
        if other is not None:
            raise ArgumentError(f"rearrange: unexpected {other!r} in pattern {pattern!r}. Hint: "
                                "axis names and parenthesised groups only ('...' and '1' are "
                                "not supported, as in Keras).")
        names = inner.split() if inner is not None else [name]
        if not all(re.fullmatch(r"[A-Za-z_]\w*", n) for n in names):
            raise ArgumentError(f"rearrange: bad group ({inner}) in pattern {pattern!r}. Hint: "
                                "a group holds axis names, e.g. (h w).")
        groups.append(names)
    return groups


def rearrange(tensor, pattern: str, **axes_lengths) -> Tensor:
    """Reorder, split and merge the axes of ``tensor`` as ``pattern`` says."""
    x = as_tensor(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ArgumentError(f"rearrange: pattern must be a string 'left -> right', got "
                            f"{pattern!r}. Hint: e.g. 'b h w c -> b (h w) c'.")
    left, right = (_groups(side, pattern) for side in pattern.split("->"))
    names_left = [n for g in left for n in g]
    names_right = [n for g in right for n in g]
    if len(set(names_left)) != len(names_left) or sorted(names_left) != sorted(names_right):
        raise ArgumentError(f"rearrange: each axis name must appear once on each side of "
                            f"{pattern!r}. Hint: the right side reorders the left's names.")
    if len(left) != x.ndim:
        raise ShapeError(f"rearrange: the left of {pattern!r} names {len(left)} axes, the tensor "
                         f"has shape {x.shape}. Hint: one name or group per axis.")
    lengths: dict[str, int] = {}
    for group, dim in zip(left, x.shape):
        unknown = [n for n in group if n not in axes_lengths]
        known = prod(int(axes_lengths[n]) for n in group if n in axes_lengths)
        if len(unknown) > 1 or (unknown and dim % known) or (not unknown and known != dim):
            raise ShapeError(f"rearrange: cannot split an axis of {dim} into {group} with "
                             f"lengths {axes_lengths}. Hint: give all but one length of a "
                             "group as keywords.")
        for n in group:
            lengths[n] = int(axes_lengths[n]) if n in axes_lengths else dim // known
    y = reshape(x, tuple(lengths[n] for n in names_left))
    order = tuple(names_left.index(n) for n in names_right)
    if order != tuple(range(len(order))):
        y = transpose(y, order)
    return reshape(y, tuple(prod(lengths[n] for n in g) for g in right))
