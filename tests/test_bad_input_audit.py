"""Bad input found by an adversarial audit of the public API: each case once gave a raw
NumPy/Python error, a message without the where/what/hint, or silently wrong behaviour.
Now each raises a shendu.errors class, names the argument or layer, and changes nothing."""

import numpy as np
import pytest

from shendu import layers as L
from shendu import optimizers
from shendu.datasets import _idx, digits, fashion_mnist, fsdd, sms_spam
from shendu.errors import (
    ArgumentError,
    DataError,
    DTypeError,
    ShapeError,
    ShenduError,
)
from shendu.layers import Dense, Input
from shendu.models import Model, Sequential

N = 12


def _classifier(metrics=None, loss="sparse_categorical_crossentropy", units=3,
                activation="softmax"):
    model = Sequential([Dense(4, activation="relu", input_dim=5),
                        Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(N, 5)).astype("float32"), rng.integers(0, 3, size=N)


def _state(model):
    return [w.copy() for w in model.get_weights()], model.optimizer.iterations


def _assert_unchanged(model, state):
    weights, iterations = state
    assert model.optimizer.iterations == iterations
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)


def _two_outputs():
    a, b = Input(shape=(3,), name="a"), Input(shape=(2,), name="b")
    h = L.Concatenate()([Dense(4)(a), b])
    model = Model(inputs=[a, b], outputs=[Dense(1, name="o1")(h),
                                          Dense(3, activation="softmax", name="o2")(h)])
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"])
    return model


# -- fit / evaluate / train_on_batch -------------------------------------------------------------
@pytest.mark.parametrize("metric", ["binary_accuracy", "auc", "kl_divergence", "cosine_similarity",
                                    "mean_absolute_percentage_error"])
def test_a_metric_that_cannot_read_the_targets_fails_before_the_first_step(metric):
    """It used to raise NumPy's broadcasting error after the optimizer had taken a step."""
    x, y = _data()
    model = _classifier([metric])
    state = _state(model)
    with pytest.raises(ShapeError, match=rf"metric '{metric}' cannot compare targets of shape "
                                         r"\(12,\) with outputs of shape \(12, 3\).*Hint"):
        model.fit(x, y, verbose=0)
    _assert_unchanged(model, state)
    with pytest.raises(ShapeError, match=f"metric '{metric}'"):
        model.train_on_batch(x, y)
    _assert_unchanged(model, state)


def test_a_metric_that_fails_only_on_the_last_short_batch_fails_up_front():
    """Targets (n,) against outputs (n, 2) broadcast when a batch has 2 rows, not otherwise."""
    x = np.random.default_rng(0).normal(size=(10, 5))
    model = _classifier(["sparse_categorical_accuracy"], loss="mse", units=2, activation=None)
    state = _state(model)
    with pytest.raises(ShapeError, match="metric 'sparse_categorical_accuracy'"):
        model.fit(x, np.ones((10, 2)), batch_size=4, verbose=0)
    _assert_unchanged(model, state)


def test_good_metrics_still_train_after_the_check():
    x, y = _data()
    model = _classifier(["accuracy", "sparse_top_k_categorical_accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=5, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "sparse_top_k_categorical_accuracy"}
    assert model.optimizer.iterations == 6


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(epochs=None), ArgumentError, "epochs: expected an integer >= 0, got None"),
    (dict(initial_epoch=None), ArgumentError, "initial_epoch: expected an integer >= 0"),
    (dict(callbacks=5), ArgumentError, r"fit: callbacks must be a list of Callback objects, "
                                       r"got int \(5\)\. Hint"),
    (dict(callbacks=[5]), ArgumentError, r"fit: callbacks\[0\] must be a Callback, got int"),
    (dict(validation_data=np.ones((3, 5))), ArgumentError,
     r"validation_data must be a tuple.*got a ndarray\. Hint: validation_data=\(x_val, y_val\)"),
    (dict(validation_data=(np.ones((3, 5)),)), ArgumentError, "got a tuple of 1. Hint"),
    (dict(class_weight={"cat": 1.0}), ArgumentError,
     r"class_weight: keys must be class indices.*'cat'.*Hint"),
    (dict(class_weight={-1: 2.0}), ArgumentError, "class_weight: keys must be class indices"),
    (dict(class_weight={0: -1.0}), ArgumentError,
     r"class_weight: the weight of class 0 must be a finite number >= 0, got -1\.0"),
    (dict(class_weight={0: float("nan")}), ArgumentError, "weight of class 0 must be a finite"),
    (dict(class_weight={0: "x"}), ArgumentError, "weight of class 0"),
])
def test_bad_fit_arguments_give_clear_errors_and_change_nothing(kwargs, error, words):
    x, y = _data()
    model = _classifier()
    model.fit(x, y, verbose=0)
    state = _state(model)
    kwargs = {"x": x, "y": y, **kwargs}
    with pytest.raises(error, match=words):
        model.fit(verbose=0, **kwargs)
    _assert_unchanged(model, state)


def test_class_weight_keys_beyond_the_labels_cost_nothing_and_change_nothing():
    """A key of 10**12 once allocated a table of 10**12 weights (a MemoryError)."""
    x, y = _data()
    model = _classifier()
    model.fit(x, y, class_weight={10**12: 3.0, 1: 2.0}, verbose=0)
    model.fit(x, y, class_weight={}, verbose=0)
    assert model.optimizer.iterations == 2


def test_negative_class_weight_key_no_longer_weights_the_last_class():
    from shendu.models.targets import class_weights_to_sample_weights

    with pytest.raises(ArgumentError, match="keys must be class indices"):
        class_weights_to_sample_weights({-1: 5.0}, np.array([0, 1, 2]))
    weights = class_weights_to_sample_weights({2: 5.0, 7: 9.0}, np.array([0, 1, 2]))
    np.testing.assert_array_equal(weights, [1.0, 1.0, 5.0])


def test_categorical_targets_outside_zero_one_are_refused():
    x, y = _data()
    model = _classifier(loss="categorical_crossentropy")
    with pytest.raises(DataError, match=r"categorical_crossentropy expects one-hot targets or "
                                        r"class probabilities in \[0, 1\], got values from -1"):
        model.fit(x, -np.eye(3)[y], verbose=0)
    assert model.optimizer.iterations == 0


def test_samples_without_features_are_refused():
    model = Sequential([Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(DataError, match=r"x: expected at least one value per sample, got shape "
                                        r"\(4, 0\).*Hint"):
        model.fit(np.ones((4, 0)), np.ones(4), verbose=0)
    assert not model.built


def test_predict_on_batch_of_none_names_x():
    x, y = _data()
    model = _classifier()
    model.fit(x, y, verbose=0)
    with pytest.raises(ArgumentError, match="x: expected an array, got None"):
        model.predict_on_batch(None)


@pytest.mark.parametrize("call", [
    lambda m: m.evaluate(np.ones((2, 5)), np.zeros(2), callbacks=5, verbose=0),
    lambda m: m.predict(np.ones((2, 5)), callbacks=[object()]),
])
def test_other_entry_points_check_their_callbacks(call):
    model = _classifier()
    with pytest.raises(ArgumentError, match=r"callbacks.*must be"):
        call(model)


# -- compile ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, words", [
    (dict(metrics=[123]), "Unknown metric 123"),
    (dict(metrics=[None]), "Unknown metric None"),
    (dict(weighted_metrics=[5]), "Unknown metric 5"),
    (dict(metrics={"nope": ["accuracy"]}), r"metrics is a dict keyed by \['nope'\], but model "
                                           r"'.*' has one output, named 'dense_.*'.*Hint: pass a "
                                           "list"),
    (dict(loss_weights="x"), r"loss_weights must be a finite number, got 'x'"),
    (dict(loss_weights=[1.0, 2.0]), "loss_weights has 2 entries, but model"),
])
def test_bad_compile_arguments_fail_in_compile_and_change_nothing(kwargs, words):
    x, y = _data()
    model = _classifier()
    model.fit(x, y, verbose=0)
    loss, optimizer = model.loss, model.optimizer
    with pytest.raises(ShenduError, match=words):
        model.compile(optimizer="sgd", loss="mse", **kwargs)
    assert model.loss is loss and model.optimizer is optimizer


def test_single_output_metrics_dict_by_output_name_and_neutral_loss_weight_still_work():
    x, y = _data()
    model = _classifier()
    name = model.layers[-1].name
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics={name: ["accuracy"]}, loss_weights=[1.0], weighted_metrics="accuracy")
    history = model.fit(x, y, verbose=0, sample_weight=np.ones(N))
    assert "accuracy" in history.history and "weighted_accuracy" in history.history


@pytest.mark.parametrize("loss_weights, words", [
    (["a", "b"], r"loss_weights\['o1'\] must be a finite number, got 'a'"),
    ([float("nan"), 1.0], r"loss_weights\['o1'\] must be a finite number, got nan"),
    ({"o1": 1.0, "o2": float("inf")}, r"loss_weights\['o2'\]"),
])
def test_bad_loss_weights_of_several_outputs(loss_weights, words):
    model = _two_outputs()
    weights = list(model._loss_weights)
    with pytest.raises(ArgumentError, match=words):
        model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"],
                      loss_weights=loss_weights)
    assert model._loss_weights == weights


def test_several_inputs_and_outputs_errors_carry_hints():
    model = _two_outputs()
    xa, xb = np.ones((8, 3)), np.ones((8, 2))
    with pytest.raises(ShapeError, match=r"expected a list of 2 arrays.*Hint: x=\[a_array, "
                                         r"b_array\]"):
        model.fit(xa, [np.ones(8), np.zeros(8)], verbose=0)
    with pytest.raises(ArgumentError, match=r"missing entries \['b'\].*Hint: the keys are the "
                                            "names of the model's inputs"):
        model.fit({"a": xa}, [np.ones(8), np.zeros(8)], verbose=0)
    with pytest.raises(ShapeError, match=r"got lengths \[8, 5\]\. Hint"):
        model.fit([xa, xb[:5]], [np.ones(8), np.zeros(8)], verbose=0)
    with pytest.raises(ArgumentError, match=r"3 entries for 2 outputs.*Hint"):
        model.compile(loss=["mse"] * 3)


def test_a_functional_model_needs_inputs_and_outputs():
    with pytest.raises(ArgumentError, match="expected at least one input and one output, got 0"):
        Model([], [])


# -- optimizers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make, words", [
    (lambda: optimizers.Adam(beta_1=1.5), r"Adam: beta_1 must be a number in \[0, 1\), got 1\.5"),
    (lambda: optimizers.Adam(beta_2="x"), "Adam: beta_2 must be a number in"),
    (lambda: optimizers.Nadam(beta_1=-0.1), "Nadam: beta_1"),
    (lambda: optimizers.Adamax(beta_2=1.0), "Adamax: beta_2"),
    (lambda: optimizers.AdamW(beta_1=2), "AdamW: beta_1"),
    (lambda: optimizers.Adam(clipnorm=-1), r"clipnorm must be None or a finite number > 0, got "
                                           r"-1\. Hint: clipnorm=1\.0"),
    (lambda: optimizers.SGD(clipvalue=float("inf")), "clipvalue must be None or a finite"),
    (lambda: optimizers.SGD(global_clipnorm=-2), "global_clipnorm.*Hint"),
    (lambda: optimizers.SGD(clipnorm=1.0, clipvalue=1.0), "at most one of.*Hint"),
    (lambda: optimizers.SGD(ema_momentum="x"), "ema_momentum must be a number in"),
])
def test_bad_optimizer_arguments(make, words):
    with pytest.raises(ArgumentError, match=words) as info:
        make()
    assert "Hint:" in str(info.value)


def test_numpy_betas_are_still_numbers():
    assert optimizers.Adam(beta_1=np.float32(0.8)).beta_1 == pytest.approx(0.8)


# -- layers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, words", [
    (lambda: L.Conv2D(4, 2.5), ArgumentError,
     r"Conv2D 'conv2d.*': kernel_size must be a positive int or a tuple of 2 of them, got 2\.5"),
    (lambda: L.Conv2D(4, (3, True)), ArgumentError, "kernel_size must be a positive int"),
    (lambda: L.Conv1D(4, 3, strides="1"), ArgumentError, "Conv1D '.*': strides"),
    (lambda: L.MaxPooling2D(2.0), ArgumentError, "MaxPooling2D '.*': pool_size"),
    (lambda: L.UpSampling2D(0), ArgumentError, "UpSampling2D '.*': size must be"),
    (lambda: L.SeparableConv2D(4, 3, depth_multiplier=0), ArgumentError,
     "SeparableConv2D '.*': depth_multiplier must be a positive integer, got 0. Hint"),
    (lambda: L.Dense(4, input_shape=-1), ArgumentError,
     r"Dense '.*': input_shape must be a tuple of positive ints.*got -1\. Hint"),
    (lambda: L.Dense(4, input_shape=4), ArgumentError,
     r"input_shape must be a tuple \(the shape of one sample\), got the number 4\. "
     r"Hint: input_shape=\(4,\)"),
    (lambda: L.Dense(4, input_dim=-2), ArgumentError, "input_dim must be a positive int"),
    (lambda: L.Dense(4, input_dim="a"), ArgumentError, "input_dim must be a positive int"),
    (lambda: L.Dense(4, dtype="foo"), DTypeError, "Dense '.*': dtype 'foo' is not a data type"),
    (lambda: L.Dense(4, name=5), ArgumentError, "Dense: name must be a string, got int"),
    (lambda: L.Input(shape=3), ArgumentError, r"Hint: shape=\(3,\)"),
    (lambda: L.Input(shape=(0,)), ArgumentError, "shape must be a tuple of positive ints"),
    (lambda: L.Input(shape=(-3,)), ArgumentError, "shape must be a tuple of positive ints"),
    (lambda: L.Input(shape=(2.5,)), ArgumentError, "shape must be a tuple of positive ints"),
    (lambda: L.Input(shape=(3,), dtype="foo"), DTypeError, "InputLayer '.*': dtype 'foo'"),
    (lambda: L.Masking(mask_value="a"), ArgumentError, "Masking '.*': mask_value must be a number"),
    (lambda: L.Concatenate(axis="x"), ArgumentError, "Concatenate '.*': axis must be an int"),
    (lambda: L.deserialize({"class_name": "Dense", "config": [1]}), ArgumentError,
     "layer config of Dense: expected a dict of constructor arguments, got list"),
])
def test_bad_layer_arguments(make, error, words):
    with pytest.raises(error, match=words) as info:
        make()
    assert "Hint:" in str(info.value)


@pytest.mark.parametrize("layer, x, words", [
    (lambda: Dense(2), np.float32(3), r"Dense '.*': expected inputs of shape \(batch, \.\.\., "
                                      r"features\), got shape \(\)"),
    (lambda: Dense(2), np.ones(3), r"got shape \(3,\).*x\.reshape\(1, -1\)"),
    (lambda: Dense(2), np.ones((2, 0)), "the last axis of its input must have a known size > 0"),
    (lambda: L.Flatten(), np.float32(1), "Flatten '.*': expected inputs with a batch axis"),
    (lambda: L.Concatenate(axis=5), [np.ones((2, 3)), np.ones((2, 3))],
     r"Concatenate '.*': axis=5 is out of range for inputs of rank 2"),
    (lambda: L.Dot(axes=4), [np.ones((2, 3)), np.ones((2, 3))],
     "Dot '.*': axes=4 are out of range"),
    (lambda: L.Add(), np.ones((2, 3)), r"Add '.*': expected a list of at least 2 inputs, got one "
                                       r"input of shape \(2, 3\)\. Hint"),
    (lambda: L.Attention(), [np.ones((2, 3, 4)), np.ones((2, 3, 5))],
     r"Attention '.*': expected query \(batch, Tq, dim\).*key \(2, 3, 5\)\. Hint"),
    (lambda: L.Attention(), [np.ones((2, 3, 4)), np.ones((2, 5, 4)), np.ones((2, 6, 4))],
     "key and value the same number of steps"),
])
def test_layers_called_on_inputs_of_the_wrong_rank_or_shape(layer, x, words):
    with pytest.raises((ShapeError, ArgumentError), match=words) as info:
        layer()(x)
    assert "Hint:" in str(info.value)


def test_a_built_dense_layer_refuses_a_one_dimensional_input():
    layer = Dense(2)
    layer(np.ones((1, 3)))
    with pytest.raises(ShapeError, match="which has no batch axis"):
        layer(np.ones(3))
    model = _classifier()
    with pytest.raises(ShapeError, match="no batch axis"):
        model(np.ones(5))


def test_dense_after_an_input_of_unknown_width():
    with pytest.raises(ShapeError, match=r"the last axis of its input must have a known size.*"
                                         r"\(None, None\)"):
        Sequential([Input(shape=(None,)), Dense(2)])


def test_text_vectorization_adapt_on_no_texts():
    layer = L.TextVectorization()
    with pytest.raises(DataError, match="adapt got no texts"):
        layer.adapt([])


def test_set_weights_with_strings_changes_no_weight():
    x, y = _data()
    model = _classifier()
    model.fit(x, y, verbose=0)
    before = model.get_weights()
    bad = [w.copy() for w in before]
    bad[-1] = np.full(bad[-1].shape, "a")
    with pytest.raises(DTypeError, match=r"set_weights: weight '.*/bias' takes numbers, got an "
                                         r"array of dtype <U1"):
        model.set_weights(bad)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- model files --------------------------------------------------------------------------------
def _saved(tmp_path):
    import json
    import struct

    x, y = _data()
    model = _classifier()
    model.fit(x, y, verbose=0)
    path = tmp_path / "good.safetensors"
    model.save(path)
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    return model, path, json.loads(raw[8:8 + size]), raw[8 + size:]


def _write(tmp_path, header, body, name="bad.safetensors"):
    import json
    import struct

    text = json.dumps(header).encode()
    path = tmp_path / name
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)
    return path


def _with_metadata(header, **entries):
    import copy
    import json

    header = copy.deepcopy(header)
    header["__metadata__"].update({k: v if isinstance(v, str) else json.dumps(v)
                                   for k, v in entries.items()})
    return header


def test_a_config_asking_for_huge_weights_is_refused_before_allocating(tmp_path):
    """Dense(10**12) in a hostile config made load_model try to allocate terabytes."""
    from shendu.errors import FileFormatError
    from shendu.models import load_model

    _, _, header, body = _saved(tmp_path)
    config = {"class_name": "Sequential", "config": {"input_shape": [5], "layers": [
        {"class_name": "Dense", "config": {"units": 10**12}}]}}
    path = _write(tmp_path, _with_metadata(header, config=config), body)
    with pytest.raises(FileFormatError, match=r"weight 'kernel' of shape \(5, 1000000000000\) "
                                              r"needs 5,000,000,000,000 values, more than"):
        load_model(path)


@pytest.mark.parametrize("tensor, words", [
    ({"dtype": "F32", "shape": [True, 12], "data_offsets": [0, 48]},
     r"its tensors cannot be decoded \(.*invalid type: boolean"),
    ({"dtype": "F32", "shape": [2**32, 2**32, 2**32, 0], "data_offsets": [0, 0]},
     r"its tensors cannot be decoded \(.*overflow"),
])
def test_hostile_tensor_shapes(tmp_path, tensor, words):
    from shendu.errors import FileFormatError
    from shendu.models import load_model

    _, _, header, body = _saved(tmp_path)
    header = {**header, "weights/00000": tensor}
    with pytest.raises(FileFormatError, match=words + ".*Hint"):
        load_model(_write(tmp_path, header, body))


@pytest.mark.parametrize("entries, words", [
    (dict(compile_config=[1]), "its compile configuration is not a JSON object. Hint: pass "
                               "compile=False"),
    (dict(compile_config={"loss": "mse", "optimizer": "adam", "metrics": 5}),
     r"its compile configuration is malformed \(TypeError"),
    (dict(weight_paths={"a": 1}), "its weight list is not a list of names. Hint"),
    (dict(config=[1, 2]), r"model config: expected \{'class_name'.*got list\. Hint"),
])
def test_malformed_metadata(tmp_path, entries, words):
    from shendu.errors import FileFormatError
    from shendu.models import load_model

    _, _, header, body = _saved(tmp_path)
    with pytest.raises(FileFormatError, match=words):
        load_model(_write(tmp_path, _with_metadata(header, **entries), body))


def test_a_negative_optimizer_step_count_is_refused(tmp_path):
    import safetensors.numpy as st

    from shendu.errors import FileFormatError
    from shendu.models import load_model

    _, path, header, _ = _saved(tmp_path)
    tensors = st.load(path.read_bytes())
    tensors["optimizer/iterations"] = np.array(-5, dtype=np.int64)
    bad = tmp_path / "steps.safetensors"
    bad.write_bytes(st.save(tensors, metadata=header["__metadata__"]))
    with pytest.raises(FileFormatError, match=r"optimizer step count is -5, expected a whole "
                                              r"number >= 0\. Hint: load with compile=False"):
        load_model(bad)
    assert load_model(bad, compile=False).built


@pytest.mark.parametrize("call, words", [
    (lambda m, d: m.save(d), r"save: '.*' is a folder.*Hint"),
    (lambda m, d: m.save(None), r"save: expected a file path \(str or os\.PathLike\), got "
                                r"NoneType"),
    (lambda m, d: m.save_weights(5), "save_weights: expected a file path"),
])
def test_saving_to_something_that_is_not_a_file_path(tmp_path, call, words):
    model, _, _, _ = _saved(tmp_path)
    with pytest.raises(ArgumentError, match=words):
        call(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.safetensors"]


@pytest.mark.parametrize("call, error, words", [
    (lambda p: __import__("shendu").models.load_model(None), ArgumentError,
     "load: expected a file path"),
    (lambda p: __import__("shendu").models.load_model(p, custom_objects=[1]), ArgumentError,
     "load_model: custom_objects must be a dict"),
    (lambda p: __import__("shendu").models.load_model(p.parent), ShenduError,
     "is a folder, not a file. Hint"),
])
def test_loading_from_something_that_is_not_a_model_file(tmp_path, call, error, words):
    _, path, _, _ = _saved(tmp_path)
    with pytest.raises(error, match=words):
        call(path)


def test_a_failed_save_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    """Guard (this held already): serialization or the final rename failing keeps the old file."""
    import os

    from shendu.layers import Lambda

    model, path, _, _ = _saved(tmp_path)
    before = path.read_bytes()
    unsaveable = Sequential([Dense(3, input_dim=5), Lambda(lambda t: t * 2)])
    with pytest.raises(ArgumentError, match="cannot serialize its function"):
        unsaveable.save(path)

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.safetensors"]


# -- dataset loaders ----------------------------------------------------------------------------
def _npz_with_member(tmp_path, member_bytes):
    import zipfile

    path = tmp_path / "broken.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", member_bytes)
    return path


def _npy_header(shape):
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue()


@pytest.mark.parametrize("member, words", [
    (b"notnpy", "member 'x_train.npy' is not a readable .npy array"),
    (_npy_header((10**6, 10**6)) + bytes(16), r"header promises shape \(1000000, 1000000\)"),
], ids=["not_npy", "header_claims_8_tb"])
def test_corrupt_npz_members(tmp_path, member, words):
    from shendu.datasets import mnist
    from shendu.errors import FileFormatError

    with pytest.raises(FileFormatError, match=words + ".*Hint"):
        mnist.load_data(_npz_with_member(tmp_path, member))


def test_idx_files_that_lie_about_their_size(tmp_path):
    import struct

    from shendu.errors import FileFormatError

    load_idx = _idx.load_idx
    short = tmp_path / "short-idx3-ubyte"
    short.write_bytes(struct.pack(">HBB", 0, 8, 3) + b"\0\0\0\1")
    with pytest.raises(FileFormatError, match="names 3 dimensions but the file ends after 8 "
                                              "bytes. Hint"):
        load_idx(short)
    huge = tmp_path / "huge-idx3-ubyte"  # 2**93 bytes once wrapped around to 0 and passed
    huge.write_bytes(struct.pack(">HBBIII", 0, 8, 3, 2**31, 2**31, 2**31))
    with pytest.raises(FileFormatError, match=r"header promises shape \(2147483648, "):
        load_idx(huge)
    broken = tmp_path / "broken-idx1-ubyte.gz"
    broken.write_bytes(b"\x1f\x8bjunk")
    with pytest.raises(FileFormatError, match="cannot decompress it.*Hint"):
        load_idx(broken)


@pytest.mark.parametrize("call, error, words", [
    (lambda d: _idx.load_idx(d / "nope-idx1-ubyte"), DataError,
     "IDX file .*: does not exist. Hint"),
    (lambda d: _idx.load_idx(d), DataError, "is a folder. Hint"),
    (lambda d: _idx.load_split(d, "test"), ArgumentError, "split must be one of.*got 'test'"),
    (lambda d: fashion_mnist.load_data(d / "nope"), DataError,
     "Dataset path .* does not exist. Hint"),
    (lambda d: fsdd.read_wav(d / "nope.wav"), DataError, r"WAV file .*: cannot open it \(No such"),
    (lambda d: sms_spam.load_data(d / "nope.tsv"), DataError, "does not exist. Hint"),
    (lambda d: digits.load_data(seed="x"), ArgumentError, "seed must be an int >= 0, got 'x'"),
], ids=["idx_missing", "idx_folder", "bad_split", "fashion_missing", "wav_missing",
        "sms_missing", "digits_seed"])
def test_missing_paths_and_bad_arguments_for_loaders(tmp_path, call, error, words):
    with pytest.raises(error, match=words):
        call(tmp_path)


@pytest.mark.parametrize("content, error, words", [
    (b"\xff\xfe\x00garbage", "FileFormatError", "not UTF-8 text"),
    (b"", "DataError", "no messages in it"),
    (b"ham\thello\n", "DataError", "leave 1 for training and 0 for testing"),
], ids=["binary", "empty", "one_message"])
def test_sms_spam_files_that_give_nothing_to_split(tmp_path, content, error, words):
    from shendu import errors

    path = tmp_path / "SMSSpamCollection.tsv"
    path.write_bytes(content)
    with pytest.raises(getattr(errors, error), match=words + ".*Hint"):
        sms_spam.load_data(path)


def test_cifar10_labels_outside_the_ten_classes(tmp_path):
    import pickle

    from shendu.datasets import cifar10
    from shendu.errors import FileFormatError

    for name in list(cifar10.TRAIN_BATCHES) + [cifar10.TEST_BATCH]:
        labels = [1000, -2] if name == "data_batch_3" else [1, 2]
        batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": labels}
        (tmp_path / name).write_bytes(pickle.dumps(batch))
    with pytest.raises(FileFormatError, match=r"labels must be classes 0 to 9, got -2 to 1000"):
        cifar10.load_data(tmp_path)


# -- regularizers, constraints, initializers, losses, metrics, callbacks --------------------------
def _constructors():
    from shendu import callbacks, constraints, initializers, losses, metrics, regularizers

    return {
        "l2_negative": (lambda: regularizers.L2(-1), r"L2: l2 must be a finite number >= 0\.0, "
                                                     r"got -1"),
        "l2_string": (lambda: regularizers.L2("a"), "L2: l2 must be a finite number"),
        "l1l2_nan": (lambda: regularizers.L1L2(l1=float("nan")), "L1L2: l1 must be a finite"),
        "maxnorm_negative": (lambda: constraints.MaxNorm(-1), r"MaxNorm: max_value must be a "
                                                              r"finite number > 0\.0"),
        "minmax_reversed": (lambda: constraints.MinMaxNorm(2.0, 1.0),
                            "MinMaxNorm: max_value must be a finite number >= 2.0"),
        "minmax_rate": (lambda: constraints.MinMaxNorm(rate=2.0), r"rate must be a finite number "
                                                                  r"in \[0\.0, 1\.0\]"),
        "constant_string": (lambda: initializers.Constant("a"), "Constant: value must be a finite"),
        "normal_negative_stddev": (lambda: initializers.RandomNormal(stddev=-1),
                                   "RandomNormal: stddev must be a finite number >= 0.0"),
        "uniform_reversed": (lambda: initializers.RandomUniform(minval=1, maxval=0),
                             "RandomUniform: maxval must be a finite number >= 1"),
        "orthogonal_gain": (lambda: initializers.Orthogonal(gain="a"), "Orthogonal: gain must be"),
        "bce_smoothing": (lambda: losses.BinaryCrossentropy(label_smoothing=2),
                          r"BinaryCrossentropy: label_smoothing must be a finite number in "
                          r"\[0\.0, 1\.0\], got 2"),
        "cce_smoothing": (lambda: losses.CategoricalCrossentropy(label_smoothing=-1),
                          "CategoricalCrossentropy: label_smoothing"),
        "huber_delta": (lambda: losses.Huber(delta=-1), r"Huber: delta must be a finite number > "
                                                        r"0\.0"),
        "top_k_zero": (lambda: metrics.TopKCategoricalAccuracy(k=0),
                       "TopKCategoricalAccuracy: k must be an int >= 1, got 0"),
        "auc_thresholds": (lambda: metrics.AUC(num_thresholds=1), "num_thresholds must be > 1"),
        "f1_average": (lambda: metrics.F1Score(average="x"), "average must be None"),
        "checkpoint_none": (lambda: callbacks.ModelCheckpoint(None),
                            r"ModelCheckpoint: expected a file path.*got NoneType"),
        "csv_none": (lambda: callbacks.CSVLogger(None), r"CSVLogger: expected a file path.*"
                                                        r"'training\.csv'"),
    }


@pytest.mark.parametrize("case", sorted(_constructors()))
def test_bad_constructor_numbers(case):
    make, words = _constructors()[case]
    with pytest.raises(ArgumentError, match=words) as info:
        make()
    assert "Hint:" in str(info.value)


def test_a_loss_called_on_mismatched_shapes_names_them():
    from shendu import losses

    with pytest.raises(ShapeError, match=r"MeanSquaredError: y_true of shape \(3, 2\) does not "
                                         r"match y_pred of shape \(3, 4\)\. Hint"):
        losses.MeanSquaredError()(np.ones((3, 2)), np.ones((3, 4)))


def test_a_metric_updated_on_mismatched_shapes_names_them():
    from shendu import metrics

    metric = metrics.BinaryAccuracy()
    with pytest.raises(ShapeError, match=r"Metric 'binary_accuracy': cannot compare y_true of "
                                         r"shape \(3,\) with y_pred of shape \(4,\)\. Hint"):
        metric.update_state(np.ones(3), np.ones(4))


def test_a_layer_with_an_integer_dtype_refuses_to_create_weights():
    """Dense(3, dtype='int32') silently built all-zero integer weights (glorot rounded to 0)."""
    with pytest.raises(DTypeError, match=r"Layer 'dense_int' \(Dense\): dtype='int32' cannot hold "
                                         r"its weight 'kernel'.*Hint: leave dtype out"):
        Dense(3, dtype="int32", name="dense_int")(np.ones((2, 4)))
    ids = Input(shape=(5,), dtype="int32")  # integer inputs stay fine
    model = Model(ids, Dense(1)(L.Embedding(10, 4)(ids)))
    assert model.predict(np.zeros((2, 5), dtype=int), verbose=0).shape == (2, 5, 1)
