"""Typical Keras scripts (keras.io guide patterns), run with ``import shendu as keras``: each
test asserts what Keras 3 does with the same code, written from Keras's documented behaviour."""

import numpy as np

import shendu as keras
from shendu import layers


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
