"""Keras 3.15 names added to activations (celu ... threshold), regularizers
(OrthogonalRegularizer, deserialize) and constraints (deserialize): their signatures, values
against torch or worked by hand, gradients by finite differences, names in layers, and
save/load."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import shendu as keras
from shendu import activations, constraints, regularizers
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError, UnknownNameError
from shendu.testing import check_gradients

# Keras 3.15.1's signatures, written out
SIGNATURES = {
    (activations, "celu"): "(x, alpha=1.0)",
    (activations, "glu"): "(x, axis=-1)",
    (activations, "hard_shrink"): "(x, threshold=0.5)",
    (activations, "hard_tanh"): "(x)",
    (activations, "log_sigmoid"): "(x)",
    (activations, "soft_shrink"): "(x, threshold=0.5)",
    (activations, "sparse_plus"): "(x)",
    (activations, "sparse_sigmoid"): "(x)",
    (activations, "sparsemax"): "(x, axis=-1)",
    (activations, "squareplus"): "(x, b=4)",
    (activations, "tanh_shrink"): "(x)",
    (activations, "threshold"): "(x, threshold, default_value)",
    (activations, "get"): "(identifier)",
    (activations, "serialize"): "(activation)",
    (activations, "deserialize"): "(config, custom_objects=None)",
    (regularizers, "OrthogonalRegularizer"): "(factor=0.01, mode='rows')",
    (regularizers, "orthogonal_regularizer"): "(factor=0.01, mode='rows')",
    (regularizers, "get"): "(identifier)",
    (regularizers, "serialize"): "(regularizer)",
    (regularizers, "deserialize"): "(config, custom_objects=None)",
    (constraints, "get"): "(identifier)",
    (constraints, "serialize"): "(constraint)",
    (constraints, "deserialize"): "(config, custom_objects=None)",
}


@pytest.mark.parametrize("module, name", list(SIGNATURES))
def test_signatures_are_keras(module, name):
    sig = inspect.signature(getattr(module, name))
    plain = sig.replace(parameters=[p.replace(annotation=inspect.Parameter.empty)
                                    for p in sig.parameters.values()],
                        return_annotation=inspect.Signature.empty)
    assert str(plain) == SIGNATURES[(module, name)]


# -- activations -----------------------------------------------------------------------------

X = np.array([[-2.5, -1.0, -0.6, -0.2, 0.0, 0.3, 0.55, 1.0, 1.7, 3.0]])
XT = torch.tensor(X)

# (name, kwargs, reference): torch where it has the function, else the formula by hand
CASES = [
    ("celu", {}, F.celu(XT).numpy()),
    ("celu", {"alpha": 0.5}, F.celu(XT, alpha=0.5).numpy()),
    ("hard_shrink", {}, F.hardshrink(XT).numpy()),
    ("hard_shrink", {"threshold": 1.2}, F.hardshrink(XT, 1.2).numpy()),
    ("hard_tanh", {}, F.hardtanh(XT).numpy()),
    ("log_sigmoid", {}, F.logsigmoid(XT).numpy()),
    ("soft_shrink", {}, F.softshrink(XT).numpy()),
    ("soft_shrink", {"threshold": 0.25}, F.softshrink(XT, 0.25).numpy()),
    ("tanh_shrink", {}, F.tanhshrink(XT).numpy()),
    ("sparse_plus", {}, np.where(X <= -1, 0, np.where(X >= 1, X, (X + 1) ** 2 / 4))),
    ("sparse_sigmoid", {}, np.clip((X + 1) / 2, 0, 1)),
    ("squareplus", {}, (X + np.sqrt(X ** 2 + 4)) / 2),
    ("squareplus", {"b": 1}, (X + np.sqrt(X ** 2 + 1)) / 2),
]


@pytest.mark.parametrize("name, kwargs, expected", CASES)
def test_function_kernel_and_layer_agree_with_reference(name, kwargs, expected):
    fn = getattr(activations, name)
    np.testing.assert_allclose(fn(X, **kwargs).data, expected, rtol=1e-12, atol=1e-12)
    kernel = activations.get({"class_name": name, "config": kwargs} if kwargs else name)
    assert kernel.name == name
    np.testing.assert_allclose(kernel(X).data, expected, rtol=1e-12, atol=1e-12)
    # the kernel fused in Dense (identity kernel, zero bias) gives the same numbers
    layer = keras.layers.Dense(X.shape[1], activation=kernel, kernel_initializer="identity",
                               dtype="float64")
    np.testing.assert_allclose(layer(X).data, expected, rtol=1e-12, atol=1e-12)
    assert activations.get(fn) == kernel or activations.get(fn).name == name


# away from the kinks, so the finite differences are clean
XG = np.array([[-2.5, -1.3, -0.7, -0.2, 0.1, 0.35, 0.8, 1.4, 2.0]])


@pytest.mark.parametrize("name, kwargs", [(c[0], c[1]) for c in CASES])
def test_gradients(name, kwargs):
    fn = getattr(activations, name)
    kernel = activations.get({"class_name": name, "config": kwargs} if kwargs else name)
    assert check_gradients(lambda x: (fn(x, **kwargs) * x).sum(), [XG]) < 1e-6
    assert check_gradients(lambda x: (keras.ops.activation(x, kernel) * x).sum(), [XG]) < 1e-6


def test_glu_threshold_and_sparsemax():
    x = np.array([[0.5, -1.0, 2.0, 0.3], [1.0, 2.0, -0.5, 0.0]])
    np.testing.assert_allclose(activations.glu(x).data, F.glu(torch.tensor(x)).numpy())
    np.testing.assert_allclose(activations.glu(x, axis=0).data,
                               F.glu(torch.tensor(x), dim=0).numpy())
    np.testing.assert_allclose(activations.threshold(x, 0.4, -3.0).data,
                               F.threshold(torch.tensor(x), 0.4, -3.0).numpy())
    # sparsemax by hand: [1, 0.8, 0] keeps two (τ = 0.4); [3, 0, 0] keeps one
    s = activations.sparsemax(np.array([[1.0, 0.8, 0.0], [3.0, 0.0, 0.0]]))
    np.testing.assert_allclose(s.data, [[0.6, 0.4, 0.0], [1.0, 0.0, 0.0]], atol=1e-12)
    k = activations.get({"class_name": "sparsemax", "config": {"axis": 0}})
    np.testing.assert_allclose(k(x).data, activations.sparsemax(x, axis=0).data)
    assert check_gradients(lambda t: (k(t) * t).sum(), [x]) < 1e-6
    assert activations.get("glu") is activations.glu
    assert activations.get("threshold") is activations.threshold
    assert activations.serialize(activations.glu) == "glu"


def test_names_serialize_and_errors():
    for name in ["celu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink",
                 "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink"]:
        k = activations.get(name)
        assert activations.serialize(k) == name
        assert activations.deserialize(activations.serialize(k)).get_config() == k.get_config()
        assert activations.get({"module": "builtins", "class_name": "function",
                                "config": name, "registered_name": "function"}).name == name
    k = activations.get({"class_name": "celu", "config": {"alpha": 0.5}})
    assert activations.serialize(k) == {"class_name": "celu", "config": {"alpha": 0.5}}
    assert activations.deserialize("mine", custom_objects={"mine": abs}) is abs
    with pytest.raises(ArgumentError, match="alpha"):
        activations.get({"class_name": "celu", "config": {"alpha": 0.0}})
    with pytest.raises(ArgumentError, match="unexpected"):
        activations.get({"class_name": "hard_tanh", "config": {"threshold": 1.0}})
    with pytest.raises(UnknownNameError, match="celu"):
        activations.get("celux")


def test_layers_by_name_train_and_survive_save_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    model = keras.Sequential([keras.Input((6,))]
                             + [keras.layers.Dense(6, activation=n) for n in
                                ["celu", "log_sigmoid", "squareplus", "soft_shrink",
                                 "sparse_plus", "hard_tanh", "tanh_shrink", "sparsemax"]]
                             + [keras.layers.Dense(1)])
    assert model(x).shape == (32, 1)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "acts.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded(x).data, model(x).data, rtol=1e-6)
    assert [lay.get_config()["activation"] for lay in loaded.layers][-2:] == ["sparsemax",
                                                                               "linear"]
    # glu halves the units; called eagerly, and its name survives a layer's config
    layer = keras.layers.Dense(4, activation="glu")
    assert layer(x).shape == (32, 2)
    again = keras.layers.deserialize(keras.layers.serialize(layer))
    assert again.get_config()["activation"] == "glu" and again.activation is activations.glu


def test_kernels_resolve_without_importing_activations():
    # the kernels live in shendu.ops: no import of shendu.activations needed (a fresh process)
    code = ("import sys; import numpy as np; from shendu import ops; "
            "y = ops.activation(np.ones(3), 'celu'); "
            "assert 'shendu.activations' not in sys.modules, 'imported'; "
            "print(y.data.tolist(), ops.activation(np.array([1.0, 0.8, 0.0]), 'sparsemax')"
            ".data.round(6).tolist())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[1.0,", "1.0,", "1.0]", "[0.6,", "0.4,", "0.0]"]


def test_new_functions_are_reexported_and_fuse():
    from shendu import activations_extra
    from shendu.ops.activations import KERNELS

    for name in ["celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink",
                 "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink",
                 "threshold"]:
        assert getattr(activations, name) is getattr(activations_extra, name)
        if name not in ("glu", "threshold"):
            # the function itself, given to a layer, becomes its kernel (fused in Dense)
            assert isinstance(activations.get(getattr(activations, name)), KERNELS[name])


def test_dense_glu_on_input_reports_halved_units_and_fits():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    inputs = keras.Input(shape=(3,))
    hidden = keras.layers.Dense(4, activation="glu")(inputs)
    # the units a call gives (Keras 3.15.1's symbolic Dense says (None, 4), from the units
    # alone, though its eager call gives 2 and a following Dense then fails to fit)
    assert hidden.shape == (None, 2)
    assert keras.layers.Dense(6, activation="glu").compute_output_shape((None, 5, 3)) == \
        (None, 5, 3)
    assert keras.layers.Dense(6, activation="relu").compute_output_shape((None, 3)) == (None, 6)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    assert model.layers[-1].kernel.shape == (2, 1)
    model.compile(optimizer="sgd", loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=4, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="glu"),
                            keras.layers.Dense(1)])
    assert seq.output_shape == (None, 1) and seq.layers[1].kernel.shape == (2, 1)
    seq.compile(optimizer="sgd", loss="mse")
    seq.fit(x, y, epochs=1, verbose=0)


@pytest.mark.parametrize("name", ["glu", "threshold", "celu", "sparsemax"])
def test_functions_round_trip_through_keras_serialization(name):
    from shendu.utils import deserialize_keras_object, serialize_keras_object

    fn = getattr(activations, name)
    config = serialize_keras_object(fn)
    # Keras 3.15.1 writes glu and threshold this way too (serialize_keras_object)
    assert config == {"module": "builtins", "class_name": "function", "config": name,
                      "registered_name": "function"}
    assert deserialize_keras_object(config) is fn
    keras_form = dict(config, module="keras.src.activations.activations")
    assert deserialize_keras_object(keras_form) is fn


# -- OrthogonalRegularizer -------------------------------------------------------------------

W = np.array([[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0], [0.2, -0.7, 1.1], [0.0, 0.0, 0.0]])


def _mean_abs_cos(vectors):
    """By hand: the mean |cos| over pairs i < j (a zero vector has cos 0 with the others)."""
    n = len(vectors)
    cosines = []
    for i in range(n):
        for j in range(i + 1, n):
            a, b = vectors[i], vectors[j]
            na, nb = np.linalg.norm(a), np.linalg.norm(b)
            cosines.append(0.0 if na == 0 or nb == 0 else abs(a @ b) / (na * nb))
    return sum(cosines) / len(cosines)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_value_by_hand_and_keras(mode):
    reg = regularizers.OrthogonalRegularizer(factor=0.3, mode=mode)
    got = float(reg(Tensor(W)).data)
    vectors = W if mode == "rows" else W.T
    assert got == pytest.approx(0.3 * _mean_abs_cos(vectors), rel=1e-12)
    # Keras 3.15.1 (TensorFlow backend, float32) on the same W
    keras_value = {"rows": 0.04663027822971344, "columns": 0.10598669201135635}[mode]
    assert got == pytest.approx(keras_value, rel=1e-6)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_gradient(mode):
    reg = regularizers.OrthogonalRegularizer(factor=0.7, mode=mode)
    w = W[:3]  # no zero row: the penalty is smooth there
    assert check_gradients(lambda t: reg(t), [w]) < 1e-6


def test_orthogonal_edges_config_and_errors():
    assert float(regularizers.OrthogonalRegularizer()(Tensor(np.eye(3))).data) == 0.0
    one_row = regularizers.OrthogonalRegularizer()(Tensor(np.array([[1.0, 2.0]])))
    assert float(one_row.data) == 0.0  # no pair (Keras: NaN)
    reg = regularizers.orthogonal_regularizer(0.1, "columns")
    assert reg.get_config() == {"factor": 0.1, "mode": "columns"}
    spec = regularizers.serialize(reg)
    assert spec == {"class_name": "OrthogonalRegularizer",
                    "config": {"factor": 0.1, "mode": "columns"}}
    back = regularizers.deserialize(spec)
    assert isinstance(back, regularizers.OrthogonalRegularizer) and back.mode == "columns"
    assert isinstance(regularizers.get("orthogonal_regularizer"),
                      regularizers.OrthogonalRegularizer)
    assert isinstance(regularizers.deserialize("l2"), regularizers.L2)
    mine = type("Mine", (regularizers.L2,), {})
    assert type(regularizers.deserialize({"class_name": "Mine", "config": {"l2": 0.5}},
                                         custom_objects={"Mine": mine})) is mine
    with pytest.raises(ArgumentError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ArgumentError, match="factor"):
        regularizers.OrthogonalRegularizer(factor=-1.0)
    with pytest.raises(ShapeError, match="2-D"):
        regularizers.OrthogonalRegularizer()(Tensor(np.ones((2, 2, 2))))


def test_orthogonal_in_dense_trains_and_saves(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = rng.normal(size=(64, 8)).astype("float32")
    reg = regularizers.OrthogonalRegularizer(factor=1.0, mode="columns")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, kernel_regularizer=reg)])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    before = float(reg(model.layers[0].kernel).data)
    history = model.fit(x, y * 0.0, epochs=20, batch_size=64, verbose=0)
    after = float(reg(model.layers[0].kernel).data)
    assert after < before  # the penalty is part of the loss being minimised
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "ortho.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    back = loaded.layers[0].kernel_regularizer
    assert isinstance(back, regularizers.OrthogonalRegularizer)
    assert back.get_config() == {"factor": 1.0, "mode": "columns"}


# -- constraints -----------------------------------------------------------------------------


def test_constraints_deserialize():
    spec = constraints.serialize(constraints.MinMaxNorm(0.5, 2.0, rate=0.5, axis=1))
    back = constraints.deserialize(spec)
    assert isinstance(back, constraints.MinMaxNorm) and back.get_config() == spec["config"]
    assert isinstance(constraints.deserialize("non_neg"), constraints.NonNeg)
    assert constraints.deserialize(None) is None
    mine = type("Mine", (constraints.NonNeg,), {})
    assert type(constraints.deserialize({"class_name": "Mine", "config": {}},
                                        custom_objects={"Mine": mine})) is mine
    with pytest.raises(UnknownNameError):
        constraints.deserialize({"class_name": "Nope", "config": {}})
