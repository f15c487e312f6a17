"""Keras 3's "customizing what happens in fit()" on shendu: test_step(data), predict_step(data),
and the refusal of train_step(data) (shendu has no GradientTape)."""

import numpy as np
import pytest

import shendu as keras
from shendu.errors import ArgumentError


class CustomModel(keras.Model):
    # the test_step of the Keras guide "Customizing what happens in fit()", as written there
    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _data():
    rng = np.random.default_rng(0)
    return rng.random((10, 4)).astype("float32"), rng.random((10, 1)).astype("float32")


def _functional(cls):
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(1, kernel_initializer="ones")(inputs)
    model = cls(inputs, outputs)
    model.compile(loss="mse", metrics=["mae"])
    return model


def test_guide_test_step_drives_evaluate_like_keras():
    x, y = _data()
    model = _functional(CustomModel)
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    # Keras 3.15.1 (TensorFlow backend) on this very script: the guide's loss tracker averages
    # the three batch losses (4, 4 and 2 rows) equally
    assert logs == pytest.approx({"loss": 3.2257516384124756, "mae": 1.6592767238616943},
                                 rel=1e-5)
    assert model.evaluate(x, y, batch_size=4, verbose=0) == pytest.approx(
        [3.2257516384124756, 1.6592767238616943], rel=1e-5)


def test_guide_test_step_equals_plain_evaluate_on_even_batches():
    x, y = _data()
    custom, plain = _functional(CustomModel), _functional(keras.Model)
    got = custom.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)
    want = plain.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)
    assert got == pytest.approx(want, rel=1e-6)
    assert sorted(got) == ["loss", "mae"]


def test_custom_test_step_gives_fit_its_validation_logs():
    x, y = _data()
    model = _functional(CustomModel)
    history = model.fit(x, y, epochs=1, batch_size=5, validation_data=(x, y), verbose=0)
    assert sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    after = model.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)
    assert history.history["val_loss"][0] == pytest.approx(after["loss"], rel=1e-6)


def test_custom_test_step_with_sample_weight_and_test_on_batch():
    seen = []

    class Weighted(keras.Model):
        def test_step(self, data):
            x, y, sample_weight = data
            seen.append(sample_weight.shape)
            y_pred = self(x, training=False)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
            return {"loss": loss, "rows": float(len(x))}

    x, y = _data()
    model = _functional(Weighted)
    logs = model.evaluate(x, y, sample_weight=np.ones(10), batch_size=10, verbose=0,
                          return_dict=True)
    plain = _functional(keras.Model).evaluate(x, y, batch_size=10, verbose=0)
    assert logs["loss"] == pytest.approx(plain[0], rel=1e-6) and logs["rows"] == 10.0
    assert seen == [(10,)]
    assert model.test_on_batch(x, y, sample_weight=np.ones(10), return_dict=True)["rows"] == 10.0


def test_predict_step_override_drives_predict():
    class Doubled(keras.Model):
        def predict_step(self, data):
            return self(data, training=False) * 2.0

    x, _ = _data()
    model, plain = _functional(Doubled), _functional(keras.Model)
    np.testing.assert_allclose(model.predict(x, verbose=0), 2.0 * plain.predict(x, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, batch_size=3, verbose=0),
                               2.0 * x.sum(axis=1, keepdims=True), rtol=1e-6)


def test_train_step_override_is_refused_at_fit():
    class Trained(keras.Model):
        def train_step(self, data):
            return {}

    x, y = _data()
    model = _functional(Trained)
    with pytest.raises(ArgumentError, match="train_step.*GradientTape.*Hint: .*compute_loss"):
        model.fit(x, y, verbose=0)


def test_models_without_overrides_are_unchanged():
    x, y = _data()
    model = _functional(keras.Model)
    assert model.metrics == []  # built on the first batch, as before
    loss, mae = model.evaluate(x, y, batch_size=4, verbose=0)
    assert [m.name for m in model.metrics] == ["mae"]
    pred = model.predict(x, verbose=0)
    np.testing.assert_allclose(pred, x.sum(axis=1, keepdims=True), rtol=1e-6)
    assert loss == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-5)
    assert mae == pytest.approx(float(np.mean(np.abs(pred - y))), rel=1e-5)
