"""The keras.config and keras.utils additions of Keras 3.15: run caps, interactive logging, the
dtype policy, the backend and flag functions, Config, standardize_dtype, is_keras_tensor,
get_source_inputs, and plot_model's error. Signatures and reference values are Keras 3.15.1's
(read with inspect and by running it), written here as literals."""

import inspect
import logging
import warnings

import numpy as np
import pytest

import shendu
from shendu import config, layers, utils
from shendu.callbacks import Callback
from shendu.errors import ArgumentError
from shendu.models import Model, Sequential


class StepCounter(Callback):
    def __init__(self):
        super().__init__()
        self.epochs = 0
        self.batches = 0
        self.test_batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs += 1

    def on_train_batch_begin(self, batch, logs=None):
        self.batches += 1

    def on_test_batch_begin(self, batch, logs=None):
        self.test_batches += 1


def _model():
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.fixture
def caps():
    try:
        yield
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)


# Keras 3.15.1's signatures (inspect.signature on keras.config.* / keras.utils.*)
KERAS_SIGNATURES = {
    (config, "enable_interactive_logging"): "()",
    (config, "disable_interactive_logging"): "()",
    (config, "is_interactive_logging_enabled"): "()",
    (config, "enable_traceback_filtering"): "()",
    (config, "disable_traceback_filtering"): "()",
    (config, "is_traceback_filtering_enabled"): "()",
    (config, "set_max_epochs"): "(max_epochs)",
    (config, "max_epochs"): "()",
    (config, "set_max_steps_per_epoch"): "(max_steps_per_epoch)",
    (config, "max_steps_per_epoch"): "()",
    (config, "dtype_policy"): "()",
    (config, "set_dtype_policy"): "(policy)",
    (config, "set_backend"): "(backend)",
    (config, "backend"): "()",
    (config, "is_nnx_enabled"): "()",
    (config, "enable_flash_attention"): "()",
    (config, "disable_flash_attention"): "()",
    (config, "is_flash_attention_enabled"): "()",
    (utils, "get_source_inputs"): "(tensor)",
    (utils, "is_keras_tensor"): "(x)",
    (utils, "standardize_dtype"): "(dtype)",
    (utils, "Config"): "(**kwargs)",
    (utils, "plot_model"): "(model, to_file='model.png', show_shapes=False, show_dtype=False, "
                           "show_layer_names=False, rankdir='TB', expand_nested=False, dpi=200, "
                           "show_layer_activations=False, show_trainable=False, "
                           "splines='ortho', **kwargs)",
    (utils, "model_to_dot"): "(model, show_shapes=False, show_dtype=False, "
                             "show_layer_names=True, rankdir='TB', expand_nested=False, "
                             "dpi=200, subgraph=False, show_layer_activations=False, "
                             "show_trainable=False, splines='ortho', **kwargs)",
}
CONFIG_METHOD_SIGNATURES = {  # inspect.signature(keras.utils.Config.<name>)
    "freeze": "(self)", "unfreeze": "(self)", "as_dict": "(self)", "to_json": "(self)",
    "keys": "(self)", "values": "(self)", "items": "(self)", "pop": "(self, *args)",
    "update": "(self, *args, **kwargs)", "get": "(self, keyname, value=None)",
}


@pytest.mark.parametrize("module, name", list(KERAS_SIGNATURES))
def test_signatures_match_keras(module, name):
    sig = str(inspect.signature(getattr(module, name))).split(" ->")[0]
    assert sig == KERAS_SIGNATURES[(module, name)]


@pytest.mark.parametrize("name", list(CONFIG_METHOD_SIGNATURES))
def test_config_method_signatures_match_keras(name):
    sig = str(inspect.signature(getattr(utils.Config, name))).split(" ->")[0]
    assert sig == CONFIG_METHOD_SIGNATURES[name]


def test_utils_logging_functions_are_configs():
    for name in ("enable_interactive_logging", "disable_interactive_logging",
                 "is_interactive_logging_enabled"):
        assert getattr(utils, name) is getattr(config, name)
        assert getattr(shendu.utils, name) is getattr(shendu.config, name)


# -- caps -----------------------------------------------------------------------------------
def test_max_epochs_caps_fit(caps):
    config.set_max_epochs(1)
    assert config.max_epochs() == 1
    counter = StepCounter()
    with pytest.warns(UserWarning, match="limiting the epochs to 1"):
        history = _model().fit(np.ones((8, 4)), np.ones(8), epochs=5, batch_size=4,
                               callbacks=[counter], verbose=0)
    assert counter.epochs == 1 and len(history.history["loss"]) == 1
    config.set_max_epochs(None)
    counter = StepCounter()
    _model().fit(np.ones((8, 4)), np.ones(8), epochs=3, callbacks=[counter], verbose=0)
    assert counter.epochs == 3


def test_max_epochs_above_epochs_changes_nothing(caps):
    config.set_max_epochs(10)
    counter = StepCounter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _model().fit(np.ones((8, 4)), np.ones(8), epochs=2, callbacks=[counter], verbose=0)
    assert counter.epochs == 2


def test_keras_trainer_test_caps(caps):
    # Keras's trainer_test.test_max_epochs_and_steps: 10 batches, 4 epochs, caps 2 and 3 -> 6
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    counter = StepCounter()
    with pytest.warns(UserWarning):
        _model().fit(np.ones((80, 4)), np.ones(80), batch_size=8, epochs=4,
                     callbacks=[counter], verbose=0)
    assert counter.batches == 6


def test_max_steps_caps_fit_generator_evaluate_and_predict(caps):
    config.set_max_steps_per_epoch(2)
    model = _model()

    def forever():
        while True:
            yield np.ones((4, 4)), np.ones(4)

    counter = StepCounter()
    with pytest.warns(UserWarning, match="limiting the steps per epoch to 2"):
        model.fit(forever(), epochs=2, callbacks=[counter], verbose=0)
    assert counter.batches == 4
    counter = StepCounter()
    with pytest.warns(UserWarning):
        model.evaluate(np.ones((40, 4)), np.ones(40), batch_size=4, callbacks=[counter],
                       verbose=0)
    assert counter.test_batches == 2
    with pytest.warns(UserWarning):
        assert model.predict(np.ones((40, 4)), batch_size=4, verbose=0).shape == (8, 1)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_caps_refuse_non_counts(bad, caps):
    with pytest.raises(ArgumentError, match="set_max_epochs: the cap must be a whole number"):
        config.set_max_epochs(bad)
    with pytest.raises(ArgumentError, match="set_max_steps_per_epoch: .*Hint: None"):
        config.set_max_steps_per_epoch(bad)


def test_caps_from_environment(monkeypatch):
    monkeypatch.setenv("KERAS_MAX_EPOCHS", "3")
    assert config._cap_from_env("KERAS_MAX_EPOCHS") == 3
    monkeypatch.setenv("KERAS_MAX_EPOCHS", "many")
    with pytest.raises(ArgumentError, match="KERAS_MAX_EPOCHS must be a whole number"):
        config._cap_from_env("KERAS_MAX_EPOCHS")


# -- interactive logging --------------------------------------------------------------------
@pytest.fixture
def shendu_log():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("shendu")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        config.enable_interactive_logging()


def test_interactive_logging_on_prints_to_stdout(capsys, shendu_log):
    assert config.is_interactive_logging_enabled() is True  # Keras's default
    model = _model()
    model.fit(np.ones((8, 4)), np.ones(8), epochs=2, verbose=2)
    model.evaluate(np.ones((8, 4)), np.ones(8), verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "loss:" in out
    assert shendu_log == []


def test_interactive_logging_off_sends_lines_to_logging(capsys, shendu_log):
    config.disable_interactive_logging()
    assert utils.is_interactive_logging_enabled() is False
    model = _model()
    model.fit(np.ones((8, 4)), np.ones(8), epochs=2, verbose=1)
    model.evaluate(np.ones((8, 4)), np.ones(8), verbose=1)
    model.predict(np.ones((40, 4)), verbose=1)
    assert capsys.readouterr().out == ""
    lines = [r.getMessage() for r in shendu_log]
    assert all(r.levelno == logging.INFO for r in shendu_log)
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("1/1 - ") and "loss:" in lines[1]
    assert len(lines) == 6  # 2 x (epoch header, epoch line), the evaluate and predict lines
    utils.enable_interactive_logging()
    assert config.is_interactive_logging_enabled() is True


# -- dtype policy, backend, flags -----------------------------------------------------------
def test_dtype_policy_follows_floatx():
    policy = config.dtype_policy()
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == ("float32",) * 3
    assert repr(policy) == '<DTypePolicy "float32">'  # Keras 3.15.1's repr
    try:
        config.set_dtype_policy("float64")
        assert config.floatx() == "float64"
        assert config.dtype_policy().compute_dtype == "float64"
        dense = layers.Dense(2)
        dense(np.ones((1, 3)))
        assert dense.kernel.numpy().dtype == np.float64
        config.set_dtype_policy(policy)  # a policy object
        assert config.floatx() == "float32"
        config.set_floatx("float16")
        assert config.dtype_policy().variable_dtype == "float16"
    finally:
        config.set_floatx("float32")


@pytest.mark.parametrize("name", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_policies_refused(name):
    with pytest.raises(ArgumentError, match="shendu computes and keeps weights in one dtype"):
        config.set_dtype_policy(name)
    assert config.floatx() == "float32"


@pytest.mark.parametrize("bad, match", [("bfloat16", "NumPy has no bfloat16"),
                                        ("int32", "not one shendu can compute in"),
                                        (3, "must be a policy name")])
def test_other_policies_refused(bad, match):
    with pytest.raises(ArgumentError, match=match):
        config.set_dtype_policy(bad)
    assert config.floatx() == "float32"


def test_backend_and_set_backend():
    assert config.backend() == "numpy"
    config.set_backend("numpy")
    for other in ("tensorflow", "jax", "torch"):
        with pytest.raises(ArgumentError, match=f"only on its 'numpy' backend, got '{other}'"):
            config.set_backend(other)
    assert config.is_nnx_enabled() is False


def test_traceback_filtering_flag():
    assert config.is_traceback_filtering_enabled() is True  # Keras's default
    try:
        config.disable_traceback_filtering()
        assert config.is_traceback_filtering_enabled() is False
    finally:
        config.enable_traceback_filtering()
    assert config.is_traceback_filtering_enabled() is True


def test_flash_attention_flag_uses_keras_values():
    # Keras 3.15.1: None by default and after enable, False after disable
    assert config.is_flash_attention_enabled() is None
    try:
        config.disable_flash_attention()
        assert config.is_flash_attention_enabled() is False
    finally:
        config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is None


# -- utils ----------------------------------------------------------------------------------
def test_standardize_dtype_matches_keras():
    torch = pytest.importorskip("torch")
    # keras.utils.standardize_dtype outputs, Keras 3.15.1
    cases = [(None, "float32"), (float, "float32"), (int, "int64"), (bool, "bool"),
             (str, "string"), (complex, "complex128"), ("int", "int64"),
             ("float64", "float64"), (np.float32, "float32"), (np.dtype("int8"), "int8"),
             ("bfloat16", "bfloat16"), ("float8_e4m3fn", "float8_e4m3fn"),
             (torch.float16, "float16"), (torch.int32, "int32")]
    for given, expected in cases:
        assert utils.standardize_dtype(given) == expected, given
    for bad in ("foo", "f4", "double", 3, [1]):
        with pytest.raises(ArgumentError, match="standardize_dtype: dtype .* Hint:"):
            utils.standardize_dtype(bad)


def test_is_keras_tensor():
    x = layers.Input(shape=(3,))
    assert utils.is_keras_tensor(x) and utils.is_keras_tensor(layers.Dense(2)(x))
    assert not utils.is_keras_tensor(np.ones(3))
    assert not utils.is_keras_tensor(layers.Dense(2)(np.ones((1, 3))))


def test_get_source_inputs():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(4,))
    y = layers.Dense(2)(a)
    z = layers.Add()([y, layers.Dense(2)(b)])
    # Keras 3.15.1 on the same graph: [a, b]
    sources = utils.get_source_inputs(z)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    both = layers.Concatenate()([layers.Dense(2)(b), z, a])
    sources = utils.get_source_inputs(both)
    assert len(sources) == 2 and sources[0] is b and sources[1] is a
    assert utils.get_source_inputs(a) == [a]
    array = np.ones(2)
    assert utils.get_source_inputs(array) is array  # Keras returns a non-symbolic input as is
    model = Model(utils.get_source_inputs(z), z)
    assert model.predict([np.ones((1, 3)), np.ones((1, 4))], verbose=0).shape == (1, 2)


def test_get_source_inputs_deep_graph_no_recursion():
    x = layers.Input(shape=(2,))
    y = x
    for _ in range(1500):
        y = layers.Identity()(y)
    assert utils.get_source_inputs(y) == [x]


def test_config_class():
    cfg = utils.Config(learning_rate=0.1, momentum=0.9)
    cfg.use_ema = True
    cfg["seed"] = 123
    assert cfg.seed == 123 and cfg["learning_rate"] == 0.1 and "momentum" in cfg
    assert list(cfg) == ["learning_rate", "momentum", "seed", "use_ema"]  # sorted, as Keras
    assert list(cfg.keys()) == ["learning_rate", "momentum", "use_ema", "seed"]
    assert len(cfg) == 4 and cfg.get("missing", 7) == 7
    assert cfg.as_dict() == {"learning_rate": 0.1, "momentum": 0.9, "use_ema": True, "seed": 123}
    assert cfg.to_json() == '{"learning_rate": 0.1, "momentum": 0.9, "use_ema": true, "seed": 123}'
    assert repr(utils.Config(a=1)) == "<Config {'a': 1}>"  # Keras 3.15.1's repr
    with pytest.raises(AttributeError, match="Did you mean 'seed'"):
        _ = cfg.seeds
    assert not hasattr(cfg, "nothing")
    cfg.freeze()
    assert cfg.frozen
    for change in (lambda: setattr(cfg, "x", 1), lambda: cfg.__setitem__("x", 1),
                   lambda: cfg.pop("seed"), lambda: cfg.update(x=1),
                   lambda: cfg.__delitem__("seed")):
        with pytest.raises(ValueError, match="the config is frozen. Hint: call config.unfreeze"):
            change()
    cfg.unfreeze()
    assert cfg.pop("seed") == 123 and "seed" not in cfg
    with pytest.raises(ArgumentError, match="'keys' is an attribute of Config itself"):
        cfg.keys = 3


def test_config_copies():
    import copy
    import pickle

    cfg = utils.Config(a=[1])
    assert copy.deepcopy(cfg).a == [1] and pickle.loads(pickle.dumps(cfg)).as_dict() == {"a": [1]}


def test_plot_model_and_model_to_dot_say_what_they_need():
    # pydot is not a dependency; without it, both raise an ImportError
    try:
        import pydot  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pydot is installed here")
    model = _model()
    with pytest.raises(ImportError, match=r"plot_model: .*`pip install pydot`.*Graphviz"):
        utils.plot_model(model, to_file="model.png", show_shapes=True)
    with pytest.raises(ImportError, match=r"model_to_dot: .*`pip install pydot`.*Graphviz"):
        utils.model_to_dot(model)
