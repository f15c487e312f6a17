"""The seed network trains end to end (a fast smoke test of every floor at once)."""

import numpy as np

from shendu.layers import Dense
from shendu.models import Sequential


def test_seed_network_learns_a_linear_rule():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 100)).astype("float32")
    y = (x @ rng.normal(size=100) > 0).astype("float32")
    model = Sequential()
    model.add(Dense(64, activation="relu", input_dim=100))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x[:1600], y[:1600], batch_size=32, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, accuracy = model.evaluate(x[1600:], y[1600:], verbose=0)
    assert accuracy > 0.85
