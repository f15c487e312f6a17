"""SimpleRNN, LSTM and GRU: parity with torch.nn.RNN/LSTM/GRU (forward and gradients), gradients
through time by finite differences, masks (padded steps change nothing), and the layer contract
(shapes, weight count, config round trip, one training step, errors)."""

from __future__ import annotations

import numpy as np
import pytest

from shendu import ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import GRU, LSTM, SimpleRNN, deserialize, serialize
from shendu.models import Sequential
from shendu.ops.activations import get_kernel
from shendu.ops.recurrent import GRUFn, LSTMFn, SimpleRNNFn
from shendu.testing import check_gradients

LAYERS = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}



# -- the weight mapping between Keras/shendu and torch ------------------------------------------
def _gru_to_torch(a, u):
    """Keras gate blocks z, r, h → torch's r, z, n (along the last axis)."""
    return np.concatenate([a[..., u:2 * u], a[..., :u], a[..., 2 * u:]], axis=-1)


def _gru_from_torch(a, u):
    """torch gate blocks r, z, n → Keras's z, r, h (along the last axis)."""
    return np.concatenate([a[..., u:2 * u], a[..., :u], a[..., 2 * u:]], axis=-1)


def torch_rnn(kind, layer, bidirectional_with=None):
    """A float64 torch.nn.RNN / LSTM / GRU (batch_first) holding ``layer``'s Keras weights.

    The mapping (Keras/shendu → torch, for kernel K (in, g·u), recurrent R (u, g·u), bias b):

    - SimpleRNN: weight_ih = Kᵀ, weight_hh = Rᵀ, bias_ih = b, bias_hh = 0.
    - LSTM: torch's gates i, f, g, o are Keras's i, f, c, o in the same order, so weight_ih = Kᵀ,
      weight_hh = Rᵀ, bias_ih = b, bias_hh = 0 (torch adds two biases; Keras has one).
    - GRU (reset_after=True): torch orders the gates r, z, n, Keras z, r, h; the column blocks
      are permuted before transposing. torch's n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) is
      Keras's reset_after candidate; bias_ih = b[0], bias_hh = b[1] (permuted likewise).

    ``bidirectional_with`` (a second layer) fills the ``_reverse`` weights of a bidirectional
    torch module.
    """
    import torch

    u, n_in = layer.units, layer.input_dim
    cls = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind]
    module = cls(n_in, u, batch_first=True, dtype=torch.float64,
                 bidirectional=bidirectional_with is not None)
    for suffix, src in [("", layer), ("_reverse", bidirectional_with)]:
        if src is None:
            continue
        K, R, b = src.get_weights()
        if kind == "GRU":
            K, R, b = _gru_to_torch(K, u), _gru_to_torch(R, u), _gru_to_torch(b, u)
            b_ih, b_hh = b[0], b[1]
        else:
            b_ih, b_hh = b, np.zeros_like(b)
        with torch.no_grad():
            getattr(module, f"weight_ih_l0{suffix}").copy_(torch.tensor(K.T))
            getattr(module, f"weight_hh_l0{suffix}").copy_(torch.tensor(R.T))
            getattr(module, f"bias_ih_l0{suffix}").copy_(torch.tensor(b_ih))
            getattr(module, f"bias_hh_l0{suffix}").copy_(torch.tensor(b_hh))
    return module


def torch_weight_grads(kind, module, u, suffix=""):
    """torch's weight gradients in Keras's layout: [kernel, recurrent_kernel, bias]."""
    gK = getattr(module, f"weight_ih_l0{suffix}").grad.numpy().T
    gR = getattr(module, f"weight_hh_l0{suffix}").grad.numpy().T
    g_ih = getattr(module, f"bias_ih_l0{suffix}").grad.numpy()
    g_hh = getattr(module, f"bias_hh_l0{suffix}").grad.numpy()
    if kind == "GRU":
        return [_gru_from_torch(gK, u), _gru_from_torch(gR, u),
                _gru_from_torch(np.stack([g_ih, g_hh]), u)]
    return [gK, gR, g_ih]  # bias_ih and bias_hh get the same gradient; Keras has one bias


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape) for w in layer.get_weights()])


# -- parity with torch -----------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("return_sequences,go_backwards", [(False, False), (True, False),
                                                           (True, True), (False, True)])
def test_forward_and_gradients_match_torch(kind, return_sequences, go_backwards):
    import torch

    x = np.random.default_rng(0).normal(size=(3, 6, 4))
    layer = LAYERS[kind](5, return_sequences=return_sequences, go_backwards=go_backwards,
                         dtype="float64")
    layer.build_from_shape(x.shape)
    _random_weights(layer)
    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    weights = np.random.default_rng(2).normal(size=out.shape)
    (out * Tensor(weights)).sum().backward()

    module = torch_rnn(kind, layer)
    tx = torch.tensor(np.flip(x, axis=1).copy() if go_backwards else x, requires_grad=True)
    seq = module(tx)[0]  # outputs in processing order, as Keras returns them with go_backwards
    expected = seq if return_sequences else seq[:, -1]
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-10)
    gx = tx.grad.numpy()
    np.testing.assert_allclose(xt.grad, np.flip(gx, axis=1) if go_backwards else gx, atol=1e-10)
    for w, g in zip(layer.weights, torch_weight_grads(kind, module, 5)):
        np.testing.assert_allclose(w.grad, g, atol=1e-10)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_return_state_and_initial_state_match_torch(kind):
    import torch

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 3))
    layer = LAYERS[kind](4, return_sequences=True, return_state=True, dtype="float64")
    layer.build_from_shape(x.shape)
    _random_weights(layer, seed=4)
    n_states = 2 if kind == "LSTM" else 1
    init = [Tensor(rng.normal(size=(2, 4)), requires_grad=True) for _ in range(n_states)]
    seq, *states = layer(x, initial_state=init)
    module = torch_rnn(kind, layer)
    t_init = [torch.tensor(s.data[None], requires_grad=True) for s in init]
    t_seq, t_states = module(torch.tensor(x), tuple(t_init) if kind == "LSTM" else t_init[0])
    t_states = list(t_states) if kind == "LSTM" else [t_states]
    np.testing.assert_allclose(seq.data, t_seq.detach().numpy(), atol=1e-10)
    for s, ts in zip(states, t_states):
        np.testing.assert_allclose(s.data, ts[0].detach().numpy(), atol=1e-10)
    # gradients flow into the initial states from the sequence and the final states
    r = [rng.normal(size=t.shape) for t in [seq] + states]
    sum((t * Tensor(w)).sum() for t, w in zip([seq] + states, r)).backward()
    t_loss = (t_seq * torch.tensor(r[0])).sum() + sum(
        (ts[0] * torch.tensor(w)).sum() for ts, w in zip(t_states, r[1:]))
    t_loss.backward()
    for s, ts in zip(init, t_init):
        np.testing.assert_allclose(s.grad, ts.grad.numpy()[0], atol=1e-10)


def test_gru_reset_before_matches_its_formula():
    """reset_after=False (no torch peer): hh = tanh(x W_h + (r ⊙ h) U_h + b_h), by hand."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 4, 3))
    layer = GRU(3, reset_after=False, return_sequences=True, dtype="float64")
    layer.build_from_shape(x.shape)
    _random_weights(layer, seed=6)
    K, R, b = layer.get_weights()
    assert b.shape == (9,)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h, outs = np.zeros((2, 3)), []
    for t in range(4):
        xz = x[:, t] @ K + b
        z = sig(xz[:, :3] + h @ R[:, :3])
        r = sig(xz[:, 3:6] + h @ R[:, 3:6])
        hh = np.tanh(xz[:, 6:] + (r * h) @ R[:, 6:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    np.testing.assert_allclose(layer(x).data, np.stack(outs, axis=1), atol=1e-12)


# -- gradients through time by finite differences -----------------------------------------------
CELLS = [(SimpleRNNFn, 1, lambda u: (u,), {}), (LSTMFn, 4, lambda u: (4 * u,), {}),
         (GRUFn, 3, lambda u: (2, 3 * u), {}),
         (GRUFn, 3, lambda u: (3 * u,), {"reset_after": False})]
_MASK = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], dtype=bool)
OPTIONS = [{}, {"return_sequences": True}, {"go_backwards": True, "return_sequences": True},
           {"mask": _MASK, "return_state": True, "return_sequences": True},
           {"mask": _MASK, "zero_output_for_mask": True, "return_sequences": True},
           {"return_state": True}, {"dropout": 0.3, "recurrent_dropout": 0.4},
           {"activation": "gelu", "recurrent_activation": "hard_sigmoid", "mask": _MASK}]


@pytest.mark.parametrize("cell", CELLS, ids=["SimpleRNN", "LSTM", "GRU", "GRU-reset-before"])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_gradients_through_time_match_finite_differences(cell, options):
    cls, gates, bias_shape, extra = cell
    rng = np.random.default_rng(0)
    u, n_states = 3, 2 if cls is LSTMFn else 1
    inputs = [rng.normal(size=(2, 5, 3)), rng.normal(scale=0.5, size=(3, gates * u)),
              rng.normal(scale=0.5, size=(u, gates * u)), rng.normal(scale=0.5, size=bias_shape(u))]
    inputs += [rng.normal(size=(2, u)) for _ in range(n_states)]
    settings = {"activation": "tanh", "recurrent_activation": "sigmoid", **extra, **options}
    settings["activation"] = get_kernel(settings["activation"])
    settings["recurrent_activation"] = get_kernel(settings["recurrent_activation"])

    def run(*tensors):  # the same dropout masks on every call: a fresh seeded generator
        return cls.apply(*tensors, **settings, rng=np.random.default_rng(7))

    assert check_gradients(run, inputs) < 1e-6


# -- masks: padded steps change nothing ------------------------------------------------------
@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("padding", ["post", "pre"])
def test_padded_and_masked_equals_unpadded(kind, go_backwards, padding):
    rng = np.random.default_rng(8)
    lengths, steps = [5, 2, 3], 6
    seqs = [rng.normal(size=(n, 3)) for n in lengths]
    x, mask = np.zeros((3, steps, 3)), np.zeros((3, steps), dtype=bool)
    for i, s in enumerate(seqs):
        where = slice(0, len(s)) if padding == "post" else slice(steps - len(s), steps)
        x[i, where], mask[i, where] = s, True
    x += 100.0 * ~mask[:, :, None]  # garbage in the padding: it must not leak
    layer = LAYERS[kind](4, return_state=True, go_backwards=go_backwards, dtype="float64")
    layer.build_from_shape(x.shape)
    _random_weights(layer, seed=9)
    xt = Tensor(x, requires_grad=True)
    out, *states = layer(xt, mask=mask)
    (out.sum() + sum(s.sum() for s in states)).backward()
    padded_grads = [w.grad.copy() for w in layer.weights]
    assert np.all(xt.grad[~mask] == 0)  # padded steps get no gradient
    total = [np.zeros_like(g) for g in padded_grads]
    for i, s in enumerate(seqs):
        for w in layer.weights:
            w.grad = None
        xi = Tensor(s[None], requires_grad=True)
        out_i, *states_i = layer(xi)
        (out_i.sum() + sum(t.sum() for t in states_i)).backward()
        np.testing.assert_allclose(out.data[i], out_i.data[0], atol=1e-12)
        for a, b in zip(states, states_i):
            np.testing.assert_allclose(a.data[i], b.data[0], atol=1e-12)
        np.testing.assert_allclose(xt.grad[i][mask[i]], xi.grad[0], atol=1e-12)
        total = [t + w.grad for t, w in zip(total, layer.weights)]
    for g, t in zip(padded_grads, total):
        np.testing.assert_allclose(g, t, atol=1e-10)


@pytest.mark.parametrize("zero_output", [False, True])
def test_masked_steps_repeat_the_previous_output_or_zeros(zero_output):
    """Keras: a masked step keeps the state; its output is the previous one (or zeros)."""
    x = np.random.default_rng(10).normal(size=(1, 4, 2))
    mask = np.array([[True, False, True, False]])
    layer = LSTM(3, return_sequences=True, zero_output_for_mask=zero_output, dtype="float64")
    seq = layer(x, mask=mask).data[0]
    kept = layer(x[:, [0, 2]]).data[0]  # the two real steps alone
    np.testing.assert_allclose(seq[[0, 2]], kept, atol=1e-12)
    for t in (1, 3):
        expected = np.zeros(3) if zero_output else seq[t - 1]
        np.testing.assert_allclose(seq[t], expected, atol=1e-12)


# -- the layer contract -------------------------------------------------------------------------
@pytest.mark.parametrize("kind,kwargs,count", [
    ("SimpleRNN", {}, 4 * 6 + 6 * 6 + 6),
    ("LSTM", {}, 4 * (4 * 6 + 6 * 6 + 6)),
    ("GRU", {}, 3 * (4 * 6 + 6 * 6 + 2 * 6)),
    ("GRU", {"reset_after": False}, 3 * (4 * 6 + 6 * 6 + 6)),
    ("LSTM", {"use_bias": False}, 4 * (4 * 6 + 6 * 6)),
])
def test_weight_count_and_layout(kind, kwargs, count):
    layer = LAYERS[kind](6, **kwargs)
    layer(np.zeros((2, 3, 4)))
    assert layer.count_params() == count
    assert [w.path.split("/")[-1] for w in layer.weights][:2] == ["kernel", "recurrent_kernel"]


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("return_sequences,return_state", [(False, False), (True, False),
                                                           (False, True), (True, True)])
def test_output_shapes(kind, return_sequences, return_state):
    layer = LAYERS[kind](5, return_sequences=return_sequences, return_state=return_state)
    out = layer(np.zeros((2, 7, 3)))
    expected = layer.compute_output_shape((2, 7, 3))
    if return_state:
        assert [t.shape for t in out] == expected
        assert len(out) == (3 if kind == "LSTM" else 2)
    else:
        assert out.shape == expected == ((2, 7, 5) if return_sequences else (2, 5))


def test_lstm_unit_forget_bias_and_initializers():
    layer = LSTM(3)
    layer(np.zeros((1, 2, 4)))
    np.testing.assert_array_equal(layer.bias.data, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    R = layer.recurrent_kernel.data.astype(np.float64)
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-5)  # orthogonal rows
    plain = LSTM(3, unit_forget_bias=False)
    plain(np.zeros((1, 2, 4)))
    np.testing.assert_array_equal(plain.bias.data, np.zeros(12))


@pytest.mark.parametrize("kind,extra", [("SimpleRNN", {}), ("LSTM", {"unit_forget_bias": False}),
                                        ("GRU", {"reset_after": False})])
def test_config_round_trip(kind, extra):
    layer = LAYERS[kind](4, return_sequences=True, go_backwards=True, dropout=0.1,
                         recurrent_dropout=0.2, activation="relu", name=f"rt_{kind}", **extra)
    x = np.random.default_rng(11).normal(size=(2, 3, 5)).astype("float32")
    y = layer(x).data
    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).data, y, rtol=1e-6)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_one_training_step_reduces_the_loss(kind):
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(16, 5, 3)).astype("float32"), rng.normal(size=(16, 1))
    from shendu.layers import Dense

    model = Sequential([LAYERS[kind](8, input_shape=(5, 3)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.train_on_batch(x, y)
    assert model.evaluate(x, y, verbose=0) < before


def test_sequential_fast_path_matches_layer_calls():
    from shendu.layers import Dense

    rng = np.random.default_rng(13)
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    model = Sequential([GRU(5, return_sequences=True, input_shape=(6, 3)), LSTM(4), Dense(2)])
    by_layers = x
    for layer in model.layers:
        by_layers = layer(by_layers).data
    np.testing.assert_allclose(model.predict(x, verbose=0), by_layers, rtol=1e-5, atol=1e-6)


def test_dropout_only_while_training():
    x = np.ones((4, 5, 3), dtype="float32")
    layer = GRU(6, dropout=0.5, recurrent_dropout=0.5, seed=0)
    a, b = layer(x, training=False).data, layer(x, training=False).data
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(layer(x, training=True).data, a)


@pytest.mark.parametrize("make,error,words", [
    (lambda: LSTM(4, stateful=True), ArgumentError, "stateful"),
    (lambda: GRU(0), ArgumentError, "units"),
    (lambda: SimpleRNN(3, dropout=1.5), ArgumentError, "dropout"),
    (lambda: LSTM(3, activation=lambda z: z), ArgumentError, "activation"),
    (lambda: GRU(3, recurrent_activation="softmax"), ArgumentError, "recurrent_activation"),
    (lambda: LSTM(3)(np.zeros((2, 3))), ShapeError, "(batch, time, features)"),
    (lambda: LSTM(3)(np.zeros((2, 3, 4)), mask=np.ones((2, 4), bool)), ShapeError, "mask"),
    (lambda: LSTM(3)(np.zeros((2, 3, 4)), initial_state=[np.zeros((2, 3))]), ShapeError,
     "initial_state"),
])
def test_bad_arguments_raise_clear_errors(make, error, words):
    with pytest.raises(error) as info:
        make()
    assert words in str(info.value) and "Hint" in str(info.value)


def test_layers_compose_with_other_ops():
    """The layer's output is an ordinary Tensor: later ops backpropagate into it."""
    x = Tensor(np.random.default_rng(14).normal(size=(2, 4, 3)), requires_grad=True)
    layer = SimpleRNN(3, return_sequences=True, dtype="float64")
    assert check_gradients(lambda t: ops.tanh(layer(t)).sum(axis=1), [x.data]) < 1e-6


# -- the fused LSTM loop and the scratch pool ---------------------------------------------------
FUSED_OPTIONS = [{}, {"return_sequences": True}, {"go_backwards": True},
                 {"return_state": True, "return_sequences": True, "initial": True},
                 {"dropout": 0.3, "recurrent_dropout": 0.4, "return_sequences": True},
                 {"use_bias": False}]


def _lstm_grads(x, weights, options, dtype):
    """Output and every input gradient of LSTMFn for a fixed random output weighting."""
    rng = np.random.default_rng(21)
    inputs = [Tensor(a.astype(dtype), requires_grad=True) for a in [x] + weights]
    settings = {k: v for k, v in options.items() if k != "initial"}
    out = LSTMFn.apply(*inputs, activation=get_kernel("tanh"),
                       recurrent_activation=get_kernel("sigmoid"),
                       rng=np.random.default_rng(7), **settings)
    (out * Tensor(rng.normal(size=out.shape).astype(dtype))).sum().backward()
    return [out.data] + [t.grad for t in inputs]


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("options", FUSED_OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_fused_lstm_loop_matches_the_general_loop(options, dtype, tol, monkeypatch):
    rng = np.random.default_rng(20)
    u, batch = 4, 3
    x = rng.normal(size=(batch, 6, 5))
    weights = [rng.normal(scale=0.5, size=(5, 4 * u)), rng.normal(scale=0.5, size=(u, 4 * u))]
    if options.get("use_bias", True):
        weights.append(rng.normal(scale=0.5, size=(4 * u,)))
    if options.get("initial"):
        weights += [rng.normal(size=(batch, u)), rng.normal(size=(batch, u))]
    fused = _lstm_grads(x, weights, options, dtype)
    monkeypatch.setattr(LSTMFn, "fused_gates", False)
    general = _lstm_grads(x, weights, options, dtype)
    assert len(fused) == len(general) == 2 + len(weights)
    for a, b in zip(fused, general):
        assert a.dtype == b.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_scratch_reuse_across_calls_of_other_batch_sizes_gives_fresh_numbers(monkeypatch):
    """Buffers kept from earlier calls (training and inference, other batch sizes, GRU and
    Embedding in between) give exactly the numbers of a fresh pool, and the arrays the ops
    return (outputs, gradients) never share memory with a later call's."""
    from shendu.ops import embedding, lstm
    from shendu.ops import scratch as scratch_module

    rng = np.random.default_rng(22)
    weights = [rng.normal(size=(3, 16)), rng.normal(size=(4, 16)), rng.normal(size=(16,))]
    weights = [w.astype("float32") for w in weights]
    settings = dict(activation=get_kernel("tanh"), recurrent_activation=get_kernel("sigmoid"))
    gru = GRU(4, dtype="float32")
    batches = [rng.normal(size=(n, 5, 3)).astype("float32") for n in (5, 1, 3, 5, 1, 2, 5)]
    ids = rng.integers(0, 4, size=(2, 5))

    def run_all():
        kept = []
        for x in batches:
            fn = LSTMFn(return_sequences=True, **settings)
            fn.needs_input_grad = (True,) * 4
            out = fn.forward(x, *weights)
            kept += [out, *fn.backward(np.ones_like(out))]
            kept.append(LSTMFn.apply(x, *weights, **settings).data)  # inference
            kept.append(gru(x).data)
            lookup = embedding.EmbeddingLookup()
            lookup.forward(weights[1], ids)
            kept.append(lookup.backward(np.ones((2, 5, 16), "float32"))[0])
        return [a.copy() for a in kept], kept

    run_all()  # fills the pool
    assert scratch_module.scratch.held > 0
    copies, reused = run_all()
    fresh_pool = scratch_module.ScratchPool(limit_bytes=0)  # keeps nothing: always new arrays
    monkeypatch.setattr(lstm, "scratch", fresh_pool)
    monkeypatch.setattr(embedding, "scratch", fresh_pool)
    fresh = run_all()[0]
    assert fresh_pool.held == 0 and len(reused) == len(fresh) == 7 * 8
    for got, copy, expected in zip(reused, copies, fresh):
        np.testing.assert_array_equal(got, copy)  # not overwritten by later calls
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("steps", [1, 4, 5])
def test_fused_lstm_inference_keeps_one_step_and_matches_the_general_loop(steps, monkeypatch):
    rng = np.random.default_rng(23)
    args = [rng.normal(size=(3, steps, 2)), rng.normal(size=(2, 12)), rng.normal(size=(3, 12)),
            rng.normal(size=(12,)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))]
    settings = dict(activation=get_kernel("tanh"), recurrent_activation=get_kernel("sigmoid"),
                    return_sequences=True, return_state=True)
    fused = LSTMFn.apply(*args, **settings).data  # no input needs a gradient: inference
    monkeypatch.setattr(LSTMFn, "fused_gates", False)
    np.testing.assert_allclose(fused, LSTMFn.apply(*args, **settings).data, rtol=1e-12,
                               atol=1e-12)
