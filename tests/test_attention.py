"""MultiHeadAttention and Attention against hand-built PyTorch attention with the same weights.

Weight mapping (Keras layout → torch): Q = einsum('btd,dhk->bhtk', query, query/kernel) +
query/bias[:, None, :] (likewise K, V); O = scaled_dot_product_attention(Q, K, V, mask);
out = einsum('bhtv,hvo->bto', O, attention_output/kernel) + attention_output/bias.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend, ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import Attention, MultiHeadAttention, deserialize, serialize
from shendu.testing import check_gradients


@pytest.fixture(autouse=True)
def _float64():
    backend.set_floatx("float64")  # conftest restores floatx after each test


def torch_mha(layer, query, value, key, mask=None, causal=False):
    import torch
    import torch.nn.functional as F

    w = [torch_tensor(a) for a in layer.get_weights()]
    q_in, v_in, k_in = (torch_tensor(a) for a in (query, value, key))
    q = torch.einsum("btd,dhk->bhtk", q_in, w[0]) + w[1][:, None, :]
    k = torch.einsum("bsd,dhk->bhsk", k_in, w[2]) + w[3][:, None, :]
    v = torch.einsum("bsd,dhk->bhsk", v_in, w[4]) + w[5][:, None, :]
    attn_mask = None if mask is None else torch.tensor(mask)[:, None, :, :]
    o = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=causal)
    out = torch.einsum("bhtv,hvo->bto", o, w[6]) + w[7]
    return out, w, (q_in, v_in, k_in)


CASES = [  # (heads, key_dim, value_dim, query shape, value shape, separate key, output_shape)
    (2, 3, None, (2, 4, 5), (2, 6, 5), False, None),
    (3, 2, 4, (1, 3, 6), (1, 5, 2), True, 7),
    (1, 4, None, (2, 5, 4), (2, 5, 4), False, None),
]


@pytest.mark.parametrize("heads,key_dim,value_dim,qs,vs,with_key,out", CASES)
def test_multi_head_attention_forward_and_gradients_match_torch(heads, key_dim, value_dim, qs,
                                                                vs, with_key, out):
    query, value, key = random_inputs(qs, vs, vs, seed=1)
    if not with_key:
        key = value
    layer = MultiHeadAttention(heads, key_dim, value_dim, output_shape=out,
                               bias_initializer="random_normal")
    qt, vt, kt = Tensor(query, True), Tensor(value, True), Tensor(key, True)
    y = layer(qt, vt, kt if with_key else None)
    expected, w, t_inputs = torch_mha(layer, query, value, key)
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = np.random.default_rng(2).normal(size=y.shape)
    (y * Tensor(r)).sum().backward()
    (expected * torch_tensor(r, False)).sum().backward()
    np.testing.assert_allclose(qt.grad, t_inputs[0].grad.numpy(), rtol=1e-9, atol=1e-12)
    if with_key:
        np.testing.assert_allclose(vt.grad, t_inputs[1].grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(kt.grad, t_inputs[2].grad.numpy(), rtol=1e-9, atol=1e-12)
    for var, tw in zip(layer.weights, w):
        np.testing.assert_allclose(var.grad, tw.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_multi_head_attention_masks_match_torch_and_padding_changes_nothing():
    query, value = random_inputs((2, 3, 4), (2, 5, 4), seed=3)
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    layer = MultiHeadAttention(2, 3)
    y = layer(query, value, value_mask=value_mask).data
    full = np.broadcast_to(value_mask[:, None, :], (2, 3, 5))
    expected, _, _ = torch_mha(layer, query, value, value, mask=full.copy())
    np.testing.assert_allclose(y, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    changed = value.copy()
    changed[0, 3:] = 100.0  # padded positions of sample 0
    y2 = layer(query, changed, value_mask=value_mask).data
    np.testing.assert_allclose(y2, y, rtol=1e-12, atol=1e-12)
    y3 = layer(query, changed, attention_mask=full).data
    np.testing.assert_allclose(y3, y, rtol=1e-12, atol=1e-12)


def test_causal_mask_matches_torch_and_hides_the_future():
    (x,) = random_inputs((2, 5, 4), seed=4)
    layer = MultiHeadAttention(2, 2)
    y = layer(x, x, use_causal_mask=True).data
    expected, _, _ = torch_mha(layer, x, x, x, causal=True)
    np.testing.assert_allclose(y, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    later = x.copy()
    later[:, 3:] = -7.0
    y2 = layer(later, later, use_causal_mask=True).data
    np.testing.assert_allclose(y2[:, :3], y[:, :3], rtol=1e-12, atol=1e-12)
    assert not np.allclose(y2[:, 3:], y[:, 3:])


def test_attention_scores_are_returned_per_head_and_sum_to_one():
    query, value = random_inputs((2, 3, 4), (2, 6, 4), seed=5)
    out, scores = MultiHeadAttention(3, 2)(query, value, return_attention_scores=True)
    assert out.shape == (2, 3, 4) and scores.shape == (2, 3, 3, 6)
    np.testing.assert_allclose(scores.data.sum(-1), 1.0)


def test_multi_head_attention_gradients_match_finite_differences():
    query, value = random_inputs((2, 3, 4), (2, 4, 4), seed=6)
    layer = MultiHeadAttention(2, 3, bias_initializer="random_normal")
    mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], dtype=bool)
    assert check_gradients(lambda q, v: layer(q, v, value_mask=mask), [query, value]) < 1e-6
    assert check_gradients(lambda q: layer(q, q, use_causal_mask=True), [query]) < 1e-6


def test_multi_head_attention_weights_config_dropout_and_training_step():
    layer = MultiHeadAttention(2, 3, value_dim=5, output_shape=6, dropout=0.5, seed=1)
    x = np.ones((1, 4, 8))
    layer(x, x)
    assert [w.shape for w in layer.get_weights()] == [
        (8, 2, 3), (2, 3), (8, 2, 3), (2, 3), (8, 2, 5), (2, 5), (2, 5, 6), (6,)]
    assert layer.count_params() == (8 * 6 + 6) * 2 + (8 * 10 + 10) + (2 * 5 * 6 + 6)
    clone = deserialize(serialize(layer))
    assert clone.get_config() == layer.get_config()
    (q,) = random_inputs((1, 4, 8), seed=7)
    np.testing.assert_allclose(layer(q, q, training=False).data, layer(q, q).data)
    assert not np.allclose(layer(q, q, training=True).data, layer(q, q).data)
    before = [w.copy() for w in layer.get_weights()]
    loss = ops.square(layer(Tensor(q), Tensor(q))).mean()
    loss.backward()
    for var in layer.weights:
        var.assign(var.data - 0.1 * var.grad)
    after = ops.square(layer(q, q)).mean()
    assert float(after.data) < float(loss.data)
    kernels = [(a, b) for i, (a, b) in enumerate(zip(before, layer.get_weights())) if i % 2 == 0]
    assert all(not np.allclose(a, b) for a, b in kernels)  # (key/bias has no gradient: Keras too)


def test_multi_head_attention_in_a_functional_model_and_bad_arguments():
    from shendu.layers import GlobalAveragePooling1D, Input
    from shendu.models import Model

    inp = Input(shape=(5, 4))
    y = GlobalAveragePooling1D()(MultiHeadAttention(2, 2)(inp, inp, use_causal_mask=True))
    model = Model(inp, y)
    assert model.predict(np.ones((3, 5, 4)), verbose=0).shape == (3, 4)
    with pytest.raises(ArgumentError, match="num_heads"):
        MultiHeadAttention(0, 2)
    with pytest.raises(ShapeError, match="3-D"):
        MultiHeadAttention(2, 2)(np.ones((2, 4)), np.ones((2, 4)))


@pytest.mark.parametrize("use_scale,causal,with_key", [(False, False, False), (True, True, True)])
def test_attention_layer_matches_torch(use_scale, causal, with_key):
    import torch

    query, value, key = random_inputs((2, 3, 4), (2, 5, 4), (2, 5, 4), seed=8)
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], dtype=bool)
    v_mask = np.array([[1, 1, 1, 0, 1], [1, 1, 1, 1, 1]], dtype=bool)
    layer = Attention(use_scale=use_scale)
    inputs = [Tensor(query, True), Tensor(value, True)] + ([Tensor(key, True)] if with_key else [])
    layer.build_from_shape([tuple(a.shape) for a in inputs])
    if use_scale:
        layer.scale.assign(np.array(1.7))
    y = layer(inputs, mask=[q_mask, v_mask], use_causal_mask=causal)
    tq, tv = torch_tensor(query), torch_tensor(value)
    tk = torch_tensor(key) if with_key else tv
    scores = tq @ tk.transpose(1, 2) * (1.7 if use_scale else 1.0)
    keep = torch.tensor(v_mask)[:, None, :]
    if causal:
        keep = keep & torch.tril(torch.ones(3, 5, dtype=torch.bool))
    scores = scores.masked_fill(~keep, -1e9)
    expected = (torch.softmax(scores, -1) @ tv) * torch.tensor(q_mask)[:, :, None]
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = np.random.default_rng(0).normal(size=y.shape)
    (y * Tensor(r)).sum().backward()
    (expected * torch_tensor(r, False)).sum().backward()
    np.testing.assert_allclose(inputs[0].grad, tq.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(inputs[1].grad, tv.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert check_gradients(lambda q, v: layer([q, v], mask=[q_mask, v_mask]),
                           [query, value]) < 1e-6
    assert deserialize(serialize(layer)).get_config() == layer.get_config()
    with pytest.raises(ArgumentError, match="score_mode must be 'dot' or 'concat'"):
        Attention(score_mode="additive")


# -- Attention(score_mode="concat"): scores = w · Σ_d tanh(s · (q_i + k_j)) (Keras 3) ---------


def numpy_concat_attention(query, value, key, scale, weight, q_mask=None, v_mask=None):
    """Loop-by-loop reference of Keras 3's concat attention (no vectorised shortcuts)."""
    batch, tq, _ = query.shape
    tv = key.shape[1]
    out = np.zeros((batch, tq, value.shape[2]))
    for b in range(batch):
        for i in range(tq):
            scores = np.array([weight * sum(np.tanh(scale * (query[b, i, d] + key[b, j, d]))
                                            for d in range(query.shape[2])) for j in range(tv)])
            if v_mask is not None:
                scores = scores - 1e9 * (~v_mask[b])
            probs = np.exp(scores - scores.max())
            probs /= probs.sum()
            out[b, i] = probs @ value[b]
            if q_mask is not None and not q_mask[b, i]:
                out[b, i] = 0.0
    return out


def test_concat_attention_by_hand():
    # q = (0.5, -0.5); keys (0.5, 0.5) and (-0.5, 0.5): sums (1, 0) and (0, 0)
    # scores = (tanh 1 + tanh 0, 0) = (0.76159, 0); softmax = (0.68170, 0.31830)
    query = np.array([[[0.5, -0.5]]])
    value = np.array([[[0.5, 0.5], [-0.5, 0.5]]])
    layer = Attention(score_mode="concat")
    out, probs = layer([query, value], return_attention_scores=True)
    p = 1.0 / (1.0 + np.exp(-np.tanh(1.0)))
    np.testing.assert_allclose(probs.data, [[[p, 1 - p]]], rtol=1e-12)
    np.testing.assert_allclose(out.data, [[[p * 0.5 - (1 - p) * 0.5, 0.5]]], rtol=1e-12)
    assert abs(p - 0.68170) < 1e-5


CONCAT_CASES = [  # (use_scale, separate key, masks, causal)
    (False, False, False, False),
    (True, True, True, False),
    (True, False, True, True),
]


@pytest.mark.parametrize("use_scale,with_key,masked,causal", CONCAT_CASES)
def test_concat_attention_matches_numpy_and_torch(use_scale, with_key, masked, causal):
    import torch

    query, value, key = random_inputs((2, 3, 4), (2, 5, 4), (2, 5, 4), seed=3)
    key = key if with_key else value
    q_mask = np.array([[1, 0, 1], [1, 1, 1]], dtype=bool) if masked else None
    v_mask = np.array([[1, 1, 0, 1, 1], [1, 1, 1, 1, 0]], dtype=bool) if masked else None
    layer = Attention(use_scale=use_scale, score_mode="concat")
    inputs = [Tensor(query, True), Tensor(value, True)] + ([Tensor(key, True)] if with_key else [])
    layer.build_from_shape([tuple(a.shape) for a in inputs])
    assert len(layer.weights) == (2 if use_scale else 1)
    scale = 0.7 if use_scale else 1.0
    if use_scale:
        layer.scale.assign(np.array(scale))
    layer.concat_score_weight.assign(np.array(1.3))
    mask = [q_mask, v_mask] if masked else None
    y = layer(inputs, mask=mask, use_causal_mask=causal)
    if not causal:
        np.testing.assert_allclose(
            y.data, numpy_concat_attention(query, value, key, scale, 1.3, q_mask, v_mask),
            rtol=1e-10, atol=1e-12)
    tq, tv = torch_tensor(query), torch_tensor(value)
    tk = torch_tensor(key) if with_key else tv
    ts, tw = torch_tensor(np.array(scale)), torch_tensor(np.array(1.3))
    scores = tw * torch.tanh(ts * (tq[:, :, None, :] + tk[:, None, :, :])).sum(-1)
    keep = torch.ones(2, 1, 5, dtype=torch.bool) if v_mask is None else torch.tensor(v_mask)[
        :, None, :]
    if causal:
        keep = keep & torch.tril(torch.ones(3, 5, dtype=torch.bool))
    expected = torch.softmax(scores.masked_fill(~keep, -1e9), -1) @ tv
    if q_mask is not None:
        expected = expected * torch.tensor(q_mask)[:, :, None]
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = np.random.default_rng(1).normal(size=y.shape)
    (y * Tensor(r)).sum().backward()
    (expected * torch_tensor(r, False)).sum().backward()
    for ours, theirs in zip(inputs, (tq, tv, tk)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.concat_score_weight.grad, tw.grad.numpy(), rtol=1e-9)
    if use_scale:
        np.testing.assert_allclose(layer.scale.grad, ts.grad.numpy(), rtol=1e-9)


def test_concat_attention_gradients_by_finite_differences():
    query, value, key = random_inputs((2, 3, 4), (2, 4, 4), (2, 4, 4), seed=5)
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], dtype=bool)
    v_mask = np.array([[1, 0, 1, 1], [1, 1, 1, 1]], dtype=bool)
    layer = Attention(use_scale=True, score_mode="concat")
    layer.build_from_shape([query.shape, value.shape, key.shape])

    def fn(q, v, k, scale, weight):  # the weights as inputs, so they are differentiated too
        layer.scale, layer.concat_score_weight = scale, weight
        return layer([q, v, k], mask=[q_mask, v_mask], use_causal_mask=True)

    assert check_gradients(fn, [query, value, key, np.array(0.8), np.array(1.2)]) < 1e-6


def test_concat_attention_masks_padded_steps_change_nothing():
    query, value = random_inputs((2, 3, 4), (2, 5, 4), seed=6)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], dtype=bool)
    layer = Attention(score_mode="concat")
    y = layer([query, value], mask=[q_mask, v_mask]).data
    changed = value.copy()
    changed[0, 3:] = 100.0  # padded value (and key) steps of the first sample
    np.testing.assert_allclose(layer([query, changed], mask=[q_mask, v_mask]).data, y)
    np.testing.assert_array_equal(y[0, 2], 0.0)  # a masked query step outputs zeros
    np.testing.assert_allclose(layer([query[:1, :, :], value[:1, :3]]).data[0, :2], y[0, :2])


def test_concat_attention_trains_saves_and_loads(tmp_path):
    from shendu.layers import Dense, GlobalAveragePooling1D, Input
    from shendu.models import Model, load_model

    query_in, value_in = Input(shape=(3, 4)), Input(shape=(5, 4))
    attended = Attention(use_scale=True, score_mode="concat", name="att")([query_in, value_in])
    model = Model([query_in, value_in], Dense(1)(GlobalAveragePooling1D()(attended)))
    model.compile(optimizer="sgd", loss="mse")
    q, v = random_inputs((8, 3, 4), (8, 5, 4), seed=2)
    before = model.get_layer("att").get_weights()
    assert [w.shape for w in before] == [(), ()]
    model.fit([q, v], np.ones((8, 1)), epochs=1, batch_size=8, verbose=0)
    after = model.get_layer("att").get_weights()
    assert all(a != b for a, b in zip(before, after))
    path = tmp_path / "concat.safetensors"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict([q, v], verbose=0), model.predict([q, v], verbose=0))
    layer = loaded.get_layer("att")
    assert layer.score_mode == "concat" and layer.get_weights() == after
    assert deserialize(serialize(layer)).get_config() == layer.get_config()


def test_multi_head_attention_kernels_draw_with_keras_fans():
    """Keras builds each projection as an EinsumDense: Glorot's fans are the input axes and
    the (heads, size) axes, so the spread is √(2 / (dim + heads·size)), not a conv-style fan."""
    layer = MultiHeadAttention(num_heads=8, key_dim=32)
    x = np.zeros((1, 3, 64), "float32")
    layer(x, x)
    kernels = {v.path.split("/", 1)[1]: v.data for v in layer.weights if "kernel" in v.path}
    want = np.sqrt(2.0 / (64 + 8 * 32))  # the same for the output kernel: fans 256 and 64
    for name in ("query/kernel", "key/kernel", "value/kernel", "attention_output/kernel"):
        assert abs(kernels[name].std() / want - 1) < 0.05, name
