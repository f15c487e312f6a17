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


def assert_paths_agree_and_reload(make_model, x, y, path):
    """Train ``make_model(fast)`` on both paths (the Sequential chain and autograd) for two
    epochs: the weights change, both give the same weights and losses, and the fast path's
    model predicts the same after a save and load. ``make_model`` seeds its own weights."""
    from shendu.models import load_model

    results = []
    for fast in (True, False):
        model = make_model(fast)
        before = model.get_weights()
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        assert (model._plan is not None) == fast
        assert not np.allclose(before[0], model.get_weights()[0])
        results.append((model.get_weights(), history.history["loss"], model))
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)
    model = results[0][2]
    expected = model.predict(x, verbose=0)
    model.save(path)
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0), expected)
