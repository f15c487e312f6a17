"""Utilities: seeding for repeatable runs.

>>> from shendu.utils import set_random_seed
>>> set_random_seed(0)
"""

from __future__ import annotations

import random

import numpy as np

from .. import backend


def set_random_seed(seed: int) -> None:
    """Seed every generator shendu draws from (weights, shuffling, dropout), plus Python's and
    NumPy's global ones, so a CPU run is bit-for-bit repeatable."""
    seed = int(seed)
    backend.set_seed(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))


__all__ = ["set_random_seed"]
