"""InputSpec (Keras 3's rules): a custom layer's input_spec is checked on every call, eager and
symbolic, before build or call run; what meets the spec passes untouched."""

from __future__ import annotations

import numpy as np
import pytest

import shendu as keras
from shendu.errors import ArgumentError, DTypeError, ShapeError
from shendu.layers import Dense, Input, InputSpec, Layer
from shendu.models import Model, Sequential


class Checked(Layer):
    """Sums its input's last axis; its spec is given at construction."""

    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec
        self.builds = 0

    def build(self, input_shape):
        self.builds += 1

    def call(self, x):
        if isinstance(x, (list, tuple)):
            return x[0] + x[1]
        return keras.ops.sum(x, axis=-1, keepdims=True)


def test_exported_where_keras_has_it():
    assert keras.InputSpec is InputSpec is keras.layers.InputSpec


@pytest.mark.parametrize("spec, shape", [
    (InputSpec(ndim=2), (3, 4)),
    (InputSpec(min_ndim=2), (3, 4, 5)),
    (InputSpec(max_ndim=3), (3, 4)),
    (InputSpec(axes={-1: 4}), (3, 2, 4)),
    (InputSpec(axes={1: 2}), (3, 2, 4)),
    (InputSpec(shape=(None, 4)), (7, 4)),
    (InputSpec(dtype="float32"), (2, 4)),
    (InputSpec(ndim=2, allow_last_axis_squeeze=True), (3, 4, 1)),
    (InputSpec(ndim=3, allow_last_axis_squeeze=True), (3, 4)),
])
def test_inputs_that_meet_the_spec_pass_unchanged(spec, shape):
    x = np.arange(np.prod(shape), dtype="float32").reshape(shape)
    out = Checked(spec)(x).data
    np.testing.assert_array_equal(out, x.sum(-1, keepdims=True))


@pytest.mark.parametrize("spec, shape, words", [
    (InputSpec(ndim=2), (3, 4, 5), "expected ndim=2, found ndim=3"),
    (InputSpec(min_ndim=3), (3, 4), "expected min_ndim=3, found ndim=2"),
    (InputSpec(max_ndim=2), (3, 4, 5), "expected max_ndim=2, found ndim=3"),
    (InputSpec(axes={-1: 8}), (3, 4), "expected axis -1 to have size 8"),
    (InputSpec(axes={2: 8}), (3, 4), "an axis 2 of size 8"),
    (InputSpec(shape=(None, 5)), (3, 4), "expected shape=(None, 5)"),
    (InputSpec(ndim=2, allow_last_axis_squeeze=True), (3, 4, 2), "expected ndim=2"),
])
def test_a_wrong_shape_is_refused_before_build_with_the_layer_named(spec, shape, words):
    layer = Checked(spec, name="summer")
    with pytest.raises(ShapeError) as err:
        layer(np.zeros(shape, dtype="float32"))
    message = str(err.value)
    assert words in message and "'summer' (Checked)" in message and "Input 0" in message
    assert f"{shape}" in message and "Hint:" in message
    assert layer.builds == 0 and not layer.built  # nothing ran


def test_a_wrong_dtype_is_refused():
    with pytest.raises(DTypeError, match=r"expected dtype=int32, got dtype=float32"):
        Checked(InputSpec(dtype="int32"))(np.zeros((2, 3), dtype="float32"))


def test_a_symbolic_input_is_checked_when_the_graph_is_built():
    layer = Checked(InputSpec(ndim=2, axes={-1: 4}))
    out = layer(Input(shape=(4,)))
    assert out.shape == (None, 1)
    with pytest.raises(ShapeError, match="axis -1 to have size 4"):
        Checked(InputSpec(axes={-1: 4}))(Input(shape=(5,)))
    with pytest.raises(ShapeError, match="ndim=2, found ndim=3"):
        Sequential([Input(shape=(5, 4)), Checked(InputSpec(ndim=2))]).outputs  # noqa: B018


def test_one_spec_per_input_and_none_for_any():
    layer = Checked([InputSpec(shape=(None, 3)), None])
    a, b = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    np.testing.assert_array_equal(layer([a, b]).data, a + b)
    with pytest.raises(ShapeError, match=r"Input 0 .* expected shape=\(None, 3\)"):
        layer([np.ones((2, 4), "float32"), b])
    with pytest.raises(ShapeError, match=r"expects 2 input\(s\) by its input_spec, got 1"):
        Checked([InputSpec(ndim=2), InputSpec(ndim=2)])(a)


def test_a_spec_that_is_not_an_input_spec_is_refused():
    with pytest.raises(ArgumentError, match="input_spec must be an InputSpec"):
        Checked({"ndim": 2})(np.ones((2, 3), "float32"))


@pytest.mark.parametrize("kwargs, words", [
    ({"ndim": -1}, "ndim must be a non-negative int"),
    ({"shape": 4}, "shape must be a tuple"),
    ({"axes": [1]}, "axes must be a dict"),
    ({"ndim": 2, "axes": {3: 1}}, "axis 3 is beyond the rank"),
    ({"dtype": "no-such-dtype"}, "is not a dtype"),
])
def test_bad_spec_arguments_get_clear_errors(kwargs, words):
    with pytest.raises(ArgumentError, match=words):
        InputSpec(**kwargs)


def test_config_round_trip_and_repr():
    spec = InputSpec(dtype="float32", min_ndim=2, axes={-1: 8})
    again = InputSpec.from_config(spec.get_config())
    assert again.get_config() == spec.get_config()
    assert repr(spec) == "InputSpec(dtype='float32', min_ndim=2, axes={-1: 8})"
    shaped = InputSpec.from_config(InputSpec(shape=(None, 4)).get_config())
    assert shaped.shape == (None, 4) and shaped.ndim == 2


def test_a_model_with_a_spec_checked_layer_trains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = x.sum(1, keepdims=True)
    inputs = Input(shape=(4,))
    outputs = Dense(1)(Checked(InputSpec(ndim=2, axes={-1: 4}))(inputs) * 1.0 + inputs[:, :1] * 0)
    model = Model(inputs, outputs)
    model.compile(loss="mse", optimizer="adam")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    with pytest.raises(ShapeError):
        model.predict(rng.normal(size=(2, 5)).astype("float32"), verbose=0)
