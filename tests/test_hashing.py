"""Hashing and HashedCrossing: the hashes bit for bit against TensorFlow (FarmHash Fingerprint64
over every length branch, SipHash-2-4 with salts, cross_hashed's FingerprintCat64), masks,
output modes, errors, config and model-file round trips."""

from __future__ import annotations

import numpy as np
import pytest

from shendu.errors import ArgumentError, DataError, DTypeError, ShapeError
from shendu.layers import (
    Dense,
    Embedding,
    Flatten,
    HashedCrossing,
    Hashing,
    Input,
    deserialize,
    serialize,
)
from shendu.layers.farmhash import CROSS_HASH_KEY, fingerprint64, fingerprint_cat64, siphash24
from shendu.models import Model, Sequential, load_model


def _text(n: int) -> str:
    return "".join(chr(97 + (i * 7) % 26) for i in range(n))


# UTF-8 lengths 0..16 (four sub-branches), 17-32, 33-64 and > 64 (one, two and several blocks)
TEXTS = ["", "a", "ab", "abc", "abcd", "hello", "12345678", "héllo wörld", _text(16), _text(17),
         _text(24), _text(32), _text(33), _text(48), _text(64), _text(65), _text(100),
         _text(128), _text(129), _text(300), "日本語テキスト", "emoji 🙂🙃"]
BIG = 2**63 - 1  # TensorFlow's largest bucket count: the hash mod 2**63 - 1, nearly all its bits

# The constants below came from TensorFlow 2.21: tf.strings.to_hash_bucket_fast(TEXTS, n),
# tf.strings.to_hash_bucket_strong(TEXTS, n, key=...) and
# tf.sparse.to_dense(tf.sparse.cross_hashed([...], n)) (ints through tf.as_string for Hashing).
FAST = [1936946117179621456, 3694432073954588132, 3066228220894225695, 2640714258260161385,
        1897425971756105985, 3786372426573024489, 3430003927990384362, 9001971122424596627,
        8401081827976153439, 2237273621417572890, 6392635500099343725, 1600711689105381821,
        8045080651094301868, 5711481771250394065, 6926143071330858655, 2768067016444695309,
        6301070013495957609, 1257756605311619470, 1060550032972533880, 7893790802151464326,
        1653575045406466613, 7745977488703121088]
STRONG_133 = [1913067026855311907, 780564409016704190, 5093025715462471512, 5761552114707990823,
              2068665146254458431, 9045681783318921783, 6845566601056562024, 5040009865159831442,
              1732241185949387833, 8648579522323416638, 3085028127148835297, 9133015825715556915,
              5715529014395608443, 2422772797475607955, 4330214820413053937, 8973382061811252110,
              8849336188541087309, 5569238577922023832, 391776328687111593, 478710767258193450,
              977432794874599917, 4198456187765647300]
STRONG_PAIR = [8241180967048923135, 4067710623541608117, 8111316195847997688, 8005411062538407801,
               1721768907376181866, 6458426506827063308, 602889321007905259, 846294528823523942,
               782831364666339815, 1643278294706401926, 8615051729329506651, 2445827893113861043,
               5259136769430659804, 8812392909736530552, 625067726538441986, 6962758123715586588,
               4149089973751569826, 1179291402223366388, 7317599457442425545, 7453957522216233879,
               3120469903749940750, 1893094226532685116]  # key=[-5, 2**40]
FAST_3 = [2, 0, 1, 2, 0, 1, 0, 2, 0, 0, 1, 0, 1, 2, 2, 0, 1, 2, 1, 1, 2, 1]
FAST_9 = [5, 3, 7, 8, 0, 7, 3, 5, 3, 6, 7, 3, 4, 2, 8, 6, 1, 2, 4, 4, 5, 4]
FAST_10 = [3, 9, 2, 5, 5, 6, 2, 7, 6, 0, 2, 8, 8, 2, 2, 9, 6, 7, 0, 6, 3, 5]
INTS = [0, 1, -1, 7, 42, 2**31, -2**40, 2**62]
INT_FAST_1000 = [735, 849, 430, 88, 736, 294, 345, 503]
INT_STRONG_1000 = [136, 559, 457, 512, 403, 513, 128, 641]  # key=[7, 7]
CROSS_A = ["", "a", "héllo wörld", _text(65), "日本語テキスト"]
CROSS_B = [0, -1, 7, 2**40, 12345]
CROSS_C = [_text(17), _text(33), "x", "", "🙂"]
CROSS_STR_INT = [342200373683685600, 5384711665126478857, 2873323004327256267,
                 7345008246224833483, 1063457854321332329]
CROSS_INT_STR = [2804693284008004158, 951642158658053258, 5009981033869140261,
                 4506354884864200421, 1750279001684001285]
CROSS_STR_STR_INT = [8195853148161933071, 5888977658946464282, 4593339448390007582,
                     6413331295622112392, 6065309266411036136]
CROSS_STR_INT_7, CROSS_INT_STR_7 = [6, 4, 3, 5, 6], [0, 4, 2, 4, 0]
CROSS_STR_STR_INT_7 = [6, 4, 1, 6, 5]


# -- the hashes against TensorFlow -------------------------------------------------------------
def test_fingerprint64_matches_to_hash_bucket_fast_on_every_length_branch():
    got = [fingerprint64(t.encode("utf-8")) % BIG for t in TEXTS]
    assert got == FAST


@pytest.mark.parametrize("key, expected", [((133, 133), STRONG_133), ((-5, 2**40), STRONG_PAIR)])
def test_siphash_matches_to_hash_bucket_strong(key, expected):
    assert [siphash24(t.encode("utf-8"), *key) % BIG for t in TEXTS] == expected


def test_cross_fingerprint_matches_cross_hashed():
    def cross(*features):
        out = []
        for row in zip(*features):
            value = CROSS_HASH_KEY
            for v in row:
                value = fingerprint_cat64(value, fingerprint64(v.encode()) if isinstance(v, str)
                                          else v % 2**64)
            out.append(value % BIG)
        return out

    assert cross(CROSS_A, CROSS_B) == CROSS_STR_INT
    assert cross(CROSS_B, CROSS_A) == CROSS_INT_STR


# -- Hashing -----------------------------------------------------------------------------------
def test_hashing_strings_as_keras():
    x = np.array(TEXTS)[:, None]
    np.testing.assert_array_equal(Hashing(3)(x).numpy(), np.array(FAST_3)[:, None])
    np.testing.assert_array_equal(Hashing(10)(np.array(TEXTS)).numpy(), FAST_10)
    np.testing.assert_array_equal(Hashing(BIG)(x).numpy()[:, 0], FAST)
    assert Hashing(3)(x).numpy().dtype == np.int64
    # bytes and object arrays hash the same bytes
    as_bytes = np.array([t.encode("utf-8") for t in TEXTS], dtype=object)
    np.testing.assert_array_equal(Hashing(10)(as_bytes).numpy(), FAST_10)
    np.testing.assert_array_equal(Hashing(10)(list(TEXTS)).numpy(), FAST_10)


def test_hashing_integers_as_their_decimal_text():
    np.testing.assert_array_equal(Hashing(1000)(np.array(INTS)).numpy(), INT_FAST_1000)
    np.testing.assert_array_equal(Hashing(1000, salt=7)(np.array(INTS)).numpy(), INT_STRONG_1000)
    # whole floats (a model's float32 inputs) hash as the integers they hold
    small = np.array(INTS[:5], dtype=np.float32)
    np.testing.assert_array_equal(Hashing(1000)(small).numpy(), INT_FAST_1000[:5])


def test_salt_int_means_the_pair_and_selects_siphash():
    x = np.array(TEXTS)
    np.testing.assert_array_equal(Hashing(BIG, salt=133)(x).numpy(), STRONG_133)
    np.testing.assert_array_equal(Hashing(BIG, salt=(-5, 2**40))(x).numpy(), STRONG_PAIR)
    assert Hashing(4, salt=133).salt == [133, 133] and Hashing(4, salt=133).strong_hash


def test_mask_value_takes_bin_zero_and_the_rest_shift_up():
    out = Hashing(10, mask_value="")(np.array(TEXTS)).numpy()
    np.testing.assert_array_equal(out, [0] + [b + 1 for b in FAST_9[1:]])
    ints = Hashing(1001, mask_value=7)(np.array(INTS)).numpy()
    assert ints[3] == 0 and (np.delete(ints, 3) >= 1).all()
    # one bin: everything is 0, mask or not (as Keras)
    np.testing.assert_array_equal(Hashing(1, mask_value="")(np.array(["", "a"])).numpy(), [0, 0])


def test_output_modes():
    x = np.array([["a", "b", "a"], ["abc", "abc", "abc"]])  # bins with 3: a 0, b 1, abc 2
    np.testing.assert_array_equal(Hashing(3, output_mode="count")(x).numpy(),
                                  [[2, 1, 0], [0, 0, 3]])
    np.testing.assert_array_equal(Hashing(3, output_mode="multi_hot")(x).numpy(),
                                  [[1, 1, 0], [0, 0, 1]])
    one_hot = Hashing(3, output_mode="one_hot")(np.array([["a"], ["b"], ["abc"]])).numpy()
    np.testing.assert_array_equal(one_hot, np.eye(3))
    assert one_hot.dtype == np.float32
    assert Hashing(3, output_mode="one_hot")(x).shape == (2, 3, 3)
    assert Hashing(3, output_mode="multi_hot")(np.array(["a", "b"])).shape == (3,)


def test_empty_batch_and_scalar():
    assert Hashing(3)(np.array([], dtype=str)).shape == (0,)
    assert Hashing(3)(np.array("a")).numpy() == 0


@pytest.mark.parametrize("kwargs, match", [
    ({"num_bins": 0}, "num_bins must be an integer >= 1, got 0"),
    ({"num_bins": 2.5}, "num_bins must be an integer >= 1"),
    ({"num_bins": None}, "num_bins must be an integer >= 1"),
    ({"num_bins": 3, "output_mode": "tf_idf"}, "output_mode must be one of"),
    ({"num_bins": 3, "sparse": True}, "sparse=True is not supported"),
    ({"num_bins": 3, "salt": "pepper"}, "salt must be an integer or a pair"),
    ({"num_bins": 3, "salt": (1, 2, 3)}, "salt must be an integer or a pair"),
    ({"num_bins": 3, "mask_value": 1.5}, "mask_value must be a string, an integer"),
])
def test_bad_hashing_arguments(kwargs, match):
    with pytest.raises(ArgumentError, match=match):
        Hashing(**kwargs)


@pytest.mark.parametrize("make, x, error, match", [
    (lambda: Hashing(3, name="h"), np.array([1.5, 2.0]), DataError, "'h'.*non-integer values"),
    (lambda: Hashing(3), np.array([np.nan]), DataError, "NaN"),
    (lambda: Hashing(3), np.array([1 + 2j]), DTypeError, "expected strings or integers"),
    (lambda: Hashing(3), np.array(["a", 1], dtype=object), DTypeError, "element of type int"),
    (lambda: Hashing(3, mask_value=""), np.array([1, 2]), DTypeError, "mask_value='' is a str"),
    (lambda: Hashing(3, output_mode="count"), np.full((1, 2, 2), "a"), ShapeError, "rank 1"),
])
def test_bad_hashing_inputs(make, x, error, match):
    with pytest.raises(error, match=match):
        make()(x)


def test_hashing_config_round_trip():
    layer = Hashing(7, mask_value="", salt=(1, 2), output_mode="count", name="h")
    config = layer.get_config()
    assert config["salt"] == [1, 2] and config["mask_value"] == "" and config["num_bins"] == 7
    clone = deserialize(serialize(layer))
    x = np.array([TEXTS[:4], TEXTS[4:8]])
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())


def test_hashing_first_in_a_sequential_trains_saves_and_loads(tmp_path):
    x = np.array(["red", "blue", "red", "green", "teal", "amber", "blue", ""])[:, None]
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0], dtype="float32")
    model = Sequential([Input(shape=(1,), dtype="string"),
                        Hashing(16, salt=3, output_mode="one_hot", name="hash"),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    kernel, bias = model.layers[-1].get_weights()
    bins = Hashing(16, salt=3)(x).numpy()[:, 0]
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0],
                               1 / (1 + np.exp(-(kernel[bins, 0] + bias[0]))), rtol=1e-5)
    model.save(tmp_path / "hash.safetensors")
    loaded = load_model(tmp_path / "hash.safetensors")
    assert loaded.get_layer("hash").salt == [3, 3]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_hashing_integer_ids_after_a_numeric_input():
    x = np.array(INTS[:5])[:, None]
    model = Sequential([Input(shape=(1,)), Hashing(1000), Flatten()])
    np.testing.assert_array_equal(model.predict(x, verbose=0)[:, 0], INT_FAST_1000[:5])


def test_functional_hashing_into_an_embedding(tmp_path):
    inputs = Input(shape=(1,), dtype="string")
    ids = Hashing(10, mask_value="")(inputs)
    assert ids.shape == (None, 1) and ids.dtype == "int64"
    model = Model(inputs, Dense(1)(Flatten()(Embedding(10, 3)(ids))))
    model.compile(optimizer="sgd", loss="mse")
    x = np.array(TEXTS)[:, None]
    model.fit(x, np.arange(len(TEXTS), dtype="float32")[:, None], epochs=1, verbose=0)
    model.save(tmp_path / "embed.safetensors")
    loaded = load_model(tmp_path / "embed.safetensors")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# -- HashedCrossing ----------------------------------------------------------------------------
def test_hashed_crossing_as_keras():
    a, b, c = np.array(CROSS_A), np.array(CROSS_B), np.array(CROSS_C)
    np.testing.assert_array_equal(HashedCrossing(BIG)([a, b]).numpy(), CROSS_STR_INT)
    np.testing.assert_array_equal(HashedCrossing(BIG)([b, a]).numpy(), CROSS_INT_STR)
    np.testing.assert_array_equal(HashedCrossing(BIG)([a, c, b]).numpy(), CROSS_STR_STR_INT)
    np.testing.assert_array_equal(HashedCrossing(7)([a, b]).numpy(), CROSS_STR_INT_7)
    np.testing.assert_array_equal(HashedCrossing(7)((b, a)).numpy(), CROSS_INT_STR_7)
    out = HashedCrossing(7)([a[:, None], c[:, None], b[:, None]]).numpy()
    np.testing.assert_array_equal(out, np.array(CROSS_STR_STR_INT_7)[:, None])
    assert out.dtype == np.int64
    # int32 and whole floats cross as their int64 values; a scalar cross stays a scalar
    np.testing.assert_array_equal(HashedCrossing(7)([a, b.astype(np.float64)]).numpy(),
                                  CROSS_STR_INT_7)
    assert HashedCrossing(7)([np.array("a"), np.array(-1, dtype=np.int32)]).numpy() == 4


def test_hashed_crossing_one_hot():
    a, b = np.array(CROSS_A)[:, None], np.array(CROSS_B)[:, None]
    out = HashedCrossing(7, output_mode="one_hot")([a, b]).numpy()
    np.testing.assert_array_equal(out, np.eye(7)[CROSS_STR_INT_7])
    assert out.dtype == np.float32


@pytest.mark.parametrize("kwargs, match", [
    ({"num_bins": 0}, "num_bins must be an integer >= 1"),
    ({"num_bins": 3, "output_mode": "count"}, "output_mode must be 'int' or 'one_hot'"),
    ({"num_bins": 3, "sparse": True}, "sparse=True is not supported"),
])
def test_bad_crossing_arguments(kwargs, match):
    with pytest.raises(ArgumentError, match=match):
        HashedCrossing(**kwargs)


@pytest.mark.parametrize("x, error, match", [
    (np.array([1, 2]), ArgumentError, "at least two features, got ndarray"),
    ([np.array([1, 2])], ArgumentError, "at least two features, got 1 input"),
    ([np.ones((2, 2), int), np.ones((2, 2), int)], ShapeError, r"\(\), \(batch,\) or"),
    ([np.array([1, 2]), np.array([1, 2, 3])], ShapeError, "equal shapes"),
    ([np.array([1.5]), np.array([1])], DataError, "non-integer values"),
])
def test_bad_crossing_inputs(x, error, match):
    with pytest.raises(error, match=match):
        HashedCrossing(5, name="cross")(x)


def test_functional_crossing_of_a_string_and_a_number_saves_and_loads(tmp_path):
    city = Input(shape=(1,), dtype="string", name="city")
    year = Input(shape=(1,), name="year")
    crossed = HashedCrossing(7, output_mode="one_hot", name="cross")([city, year])
    assert crossed.shape == (None, 7)
    model = Model([city, year], Dense(1)(crossed))
    model.compile(optimizer="sgd", loss="mse")
    years = np.array(CROSS_B[:3] + [1990, 12345], dtype="float32")[:, None]
    x = [np.array(CROSS_A)[:, None], years]
    model.fit(x, np.ones((5, 1), dtype="float32"), epochs=1, verbose=0)
    kernel, bias = model.layers[-1].get_weights()
    bins = HashedCrossing(7)([x[0], x[1]]).numpy()[:, 0]
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], kernel[bins, 0] + bias[0],
                               rtol=1e-5)
    model.save(tmp_path / "cross.safetensors")
    loaded = load_model(tmp_path / "cross.safetensors")
    assert loaded.get_layer("cross").get_config()["num_bins"] == 7
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
