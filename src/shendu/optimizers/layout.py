"""Where each variable's values sit in an optimizer's per-parameter buffers.

The optimizer keeps one buffer per slot for all its variables; variable ``i`` owns
``buffer[offsets[i]:offsets[i + 1]]``. On a model's flat buffer the same offsets hold, so the
slots line up with the parameters; for loose variables the optimizer swaps its slot attributes
for a variable's views while it runs ``update`` on that variable.

>>> import numpy as np
>>> layout = Layout([np.zeros((2, 3)), np.zeros(4)])
>>> layout.size, layout.slice(1)
(10, slice(6, 10, None))
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np


def _array(variable):
    return variable if isinstance(variable, np.ndarray) else variable.data


class Layout:
    """Offsets and shapes of ``variables`` (Variables, Tensors or arrays) in one flat buffer."""

    def __init__(self, variables):
        self.variables = list(variables)
        self.shapes = [tuple(_array(v).shape) for v in self.variables]
        sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.offsets = [0]
        for n in sizes:
            self.offsets.append(self.offsets[-1] + n)
        self.size = self.offsets[-1]
        self.index = {id(v): i for i, v in enumerate(self.variables)}

    def same_as(self, other: Layout) -> bool:
        """Same variables, same order, same shapes."""
        return [id(v) for v in self.variables] == [id(v) for v in other.variables] and (
            self.shapes == other.shapes)

    def all(self) -> range:
        return range(len(self.variables))

    def slice(self, i: int) -> slice:
        return slice(self.offsets[i], self.offsets[i + 1])

    def params(self, i: int):
        """Variable ``i``'s values (updated in place)."""
        return _array(self.variables[i])

    def slot_view(self, buffer, i: int):
        """Variable ``i``'s part of a flat per-parameter buffer, in the variable's shape."""
        return buffer[self.slice(i)].reshape(self.shapes[i])

    grad_view = slot_view

    def spans(self, keep) -> list[slice]:
        """Contiguous slices covering the variables for which ``keep(variable)`` is true."""
        spans: list[slice] = []
        for i, v in enumerate(self.variables):
            if not keep(v):
                continue
            s = self.slice(i)
            if spans and spans[-1].stop == s.start:
                spans[-1] = slice(spans[-1].start, s.stop)
            else:
                spans.append(s)
        return spans

    @contextmanager
    def views(self, optimizer, i: int):
        """Point ``optimizer``'s slot and scratch attributes at variable ``i``'s views."""
        names = optimizer._slot_names + optimizer._scratch_names
        full = {name: getattr(optimizer, name) for name in names}
        try:
            for name, buffer in full.items():
                setattr(optimizer, name, self.slot_view(buffer, i))
            yield
        finally:
            for name, buffer in full.items():
                setattr(optimizer, name, buffer)
