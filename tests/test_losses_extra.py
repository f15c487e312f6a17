"""The Keras 3.15 losses added last: CTC, CategoricalGeneralizedCrossEntropy, Circle, Dice and
Tversky. Values against torch (CTC), hand-worked examples, an independent NumPy circle loss and
numbers printed by Keras 3.15.1 (TensorFlow backend); gradients by finite differences in
float64; compile(loss="...") and a tiny model that trains; configs; bad inputs."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import shendu as keras
from shendu import losses
from shendu.errors import ArgumentError, DataError, ShapeError
from shendu.loss_functions import categorical_generalized_cross_entropy, circle, ctc, dice, tversky
from shendu.testing import check_gradients

RNG = np.random.default_rng(0)
EMBED = RNG.normal(size=(6, 4))
EMBED /= np.linalg.norm(EMBED, axis=1, keepdims=True)
EMBED_LABELS = np.array([0, 1, 0, 2, 1, 3])
CTC_LABELS = np.array([[1, 2, 0], [2, 2, 1]])
CTC_LOGITS = RNG.normal(size=(2, 5, 3))
# Keras's Dice docstring example (batch of two 2×2×1 masks)
SEG_TRUE = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
SEG_PRED = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
GCE_LABELS = np.array([0, 1, 0, 1])
GCE_PROBS = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]])


def _params(obj) -> str:
    return str(inspect.signature(obj).replace(return_annotation=inspect.Signature.empty))


def test_signatures_equal_keras():
    # printed by inspect.signature on keras.losses.* in Keras 3.15.1
    expected = {
        losses.CTC: "(reduction='sum_over_batch_size', name='ctc', dtype=None)",
        losses.CategoricalGeneralizedCrossEntropy:
            "(q=0.5, reduction='sum_over_batch_size', "
            "name='categorical_generalized_cross_entropy', dtype=None)",
        losses.Circle: "(gamma=80.0, margin=0.4, remove_diagonal=True, "
                       "reduction='sum_over_batch_size', name='circle', dtype=None)",
        losses.Dice: "(reduction='sum_over_batch_size', name='dice', axis=None, dtype=None)",
        losses.Tversky: "(alpha=0.5, beta=0.5, reduction='sum_over_batch_size', name='tversky', "
                        "axis=None, dtype=None)",
        losses.ctc: "(y_true, y_pred)",
        losses.categorical_generalized_cross_entropy: "(y_true, y_pred, q)",
        losses.circle: "(y_true, y_pred, ref_labels=None, ref_embeddings=None, "
                       "remove_diagonal=True, gamma=80, margin=0.4)",
        losses.dice: "(y_true, y_pred, axis=None)",
        losses.tversky: "(y_true, y_pred, alpha=0.5, beta=0.5, axis=None)",
    }
    for obj, text in expected.items():
        assert _params(obj) == text, obj


# -- values ----------------------------------------------------------------------------------
def test_ctc_matches_torch():
    torch = pytest.importorskip("torch")
    labels = np.array([[1, 2, 0, 0], [3, 3, 1, 0], [2, 0, 0, 0], [1, 2, 3, 1]])
    logits = np.random.default_rng(3).normal(size=(4, 9, 4))
    lengths = (labels != 0).sum(axis=1)
    log_probs = torch.log_softmax(torch.tensor(logits), dim=-1).transpose(0, 1)
    expected = torch.nn.functional.ctc_loss(
        log_probs, torch.tensor(labels), torch.full((4,), 9), torch.tensor(lengths),
        blank=0, reduction="none").numpy()
    np.testing.assert_allclose(ctc(labels, logits).data, expected, rtol=1e-10)
    np.testing.assert_allclose(losses.CTC()(labels, logits).item(), expected.mean(), rtol=1e-10)
    # Keras 3.15.1: keras.losses.ctc on the same inputs (TensorFlow computes it in float32)
    np.testing.assert_allclose(ctc(CTC_LABELS, CTC_LOGITS).data, [1.7203307152, 2.9550774097],
                               rtol=1e-6)


def test_ctc_hand_worked():
    # two frames, p = ½ each: label "1" is emitted by (1,1), (0,1), (1,0): P = 3/4
    logits = np.log(np.full((1, 2, 2), 0.5))
    assert ctc(np.array([[1, 0]]), logits).data[0] == pytest.approx(-np.log(0.75))
    # float labels holding whole numbers are accepted
    assert ctc(np.array([[1.0, 0.0]]), logits).data[0] == pytest.approx(-np.log(0.75))


def test_dice_and_tversky_keras_example():
    axis = (1, 2, 3)
    # sample 1: 2·1/(2 + 2) → ½; sample 2: 2·0.4/(2 + 1.3) → 1 − 0.8/3.3
    np.testing.assert_allclose(dice(SEG_TRUE, SEG_PRED, axis=axis).data, [0.5, 1 - 0.8 / 3.3],
                               rtol=1e-6)
    assert losses.Dice(axis=axis, reduction=None)(SEG_TRUE, SEG_PRED).shape == (2,)
    # everything at once: 1 − 2·1.4/(4 + 3.3)
    assert losses.Dice()(SEG_TRUE, SEG_PRED).item() == pytest.approx(1 - 2.8 / 7.3, rel=1e-6)
    # Tversky α on Σ y(1 − ŷ) = 1.6, β on Σ ŷ(1 − y) = 0.9 for sample 2 (Keras 3.15.1: 0.7350993)
    got = losses.Tversky(0.3, 0.7, axis=axis, reduction=None)(SEG_TRUE, SEG_PRED).data
    np.testing.assert_allclose(got, [0.5, 1 - 0.4 / (0.4 + 0.3 * 1.6 + 0.7 * 0.9)], rtol=1e-6)
    # whole batch, I = 1.4, Σ y(1 − ŷ) = 2.6, Σ ŷ(1 − y) = 1.9 (Keras 3.15.1: 0.5930233)
    got = losses.Tversky(0.2, 0.8)(SEG_TRUE, SEG_PRED).item()
    assert got == pytest.approx(1 - 1.4 / (1.4 + 0.2 * 2.6 + 0.8 * 1.9), rel=1e-6)
    # α = β = ½ is Dice
    assert tversky(SEG_TRUE, SEG_PRED).item() == pytest.approx(dice(SEG_TRUE, SEG_PRED).item())


def test_generalized_cross_entropy_hand_worked():
    p = np.array([0.7, 0.8, 0.6, 0.6])
    want = (1 - np.sqrt(p)) / 0.5
    np.testing.assert_allclose(
        categorical_generalized_cross_entropy(GCE_LABELS, GCE_PROBS, 0.5).data, want)
    loss = losses.CategoricalGeneralizedCrossEntropy(q=0.3)
    assert loss(GCE_LABELS, GCE_PROBS).item() == pytest.approx(np.mean((1 - p ** 0.3) / 0.3))
    # labels (batch, 1) are read as (batch,) (Keras 3.15.1 broadcasts them to (batch, batch))
    np.testing.assert_allclose(
        categorical_generalized_cross_entropy(GCE_LABELS[:, None], GCE_PROBS, 0.5).data, want)


def _circle_reference(labels, emb, ref_labels, ref, gamma, margin, remove_diagonal):
    """Circle loss row by row, with plain loops."""
    out = []
    for i, (label, e) in enumerate(zip(labels, emb)):
        pos, neg = [], []
        for j, (other, r) in enumerate(zip(ref_labels, ref)):
            d = max(1.0 - float(e @ r), 0.0)
            if other != label:
                neg.append(gamma * max(1 + margin - d, 0.0) * (1 - margin - d))
            elif not (remove_diagonal and i == j):
                pos.append(-gamma * max(margin + d, 0.0) * (margin - d))
        if not pos or not neg:
            out.append(0.0)
            continue
        z = np.logaddexp.reduce(pos) + np.logaddexp.reduce(neg)
        out.append(float(np.logaddexp(0.0, z)))
    return np.array(out)


@pytest.mark.parametrize("gamma, margin, remove_diagonal",
                         [(80.0, 0.4, True), (10.0, 0.25, False), (2.0, 0.1, True)])
def test_circle_matches_reference(gamma, margin, remove_diagonal):
    want = _circle_reference(EMBED_LABELS, EMBED, EMBED_LABELS, EMBED, gamma, margin,
                             remove_diagonal)
    got = circle(EMBED_LABELS, EMBED, remove_diagonal=remove_diagonal, gamma=gamma,
                 margin=margin).data
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # the mean counts only rows whose loss is above 0
    loss = losses.Circle(gamma, margin, remove_diagonal)
    assert loss(EMBED_LABELS, EMBED).item() == pytest.approx(want[want > 0].mean(), rel=1e-10)


def test_circle_keras_numbers():
    # Keras 3.15.1: Circle(reduction=None), Circle(), Circle with sample weights, circle with
    # reference embeddings, on these inputs
    got = losses.Circle(reduction=None)(EMBED_LABELS, EMBED).data
    np.testing.assert_allclose(got, [148.25902, 18.124477, 139.22583, 0.0, 2.4977943e-04, 0.0],
                               rtol=1e-5)
    assert losses.Circle()(EMBED_LABELS, EMBED).item() == pytest.approx(76.4024, rel=1e-5)
    got = losses.Circle(gamma=10.0)(EMBED_LABELS, EMBED, sample_weight=np.arange(6.0)).item()
    assert got == pytest.approx(9.916604, rel=1e-5)
    got = circle(EMBED_LABELS[:3], EMBED[:3], ref_labels=EMBED_LABELS, ref_embeddings=EMBED,
                 gamma=10, margin=0.25).data
    np.testing.assert_allclose(got, [20.54499047, 4.2638531332, 19.4814684325], rtol=1e-9)


# -- gradients -------------------------------------------------------------------------------
def test_gradients_by_finite_differences():
    rng = np.random.default_rng(5)
    seg_true = rng.integers(0, 2, size=(3, 4, 2)).astype(np.float64)
    seg_pred = rng.uniform(0.05, 0.95, size=(3, 4, 2))
    for axis in (None, -1, (1, 2)):
        assert check_gradients(lambda t, p, a=axis: dice(t, p, axis=a), [seg_true, seg_pred],
                               wrt=[1]) < 1e-6
        assert check_gradients(lambda t, p, a=axis: tversky(t, p, 0.3, 0.8, axis=a),
                               [seg_true, seg_pred], wrt=[1]) < 1e-6
    probs = rng.uniform(0.1, 0.9, size=(5, 3))
    labels = rng.integers(0, 3, size=5)
    assert check_gradients(
        lambda t, p: categorical_generalized_cross_entropy(t, p, 0.4), [labels, probs]) < 1e-6
    assert check_gradients(lambda t, z: ctc(t, z), [CTC_LABELS, CTC_LOGITS]) < 1e-6
    emb = rng.normal(size=(6, 3))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    assert check_gradients(lambda t, e: circle(t, e, gamma=3.0, margin=0.3),
                           [EMBED_LABELS, emb]) < 1e-6
    ref = rng.normal(size=(4, 3))
    assert check_gradients(
        lambda t, e, r: circle(t, e, ref_labels=np.array([0, 1, 2, 0]), ref_embeddings=r,
                               gamma=2.0), [EMBED_LABELS, emb, ref]) < 1e-6


# -- names, configs --------------------------------------------------------------------------
NAMES = {"ctc": losses.CTC, "categorical_generalized_cross_entropy":
         losses.CategoricalGeneralizedCrossEntropy, "circle": losses.Circle, "dice": losses.Dice,
         "tversky": losses.Tversky}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_names_and_config_round_trip(name):
    cls = NAMES[name]
    assert isinstance(losses.get(name), cls)
    assert isinstance(losses.get(cls.__name__), cls)
    assert isinstance(losses.get(getattr(losses, name)), cls)
    custom = {"ctc": {}, "categorical_generalized_cross_entropy": {"q": 0.7},
              "circle": {"gamma": 12.0, "margin": 0.2, "remove_diagonal": False},
              "dice": {"axis": (1, 2)}, "tversky": {"alpha": 0.1, "beta": 0.9, "axis": -1}}[name]
    loss = cls(reduction="sum", name="mine", **custom)
    config = loss.get_config()
    assert config == {"name": "mine", "reduction": "sum", "dtype": None, **custom}
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == config
    assert cls.from_config(config).get_config() == config


def test_axis_list_from_json_becomes_tuple():
    assert losses.Dice.from_config({"axis": [1, 2]}).get_config()["axis"] == (1, 2)


# -- training --------------------------------------------------------------------------------
# fit checks the targets' shape against the output's unless the loss says it checks them itself
# (target_kind = "any", read by models/targets.py), as CTC, Circle and the GCE loss do

def _fit(model, loss, x, y, epochs=30):
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    history = model.fit(x, y, epochs=epochs, batch_size=len(x), verbose=0)
    return history.history["loss"]


def test_compile_by_name_and_train_segmentation():
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 4)).astype("float32")
    y_mask = (x[:, :2] > 0).astype("float32")
    for name in ("dice", "tversky"):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="sigmoid")])
        hist = _fit(model, name, x, y_mask, epochs=60)
        assert hist[-1] < 0.5 * hist[0], name


def test_label_losses_train():
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 4)).astype("float32")
    labels = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    hist = _fit(model, "categorical_generalized_cross_entropy", x, labels)
    assert hist[-1] < 0.5 * hist[0]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                              keras.layers.UnitNormalization()])
    hist = _fit(model, losses.Circle(gamma=8.0), x, labels)
    assert hist[-1] < 0.7 * hist[0]


def test_ctc_model_trains():
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 6, 3)).astype("float32")
    # the target: the class of each frame's largest feature (1..3), repeated frames merged
    frames = x.argmax(axis=-1) + 1
    labels = np.zeros((16, 6), dtype="int64")
    for i, row in enumerate(frames):
        merged = [c for j, c in enumerate(row) if j == 0 or c != row[j - 1]]
        labels[i, :len(merged)] = merged
    model = keras.Sequential([keras.Input((6, 3)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(4)])
    hist = _fit(model, "ctc", x, labels, epochs=40)
    assert np.isfinite(hist).all() and hist[-1] < 0.5 * hist[0]


# -- bad inputs ------------------------------------------------------------------------------
@pytest.mark.parametrize("make, match", [
    (lambda: losses.CategoricalGeneralizedCrossEntropy(q=1.0), "q must be"),
    (lambda: losses.CategoricalGeneralizedCrossEntropy(q=0), "q must be"),
    (lambda: losses.Tversky(alpha="a"), "alpha must be"),
    (lambda: losses.Circle(gamma=None), "gamma must be"),
    (lambda: losses.Circle(remove_diagonal="yes"), "remove_diagonal must be"),
    (lambda: losses.Dice(axis=1.5), "axis must be"),
    (lambda: losses.Dice(reduction="avg"), "reduction must be"),
    (lambda: losses.CTC(reduction="avg"), "reduction must be"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ArgumentError, match=match) as info:
        make()
    assert "Hint:" in str(info.value)


@pytest.mark.parametrize("call, error, match", [
    (lambda: losses.Dice()(np.ones((2, 3)), np.ones((2, 4))), ShapeError, "does not match"),
    (lambda: dice(np.ones((2, 3)), np.ones((2, 4))), ShapeError, "dice: y_true"),
    (lambda: tversky(np.ones((2, 3)), np.ones((2, 3)), axis=2), ArgumentError, "axis"),
    (lambda: ctc(np.ones((2, 3), int), np.zeros((2, 4))), ShapeError, "ctc: expected"),
    (lambda: ctc(np.ones((3, 2), int), np.zeros((2, 4, 3))), ShapeError, "ctc: expected"),
    (lambda: ctc(np.full((1, 2), 0.5), np.zeros((1, 4, 3))), DataError, "integer labels"),
    (lambda: ctc(np.array([[5, 1]]), np.zeros((1, 4, 3))), Exception, "5|label"),
    (lambda: circle(np.array([0, 1]), np.ones((3, 2))), ShapeError, "circle: expected"),
    (lambda: circle(np.array([0, 1]), np.ones((2, 2)), ref_embeddings=np.ones((2, 3))),
     ShapeError, "circle: expected"),
    (lambda: categorical_generalized_cross_entropy(np.array([0, 2]), GCE_PROBS[:2], 0.5),
     DataError, "categorical_generalized_cross_entropy: labels must be in"),
    (lambda: categorical_generalized_cross_entropy(np.array([0, 1, 1]), GCE_PROBS, 0.5),
     ShapeError, "categorical_generalized_cross_entropy: expected integer labels"),
])
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match) as info:
        call()
    assert "Hint:" in str(info.value)
