"""ReversibleEmbedding: the lookup and the reverse projection against NumPy and torch (tied and
untied, soft cap, reverse_dtype), gradients by finite differences in float64, masks, a tiny
language model that learns, config and save/load, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, DTypeError, ShapeError
from shendu.layers import Dense, Input, ReversibleEmbedding, deserialize, serialize
from shendu.losses import SparseCategoricalCrossentropy
from shendu.models import Model, load_model
from shendu.optimizers import Adam
from shendu.testing import check_gradients


@pytest.fixture(autouse=True)
def _float64():
    backend.set_floatx("float64")  # conftest restores floatx after each test


def _built(**kwargs):
    layer = ReversibleEmbedding(7, 4, embeddings_initializer="normal", **kwargs)
    layer(np.array([[0]]))
    return layer


def test_lookup_and_tied_reverse_match_numpy_and_torch():
    import torch.nn.functional as F

    layer = _built()
    table = layer.embeddings.data
    ids = np.array([[1, 6, 0], [3, 3, 2]])
    np.testing.assert_array_equal(layer(ids).data, table[ids])
    (x,) = random_inputs((2, 3, 4), seed=1)
    xt = Tensor(x, True)
    logits = layer(xt, reverse=True)
    np.testing.assert_allclose(logits.data, x @ table.T, rtol=1e-12)
    tx, tt = torch_tensor(x), torch_tensor(table)
    expected = F.linear(tx, tt)  # x @ Eᵀ
    r = np.random.default_rng(2).normal(size=logits.shape)
    (logits * Tensor(r)).sum().backward()
    (expected * torch_tensor(r, False)).sum().backward()
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.embeddings.grad, tt.grad.numpy(), rtol=1e-10)
    assert len(layer.weights) == 1


def test_untied_reverse_uses_its_own_weight():
    layer = _built(tie_weights=False)
    assert [w.path.split("/")[1] for w in layer.weights] == ["embeddings", "reverse_embeddings"]
    assert layer.reverse_embeddings.shape == (4, 7)
    assert not np.allclose(layer.reverse_embeddings.data, layer.embeddings.data.T)
    (x,) = random_inputs((5, 4), seed=3)
    np.testing.assert_allclose(layer(x, reverse=True).data, x @ layer.reverse_embeddings.data,
                               rtol=1e-12)


@pytest.mark.parametrize("tie_weights", [True, False])
def test_soft_cap_matches_torch_and_finite_differences(tie_weights):
    import torch

    layer = _built(tie_weights=tie_weights, logit_soft_cap=0.5)
    kernel = layer.embeddings.data.T if tie_weights else layer.reverse_embeddings.data
    (x,) = random_inputs((3, 4), seed=4)
    out = layer(x, reverse=True).data
    expected = 0.5 * torch.tanh(torch_tensor(x @ kernel, False) / 0.5)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-12)
    assert np.abs(out).max() < 0.5
    assert check_gradients(lambda t: layer(t, reverse=True), [x]) < 1e-6


@pytest.mark.parametrize("tie_weights", [True, False])
def test_gradients_by_finite_differences_reach_the_weights(tie_weights):
    (x,) = random_inputs((2, 3, 4), seed=5)
    layer = _built(tie_weights=tie_weights, logit_soft_cap=2.0)
    assert check_gradients(lambda t: layer(t, reverse=True), [x]) < 1e-6
    weight = layer.embeddings if tie_weights else layer.reverse_embeddings
    original = weight.data.copy()
    r = np.random.default_rng(6).normal(size=(2, 3, 7))
    weight.grad = None
    (layer(x, reverse=True) * Tensor(r)).sum().backward()
    # backprop into the weight against central differences along a random direction d
    d, eps, losses = np.random.default_rng(7).normal(size=original.shape), 1e-6, []
    for sign in (1.0, -1.0):
        weight.data[...] = original + sign * eps * d
        losses.append(float((layer(x, reverse=True).data * r).sum()))
    weight.data[...] = original
    numeric = (losses[0] - losses[1]) / (2 * eps)
    assert float((weight.grad * d).sum()) == pytest.approx(numeric, rel=1e-6)


def test_reverse_dtype_computes_in_that_dtype():
    backend.set_floatx("float32")
    layer = ReversibleEmbedding(5, 3, reverse_dtype="float64")
    hidden = layer(np.array([[1, 2]]))
    assert hidden.dtype == np.float32
    logits = layer(hidden, reverse=True)
    assert logits.dtype == np.float64
    np.testing.assert_allclose(logits.data, hidden.data.astype("float64")
                               @ layer.embeddings.data.astype("float64").T, rtol=1e-12)
    logits.sum().backward()
    assert layer.embeddings.grad.dtype == np.float32 and np.abs(layer.embeddings.grad).sum() > 0
    assert layer.get_config()["reverse_dtype"] == "float64"


def test_mask_zero_masks_the_lookup_not_the_projection():
    layer = ReversibleEmbedding(6, 3, mask_zero=True)
    ids = np.array([[4, 2, 0, 0]])
    hidden = layer(ids)
    np.testing.assert_array_equal(layer.compute_mask(ids), [[True, True, False, False]])
    layer(hidden, reverse=True)
    assert layer.compute_mask(hidden) is None
    assert ReversibleEmbedding(6, 3)(ids) is not None
    assert ReversibleEmbedding(6, 3).compute_mask(ids) is None


def _language_model(tie_weights):
    ids = Input((6,), dtype="int32")
    embedding = ReversibleEmbedding(12, 8, tie_weights=tie_weights, logit_soft_cap=10.0,
                                    name="tokens")
    hidden = Dense(8, activation="tanh")(embedding(ids))
    model = Model(ids, embedding(hidden, reverse=True))
    model.compile(optimizer=Adam(learning_rate=0.05),
                  loss=SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.mark.parametrize("tie_weights", [True, False])
def test_a_tiny_language_model_learns_and_reloads(tie_weights, tmp_path):
    rng = np.random.default_rng(8)
    x = rng.integers(1, 12, size=(32, 6))
    y = (x + 1) % 12  # predict the next id
    model = _language_model(tie_weights)
    assert model.output_shape == (None, 6, 12)
    history = model.fit(x, y, epochs=20, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    path = tmp_path / "lm.safetensors"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert len(loaded.get_layer("tokens").weights) == (1 if tie_weights else 2)


def test_config_round_trip():
    layer = ReversibleEmbedding(9, 3, tie_weights=False, mask_zero=True,
                                reverse_dtype="float32", logit_soft_cap=30, name="tok")
    config = layer.get_config()
    assert {k: config[k] for k in ("input_dim", "output_dim", "tie_weights", "mask_zero",
                                   "reverse_dtype", "logit_soft_cap")} == {
        "input_dim": 9, "output_dim": 3, "tie_weights": False, "mask_zero": True,
        "reverse_dtype": "float32", "logit_soft_cap": 30.0}
    clone = deserialize(serialize(layer))
    assert isinstance(clone, ReversibleEmbedding) and clone.get_config() == config
    defaults = ReversibleEmbedding(4, 2).get_config()
    assert defaults["tie_weights"] is True and defaults["logit_soft_cap"] is None
    assert defaults["reverse_dtype"] is None and defaults["mask_zero"] is False
    assert defaults["embeddings_initializer"]["class_name"] == "RandomUniform"


def test_bad_arguments():
    with pytest.raises(ArgumentError, match="ReversibleEmbedding.*tie_weights must be True or "
                                            "False.*Hint"):
        ReversibleEmbedding(5, 2, tie_weights="yes")
    for cap in (0, -1.0, "2", True):
        with pytest.raises(ArgumentError, match="ReversibleEmbedding.*logit_soft_cap must be a "
                                                "positive number.*Hint"):
            ReversibleEmbedding(5, 2, logit_soft_cap=cap)
    with pytest.raises(DTypeError, match="ReversibleEmbedding.*reverse_dtype must be a float"):
        ReversibleEmbedding(5, 2, reverse_dtype="int32")
    with pytest.raises(DTypeError, match="ReversibleEmbedding.*not a data type.*Hint"):
        ReversibleEmbedding(5, 2, reverse_dtype="fp99")
    with pytest.raises(ArgumentError, match="input_dim must be a positive integer.*Hint"):
        ReversibleEmbedding(0, 2)
    layer = _built()
    with pytest.raises(ShapeError, match="ReversibleEmbedding.*output_dim=4 on the last axis, "
                                         "got shape \\(2, 3\\).*Hint"):
        layer(np.ones((2, 3)), reverse=True)
