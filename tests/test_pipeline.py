"""Pipeline: layers applied in sequence (against running them one by one), Keras 3's training
default, masks between its layers and out of it, gradients by finite differences in float64,
training in a model, config and save/load, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs
from shendu import backend
from shendu.errors import ArgumentError
from shendu.layers import (
    Dense,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    Input,
    Pipeline,
    RandomFlip,
    Rescaling,
    deserialize,
    serialize,
)
from shendu.models import Model, load_model
from shendu.testing import check_gradients


@pytest.fixture(autouse=True)
def _float64():
    backend.set_floatx("float64")  # conftest restores floatx after each test


def test_applies_its_layers_in_order():
    (x,) = random_inputs((3, 4), seed=1)
    scale, dense = Rescaling(2.0, offset=1.0), Dense(2, activation="tanh")
    pipe = Pipeline([scale, dense])
    out = pipe(x).data
    np.testing.assert_allclose(out, np.tanh((2 * x + 1) @ dense.kernel.data + dense.bias.data),
                               rtol=1e-12)
    assert pipe.layers == [scale, dense]
    assert [w.path for w in pipe.weights] == [w.path for w in dense.weights]
    assert pipe.compute_output_shape((None, 4)) == (None, 2)
    np.testing.assert_array_equal(Pipeline([])(x).data, x)


def test_a_direct_call_trains_a_model_call_does_not():
    x = np.arange(2 * 4 * 4 * 1, dtype="float64").reshape(2, 4, 4, 1)
    pipe = Pipeline([RandomFlip("horizontal", seed=3)])
    flipped = [pipe(x).data for _ in range(4)]  # Keras 3: call(inputs, training=True)
    assert any(not np.array_equal(f, x) for f in flipped)
    for f in flipped:  # each image is itself or its mirror
        for i in range(2):
            assert np.array_equal(f[i], x[i]) or np.array_equal(f[i], x[i, :, ::-1])
    np.testing.assert_array_equal(pipe(x, training=False).data, x)
    inputs = Input((4, 4, 1))
    model = Model(inputs, Pipeline([RandomFlip(seed=1), Rescaling(0.5)])(inputs))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x * 0.5)


def test_masks_flow_between_its_layers():
    embedding = Embedding(5, 3, mask_zero=True)
    pipe = Pipeline([embedding, GlobalAveragePooling1D()])
    ids = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    out = pipe(ids, training=False).data
    table = embedding.embeddings.data
    np.testing.assert_allclose(out, [table[[1, 2]].mean(axis=0), table[3]], rtol=1e-12)
    assert pipe.compute_mask(ids) is None


def _padded_ids():
    ids = np.array([[1, 2, 3], [4, 5, 6]])
    return ids, np.concatenate([ids, np.zeros((2, 2), dtype=ids.dtype)], axis=1)


@pytest.mark.parametrize("functional", [False, True])
def test_its_output_mask_reaches_the_layers_after_it(functional):
    from shendu.layers import LSTM
    from shendu.models import Sequential

    pipe, lstm = Pipeline([Embedding(10, 4, mask_zero=True)]), LSTM(3)
    if functional:
        inputs = Input((None,), dtype="int32")
        model = Model(inputs, lstm(pipe(inputs)))
    else:
        model = Sequential([Input((None,), dtype="int32"), pipe, lstm])
    ids, padded = _padded_ids()
    np.testing.assert_array_equal(pipe.compute_mask(padded), padded != 0)  # no call before
    short = model.predict(ids, verbose=0)
    np.testing.assert_allclose(model.predict(padded, verbose=0), short, rtol=1e-12, atol=1e-12)
    # without the mask the padded steps do change the LSTM's output
    unmasked = Sequential([Input((None,), dtype="int32"), Embedding(10, 4), LSTM(3)])
    unmasked.set_weights(model.get_weights())
    np.testing.assert_allclose(unmasked.predict(ids, verbose=0), short, rtol=1e-12)
    assert not np.allclose(unmasked.predict(padded, verbose=0), short)


def test_a_model_with_its_mask_trains_saves_and_reloads(tmp_path):
    from shendu.layers import LSTM
    from shendu.models import Sequential

    model = Sequential([Input((None,), dtype="int32"),
                        Pipeline([Embedding(10, 4, mask_zero=True)]), LSTM(3), Dense(1)])
    ids, padded = _padded_ids()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(padded, np.ones((2, 1)), epochs=2, verbose=0)
    np.testing.assert_allclose(model.predict(padded, verbose=0), model.predict(ids, verbose=0),
                               rtol=1e-12, atol=1e-12)
    model.save(tmp_path / "masked.keras")
    reloaded = load_model(tmp_path / "masked.keras")
    np.testing.assert_array_equal(reloaded.predict(padded, verbose=0),
                                  model.predict(padded, verbose=0))


def test_gradients_by_finite_differences():
    (x,) = random_inputs((3, 4), seed=2)
    pipe = Pipeline([Dense(3, activation="tanh"), Rescaling(0.5, offset=0.1), Dense(2)])
    pipe(x)
    assert check_gradients(lambda t: pipe(t, training=True), [x]) < 1e-6


def test_training_a_model_with_a_pipeline_lowers_the_loss_and_reloads(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 255, size=(32, 4, 4, 1))
    y = (x.mean(axis=(1, 2, 3)) > 127.5).astype("float64")[:, None]
    inputs = Input((4, 4, 1))
    pipe = Pipeline([Rescaling(1 / 255), RandomFlip(seed=2), Flatten(),
                     Dense(8, activation="tanh")], name="prep")
    model = Model(inputs, Dense(1, activation="sigmoid")(pipe(inputs)))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=30, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
    path = tmp_path / "pipe.safetensors"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    layer = loaded.get_layer("prep")
    assert isinstance(layer, Pipeline)
    assert [type(sub).__name__ for sub in layer.layers] == ["Rescaling", "RandomFlip",
                                                           "Flatten", "Dense"]


def test_config_round_trip():
    pipe = Pipeline([Rescaling(0.5), RandomFlip("vertical", seed=4)], name="aug")
    config = pipe.get_config()
    assert config["name"] == "aug"
    assert [entry["class_name"] for entry in config["layers"]] == ["Rescaling", "RandomFlip"]
    clone = deserialize(serialize(pipe))
    assert isinstance(clone, Pipeline) and clone.name == "aug"
    assert clone.layers[1].get_config() == pipe.layers[1].get_config()
    assert clone.get_config() == config
    assert Pipeline.from_config(config).layers[0].scale == 0.5


def test_bad_arguments():
    with pytest.raises(ArgumentError, match="Pipeline.*layers must be a list of layers.*Hint"):
        Pipeline(Dense(2))
    with pytest.raises(ArgumentError, match="Pipeline.*layers\\[1\\] must be a Layer.*Hint"):
        Pipeline([Rescaling(2.0), Dense])
    with pytest.raises(ArgumentError, match="Pipeline.from_config.*'layers'.*Hint"):
        Pipeline.from_config({"name": "p"})
    with pytest.raises(ArgumentError, match="Pipeline.*unknown keyword"):
        Pipeline([], nmae="typo")
