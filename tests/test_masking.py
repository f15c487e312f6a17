"""Masks flow from Embedding(mask_zero=True) / Masking to the layers after them."""

import numpy as np

from shendu import backend
from shendu.layers import (
    LSTM,
    Dense,
    Dropout,
    Embedding,
    GlobalAveragePooling1D,
    Input,
    Masking,
)
from shendu.models import Model, Sequential
from shendu.models.chain import ChainPlan


def _ids():
    rng = np.random.default_rng(0)
    short = rng.integers(1, 20, size=(4, 5))
    padded = np.concatenate([short, np.zeros((4, 3), dtype=short.dtype)], axis=1)
    return short.astype("float64"), padded.astype("float64")


def test_padding_changes_nothing_in_a_sequential_embedding_lstm():
    backend.set_floatx("float64")
    model = Sequential([Embedding(20, 6, mask_zero=True), Dropout(0.3), LSTM(5), Dense(1)])
    short, padded = _ids()
    model.build((None, None))
    np.testing.assert_allclose(model.predict(padded, verbose=0), model.predict(short, verbose=0),
                               rtol=1e-12)
    assert ChainPlan.for_model(model) is None  # masks take the layer-by-layer path


def test_padding_changes_nothing_in_a_functional_pooling_model():
    backend.set_floatx("float64")
    ids = Input(shape=(None,))
    pooled = GlobalAveragePooling1D()(Dense(4, activation="tanh")(Embedding(20, 6,
                                                                        mask_zero=True)(ids)))
    model = Model(ids, Dense(1)(pooled))
    short, padded = _ids()
    np.testing.assert_allclose(model(padded).data, model(short).data, rtol=1e-12)


def test_masking_layer_skips_all_zero_steps():
    backend.set_floatx("float64")
    rng = np.random.default_rng(1)
    seq = rng.normal(size=(3, 4, 2))
    padded = np.concatenate([seq, np.zeros((3, 2, 2))], axis=1)
    model = Sequential([Masking(0.0), LSTM(3)])
    model.build((None, 6, 2))
    np.testing.assert_allclose(model(padded).data, model(seq).data, rtol=1e-12)
