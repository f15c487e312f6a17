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


def assert_conv2d_training_agrees(make_augmenters, path):
    """:func:`assert_paths_agree_and_reload` in float64 on a (6, 7, 3)-image model: the layers
    of ``make_augmenters()`` (built after ``set_random_seed(0)``), then Conv2D(2, 3), Flatten
    and Dense(1), trained with SGD on an MSE loss."""
    from shendu import backend
    from shendu.layers import Conv2D, Dense, Flatten, Input
    from shendu.models import Sequential
    from shendu.utils import set_random_seed

    def make_model(fast):
        set_random_seed(0)
        model = Sequential([Input(shape=(6, 7, 3)), *make_augmenters(), Conv2D(2, 3), Flatten(),
                            Dense(1)])
        model.use_fast_path = fast
        model.compile(optimizer="sgd", loss="mse")
        return model

    backend.set_floatx("float64")
    x = np.random.default_rng(3).uniform(size=(12, 6, 7, 3))
    y = np.random.default_rng(4).normal(size=(12, 1))
    assert_paths_agree_and_reload(make_model, x, y, path)


def assert_raises_with_words(make, words):
    """``make()`` raises an ArgumentError or ShapeError with a Hint and each of ``words``."""
    import pytest

    from shendu.errors import ArgumentError, ShapeError

    with pytest.raises((ArgumentError, ShapeError)) as info:
        make()
    message = str(info.value)
    assert "Hint" in message
    for word in words:
        assert word in message, (word, message)


def assert_channels_first_and_unbatched_agree(make, x):
    """Layers from ``make()`` (a fresh one per call, same seed) give on channels-first images
    what they give on channels-last ones, and on one unbatched image what they give on a batch
    of it."""

    def build(fmt):
        layer = make()
        layer.data_format = fmt
        return layer

    last = build("channels_last")(x).data
    first = build("channels_first")(np.moveaxis(x, -1, 1)).data
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), last, rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(build("channels_last")(x[0]).data,
                                  build("channels_last")(x[:1]).data[0])


def assert_config_round_trip(layer):
    """serialize then deserialize gives a layer of the same type and config; returns it."""
    from shendu.layers import deserialize, serialize

    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()
    return clone
