"""Lean paths give what the plain paths give: predict on a few samples, batches of a shuffled
epoch, and an ``import shendu`` that leaves the training-only modules unloaded."""

import subprocess
import sys

import numpy as np
import pytest

import shendu.models.model as model_module
import shendu.models.training as training_module
from shendu import backend, errors
from shendu.autograd import Tensor, no_grad
from shendu.layers import Activation, Dense, Input
from shendu.models import Model, Sequential
from shendu.models.batches import ArrayBatches
from shendu.models.predict_path import LEAN_MAX_ROWS, lean_call, lean_predict
from shendu.utils import set_random_seed


def _plain_predict(model, x):
    """model.predict(x) with the lean path switched off (the reference)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training_module, "lean_predict", lambda model, x: None)
        return model.predict(x, verbose=0)


def _plain_call(model, x):
    """model(x) under no_grad with the lean path switched off (the reference)."""
    with pytest.MonkeyPatch.context() as patch, no_grad():
        patch.setattr(model_module, "lean_call", lambda model, x: None)
        return model(x).data


def _lean_call(model, x):
    with no_grad():
        out = model(x)
    assert isinstance(out, Tensor) and not out.requires_grad
    return out.data


def _outcome(fn):
    """('ok', array) or ('error', class, message): what a call gave."""
    try:
        return ("ok", fn())
    except Exception as err:  # noqa: BLE001 - the point is to compare any error
        return ("error", type(err), str(err))


def _assert_same(lean, plain):
    assert lean[0] == plain[0], (lean, plain)
    if lean[0] == "ok":
        assert lean[1].dtype == plain[1].dtype and lean[1].shape == plain[1].shape
        np.testing.assert_array_equal(lean[1], plain[1])  # bit for bit
    else:
        assert lean[1:] == plain[1:]


MODELS = {
    "seed": lambda: [Dense(16, activation="relu", input_dim=10), Dense(8, activation="relu"),
                     Dense(1, activation="sigmoid")],
    "softmax_layer": lambda: [Dense(12, activation="tanh", input_dim=10), Dense(4),
                              Activation("softmax")],
    "softmax_dense": lambda: [Dense(5, activation="softmax", input_dim=10)],
    "linear": lambda: [Dense(6, activation="elu", input_dim=10), Dense(3)],
    "no_bias": lambda: [Dense(6, activation="relu", use_bias=False, input_dim=10),
                        Dense(2, activation="sigmoid", use_bias=False)],
    "sequence": lambda: [Input(shape=(4, 10)), Dense(6, activation="relu"), Dense(2)],
}


def _model(kind, dtype=None):
    set_random_seed(0)
    layers = MODELS[kind]()
    if dtype is not None:
        for layer in layers:
            if isinstance(layer, (Dense, Activation)):
                layer.dtype = dtype
    return Sequential(layers)


def _x(model, rows, dtype="float32", seed=1):
    shape = (rows,) + tuple(model._build_shape[1:])
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


@pytest.mark.parametrize("kind", sorted(MODELS))
@pytest.mark.parametrize("rows", [1, 7, LEAN_MAX_ROWS])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_lean_predict_gives_the_plain_paths_numbers(kind, rows, dtype):
    model = _model(kind)
    x = _x(model, rows, dtype)
    lean = lean_predict(model, x)
    assert lean is not None  # the lean path did run
    _assert_same(("ok", lean), ("ok", _plain_predict(model, x)))
    _assert_same(("ok", model.predict(x, verbose=0)), ("ok", lean))


def test_lean_predict_follows_a_float64_model_and_floatx():
    model = _model("seed", dtype="float64")  # layers in float64, inputs cast to floatx first
    x = _x(model, 3, "float64")
    _assert_same(("ok", lean_predict(model, x)), ("ok", _plain_predict(model, x)))
    backend.set_floatx("float64")
    try:
        model = _model("seed")
        x = _x(model, 3, "float64")
        out = lean_predict(model, x)
        assert out.dtype == np.float64
        _assert_same(("ok", out), ("ok", _plain_predict(model, x)))
    finally:
        backend.set_floatx("float32")


def _bad_inputs():
    good = np.ones((2, 10), dtype="float32")
    nan, inf = good.copy(), good.copy()
    nan[1, 3] = np.nan
    inf[0, 0] = -np.inf
    huge = np.full((2, 10), 3e38, dtype="float32")  # v·v overflows, yet every value is finite
    return {
        "nan": nan, "inf": inf, "huge": huge,
        "columns": np.ones((2, 9), dtype="float32"),
        "one_d": np.ones(10, dtype="float32"),
        "rank3": np.ones((2, 10, 1), dtype="float32"),
        "empty": np.ones((0, 10), dtype="float32"),
        "ints": np.ones((2, 10), dtype="int64"),
        "list": [[0.5] * 10],
        "strings": np.array([["a"] * 10]),
        "objects": np.array([[None] * 10]),
        "many_rows": np.ones((LEAN_MAX_ROWS + 1, 10), dtype="float32"),
        "fortran": np.asfortranarray(np.arange(40, dtype="float32").reshape(4, 10)),
        "strided": np.arange(80, dtype="float32").reshape(4, 20)[:, ::2],
    }


@pytest.mark.parametrize("name", sorted(_bad_inputs()))
def test_lean_predict_gives_the_plain_paths_errors_and_results(name):
    model = _model("seed")
    model.predict(np.zeros((1, 10), dtype="float32"), verbose=0)  # the lean path is primed
    x = _bad_inputs()[name]
    _assert_same(_outcome(lambda: model.predict(x, verbose=0)),
                 _outcome(lambda: _plain_predict(model, x)))


@pytest.mark.parametrize("name,error,words", [
    ("nan", errors.DataError, ["x: contains NaN", "row 1"]),
    ("columns", errors.ShapeError, ["expected inputs of shape (batch, 10)", "(2, 9)"]),
    ("one_d", errors.ShapeError, ["1-D array", "reshape"]),
])
def test_lean_predict_errors_stay_clear(name, error, words):
    model = _model("seed")
    model.predict(np.zeros((1, 10), dtype="float32"), verbose=0)
    with pytest.raises(error) as info:
        model.predict(_bad_inputs()[name], verbose=0)
    assert all(word in str(info.value) for word in words)
    assert model.name in str(info.value) or name == "nan"


def test_lean_predict_sees_new_weights_layers_and_training():
    model = _model("seed")
    x = _x(model, 4)
    first = model.predict(x, verbose=0)
    model.set_weights([w * 0.5 for w in model.get_weights()])  # in place: same plan
    second = model.predict(x, verbose=0)
    assert not np.array_equal(first, second)
    _assert_same(("ok", second), ("ok", _plain_predict(model, x)))

    model.add(Dense(3, activation="softmax"))  # a new layer: the lean facts are stale
    out = model.predict(x, verbose=0)
    assert out.shape == (4, 3)
    _assert_same(("ok", out), ("ok", _plain_predict(model, x)))

    model.pop()
    assert model.predict(x, verbose=0).shape == (4, 1)

    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, (x[:, 0] > 0).astype("float32"), epochs=2, verbose=0)  # fit builds a new plan
    _assert_same(("ok", model.predict(x, verbose=0)), ("ok", _plain_predict(model, x)))


def test_lean_predict_steps_aside_for_other_models_and_arguments(monkeypatch):
    inputs = Input(shape=(10,))
    functional = Model(inputs, Dense(2)(inputs))
    x = np.ones((2, 10), dtype="float32")
    assert lean_predict(functional, x) is None
    assert functional.predict(x, verbose=0).shape == (2, 2)

    model = _model("seed")
    calls = []
    monkeypatch.setattr(training_module, "lean_predict",
                        lambda model, x: calls.append(1) or lean_predict(model, x))
    for kwargs in ({"batch_size": 1}, {"steps": 1}, {"callbacks": []}, {"verbose": 2}):
        model.predict(x, **kwargs)
    assert calls == []  # an explicit batching/progress argument takes the plain path
    model.predict(x, verbose=0)
    assert calls == [1]


def test_shuffled_batches_are_the_rows_of_the_epochs_permutation():
    rng = np.random.default_rng(0)
    x, y, sw = rng.normal(size=(50, 3)), rng.integers(0, 2, size=50), rng.random(50)
    backend.set_seed(7)
    batches = list(ArrayBatches(x, y, sw, 16, shuffle=True).epoch(5))  # wraps past the end
    backend.set_seed(7)
    order = backend.rng().permutation(50)
    starts = [(s * 16) % 50 for s in range(5)]
    for (xb, yb, swb), start in zip(batches, starts):
        rows = order[start:min(start + 16, 50)]
        np.testing.assert_array_equal(xb, x[rows])
        np.testing.assert_array_equal(yb, y[rows])
        np.testing.assert_array_equal(swb, sw[rows])
    assert [len(b[0]) for b in batches] == [16, 16, 16, 2, 16]


HEAVY = ["csv", "difflib", "json", "numpy.random", "safetensors", "tqdm", "shendu.callbacks",
         "shendu.losses", "shendu.loss_functions", "shendu.metrics", "shendu.optimizers",
         "shendu.optimizers.schedules", "shendu.saving"]


def test_import_leaves_training_only_modules_unloaded():
    code = ("import sys\nimport shendu\nfrom shendu.models import Sequential\n"
            "from shendu.layers import Dense\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_lazy_names_still_import():
    from shendu import callbacks, optimizers
    from shendu.callbacks import CSVLogger, ReduceLROnPlateau
    from shendu.optimizers import SGD, Adam, AdamW, Optimizer, schedules

    assert issubclass(Adam, Optimizer) and issubclass(AdamW, Adam) and SGD().name
    assert sorted(optimizers.ALL) == ["adadelta", "adafactor", "adagrad", "adam", "adamax",
                                      "adamw", "ftrl", "lamb", "lion", "muon", "nadam", "rmsprop",
                                      "schedulefreeadamw", "sgd"]
    assert type(optimizers.get("AdamW")) is AdamW
    assert schedules.ExponentialDecay(0.1, 10, 0.5)(10) == pytest.approx(0.05)
    assert issubclass(CSVLogger, callbacks.Callback)
    assert "ReduceLROnPlateau" in dir(callbacks) and ReduceLROnPlateau.__name__
    with pytest.raises(AttributeError):
        callbacks.NoSuchCallback  # noqa: B018
    with pytest.raises(errors.UnknownNameError, match="Did you mean 'adam'"):
        optimizers.get("adamm")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_kernels_with_kept_constants_match_python_scalars_bit_for_bit(dtype):
    from shendu.ops.activations import Sigmoid
    from shendu.ops.rectifiers import ReLU

    z = np.random.default_rng(0).normal(scale=20, size=(5, 7)).astype(dtype)
    z[0, :3] = [np.nan, -0.0, np.inf]
    relu = np.maximum(z, 0)
    sigmoid = z.copy()
    sigmoid *= 0.5
    np.tanh(sigmoid, out=sigmoid)
    sigmoid += 1
    sigmoid *= 0.5
    for kernel, expected in ((ReLU(), relu), (Sigmoid(), sigmoid)):
        out = kernel.forward_(z.copy())
        assert out.dtype == z.dtype
        np.testing.assert_array_equal(out, expected)
        assert np.array_equal(np.signbit(out), np.signbit(expected))


@pytest.mark.parametrize("kind", sorted(MODELS))
@pytest.mark.parametrize("rows", [1, 100])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_model_call_under_no_grad_gives_the_plain_paths_numbers(kind, rows, dtype):
    model = _model(kind)
    x = _x(model, rows, dtype)
    assert lean_call(model, x) is not None  # the lean path does run
    _assert_same(("ok", _lean_call(model, x)), ("ok", _plain_call(model, x)))


@pytest.mark.parametrize("name", sorted(_bad_inputs()))
def test_model_call_under_no_grad_gives_the_plain_paths_errors_and_results(name):
    model = _model("seed")
    x = _bad_inputs()[name]
    _assert_same(_outcome(lambda: _lean_call(model, x)), _outcome(lambda: _plain_call(model, x)))


def test_model_call_records_a_graph_when_gradients_are_on():
    model = _model("seed")
    x = _x(model, 3)
    out = model(x)  # grad enabled: the autograd path, so backward reaches the weights
    out.sum().backward()
    assert all(np.abs(w.grad).sum() > 0 for w in model.trainable_weights)
    with no_grad():
        _assert_same(("ok", model(x, training=False).data), ("ok", out.data))


def test_model_call_never_clears_gradients_of_a_training_loop():
    model = _model("seed")
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    x = _x(model, 4)
    model.fit(x, np.ones(4, dtype="float32"), verbose=0)
    model.add(Dense(2))  # the fit's chain plan no longer matches the layers
    model._ensure_flat()
    model._plan = None  # a training loop of its own: a flat buffer, no plan
    loss = model(x).sum()
    loss.backward()
    grads = model._flat.grad.copy()
    assert np.abs(grads).sum() > 0
    with no_grad():
        model(x)  # the plain path (no plan is made, so the gradients stay)
    np.testing.assert_array_equal(model._flat.grad, grads)
