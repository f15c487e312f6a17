"""Model files: exact round trips, and hostile or broken files rejected with a clear error."""

import json
import os
import pickle
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.numpy import load_file, save_file

from shendu.errors import FileFormatError, ShapeError, UnknownNameError
from shendu.layers import Dense, Layer
from shendu.models import Sequential, load_model
from shendu.saving import register_serializable


def _trained_model(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(128, 6))
    y = (x[:, 0] + x[:, 1] > 0).astype("float32")
    model = Sequential([Dense(8, activation="relu", input_dim=6), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model, x, y


@pytest.fixture
def saved(tmp_path):
    model, x, y = _trained_model()
    path = tmp_path / "model.safetensors"
    model.save(path)
    return model, x, y, path


def test_round_trip_predictions_and_training_resume_exactly(saved):
    model, x, y, path = saved
    restored = load_model(path)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert restored.optimizer.iterations == model.optimizer.iterations
    model.fit(x, y, epochs=1, shuffle=False, verbose=0)
    restored.fit(x, y, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_predictions_identical_in_a_fresh_process(saved, tmp_path):
    model, x, _, path = saved
    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(f"""
        import numpy as np
        from shendu.models import load_model
        model = load_model({str(path)!r})
        np.save({str(tmp_path / 'p.npy')!r}, model.predict(np.load({str(tmp_path / 'x.npy')!r}),
                                                            verbose=0))
    """)
    subprocess.run([sys.executable, "-c", script], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), model.predict(x, verbose=0))


def test_save_is_atomic_and_leaves_no_temporary_files(saved, tmp_path):
    _, _, _, path = saved
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors"]


def test_save_weights_and_load_weights(tmp_path):
    model, x, _ = _trained_model()
    model.save_weights(tmp_path / "w.safetensors")
    other = Sequential([Dense(8, activation="relu", input_dim=6), Dense(1, activation="sigmoid")])
    other.load_weights(tmp_path / "w.safetensors")
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(FileFormatError, match="weights only"):
        load_model(tmp_path / "w.safetensors")


def test_load_weights_into_a_different_architecture_names_the_weight(tmp_path):
    model, _, _ = _trained_model()
    model.save_weights(tmp_path / "w.safetensors")
    other = Sequential([Dense(9, activation="relu", input_dim=6), Dense(1)])
    with pytest.raises(FileFormatError, match=r"weight '.*kernel' has shape \(6, 8\)"):
        other.load_weights(tmp_path / "w.safetensors")


def _rewrite(path, out, *, metadata_update=None, tensor_update=None):
    tensors = load_file(str(path))
    with open(path, "rb") as handle:
        (n,) = struct.unpack("<Q", handle.read(8))
        metadata = json.loads(handle.read(n))["__metadata__"]
    metadata.update(metadata_update or {})
    tensors.update(tensor_update or {})
    save_file(tensors, str(out), metadata=metadata)
    return out


def test_pickle_payload_is_rejected_without_running_it(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(FileFormatError, match="not a shendu/safetensors file"):
        load_model(path)
    assert not marker.exists()


def test_header_claiming_terabytes(tmp_path):
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 5 << 40) + b"{}")
    with pytest.raises(FileFormatError, match="header claims"):
        load_model(path)


@pytest.mark.parametrize("keep", [0, 5, 100, -10])
def test_empty_or_truncated_files(saved, tmp_path, keep):
    _, _, _, path = saved
    data = path.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(data[:keep] if keep >= 0 else data[:keep])
    with pytest.raises(FileFormatError):
        load_model(cut)


def test_mismatched_shapes(saved, tmp_path):
    _, _, _, path = saved
    bad = _rewrite(path, tmp_path / "bad.safetensors",
                   tensor_update={"weights/00000": np.zeros((5, 8), np.float32)})
    with pytest.raises(FileFormatError, match=r"shape \(5, 8\).*expects \(6, 8\)"):
        load_model(bad)


def test_wrong_dtypes(saved, tmp_path):
    _, _, _, path = saved
    bad = _rewrite(path, tmp_path / "bad.safetensors",
                   tensor_update={"weights/00000": np.zeros((6, 8), np.int32)})
    with pytest.raises(FileFormatError, match="dtype int32"):
        load_model(bad)


@pytest.mark.parametrize("class_name", ["os.system", "builtins.eval", "NotAShenduLayer"])
def test_config_naming_unregistered_classes_is_an_error_and_nothing_runs(saved, tmp_path,
                                                                         class_name):
    _, _, _, path = saved
    config = json.loads(load_metadata(path)["config"])
    config["config"]["layers"][0]["class_name"] = class_name
    bad = _rewrite(path, tmp_path / "bad.safetensors",
                   metadata_update={"config": json.dumps(config)})
    with pytest.raises(FileFormatError, match=class_name.replace(".", r"\.")):
        load_model(bad)


def test_config_naming_a_module_as_the_model_class(saved, tmp_path):
    _, _, _, path = saved
    bad = _rewrite(path, tmp_path / "bad.safetensors",
                   metadata_update={"config": json.dumps({"class_name": "os.system",
                                                          "config": {"command": "true"}})})
    with pytest.raises(FileFormatError, match="os.system"):
        load_model(bad)


def test_deeply_nested_json(saved, tmp_path):
    _, _, _, path = saved
    bad = _rewrite(path, tmp_path / "bad.safetensors",
                   metadata_update={"config": "[" * 100_000 + "]" * 100_000})
    with pytest.raises(FileFormatError, match="nested deeper"):
        load_model(bad)


def test_a_plain_safetensors_file_is_not_a_model(tmp_path):
    path = tmp_path / "plain.safetensors"
    save_file({"a": np.zeros(3, np.float32)}, str(path))
    with pytest.raises(FileFormatError, match="not written by shendu"):
        load_model(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileFormatError, match="does not exist"):
        load_model(tmp_path / "nope.safetensors")
    with pytest.raises(FileFormatError, match="folder"):
        load_model(tmp_path)


def load_metadata(path):
    with open(path, "rb") as handle:
        (n,) = struct.unpack("<Q", handle.read(8))
        return json.loads(handle.read(n))["__metadata__"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzzed_files_raise_only_file_format_errors(saved, tmp_path, data):
    _, _, _, path = saved
    original = bytearray(path.read_bytes())
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(mutated) - 1))
        mutated[pos] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        mutated = mutated[: data.draw(st.integers(0, len(mutated)))]
    target = tmp_path / "fuzz.safetensors"
    target.write_bytes(bytes(mutated))
    try:
        restored = load_model(target)
    except (FileFormatError, ShapeError):
        return  # a clear error: what the test asks of a broken file
    # a file that still loads (a changed weight byte, say) gives a model of the saved
    # architecture, which predicts: every other outcome had to be one of the errors above
    model, x, _, _ = saved
    assert [w.shape for w in restored.get_weights()] == [w.shape for w in model.get_weights()]
    assert restored.predict(x, verbose=0).shape == (len(x), 1)


def test_custom_layer_loads_only_when_registered(tmp_path):
    class Scale(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, inputs):
            return inputs * self.w

    model = Sequential([Dense(3, input_dim=2), Scale(name="scale")])
    model.compile(optimizer="sgd", loss="mse")
    path = tmp_path / "custom.safetensors"
    model.save(path)
    with pytest.raises(FileFormatError, match="Scale"):
        load_model(path)
    restored = load_model(path, custom_objects={"Scale": Scale})
    x = np.ones((2, 2))
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))

    registered = register_serializable(package="tests")(Scale)
    model2 = Sequential([Dense(3, input_dim=2), registered(name="scale2")])
    model2.compile(optimizer="sgd", loss="mse")
    model2.save(tmp_path / "registered.safetensors")
    restored2 = load_model(tmp_path / "registered.safetensors")
    np.testing.assert_array_equal(restored2.predict(x, verbose=0), model2.predict(x, verbose=0))


def test_unknown_optimizer_in_compile_config_names_it(saved, tmp_path):
    _, _, _, path = saved
    bad = _rewrite(path, tmp_path / "bad.safetensors", metadata_update={
        "compile_config": json.dumps({"optimizer": {"class_name": "Evil", "config": {}},
                                      "loss": "mse", "metrics": []})})
    with pytest.raises(FileFormatError, match="Evil"):
        load_model(bad)
    assert load_model(bad, compile=False).compiled is False
    assert issubclass(UnknownNameError, ValueError)


def test_custom_loss_function_loads_only_when_registered(tmp_path):
    from shendu import ops

    def scaled_mse(y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true), axis=-1) * 3.0

    model = Sequential([Dense(1, input_dim=2)])
    model.compile(optimizer="sgd", loss=scaled_mse)
    model.fit(np.ones((4, 2)), np.zeros(4), verbose=0)
    model.save(tmp_path / "loss.safetensors")
    with pytest.raises(FileFormatError, match="scaled_mse"):
        load_model(tmp_path / "loss.safetensors")
    assert load_model(tmp_path / "loss.safetensors", compile=False).compiled is False
    restored = load_model(tmp_path / "loss.safetensors", custom_objects={"scaled_mse": scaled_mse})
    x, y = np.ones((4, 2)), np.zeros((4, 1))
    assert restored.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))

    register_serializable(package="tests")(scaled_mse)
    model.save(tmp_path / "registered-loss.safetensors")
    again = load_model(tmp_path / "registered-loss.safetensors")
    assert again.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
