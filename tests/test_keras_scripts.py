"""Typical Keras scripts (keras.io guide patterns), run with ``import shendu as keras``: each
test asserts what Keras 3 does with the same code, written from Keras's documented behaviour."""

import numpy as np
import pytest

import shendu as keras
from shendu import callbacks, layers, ops
from shendu.models import Sequential


def _quiet_fit(model, *args, **kwargs):
    return model.fit(*args, verbose=0, **kwargs)


# -- `import keras` → `import shendu as keras`: the top-level names ------------------------------
def test_top_level_names_of_keras_exist():
    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    assert isinstance(model, keras.Model)
    assert isinstance(keras.Sequential([layers.Dense(1)]), keras.Model)
    assert issubclass(layers.Dense, keras.Layer)
    assert {"Input", "Model", "Sequential", "Layer", "Loss", "Metric", "Optimizer"} <= set(
        dir(keras))


# -- the Functional API guide: inputs of any length ---------------------------------------------
def test_variable_length_inputs_keep_none_axes_and_train():
    # the guide's ticket classifier: titles and bodies of any length
    title = keras.Input(shape=(None,), name="title")
    body = keras.Input(shape=(None,), name="body")
    t = layers.Embedding(100, 8)(title)
    assert t.shape == (None, None, 8)  # Keras: the time axis stays unknown
    t = layers.LSTM(6)(t)
    b = layers.LSTM(4, return_sequences=True)(layers.Embedding(100, 8)(body))
    assert (t.shape, b.shape) == ((None, 6), (None, None, 4))
    out = layers.Dense(1)(layers.concatenate([t, layers.GlobalAveragePooling1D()(b)]))
    model = keras.Model([title, body], out)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    x = [rng.integers(0, 100, (16, 10)), rng.integers(0, 100, (16, 20))]
    history = _quiet_fit(model, x, np.zeros((16, 1)), epochs=1)
    assert list(history.history) == ["loss"]
    assert model.predict([x[0][:, :3], x[1][:, :7]], verbose=0).shape == (16, 1)


def test_fully_convolutional_input_of_any_size():
    inputs = keras.Input(shape=(None, None, 3))
    x = layers.Conv2D(4, 3, strides=2, activation="relu")(inputs)  # 'valid' needs 3+ pixels
    assert x.shape == (None, None, None, 4)
    assert layers.GlobalAveragePooling2D()(x).shape == (None, 4)


# -- the Functional API guide: outputs given as a dict ------------------------------------------
def _ticket_model():
    inputs = keras.Input(shape=(6,), name="features")
    hidden = layers.Dense(8, activation="relu")(inputs)
    outputs = {"priority": layers.Dense(1, name="priority")(hidden),
               "department": layers.Dense(4, name="department")(hidden)}
    return keras.Model(inputs=inputs, outputs=outputs)


def test_dict_outputs_fit_with_dict_losses_and_predict_a_dict():
    model = _ticket_model()
    assert model.output_names == ["department", "priority"]  # Keras: the sorted keys
    model.compile(optimizer="rmsprop",
                  loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
                        "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
                  loss_weights={"priority": 1.0, "department": 0.2})
    rng = np.random.default_rng(1)
    x = rng.random((32, 6))
    y = {"priority": rng.random((32, 1)),
         "department": np.eye(4)[rng.integers(0, 4, 32)]}
    history = _quiet_fit(model, x, y, epochs=2, batch_size=16)
    assert sorted(history.history) == ["department_loss", "loss", "priority_loss"]
    out = model.predict(x, verbose=0)
    assert isinstance(out, dict)
    assert {k: v.shape for k, v in out.items()} == {"priority": (32, 1), "department": (32, 4)}
    called = model(x[:2])
    assert isinstance(called, dict) and called["department"].shape == (2, 4)


# -- the serialization guide: Model.from_config and clone_model ---------------------------------
def _small_functional():
    inputs = keras.Input(shape=(5,))
    return keras.Model(inputs, layers.Dense(1)(layers.Dense(3, activation="relu")(inputs)))


def test_model_from_config_rebuilds_a_functional_model():
    model = _small_functional()
    new_model = keras.Model.from_config(model.get_config())
    assert new_model.count_params() == model.count_params() == 22
    new_model.set_weights(model.get_weights())
    x = np.random.default_rng(2).random((4, 5))
    np.testing.assert_allclose(new_model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_clone_model_copies_the_architecture_with_new_weights():
    model = _small_functional()
    clone = keras.models.clone_model(model)
    assert clone.count_params() == model.count_params()
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    clone.set_weights([np.zeros_like(w) for w in model.get_weights()])
    assert any(np.any(w != 0) for w in model.get_weights())  # the original is untouched


# -- callbacks: the learning rate lands in the history -----------------------------------------
@pytest.mark.parametrize("make", [
    lambda: callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9),
    lambda: callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
])
def test_learning_rate_callbacks_record_learning_rate_in_history(make):
    model = Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x = np.random.default_rng(3).random((8, 3))
    history = _quiet_fit(model, x, np.zeros((8, 1)), epochs=3, callbacks=[make()])
    assert sorted(history.history) == ["learning_rate", "loss"]
    assert len(history.history["learning_rate"]) == 3
    assert history.history["learning_rate"][-1] < 0.1  # each records the rate it trained with


# -- the subclassing guide: state variables, custom metrics, ops -------------------------------
class CategoricalTruePositives(keras.metrics.Metric):
    """The training guide's custom metric, as written there."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


def test_guide_custom_metric_counts_and_resets():
    metric = CategoricalTruePositives()
    y_pred = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    metric.update_state(np.array([[0], [1], [1]]), y_pred)  # argmax 0, 1, 0: two hits
    assert float(metric.result()) == 2.0
    metric.reset_state()
    assert float(metric.result()) == 0.0


class FlatTruePositives(CategoricalTruePositives):
    """The same count, written to read labels of shape (n,) or (n, 1) alike."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = ops.reshape(y_true, (-1,)) == ops.argmax(y_pred, axis=1)
        self.true_positives.assign_add(ops.sum(ops.cast(hits, "float32")))


def test_guide_custom_metric_in_fit_history():
    model = Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=[FlatTruePositives(name="categorical_true_positives")])
    rng = np.random.default_rng(4)
    history = _quiet_fit(model, rng.random((20, 4)), rng.integers(0, 3, (20, 1)), epochs=1)
    assert sorted(history.history) == ["categorical_true_positives", "loss"]
    assert 0 <= history.history["categorical_true_positives"][0] <= 20


def test_metric_add_variable_default_reset_state():
    class Total(keras.metrics.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.total = self.add_weight(name="total", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(ops.sum(y_pred))

        def result(self):
            return self.total

    metric = Total()
    metric.update_state(None, np.array([1.0, 2.0]))
    assert float(metric.result()) == 3.0 and metric.name == "total"
    metric.reset_state()  # Keras's default: every variable back to its initializer
    assert float(metric.result()) == 0.0


def test_guide_compute_sum_layer_with_assign_add():
    class ComputeSum(layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,),
                                         trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    layer = ComputeSum(2)
    x = np.ones((2, 2), dtype="float32")
    layer(x)
    assert np.asarray(layer(x)).tolist() == [4.0, 4.0]  # the guide prints [4. 4.]
    assert (len(layer.weights), len(layer.trainable_weights)) == (1, 0)


def test_tensor_comparisons_float_and_keras_ops():
    a, b = ops.convert_to_tensor(np.array([1, 2, 3])), np.array([1, 0, 3])
    assert (a == b).numpy().tolist() == [True, False, True]
    assert (a != b).numpy().tolist() == [False, True, False]
    assert (a > 1).numpy().tolist() == [False, True, True]
    assert ops.argmax(np.array([[1, 5], [7, 2]]), axis=-1).numpy().tolist() == [1, 0]
    assert ops.cast(np.array([0.7]), "int32").numpy().dtype == np.int32
    loss = keras.losses.MeanSquaredError()(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]))
    assert float(loss) == 0.5
    assert ops.convert_to_numpy(a).tolist() == [1, 2, 3]


# -- the transfer-learning guide: trainable is recursive; summary(show_trainable=True) ---------
def test_model_trainable_false_freezes_every_sub_layer():
    inner = Sequential([keras.Input(shape=(3,)), layers.Dense(3, activation="relu"),
                        layers.Dense(3, activation="relu")])
    model = Sequential([keras.Input(shape=(3,)), inner, layers.Dense(3, activation="sigmoid")])
    model.trainable = False
    assert all(not layer.trainable for layer in inner.layers)
    assert model.trainable_weights == []
    model.trainable = True  # and unfreezing unfreezes them all again
    assert all(layer.trainable for layer in inner.layers)
    assert len(model.trainable_weights) == 6


def test_summary_show_trainable_column(capsys):
    model = Sequential([keras.Input((3,)), layers.Dense(2, name="frozen"),
                        layers.Dropout(0.1, name="drop"), layers.Dense(1, name="head")])
    model.layers[0].trainable = False
    model.summary(show_trainable=True)
    lines = capsys.readouterr().out.splitlines()
    assert "Trainable" in lines[2]
    rows = {line.split()[1]: line.split("│")[-2].strip() for line in lines
            if line.startswith("│")}
    assert rows == {"frozen": "N", "drop": "-", "head": "Y"}


# -- model.input / model.output / input_shape / output_shape -------------------------------------
def test_model_input_output_and_their_shapes():
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(4, 3)(inputs))
    model = keras.Model(inputs, layers.Dense(10)(x))
    assert model.input is inputs and model.output.shape == (None, 10)
    assert (model.input_shape, model.output_shape) == ((None, 32, 32, 3), (None, 10))
    seq = Sequential([keras.Input((20,)), layers.Dense(16), layers.Dense(3)])
    assert (seq.input_shape, seq.output_shape) == ((None, 20), (None, 3))
    a, b = keras.Input((2,)), keras.Input((3,))
    two = keras.Model([a, b], [layers.Dense(1)(a), layers.Dense(4)(b)])
    assert two.input_shape == [(None, 2), (None, 3)]
    assert two.output_shape == [(None, 1), (None, 4)]


# -- keras.utils helpers ------------------------------------------------------------------------
def test_to_categorical_like_keras():
    assert keras.utils.to_categorical([0, 2, 1]).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    one_hot = keras.utils.to_categorical(np.array([[1], [0]]), num_classes=3)
    assert one_hot.shape == (2, 3) and one_hot.dtype == np.float64  # (n, 1) labels: (n, C)
    assert keras.utils.to_categorical(np.zeros((2, 4), dtype=int), 5).shape == (2, 4, 5)
    with pytest.raises(ValueError):
        keras.utils.to_categorical([0, 3], num_classes=3)


def test_normalize_and_pad_sequences_like_keras():
    np.testing.assert_allclose(keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]])),
                               [[0.6, 0.8], [0.0, 0.0]])
    pad = keras.utils.pad_sequences
    assert pad([[1, 2], [3]], maxlen=3).tolist() == [[0, 1, 2], [0, 0, 3]]
    assert pad([[1, 2, 3, 4]], maxlen=2).tolist() == [[3, 4]]  # truncating='pre'
    assert pad([[1, 2, 3, 4]], maxlen=2, truncating="post", padding="post").tolist() == [[1, 2]]
    assert pad([[1], [2, 3]], padding="post", value=-1).tolist() == [[1, -1], [2, 3]]
    assert pad([[1]]).dtype == np.int32


@pytest.mark.parametrize("clear", [keras.backend.clear_session, keras.utils.clear_session])
def test_clear_session_restarts_layer_names(clear):
    """Keras scripts call clear_session() between models; the names start again at 'dense'."""
    clear()
    first = [layers.Dense(2).name, layers.Dense(2).name, layers.Conv2D(2, 3).name]
    clear()
    assert first == ["dense", "dense_1", "conv2d"] and layers.Dense(2).name == "dense"


def test_an_activation_from_get_is_a_named_function_with_a_gradient():
    """keras.activations.get('relu') is a function named 'relu'; calling it on a tensor is
    the op, gradient included: relu'(x) = 1 where x > 0 (by hand)."""
    relu = keras.activations.get("relu")
    assert relu.__name__ == "relu" and callable(relu)
    x = keras.autograd.Tensor(np.array([-1.5, 0.5, 2.0]), requires_grad=True)
    y = relu(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.5, 2.0])
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])
    np.testing.assert_allclose(keras.activations.get("softmax")(np.zeros((1, 4))).data, 0.25)


def test_learning_rate_assign_as_in_the_fine_tuning_guide():
    """model.optimizer.learning_rate.assign(1e-4) changes the rate of the next step: one SGD
    step on a one-weight linear model moves w by lr · dL/dw (by hand: L = (w·x − y)², x = 1)."""
    model = Sequential([layers.Dense(1, use_bias=False, input_dim=1,
                                     kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.optimizer.learning_rate.assign(0.01)
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(0.01)
    model.train_on_batch(np.ones((1, 1)), np.full((1, 1), 2.0))
    # dL/dw = 2(w·x − y)x = −4 at w = 0, so w = 0 − 0.01 · (−4) = 0.04
    assert model.get_weights()[0][0, 0] == pytest.approx(0.04)


def test_learning_rate_assign_on_a_schedule_is_refused_by_name():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    optimizer = keras.optimizers.Adam(learning_rate=schedule)
    with pytest.raises(keras.errors.ArgumentError, match="created with a LearningRateSchedule"):
        optimizer.learning_rate.assign(0.01)


def test_sequential_layers_outputs_make_a_feature_extractor():
    """The Keras idiom Model(inputs=model.inputs, outputs=model.layers[-2].output) on a
    Sequential: the extractor shares the weights and gives relu(x W + b) of the hidden layer
    (by hand); the stack's outputs follow add()."""
    model = Sequential([layers.Input(shape=(6,)), layers.Dense(4, activation="relu"),
                        layers.Dense(3, activation="softmax")])
    assert model.inputs[0].shape == (None, 6) and model.outputs[0].shape == (None, 3)
    extractor = keras.Model(inputs=model.inputs, outputs=model.layers[-2].output)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    w, b = model.layers[0].get_weights()
    np.testing.assert_allclose(extractor.predict(x, verbose=0), np.maximum(x @ w + b, 0),
                               rtol=1e-5, atol=1e-6)
    model.add(layers.Dense(2))
    assert model.output.shape == (None, 2)


def test_sequential_without_an_input_shape_has_no_inputs_yet():
    model = Sequential([layers.Dense(2)])
    assert getattr(model, "inputs", None) is None
    with pytest.raises(AttributeError, match="has no inputs yet.*Hint: start it with Input"):
        _ = model.outputs


def test_sequential_graph_keeps_a_string_input_and_still_trains_on_text():
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=3)
    texts = np.array([["good film"], ["bad film"], ["good good"], ["bad bad"]])
    vectorize.adapt(texts[:, 0])
    model = Sequential([layers.Input(shape=(1,), dtype="string"), vectorize,
                        layers.Embedding(20, 4), layers.GlobalAveragePooling1D(),
                        layers.Dense(1, activation="sigmoid")])
    assert model.inputs[0].dtype == "string"
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(texts, np.array([1.0, 0.0, 1.0, 0.0]), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_layer_output_in_a_sequential_as_the_convnet_example_prints_it():
    """keras.io's convnet example prints each layer's output shape right after building."""
    model = Sequential([layers.Input(shape=(8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                        layers.MaxPooling2D(), layers.Flatten(), layers.Dense(2)])
    shapes = [tuple(layer.output.shape) for layer in model.layers]
    assert shapes == [(None, 6, 6, 4), (None, 3, 3, 4), (None, 36), (None, 2)]


def test_a_loss_written_by_the_user_gets_the_targets_as_they_came():
    """Keras checks no target shapes: a custom Loss taking integer labels against three
    outputs trains (shendu's own losses keep their shape checks)."""
    seen = []

    class SparseCE(keras.losses.Loss):
        def call(self, y_true, y_pred):
            seen.append(tuple(y_true.shape))
            hot = ops.one_hot(ops.cast(y_true, "int32"), 3)
            return -ops.sum(hot * ops.log(y_pred + 1e-7), axis=-1)

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype("float32"), rng.integers(0, 3, 32)
    model = Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=SparseCE())
    history = _quiet_fit(model, x, y, epochs=5, batch_size=32)
    assert seen[0] == (32,)
    assert history.history["loss"][-1] < history.history["loss"][0]
    builtin = Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    builtin.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(keras.errors.ShapeError, match="categorical_crossentropy expects one-hot"):
        _quiet_fit(builtin, x, y)


def test_sparse_labels_of_shape_n_1_reach_the_metrics_as_given():
    """Keras hands y to the metrics as it came: (n, 1) labels stay (n, 1); the loss and the
    built-in metrics give the same numbers as for (n,) labels."""
    seen = []

    def first_label(y_true, y_pred):
        seen.append(tuple(y_true.shape))
        return ops.cast(y_true[:, 0], "float32")  # a Keras-style metric indexing the column

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.integers(0, 3, (16, 1))
    results = []
    for labels in (y, y[:, 0]):
        keras.utils.set_random_seed(0)
        model = Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
        metrics = ["accuracy", first_label] if labels.ndim == 2 else ["accuracy"]
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=metrics)
        history = _quiet_fit(model, x, labels, epochs=2, batch_size=8, shuffle=False)
        results.append((history.history["loss"], history.history["accuracy"]))
    assert seen and all(shape == (8, 1) for shape in seen)
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-7)
    np.testing.assert_allclose(results[0][1], results[1][1])


def test_a_layer_names_its_dtype_as_keras_does():
    """layer.dtype is the weights' dtype ('float32' by default, never None), so custom layers
    may write add_weight(..., dtype=self.dtype) and ops.cast(x, self.compute_dtype)."""
    from shendu import backend

    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones",
                                     dtype=self.dtype)

        def call(self, x):
            return ops.cast(x, self.compute_dtype) * self.w

    layer = Scale()
    assert (layer.dtype, layer.compute_dtype, layer.variable_dtype) == ("float32",) * 3
    assert layer(np.ones((2, 3))).dtype == np.float32
    assert "dtype" not in layers.Dense(2).get_config()  # unset: follows floatx
    assert layers.Dense(2, dtype="float64").dtype == "float64"
    backend.set_floatx("float64")
    try:
        assert layers.Dense(2).dtype == "float64"
    finally:
        backend.set_floatx("float32")


def test_calling_build_yourself_leaves_the_layer_built():
    """Keras scripts call layer.build(shape) and then the layer: the weights are made once
    (shendu's first call used to build the layer again, with new weights beside the old)."""
    layer = layers.Conv2D(4, 3, use_bias=False)
    layer.build((None, 5, 5, 1))
    weights = np.random.default_rng(0).normal(size=(3, 3, 1, 4)).astype("float32")
    layer.set_weights([weights])
    out = layer(np.ones((1, 5, 5, 1), "float32"))
    assert len(layer.weights) == 1 and layer.built
    np.testing.assert_allclose(out.numpy()[0, 0, 0], weights.sum(axis=(0, 1, 2)), rtol=1e-5)

    class Custom(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones")

        def call(self, x):
            return ops.matmul(x, self.w)

    custom = Custom()
    custom.build((None, 3))
    custom(np.ones((2, 3), "float32"))
    assert len(custom.weights) == 1


def test_structured_data_with_string_and_number_inputs_trains():
    """keras.io's structured-data pattern: one Input per column, adapted Normalization and
    StringLookup layers, concatenated; x is a dict with a column of strings among numbers."""
    rng = np.random.default_rng(0)
    n = 64
    age = rng.uniform(20, 80, (n, 1)).astype("float32")
    thal = rng.choice(["fixed", "normal", "reversible"], (n, 1))
    y = (thal[:, 0] == "fixed").astype("float32")
    age_in = keras.Input(shape=(1,), name="age")
    thal_in = keras.Input(shape=(1,), name="thal", dtype="string")
    norm, lookup = layers.Normalization(), layers.StringLookup(output_mode="one_hot")
    norm.adapt(age)
    lookup.adapt(thal)
    features = layers.concatenate([norm(age_in), lookup(thal_in)])
    model = keras.Model([age_in, thal_in], layers.Dense(1, activation="sigmoid")(features))
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = _quiet_fit(model, {"age": age, "thal": thal}, y, epochs=30, batch_size=16)
    assert history.history["accuracy"][-1] == 1.0  # thal alone decides y
    probs = model.predict({"age": np.array([[50.0]]), "thal": np.array([["fixed"]])}, verbose=0)
    assert probs.shape == (1, 1) and probs[0, 0] > 0.5
    with pytest.raises(keras.errors.DTypeError, match=r"x\['thal'\]: input 'thal' takes "
                                                      r"strings"):
        model.predict({"age": age, "thal": np.ones((n, 1))}, verbose=0)
