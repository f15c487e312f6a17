"""Variable: a layer's weight, a Tensor updated in place (its data may be a view into the
model's flat parameter buffer, so values are written, never rebound).

>>> import numpy as np
>>> w = Variable(np.zeros(2), "dense/bias")
>>> w.assign([1.0, 2.0])
>>> w.assign_add(np.ones(2)).data.tolist()
[2.0, 3.0]
"""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..errors import DTypeError, ShapeError


class Variable(Tensor):
    """A weight: a Tensor owned by a layer, trainable or not, updated in place.

    Its data may be a view into the model's flat parameter buffer, so values are always
    written with :meth:`assign`, never by rebinding ``data``.
    """

    __slots__ = ("trainable", "regularizer", "constraint", "path")

    def __init__(self, value, name: str, trainable: bool = True, regularizer=None, constraint=None):
        super().__init__(value, requires_grad=trainable, name=name)
        self.trainable = trainable
        self.regularizer = regularizer
        self.constraint = constraint
        self.path = name

    def assign(self, value) -> None:
        """Copy ``value`` into this weight in place (shape must match)."""
        value = value.data if isinstance(value, Tensor) else value
        value = np.asarray(value)
        if value.shape != self.data.shape:
            raise ShapeError(
                f"Weight '{self.path}': expected shape {self.data.shape}, got {value.shape}. "
                "Hint: get_weights() shows the expected shapes."
            )
        if value.dtype.kind not in "fiub":
            raise DTypeError(
                f"Weight '{self.path}': expected numbers, got an array of dtype {value.dtype}. "
                "Hint: assign a float array."
            )
        self.data[...] = value

    def assign_add(self, value) -> Variable:
        """Add ``value`` to this weight in place (Keras's ``variable.assign_add``)."""
        self.assign(self.data + np.asarray(value.data if isinstance(value, Tensor) else value))
        return self

    def assign_sub(self, value) -> Variable:
        """Subtract ``value`` from this weight in place (Keras's ``variable.assign_sub``)."""
        self.assign(self.data - np.asarray(value.data if isinstance(value, Tensor) else value))
        return self

    def __repr__(self) -> str:
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype}>"
