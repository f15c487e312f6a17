"""The Sequential fast path (models/chain.py) gives the same numbers as the autograd path."""

import numpy as np
import pytest

from shendu import backend
from shendu.layers import Activation, Dense
from shendu.models import Sequential
from shendu.models.chain import ChainPlan
from shendu.utils import set_random_seed


def _build(kind, seed=0):
    set_random_seed(seed)
    if kind == "binary":
        layers = [Dense(16, activation="relu", input_dim=8), Dense(8, activation="tanh"),
                  Dense(1, activation="sigmoid")]
        loss = "binary_crossentropy"
    elif kind == "softmax":
        layers = [Dense(16, activation="relu", input_dim=8), Dense(4), Activation("softmax")]
        loss = "sparse_categorical_crossentropy"
    else:
        layers = [Dense(16, activation="sigmoid", input_dim=8, kernel_regularizer="l2"),
                  Dense(3, use_bias=False)]
        loss = "mse"
    model = Sequential(layers)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"] if kind != "mse" else None)
    return model


def _data(kind):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 8))
    if kind == "binary":
        return x, (x[:, 0] > 0).astype(float)
    if kind == "softmax":
        return x, rng.integers(0, 4, size=64)
    return x, rng.normal(size=(64, 3))


@pytest.mark.parametrize("kind", ["binary", "softmax", "mse"])
def test_fast_path_matches_autograd_path(kind):
    backend.set_floatx("float64")
    x, y = _data(kind)
    results = []
    for fast in (True, False):
        model = _build(kind)
        model.use_fast_path = fast
        history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        assert (model._plan is not None) == fast
        results.append((model.get_weights(), history.history, model.predict(x, verbose=0)))
    (w_fast, h_fast, p_fast), (w_slow, h_slow, p_slow) = results
    for a, b in zip(w_fast, w_slow):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for key in h_slow:
        np.testing.assert_allclose(h_fast[key], h_slow[key], rtol=1e-10)
    np.testing.assert_allclose(p_fast, p_slow, rtol=1e-10, atol=1e-12)


def test_plan_is_refused_for_a_layer_without_chain_steps():
    from shendu.layers import Layer

    class Doubler(Layer):
        def call(self, inputs):
            return inputs * 2.0

    model = Sequential([Dense(2, input_dim=3), Doubler()])
    assert ChainPlan.for_model(model) is None
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    assert model._plan is None
