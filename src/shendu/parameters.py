"""One flat buffer for all trainable weights of a model, and one for their gradients.

Each weight's ``data`` (and ``grad``) becomes a view into the buffer, so an optimizer updates
every weight with a handful of vectorised calls, distributed training all-reduces one array,
and differential privacy clips one vector.

>>> import numpy as np
>>> from shendu.layers import Variable
>>> a, b = Variable(np.ones((2, 2)), "a"), Variable(np.zeros(3), "b")
>>> flat = FlatParameters([a, b])
>>> flat.data.shape
(7,)
>>> a.data[0, 0] = 5.0
>>> float(flat.data[0])
5.0
"""

from __future__ import annotations

import numpy as np

from .backend import get_array_module
from .errors import DTypeError


class FlatParameters:
    """Packs ``variables`` into ``data`` and gives each a gradient view into ``grad``."""

    def __init__(self, variables):
        self.variables = list(variables)
        dtypes = {v.data.dtype for v in self.variables}
        if len(dtypes) > 1:
            raise DTypeError(
                f"FlatParameters: trainable weights have mixed dtypes {sorted(map(str, dtypes))}. "
                "Hint: build every layer with the same dtype (set_floatx)."
            )
        dtype = dtypes.pop() if dtypes else np.dtype("float32")
        xp = get_array_module(*(v.data for v in self.variables))
        sizes = [v.data.size for v in self.variables]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.data = xp.empty(self.offsets[-1], dtype=dtype)
        self.grad = xp.zeros(self.offsets[-1], dtype=dtype)
        for v, start, end in zip(self.variables, self.offsets[:-1], self.offsets[1:]):
            shape = v.data.shape
            self.data[start:end] = v.data.ravel()
            v.data = self.data[start:end].reshape(shape)
            v.grad = self.grad[start:end].reshape(shape)
        self.key = self.layout_key(self.variables)
        self.constrained = [v for v in self.variables if getattr(v, "constraint", None) is not None]

    @staticmethod
    def layout_key(variables) -> tuple:
        """Identifies the packing: same variables, same order, same shapes."""
        return tuple((id(v), v.data.shape) for v in variables)

    def is_packing(self, variables) -> bool:
        """True when ``variables`` are still exactly the ones packed here, as views."""
        return self.layout_key(variables) == self.key and all(
            v.data.base is self.data or v.data.base is self.data.base for v in variables
        )

    def zero_grad(self) -> None:
        self.grad.fill(0)

    def apply_constraints(self) -> None:
        for v in self.constrained:
            v.data[...] = v.constraint(v.data)

    @property
    def size(self) -> int:
        return int(self.data.size)
