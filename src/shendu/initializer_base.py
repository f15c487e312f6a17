"""The base class of every initializer (``shendu.initializers.Initializer``), in a module of
its own so the initializer families can subclass it without importing each other.

>>> class Halves(Initializer):
...     def __call__(self, shape, dtype=None):
...         import numpy as np
...         return np.full(shape, 0.5, dtype=dtype or "float32")
>>> Halves()((2,)).tolist(), Halves.from_config({}).get_config()
([0.5, 0.5], {})
"""

from __future__ import annotations


class Initializer:
    """Base class: ``init(shape, dtype=None)`` returns a new array."""

    def __call__(self, shape, dtype=None):  # pragma: no cover - interface
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)
