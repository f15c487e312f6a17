"""A cap on how many weight values layers may create, held while a model file is rebuilt.

``load_model`` rebuilds a file's architecture before it reads the weights, so a corrupt or
hostile file naming ``Dense(10**12)`` would make the rebuild allocate terabytes. Inside
``weight_budget(limit, source)``, :meth:`Layer.add_weight` stops with a FileFormatError once
the weights created would pass ``limit`` values in all; ``load_model`` sets the limit from the
weight tensors the file really holds, which a genuine file's architecture needs exactly.

>>> import numpy as np
>>> from shendu.layers import Dense
>>> try:
...     with weight_budget(10, "the file"):
...         Dense(100, name="wide")(np.ones((1, 4)))
... except FileFormatError as err:
...     print(str(err).split(", more than")[0])
Layer 'wide': weight 'kernel' of shape (4, 100) needs 400 values
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..errors import FileFormatError

_BUDGET: ContextVar[list | None] = ContextVar("shendu_weight_budget", default=None)


@contextmanager
def weight_budget(limit: int, source: str) -> Iterator[None]:
    """Let the layers built inside create at most ``limit`` weight values in all."""
    token = _BUDGET.set([int(limit), source])
    try:
        yield
    finally:
        _BUDGET.reset(token)


def charge(shape: tuple, layer: str, weight: str) -> None:
    """Count a new weight of ``shape`` against the budget, if one is held (else a no-op)."""
    budget = _BUDGET.get()
    if budget is None:
        return
    size = math.prod(shape)
    if size > budget[0]:
        raise FileFormatError(
            f"Layer '{layer}': weight '{weight}' of shape {tuple(shape)} needs {size:,} values, "
            f"more than the {budget[0]:,} left of what {budget[1]} holds. Hint: the "
            "architecture does not match its weights; the file is corrupt or was edited by hand."
        )
    budget[0] -= size
