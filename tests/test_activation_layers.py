"""LeakyReLU, ELU, ReLU, PReLU and Softmax layers: forward and gradient against PyTorch,
backward against finite differences, shapes, weights, config round trip, one training step,
the Sequential fast path, and clear errors for bad arguments."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shendu import constraints, regularizers
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    ELU,
    Dense,
    LeakyReLU,
    PReLU,
    ReLU,
    Softmax,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.models.chain import ChainPlan
from shendu.ops.activations import prelu
from shendu.testing import check_gradients


def _F():
    import torch.nn.functional as F

    return F


def _keras_relu(slope, max_value, threshold):
    def torch_fn(t):
        import torch

        top = t if max_value is None else torch.clamp(t, max=max_value)
        return torch.where(t > threshold, top, slope * (t - threshold))

    return torch_fn


def _softmax_over(axes):
    def torch_fn(t):
        import torch

        return torch.exp(t - torch.logsumexp(t, dim=axes, keepdim=True))

    return torch_fn


# name -> (make layer, torch reference, input shape, kinks to stay away from)
LAYERS = {
    "leaky_relu_default_0.3": (LeakyReLU, lambda t: _F().leaky_relu(t, 0.3), (4, 5), (0,)),
    "leaky_relu_0.1": (lambda: LeakyReLU(negative_slope=0.1),
                       lambda t: _F().leaky_relu(t, 0.1), (4, 5), (0,)),
    "elu": (ELU, lambda t: _F().elu(t), (4, 5), (0,)),
    "elu_alpha": (lambda: ELU(alpha=0.5), lambda t: _F().elu(t, 0.5), (3, 2, 4), (0,)),
    "relu": (ReLU, lambda t: _F().relu(t), (4, 5), (0,)),
    "relu_max_value_6": (lambda: ReLU(max_value=6.0), lambda t: _F().relu6(t), (4, 5), (0, 6)),
    "relu_all_arguments": (lambda: ReLU(max_value=4.0, negative_slope=0.2, threshold=1.0),
                           _keras_relu(0.2, 4.0, 1.0), (4, 5), (0, 1, 4)),
    "softmax": (Softmax, lambda t: _F().softmax(t, dim=-1), (4, 5), ()),
    "softmax_axis_1": (lambda: Softmax(axis=1), lambda t: _F().softmax(t, dim=1), (2, 3, 4), ()),
    "softmax_two_axes": (lambda: Softmax(axis=[1, 2]), _softmax_over((1, 2)), (2, 3, 4), ()),
}


def _inputs(shape, kinks, seed=0, dtype="float64"):
    x = np.random.default_rng(seed).normal(size=shape) * 3
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.1, x + 0.2, x)
    return x.astype(dtype)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_forward_and_gradient_match_torch(name):
    import torch

    make, torch_fn, shape, kinks = LAYERS[name]
    x = _inputs(shape, kinks)
    layer = make()
    t = Tensor(x, requires_grad=True)  # a float64 Tensor passes through uncast
    out = layer(t)
    weights = np.random.default_rng(1).normal(size=x.shape)
    (out * Tensor(weights)).sum().backward()
    tt = torch.tensor(x, requires_grad=True)
    want = torch_fn(tt)
    (want * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_backward_matches_finite_differences(name):
    make, _, shape, kinks = LAYERS[name]
    layer = make()
    assert check_gradients(lambda t: layer(t), [_inputs(shape, kinks)]) < 1e-7


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_shapes_no_weights_and_config_round_trip(name):
    make, _, shape, kinks = LAYERS[name]
    layer = make()
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + shape[1:]
    x = _inputs(shape, kinks, dtype="float32")
    out = layer(x)
    assert out.shape == shape and out.dtype == np.float32
    assert layer.weights == [] and layer.count_params() == 0
    clone = deserialize(json.loads(json.dumps(serialize(layer))))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(clone(x).data, out.data)


@pytest.mark.parametrize("layer, keys", [
    (LeakyReLU(), {"negative_slope": 0.3}),
    (ELU(), {"alpha": 1.0}),
    (ReLU(), {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}),
    (Softmax(), {"axis": -1}),
    (PReLU(), {"alpha_initializer": {"class_name": "Zeros", "config": {}},
               "alpha_regularizer": None, "alpha_constraint": None, "shared_axes": None}),
], ids=lambda v: type(v).__name__ if not isinstance(v, dict) else "")
def test_keras_defaults_in_the_config(layer, keys):
    config = layer.get_config()
    assert {k: config[k] for k in keys} == keys


# -- PReLU ------------------------------------------------------------------------------------


def _torch_prelu(x, alpha, channels_axis):
    """torch.nn.PReLU on x (channels moved to axis 1, as torch expects), alpha per channel."""
    import torch

    module = torch.nn.PReLU(num_parameters=alpha.size).double()
    with torch.no_grad():
        module.weight.copy_(torch.tensor(alpha.ravel()))
    t = torch.tensor(np.moveaxis(x, channels_axis, 1), requires_grad=True)
    return module, t, module(t)


@pytest.mark.parametrize("shape, shared_axes, alpha_shape", [
    ((6, 5), None, (5,)),
    ((2, 3, 4, 5), [1, 2], (1, 1, 5)),  # (batch, height, width, channels): one alpha a channel
    ((3, 7, 4), [1], (1, 4)),
])
def test_prelu_matches_torch_prelu(shape, shared_axes, alpha_shape):
    x = _inputs(shape, (0,))
    layer = PReLU(alpha_initializer="random_uniform", shared_axes=shared_axes, dtype="float64")
    t = Tensor(x, requires_grad=True)
    out = layer(t)
    alpha = layer.get_weights()[0]
    assert alpha.shape == alpha_shape and layer.count_params() == alpha.size
    weights = np.random.default_rng(1).normal(size=shape)
    (out * Tensor(weights)).sum().backward()
    module, tt, want = _torch_prelu(x, alpha, len(shape) - 1)
    (want * _torch_tensor(np.moveaxis(weights, -1, 1))).sum().backward()
    np.testing.assert_allclose(out.data, np.moveaxis(want.detach().numpy(), 1, -1), rtol=1e-12)
    np.testing.assert_allclose(t.grad, np.moveaxis(tt.grad.numpy(), 1, -1), rtol=1e-10)
    np.testing.assert_allclose(layer.alpha.grad.ravel(), module.weight.grad.numpy(), rtol=1e-10)


def _torch_tensor(a):
    import torch

    return torch.tensor(a)


@pytest.mark.parametrize("x_shape, alpha_shape", [((4, 5), (5,)), ((2, 3, 4), (1, 4)),
                                                  ((2, 3, 4), (3, 4))])
def test_prelu_op_gradients_for_input_and_alpha(x_shape, alpha_shape):
    rng = np.random.default_rng(0)
    x = _inputs(x_shape, (0,))
    alpha = rng.uniform(0.1, 0.9, size=alpha_shape)
    assert check_gradients(lambda x, a: prelu(x, a), [x, alpha]) < 1e-7


def test_prelu_alpha_regularizer_and_constraint():
    layer = PReLU(alpha_initializer="ones", alpha_regularizer=regularizers.L2(0.1),
                  alpha_constraint=constraints.NonNeg())
    model = Sequential([Dense(3, input_dim=2), layer])
    model.compile(optimizer="sgd", loss="mse")
    assert len(layer.losses) == 1 and float(layer.losses[0].data) == pytest.approx(0.1 * 3)
    layer.alpha.assign(np.array([-1.0, 0.5, 2.0]))
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 3), "float32")
    model.train_on_batch(x, y)
    assert (layer.get_weights()[0] >= 0).all() and layer.get_weights()[0][0] == 0.0
    clone = deserialize(json.loads(json.dumps(serialize(layer))))
    assert type(clone.alpha_regularizer) is regularizers.L2
    assert type(clone.alpha_constraint) is constraints.NonNeg


# -- training -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [LeakyReLU, ELU, lambda: ReLU(max_value=1.0), Softmax,
                                  lambda: PReLU(alpha_initializer="constant")],
                         ids=["LeakyReLU", "ELU", "ReLU", "Softmax", "PReLU"])
def test_layer_trains_one_step_inside_a_model(make):
    model = Sequential([Dense(6, input_dim=4), make(), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.random.default_rng(1).normal(size=(8, 1)).astype("float32")
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, y)
    assert all(not np.array_equal(b, a) for b, a in zip(before, model.get_weights()))


def test_fast_path_equals_autograd_through_activation_layers():
    def build(fast):
        from shendu.utils import set_random_seed

        set_random_seed(3)
        model = Sequential([Dense(6, input_dim=4), PReLU(alpha_initializer="random_uniform"),
                            Dense(6), LeakyReLU(), Dense(6), ELU(alpha=0.7),
                            Dense(6, activation="gelu"), ReLU(max_value=2.0, threshold=0.1),
                            Dense(3), Softmax()])
        model.use_fast_path = fast
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        return model

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    fast, slow = build(True), build(False)
    assert ChainPlan.for_model(fast) is not None
    fast.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    slow.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_softmax_mask_gives_masked_entries_zero_probability():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    mask = np.array([[1, 0, 1, 0]])
    p = Softmax()(x, mask=mask).data
    e = np.exp([1.0, 3.0])
    np.testing.assert_allclose(p, [[e[0] / e.sum(), 0.0, e[1] / e.sum(), 0.0]], rtol=1e-6)


def test_leaky_relu_accepts_the_deprecated_alpha():
    with pytest.warns(DeprecationWarning, match="negative_slope"):
        layer = LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1 and "alpha" not in layer.get_config()


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("make, words", [
    (lambda: LeakyReLU(negative_slope=-0.1), ["LeakyReLU", "negative_slope", ">= 0", "-0.1"]),
    (lambda: LeakyReLU(negative_slope=None), ["LeakyReLU", "negative_slope", "None"]),
    (lambda: ReLU(max_value=-1.0), ["ReLU", "max_value", ">= 0", "-1.0"]),
    (lambda: ReLU(negative_slope=-2), ["ReLU", "negative_slope", "-2"]),
    (lambda: ReLU(threshold=None), ["ReLU", "threshold", "None"]),
    (lambda: ELU(alpha="big"), ["ELU", "alpha", "'big'"]),
    (lambda: Softmax(axis="last"), ["Softmax", "axis", "'last'"]),
    (lambda: PReLU(shared_axes=[0]), ["PReLU", "shared_axes", "batch", "[0]"]),
    (lambda: PReLU(shared_axes=[3])(np.zeros((2, 3))), ["PReLU", "shared_axes", "rank 2"]),
])
def test_bad_arguments_raise_argument_errors(make, words):
    with pytest.raises(ArgumentError) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_prelu_rejects_inputs_of_another_shape():
    layer = PReLU()
    layer(np.zeros((2, 5)))
    with pytest.raises(ShapeError) as info:
        layer(np.zeros((2, 4)))
    assert "PReLU" in str(info.value) and "(2, 4)" in str(info.value)


def test_prelu_on_an_unknown_axis_needs_sharing():
    with pytest.raises(ShapeError, match="shared_axes"):
        PReLU().build_from_shape((None, None, 4))
    PReLU(shared_axes=[1]).build_from_shape((None, None, 4))  # shared: fine


@pytest.mark.parametrize("fast", [True, False], ids=["fast_path", "autograd"])
def test_softmax_over_two_axes_ends_a_model_with_a_correct_crossentropy(fast):
    """No fused logits for a softmax over several axes: the loss reads the probabilities."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3, 2)).astype("float32")
    y = rng.uniform(size=(8, 3, 4)).astype("float32")
    y /= y.sum(axis=(1, 2), keepdims=True)
    model = Sequential([Dense(4, input_shape=(3, 2)), Softmax(axis=[1, 2])])
    model.use_fast_path = fast
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    p = model.predict(x, verbose=0).astype(np.float64)
    np.testing.assert_allclose(p.sum(axis=(1, 2)), 1.0, rtol=1e-6)
    renormalised = np.clip(p / p.sum(axis=-1, keepdims=True), 1e-7, 1 - 1e-7)  # Keras's CE
    expected = -(y * np.log(renormalised)).sum(axis=-1).mean()
    assert model.train_on_batch(x, y) == pytest.approx(expected, rel=1e-5)
