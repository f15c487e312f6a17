"""Models fed raw strings: TextVectorization as the first layer (Sequential with and without an
Input(dtype="string"), functional Input(shape=(), dtype="string")) fits, evaluates, predicts,
saves and loads; strings and numbers sent to the wrong kind of model fail clearly."""

from __future__ import annotations

import numpy as np
import pytest

from shendu import errors
from shendu.data.validation import check_array, check_strings
from shendu.layers import (
    Dense,
    Embedding,
    GlobalAveragePooling1D,
    Input,
    TextVectorization,
)
from shendu.models import Model, Sequential, load_model

TEXTS = ["good movie", "bad movie", "great film", "awful film", "good fun", "bad day",
         "great day", "awful fun"]
LABELS = np.array([1, 0, 1, 0, 1, 0, 1, 0], dtype="float32")


def _vectorizer(**kwargs):
    layer = TextVectorization(max_tokens=20, output_sequence_length=3, **kwargs)
    layer.adapt(TEXTS)
    return layer


def _head():
    return [Embedding(20, 4), GlobalAveragePooling1D(), Dense(1, activation="sigmoid")]


def _model(kind):
    if kind == "sequential_input":
        return Sequential([Input(shape=(1,), dtype="string"), _vectorizer(), *_head()])
    if kind == "sequential":
        return Sequential([_vectorizer(), *_head()])
    inputs = Input(shape=(), dtype="string")
    x = _vectorizer()(inputs)
    for layer in _head():
        x = layer(x)
    return Model(inputs, x)


KINDS = ["sequential_input", "sequential", "functional"]


@pytest.mark.parametrize("kind", KINDS)
def test_fit_evaluate_predict_on_strings_then_save_and_load(kind, tmp_path):
    model = _model(kind)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(TEXTS, LABELS, batch_size=3, epochs=2, verbose=0,
                        validation_data=(np.array(TEXTS), LABELS))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    before = [w.copy() for w in model.get_weights()]
    assert len(before) == 3  # embeddings, kernel, bias: the vectorizer has no weights
    model.fit(np.array(TEXTS), LABELS, epochs=1, verbose=0)
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    loss, accuracy = model.evaluate(np.array(TEXTS, dtype=object), LABELS, verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
    # every spelling of the same texts gives the same predictions
    out = model.predict(TEXTS, verbose=0)
    assert out.shape == (8, 1)
    for same in (np.array(TEXTS), np.array(TEXTS, dtype=object), np.array(TEXTS)[:, None]):
        np.testing.assert_array_equal(model.predict(same, batch_size=3, verbose=0), out)
    np.testing.assert_allclose(model(TEXTS).numpy(), out, rtol=1e-6)
    path = tmp_path / f"{kind}.safetensors"
    model.save(path)
    loaded = load_model(path)
    assert loaded.takes_strings
    np.testing.assert_array_equal(loaded.predict(TEXTS, verbose=0), out)
    vectorizer = next(la for la in loaded.layers if isinstance(la, TextVectorization))
    assert vectorizer.get_vocabulary() == _vectorizer().get_vocabulary()


def test_validation_split_and_train_on_batch_keep_strings():
    model = _model("sequential_input")
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    history = model.fit(np.array(TEXTS), LABELS, epochs=1, validation_split=0.25, verbose=0)
    assert "val_loss" in history.history
    assert np.isfinite(model.train_on_batch(TEXTS[:2], LABELS[:2]))
    assert np.isfinite(model.test_on_batch(TEXTS[:2], LABELS[:2]))


def test_shuffled_batches_keep_each_text_with_its_label():
    from shendu.models.batches import ArrayBatches

    texts = np.array([f"t{i}" for i in range(10)])
    labels = np.arange(10)
    batches = list(ArrayBatches(texts, labels, None, 4, shuffle=True).epoch(3))
    assert [len(xb) for xb, _, _ in batches] == [4, 4, 2]
    seen = np.concatenate([xb for xb, _, _ in batches])
    assert sorted(seen) == sorted(texts) and seen.dtype.kind == "U"
    assert list(seen) != list(texts)  # shuffled (seeded by the autouse fixture)
    for xb, yb, _ in batches:
        assert [f"t{i}" for i in yb] == list(xb)


def test_symbolic_text_vectorization_shapes_and_dtypes():
    text = Input(shape=(), dtype="string")
    assert text.dtype == "string" and text.shape == (None,)
    ids = _vectorizer()(text)
    assert ids.shape == (None, 3) and ids.dtype == "int64"
    bag = TextVectorization(output_mode="multi_hot", max_tokens=8, pad_to_max_tokens=True)
    bag.adapt(TEXTS)
    hot = bag(text)
    assert hot.shape == (None, 8) and hot.dtype == "float32"
    assert bag(TEXTS).shape == (8, 8)


def test_a_numeric_layer_on_a_string_input_is_refused():
    with pytest.raises(errors.DTypeError, match="Layer 'numbers_only'.*TextVectorization"):
        Dense(2, name="numbers_only")(Input(shape=(), dtype="string"))


def test_strings_to_a_model_whose_first_layer_takes_numbers():
    model = Sequential([Input(shape=(1,)), Dense(1, name="first_dense")])
    model.compile(loss="mse")
    assert not model.takes_strings
    with pytest.raises(errors.DTypeError, match="starts with 'first_dense'.*TextVectorization"):
        model.fit(np.array(["a", "b"])[:, None], np.zeros(2), verbose=0)
    with pytest.raises(errors.DTypeError, match="got strings.*'first_dense' \\(Dense\\)"):
        model.predict(["a", "b"], verbose=0)


@pytest.mark.parametrize("x, error, match", [
    (np.ones((8, 1)), errors.DTypeError, "takes strings.*numeric array of dtype float64"),
    (np.arange(8), errors.DTypeError, "numbers are not turned into text"),
    (np.array(TEXTS[:7] + [3], dtype=object), errors.DTypeError, "element of type int"),
    ("one text", errors.ShapeError, "got one string"),
    (np.array(TEXTS).reshape(4, 2), errors.ShapeError, r"\(samples,\) or \(samples, 1\)"),
    (None, errors.ArgumentError, "expected an array of strings"),
])
def test_bad_inputs_to_a_text_model(x, error, match):
    model = _model("sequential_input")
    model.compile(loss="binary_crossentropy")
    with pytest.raises(error, match=match):
        model.fit(x, LABELS, verbose=0)


def test_empty_texts_and_the_numeric_path_unchanged():
    with pytest.raises(errors.DataError, match="at least one text"):
        check_strings(np.array([], dtype=str), "x", "Model 'm'")
    assert check_strings(["a"], "x", "Model 'm'").dtype.kind == "U"
    assert check_array(np.arange(3), "x").dtype == np.float32  # numbers still cast to floatx
    with pytest.raises(errors.DTypeError, match="TextVectorization"):
        check_array(np.array(["a"]), "x")


def test_input_string_config_round_trip():
    model = _model("functional")
    clone = type(model).from_config(model.get_config())
    assert clone.inputs[0].dtype == "string" and clone.takes_strings
    np.testing.assert_array_equal(clone.predict(TEXTS, verbose=0).shape, (8, 1))


def test_sms_spam_end_to_end_from_raw_strings(shared_data):
    """The real SMS Spam split, strings in: beats a 0.97 accuracy floor in 3 epochs."""
    from shendu.datasets import sms_spam

    (x_train, y_train), (x_test, y_test) = sms_spam.load_data(shared_data / "sms_spam")
    assert x_train.dtype.kind in "OU"
    vectorizer = TextVectorization(max_tokens=5000, output_sequence_length=40)
    vectorizer.adapt(x_train)
    model = Sequential([Input(shape=(1,), dtype="string"), vectorizer, Embedding(5000, 32),
                        GlobalAveragePooling1D(), Dense(32, activation="relu"),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=3, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.97
    predicted = (model.predict(list(x_test[:200]), verbose=0)[:, 0] > 0.5).astype(int)
    assert (predicted == y_test[:200]).mean() >= 0.95
