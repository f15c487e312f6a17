"""RandAugment and AugMix: Keras's transforms in Keras's order, num_ops=0 and chain_depth=0
as the identity, factor 0, one transform per batch, AugMix's mixing formula, identity in
inference, seeds, layouts, value_range, gradients by finite differences, named errors, configs
and training in a model."""

import numpy as np
import pytest

from helpers import assert_raises_with_words
from shendu.layers import (
    AugMix,
    AutoContrast,
    Conv2D,
    Dense,
    Flatten,
    Input,
    RandAugment,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.testing import check_gradients

IMAGES = np.random.default_rng(0).uniform(0, 255, size=(3, 8, 8, 3))
RAND_AUGMENT_CLASSES = ["RandomShear", "RandomTranslation", "RandomRotation",
                        "RandomBrightness", "RandomColorDegeneration", "RandomContrast",
                        "RandomSharpness", "RandomPosterization", "Solarization", "AutoContrast",
                        "Equalization"]
AUGMIX_CLASSES = ["RandomShear", "RandomTranslation", "RandomRotation", "RandomPosterization",
                  "Solarization", "AutoContrast", "Equalization", "RandomBrightness",
                  "RandomColorDegeneration", "RandomContrast", "RandomSharpness"]


def _classes(layer):
    return [type(op).__name__ for op in layer._ops]


def test_transforms_are_keras_s_in_keras_s_order_with_keras_s_factors():
    layer = RandAugment(factor=0.5)
    assert _classes(layer) == RAND_AUGMENT_CLASSES
    assert _classes(AugMix()) == AUGMIX_CLASSES
    assert _classes(AugMix(all_ops=False)) == AUGMIX_CLASSES[:7]
    shear, translation, rotation = layer._ops[:3]
    assert shear._x == (0.0, 0.5) and translation._h == (0.0, 0.5)  # shear: either sign
    assert rotation._range == (0.0, 0.5)
    assert layer._ops[7]._bits == (1, 4)  # max(1, int(8 · 0.5)) bits
    assert RandAugment(factor=0.0)._ops[7]._bits == (1, 1)


def test_no_ops_and_no_chain_steps_are_the_identity():
    x = IMAGES.astype("float32")
    np.testing.assert_array_equal(RandAugment(num_ops=0, seed=0)(x).data, x)
    y = AugMix(chain_depth=0, seed=0)(x).data  # w·x + (1 − w)·Σ m_k·x = x
    np.testing.assert_allclose(y, x, rtol=1e-5)


def test_factor_zero_leaves_only_the_transforms_without_a_strength():
    layer = RandAugment(num_ops=1, factor=0.0, seed=0)
    candidates = [op.call(layer._to_tensor(IMAGES), training=True).data for op in layer._ops]
    for candidate in candidates[:6]:  # geometric and colour transforms at strength 0
        np.testing.assert_allclose(candidate, IMAGES, rtol=1e-5, atol=1e-3)
    seen = set()
    for seed in range(12):
        y = RandAugment(num_ops=1, factor=0.0, seed=seed)(IMAGES).data
        matches = [i for i, c in enumerate(candidates) if np.allclose(y, c, atol=1e-3)]
        assert matches, seed
        seen.add(matches[0] if matches[0] >= 6 else 0)
    assert len(seen) > 2


def test_one_transform_for_the_whole_batch():
    seed = next(s for s in range(100) if np.random.default_rng(s).integers(0, 11) == 9)
    y = RandAugment(num_ops=1, seed=seed)(IMAGES).data  # op 9: AutoContrast, every image
    np.testing.assert_allclose(y, AutoContrast()(IMAGES).data, rtol=1e-6)


def test_augmix_mixes_chains_with_dirichlet_and_beta_weights():
    def draws(seed):
        rng = np.random.default_rng(seed)
        gamma, w = rng.gamma(1.0, size=2), rng.beta(1.0, 1.0)
        return gamma / gamma.sum(), w, [int(rng.integers(0, 8)) for _ in range(2)]

    # a seed whose two one-step chains pick AutoContrast (5) or nothing (7)
    seed = next(s for s in range(200) if sorted(draws(s)[2]) == [5, 7])
    m, w, picks = draws(seed)
    x = IMAGES * 0.5 + 20
    y = AugMix(num_chains=2, chain_depth=1, all_ops=False, seed=seed)(x).data
    chains = [AutoContrast()(x).data if p == 5 else x for p in picks]
    expected = np.clip(w * x + (1 - w) * (m[0] * chains[0] + m[1] * chains[1]), 0, 255)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-3)


MAKERS = {
    "randaugment": lambda seed=None, **kw: RandAugment(num_ops=3, seed=seed, **kw),
    "augmix": lambda seed=None, **kw: AugMix(seed=seed, **kw),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_seeds_repeat_inference_is_identity_and_layouts_agree(name):
    make = MAKERS[name]
    a = make(seed=3)(IMAGES).data
    np.testing.assert_array_equal(make(seed=3)(IMAGES).data, a)
    assert not np.allclose(make(seed=4)(IMAGES).data, a)
    np.testing.assert_array_equal(make(seed=3)(IMAGES, training=False).data,
                                  IMAGES.astype("float32"))
    first = make(seed=3, data_format="channels_first")(IMAGES.transpose(0, 3, 1, 2)).data
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), a, rtol=1e-5, atol=1e-3)
    single = make(seed=3)(IMAGES[0]).data
    np.testing.assert_allclose(single, make(seed=3)(IMAGES[:1]).data[0], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_value_range_bounds_the_output(name):
    x = IMAGES / 255
    for seed in range(4):
        y = MAKERS[name](seed=seed, value_range=(0, 1))(x).data
        assert y.min() >= 0 and y.max() <= 1


def test_gradients_match_finite_differences():
    x = np.random.default_rng(10).uniform(40, 200, size=(2, 6, 6, 3))
    # a seed whose three transforms are all smooth ones (shear … sharpness, the first seven)
    seed = next(s for s in range(100)
                if (np.random.default_rng(s).integers(0, 11, size=3) < 7).all())
    assert check_gradients(lambda t: RandAugment(num_ops=3, seed=seed)(t), [x]) < 1e-6
    assert check_gradients(lambda t: AugMix(seed=1)(t), [x]) < 1e-6


def test_config_round_trip():
    for layer in (RandAugment((0, 1), num_ops=1, factor=(0.1, 0.4), interpolation="nearest",
                              seed=2, data_format="channels_first"),
                  AugMix((-1, 1), num_chains=2, chain_depth=1, factor=0.2, alpha=0.5,
                         all_ops=False, seed=3)):
        clone = deserialize(serialize(layer))
        assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
        x = IMAGES[:2] / 255
        if layer.data_format == "channels_first":
            x = x.transpose(0, 3, 1, 2)
        np.testing.assert_array_equal(clone(x).data, type(layer)(**layer.get_config())(x).data)


def test_trains_in_a_model():
    model = Sequential([Input(shape=(8, 8, 3)), RandAugment(num_ops=2, seed=1),
                        AugMix(num_chains=2, seed=2), Conv2D(2, 3), Flatten(), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(IMAGES / 255, np.ones((3, 1)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_array_equal(model.predict(IMAGES / 255, verbose=0),
                                  model.predict(IMAGES / 255, verbose=0))


@pytest.mark.parametrize("make,words", [
    (lambda: RandAugment(num_ops=-1), ["RandAugment", "num_ops", ">= 0", "-1"]),
    (lambda: RandAugment(num_ops=1.5), ["num_ops", "1.5"]),
    (lambda: RandAugment(factor=2), ["factor", "[0, 1]", "2"]),
    (lambda: RandAugment(interpolation="bicubic"), ["interpolation", "'bicubic'"]),
    (lambda: RandAugment(value_range=(0, 0)), ["value_range", "(0, 0)"]),
    (lambda: AugMix(num_chains=0), ["AugMix", "num_chains", ">= 1", "0"]),
    (lambda: AugMix(chain_depth=-2), ["chain_depth", "-2"]),
    (lambda: AugMix(alpha=0), ["alpha", "> 0", "0"]),
    (lambda: AugMix(all_ops="yes"), ["all_ops", "'yes'"]),
    (lambda: RandAugment(seed=0)(np.zeros((1, 4, 4, 2))), ["RandAugment", "2 channels"]),
    (lambda: AugMix(seed=0)(np.zeros((1, 2, 4, 4))), ["AugMix", "4 channels",
                                                       "channels_last"]),
])
def test_bad_arguments_and_inputs_raise_named_errors(make, words):
    assert_raises_with_words(make, words)
