"""Typical Keras scripts (keras.io guide patterns), run with ``import shendu as keras``: each
test asserts what Keras 3 does with the same code, written from Keras's documented behaviour."""


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
