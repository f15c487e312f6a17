"""StringLookup and IntegerLookup: Keras's vocabulary order and index layout, every output mode
worked by hand, invert, errors, config and model-file round trips, training behind them."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

from shendu.errors import ArgumentError, DataError, DTypeError, ShapeError
from shendu.layers import (
    CategoryEncoding,
    Dense,
    Embedding,
    Flatten,
    Input,
    IntegerLookup,
    StringLookup,
    deserialize,
    serialize,
)
from shendu.models import Model, Sequential, load_model

COLORS = ["red", "blue", "red", "green", "blue", "red", "teal", "amber"]


# -- vocabulary order -------------------------------------------------------------------------
def test_adapt_ranks_by_count_with_ties_high_to_low_as_keras():
    layer = StringLookup()
    layer.adapt(COLORS)  # red 3, blue 2, then green, teal, amber once: high to low
    assert layer.get_vocabulary() == ["[UNK]", "red", "blue", "teal", "green", "amber"]
    assert layer.get_vocabulary(include_special_tokens=False)[0] == "red"
    assert layer.vocabulary_size() == 6
    numbers = IntegerLookup()
    numbers.adapt(np.array([[3, 1, 2], [2, 3, 5], [7, 7, 1]]))  # 7, 3, 2, 1 twice; 5 once
    assert numbers.get_vocabulary() == [-1, 7, 3, 2, 1, 5]


def test_max_tokens_counts_the_mask_and_oov_indices():
    layer = StringLookup(max_tokens=3, mask_token="")
    layer.adapt(COLORS + ["", "", "", ""])  # the mask token itself is never learnt
    assert layer.get_vocabulary() == ["", "[UNK]", "red"]
    hot = StringLookup(max_tokens=3, mask_token="", output_mode="multi_hot")
    hot.adapt(COLORS)  # no mask index outside int mode
    assert hot.get_vocabulary() == ["[UNK]", "red", "blue"]
    oov = StringLookup()
    oov.adapt(["a", "[UNK]", "[UNK]"])  # nor the OOV token
    assert oov.get_vocabulary() == ["[UNK]", "a"]


def test_adapt_takes_ragged_lists_and_iterators_of_batches():
    ragged = StringLookup()
    ragged.adapt([["b", "a"], ["c"], ["c", "c", "a", "d"]])
    assert ragged.get_vocabulary() == ["[UNK]", "c", "a", "d", "b"]
    streamed = IntegerLookup()
    streamed.adapt((np.array([i, i, 9]) for i in range(5)), steps=3)  # batches 0, 1, 2 only
    assert streamed.get_vocabulary() == [-1, 9, 2, 1, 0]


# -- int mode, OOV and mask -------------------------------------------------------------------
def test_int_mode_with_mask_and_oov():
    layer = StringLookup(vocabulary=["red", "blue"], mask_token="")
    assert layer.get_vocabulary() == ["", "[UNK]", "red", "blue"]
    out = layer([["red", ""], ["pink", "blue"]]).numpy()
    np.testing.assert_array_equal(out, [[2, 0], [1, 3]])
    assert out.dtype == np.int64
    assert layer(np.array("blue")).numpy() == 3  # a scalar stays a scalar


def test_several_oov_indices():
    numbers = IntegerLookup(vocabulary=[10, 20], num_oov_indices=3)
    assert numbers.get_vocabulary() == [-1, -1, -1, 10, 20]
    values = np.array([10, 20, 0, 4, 5, -1])
    # unknown values go to OOV index (value mod 3), floor-mod for negatives (Keras's floormod)
    np.testing.assert_array_equal(numbers(values).numpy(), [3, 4, 0, 1, 2, 2])
    words = StringLookup(vocabulary=["a"], num_oov_indices=4, mask_token="")
    unknown = ["x", "yy", "zzz"]
    expected = [1 + zlib.crc32(w.encode()) % 4 for w in unknown]  # shendu's bucket: crc32
    np.testing.assert_array_equal(words(unknown).numpy(), expected)


def test_no_oov_index_refuses_unknown_tokens():
    layer = StringLookup(vocabulary=["a", "b"], num_oov_indices=0)
    np.testing.assert_array_equal(layer(["b", "a"]).numpy(), [1, 0])
    with pytest.raises(DataError, match=r"num_oov_indices=0.*unknown tokens such as \['z'\]"):
        layer(["a", "z"])


def test_invert_maps_indices_back_to_tokens():
    layer = StringLookup(vocabulary=["red", "blue"], mask_token="", invert=True)
    out = layer(np.array([[0, 1, 2], [3, 4, -1]])).numpy()
    np.testing.assert_array_equal(out, [["", "[UNK]", "red"], ["blue", "[UNK]", "[UNK]"]])
    numbers = IntegerLookup(vocabulary=[5, 6], mask_token=0, invert=True)
    np.testing.assert_array_equal(numbers(np.array([0, 1, 2, 3, 9])).numpy(), [0, -1, 5, 6, -1])
    forward = StringLookup(vocabulary=["red", "blue"])
    back = StringLookup(vocabulary=forward.get_vocabulary(), invert=True)
    np.testing.assert_array_equal(back(forward(["blue", "red"])).numpy(), ["blue", "red"])


def test_integer_lookup_takes_floats_holding_whole_numbers():
    layer = IntegerLookup(vocabulary=[1990, 2000])
    np.testing.assert_array_equal(layer(np.array([[2000.0], [1990.0], [5.0]])).numpy(),
                                  [[2], [1], [0]])


# -- vector modes -----------------------------------------------------------------------------
def test_one_hot_multi_hot_and_count_by_hand():
    vocab = ["a", "b"]
    one_hot = StringLookup(vocabulary=vocab, output_mode="one_hot")
    np.testing.assert_array_equal(one_hot([["b"], ["z"]]).numpy(), [[0, 0, 1], [1, 0, 0]])
    assert one_hot([["a", "b"]]).shape == (1, 2, 3)
    hot = StringLookup(vocabulary=vocab, output_mode="multi_hot")
    np.testing.assert_array_equal(hot([["a", "a"], ["z", "b"]]).numpy(), [[0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(hot(["a", "z"]).numpy(), [1, 1, 0])  # 1-D: one sample
    count = IntegerLookup(vocabulary=[5, 6], output_mode="count")
    out = count(np.array([[5, 6, 6, 9], [9, 9, 9, 5]])).numpy()
    np.testing.assert_array_equal(out, [[1, 1, 2], [3, 1, 0]])
    assert out.dtype == np.float32


def test_masked_values_add_nothing_to_vectors():
    layer = IntegerLookup(vocabulary=[5, 6], mask_token=0, output_mode="count")
    assert layer.get_vocabulary() == [-1, 5, 6]
    np.testing.assert_array_equal(layer(np.array([[0, 0, 5], [6, 7, 0]])).numpy(),
                                  [[0, 1, 0], [1, 0, 1]])


def test_pad_to_max_tokens_fixes_the_width():
    layer = StringLookup(vocabulary=["a"], output_mode="multi_hot", max_tokens=5,
                         pad_to_max_tokens=True)
    np.testing.assert_array_equal(layer([["a", "q"]]).numpy(), [[1, 1, 0, 0, 0]])
    assert layer.compute_output_shape((None, 2)) == (None, 5)


def test_tf_idf_weights_from_adapt_by_hand():
    layer = StringLookup(output_mode="tf_idf")
    layer.adapt([["a", "a", "b"], ["b", "c", "d"]])  # 2 documents; b in both, a, c, d in one
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "d", "c"]
    idf_b, idf_1 = math.log(1 + 2 / 3), math.log(1 + 2 / 2)
    oov = (idf_b + 3 * idf_1) / 4  # the OOV weight is the mean of the tokens'
    np.testing.assert_allclose(layer([["a", "a", "b", "z"]]).numpy(),
                               [[oov, idf_b, 2 * idf_1, 0, 0]], rtol=1e-6)
    single = IntegerLookup(output_mode="tf_idf")
    single.adapt([4, 4, 7])  # a 1-D batch: each value is its own document (3 documents)
    np.testing.assert_allclose(single([[4, 7]]).numpy()[0, 1:],
                               [math.log(1 + 3 / 3), math.log(1 + 3 / 2)], rtol=1e-6)


def test_tf_idf_with_given_weights():
    layer = StringLookup(output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[0.5, 0.25])
    np.testing.assert_allclose(layer([["a", "b", "b", "z"]]).numpy(), [[0.375, 0.5, 0.5]])
    led = StringLookup(output_mode="tf_idf", vocabulary=["[UNK]", "a", "b"],
                       idf_weights=[0.9, 0.5, 0.25])  # special tokens first: their weight too
    np.testing.assert_allclose(led([["z", "a"]]).numpy(), [[0.9, 0.5, 0.0]])


def test_set_vocabulary_later_and_replace_it_with_adapt():
    layer = IntegerLookup()
    assert layer.get_vocabulary() == [-1]
    layer.set_vocabulary([-1, 30, 10])  # the special tokens in front are recognised
    assert layer.get_vocabulary() == [-1, 30, 10]
    np.testing.assert_array_equal(layer([10, 30, 20]).numpy(), [2, 1, 0])
    layer.adapt([4, 4, 8])
    assert layer.get_vocabulary() == [-1, 4, 8]


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    ({"output_mode": "bag"}, "output_mode must be one of"),
    ({"invert": True, "output_mode": "multi_hot"}, "output_mode must be 'int'"),
    ({"max_tokens": 1}, "max_tokens must be an integer > 1"),
    ({"num_oov_indices": -1}, "num_oov_indices must be an integer >= 0"),
    ({"pad_to_max_tokens": True}, "pad_to_max_tokens=True needs max_tokens"),
    ({"output_mode": "tf_idf", "vocabulary": ["a"]}, "needs idf_weights"),
    ({"idf_weights": [1.0], "vocabulary": ["a"]}, "idf_weights apply to output_mode='tf_idf'"),
    ({"output_mode": "tf_idf", "vocabulary": ["a"], "idf_weights": [1.0, 2.0, 3.0]},
     "expected 1 idf weights"),
    ({"vocabulary": ["a", "b", "a"]}, r"repeats \['a'\]"),
    ({"vocabulary": ["a", ""], "mask_token": ""}, "holds the mask_token ''"),
    ({"vocabulary": ["a", "[UNK]"], "invert": True}, "holds the oov_token"),
    ({"vocabulary": ["a", "b", "c"], "max_tokens": 3}, "needs 4 indices, more than max_tokens"),
    ({"vocabulary": []}, "vocabulary is empty"),
    ({"vocabulary": "vocab.txt"}, "reads no vocabulary files"),
    ({"sparse": True}, "sparse=True is not supported"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ArgumentError, match=match):
        StringLookup(**kwargs)


def test_bad_integer_lookup_arguments():
    with pytest.raises(DTypeError, match="vocabulary must hold integers"):
        IntegerLookup(vocabulary=[1, "two"])
    with pytest.raises(DTypeError, match="mask_token must hold integers"):
        IntegerLookup(mask_token="0")
    with pytest.raises(ArgumentError, match="oov_method='floormod'"):
        IntegerLookup(oov_method="farmhash")
    with pytest.raises(ArgumentError, match="vocabulary_dtype must be 'int64'"):
        IntegerLookup(vocabulary_dtype="int32")


@pytest.mark.parametrize("make, x, error, match", [
    (lambda: StringLookup(name="colors"), ["red"], ArgumentError, "'colors': no vocabulary yet"),
    (lambda: StringLookup(vocabulary=["a"]), np.array([1.0, 2.0]), DTypeError,
     "expected strings, got an array of dtype float64"),
    (lambda: IntegerLookup(vocabulary=[1]), np.array(["1"]), DTypeError, "expected integer"),
    (lambda: IntegerLookup(vocabulary=[1]), np.array([1.5]), DataError, "non-integer values"),
    (lambda: IntegerLookup(vocabulary=[1]), np.array([np.nan]), DataError, "NaN"),
    (lambda: StringLookup(vocabulary=["a"], output_mode="count"), np.full((1, 2, 2), "a"),
     ShapeError, "rank 1 .* or 2"),
    (lambda: StringLookup(vocabulary=["a"], invert=True), np.array(["a"]), DTypeError,
     "integer indices"),
])
def test_bad_inputs(make, x, error, match):
    with pytest.raises(error, match=match):
        make()(x)


@pytest.mark.parametrize("make, data, error, match", [
    (StringLookup, [], DataError, "adapt found no tokens"),
    (StringLookup, ["[UNK]", "[UNK]"], DataError, "besides the mask and OOV tokens"),
    (StringLookup, np.array([1, 2]), DTypeError, "expected strings"),
    (IntegerLookup, np.array([1.0, np.nan]), DataError, "NaN"),
    (IntegerLookup, ["a", "b"], DTypeError, "expected integer values"),
])
def test_bad_adapt_data(make, data, error, match):
    with pytest.raises(error, match=match):
        make().adapt(data)


def test_vector_modes_need_the_vocabulary_in_a_graph():
    with pytest.raises(ArgumentError, match="needs the vocabulary before the layer is used"):
        StringLookup(output_mode="multi_hot")(Input(shape=(1,), dtype="string"))
    with pytest.raises(DTypeError, match="takes strings, got a symbolic input of dtype float32"):
        StringLookup(vocabulary=["a"])(Input(shape=(1,)))


# -- config, files, training ------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {}, {"mask_token": "", "num_oov_indices": 2}, {"output_mode": "one_hot"},
    {"output_mode": "tf_idf", "max_tokens": 8, "pad_to_max_tokens": True},
    {"output_mode": "count", "mask_token": "teal"},
])
def test_config_round_trip_keeps_vocabulary_and_idf(kwargs):
    layer = StringLookup(**kwargs)
    layer.adapt(np.array(COLORS).reshape(4, 2))
    clone = deserialize(serialize(layer))
    assert clone.get_config() == layer.get_config()
    assert clone.get_vocabulary() == layer.get_vocabulary()
    x = np.array([["red", "teal"], ["pink", "blue"]])
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())


def test_integer_config_round_trip_with_invert():
    layer = IntegerLookup(mask_token=0, invert=True, vocabulary=np.array([12, 7, 3]))
    clone = IntegerLookup.from_config(layer.get_config())
    assert clone.get_vocabulary() == [0, -1, 12, 7, 3]
    np.testing.assert_array_equal(clone(np.array([0, 1, 2, 4, 9])).numpy(), [0, -1, 12, 3, -1])


def test_string_lookup_first_in_a_sequential_trains_saves_and_loads(tmp_path):
    x = np.array(COLORS)[:, None]
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0], dtype="float32")
    lookup = StringLookup(output_mode="one_hot", name="colors")
    lookup.adapt(x)
    model = Sequential([lookup, Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=3, verbose=0)
    kernel = model.layers[-1].get_weights()[0]
    assert kernel.shape == (6, 1) and np.isfinite(history.history["loss"]).all()
    # the Dense sees one-hot rows: its output is sigmoid(kernel[index] + bias)
    bias = model.layers[-1].get_weights()[1]
    index = lookup(x).numpy().argmax(axis=1)
    expected = 1 / (1 + np.exp(-(kernel[index, 0] + bias[0])))
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], expected, rtol=1e-5)
    model.save(tmp_path / "colors.safetensors")
    loaded = load_model(tmp_path / "colors.safetensors")
    assert loaded.get_layer("colors").get_vocabulary() == lookup.get_vocabulary()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_functional_string_lookup_into_an_embedding(tmp_path):
    x = np.array(COLORS)[:, None]
    y = np.arange(8, dtype="float32")[:, None]
    inputs = Input(shape=(1,), dtype="string")
    ids = StringLookup(vocabulary=["red", "blue", "green"], mask_token="")(inputs)
    assert ids.shape == (None, 1) and ids.dtype == "int64"
    model = Model(inputs, Dense(1)(Flatten()(Embedding(5, 3)(ids))))
    model.compile(optimizer="sgd", loss="mse")
    table = model.get_weights()[0].copy()
    model.fit(x, y, epochs=1, verbose=0)
    changed = ~np.isclose(model.get_weights()[0], table).all(axis=1)
    # only the rows looked up train: OOV (teal, amber) 1, red 2, blue 3, green 4; mask 0 not
    np.testing.assert_array_equal(changed, [False, True, True, True, True])
    model.save(tmp_path / "embed.safetensors")
    loaded = load_model(tmp_path / "embed.safetensors")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_integer_lookup_then_category_encoding_in_a_model(tmp_path):
    ids = np.array([[1990], [2000], [2010], [1990], [1850]])
    y = np.array([[1.0], [2.0], [3.0], [1.0], [0.0]], dtype="float32")
    lookup = IntegerLookup(name="years")
    lookup.adapt(ids[:4])
    assert lookup.get_vocabulary() == [-1, 1990, 2010, 2000]
    model = Sequential([Input(shape=(1,)), lookup,
                        CategoryEncoding(lookup.vocabulary_size(), output_mode="one_hot"),
                        Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(ids, y, epochs=2, verbose=0)
    kernel, bias = model.layers[-1].get_weights()
    np.testing.assert_allclose(model.predict(ids, verbose=0)[:, 0],
                               kernel[[1, 3, 2, 1, 0], 0] + bias[0], rtol=1e-5)
    model.save(tmp_path / "years.safetensors")
    loaded = load_model(tmp_path / "years.safetensors")
    np.testing.assert_array_equal(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0))
