"""Configs written by Keras 3 load into shendu: Sequential.from_config, Model.from_config,
layers.deserialize and utils.deserialize_keras_object take them, the rebuilt model has Keras's
layers and weight shapes, and with the same weights it predicts what Keras predicted.

The JSON below came from Keras 3.15.1 (TensorFlow backend): ``model.get_config()`` of four
small models, and ``keras.saving.serialize_keras_object`` of one. Weights were drawn with
``np.random.default_rng(0).uniform(-0.5, 0.5)`` per array of ``model.get_weights()`` (moving
variances made positive, as :func:`_weights` does), inputs with ``default_rng(1)``, and
``*_KERAS_OUTPUT`` is what Keras's ``model.predict`` returned for them (rounded to 6 places).
"""

import json

import numpy as np
import pytest

from shendu import layers, utils
from shendu.errors import ArgumentError, DTypeError, UnknownNameError
from shendu.layers import Dense, InputLayer
from shendu.models import Model, Sequential
from shendu.models.functional import Functional

MLP_CONFIG = json.loads(
    '{"name":"mlp","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config"'
    ':{"name":"float32"},"registered_name":null},"layers":[{"module":"keras.layers","class_name":'
    '"InputLayer","config":{"batch_shape":[null,4],"dtype":"float32","sparse":false,"ragged":fals'
    'e,"name":"input_layer","optional":false},"registered_name":null},{"module":"keras.layers","c'
    'lass_name":"Dense","config":{"name":"dense","trainable":true,"dtype":{"module":"keras","clas'
    's_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"units":3,"activat'
    'ion":"relu","use_bias":true,"kernel_initializer":{"module":"keras.initializers","class_name"'
    ':"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_nam'
    'e":null},"bias_initializer":{"module":"keras.initializers","class_name":"Constant","config":'
    '{"value":0.1},"registered_name":null},"kernel_regularizer":{"module":"keras.regularizers","c'
    'lass_name":"L2","config":{"l2":0.01},"registered_name":null},"bias_regularizer":null,"kernel'
    '_constraint":null,"bias_constraint":null,"quantization_config":null},"registered_name":null,'
    '"build_config":{"input_shape":[null,4]}},{"module":"keras.layers","class_name":"Dropout","co'
    'nfig":{"name":"dropout","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy'
    '","config":{"name":"float32"},"registered_name":null},"rate":0.2,"seed":null,"noise_shape":n'
    'ull},"registered_name":null},{"module":"keras.layers","class_name":"BatchNormalization","con'
    'fig":{"name":"batch_normalization","trainable":true,"dtype":{"module":"keras","class_name":"'
    'DTypePolicy","config":{"name":"float32"},"registered_name":null},"axis":-1,"momentum":0.99,"'
    'epsilon":0.001,"center":true,"scale":true,"beta_initializer":{"module":"keras.initializers",'
    '"class_name":"Zeros","config":{},"registered_name":null},"gamma_initializer":{"module":"kera'
    's.initializers","class_name":"Ones","config":{},"registered_name":null},"moving_mean_initial'
    'izer":{"module":"keras.initializers","class_name":"Zeros","config":{},"registered_name":null'
    '},"moving_variance_initializer":{"module":"keras.initializers","class_name":"Ones","config":'
    '{},"registered_name":null},"beta_regularizer":null,"gamma_regularizer":null,"beta_constraint'
    '":null,"gamma_constraint":null,"synchronized":false,"renorm":false,"renorm_clipping":null,"r'
    'enorm_momentum":0.99},"registered_name":null,"build_config":{"input_shape":[null,3]}},{"modu'
    'le":"keras.layers","class_name":"Dense","config":{"name":"dense_1","trainable":true,"dtype":'
    '{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":n'
    'ull},"units":2,"activation":"softmax","use_bias":true,"kernel_initializer":{"module":"keras.'
    'initializers","class_name":"HeNormal","config":{"seed":null,"input_axes":null,"output_axes":'
    'null},"registered_name":null},"bias_initializer":{"module":"keras.initializers","class_name"'
    ':"Zeros","config":{},"registered_name":null},"kernel_regularizer":null,"bias_regularizer":nu'
    'll,"kernel_constraint":null,"bias_constraint":null,"quantization_config":null},"registered_n'
    'ame":null,"build_config":{"input_shape":[null,3]}}],"build_input_shape":[null,4]}'
)

MLP_KERAS_OUTPUT = [[0.486949, 0.513051], [0.483854, 0.516146]]

CNN_CONFIG = json.loads(
    '{"name":"cnn","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config"'
    ':{"name":"float32"},"registered_name":null},"layers":[{"module":"keras.layers","class_name":'
    '"InputLayer","config":{"batch_shape":[null,6,6,1],"dtype":"float32","sparse":false,"ragged":'
    'false,"name":"input_layer_1","optional":false},"registered_name":null},{"module":"keras.laye'
    'rs","class_name":"Conv2D","config":{"name":"conv2d","trainable":true,"dtype":{"module":"kera'
    's","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"filters":'
    '2,"kernel_size":[3,3],"strides":[1,1],"padding":"valid","data_format":"channels_last","dilat'
    'ion_rate":[1,1],"groups":1,"activation":"relu","use_bias":true,"kernel_initializer":{"module'
    '":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,'
    '"output_axes":null},"registered_name":null},"bias_initializer":{"module":"keras.initializers'
    '","class_name":"Zeros","config":{},"registered_name":null},"kernel_regularizer":null,"bias_r'
    'egularizer":null,"activity_regularizer":null,"kernel_constraint":null,"bias_constraint":null'
    '},"registered_name":null,"build_config":{"input_shape":[null,6,6,1]}},{"module":"keras.layer'
    's","class_name":"MaxPooling2D","config":{"name":"max_pooling2d","trainable":true,"dtype":{"m'
    'odule":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null'
    '},"pool_size":[2,2],"padding":"valid","strides":[2,2],"data_format":"channels_last"},"regist'
    'ered_name":null},{"module":"keras.layers","class_name":"Flatten","config":{"name":"flatten",'
    '"trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"floa'
    't32"},"registered_name":null},"data_format":"channels_last"},"registered_name":null,"build_c'
    'onfig":{"input_shape":[null,2,2,2]}},{"module":"keras.layers","class_name":"Dense","config":'
    '{"name":"dense_2","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","con'
    'fig":{"name":"float32"},"registered_name":null},"units":2,"activation":"linear","use_bias":t'
    'rue,"kernel_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config'
    '":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializ'
    'er":{"module":"keras.initializers","class_name":"Zeros","config":{},"registered_name":null},'
    '"kernel_regularizer":null,"bias_regularizer":null,"kernel_constraint":null,"bias_constraint"'
    ':null,"quantization_config":null},"registered_name":null,"build_config":{"input_shape":[null'
    ',8]}}],"build_input_shape":[null,6,6,1]}'
)

CNN_KERAS_OUTPUT = [[0.348076, 0.281234], [0.145284, 0.674156]]

FUN_CONFIG = json.loads(
    '{"name":"fun","trainable":true,"layers":[{"module":"keras.layers","class_name":"InputLayer",'
    '"config":{"batch_shape":[null,5],"dtype":"int32","sparse":false,"ragged":false,"name":"token'
    's","optional":false},"registered_name":null,"name":"tokens","inbound_nodes":[]},{"module":"k'
    'eras.layers","class_name":"Embedding","config":{"name":"embedding","trainable":true,"dtype":'
    '{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":n'
    'ull},"input_dim":10,"output_dim":3,"embeddings_initializer":{"module":"keras.initializers","'
    'class_name":"RandomUniform","config":{"seed":null,"minval":-0.05,"maxval":0.05},"registered_'
    'name":null},"embeddings_regularizer":null,"activity_regularizer":null,"embeddings_constraint'
    '":null,"mask_zero":false,"quantization_config":null},"registered_name":null,"build_config":{'
    '"input_shape":[null,5]},"name":"embedding","inbound_nodes":[{"args":[{"class_name":"__keras_'
    'tensor__","config":{"shape":[null,5],"dtype":"int32","keras_history":["tokens",0,0]}}],"kwar'
    'gs":{}}]},{"module":"keras.layers","class_name":"InputLayer","config":{"batch_shape":[null,3'
    '],"dtype":"float32","sparse":false,"ragged":false,"name":"numbers","optional":false},"regist'
    'ered_name":null,"name":"numbers","inbound_nodes":[]},{"module":"keras.layers","class_name":"'
    'LSTM","config":{"name":"lstm","trainable":true,"dtype":{"module":"keras","class_name":"DType'
    'Policy","config":{"name":"float32"},"registered_name":null},"return_sequences":false,"return'
    '_state":false,"go_backwards":false,"stateful":false,"unroll":false,"zero_output_for_mask":fa'
    'lse,"units":4,"activation":"tanh","recurrent_activation":"sigmoid","use_bias":true,"kernel_i'
    'nitializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":nul'
    'l,"input_axes":null,"output_axes":null},"registered_name":null},"recurrent_initializer":{"mo'
    'dule":"keras.initializers","class_name":"Orthogonal","config":{"seed":null,"gain":1.0},"regi'
    'stered_name":null},"bias_initializer":{"module":"keras.initializers","class_name":"Zeros","c'
    'onfig":{},"registered_name":null},"unit_forget_bias":true,"kernel_regularizer":null,"recurre'
    'nt_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"kernel_constraint"'
    ':null,"recurrent_constraint":null,"bias_constraint":null,"dropout":0.0,"recurrent_dropout":0'
    '.0,"seed":null},"registered_name":null,"build_config":{"input_shape":[null,5,3]},"name":"lst'
    'm","inbound_nodes":[{"args":[{"class_name":"__keras_tensor__","config":{"shape":[null,5,3],"'
    'dtype":"float32","keras_history":["embedding",0,0]}}],"kwargs":{"training":false,"mask":null'
    '}}]},{"module":"keras.layers","class_name":"Dense","config":{"name":"dense_3","trainable":tr'
    'ue,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registe'
    'red_name":null},"units":4,"activation":"tanh","use_bias":true,"kernel_initializer":{"module"'
    ':"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"'
    'output_axes":null},"registered_name":null},"bias_initializer":{"module":"keras.initializers"'
    ',"class_name":"Zeros","config":{},"registered_name":null},"kernel_regularizer":null,"bias_re'
    'gularizer":null,"kernel_constraint":null,"bias_constraint":null,"quantization_config":null},'
    '"registered_name":null,"build_config":{"input_shape":[null,3]},"name":"dense_3","inbound_nod'
    'es":[{"args":[{"class_name":"__keras_tensor__","config":{"shape":[null,3],"dtype":"float32",'
    '"keras_history":["numbers",0,0]}}],"kwargs":{}}]},{"module":"keras.layers","class_name":"Con'
    'catenate","config":{"name":"concatenate","trainable":true,"dtype":{"module":"keras","class_n'
    'ame":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"axis":-1},"registere'
    'd_name":null,"build_config":{"input_shape":[[null,4],[null,4]]},"name":"concatenate","inboun'
    'd_nodes":[{"args":[[{"class_name":"__keras_tensor__","config":{"shape":[null,4],"dtype":"flo'
    'at32","keras_history":["lstm",0,0]}},{"class_name":"__keras_tensor__","config":{"shape":[nul'
    'l,4],"dtype":"float32","keras_history":["dense_3",0,0]}}]],"kwargs":{}}]},{"module":"keras.l'
    'ayers","class_name":"LayerNormalization","config":{"name":"layer_normalization","trainable":'
    'true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"regis'
    'tered_name":null},"axis":[-1],"epsilon":0.001,"center":true,"scale":true,"rms_scaling":false'
    ',"beta_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{},"registe'
    'red_name":null},"gamma_initializer":{"module":"keras.initializers","class_name":"Ones","conf'
    'ig":{},"registered_name":null},"beta_regularizer":null,"gamma_regularizer":null,"beta_constr'
    'aint":null,"gamma_constraint":null},"registered_name":null,"build_config":{"input_shape":[nu'
    'll,8]},"name":"layer_normalization","inbound_nodes":[{"args":[{"class_name":"__keras_tensor_'
    '_","config":{"shape":[null,8],"dtype":"float32","keras_history":["concatenate",0,0]}}],"kwar'
    'gs":{}}]},{"module":"keras.layers","class_name":"Dense","config":{"name":"dense_4","trainabl'
    'e":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"re'
    'gistered_name":null},"units":1,"activation":"linear","use_bias":true,"kernel_initializer":{"'
    'module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes"'
    ':null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":"keras.initia'
    'lizers","class_name":"Zeros","config":{},"registered_name":null},"kernel_regularizer":null,"'
    'bias_regularizer":null,"kernel_constraint":null,"bias_constraint":null,"quantization_config"'
    ':null},"registered_name":null,"build_config":{"input_shape":[null,8]},"name":"dense_4","inbo'
    'und_nodes":[{"args":[{"class_name":"__keras_tensor__","config":{"shape":[null,8],"dtype":"fl'
    'oat32","keras_history":["layer_normalization",0,0]}}],"kwargs":{}}]}],"input_layers":[["toke'
    'ns",0,0],["numbers",0,0]],"output_layers":["dense_4",0,0]}'
)

FUN_KERAS_OUTPUT = [[0.685896], [0.803142]]

MHA_CONFIG = json.loads(
    '{"name":"mha","trainable":true,"layers":[{"module":"keras.layers","class_name":"InputLayer",'
    '"config":{"batch_shape":[null,3,4],"dtype":"float32","sparse":false,"ragged":false,"name":"s'
    'eq","optional":false},"registered_name":null,"name":"seq","inbound_nodes":[]},{"module":"ker'
    'as.layers","class_name":"MultiHeadAttention","config":{"name":"multi_head_attention","traina'
    'ble":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"'
    'registered_name":null},"num_heads":2,"key_dim":2,"value_dim":2,"dropout":0.0,"use_bias":true'
    ',"use_gate":false,"output_shape":null,"attention_axes":[1],"sliding_window":null,"kernel_ini'
    'tializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,'
    '"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":"'
    'keras.initializers","class_name":"Zeros","config":{},"registered_name":null},"kernel_regular'
    'izer":null,"bias_regularizer":null,"activity_regularizer":null,"kernel_constraint":null,"bia'
    's_constraint":null,"seed":null},"registered_name":null,"build_config":{"shapes_dict":{"query'
    '_shape":[null,3,4],"value_shape":[null,3,4]}},"name":"multi_head_attention","inbound_nodes":'
    '[{"args":[{"class_name":"__keras_tensor__","config":{"shape":[null,3,4],"dtype":"float32","k'
    'eras_history":["seq",0,0]}},{"class_name":"__keras_tensor__","config":{"shape":[null,3,4],"d'
    'type":"float32","keras_history":["seq",0,0]}}],"kwargs":{}}]},{"module":"keras.layers","clas'
    's_name":"GlobalAveragePooling1D","config":{"name":"global_average_pooling1d","trainable":tru'
    'e,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"register'
    'ed_name":null},"data_format":"channels_last","keepdims":false},"registered_name":null,"name"'
    ':"global_average_pooling1d","inbound_nodes":[{"args":[{"class_name":"__keras_tensor__","conf'
    'ig":{"shape":[null,3,4],"dtype":"float32","keras_history":["multi_head_attention",0,0]}}],"k'
    'wargs":{"mask":null}}]},{"module":"keras.layers","class_name":"Dense","config":{"name":"dens'
    'e_5","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":'
    '"float32"},"registered_name":null},"units":2,"activation":"linear","use_bias":true,"kernel_i'
    'nitializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":nul'
    'l,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module"'
    ':"keras.initializers","class_name":"Zeros","config":{},"registered_name":null},"kernel_regul'
    'arizer":null,"bias_regularizer":null,"kernel_constraint":null,"bias_constraint":null,"quanti'
    'zation_config":null},"registered_name":null,"build_config":{"input_shape":[null,4]},"name":"'
    'dense_5","inbound_nodes":[{"args":[{"class_name":"__keras_tensor__","config":{"shape":[null,'
    '4],"dtype":"float32","keras_history":["global_average_pooling1d",0,0]}}],"kwargs":{}}]}],"in'
    'put_layers":["seq",0,0],"output_layers":["dense_5",0,0]}'
)

MHA_KERAS_OUTPUT = [[-0.378804, 0.420572], [-0.339361, 0.576053]]

TINY_SERIALIZED = json.loads(
    '{"module":"keras.src.models.functional","class_name":"Functional","config":{"name":"tiny","t'
    'rainable":true,"layers":[{"module":"keras.layers","class_name":"InputLayer","config":{"batch'
    '_shape":[null,3],"dtype":"float32","sparse":false,"ragged":false,"name":"x","optional":false'
    '},"registered_name":null,"name":"x","inbound_nodes":[]},{"module":"keras.layers","class_name'
    '":"Dense","config":{"name":"out","trainable":true,"dtype":{"module":"keras","class_name":"DT'
    'ypePolicy","config":{"name":"float32"},"registered_name":null},"units":2,"activation":"linea'
    'r","use_bias":true,"kernel_initializer":{"module":"keras.initializers","class_name":"GlorotU'
    'niform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},'
    '"bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{},"register'
    'ed_name":null},"kernel_regularizer":null,"bias_regularizer":null,"kernel_constraint":null,"b'
    'ias_constraint":null,"quantization_config":null},"registered_name":null,"build_config":{"inp'
    'ut_shape":[null,3]},"name":"out","inbound_nodes":[{"args":[{"class_name":"__keras_tensor__",'
    '"config":{"shape":[null,3],"dtype":"float32","keras_history":["x",0,0]}}],"kwargs":{}}]}],"i'
    'nput_layers":["x",0,0],"output_layers":["out",0,0]},"registered_name":"Functional","build_co'
    'nfig":{"input_shape":null},"compile_config":{}}'
)


def _weights(model):
    """The seeded weights Keras got (see the module doc)."""
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-0.5, 0.5, size=w.shape).astype("float32")
               for w in model.get_weights()]
    start = 0
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            weights[start + 3] = np.abs(weights[start + 3]) + 0.5  # moving variance
        start += len(layer.get_weights())
    return weights


def _inputs():
    rng = np.random.default_rng(1)
    mlp = rng.uniform(-1, 1, (2, 4)).astype("float32")
    cnn = rng.uniform(-1, 1, (2, 6, 6, 1)).astype("float32")
    tokens = np.array([[1, 2, 3, 4, 5], [9, 0, 2, 2, 7]], dtype="int32")
    fun = [tokens, rng.uniform(-1, 1, (2, 3)).astype("float32")]
    return {"mlp": mlp, "cnn": cnn, "fun": fun, "mha": rng.uniform(-1, 1, (2, 3, 4))}


CASES = {
    "mlp": (Sequential, MLP_CONFIG, MLP_KERAS_OUTPUT,
            ["Dense", "Dropout", "BatchNormalization", "Dense"],
            [(4, 3), (3,), (3,), (3,), (3,), (3,), (3, 2), (2,)]),
    "cnn": (Sequential, CNN_CONFIG, CNN_KERAS_OUTPUT,
            ["Conv2D", "MaxPooling2D", "Flatten", "Dense"], [(3, 3, 1, 2), (2,), (8, 2), (2,)]),
    "fun": (Model, FUN_CONFIG, FUN_KERAS_OUTPUT,
            ["InputLayer", "Embedding", "InputLayer", "LSTM", "Dense", "Concatenate",
             "LayerNormalization", "Dense"],
            [(10, 3), (3, 16), (4, 16), (16,), (3, 4), (4,), (8,), (8,), (8, 1), (1,)]),
    "mha": (Model, MHA_CONFIG, MHA_KERAS_OUTPUT,
            ["InputLayer", "MultiHeadAttention", "GlobalAveragePooling1D", "Dense"],
            [(4, 2, 2), (2, 2)] * 3 + [(2, 2, 4), (4,), (4, 2), (2,)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_model_config_rebuilds_and_predicts_as_keras(case):
    cls, config, expected, types, shapes = CASES[case]
    model = cls.from_config(config)
    assert [type(layer).__name__ for layer in model.layers] == types
    assert [w.shape for w in model.get_weights()] == shapes
    model.set_weights(_weights(model))
    out = model.predict(_inputs()[case], verbose=0)
    np.testing.assert_allclose(out, np.array(expected), atol=2e-6)


def test_keras_functional_config_keeps_names_inputs_and_settings():
    model = Model.from_config(FUN_CONFIG)
    assert model.name == "fun" and model.input_names == ["tokens", "numbers"]
    assert [tuple(t.shape) for t in model.inputs] == [(None, 5), (None, 3)]
    assert model.inputs[0].dtype == "int32"
    lstm = model.get_layer("lstm")
    assert lstm.units == 4 and type(lstm.recurrent_initializer).__name__ == "Orthogonal"
    dense = Sequential.from_config(MLP_CONFIG).layers[0]
    assert dense.activation.name == "relu" and dense.bias_initializer.value == 0.1
    assert type(dense.kernel_regularizer).__name__ == "L2"
    assert dense.kernel_regularizer.l2 == pytest.approx(0.01)
    assert dense.get_weights()[1].tolist() == pytest.approx([0.1] * 3)  # Constant(0.1) bias


def test_shendu_configs_still_round_trip():
    a, b = layers.Input(shape=(3,), name="a"), layers.Input(shape=(2,), name="b")
    merged = layers.Concatenate()([Dense(4)(a), b])
    model = Model([a, b], Dense(1)(merged))
    again = Model.from_config(json.loads(json.dumps(model.get_config())))
    again.set_weights(model.get_weights())
    x = [np.ones((2, 3), "float32"), np.ones((2, 2), "float32")]
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_serialized_keras_model_goes_through_deserialize_keras_object():
    model = utils.deserialize_keras_object(TINY_SERIALIZED)
    assert model.name == "tiny" and [type(x).__name__ for x in model.layers] == [
        "InputLayer", "Dense"]
    assert [w.shape for w in model.get_weights()] == [(3, 2), (2,)]


def test_keras_layer_config_loads_with_build_config():
    entry = FUN_CONFIG["layers"][4]  # a built Dense, with its build_config
    layer = layers.deserialize(entry)
    assert isinstance(layer, Dense) and layer.built and layer.units == 4
    assert [w.shape for w in layer.get_weights()] == [(3, 4), (4,)]
    assert layer.dtype == "float32"
    direct = Dense.from_config(entry["config"])  # layer.get_config() as Keras wrote it
    assert direct.units == 4 and not direct.built


def test_keras_input_layer_config_maps_batch_shape():
    config = {"batch_shape": [8, 5], "dtype": "int32", "sparse": False, "ragged": False,
              "name": "ids", "optional": False}
    layer = InputLayer.from_config(config)
    assert layer.shape == (5,) and layer.batch_size == 8 and layer.dtype == "int32"


@pytest.mark.parametrize("key, value, word", [
    ("ragged", True, "ragged"), ("sparse", True, "sparse"), ("optional", True, "optional")])
def test_keras_input_layer_features_shendu_lacks_are_refused(key, value, word):
    config = {"batch_shape": [None, 5], "dtype": "float32", "name": "x", key: value}
    with pytest.raises(ArgumentError, match=f"{word}=True cannot be honoured.*Hint"):
        InputLayer.from_config(config)


def test_quantized_dense_and_mixed_policies_are_refused():
    config = dict(FUN_CONFIG["layers"][4]["config"], quantization_config={"mode": "int8"})
    with pytest.raises(ArgumentError, match="Dense 'dense_3' config: quantization_config"):
        Dense.from_config(config)
    mixed = {"module": "keras", "class_name": "DTypePolicy",
             "config": {"name": "mixed_float16"}, "registered_name": None}
    with pytest.raises(DTypeError, match="mixed_float16.*Hint"):
        layers.deserialize({"class_name": "Dense", "config": {"units": 2, "dtype": mixed}})


def test_module_named_in_a_layer_config_is_never_imported():
    config = {"module": "os", "class_name": "system", "config": {}, "registered_name": None}
    with pytest.raises(UnknownNameError):
        layers.deserialize(config)
    with pytest.raises(UnknownNameError):
        utils.deserialize_keras_object(config)


def test_malformed_keras_tensor_reference_is_refused():
    config = json.loads(json.dumps(MHA_CONFIG))
    config["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["seq"]
    with pytest.raises(ArgumentError, match="keras_history"):
        Model.from_config(config)


def test_functional_config_without_its_inputs_is_refused():
    config = {key: value for key, value in MHA_CONFIG.items() if key != "input_layers"}
    with pytest.raises(ArgumentError, match=r"missing \['input_layers'\].*Hint"):
        Functional.from_config(config)


def test_a_dtype_policy_object_is_a_layer_dtype():
    from shendu.utils.dtype_policy import DTypePolicy

    assert Dense(2, dtype=DTypePolicy("float64")).dtype == "float64"
