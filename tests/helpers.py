"""Helpers shared by tests (import as ``from helpers import ...``)."""

from __future__ import annotations

import numpy as np


def random_inputs(*shapes, dtype="float64", seed=0):
    """Normal random arrays of the given shapes."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype(dtype) for s in shapes]


def torch_tensor(array, requires_grad=True):
    """A float64 torch tensor from a NumPy array (torch is the trusted reference)."""
    import torch

    t = torch.tensor(np.asarray(array, dtype=np.float64))
    t.requires_grad_(requires_grad)
    return t
