"""register_keras_serializable (keras.utils / keras.saving) on shendu's registry, and lookups."""

import numpy as np
import pytest

from shendu import layers, models, saving, utils
from shendu.errors import ArgumentError
from shendu.saving import registry


def test_the_keras_names_are_the_same_functions_in_utils_and_saving():
    assert utils.register_keras_serializable is saving.register_keras_serializable
    assert utils.get_registered_name is saving.get_registered_name
    assert utils.get_registered_object is saving.get_registered_object


def test_register_keras_serializable_uses_package_and_class_name():
    @utils.register_keras_serializable(package="test_reg")
    class Doubler(layers.Layer):
        def call(self, inputs):
            return inputs * 2

    assert utils.get_registered_name(Doubler) == "test_reg>Doubler"
    assert utils.get_registered_object("test_reg>Doubler") is Doubler
    assert registry.lookup("test_reg>Doubler") is Doubler


def test_default_package_is_custom_and_name_can_be_given():
    @utils.register_keras_serializable(name="triple_it")
    def triple(x):
        return 3 * x

    assert utils.get_registered_name(triple) == "Custom>triple_it"
    assert utils.get_registered_object("Custom>triple_it") is triple


def test_a_subclass_of_a_registered_class_keeps_its_own_name():
    @utils.register_keras_serializable("test_reg")
    class Base(layers.Layer):
        pass

    class Child(Base):
        pass

    assert utils.get_registered_name(Child) == "Child"


def test_get_registered_object_falls_back_to_custom_then_module_objects():
    assert utils.get_registered_object("nothing_here") is None
    assert utils.get_registered_object("f", custom_objects={"f": abs}) is abs
    assert utils.get_registered_object("g", module_objects={"g": len}) is len
    assert utils.get_registered_object("f", {"f": abs}, {"f": len}) is abs


def test_a_registered_layer_round_trips_through_a_model_file(tmp_path):
    @saving.register_keras_serializable("test_reg_file")
    class AddOne(layers.Layer):
        def call(self, inputs):
            return inputs + 1

    model = models.Sequential([layers.Input((2,)), AddOne(), layers.Dense(1)])
    saving.save_model(model, tmp_path / "m.safetensors")
    again = saving.load_model(tmp_path / "m.safetensors")
    assert type(again.layers[0]) is AddOne
    x = np.ones((3, 2), "float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_class_without_get_config_is_refused():
    class Plain:
        pass

    with pytest.raises(ArgumentError, match=r"register_serializable: class Plain has no "
                                            r"get_config\(\).*Hint"):
        utils.register_keras_serializable("test_reg")(Plain)


@pytest.mark.parametrize("package, name", [("", None), ("a>b", None), (3, None),
                                           ("ok", ""), ("ok", "x>y")])
def test_bad_package_or_name_is_refused(package, name):
    with pytest.raises(ArgumentError, match="must be a non-empty str without '>'.*Hint"):
        utils.register_keras_serializable(package, name)


def test_a_non_callable_is_refused():
    with pytest.raises(ArgumentError, match="expected a class or a function, got int"):
        utils.register_keras_serializable("test_reg", "n")(3)


def test_get_registered_object_needs_a_string():
    with pytest.raises(ArgumentError, match="get_registered_object: name must be a str"):
        utils.get_registered_object(["x"])
