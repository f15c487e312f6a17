"""Weight penalties added to the training loss, as in ``keras.regularizers``.

>>> import numpy as np
>>> from shendu import regularizers
>>> from shendu.autograd import Tensor
>>> float(regularizers.L2(0.5)(Tensor(np.array([1.0, 2.0]))).data)
2.5
"""

from __future__ import annotations

from . import ops
from .errors import unknown_name
from .number_args import number_arg


class Regularizer:
    """Base class: ``reg(weight)`` returns a scalar Tensor penalty."""

    def __call__(self, x):  # pragma: no cover - interface
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1 · Σ|w| + l2 · Σw²."""

    def __init__(self, l1=0.0, l2=0.0):
        owner = type(self).__name__
        self.l1 = number_arg(l1, owner, "l1", low=0.0, hint="l1=0.01 adds 0.01 * sum(|w|)")
        self.l2 = number_arg(l2, owner, "l2", low=0.0, hint="l2=0.01 adds 0.01 * sum(w**2)")

    def __call__(self, x):
        total = None
        if self.l1:
            total = ops.sum(ops.abs(x)) * self.l1
        if self.l2:
            term = ops.sum(ops.square(x)) * self.l2
            total = term if total is None else total + term
        return total if total is not None else ops.sum(x) * 0.0

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 · Σ|w| (Keras default l1=0.01)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """l2 · Σw² (Keras default l2=0.01)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
ALL = {"l1": L1, "l2": L2, "l1_l2": L1L2}
_CLASSES = {c.__name__: c for c in (L1, L2, L1L2)}


def get(identifier):
    """A regularizer from None, a name, a config dict or an instance/callable."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in ALL:
            return ALL[identifier.lower()]()
        raise unknown_name("regularizer", identifier, ALL)
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name"))
        if cls is None:
            raise unknown_name("regularizer", identifier.get("class_name"), _CLASSES)
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise unknown_name("regularizer", identifier, ALL)


def serialize(reg):
    if reg is None:
        return None
    if isinstance(reg, Regularizer):
        return {"class_name": type(reg).__name__, "config": reg.get_config()}
    return getattr(reg, "__name__", str(reg))
