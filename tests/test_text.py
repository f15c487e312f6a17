"""TextVectorization: standardisation, vocabulary order, output modes, config round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shendu.errors import ArgumentError, DTypeError
from shendu.layers import TextVectorization, deserialize, serialize

TEXTS = ["The cat sat.", "the cat ran!", "A dog"]


def test_int_mode_vocabulary_order_padding_and_oov():
    layer = TextVectorization()
    layer.adapt(TEXTS)
    # counts: the 2, cat 2, then a dog ran sat 1 each; ties in reverse order, as Keras ranks
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "cat", "sat", "ran", "dog", "a"]
    assert layer.get_vocabulary(include_special_tokens=False)[0] == "the"
    out = layer(["the bird, THE cat", "dog"]).numpy()
    np.testing.assert_array_equal(out, [[2, 1, 2, 3], [6, 0, 0, 0]])  # padded to the longest
    assert out.dtype == np.int64


@pytest.mark.parametrize("length,expected", [(2, [[3, 1]]), (6, [[3, 1, 3, 2, 0, 0]])])
def test_output_sequence_length_pads_or_truncates(length, expected):
    layer = TextVectorization(output_sequence_length=length, vocabulary=["cat", "the"])
    np.testing.assert_array_equal(layer(["the bird the cat"]).numpy(), expected)


@pytest.mark.parametrize("standardize,expected", [
    ("lower_and_strip_punctuation", ["", "[UNK]", "there", "hi"]),  # a tie: reverse order
    ("lower", ["", "[UNK]", "there!", "hi,"]),
    ("strip_punctuation", ["", "[UNK]", "There", "Hi"]),
    (None, ["", "[UNK]", "There!", "Hi,"]),
])
def test_standardize_modes(standardize, expected):
    layer = TextVectorization(standardize=standardize)
    layer.adapt(["Hi, There!"])
    assert layer.get_vocabulary() == expected


def test_max_tokens_counts_the_special_tokens():
    layer = TextVectorization(max_tokens=4)
    layer.adapt(TEXTS)
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "cat"]


def test_multi_hot_and_count_modes():
    hot = TextVectorization(output_mode="multi_hot")
    hot.adapt(TEXTS)
    assert hot.get_vocabulary()[:3] == ["[UNK]", "the", "cat"]
    np.testing.assert_array_equal(hot(["cat cat zebra"]).numpy(), [[1, 0, 1, 0, 0, 0, 0]])
    count = TextVectorization(output_mode="count", vocabulary=hot.get_vocabulary())
    np.testing.assert_array_equal(count(["cat cat zebra"]).numpy(), [[1, 0, 2, 0, 0, 0, 0]])
    padded = TextVectorization(output_mode="multi_hot", max_tokens=10, pad_to_max_tokens=True,
                               vocabulary=["cat"])
    assert padded(["cat"]).shape == (1, 10)


def test_tf_idf_weights_by_hand():
    layer = TextVectorization(output_mode="tf_idf")
    layer.adapt(["a a b", "b c"])  # counts a 2, b 2, c 1; b in 2 documents, a and c in 1
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "c"]  # a, b tie: reverse order
    idf_a, idf_b = math.log(1 + 2 / 2), math.log(1 + 2 / 3)
    oov = (2 * idf_a + idf_b) / 3
    np.testing.assert_allclose(layer(["a a b z"]).numpy(), [[oov, idf_b, 2 * idf_a, 0]],
                               rtol=1e-6)


def test_config_round_trip_keeps_the_vocabulary_and_idf():
    for mode in ("int", "tf_idf"):
        layer = TextVectorization(output_mode=mode, max_tokens=20)
        layer.adapt(TEXTS)
        clone = deserialize(serialize(layer))
        assert clone.get_vocabulary() == layer.get_vocabulary()
        np.testing.assert_allclose(clone(TEXTS).numpy(), layer(TEXTS).numpy())


def test_a_model_config_round_trip_keeps_the_vocabulary():
    from shendu.layers import Dense
    from shendu.models import Sequential

    layer = TextVectorization(output_mode="multi_hot", name="vec")
    layer.adapt(TEXTS)
    model = Sequential([layer, Dense(1)])
    clone = Sequential.from_config(model.get_config())
    assert clone.layers[0].get_vocabulary() == layer.get_vocabulary()
    np.testing.assert_array_equal(clone.layers[0](TEXTS).numpy(), layer(TEXTS).numpy())


def test_errors_name_the_layer_and_the_argument():
    with pytest.raises(ArgumentError, match="output_mode"):
        TextVectorization(output_mode="one_hot")
    with pytest.raises(ArgumentError, match="no vocabulary"):
        TextVectorization()(["x"])
    with pytest.raises(ArgumentError, match="output_sequence_length"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(DTypeError, match="strings"):
        TextVectorization(vocabulary=["a"])(np.ones((2, 2)))


def test_ngrams_add_runs_of_neighbouring_tokens_as_keras_does():
    layer = TextVectorization(ngrams=2)
    layer.adapt(["a b c", "b c d"])
    # counts: b, c, "b c" 2 each; a, d, "a b", "c d" 1 each; ties in reverse order
    assert layer.get_vocabulary() == ["", "[UNK]", "c", "b c", "b", "d", "c d", "a b", "a"]
    # the unigrams in order, then the bigrams
    np.testing.assert_array_equal(layer(["a b c"]).numpy(), [[8, 4, 2, 7, 3]])
    trigrams = TextVectorization(ngrams=(1, 3))
    trigrams.adapt(["a b c d"])
    assert set(trigrams.get_vocabulary()[2:]) == {"a", "b", "c", "d", "a b c", "b c d"}
    pairs = TextVectorization(ngrams=(2,), output_mode="count", vocabulary=["a b", "b c"])
    np.testing.assert_array_equal(pairs(["a b c a b"]).numpy(), [[1, 2, 1]])  # "c a" unknown
    again = deserialize(serialize(trigrams))
    assert again.get_vocabulary() == trigrams.get_vocabulary()
    np.testing.assert_array_equal(again(["b c d"]).numpy(), trigrams(["b c d"]).numpy())


@pytest.mark.parametrize("ngrams", [0, (2, 0), "2", True, ()])
def test_bad_ngrams_are_named(ngrams):
    with pytest.raises(ArgumentError, match="ngrams must be None, an integer >= 1 or a tuple"):
        TextVectorization(ngrams=ngrams)
