"""Constraints applied to a weight after each optimizer step, as in ``keras.constraints``.

>>> import numpy as np
>>> from shendu import constraints
>>> constraints.NonNeg()(np.array([-1.0, 2.0]))
array([0., 2.])
"""

from __future__ import annotations

import numpy as np

from .errors import unknown_name
from .number_args import number_arg


class Constraint:
    """Base class: ``constraint(w)`` returns the projected array."""

    def __call__(self, w):  # pragma: no cover - interface
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    axis = tuple(axis) if isinstance(axis, list) else axis  # Keras: axis=[0, 1, 2] for conv
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale columns (along ``axis``) whose norm exceeds ``max_value``."""

    def __init__(self, max_value=2.0, axis=0):
        number_arg(max_value, "MaxNorm", "max_value", low=0.0, low_open=True,
                   hint="max_value=2.0 caps each column's norm at 2")
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zero out negative weights."""

    def __call__(self, w):
        return np.where(w >= 0, w, 0.0).astype(w.dtype)


class UnitNorm(Constraint):
    """Scale to unit norm along ``axis``."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (1e-7 + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep norms along ``axis`` within [min_value, max_value], moving there at ``rate``."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        number_arg(min_value, "MinMaxNorm", "min_value", low=0.0,
                   hint="min_value=0.0, max_value=1.0")
        number_arg(max_value, "MinMaxNorm", "max_value", low=min_value,
                   hint=f"max_value must not be below min_value={min_value}")
        number_arg(rate, "MinMaxNorm", "rate", low=0.0, high=1.0,
                   hint="rate=1.0 moves the norms into range at once")
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = np.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
ALL = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm}
_CLASSES = {c.__name__: c for c in ALL.values()}


def get(identifier):
    """A constraint from None, a name, a config dict or an instance/callable.

    >>> get("max_norm").get_config()
    {'max_value': 2.0, 'axis': 0}
    """
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in ALL:
            return ALL[identifier.lower()]()
        raise unknown_name("constraint", identifier, ALL)
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name"))
        if cls is None:
            raise unknown_name("constraint", identifier.get("class_name"), _CLASSES)
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise unknown_name("constraint", identifier, ALL)


def serialize(constraint):
    """The ``{"class_name", "config"}`` dict (or a function's name) :func:`get` turns back.

    >>> serialize(UnitNorm(axis=1))
    {'class_name': 'UnitNorm', 'config': {'axis': 1}}
    """
    if constraint is None:
        return None
    if isinstance(constraint, Constraint):
        return {"class_name": type(constraint).__name__, "config": constraint.get_config()}
    return getattr(constraint, "__name__", str(constraint))


def deserialize(config, custom_objects=None):
    """The inverse of :func:`serialize`: as :func:`get`, with the names in ``custom_objects``
    (a dict of names to classes or functions) looked up first.

    >>> deserialize({"class_name": "MaxNorm", "config": {"max_value": 3.0, "axis": 0}})(
    ...     np.array([[3.0], [4.0]])).round(6)
    array([[1.8],
           [2.4]])
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
