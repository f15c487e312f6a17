"""serialize_keras_object / deserialize_keras_object round trips, Keras 3's dict form,
custom objects (registry, custom_objects, custom_object_scope), refusal of unknown names
and code, and pack / unpack_x_y_sample_weight."""

import json

import numpy as np
import pytest

from shendu import (
    activations,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
)
from shendu.errors import ArgumentError, UnknownNameError
from shendu.optimizers import schedules
from shendu.saving import load_model, save_model
from shendu.utils import (
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    pack_x_y_sample_weight,
    register_keras_serializable,
    serialize_keras_object,
    unpack_x_y_sample_weight,
)


def _round_trip(obj):
    return deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(obj))))


@pytest.mark.parametrize("make, module", [
    (lambda: layers.Dense(3, activation="relu", name="d"), "keras.layers"),
    (lambda: layers.LeakyReLU(0.3), "keras.layers"),
    (lambda: optimizers.SGD(0.1, momentum=0.9), "keras.optimizers"),
    (lambda: schedules.ExponentialDecay(0.1, 10, 0.9), "keras.optimizers.schedules"),
    (lambda: losses.Huber(2.0), "keras.losses"),
    (lambda: metrics.AUC(num_thresholds=50), "keras.metrics"),
    (lambda: initializers.HeNormal(seed=3), "keras.initializers"),
    (lambda: regularizers.L1L2(0.1, 0.2), "keras.regularizers"),
    (lambda: constraints.MaxNorm(2.0), "keras.constraints"),
    (lambda: models.Sequential([layers.Input((3,)), layers.Dense(2)]), "keras"),
])
def test_builtin_objects_round_trip(make, module):
    obj = make()
    config = serialize_keras_object(obj)
    assert config["module"] == module and config["class_name"] == type(obj).__name__
    assert config["registered_name"] is None
    back = _round_trip(obj)
    assert type(back) is type(obj) and back.get_config() == obj.get_config()


def test_functions_and_plain_values():
    assert serialize_keras_object(activations.relu) == {
        "module": "builtins", "class_name": "function", "config": "relu",
        "registered_name": "function"}  # Keras 3's form, so Keras configs load too
    assert _round_trip(activations.relu) is activations.relu
    assert _round_trip(losses.mean_squared_error) is losses.mean_squared_error
    values = {"n": 3, "s": "x", "t": (1, 2), "none": None, "f": np.float32(0.5)}
    assert _round_trip(values) == {"n": 3, "s": "x", "t": [1, 2], "none": None, "f": 0.5}
    back = _round_trip([np.arange(3, dtype="int16"), b"raw", slice(1, 5, 2)])
    assert back[0].dtype == np.int16 and back[0].tolist() == [0, 1, 2]
    assert back[1:] == [b"raw", slice(1, 5, 2)]
    keras_dtype = {"module": "keras", "class_name": "DTypePolicy",
                   "config": {"name": "float32"}, "registered_name": None}
    assert deserialize_keras_object(keras_dtype) == "float32"


def test_registered_class_and_function_round_trip():
    @register_keras_serializable(package="ser_test")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @register_keras_serializable(package="ser_test")
    def triple(x):
        return 3 * x

    config = serialize_keras_object(Scale(5.0))
    assert config["registered_name"] == "ser_test>Scale" == get_registered_name(Scale)
    back = _round_trip(Scale(5.0))
    assert isinstance(back, Scale) and back.factor == 5.0
    assert serialize_keras_object(triple)["config"] == "ser_test>triple"
    assert _round_trip(triple) is triple
    assert get_registered_object("ser_test>triple") is triple
    assert get_custom_objects()["ser_test>Scale"] is Scale


def test_unregistered_names_are_refused_and_nothing_is_imported():
    for config in [
        {"module": "os", "class_name": "system", "config": {}, "registered_name": None},
        {"module": "subprocess", "class_name": "function", "config": "run",
         "registered_name": "function"},
        {"module": "builtins", "class_name": "function", "config": "eval",
         "registered_name": "function"},
        {"module": "my_lib.layers", "class_name": "Mystery", "config": {}},
        {"module": "keras.layers", "class_name": "NoSuchLayer", "config": {}},
    ]:
        with pytest.raises(UnknownNameError):
            deserialize_keras_object(config)
    with pytest.raises(UnknownNameError, match="register_keras_serializable"):
        deserialize_keras_object({"module": "my_lib", "class_name": "Mystery", "config": {}})
    code = {"class_name": "__lambda__", "config": {"code": "ZZZ", "defaults": None}}
    for safe_mode in (True, False):
        with pytest.raises(ArgumentError, match="never runs"):
            deserialize_keras_object(code, safe_mode=safe_mode)
    with pytest.raises(ArgumentError, match="lambda"):
        serialize_keras_object(lambda x: x)
    with pytest.raises(ArgumentError, match="get_config"):
        serialize_keras_object(object())


def test_custom_objects_and_scope():
    class Halve(layers.Layer):
        def call(self, x):
            return x / 2

    config = serialize_keras_object(Halve(name="h"))
    with pytest.raises(UnknownNameError):
        deserialize_keras_object(config)
    assert isinstance(deserialize_keras_object(config, custom_objects={"Halve": Halve}), Halve)
    assert deserialize_keras_object("Halve", custom_objects={"Halve": Halve}) is Halve
    with custom_object_scope({"Halve": Halve}):
        assert isinstance(deserialize_keras_object(config), Halve)
        assert get_registered_object("Halve") is Halve
    assert get_registered_object("Halve") is None
    with pytest.raises(ArgumentError, match="custom_object_scope"):
        custom_object_scope(["Halve"])


def test_scope_reaches_load_model(tmp_path):
    class Shift(layers.Layer):
        def call(self, x):
            return x + 1

    model = models.Sequential([layers.Input((2,)), Shift(name="shift")])
    save_model(model, tmp_path / "m.safetensors")
    with custom_object_scope({"Shift": Shift}):
        back = load_model(tmp_path / "m.safetensors")
    x = np.ones((1, 2), "float32")
    assert np.allclose(back.predict(x, verbose=0), model.predict(x, verbose=0))


def test_pack_and_unpack():
    x, y, w = np.ones((2, 1)), np.zeros(2), np.ones(2)
    assert pack_x_y_sample_weight(x) is x
    assert pack_x_y_sample_weight([x, x]) == ([x, x],)
    assert pack_x_y_sample_weight(x, y) == (x, y)
    assert pack_x_y_sample_weight(x, y, w) == (x, y, w)
    assert unpack_x_y_sample_weight(x) == (x, None, None)
    assert unpack_x_y_sample_weight((x, y)) == (x, y, None)
    assert unpack_x_y_sample_weight([x, y, w]) == (x, y, w)
    with pytest.raises(ArgumentError, match="unpack_x_y_sample_weight"):
        unpack_x_y_sample_weight((x, y, w, w))


def test_keras_saving_offers_the_same_serializers():
    import shendu as keras

    for name in ("custom_object_scope", "deserialize_keras_object", "get_custom_objects",
                 "serialize_keras_object"):
        assert getattr(keras.saving, name) is getattr(keras.utils, name)
