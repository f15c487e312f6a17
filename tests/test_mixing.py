"""MixUp and CutMix: each image mixed with its batch partner (a convex combination for MixUp,
a pasted box for CutMix), labels mixed with the same weights, on plain image batches and on
{"images", "labels"} dicts; seeded draws, identity in inference, channels first, gradients by
finite differences, bad arguments and inputs, configs, and training on both paths."""

import numpy as np
import pytest

from helpers import assert_config_round_trip, assert_conv2d_training_agrees, random_inputs
from shendu.errors import ArgumentError, DTypeError, ShapeError
from shendu.layers import CutMix, Input, MixUp
from shendu.models import Sequential
from shendu.testing import check_gradients
from shendu.utils import set_random_seed

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, size=(8, 6, 5, 3))
LABELS = np.eye(8)  # image i has class i: a mixed row shows its partner and weight


def _partners(labels):
    """(partner, own weight) of each row of mixed one-hot labels of classes 0..n−1."""
    own = np.diag(labels).copy()
    rest = labels - np.diag(own)
    partner = np.where(rest.max(axis=1) > 0, rest.argmax(axis=1), np.arange(len(labels)))
    return partner, own


def test_mixup_is_a_convex_combination_with_the_partner_labels_likewise():
    out = MixUp(alpha=0.4, seed=3, dtype="float64")({"images": IMAGES, "labels": LABELS})
    # the seed fixes λ and the order: the layer's generator draws the permutation, then λ
    g = np.random.default_rng(3)
    order, lam = g.permutation(8), g.beta(0.4, 0.4)
    np.testing.assert_allclose(out["images"].data, lam * IMAGES + (1 - lam) * IMAGES[order],
                               rtol=1e-12)
    np.testing.assert_allclose(out["labels"].data, lam * LABELS + (1 - lam) * LABELS[order],
                               rtol=1e-12)
    partner, own = _partners(out["labels"].data)
    np.testing.assert_array_equal(partner[order != np.arange(8)],
                                  order[order != np.arange(8)])
    assert np.allclose(own[order != np.arange(8)], lam) and 0 < lam < 1
    np.testing.assert_allclose(out["labels"].data.sum(axis=1), 1.0)
    # the same draws on a plain batch of images
    np.testing.assert_allclose(MixUp(alpha=0.4, seed=3, dtype="float64")(IMAGES).data,
                               out["images"].data, rtol=1e-12)


def test_mixup_weights_follow_the_beta_distribution():
    layer = MixUp(alpha=0.2, seed=4, dtype="float64")
    data = {"images": np.zeros((2, 1, 1, 1)), "labels": np.eye(2)}
    labels = np.array([layer(data)["labels"].data for _ in range(400)])
    lams = labels[labels[:, 0, 1] > 0, 0, 0]  # the draws that swapped the pair
    assert 120 < len(lams) < 280
    # Beta(0.2, 0.2): mostly near 0 or 1, symmetric about 1/2
    assert ((lams < 0.1) | (lams > 0.9)).mean() > 0.5
    assert abs(lams.mean() - 0.5) < 0.1


def test_cutmix_pastes_a_box_of_the_partner_and_mixes_labels_by_its_area():
    n, h, w = 64, 10, 12
    x = np.broadcast_to(np.arange(n, dtype=float)[:, None, None, None], (n, h, w, 2)).copy()
    out = CutMix(seed=5, dtype="float64")({"images": x, "labels": np.eye(n)})
    y, labels = out["images"].data, out["labels"].data
    partner, own = _partners(labels)
    shares = []
    for i in range(n):
        pasted = y[i, ..., 0] != i
        if pasted.any():
            np.testing.assert_array_equal(y[i][pasted], partner[i])  # the partner's pixels
            rows, cols = np.nonzero(pasted)  # a box: its bounding box is full
            assert pasted.sum() == (np.ptp(rows) + 1) * (np.ptp(cols) + 1)
            # box sides are (1 − λ₀)^½ of height and width: the same share of each
            assert abs((np.ptp(rows) + 1) / h - (np.ptp(cols) + 1) / w) < 2 / min(h, w)
        # the label weight is 1 − the box's (continuous) area: within a row and a column
        assert abs((1 - own[i]) - pasted.mean()) <= (h + w + 1) / (h * w)
        shares.append(pasted.mean())
    np.testing.assert_allclose(labels.sum(axis=1), 1.0)
    assert 0.2 < np.mean(shares) < 0.8 and np.std(shares) > 0.1


def test_cutmix_factor_zero_pastes_all_or_nothing():
    # α ≈ 1e-6: λ₀ is 0 or 1, so each image is its partner's or its own
    x = np.broadcast_to(np.arange(16.0)[:, None, None, None], (16, 4, 4, 1))
    y = CutMix(0.0, seed=6, dtype="float64")(x).data
    assert all(len(np.unique(y[i])) == 1 for i in range(16))


def test_unbatched_images_and_inference_pass_through():
    data = {"images": IMAGES, "labels": LABELS}
    for layer in (MixUp(seed=0, dtype="float64"), CutMix(seed=0, dtype="float64")):
        out = layer(data, training=False)
        np.testing.assert_array_equal(out["images"].data, IMAGES)
        np.testing.assert_array_equal(out["labels"].data, LABELS)
        np.testing.assert_array_equal(layer(IMAGES, training=False).data, IMAGES)
        one = layer({"images": IMAGES[0], "labels": LABELS[0]})
        np.testing.assert_array_equal(one["images"].data, IMAGES[0])
        np.testing.assert_array_equal(one["labels"].data, LABELS[0])
        assert not np.array_equal(layer(IMAGES).data, IMAGES)  # a direct call mixes
        model = Sequential([Input(shape=(6, 5, 3)), layer])
        np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES.astype("float32"))


@pytest.mark.parametrize("cls", [MixUp, CutMix])
def test_seeds_repeat_and_channels_first_matches(cls):
    x = IMAGES.astype("float32")
    np.testing.assert_array_equal(cls(seed=1)(x).data, cls(seed=1)(x).data)
    set_random_seed(2)
    layer = cls()
    first = [layer(x).data for _ in range(2)]
    set_random_seed(2)
    np.testing.assert_array_equal(cls()(x).data, first[0])
    assert not np.array_equal(first[0], first[1])
    last = cls(seed=1)(x).data
    channels_first = cls(seed=1, data_format="channels_first")(np.moveaxis(x, -1, 1)).data
    np.testing.assert_allclose(np.moveaxis(channels_first, 1, -1), last, rtol=1e-6)


@pytest.mark.parametrize("make", [lambda: MixUp(0.5, seed=1), lambda: CutMix(seed=2),
                                  lambda: CutMix(seed=3, data_format="channels_first")])
def test_gradients_match_finite_differences(make):
    x, labels = random_inputs((4, 3, 5, 3), (4, 2), seed=11)
    assert check_gradients(lambda t: make()(t), [x]) < 1e-6
    assert check_gradients(lambda t, y: make()({"images": t, "labels": y})["labels"],
                           [x, labels]) < 1e-6


LAYERS = [MixUp(0.3, data_format="channels_first", seed=1, name="m"), MixUp(),
          CutMix([0.2, 0.7], seed=2), CutMix(0.5, data_format="channels_first")]


@pytest.mark.parametrize("layer", LAYERS)
def test_config_round_trip(layer):
    assert_config_round_trip(layer)


def test_training_with_conv2d_on_both_paths_gives_the_same_numbers(tmp_path):
    assert_conv2d_training_agrees(lambda: [MixUp(seed=1), CutMix(seed=2)],
                                  tmp_path / "mixed.safetensors")


@pytest.mark.parametrize("make,words", [
    (lambda: MixUp(0), ["MixUp", "alpha", "positive", "0"]),
    (lambda: MixUp("big"), ["alpha", "'big'"]),
    (lambda: CutMix(1.5), ["CutMix", "factor", "[0, 1]", "1.5"]),
    (lambda: CutMix((0.5, -1)), ["factor", "(0.5, -1)"]),
    (lambda: MixUp(data_format="nchw"), ["data_format", "'nchw'"]),
    (lambda: MixUp()(np.ones((4, 4))), ["MixUp", "rank", "(4, 4)"]),
    (lambda: CutMix()({"images": np.ones((2, 4, 4, 1, 1))}), ["CutMix", "rank"]),
    (lambda: MixUp()({"image": IMAGES}), ["MixUp", "'images'", "['image']"]),
    (lambda: CutMix()({"images": IMAGES, "labels": LABELS, "bounding_boxes": 0}),
     ["bounding_boxes", "not supported"]),
    (lambda: MixUp()({"images": IMAGES, "labels": LABELS[:5]}),
     ["MixUp", "one label row per image", "(5, 8)", "(8, 6, 5, 3)"]),
    (lambda: CutMix()({"images": IMAGES, "labels": np.arange(8)}),
     ["CutMix", "labels", "floats", "int64", "to_categorical"]),
])
def test_bad_arguments_and_inputs_raise_named_errors(make, words):
    with pytest.raises((ArgumentError, ShapeError, DTypeError)) as info:
        make()
    message = str(info.value)
    assert "Hint" in message
    for word in words:
        assert word in message, (word, message)
