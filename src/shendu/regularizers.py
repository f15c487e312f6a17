"""Weight penalties added to the training loss, as in ``keras.regularizers``.

>>> import numpy as np
>>> from shendu import regularizers
>>> from shendu.autograd import Tensor
>>> float(regularizers.L2(0.5)(Tensor(np.array([1.0, 2.0]))).data)
2.5
"""

from __future__ import annotations

import numpy as np

from . import ops
from .errors import ArgumentError, ShapeError, unknown_name
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


class OrthogonalRegularizer(Regularizer):
    """``factor`` times the mean ``|cos|`` between pairs of rows (``mode="rows"``) or columns
    (``mode="columns"``) of a 2-D weight: each vector is L2-normalised, and the penalty is
    ``factor · 0.5 · Σ_{i≠j} |v_i·v_j| / (n(n-1)/2)``, as Keras computes it. With one row (or
    column) there is no pair, and the penalty is 0 (Keras gives NaN).

    >>> import numpy as np
    >>> from shendu.autograd import Tensor
    >>> w = Tensor(np.array([[1.0, 0.0], [1.0, 1.0]]))
    >>> round(float(OrthogonalRegularizer(factor=1.0)(w).data), 6)  # cos 45° = 0.707107
    0.707107
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = number_arg(factor, "OrthogonalRegularizer", "factor", low=0.0,
                                 hint="factor=0.01 scales the mean |cos| between vectors")
        if mode not in ("rows", "columns"):
            raise ArgumentError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got "
                                f"{mode!r}. Hint: 'rows' pushes a Dense kernel's rows (one "
                                "per input feature) apart.")
        self.mode = mode

    def __call__(self, x):
        if len(x.shape) != 2:
            raise ShapeError(f"OrthogonalRegularizer: the weight must be 2-D, got shape "
                             f"{tuple(x.shape)}. Hint: use it on a Dense kernel (a matrix).")
        if self.mode == "columns":
            x = ops.transpose(x)
        n = x.shape[0]
        if n < 2:
            return ops.sum(x) * 0.0
        # v_i = x_i / max(‖x_i‖, ε) (Keras's normalize): a zero row stays zero
        inv_norm = ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis=1, keepdims=True),
                                         _EPSILON * _EPSILON))
        v = x * inv_norm
        off_diagonal = ops.matmul(v, ops.transpose(v)) * (1.0 - np.eye(n, dtype=x.dtype))
        return ops.sum(ops.abs(off_diagonal)) * (self.factor * 0.5 / (n * (n - 1) / 2.0))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


_EPSILON = 1e-7  # Keras's backend.epsilon(), the floor of a norm in normalize
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer
ALL = {"l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}
_CLASSES = {c.__name__: c for c in (L1, L2, L1L2, OrthogonalRegularizer)}


def get(identifier):
    """A regularizer from None, a name, a config dict or an instance/callable.

    >>> get("orthogonal_regularizer").get_config()
    {'factor': 0.01, 'mode': 'rows'}
    """
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


def serialize(regularizer):
    """The ``{"class_name", "config"}`` dict (or a function's name) :func:`get` turns back.

    >>> serialize(L2(0.5))
    {'class_name': 'L2', 'config': {'l2': 0.5}}
    """
    if regularizer is None:
        return None
    if isinstance(regularizer, Regularizer):
        return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
    return getattr(regularizer, "__name__", str(regularizer))


def deserialize(config, custom_objects=None):
    """The inverse of :func:`serialize`: as :func:`get`, with the names in ``custom_objects``
    (a dict of names to classes or functions) looked up first.

    >>> deserialize({"class_name": "OrthogonalRegularizer", "config": {"mode": "columns"}}).mode
    'columns'
    """
    if custom_objects:
        name = config.get("class_name") if isinstance(config, dict) else config
        found = custom_objects.get(name) if isinstance(name, str) else None
        if isinstance(found, type):
            return found.from_config((config.get("config") or {}) if isinstance(config, dict)
                                     else {})
        if found is not None:
            return found
    return get(config)
