"""Typical Keras scripts (keras.io guide patterns), run with ``import shendu as keras``: each
test asserts what Keras 3 does with the same code, written from Keras's documented behaviour."""

import numpy as np
import pytest

import shendu as keras
from shendu import callbacks, layers
from shendu.models import Sequential


def _quiet_fit(model, *args, **kwargs):
    return model.fit(*args, verbose=0, **kwargs)


# -- `import keras` → `import shendu as keras`: the top-level names ------------------------------
def test_top_level_names_of_keras_exist():
    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    assert isinstance(model, keras.Model)
    assert isinstance(keras.Sequential([layers.Dense(1)]), keras.Model)
    assert issubclass(layers.Dense, keras.Layer)
    assert {"Input", "Model", "Sequential", "Layer", "Loss", "Metric", "Optimizer"} <= set(
        dir(keras))


# -- the Functional API guide: inputs of any length ---------------------------------------------
def test_variable_length_inputs_keep_none_axes_and_train():
    # the guide's ticket classifier: titles and bodies of any length
    title = keras.Input(shape=(None,), name="title")
    body = keras.Input(shape=(None,), name="body")
    t = layers.Embedding(100, 8)(title)
    assert t.shape == (None, None, 8)  # Keras: the time axis stays unknown
    t = layers.LSTM(6)(t)
    b = layers.LSTM(4, return_sequences=True)(layers.Embedding(100, 8)(body))
    assert (t.shape, b.shape) == ((None, 6), (None, None, 4))
    out = layers.Dense(1)(layers.concatenate([t, layers.GlobalAveragePooling1D()(b)]))
    model = keras.Model([title, body], out)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    x = [rng.integers(0, 100, (16, 10)), rng.integers(0, 100, (16, 20))]
    history = _quiet_fit(model, x, np.zeros((16, 1)), epochs=1)
    assert list(history.history) == ["loss"]
    assert model.predict([x[0][:, :3], x[1][:, :7]], verbose=0).shape == (16, 1)


def test_fully_convolutional_input_of_any_size():
    inputs = keras.Input(shape=(None, None, 3))
    x = layers.Conv2D(4, 3, strides=2, activation="relu")(inputs)  # 'valid' needs 3+ pixels
    assert x.shape == (None, None, None, 4)
    assert layers.GlobalAveragePooling2D()(x).shape == (None, 4)


# -- the Functional API guide: outputs given as a dict ------------------------------------------
def _ticket_model():
    inputs = keras.Input(shape=(6,), name="features")
    hidden = layers.Dense(8, activation="relu")(inputs)
    outputs = {"priority": layers.Dense(1, name="priority")(hidden),
               "department": layers.Dense(4, name="department")(hidden)}
    return keras.Model(inputs=inputs, outputs=outputs)


def test_dict_outputs_fit_with_dict_losses_and_predict_a_dict():
    model = _ticket_model()
    assert model.output_names == ["department", "priority"]  # Keras: the sorted keys
    model.compile(optimizer="rmsprop",
                  loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
                        "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
                  loss_weights={"priority": 1.0, "department": 0.2})
    rng = np.random.default_rng(1)
    x = rng.random((32, 6))
    y = {"priority": rng.random((32, 1)),
         "department": np.eye(4)[rng.integers(0, 4, 32)]}
    history = _quiet_fit(model, x, y, epochs=2, batch_size=16)
    assert sorted(history.history) == ["department_loss", "loss", "priority_loss"]
    out = model.predict(x, verbose=0)
    assert isinstance(out, dict)
    assert {k: v.shape for k, v in out.items()} == {"priority": (32, 1), "department": (32, 4)}
    called = model(x[:2])
    assert isinstance(called, dict) and called["department"].shape == (2, 4)


# -- the serialization guide: Model.from_config and clone_model ---------------------------------
def _small_functional():
    inputs = keras.Input(shape=(5,))
    return keras.Model(inputs, layers.Dense(1)(layers.Dense(3, activation="relu")(inputs)))


def test_model_from_config_rebuilds_a_functional_model():
    model = _small_functional()
    new_model = keras.Model.from_config(model.get_config())
    assert new_model.count_params() == model.count_params() == 22
    new_model.set_weights(model.get_weights())
    x = np.random.default_rng(2).random((4, 5))
    np.testing.assert_allclose(new_model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_clone_model_copies_the_architecture_with_new_weights():
    model = _small_functional()
    clone = keras.models.clone_model(model)
    assert clone.count_params() == model.count_params()
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    clone.set_weights([np.zeros_like(w) for w in model.get_weights()])
    assert any(np.any(w != 0) for w in model.get_weights())  # the original is untouched


# -- callbacks: the learning rate lands in the history -----------------------------------------
@pytest.mark.parametrize("make", [
    lambda: callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9),
    lambda: callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
])
def test_learning_rate_callbacks_record_learning_rate_in_history(make):
    model = Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x = np.random.default_rng(3).random((8, 3))
    history = _quiet_fit(model, x, np.zeros((8, 1)), epochs=3, callbacks=[make()])
    assert sorted(history.history) == ["learning_rate", "loss"]
    assert len(history.history["learning_rate"]) == 3
    assert history.history["learning_rate"][-1] < 0.1  # each records the rate it trained with
