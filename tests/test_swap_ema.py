"""use_ema as in Keras 3: fit ends with the weights' moving averages in the model, and the
SwapEMAWeights callback lets validation, predict and checkpoints see the averages while
training goes on from the raw weights."""

from __future__ import annotations

import numpy as np
import pytest

import shendu as keras
from shendu.callbacks import LambdaCallback, SwapEMAWeights
from shendu.errors import ArgumentError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(96, 4)).astype("float32")
Y = (X @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32"))[:, None]


def _model(use_ema=True):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.05, use_ema=use_ema,
                                                             ema_momentum=0.9))
    return model


def _flat(model):
    return np.concatenate([w.ravel() for w in model.get_weights()])


def test_fit_ends_with_the_moving_averages_in_the_model():
    ema, raw = _model(True), _model(False)
    ema.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    raw.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_array_equal(_flat(ema), ema.optimizer.average)
    assert not np.allclose(_flat(ema), _flat(raw))  # the raw run's last weights differ


def test_validation_sees_the_averages_with_the_callback_and_the_raw_weights_without():
    with_swap, without = _model(), _model()
    kwargs = dict(epochs=1, batch_size=16, shuffle=False, verbose=0, validation_data=(X, Y))
    h1 = with_swap.fit(X, Y, callbacks=[SwapEMAWeights()], **kwargs)
    h2 = without.fit(X, Y, **kwargs)
    # after fit the model holds the averages: evaluate gives what validation saw with the swap
    assert h1.history["val_loss"][0] == pytest.approx(with_swap.evaluate(X, Y, verbose=0),
                                                      rel=1e-6)
    assert h2.history["val_loss"][0] != pytest.approx(without.evaluate(X, Y, verbose=0),
                                                      rel=1e-6)
    np.testing.assert_allclose(_flat(with_swap), _flat(without), rtol=1e-6)  # same training


def test_swap_on_epoch_puts_the_averages_in_the_model_for_later_callbacks():
    model, seen = _model(), []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(_flat(model)))
    model.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0,
              callbacks=[SwapEMAWeights(swap_on_epoch=True), record])
    reference = _model()
    reference.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    # training went on from the raw weights (the same run), and the last epoch's end saw the
    # averages the model ends with
    np.testing.assert_allclose(seen[-1], _flat(reference), rtol=1e-6)
    np.testing.assert_allclose(_flat(model), _flat(reference), rtol=1e-6)


def test_without_use_ema_the_callback_says_what_is_missing():
    model = _model(use_ema=False)
    with pytest.raises(ArgumentError, match="use_ema=True"):
        model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y),
                  callbacks=[SwapEMAWeights()])
