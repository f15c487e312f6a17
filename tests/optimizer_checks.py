"""Checks shared by the optimizer test files: each file keeps its own cases and test ids and
calls these for the bodies that are the same for every optimizer.

The trajectory problem is test_optimizers.py's (a float64 linear model with a log-cosh loss);
the training problem is a small Dense model on a float32 linear regression.
"""

from __future__ import annotations

import numpy as np
import pytest

from shendu.errors import ArgumentError
from test_optimizers import shendu_trajectory


def check_trajectory(opt, keras, loose, atol):
    """``opt``'s path after steps 1, 2 and 10 is Keras's ``keras`` (three flat weight rows)."""
    path = shendu_trajectory(opt, steps=10, loose=loose)
    np.testing.assert_allclose(path[[0, 1, 9]], np.array(keras), rtol=1e-7, atol=atol)


def check_same_trajectory(a, b, steps=3):
    """Optimizers ``a`` and ``b`` take exactly the same ``steps`` steps."""
    np.testing.assert_array_equal(shendu_trajectory(a, steps=steps),
                                  shendu_trajectory(b, steps=steps))


def check_bad_argument(make, words):
    """``make()`` raises an ArgumentError whose message matches ``words`` and gives a hint."""
    with pytest.raises(ArgumentError, match=words) as info:
        make()
    assert "Hint:" in str(info.value)


def small_data():
    """64 float32 rows of y = x · [1, −2, 0.5]."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], dtype="float32"))[:, None]
    return x, y


def small_model(optimizer):
    """A seeded Dense(4) → Dense(1) model compiled with ``optimizer`` and the mse."""
    from shendu import layers, models, utils

    utils.set_random_seed(3)
    model = models.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def check_trains_a_model(optimizer):
    """Five epochs with ``optimizer`` (a name, or a function making one) lower the loss."""
    x, y = small_data()
    model = small_model(optimizer if isinstance(optimizer, str) else optimizer())
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    assert model.optimizer.iterations == 20


def check_save_and_load_resume(make, tmp_path):
    """Two epochs, save, load and two more epochs end where four straight epochs do.

    Returns the (straight, resumed) models for checks of the optimizer's own state.
    """
    from shendu import models

    x, y = small_data()
    straight = small_model(make())
    straight.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
    halves = small_model(make())
    halves.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    halves.save(tmp_path / "m.keras")
    resumed = models.load_model(tmp_path / "m.keras")
    assert type(resumed.optimizer) is type(straight.optimizer)
    resumed.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    assert resumed.optimizer.iterations == straight.optimizer.iterations == 16
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    return straight, resumed
