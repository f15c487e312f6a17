"""Embedding (vs torch.nn.functional.embedding), Masking and masked GlobalAveragePooling1D."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError
from shendu.layers import (
    Dense,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    Input,
    Masking,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.ops.embedding import embedding_lookup
from shendu.testing import check_gradients


@pytest.mark.parametrize("ids_shape", [(5,), (2, 3), (2, 3, 4)])
def test_embedding_lookup_matches_torch_with_gradients(ids_shape):
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    table = rng.normal(size=(6, 3))
    ids = rng.integers(0, 6, size=ids_shape)
    ids.flat[0] = ids.flat[-1]  # a repeated id accumulates gradient
    t = Tensor(table, requires_grad=True)
    y = embedding_lookup(t, ids)
    tt = torch_tensor(table)
    import torch

    expected = F.embedding(torch.tensor(ids), tt)
    np.testing.assert_allclose(y.data, expected.detach().numpy())
    r = rng.normal(size=y.shape)
    (y * Tensor(r)).sum().backward()
    (expected * torch_tensor(r, False)).sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12)
    assert check_gradients(lambda w: embedding_lookup(w, ids), [table]) < 1e-6


@pytest.mark.parametrize("dim", [5, 6])  # odd: one number at a time; even: complex pairs
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_gradient_scatter_matches_torch_with_many_repeats(dtype, dim):
    """The flat element-wise scatter of the backward: every repeated id sums its rows."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(4)
    table = rng.normal(size=(7, dim)).astype(dtype)
    ids = rng.integers(0, 7, size=(4, 9))  # 36 positions over 7 rows: many repeats
    ids[0, :3] = 6
    t = Tensor(table, requires_grad=True)
    y = embedding_lookup(t, ids)
    r = rng.normal(size=y.shape).astype(dtype)
    (y * Tensor(r)).sum().backward()
    tt = torch.tensor(table, requires_grad=True)
    (F.embedding(torch.tensor(ids), tt) * torch.tensor(r)).sum().backward()
    assert t.grad.dtype == np.dtype(dtype) and t.grad.shape == (7, dim)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=tol, atol=tol)


def test_embedding_layer_shapes_weights_config_and_float_ids():
    layer = Embedding(10, 4, mask_zero=True, name="emb")
    y = layer(np.array([[1.0, 2.0, 0.0]]))  # models feed floats holding whole numbers
    assert y.shape == (1, 3, 4)
    assert [w.shape for w in layer.get_weights()] == [(10, 4)]
    assert layer.weights[0].path == "emb/embeddings"
    assert layer.count_params() == 40
    np.testing.assert_allclose(y.data[0, 1], layer.get_weights()[0][2])
    np.testing.assert_array_equal(layer.compute_mask(np.array([[1, 0, 3]])), [[True, False, True]])
    assert Embedding(3, 2).compute_mask(np.array([[0]])) is None
    clone = deserialize(serialize(layer))
    assert clone.get_config() == layer.get_config() and clone.mask_zero


@pytest.mark.parametrize("bad,match", [(np.array([[10]]), r"\[0, 10\)"),
                                       (np.array([[-1]]), r"\[0, 10\)"),
                                       (np.array([[1.5]]), "integer")])
def test_embedding_rejects_ids_outside_the_table(bad, match):
    with pytest.raises(ArgumentError, match=match):
        Embedding(10, 2)(bad)


def test_embedding_argument_errors():
    with pytest.raises(ArgumentError, match="input_dim"):
        Embedding(0, 3)
    with pytest.raises(ArgumentError, match="output_dim"):
        Embedding(3, 2.5)


def test_embedding_trains_in_a_sequential_model():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, size=(64, 1)).astype("float32")
    model = Sequential([Input(shape=(1,)), Embedding(2, 3), Flatten(),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = model.layers[0].get_weights()[0].copy()
    first = model.train_on_batch(x, x)
    for _ in range(30):
        last = model.train_on_batch(x, x)
    assert not np.allclose(before, model.layers[0].get_weights()[0])
    assert np.ravel(last)[0] < np.ravel(first)[0]


def _embedding_lstm_fit(fast):
    from shendu.layers import LSTM
    from shendu.utils import set_random_seed

    set_random_seed(0)
    rng = np.random.default_rng(5)
    x = rng.integers(0, 30, size=(40, 7))
    y = (x[:, :3].sum(1) > 45).astype("float64")
    model = Sequential([Input(shape=(7,)), Embedding(30, 6), LSTM(5),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.use_fast_path = fast
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert (model._plan is not None) == fast
    return history.history["loss"], model.get_weights(), model.predict(x[:5], verbose=0)


def test_embedding_lstm_model_fast_path_matches_autograd_path():
    """Embedding hands its lookup to the Sequential fast path: same numbers as layer calls."""
    backend.set_floatx("float64")
    try:
        fast, plain = _embedding_lstm_fit(True), _embedding_lstm_fit(False)
    finally:
        backend.set_floatx("float32")
    np.testing.assert_allclose(fast[0], plain[0], rtol=1e-12)
    for a, b in zip(fast[1] + [fast[2]], plain[1] + [plain[2]]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_embedding_fast_path_checks_ids_like_the_layer():
    model = Sequential([Input(shape=(2,)), Embedding(10, 2), Flatten(), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ArgumentError, match=r"\[0, 10\)"):
        model.fit(np.array([[1, 10]]), np.zeros(1), verbose=0)
    with pytest.raises(ArgumentError, match="integer"):
        model.fit(np.array([[1.5, 2.0]]), np.zeros(1), verbose=0)


def test_masking_zeroes_masked_steps_and_reports_the_mask():
    x = np.array([[[1.0, 2.0], [-1.0, -1.0], [0.0, 3.0]]])
    layer = Masking(mask_value=-1.0)
    np.testing.assert_array_equal(layer.compute_mask(x), [[True, False, True]])
    np.testing.assert_allclose(layer(x).data, [[[1, 2], [0, 0], [0, 3]]])
    t = Tensor(x, requires_grad=True)
    layer(t).sum().backward()
    np.testing.assert_allclose(t.grad, [[[1, 1], [0, 0], [1, 1]]])  # masked steps get none
    smooth = np.random.default_rng(3).normal(size=(2, 3, 2))  # away from the mask's jump
    assert check_gradients(lambda t: layer(t), [smooth]) < 1e-6
    assert deserialize(serialize(layer)).mask_value == -1.0


def test_global_average_pooling_1d_honours_a_mask():
    backend.set_floatx("float64")
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    pool = GlobalAveragePooling1D()
    y = pool(x, mask=mask)
    np.testing.assert_allclose(y.data[0], x[0, :2].mean(0))
    np.testing.assert_allclose(y.data[1], x[1].mean(0))
    changed = x.copy()
    changed[0, 2:] = 50.0
    np.testing.assert_allclose(pool(changed, mask=mask).data, y.data)
    np.testing.assert_allclose(pool(x, mask=np.zeros((2, 4), bool)).data, 0.0)  # no NaN
    assert check_gradients(lambda t: pool(t, mask=mask), [x]) < 1e-6
    emb = Embedding(5, 3, mask_zero=True)
    ids = np.array([[3, 1, 0, 0]])
    pooled = GlobalAveragePooling1D()(emb(ids), mask=emb.compute_mask(ids))
    np.testing.assert_allclose(pooled.data[0], emb.get_weights()[0][[3, 1]].mean(0), rtol=1e-6)
