"""Functional API: graphs of layers, shared layers, nested models, merge layers, subclassing."""

import numpy as np
import pytest

from shendu import backend, ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    Add,
    Average,
    Concatenate,
    Dense,
    Dot,
    Input,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)
from shendu.models import Functional, Model, Sequential
from shendu.optimizers import Adam
from shendu.testing import check_gradients


def test_model_of_inputs_and_outputs_is_functional_and_trains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("float32")
    inputs = Input(shape=(4,))
    hidden = Dense(16, activation="relu")(inputs)
    outputs = Dense(1, activation="sigmoid")(hidden)
    model = Model(inputs=inputs, outputs=outputs)
    assert isinstance(model, Functional)
    model.compile(optimizer=Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


def test_functional_matches_sequential_with_the_same_weights():
    seq = Sequential([Dense(5, activation="tanh", input_dim=3), Dense(2)])
    inputs = Input(shape=(3,))
    outputs = Dense(2)(Dense(5, activation="tanh")(inputs))
    fun = Model(inputs, outputs)
    fun.set_weights(seq.get_weights())
    x = np.random.default_rng(1).normal(size=(7, 3))
    np.testing.assert_allclose(fun.predict(x, verbose=0), seq.predict(x, verbose=0), rtol=1e-6)


def test_shared_layer_gets_gradients_from_both_calls():
    backend.set_floatx("float64")
    a, b = Input(shape=(3,)), Input(shape=(3,))
    shared = Dense(2, activation="tanh")
    out = Add()([shared(a), shared(b)])
    model = Model([a, b], out)
    assert len(shared._inbound_nodes) == 2
    assert model.count_params() == shared.count_params()
    xa, xb = np.random.default_rng(2).normal(size=(2, 4, 3))
    W, bias = shared.get_weights()

    def by_hand(W_t, b_t):
        return ops.tanh(Tensor(xa) @ W_t + b_t) + ops.tanh(Tensor(xb) @ W_t + b_t)

    np.testing.assert_allclose(model([xa, xb]).data, by_hand(Tensor(W), Tensor(bias)).data)
    loss = model([xa, xb]).sum()
    loss.backward()
    W_t, b_t = Tensor(W, requires_grad=True), Tensor(bias, requires_grad=True)
    by_hand(W_t, b_t).sum().backward()
    np.testing.assert_allclose(shared.kernel.grad, W_t.grad)
    np.testing.assert_allclose(shared.bias.grad, b_t.grad)


def test_model_used_as_a_layer_and_feature_extraction():
    inner_in = Input(shape=(4,))
    features = Dense(3, activation="relu", name="features")(inner_in)
    inner = Model(inner_in, Dense(2, name="head")(features), name="inner")
    outer_in = Input(shape=(4,))
    outer = Model(outer_in, Dense(1)(inner(outer_in)))
    x = np.random.default_rng(3).normal(size=(5, 4))
    assert outer.predict(x, verbose=0).shape == (5, 1)
    extractor = Model(inner.inputs, inner.get_layer("features").output)
    expected = np.maximum(x @ inner.get_layer("features").get_weights()[0]
                          + inner.get_layer("features").get_weights()[1], 0)
    np.testing.assert_allclose(extractor.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_config_round_trip_rebuilds_the_same_graph():
    a, b = Input(shape=(3,), name="a"), Input(shape=(2,), name="b")
    shared = Dense(4, name="shared")
    merged = Concatenate(name="cat")([shared(Dense(4, name="pre")(a)), b])
    model = Model([a, b], Dense(1, name="out")(merged), name="graph")
    clone = Functional.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = [np.ones((2, 3)), np.arange(4.0).reshape(2, 2)]
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]


def test_summary_of_a_graph_lists_connections(capsys):
    a, b = Input(shape=(3,), name="left"), Input(shape=(3,), name="right")
    model = Model([a, b], Add(name="sum")([a, b]))
    model.summary()
    text = capsys.readouterr().out
    assert "Connected to" in text and "left[0][0], right[0][0]" in text


def test_disconnected_input_is_a_clear_error():
    a, b = Input(shape=(3,), name="used"), Input(shape=(3,), name="forgotten")
    out = Add()([a, b])
    with pytest.raises(ArgumentError, match="forgotten"):
        Model(a, out)


def test_wrong_number_of_inputs_is_a_clear_error():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    model = Model([a, b], Add()([a, b]))
    with pytest.raises(ShapeError, match="expected 2 input"):
        model([np.ones((1, 3))])


MERGES = [
    (Add, lambda xs: xs[0] + xs[1] + xs[2], 3),
    (Subtract, lambda xs: xs[0] - xs[1], 2),
    (Multiply, lambda xs: xs[0] * xs[1] * xs[2], 3),
    (Average, lambda xs: (xs[0] + xs[1]) / 2, 2),
    (Maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2]), 3),
    (Minimum, lambda xs: np.minimum(xs[0], xs[1]), 2),
]


@pytest.mark.parametrize("cls, reference, count", MERGES)
def test_merge_layers_forward_and_gradients(cls, reference, count):
    xs = list(np.random.default_rng(4).normal(size=(count, 3, 5)))
    layer = cls()
    np.testing.assert_allclose(layer(xs).data, reference(xs).astype("float32"), rtol=1e-6)
    assert check_gradients(lambda *ts: cls()(list(ts)), xs) < 1e-6


def test_concatenate_and_dot_forward_and_gradients():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(Concatenate()([a, b]).data, np.concatenate([a, b], -1), rtol=1e-6)
    assert check_gradients(lambda x, y: Concatenate()([x, y]), [a, b]) < 1e-6
    c, d = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(Dot(axes=1)([c, d]).data[:, 0], (c * d).sum(1), rtol=1e-5)
    cos = (c * d).sum(1) / np.linalg.norm(c, axis=1) / np.linalg.norm(d, axis=1)
    np.testing.assert_allclose(Dot(axes=1, normalize=True)([c, d]).data[:, 0], cos, rtol=1e-5)
    assert check_gradients(lambda x, y: Dot(axes=1, normalize=True)([x, y]), [c, d]) < 1e-6
    e, f = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    expected = np.einsum("bik,bjk->bij", e, f)
    np.testing.assert_allclose(Dot(axes=(2, 2))([e, f]).data, expected, rtol=1e-5)
    assert check_gradients(lambda x, y: Dot(axes=(2, 2))([x, y]), [e, f]) < 1e-6


def test_merge_shape_mismatch_names_the_layer():
    with pytest.raises(ShapeError, match="Add 'bad_add'"):
        Add(name="bad_add")([np.ones((2, 3)), np.ones((2, 4))])


def test_subclassed_model_trains_with_gradients_from_autograd():
    class TwoTower(Model):
        def __init__(self):
            super().__init__(name="two_tower")
            self.left = Dense(8, activation="relu")
            self.right = Dense(8, activation="tanh")
            self.head = Dense(1)

        def call(self, inputs):
            return self.head(self.left(inputs) + self.right(inputs))

    rng = np.random.default_rng(6)
    x = rng.normal(size=(200, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5]))[:, None].astype("float32")
    model = TwoTower()
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=20, batch_size=20, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert len(model.layers) == 3 and model.count_params() == 3 * 8 * 2 + 8 * 2 + 9


def _two_in_two_out():
    a, b = Input(shape=(3,), name="a"), Input(shape=(2,), name="b")
    hidden = Dense(16, activation="relu")(Concatenate()([a, b]))
    kind = Dense(1, activation="sigmoid", name="kind")(hidden)
    size = Dense(1, name="size")(hidden)
    return Model(inputs=[a, b], outputs=[kind, size])


def _multi_data(n=512):
    rng = np.random.default_rng(7)
    xa, xb = rng.normal(size=(n, 3)), rng.normal(size=(n, 2))
    kind = (xa[:, 0] + xb[:, 0] > 0).astype("float32")
    size = (xa[:, 1] - 2 * xb[:, 1]).astype("float32")
    return [xa, xb], [kind, size]


def test_several_inputs_and_outputs_train_with_per_output_losses_weights_and_metrics():
    model = _two_in_two_out()
    model.compile(optimizer=Adam(0.01), loss={"kind": "binary_crossentropy", "size": "mse"},
                  loss_weights={"kind": 1.0, "size": 0.5},
                  metrics={"kind": ["accuracy"], "size": ["mae"]})
    x, y = _multi_data()
    history = model.fit(x, y, epochs=20, batch_size=32, validation_split=0.25, verbose=0)
    h = history.history
    assert {"loss", "kind_loss", "size_loss", "kind_accuracy", "size_mae",
            "val_loss", "val_kind_accuracy"} <= set(h)
    assert h["kind_accuracy"][-1] > 0.9 and h["size_loss"][-1] < 0.5 * h["size_loss"][0]
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    # the total is the weighted sum of the per-output losses
    np.testing.assert_allclose(results["loss"],
                               results["kind_loss"] + 0.5 * results["size_loss"], rtol=1e-5)
    kind, size = model.predict({"a": x[0], "b": x[1]}, verbose=0)
    assert kind.shape == (512, 1) and size.shape == (512, 1)


def test_multi_output_model_saves_and_resumes(tmp_path):
    from shendu.models import load_model

    model = _two_in_two_out()
    model.compile(optimizer="adam", loss=["binary_crossentropy", "mse"], loss_weights=[1, 2],
                  metrics=[["accuracy"], []])
    x, y = _multi_data(128)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "multi.safetensors")
    restored = load_model(tmp_path / "multi.safetensors")
    for a, b in zip(restored.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)
    assert restored._loss_weights == [1.0, 2.0]
    model.fit(x, y, epochs=1, shuffle=False, verbose=0)
    restored.fit(x, y, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_multi_io_bad_input_names_what_is_missing():
    model = _two_in_two_out()
    model.compile(optimizer="adam", loss=["binary_crossentropy", "mse"])
    x, y = _multi_data(16)
    with pytest.raises(ShapeError, match="expected a list of 2 arrays"):
        model.fit(x[0], y, verbose=0)
    with pytest.raises(ArgumentError, match="missing entries"):
        model.fit({"a": x[0]}, y, verbose=0)
    with pytest.raises(ShapeError, match="lengths"):
        model.fit([x[0], x[1][:8]], y, verbose=0)
    with pytest.raises(ArgumentError, match="unknown outputs"):
        model.compile(optimizer="adam", loss={"kind": "mse", "typo": "mse"})
