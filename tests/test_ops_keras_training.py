"""A Keras-style custom layer, loss and metric written only with ``keras.ops`` names, through
``import shendu as keras``, train: the loss goes down and the weights get gradients."""

from __future__ import annotations

import numpy as np

import shendu as keras
from shendu.models import Sequential


class GatedFeatures(keras.layers.Layer):
    """x ↦ gelu(x·W + b) ⊙ σ-like gate, layer-normalised with ops.var (written as in Keras)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2 * self.units),
                                 initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(2 * self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        ops = keras.ops
        z = ops.dot(inputs, self.w) + self.b
        value, gate = ops.split(z, 2, axis=-1)
        h = ops.gelu(value) * (0.5 + 0.5 * ops.erf(gate))
        h = ops.einsum("bi,i->bi", h, ops.ones((self.units,)))
        centred = h - ops.mean(h, axis=-1, keepdims=True)
        return centred * ops.rsqrt(ops.var(h, axis=-1, keepdims=True) + 1e-3)


class Scores(keras.layers.Layer):
    """A linear read-out: logits = x·W, as an einsum."""

    def __init__(self, classes, **kwargs):
        super().__init__(**kwargs)
        self.classes = classes

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.classes), name="w")

    def call(self, inputs):
        return keras.ops.einsum("bi,ic->bc", inputs, self.w)


class LogitCrossEntropy(keras.losses.Loss):
    """Cross-entropy from logits against one-hot targets, with ops.argmax, ops.logsumexp,
    ops.one_hot, ops.take_along_axis and ops.log_softmax."""

    def call(self, y_true, y_pred):
        ops = keras.ops
        labels = ops.argmax(y_true, axis=-1)
        picked = ops.take_along_axis(y_pred, ops.expand_dims(labels, -1), axis=-1)
        per_sample = ops.logsumexp(y_pred, axis=-1) - ops.squeeze(picked, -1)
        hot = ops.one_hot(labels, 3)
        smoothing = -ops.sum(hot * ops.log_softmax(y_pred), axis=-1)  # the same, another way
        return 0.5 * (per_sample + smoothing)


def _blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[2.0, 0.0, 0.0, 1.0], [-2.0, 1.0, 0.0, 0.0], [0.0, -2.0, 2.0, 0.0]])
    x = centres[y] + 0.5 * rng.normal(size=(n, 4))
    return x.astype("float32"), np.eye(3, dtype="float32")[y]


def test_custom_layer_and_loss_with_keras_ops_train():
    x, y = _blobs()
    model = Sequential([keras.Input((4,)), GatedFeatures(8), Scores(3)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss=LogitCrossEntropy())
    before = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert model.evaluate(x, y, verbose=0) < 0.5 * before
    accuracy = np.mean(np.argmax(model.predict(x, verbose=0), axis=-1) == y.argmax(-1))
    assert accuracy > 0.9


def test_every_weight_of_the_custom_layer_gets_a_gradient():
    ops = keras.ops
    layer = GatedFeatures(3)
    x = keras.Tensor(np.random.default_rng(1).normal(size=(5, 4)).astype("float32"))
    out = layer(x)
    loss = ops.sum(ops.square(out - ops.zeros_like(out) - 1.0)) + ops.norm(layer.w)
    loss.backward()
    for weight in (layer.w, layer.b):
        assert weight.grad is not None and np.any(weight.grad != 0)
