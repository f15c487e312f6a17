"""keras.io vision and timeseries examples, run with ``import shendu as keras``.

Each test keeps the example's model-building code as keras.io writes it, scaled down (fewer
filters, smaller images, a few samples) so it runs in about a second on synthetic data; the
tf.data lines are replaced by NumPy arrays. What is asserted is what Keras 3 guarantees for
the same code: output shapes, a loss that falls on learnable data, predict shapes and a
``.keras`` save/load round trip that predicts the same numbers.
"""

import os

import numpy as np

import shendu as keras
from shendu import layers, ops


def _round_trip(model, path, *inputs, custom_objects=None):
    """Saves ``model`` to ``path``, loads it back, and checks both predict the same."""
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects=custom_objects)
    before = model.predict(*inputs, verbose=0)
    after = loaded.predict(*inputs, verbose=0)
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)
    return loaded


# -- examples/vision/mnist_convnet.py --------------------------------------------------------
def test_mnist_convnet(shared_data, tmp_path):
    import gzip

    folder = shared_data / "mnist10k"
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[:256]
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:256]

    num_classes = 10
    input_shape = (28, 28, 1)
    x_train = images.astype("float32") / 255
    x_train = np.expand_dims(x_train, -1)
    y_train = keras.utils.to_categorical(labels, num_classes)

    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    assert model.output_shape == (None, 10)
    assert [layer.output.shape for layer in model.layers[:4]] == [
        (None, 26, 26, 8), (None, 13, 13, 8), (None, 11, 11, 16), (None, 5, 5, 16)]
    batch_size = 32
    epochs = 3
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_split=0.1, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    score = model.evaluate(x_train, y_train, verbose=0)
    assert len(score) == 2 and 0.0 <= score[1] <= 1.0
    _round_trip(model, tmp_path / "mnist.keras", x_train[:8])


# -- examples/vision/image_classification_from_scratch.py ------------------------------------
def test_image_classification_from_scratch(tmp_path):
    data_augmentation_layers = [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
    ]

    def data_augmentation(images):
        for layer in data_augmentation_layers:
            images = layer(images)
        return images

    def make_model(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)

        # Entry block
        x = layers.Rescaling(1.0 / 255)(inputs)
        x = layers.Conv2D(8, 3, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)

        previous_block_activation = x  # Set aside residual

        for size in [8, 16]:
            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

            # Project residual
            residual = layers.Conv2D(size, 1, strides=2, padding="same")(
                previous_block_activation
            )
            x = layers.add([x, residual])  # Add back residual
            previous_block_activation = x  # Set aside next residual

        x = layers.SeparableConv2D(32, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)

        x = layers.GlobalAveragePooling2D()(x)
        if num_classes == 2:
            units = 1
        else:
            units = num_classes

        x = layers.Dropout(0.25)(x)
        # We specify activation=None so as to return logits
        outputs = layers.Dense(units, activation=None)(x)
        return keras.Model(inputs, outputs)

    image_size = (16, 16)
    model = make_model(input_shape=image_size + (3,), num_classes=2)
    assert model.output_shape == (None, 1)

    rng = np.random.default_rng(0)
    images = (rng.random((32, 16, 16, 3)) * 255).astype("float32")
    labels = (images[..., 0].mean(axis=(1, 2)) > 127.5).astype("float32")[:, None]
    augmented = data_augmentation(images)
    assert ops.convert_to_numpy(augmented).shape == images.shape

    epochs = 4
    callbacks = [keras.callbacks.ModelCheckpoint(str(tmp_path / "save_at_{epoch}.keras"))]
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(name="acc")],
    )
    history = model.fit(images, labels, epochs=epochs, callbacks=callbacks, batch_size=8,
                        verbose=0)
    assert sorted(os.listdir(tmp_path)) == [f"save_at_{i}.keras" for i in range(1, 5)]
    assert history.history["loss"][-1] < history.history["loss"][0]

    predictions = model.predict(images[:1], verbose=0)
    score = float(keras.ops.sigmoid(predictions[0][0]))
    assert 0.0 < score < 1.0
    last = keras.models.load_model(tmp_path / "save_at_4.keras")
    np.testing.assert_allclose(last.predict(images, verbose=0), model.predict(images, verbose=0),
                               rtol=1e-5, atol=1e-6)


def _sine_classes(n, length, seed=0):
    """Two classes of noisy series: a slow sine (0) or a fast one (1), shape (n, length, 1)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = np.linspace(0, 2 * np.pi, length)
    freq = np.where(y == 1, 4.0, 1.0)[:, None]
    x = np.sin(freq * t + rng.uniform(0, np.pi, (n, 1))) + 0.1 * rng.normal(size=(n, length))
    return x.reshape(n, length, 1).astype("float32"), y


# -- examples/timeseries/timeseries_classification_from_scratch.py ---------------------------
def test_timeseries_classification_from_scratch(tmp_path):
    x_train, y_train = _sine_classes(48, 32)
    num_classes = len(np.unique(y_train))

    def make_model(input_shape):
        input_layer = keras.layers.Input(input_shape)

        conv1 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(input_layer)
        conv1 = keras.layers.BatchNormalization()(conv1)
        conv1 = keras.layers.ReLU()(conv1)

        conv2 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv1)
        conv2 = keras.layers.BatchNormalization()(conv2)
        conv2 = keras.layers.ReLU()(conv2)

        conv3 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv2)
        conv3 = keras.layers.BatchNormalization()(conv3)
        conv3 = keras.layers.ReLU()(conv3)

        gap = keras.layers.GlobalAveragePooling1D()(conv3)

        output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

        return keras.models.Model(inputs=input_layer, outputs=output_layer)

    model = make_model(input_shape=x_train.shape[1:])
    assert model.output_shape == (None, 2)

    epochs = 5
    batch_size = 16
    best = str(tmp_path / "best_model.keras")
    callbacks = [
        keras.callbacks.ModelCheckpoint(best, save_best_only=True, monitor="val_loss"),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=20, min_lr=0.0001
        ),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, verbose=0),
    ]
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        callbacks=callbacks,
        validation_split=0.2,
        verbose=0,
    )
    metric = "sparse_categorical_accuracy"
    assert len(history.history[metric]) == len(history.history["val_" + metric]) == epochs
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert "learning_rate" in history.history

    model = keras.models.load_model(best)
    test_loss, test_acc = model.evaluate(x_train, y_train, verbose=0)
    assert test_loss > 0 and 0.0 <= test_acc <= 1.0


# -- examples/timeseries/timeseries_classification_transformer.py ----------------------------
def test_timeseries_classification_transformer(tmp_path):
    x_train, y_train = _sine_classes(32, 16, seed=1)
    n_classes = len(np.unique(y_train))

    def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
        # Attention and Normalization
        x = layers.MultiHeadAttention(
            key_dim=head_size, num_heads=num_heads, dropout=dropout
        )(inputs, inputs)
        x = layers.Dropout(dropout)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        res = x + inputs

        # Feed Forward Part
        x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
        x = layers.Dropout(dropout)(x)
        x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        return x + res

    def build_model(
        input_shape,
        head_size,
        num_heads,
        ff_dim,
        num_transformer_blocks,
        mlp_units,
        dropout=0,
        mlp_dropout=0,
    ):
        inputs = keras.Input(shape=input_shape)
        x = inputs
        for _ in range(num_transformer_blocks):
            x = transformer_encoder(x, head_size, num_heads, ff_dim, dropout)

        x = layers.GlobalAveragePooling1D(data_format="channels_last")(x)
        for dim in mlp_units:
            x = layers.Dense(dim, activation="relu")(x)
            x = layers.Dropout(mlp_dropout)(x)
        outputs = layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs)

    input_shape = x_train.shape[1:]
    model = build_model(
        input_shape,
        head_size=8,
        num_heads=2,
        ff_dim=4,
        num_transformer_blocks=2,
        mlp_units=[16],
        mlp_dropout=0.4,
        dropout=0.25,
    )
    assert model.output_shape == (None, 2)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        metrics=["sparse_categorical_accuracy"],
    )
    callbacks = [keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)]
    history = model.fit(x_train, y_train, validation_split=0.2, epochs=4, batch_size=8,
                        callbacks=callbacks, verbose=0)
    assert len(history.history["val_loss"]) == 4
    loss, accuracy = model.evaluate(x_train, y_train, verbose=0)
    assert loss > 0 and 0.0 <= accuracy <= 1.0
    _round_trip(model, tmp_path / "transformer.keras", x_train)


# -- examples/vision/conv_lstm.py ------------------------------------------------------------
def test_conv_lstm_next_frame_prediction(tmp_path):
    rng = np.random.default_rng(2)
    dataset = (rng.random((6, 6, 8, 8, 1)) > 0.8).astype("float32")

    def create_shifted_frames(data):
        x = data[:, 0 : data.shape[1] - 1, :, :]
        y = data[:, 1 : data.shape[1], :, :]
        return x, y

    x_train, y_train = create_shifted_frames(dataset)
    assert x_train.shape == y_train.shape == (6, 5, 8, 8, 1)

    inp = layers.Input(shape=(None, *x_train.shape[2:]))
    x = layers.ConvLSTM2D(
        filters=4, kernel_size=(5, 5), padding="same", return_sequences=True,
        activation="relu",
    )(inp)
    x = layers.BatchNormalization()(x)
    x = layers.ConvLSTM2D(
        filters=4, kernel_size=(3, 3), padding="same", return_sequences=True,
        activation="relu",
    )(x)
    x = layers.BatchNormalization()(x)
    x = layers.ConvLSTM2D(
        filters=4, kernel_size=(1, 1), padding="same", return_sequences=True,
        activation="relu",
    )(x)
    x = layers.Conv3D(
        filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same"
    )(x)
    model = keras.models.Model(inp, x)
    assert model.output_shape == (None, None, 8, 8, 1)
    model.compile(loss=keras.losses.binary_crossentropy, optimizer=keras.optimizers.Adam())

    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10)
    reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=5)
    history = model.fit(x_train, y_train, batch_size=3, epochs=3,
                        validation_data=(x_train, y_train),
                        callbacks=[early_stopping, reduce_lr], verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]

    # the example's frame-by-frame prediction loop: the sequence grows by one frame a step
    frames = x_train[0][:3, ...]
    for _ in range(2):
        new_prediction = model.predict(np.expand_dims(frames, axis=0), verbose=0)
        assert new_prediction.shape == (1, len(frames), 8, 8, 1)
        new_prediction = np.squeeze(new_prediction, axis=0)
        predicted_frame = np.expand_dims(new_prediction[-1, ...], axis=0)
        frames = np.concatenate((frames, predicted_frame), axis=0)
    assert frames.shape == (5, 8, 8, 1)
    _round_trip(model, tmp_path / "conv_lstm.keras", x_train[:2])


# -- examples/vision/autoencoder.py ----------------------------------------------------------
def test_convolutional_denoising_autoencoder(tmp_path):
    rng = np.random.default_rng(3)
    train_data = np.zeros((32, 28, 28, 1), "float32")
    for image, (row, col) in zip(train_data, rng.integers(2, 18, (32, 2))):
        image[row : row + 8, col : col + 8] = 1.0  # one bright square an image

    def noise(array):
        noise_factor = 0.4
        noisy_array = array + noise_factor * np.random.normal(
            loc=0.0, scale=1.0, size=array.shape
        )
        return np.clip(noisy_array, 0.0, 1.0)

    noisy_train_data = noise(train_data)

    input = layers.Input(shape=(28, 28, 1))

    # Encoder
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(input)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)

    # Decoder
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)

    # Autoencoder
    autoencoder = keras.Model(input, x)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    assert [layer.output.shape[1:3] for layer in autoencoder.layers[1:]] == [
        (28, 28), (14, 14), (14, 14), (7, 7), (14, 14), (28, 28), (28, 28)]

    history = autoencoder.fit(
        x=noisy_train_data,
        y=train_data,
        epochs=3,
        batch_size=8,
        shuffle=True,
        validation_data=(noisy_train_data, train_data),
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    predictions = autoencoder.predict(noisy_train_data, verbose=0)
    assert predictions.shape == (32, 28, 28, 1)
    assert predictions.min() >= 0.0 and predictions.max() <= 1.0
    _round_trip(autoencoder, tmp_path / "autoencoder.keras", noisy_train_data[:4])


# -- examples/vision/oxford_pets_image_segmentation.py ---------------------------------------
def test_oxford_pets_image_segmentation(tmp_path):
    def get_model(img_size, num_classes):
        inputs = keras.Input(shape=img_size + (3,))

        ### [First half of the network: downsampling inputs] ###

        # Entry block
        x = layers.Conv2D(4, 3, strides=2, padding="same")(inputs)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)

        previous_block_activation = x  # Set aside residual

        # Blocks 1, 2, 3 are identical apart from the feature depth.
        for filters in [8, 16]:
            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(filters, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(filters, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

            # Project residual
            residual = layers.Conv2D(filters, 1, strides=2, padding="same")(
                previous_block_activation
            )
            x = layers.add([x, residual])  # Add back residual
            previous_block_activation = x  # Set aside next residual

        ### [Second half of the network: upsampling inputs] ###

        for filters in [16, 8, 4]:
            x = layers.Activation("relu")(x)
            x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.Activation("relu")(x)
            x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.UpSampling2D(2)(x)

            # Project residual
            residual = layers.UpSampling2D(2)(previous_block_activation)
            residual = layers.Conv2D(filters, 1, padding="same")(residual)
            x = layers.add([x, residual])  # Add back residual
            previous_block_activation = x  # Set aside next residual

        # Add a per-pixel classification layer
        outputs = layers.Conv2D(num_classes, 3, activation="softmax", padding="same")(x)

        # Define the model
        model = keras.Model(inputs, outputs)
        return model

    img_size = (16, 16)
    num_classes = 3
    model = get_model(img_size, num_classes)
    assert model.output_shape == (None, 16, 16, 3)

    rng = np.random.default_rng(4)
    images = rng.random((8, 16, 16, 3)).astype("float32")
    # the pets' trimaps hold 1, 2, 3; the example subtracts one to get 0, 1, 2
    targets = np.expand_dims(np.argmax(images, axis=-1).astype("uint8"), -1)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    history = model.fit(images, targets, epochs=4, batch_size=4, verbose=0,
                        validation_data=(images, targets))
    assert history.history["loss"][-1] < history.history["loss"][0]

    val_preds = model.predict(images, verbose=0)
    assert val_preds.shape == (8, 16, 16, 3)
    np.testing.assert_allclose(val_preds.sum(axis=-1), 1.0, rtol=1e-5)
    mask = np.argmax(val_preds[0], axis=-1)
    mask = np.expand_dims(mask, axis=-1)
    assert mask.shape == (16, 16, 1)
    _round_trip(model, tmp_path / "segmentation.keras", images[:2])


# -- examples/vision/siamese_contrastive.py --------------------------------------------------
def test_siamese_contrastive(tmp_path):
    rng = np.random.default_rng(5)
    x_train_1 = rng.random((32, 28, 28, 1)).astype("float32")
    labels_train = rng.integers(0, 2, 32).astype("float32")
    # a pair is "similar" (label 1) when the second image is a noisy copy of the first
    noisy_copy = x_train_1 + 0.05 * rng.normal(size=x_train_1.shape).astype("float32")
    other = rng.random((32, 28, 28, 1)).astype("float32")
    x_train_2 = np.where(labels_train[:, None, None, None] == 1, noisy_copy, other)

    # Provided two tensors t1 and t2
    # Euclidean distance = sqrt(sum(square(t1-t2)))
    def euclidean_distance(vects):
        x, y = vects
        sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
        return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))

    input = keras.layers.Input((28, 28, 1))
    x = keras.layers.BatchNormalization()(input)
    x = keras.layers.Conv2D(4, (5, 5), activation="tanh")(x)
    x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = keras.layers.Conv2D(16, (5, 5), activation="tanh")(x)
    x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = keras.layers.Flatten()(x)

    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Dense(10, activation="tanh")(x)
    embedding_network = keras.Model(input, x)

    input_1 = keras.layers.Input((28, 28, 1))
    input_2 = keras.layers.Input((28, 28, 1))

    # As mentioned above, Siamese Network share weights between
    # tower networks (sister networks). To allow this, we will use
    # same embedding network for both tower networks.
    tower_1 = embedding_network(input_1)
    tower_2 = embedding_network(input_2)

    merge_layer = keras.layers.Lambda(euclidean_distance, output_shape=(1,))(
        [tower_1, tower_2]
    )
    normal_layer = keras.layers.BatchNormalization()(merge_layer)
    output_layer = keras.layers.Dense(1, activation="sigmoid")(normal_layer)
    siamese = keras.Model(inputs=[input_1, input_2], outputs=output_layer)
    assert merge_layer.shape == (None, 1)
    assert siamese.output_shape == (None, 1)

    def loss(margin=1):
        # Contrastive loss = mean( (1-true_value) * square(prediction) +
        #                         true_value * square( max(margin-prediction, 0) ))
        def contrastive_loss(y_true, y_pred):
            square_pred = ops.square(y_pred)
            margin_square = ops.square(ops.maximum(margin - (y_pred), 0))
            return ops.mean((1 - y_true) * square_pred + (y_true) * margin_square)

        return contrastive_loss

    siamese.compile(loss=loss(margin=1), optimizer="RMSprop", metrics=["accuracy"])
    history = siamese.fit(
        [x_train_1, x_train_2],
        labels_train,
        validation_data=([x_train_1, x_train_2], labels_train),
        batch_size=8,
        epochs=4,
        verbose=0,
    )
    assert len(history.history["loss"]) == 4 and np.isfinite(history.history["loss"]).all()
    results = siamese.evaluate([x_train_1, x_train_2], labels_train, verbose=0)
    assert len(results) == 2
    predictions = siamese.predict([x_train_1, x_train_2], verbose=0)
    assert predictions.shape == (32, 1)

    # the shared tower: one set of weights, called twice
    assert len(siamese.layers[2].weights) == len(embedding_network.weights)

    # the Lambda layer is the Euclidean distance between the two towers' embeddings
    distance = keras.Model(siamese.inputs, merge_layer)
    e1 = embedding_network.predict(x_train_1[:4], verbose=0)
    e2 = embedding_network.predict(x_train_2[:4], verbose=0)
    np.testing.assert_allclose(
        distance.predict([x_train_1[:4], x_train_2[:4]], verbose=0),
        np.linalg.norm(e1 - e2, axis=1, keepdims=True), rtol=1e-5, atol=1e-6)



# -- keras.ops.image.extract_patches (the vision transformer's Patches layer needs it) ------
def _patches_by_loops(x, k, s, d):
    """Channels-last patches, read window by window (the reference)."""
    (kh, kw), (sh, sw), (dh, dw) = k, s, d
    n, h, w, c = x.shape
    out_h = (h - (kh - 1) * dh - 1) // sh + 1
    out_w = (w - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros((n, out_h, out_w, kh * kw * c), x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * sh : i * sh + (kh - 1) * dh + 1 : dh,
                       j * sw : j * sw + (kw - 1) * dw + 1 : dw]
            out[:, i, j] = window.reshape(n, -1)
    return out


def test_extract_patches_reads_each_window_row_column_channel():
    x = np.random.default_rng(6).normal(size=(2, 7, 6, 3))
    for k, s, d in [((2, 2), (2, 2), (1, 1)), ((3, 2), (1, 2), (1, 1)), ((2, 2), (1, 1), (2, 2))]:
        got = ops.image.extract_patches(x, k, strides=s, dilation_rate=d)
        np.testing.assert_allclose(ops.convert_to_numpy(got), _patches_by_loops(x, k, s, d))
    first = ops.image.extract_patches(np.transpose(x, (0, 3, 1, 2)), (3, 2), strides=(1, 2),
                                      data_format="channels_first")
    np.testing.assert_allclose(ops.convert_to_numpy(first),
                               np.transpose(_patches_by_loops(x, (3, 2), (1, 2), (1, 1)),
                                            (0, 3, 1, 2)))
    one = ops.image.extract_patches(x[0], 3, strides=1)  # one image, no batch axis
    np.testing.assert_allclose(ops.convert_to_numpy(one),
                               _patches_by_loops(x, (3, 3), (1, 1), (1, 1))[0])


def test_extract_patches_same_padding_puts_the_odd_pixel_after():
    x = np.arange(2 * 5 * 5 * 2, dtype="float32").reshape(2, 5, 5, 2)
    patches = ops.convert_to_numpy(ops.image.extract_patches(x, 2, strides=2, padding="same"))
    # Keras 3.15.1 (TensorFlow backend) on the same call:
    assert patches.shape == (2, 3, 3, 8)
    assert patches[1, 2, 2].tolist() == [98.0, 99.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert patches[0, 0, 1].tolist() == [4.0, 5.0, 6.0, 7.0, 14.0, 15.0, 16.0, 17.0]


def test_extract_patches_gradient_adds_up_over_overlapping_windows():
    from shendu.testing import check_gradients

    x = np.random.default_rng(7).normal(size=(1, 5, 4, 2))
    assert check_gradients(
        lambda t: ops.image.extract_patches(t, 2, strides=1, padding="same"), [x]) < 1e-6


def test_ops_image_is_there_in_a_fresh_interpreter():
    # a script's first line may be ops.image.extract_patches, before any image layer loaded
    import subprocess
    import sys

    code = ("import numpy as np, shendu as keras; "
            "print(keras.ops.image.extract_patches(np.ones((1, 4, 4, 1)), 2).shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "(1, 2, 2, 4)"


def test_extract_patches_refuses_a_3d_size_by_name():
    import pytest

    from shendu.errors import ArgumentError

    with pytest.raises(ArgumentError, match=r"extract_patches.*size=\(2, 2, 2\).*Hint"):
        ops.image.extract_patches(np.ones((1, 4, 4, 4, 1)), (2, 2, 2))


# -- examples/vision/image_classification_with_vision_transformer.py ------------------------
def test_image_classification_with_vision_transformer(tmp_path):
    rng = np.random.default_rng(8)
    num_classes = 3
    input_shape = (16, 16, 3)
    x_train = rng.random((24, 16, 16, 3)).astype("float32")
    y_train = np.argmax(x_train.mean(axis=(1, 2)), axis=-1)[:, None]  # the brightest channel

    learning_rate = 0.003
    weight_decay = 0.0001
    batch_size = 8
    num_epochs = 4
    image_size = 16  # We'll resize input images to this size
    patch_size = 4  # Size of the patches to be extract from the input images
    num_patches = (image_size // patch_size) ** 2
    projection_dim = 8
    num_heads = 2
    transformer_units = [
        projection_dim * 2,
        projection_dim,
    ]  # Size of the transformer layers
    transformer_layers = 2
    mlp_head_units = [16, 8]  # Size of the dense layers of the final classifier

    data_augmentation = keras.Sequential(
        [
            layers.Normalization(),
            layers.Resizing(image_size, image_size),
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(factor=0.02),
            layers.RandomZoom(height_factor=0.2, width_factor=0.2),
        ],
        name="data_augmentation",
    )
    # Compute the mean and the variance of the training data for normalization.
    data_augmentation.layers[0].adapt(x_train)

    def mlp(x, hidden_units, dropout_rate):
        for units in hidden_units:
            x = layers.Dense(units, activation=keras.activations.gelu)(x)
            x = layers.Dropout(dropout_rate)(x)
        return x

    class Patches(layers.Layer):
        def __init__(self, patch_size):
            super().__init__()
            self.patch_size = patch_size

        def call(self, images):
            input_shape = ops.shape(images)
            batch_size = input_shape[0]
            height = input_shape[1]
            width = input_shape[2]
            channels = input_shape[3]
            num_patches_h = height // self.patch_size
            num_patches_w = width // self.patch_size
            patches = keras.ops.image.extract_patches(images, size=self.patch_size)
            patches = ops.reshape(
                patches,
                (
                    batch_size,
                    num_patches_h * num_patches_w,
                    self.patch_size * self.patch_size * channels,
                ),
            )
            return patches

        def get_config(self):
            config = super().get_config()
            config.update({"patch_size": self.patch_size})
            return config

    patches = Patches(patch_size)(x_train[:1])
    assert patches.shape == (1, num_patches, patch_size * patch_size * 3)
    np.testing.assert_allclose(ops.convert_to_numpy(patches)[0, 1],
                               x_train[0, 0:4, 4:8].reshape(-1))

    class PatchEncoder(layers.Layer):
        def __init__(self, num_patches, projection_dim):
            super().__init__()
            self.num_patches = num_patches
            self.projection = layers.Dense(units=projection_dim)
            self.position_embedding = layers.Embedding(
                input_dim=num_patches, output_dim=projection_dim
            )

        def call(self, patch):
            positions = ops.expand_dims(
                ops.arange(start=0, stop=self.num_patches, step=1), axis=0
            )
            projected_patches = self.projection(patch)
            encoded = projected_patches + self.position_embedding(positions)
            return encoded

        def get_config(self):
            config = super().get_config()
            config.update({"num_patches": self.num_patches})
            return config

    def create_vit_classifier():
        inputs = keras.Input(shape=input_shape)
        # Augment data.
        augmented = data_augmentation(inputs)
        # Create patches.
        patches = Patches(patch_size)(augmented)
        # Encode patches.
        encoded_patches = PatchEncoder(num_patches, projection_dim)(patches)

        # Create multiple layers of the Transformer block.
        for _ in range(transformer_layers):
            # Layer normalization 1.
            x1 = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
            # Create a multi-head attention layer.
            attention_output = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=projection_dim, dropout=0.1
            )(x1, x1)
            # Skip connection 1.
            x2 = layers.Add()([attention_output, encoded_patches])
            # Layer normalization 2.
            x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
            # MLP.
            x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=0.1)
            # Skip connection 2.
            encoded_patches = layers.Add()([x3, x2])

        # Create a [batch_size, projection_dim] tensor.
        representation = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
        representation = layers.Flatten()(representation)
        representation = layers.Dropout(0.5)(representation)
        # Add MLP.
        features = mlp(representation, hidden_units=mlp_head_units, dropout_rate=0.5)
        # Classify outputs.
        logits = layers.Dense(num_classes)(features)
        # Create the Keras model.
        model = keras.Model(inputs=inputs, outputs=logits)
        return model

    model = create_vit_classifier()
    assert model.output_shape == (None, num_classes)
    optimizer = keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseTopKCategoricalAccuracy(5, name="top-5-accuracy"),
        ],
    )
    checkpoint_filepath = str(tmp_path / "checkpoint.weights.h5")
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    )
    history = model.fit(
        x=x_train,
        y=y_train,
        batch_size=batch_size,
        epochs=num_epochs,
        validation_split=0.1,
        callbacks=[checkpoint_callback],
        verbose=0,
    )
    assert set(history.history) == {"loss", "accuracy", "top-5-accuracy", "val_loss",
                                    "val_accuracy", "val_top-5-accuracy"}
    assert history.history["top-5-accuracy"] == [1.0] * num_epochs  # 3 classes: always in
    model.load_weights(checkpoint_filepath)
    _, accuracy, top_5_accuracy = model.evaluate(x_train, y_train, verbose=0)
    assert 0.0 <= accuracy <= 1.0 and top_5_accuracy == 1.0
    assert model.predict(x_train[:5], verbose=0).shape == (5, num_classes)


def test_extract_patches_between_layers_records_a_node_that_saves_and_loads(tmp_path):
    inputs = keras.Input((8, 8, 3))
    patches = ops.image.extract_patches(inputs, 4)  # on a symbolic tensor, as in Keras 3
    assert patches.shape == (None, 2, 2, 48)
    outputs = layers.Dense(2)(ops.reshape(patches, (-1, 4, 48)))
    model = keras.Model(inputs, outputs)
    assert model.layers[1].name == "extract_patches"
    x = np.random.default_rng(9).random((3, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0)[:, 1],
        ops.convert_to_numpy(model.layers[-1](x[:, 0:4, 4:8].reshape(3, 48))), rtol=1e-5)
    _round_trip(model, tmp_path / "patches.keras", x)
