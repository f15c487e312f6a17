"""Bad arguments and inputs to layers and to the number arguments of regularizers,
constraints, initializers, losses, metrics and callbacks: each raises a shendu.errors class
that names the layer or argument, says what was expected and what came, and gives a hint."""

import numpy as np
import pytest

from shendu import layers as L
from shendu.errors import (
    ArgumentError,
    DataError,
    DTypeError,
    ShapeError,
)
from shendu.layers import Dense, Input
from shendu.models import Model, Sequential
from test_bad_input_training import _classifier, _data


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


@pytest.mark.parametrize("values", [["a", "b"], np.array([object(), 1.0])])
def test_mean_of_values_that_are_not_numbers_names_the_metric(values):
    from shendu.metrics import Mean

    metric = Mean(name="m")
    with pytest.raises(DTypeError, match=r"Mean 'm': expected numbers to average, got an array "
                                         "of dtype .*Hint"):
        metric.update_state(values)
    assert metric.count == 0
