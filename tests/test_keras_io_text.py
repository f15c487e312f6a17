"""keras.io text, RNN and guide examples, ported with ``import shendu as keras`` and scaled down.

Model-building code is kept as the examples write it; ``tf.data`` pipelines are replaced by
NumPy arrays and the data sets by tiny synthetic ones (or ``sms_spam`` for real text).
"""

from __future__ import annotations

import csv

import numpy as np

import shendu as keras
from shendu import layers, ops


def _tokens(n=64, maxlen=12, vocab=50, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab, size=(n, maxlen))
    y = (x[:, 0] > vocab // 2).astype("int64")  # learnable: depends on the first token
    return x, y


# --- text_classification_with_transformer ---------------------------------------------------

class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim),]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


def test_text_classification_with_transformer_trains_and_predicts():
    vocab_size, maxlen = 50, 12
    x_train, y_train = _tokens(maxlen=maxlen, vocab=vocab_size)
    embed_dim, num_heads, ff_dim = 8, 2, 8

    inputs = layers.Input(shape=(maxlen,))
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)

    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=16, epochs=5, verbose=0,
                        validation_data=(x_train, y_train))
    loss = history.history["loss"]
    assert loss[-1] < loss[0]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    probs = model.predict(x_train[:5], verbose=0)
    assert probs.shape == (5, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


# --- text_classification_from_scratch (on sms_spam) ------------------------------------------

def _sms(shared_data, n=400):
    with open(shared_data / "sms_spam" / "SMSSpamCollection.tsv", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:n + 1]
    texts = np.array([r[1] for r in rows])
    labels = np.array([r[0] == "spam" for r in rows], dtype="int64")
    return texts, labels


def test_text_classification_from_scratch_end_to_end_on_raw_strings(shared_data):
    texts, labels = _sms(shared_data)
    max_features = 500
    embedding_dim = 16
    sequence_length = 40

    vectorize_layer = keras.layers.TextVectorization(
        max_tokens=max_features,
        output_mode="int",
        output_sequence_length=sequence_length,
    )
    vectorize_layer.adapt(texts)
    x_train = vectorize_layer(texts)
    assert tuple(ops.shape(x_train)) == (len(texts), sequence_length)

    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(16, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(16, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(16, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(np.asarray(x_train), labels, epochs=3, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]

    # The end-to-end model takes raw strings, as the example exports it.
    inputs = keras.Input(shape=(1,), dtype="string")
    indices = vectorize_layer(inputs)
    outputs = model(indices)
    end_to_end_model = keras.Model(inputs, outputs)
    end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam",
                             metrics=["accuracy"])
    raw = texts[:6].reshape(-1, 1)
    probs = end_to_end_model.predict(raw, verbose=0)
    assert probs.shape == (6, 1)
    np.testing.assert_allclose(probs, model.predict(np.asarray(x_train[:6]), verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert len(end_to_end_model.evaluate(raw, labels[:6], verbose=0)) == 2


# --- bidirectional_lstm_imdb ---------------------------------------------------------------

def test_bidirectional_lstm_imdb_trains_and_survives_a_save_round_trip(tmp_path):
    max_features = 50
    maxlen = 12
    x_train, y_train = _tokens(maxlen=maxlen, vocab=max_features)
    x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)

    # Input for variable-length sequences of integers
    inputs = keras.Input(shape=(None,), dtype="int32")
    # Embed each integer in a 128-dimensional vector
    x = layers.Embedding(max_features, 8)(inputs)
    # Add 2 bidirectional LSTMs
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(8))(x)
    # Add a classifier
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 1)
    assert model.layers[2].output.shape == (None, None, 16)

    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=16, epochs=3, verbose=0,
                        validation_data=(x_train, y_train))
    assert history.history["loss"][-1] < history.history["loss"][0]

    path = tmp_path / "bilstm.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(x_train, verbose=0),
                               model.predict(x_train, verbose=0), rtol=1e-6, atol=1e-6)


# --- pretrained_word_embeddings ------------------------------------------------------------

def test_pretrained_word_embeddings_stay_frozen_while_the_head_trains():
    num_tokens, embedding_dim, maxlen = 30, 6, 10
    rng = np.random.default_rng(1)
    embedding_matrix = rng.normal(size=(num_tokens, embedding_dim))
    x_train, y_train = _tokens(maxlen=maxlen, vocab=num_tokens)

    embedding_layer = layers.Embedding(
        num_tokens,
        embedding_dim,
        trainable=False,
    )
    embedding_layer.build((1,))
    embedding_layer.set_weights([embedding_matrix])

    int_sequences_input = keras.Input(shape=(None,), dtype="int64")
    embedded_sequences = embedding_layer(int_sequences_input)
    x = layers.Conv1D(8, 3, activation="relu")(embedded_sequences)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(8, 3, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(8, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    preds = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(int_sequences_input, preds)
    assert model.count_params() - sum(int(np.prod(w.shape)) for w in model.trainable_weights) \
        == num_tokens * embedding_dim

    model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["acc"])
    history = model.fit(x_train, y_train, batch_size=16, epochs=3, verbose=0)
    assert "acc" in history.history
    np.testing.assert_allclose(embedding_layer.get_weights()[0], embedding_matrix, rtol=1e-6)
    assert model.predict(x_train[:3], verbose=0).shape == (3, 2)


# --- making_new_layers_and_models_via_subclassing (VAE with add_loss) ------------------------

class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class Encoder(layers.Layer):
    """Maps MNIST digits to a triplet (z_mean, z_log_var, z)."""

    def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean = self.dense_mean(x)
        z_log_var = self.dense_log_var(x)
        z = self.sampling((z_mean, z_log_var))
        return z_mean, z_log_var, z


class Decoder(layers.Layer):
    """Converts z, the encoded digit vector, back into a readable digit."""

    def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        x = self.dense_proj(inputs)
        return self.dense_output(x)


class VariationalAutoEncoder(keras.Model):
    """Combines the encoder and decoder into an end-to-end model for training."""

    def __init__(self, original_dim, intermediate_dim=64, latent_dim=32, name="autoencoder",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        # Add KL divergence regularization loss.
        kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
        self.add_loss(kl_loss)
        return reconstructed


def test_subclassing_guide_vae_trains_with_its_kl_loss():
    rng = np.random.default_rng(0)
    x_train = rng.uniform(size=(64, 16)).astype("float32")
    original_dim = 16
    vae = VariationalAutoEncoder(original_dim, 8, 4)

    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(optimizer, loss=keras.losses.MeanSquaredError())
    history = vae.fit(x_train, x_train, epochs=4, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert len(vae.losses) == 1  # the KL term of the last call
    assert vae.predict(x_train[:3], verbose=0).shape == (3, 16)
    assert len(vae.encoder.trainable_weights) == 6


# --- making_new_layers_and_models_via_subclassing (the smaller layers) ------------------------

class Linear(layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                 trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


class ComputeSum(layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


class ActivityRegularizationLayer(layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


class OuterLayerWithKernelRegularizer(layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(32, kernel_regularizer=keras.regularizers.l2(1e-3))

    def call(self, inputs):
        return self.dense(inputs)


class CustomDropout(layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs, training=None):
        if training:
            return keras.random.dropout(inputs, rate=self.rate, seed=self.seed_generator)
        return inputs


def test_subclassing_guide_layers_weights_losses_config_and_training_flag():
    x = ops.ones((2, 2))
    linear_layer = Linear(4)
    assert tuple(ops.shape(linear_layer(x))) == (2, 4)
    assert len(linear_layer.weights) == 2

    my_sum = ComputeSum(2)
    my_sum(x)
    y = my_sum(x)
    np.testing.assert_allclose(ops.convert_to_numpy(y), [4.0, 4.0])
    assert len(my_sum.non_trainable_weights) == 1 and not my_sum.trainable_weights

    class OuterLayer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    assert len(layer.losses) == 0
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # losses are reset at the start of each __call__

    layer = OuterLayerWithKernelRegularizer()
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # the kernel regularizer's penalty

    config = Linear(64).get_config()
    new_layer = Linear.from_config(config)
    assert new_layer.units == 64

    drop = CustomDropout(0.5)
    ones = np.ones((4, 8), dtype="float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(drop(ones, training=False)), ones)
    trained = ops.convert_to_numpy(drop(ones, training=True))
    assert set(np.unique(trained)) <= {0.0, 2.0} and (trained == 0).any()

    inputs = keras.Input((3,))
    outputs = ActivityRegularizationLayer()(layers.Dense(1)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.random((2, 3)), np.random.random((2, 1)), verbose=0)


def test_add_loss_terms_reset_per_forward_pass_but_add_up_within_one():
    """Fix in layers/base.py: the outermost eager call clears the add_loss terms of the last
    pass (they accumulated before); a layer called twice inside one pass keeps both terms."""
    reg = ActivityRegularizationLayer(1.0)
    reg(np.ones((1, 1)))
    reg(np.ones((1, 1)))
    assert len(reg.losses) == 1

    class Twice(layers.Layer):
        def __init__(self):
            super().__init__()
            self.reg = ActivityRegularizationLayer(1.0)

        def call(self, inputs):
            return self.reg(self.reg(inputs))

    twice = Twice()
    for _ in range(3):
        twice(np.full((1, 1), 2.0))
    assert [float(ops.convert_to_numpy(t)) for t in twice.losses] == [2.0, 2.0]


# --- writing_your_own_callbacks ------------------------------------------------------------

def get_model():
    model = keras.Sequential()
    model.add(keras.layers.Dense(1))
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
    )
    return model


class CustomCallback(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_train_end(self, logs=None):
        self.calls.append("train_end")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(f"epoch_begin {epoch}")

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(f"epoch_end {epoch} {sorted(logs)}")

    def on_test_begin(self, logs=None):
        self.calls.append("test_begin")

    def on_test_end(self, logs=None):
        self.calls.append("test_end")

    def on_predict_begin(self, logs=None):
        self.calls.append("predict_begin")

    def on_predict_end(self, logs=None):
        self.calls.append("predict_end")

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(f"train_batch_begin {batch}")

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(f"train_batch_end {batch}")

    def on_test_batch_begin(self, batch, logs=None):
        self.calls.append(f"test_batch_begin {batch}")

    def on_test_batch_end(self, batch, logs=None):
        self.calls.append(f"test_batch_end {batch}")

    def on_predict_batch_begin(self, batch, logs=None):
        self.calls.append(f"predict_batch_begin {batch}")

    def on_predict_batch_end(self, batch, logs=None):
        self.calls.append(f"predict_batch_end {batch}")


class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
    """Stop training when the loss is at its min, i.e. the loss stops decreasing."""

    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience
        # best_weights to store the weights at which the minimum loss occurs.
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get("loss")
        if np.less(current, self.best):
            self.best = current
            self.wait = 0
            # Record the best weights if current results is better (less).
            self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                self.model.set_weights(self.best_weights)


class CustomLearningRateScheduler(keras.callbacks.Callback):
    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        # Get the current learning rate from model's optimizer.
        lr = self.model.optimizer.learning_rate
        # Call schedule function to get the scheduled learning rate.
        scheduled_lr = self.schedule(epoch, lr)
        # Set the value back to the optimizer before this epoch starts
        self.model.optimizer.learning_rate = scheduled_lr
        self.seen.append(float(np.asarray(self.model.optimizer.learning_rate)))


def test_writing_your_own_callbacks_hooks_early_stopping_and_lr_schedule():
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(16, 3)).astype("float32")
    y_train = x_train @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")

    model = get_model()
    cb = CustomCallback()
    model.fit(x_train, y_train, batch_size=8, epochs=2, verbose=0, validation_split=0.5,
              callbacks=[cb])
    assert cb.calls[0] == "train_begin" and cb.calls[-1] == "train_end"
    assert cb.calls[1:4] == ["epoch_begin 0", "train_batch_begin 0", "train_batch_end 0"]
    assert "test_begin" in cb.calls
    assert ("epoch_end 0 ['loss', 'mean_absolute_error', 'val_loss', "
            "'val_mean_absolute_error']") in cb.calls
    cb.calls.clear()
    model.evaluate(x_train, y_train, batch_size=8, verbose=0, callbacks=[cb])
    assert cb.calls == ["test_begin", "test_batch_begin 0", "test_batch_end 0",
                        "test_batch_begin 1", "test_batch_end 1", "test_end"]
    cb.calls.clear()
    model.predict(x_train, batch_size=8, verbose=0, callbacks=[cb])
    assert cb.calls == ["predict_begin", "predict_batch_begin 0", "predict_batch_end 0",
                        "predict_batch_begin 1", "predict_batch_end 1", "predict_end"]

    model = get_model()
    model.optimizer.learning_rate = 5.0  # diverges, so the loss stops decreasing at once
    stopper = EarlyStoppingAtMinLoss(patience=1)
    history = model.fit(x_train, y_train, batch_size=16, epochs=30, verbose=0,
                        callbacks=[stopper])
    assert len(history.history["loss"]) < 30
    np.testing.assert_allclose(model.get_weights()[0], stopper.best_weights[0])

    LR_SCHEDULE = [(3, 0.05), (6, 0.01), (9, 0.005), (12, 0.001)]

    def lr_schedule(epoch, lr):
        """Helper function to retrieve the scheduled learning rate based on epoch."""
        if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
            return lr
        for i in range(len(LR_SCHEDULE)):
            if epoch == LR_SCHEDULE[i][0]:
                return LR_SCHEDULE[i][1]
        return lr

    model = get_model()
    scheduler = CustomLearningRateScheduler(lr_schedule)
    model.fit(x_train, y_train, batch_size=8, epochs=7, verbose=0, callbacks=[scheduler])
    np.testing.assert_allclose(scheduler.seen, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.01],
                               rtol=1e-6)


# --- a subclass of Model built from inputs and outputs (customizing_what_happens_in_fit) -----

def test_a_model_subclass_built_from_inputs_and_outputs_is_functional_and_round_trips(tmp_path):
    """Fix in models/model.py + functional.py: ``CustomModel(inputs, outputs)``, the guide's
    pattern, raised 'name must be a string'; Keras makes such a subclass a Functional one."""

    class CustomModel(keras.Model):
        def describe(self):
            return [layer.name for layer in self.layers]

    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1, name="head")(inputs)
    model = CustomModel(inputs, outputs)
    assert isinstance(model, CustomModel) and model.describe()[-1] == "head"
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])

    x = np.random.random((40, 32))
    y = np.random.random((40, 1))
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "custom.keras"
    model.save(path)
    restored = keras.models.load_model(path, custom_objects={"CustomModel": CustomModel})
    assert type(restored) is CustomModel
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)

    class Plain(keras.Model):  # the subclassing style is untouched, two arguments or not
        def __init__(self, units, extra):
            super().__init__()
            self.dense = layers.Dense(units + extra)

        def call(self, inputs):
            return self.dense(inputs)

    plain = Plain(1, 1)
    assert plain(np.ones((3, 4))).shape == (3, 2)
    assert not isinstance(plain, type(restored).__mro__[1])  # not a Functional


# --- the functional API guide --------------------------------------------------------------

def test_functional_api_guide_ticket_model_with_three_inputs_and_two_outputs():
    num_tags = 12  # Number of unique issue tags
    num_words = 100  # Size of vocabulary obtained when preprocessing text data
    num_departments = 4  # Number of departments for predictions

    title_input = keras.Input(shape=(None,), name="title")  # Variable-length sequence of ints
    body_input = keras.Input(shape=(None,), name="body")  # Variable-length sequence of ints
    tags_input = keras.Input(shape=(num_tags,), name="tags")  # Binary vectors of size `num_tags`

    # Embed each word in the title into a 64-dimensional vector
    title_features = layers.Embedding(num_words, 8)(title_input)
    # Embed each word in the text into a 64-dimensional vector
    body_features = layers.Embedding(num_words, 8)(body_input)

    # Reduce sequence of embedded words in the title into a single 128-dimensional vector
    title_features = layers.LSTM(8)(title_features)
    # Reduce sequence of embedded words in the body into a single 32-dimensional vector
    body_features = layers.LSTM(4)(body_features)

    # Merge all available features into a single large vector via concatenation
    x = layers.concatenate([title_features, body_features, tags_input])

    # Stick a logistic regression for priority prediction on top of the features
    priority_pred = layers.Dense(1, name="priority")(x)
    # Stick a department classifier on top of the features
    department_pred = layers.Dense(num_departments, name="department")(x)

    # Instantiate an end-to-end model predicting both priority and department
    model = keras.Model(
        inputs=[title_input, body_input, tags_input],
        outputs={"priority": priority_pred, "department": department_pred},
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "priority": keras.losses.BinaryCrossentropy(from_logits=True),
            "department": keras.losses.CategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"priority": 1.0, "department": 0.2},
    )

    # Dummy input data
    title_data = np.random.randint(num_words, size=(32, 10))
    body_data = np.random.randint(num_words, size=(32, 20))
    tags_data = np.random.randint(2, size=(32, num_tags)).astype("float32")
    # Dummy target data
    priority_targets = np.random.random(size=(32, 1))
    dept_targets = np.random.randint(2, size=(32, num_departments))

    history = model.fit(
        {"title": title_data, "body": body_data, "tags": tags_data},
        {"priority": priority_targets, "department": dept_targets},
        epochs=3,
        batch_size=16,
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    preds = model.predict({"title": title_data, "body": body_data, "tags": tags_data},
                          verbose=0)
    assert preds["priority"].shape == (32, 1) and preds["department"].shape == (32, 4)


def test_functional_api_guide_shared_layers_and_feature_extraction():
    # Embedding for 1000 unique words mapped to 128-dimensional vectors
    shared_embedding = layers.Embedding(1000, 8)
    # Variable-length sequence of integers
    text_input_a = keras.Input(shape=(None,), dtype="int32")
    # Variable-length sequence of integers
    text_input_b = keras.Input(shape=(None,), dtype="int32")
    # Reuse the same layer to encode both inputs
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    model = keras.Model([text_input_a, text_input_b],
                        layers.Add()([encoded_input_a, encoded_input_b]))
    assert len(model.trainable_weights) == 1
    a = np.array([[1, 2, 3]])
    both = model.predict([a, a], verbose=0)
    np.testing.assert_allclose(both, 2 * ops.convert_to_numpy(shared_embedding(a)), rtol=1e-6)

    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    x = layers.Flatten()(encoder_input)
    x = layers.Dense(16, activation="relu", name="hidden")(x)
    encoder_output = layers.Dense(4)(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    features_list = [layer.output for layer in encoder.layers]
    feat_extraction_model = keras.Model(inputs=encoder.input, outputs=features_list)
    img = np.random.random((2, 28, 28, 1)).astype("float32")
    extracted_features = feat_extraction_model(img)
    assert [tuple(f.shape) for f in extracted_features] == [
        (2, 28, 28, 1), (2, 784), (2, 16), (2, 4)]


# --- working_with_rnns ---------------------------------------------------------------------

class MinimalRNNCell(layers.Layer):
    """The custom cell of the keras.io ``RNN`` layer page."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="uniform", name="recurrent_kernel")
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = ops.matmul(inputs, self.kernel)
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


def test_working_with_rnns_guide_sequence_models_states_and_a_custom_cell():
    model = keras.Sequential()
    model.add(layers.Input(shape=(None,)))
    model.add(layers.Embedding(input_dim=100, output_dim=8))
    model.add(layers.GRU(16, return_sequences=True))
    model.add(layers.SimpleRNN(8))
    model.add(layers.Dense(10))
    assert model.output_shape == (None, 10)
    assert model.predict(np.random.randint(100, size=(3, 7)), verbose=0).shape == (3, 10)

    encoder_vocab, decoder_vocab = 100, 200
    encoder_input = layers.Input(shape=(None,))
    encoder_embedded = layers.Embedding(input_dim=encoder_vocab, output_dim=8)(encoder_input)
    # Return states in addition to output
    output, state_h, state_c = layers.LSTM(8, return_state=True, name="encoder")(
        encoder_embedded)
    encoder_state = [state_h, state_c]
    decoder_input = layers.Input(shape=(None,))
    decoder_embedded = layers.Embedding(input_dim=decoder_vocab, output_dim=8)(decoder_input)
    # Pass the 2 states to a new LSTM layer, as initial state
    decoder_output = layers.LSTM(8, name="decoder")(decoder_embedded,
                                                    initial_state=encoder_state)
    output = layers.Dense(10)(decoder_output)
    model = keras.Model([encoder_input, decoder_input], output)
    enc = np.random.randint(100, size=(2, 5))
    dec = np.random.randint(200, size=(2, 6))
    assert model.predict([enc, dec], verbose=0).shape == (2, 10)

    model = keras.Sequential()
    model.add(keras.Input(shape=(5, 10)))
    model.add(layers.Bidirectional(layers.LSTM(8, return_sequences=True)))
    model.add(layers.Bidirectional(layers.LSTM(4)))
    model.add(layers.Dense(10))
    assert model.output_shape == (None, 10)

    # Let's use this cell in a RNN layer:
    cell = MinimalRNNCell(8)
    x = keras.Input((None, 5))
    layer = layers.RNN(cell)
    y = layer(x)
    assert y.shape == (None, 8)
    # Here's how to use the cell to build a stacked RNN:
    cells = [MinimalRNNCell(8), MinimalRNNCell(4)]
    x = keras.Input((None, 5))
    layer = layers.RNN(cells)
    y = layer(x)
    model = keras.Model(x, y)
    model.compile(optimizer="adam", loss="mse")
    seqs = np.random.random((8, 3, 5)).astype("float32")
    history = model.fit(seqs, np.random.random((8, 4)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # By hand: the stacked cells over the 3 steps.
    w = [ops.convert_to_numpy(v) for v in model.weights]
    h1, h2 = np.zeros((8, 8)), np.zeros((8, 4))
    for t in range(3):
        h1 = seqs[:, t] @ w[0] + h1 @ w[1]
        h2 = h1 @ w[2] + h2 @ w[3]
    np.testing.assert_allclose(model.predict(seqs, verbose=0), h2, rtol=1e-4, atol=1e-5)


def test_a_symbolic_keyword_argument_joins_the_graph_and_its_config(tmp_path):
    """Fix in layers/base.py, node.py, models/functional.py: ``LSTM(...)(x, initial_state=
    [h, c])`` in a functional model (the RNN guide's encoder-decoder) was run on the symbolic
    states themselves and failed; keyword tensors are now graph edges, saved in the config."""
    encoder_input = layers.Input(shape=(None,))
    encoded = layers.Embedding(input_dim=20, output_dim=4)(encoder_input)
    _, state_h, state_c = layers.LSTM(3, return_state=True, name="encoder")(encoded)
    decoder_input = layers.Input(shape=(None, 2))
    decoder_output = layers.LSTM(3, name="decoder")(decoder_input,
                                                    initial_state=[state_h, state_c])
    model = keras.Model([encoder_input, decoder_input], decoder_output)

    enc = np.random.randint(20, size=(2, 5))
    dec = np.random.random((2, 4, 2)).astype("float32")
    pred = model.predict([enc, dec], verbose=0)
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    _, h, c = encoder(model.layers[1](enc))
    by_hand = decoder(dec, initial_state=[h, c])
    np.testing.assert_allclose(pred, ops.convert_to_numpy(by_hand), rtol=1e-6)

    rebuilt = keras.Model.from_config(model.get_config())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict([enc, dec], verbose=0), pred, rtol=1e-6)
    path = tmp_path / "seq2seq.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict([enc, dec], verbose=0), pred, rtol=1e-6)
