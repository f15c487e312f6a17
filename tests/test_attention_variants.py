"""AdditiveAttention and GroupedQueryAttention against PyTorch (same weights), by finite
differences in float64, masks, config, save/load and a training step.

GroupedQueryAttention → torch: Q = einsum('btd,dhk->bhtk', query, query/kernel) + query/bias
(likewise K, V with the key/value heads), O = scaled_dot_product_attention(Q, K, V, mask,
enable_gqa=True) (query head u reads key/value head u // group, as Keras's repeat), then
(with use_gate) O · sigmoid(gate projection), out = einsum('bhtv,hvo->bto', O, output kernel) +
output bias.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend, ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    AdditiveAttention,
    GroupedQueryAttention,
    GroupQueryAttention,
    deserialize,
    serialize,
)
from shendu.testing import check_gradients


@pytest.fixture(autouse=True)
def _float64():
    backend.set_floatx("float64")  # conftest restores floatx after each test


def _randomize(layer, seed=0):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.6, size=w.shape) for w in layer.get_weights()])


# -- AdditiveAttention: scores = Σ_d scale_d tanh(q_i + k_j) -----------------------------------


def test_additive_attention_by_hand():
    # q = (0.5, -0.5); keys (0.5, 0.5), (-0.5, 0.5): q + k = (1, 0), (0, 0)
    # scores = (2·tanh 1 + 3·tanh 0, 0) with scale (2, 3): softmax(2 tanh 1, 0)
    layer = AdditiveAttention()
    query, value = np.array([[[0.5, -0.5]]]), np.array([[[0.5, 0.5], [-0.5, 0.5]]])
    layer.build_from_shape([query.shape, value.shape])
    layer.scale.assign(np.array([2.0, 3.0]))
    out, probs = layer([query, value], return_attention_scores=True)
    p = 1.0 / (1.0 + np.exp(-2.0 * np.tanh(1.0)))
    np.testing.assert_allclose(probs.data, [[[p, 1 - p]]], rtol=1e-12)
    np.testing.assert_allclose(out.data, [[[p * 0.5 - (1 - p) * 0.5, 0.5]]], rtol=1e-12)


@pytest.mark.parametrize("use_scale,with_key,causal", [(True, False, False), (True, True, True),
                                                       (False, True, False)])
def test_additive_attention_matches_torch_and_finite_differences(use_scale, with_key, causal):
    import torch

    query, value, key = random_inputs((2, 3, 4), (2, 5, 3 if with_key else 4), (2, 5, 4), seed=1)
    key = key if with_key else value
    q_mask = np.array([[1, 0, 1], [1, 1, 1]], dtype=bool)
    v_mask = np.array([[1, 1, 0, 1, 1], [1, 1, 1, 1, 0]], dtype=bool)
    layer = AdditiveAttention(use_scale=use_scale)
    inputs = [Tensor(query, True), Tensor(value, True)] + ([Tensor(key, True)] if with_key
                                                           else [])
    layer.build_from_shape([a.shape for a in inputs])
    _randomize(layer)
    y = layer(inputs, mask=[q_mask, v_mask], use_causal_mask=causal)
    tq, tv = torch_tensor(query), torch_tensor(value)
    tk = torch_tensor(key) if with_key else tv
    pairs = torch.tanh(tq[:, :, None, :] + tk[:, None, :, :])
    ts = torch_tensor(layer.get_weights()[0]) if use_scale else None
    scores = (pairs * ts if use_scale else pairs).sum(-1)
    keep = torch.tensor(v_mask)[:, None, :]
    if causal:
        keep = keep & torch.tril(torch.ones(3, 5, dtype=torch.bool))
    expected = torch.softmax(scores.masked_fill(~keep, -1e9), -1) @ tv
    expected = expected * torch.tensor(q_mask)[:, :, None]
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = np.random.default_rng(2).normal(size=y.shape)
    (y * Tensor(r)).sum().backward()
    (expected * torch_tensor(r, False)).sum().backward()
    for ours, theirs in zip(inputs, (tq, tv, tk)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    if use_scale:
        np.testing.assert_allclose(layer.scale.grad, ts.grad.numpy(), rtol=1e-9, atol=1e-12)

    def fn(q, v, k, *scale):  # the scale as an input, so it is differentiated too
        if scale:
            layer.scale = scale[0]
        return layer([q, v, k], mask=[q_mask, v_mask], use_causal_mask=causal)

    weights = [layer.get_weights()[0]] if use_scale else []
    assert check_gradients(fn, [query, value, key, *weights]) < 1e-6


def test_additive_attention_masked_steps_change_nothing():
    query, value = random_inputs((2, 3, 4), (2, 5, 4), seed=3)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    layer = AdditiveAttention()
    y = layer([query, value], mask=[None, v_mask]).data
    changed = value.copy()
    changed[0, 3:] = 100.0
    np.testing.assert_allclose(layer([query, changed], mask=[None, v_mask]).data, y)
    np.testing.assert_allclose(layer([query[:1], value[:1, :3]]).data, y[:1], rtol=1e-12)


def test_additive_attention_config_weights_and_errors():
    layer = AdditiveAttention(dropout=0.2, seed=3)
    layer([np.ones((1, 2, 4)), np.ones((1, 3, 4))])
    assert [w.path for w in layer.weights] == [f"{layer.name}/scale"]
    config = layer.get_config()
    assert {"use_scale", "dropout", "seed"} <= set(config) and "score_mode" not in config
    assert deserialize(serialize(layer)).get_config() == config
    assert AdditiveAttention(use_scale=False)([np.ones((1, 2, 4))] * 2) is not None
    with pytest.raises(ArgumentError, match="AdditiveAttention.*dropout must be in"):
        AdditiveAttention(dropout=1.5)
    with pytest.raises(ShapeError, match="AdditiveAttention.*query and key need the same"):
        AdditiveAttention()([np.ones((1, 2, 4)), np.ones((1, 3, 4)), np.ones((1, 3, 5))])
    with pytest.raises(ShapeError, match="AdditiveAttention.*expected inputs \\[query, value\\]"):
        AdditiveAttention()(np.ones((1, 2, 4)))


# -- GroupedQueryAttention ---------------------------------------------------------------------


def torch_gqa(layer, query, value, key, mask=None, causal=False):
    import torch
    import torch.nn.functional as F

    w = [torch_tensor(a) for a in layer.get_weights()]
    t_in = [torch_tensor(a) for a in (query, value, key)]

    def heads(x, kernel, bias):
        return torch.einsum("btd,dhk->bhtk", x, kernel) + bias[:, None, :]

    q, k = heads(t_in[0], w[0], w[1]), heads(t_in[2], w[2], w[3])
    rest = w[4:]
    gate = None
    if layer.use_gate:
        gate = torch.sigmoid(heads(t_in[0], rest[0], rest[1]))
        rest = rest[2:]
    v = heads(t_in[1], rest[0], rest[1])
    attn_mask = None if mask is None else torch.tensor(mask)
    o = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=causal,
                                       enable_gqa=True)
    if gate is not None:
        o = o * gate
    out = torch.einsum("bhtv,hvo->bto", o, rest[2]) + rest[3]
    return out, w, t_in


GQA_CASES = [  # (head_dim, query heads, kv heads, query shape, value shape, key dim, gate)
    (3, 4, 2, (2, 4, 6), (2, 5, 3), 7, False),
    (2, 6, 1, (1, 3, 4), (1, 4, 4), None, True),
    (4, 2, 2, (2, 3, 5), (2, 3, 5), None, False),
]


@pytest.mark.parametrize("head_dim,hq,hkv,qs,vs,key_dim,gate", GQA_CASES)
def test_grouped_query_attention_matches_torch(head_dim, hq, hkv, qs, vs, key_dim, gate):
    query, value = random_inputs(qs, vs, seed=4)
    key = random_inputs(vs[:2] + (key_dim,), seed=5)[0] if key_dim else value
    layer = GroupQueryAttention(head_dim, hq, hkv, use_gate=gate)
    inputs = [Tensor(query, True), Tensor(value, True), Tensor(key, True)]
    layer.build_from_shape([a.shape for a in inputs])
    _randomize(layer)
    value_mask = np.ones(vs[:2], dtype=bool)
    value_mask[0, -2:] = False
    y = layer(*inputs, value_mask=value_mask)
    full = np.broadcast_to(value_mask[:, None, None, :], (qs[0], 1, qs[1], vs[1])).copy()
    expected, w, t_in = torch_gqa(layer, query, value, key, mask=full)
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = np.random.default_rng(6).normal(size=y.shape)
    (y * Tensor(r)).sum().backward()
    (expected * torch_tensor(r, False)).sum().backward()
    for ours, theirs in zip(inputs, t_in):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    for var, tw in zip(layer.weights, w):
        if tw.grad is not None:  # key/bias gets none: a softmax ignores a per-row shift
            np.testing.assert_allclose(var.grad, tw.grad.numpy(), rtol=1e-8, atol=1e-11)


def test_grouped_query_attention_causal_matches_torch_and_equals_repeated_heads():
    (x,) = random_inputs((2, 5, 4), seed=7)
    layer = GroupQueryAttention(2, 4, 2)
    layer(x, x)
    _randomize(layer, 1)
    y, scores = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    expected, _, _ = torch_gqa(layer, x, x, x, causal=True)
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert scores.shape == (2, 4, 5, 5)
    np.testing.assert_allclose(np.triu(scores.data[0, 0], 1), 0.0, atol=1e-12)
    # the same as MultiHeadAttention with each key/value head repeated for its group
    from shendu.layers import MultiHeadAttention

    mha = MultiHeadAttention(4, 2)
    mha(x, x)
    w = layer.get_weights()
    mha.set_weights([w[0], w[1], np.repeat(w[2], 2, axis=1), np.repeat(w[3], 2, axis=0),
                     np.repeat(w[4], 2, axis=1), np.repeat(w[5], 2, axis=0), w[6], w[7]])
    np.testing.assert_allclose(mha(x, x, use_causal_mask=True).data, y.data, rtol=1e-12)


def test_grouped_query_attention_masks_and_sliding_window_hide_steps():
    query, value = random_inputs((2, 4, 4), (2, 6, 4), seed=8)
    layer = GroupQueryAttention(2, 2, 1)
    mask = np.array([[1, 1, 1, 1, 0, 0], [1] * 6], dtype=bool)
    y = layer(query, value, value_mask=mask).data
    changed = value.copy()
    changed[0, 4:] = 50.0
    np.testing.assert_allclose(layer(query, changed, value_mask=mask).data, y, rtol=1e-12)
    np.testing.assert_allclose(layer(query, changed, attention_mask=np.broadcast_to(
        mask[:, None, :], (2, 4, 6))).data, y, rtol=1e-12)
    window = GroupQueryAttention(2, 2, 1, sliding_window=2)
    (x,) = random_inputs((1, 6, 4), seed=9)
    _, scores = window(x, x, return_attention_scores=True)
    far = np.abs(np.arange(6)[:, None] - np.arange(6)[None, :]) >= 2
    assert np.all(scores.data[0][:, far] < 1e-12)
    moved = x.copy()
    moved[0, 5] = 9.0  # step 5 is outside step 0..3's windows
    np.testing.assert_allclose(window(moved, moved).data[0, :4], window(x, x).data[0, :4],
                               rtol=1e-12)


def test_grouped_query_attention_gradients_by_finite_differences():
    query, value = random_inputs((2, 3, 4), (2, 4, 4), seed=10)
    layer = GroupQueryAttention(2, 4, 2, use_gate=True, bias_initializer="random_normal")
    mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], dtype=bool)
    assert check_gradients(lambda q, v: layer(q, v, value_mask=mask), [query, value]) < 1e-6
    assert check_gradients(lambda q: layer(q, q, use_causal_mask=True), [query]) < 1e-6


def test_grouped_query_attention_config_training_save_and_load(tmp_path):
    from shendu.layers import Dense, GlobalAveragePooling1D, Input
    from shendu.models import Model, load_model

    layer = GroupQueryAttention(3, 4, 2, dropout=0.3, use_gate=True, sliding_window=3, seed=1,
                                name="gqa")
    assert GroupQueryAttention is GroupedQueryAttention
    assert GroupedQueryAttention(1, 1, 1).name.startswith("grouped_query_attention")
    (q,) = random_inputs((2, 5, 6), seed=11)
    layer(q, q)
    assert [w.path.split("/", 1)[1] for w in layer.weights] == [
        "query/kernel", "query/bias", "key/kernel", "key/bias", "gate/kernel", "gate/bias",
        "value/kernel", "value/bias", "attention_output/kernel", "attention_output/bias"]
    assert [w.shape for w in layer.get_weights()][6:] == [(6, 2, 3), (2, 3), (4, 3, 6), (6,)]
    clone = deserialize(serialize(layer))
    assert clone.get_config() == layer.get_config()
    assert not np.allclose(layer(q, q, training=True).data, layer(q, q).data)  # dropout
    inp = Input(shape=(5, 6))
    out = Dense(1)(GlobalAveragePooling1D()(GroupQueryAttention(2, 2, 1, name="g")(
        inp, inp, use_causal_mask=True)))
    model = Model(inp, out)
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_layer("g").get_weights()
    model.fit(q, np.ones((2, 1)), epochs=1, verbose=0)
    assert not np.allclose(before[0], model.get_layer("g").get_weights()[0])
    path = tmp_path / "gqa.safetensors"
    model.save(path)
    np.testing.assert_allclose(load_model(path).predict(q, verbose=0),
                               model.predict(q, verbose=0))
    loss = ops.square(layer(Tensor(q), Tensor(q))).mean()
    loss.backward()
    assert all(w.grad is not None for w in layer.weights)


@pytest.mark.parametrize("kwargs,match", [
    (dict(head_dim=0, num_query_heads=2, num_key_value_heads=1), "head_dim must be a positive"),
    (dict(head_dim=2, num_query_heads=3, num_key_value_heads=2), "must be a multiple of"),
    (dict(head_dim=2, num_query_heads=2, num_key_value_heads=1, dropout=1.0), "dropout"),
    (dict(head_dim=2, num_query_heads=2, num_key_value_heads=1, sliding_window=0),
     "sliding_window must be a positive"),
])
def test_grouped_query_attention_bad_arguments(kwargs, match):
    with pytest.raises(ArgumentError, match=f"GroupedQueryAttention.*{match}.*Hint"):
        GroupQueryAttention(**kwargs)


def test_grouped_query_attention_bad_shapes():
    layer = GroupQueryAttention(2, 2, 1)
    with pytest.raises(ShapeError, match="GroupedQueryAttention.*batch, steps, features"):
        layer(np.ones((2, 4)), np.ones((2, 4)))
    layer(np.ones((1, 3, 4)), np.ones((1, 5, 4)))
    with pytest.raises(ShapeError, match="expected value with 4 features"):
        layer(np.ones((1, 3, 4)), np.ones((1, 5, 3)))
    with pytest.raises(ShapeError, match="same number of steps"):
        layer(np.ones((1, 3, 4)), np.ones((1, 5, 4)), np.ones((1, 4, 4)))
