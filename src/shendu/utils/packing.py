"""Keras's ``pack_x_y_sample_weight`` and ``unpack_x_y_sample_weight``: the batch forms that
``fit`` reads (``x``, ``(x,)``, ``(x, y)``, ``(x, y, sample_weight)``), built and taken apart.

>>> import numpy as np
>>> x, y = np.ones((4, 2)), np.zeros(4)
>>> unpack_x_y_sample_weight(pack_x_y_sample_weight(x, y))[2] is None
True
"""

from __future__ import annotations

from ..errors import ArgumentError


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The shortest batch that holds the parts given: ``x`` alone (wrapped as ``(x,)`` when
    it is itself a list or tuple of inputs, so it is not read as ``(x, y)``), ``(x, y)`` or
    ``(x, y, sample_weight)``.

    >>> pack_x_y_sample_weight([1, 2]), pack_x_y_sample_weight(1, 2), pack_x_y_sample_weight(1)
    (([1, 2],), (1, 2), 1)
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` of a batch, None for the parts it lacks; a list counts as a
    tuple, anything else is ``x`` alone.

    >>> unpack_x_y_sample_weight((1,)), unpack_x_y_sample_weight([1, 2, 3])
    ((1, None, None), (1, 2, 3))
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if 1 <= len(data) <= 3:
        return tuple(data) + (None,) * (3 - len(data))
    raise ArgumentError(
        f"unpack_x_y_sample_weight: data must be x, (x,), (x, y) or (x, y, sample_weight), "
        f"got a tuple of {len(data)} items. Hint: put several inputs in one list or dict as x."
    )
