"""Every activation of ``shendu.activations``: forward and gradient against PyTorch, backward
against finite differences (alone and fused inside Dense's ``linear`` op), dtypes, and the
name / config round trip — generated from one table.

Inputs are kept at least 0.1 away from each activation's kinks (relu at its threshold and cap,
hard_sigmoid at ±3, ...), where neither finite differences nor a peer's choice of subgradient
can be compared.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from shendu import activations, ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, UnknownNameError
from shendu.layers import Activation, Dense, deserialize, serialize
from shendu.ops.activations import KERNELS, Kernel
from shendu.ops.special import erfc
from shendu.testing import check_gradients


def _f():
    import torch.nn.functional as F

    return F


@dataclass
class Case:
    fn: Callable  # shendu: Tensor -> Tensor
    torch_fn: Callable  # torch: tensor -> tensor
    kinks: tuple = ()
    scale: float = 3.0  # inputs are normal * scale
    shape: tuple = (4, 5)
    grad_rtol: float = 1e-10


def _softmax_over(axes):
    def torch_fn(t):
        import torch

        return torch.exp(t - torch.logsumexp(t, dim=axes, keepdim=True))

    return torch_fn


def _keras_relu(slope, max_value, threshold):
    """Keras's relu, written in torch for threshold >= 0."""

    def torch_fn(t):
        import torch

        top = t if max_value is None else torch.clamp(t, max=max_value)
        return torch.where(t > threshold, top, slope * (t - threshold))

    return torch_fn


A = activations
CASES = {
    "linear": Case(A.linear, lambda t: t),
    "sigmoid": Case(A.sigmoid, lambda t: _f().sigmoid(t)),
    "tanh": Case(A.tanh, lambda t: _f().tanh(t)),
    "relu": Case(A.relu, lambda t: _f().relu(t), kinks=(0,)),
    "relu_negative_slope": Case(lambda t: A.relu(t, negative_slope=0.1),
                                lambda t: _f().leaky_relu(t, 0.1), kinks=(0,)),
    "relu_max_value_6": Case(lambda t: A.relu(t, max_value=6.0), lambda t: _f().relu6(t),
                             kinks=(0, 6)),
    "relu_all_arguments": Case(lambda t: A.relu(t, negative_slope=0.3, max_value=4.0,
                                                threshold=1.0),
                               _keras_relu(0.3, 4.0, 1.0), kinks=(0, 1, 4)),
    "relu_threshold": Case(lambda t: A.relu(t, threshold=2.0), _keras_relu(0.0, None, 2.0),
                           kinks=(0, 2)),
    "leaky_relu": Case(A.leaky_relu, lambda t: _f().leaky_relu(t, 0.2), kinks=(0,)),
    "leaky_relu_steep": Case(lambda t: A.leaky_relu(t, negative_slope=1.5),
                             lambda t: _f().leaky_relu(t, 1.5), kinks=(0,)),
    "relu6": Case(A.relu6, lambda t: _f().relu6(t), kinks=(0, 6)),
    "elu": Case(A.elu, lambda t: _f().elu(t), kinks=(0,)),
    "elu_alpha": Case(lambda t: A.elu(t, alpha=0.5), lambda t: _f().elu(t, alpha=0.5),
                      kinks=(0,)),
    "selu": Case(A.selu, lambda t: _f().selu(t), kinks=(0,)),
    "gelu": Case(A.gelu, lambda t: _f().gelu(t)),
    "gelu_approximate": Case(lambda t: A.gelu(t, approximate=True),
                             lambda t: _f().gelu(t, approximate="tanh")),
    "silu": Case(A.silu, lambda t: _f().silu(t)),
    "swish": Case(A.swish, lambda t: _f().silu(t)),
    "softplus": Case(A.softplus, lambda t: _f().softplus(t)),
    "softsign": Case(A.softsign, lambda t: _f().softsign(t)),
    # torch's hardsigmoid/hardswish backward multiply by a float32 1/6, even in float64
    "hard_sigmoid": Case(A.hard_sigmoid, lambda t: _f().hardsigmoid(t), kinks=(-3, 3),
                         grad_rtol=1e-7),
    "hard_silu": Case(A.hard_silu, lambda t: _f().hardswish(t), kinks=(-3, 3), grad_rtol=1e-7),
    "hard_swish": Case(A.hard_swish, lambda t: _f().hardswish(t), kinks=(-3, 3), grad_rtol=1e-7),
    "exponential": Case(A.exponential, lambda t: t.exp(), scale=1.0),
    "mish": Case(A.mish, lambda t: _f().mish(t)),
    "softmax": Case(A.softmax, lambda t: _f().softmax(t, dim=-1)),
    "softmax_axis_0": Case(lambda t: A.softmax(t, axis=0), lambda t: _f().softmax(t, dim=0)),
    "softmax_axis_1_of_3d": Case(lambda t: A.softmax(t, axis=1),
                                 lambda t: _f().softmax(t, dim=1), shape=(2, 3, 4)),
    "softmax_two_axes": Case(lambda t: A.softmax(t, axis=(0, 2)), _softmax_over((0, 2)),
                             shape=(2, 3, 4)),
    "log_softmax": Case(A.log_softmax, lambda t: _f().log_softmax(t, dim=-1)),
    "log_softmax_axis_1_of_3d": Case(lambda t: A.log_softmax(t, axis=1),
                                     lambda t: _f().log_softmax(t, dim=1), shape=(2, 3, 4)),
}


def _inputs(case: Case, seed=0, dtype="float64"):
    """Normal values, each pushed 0.2 along when it lies within 0.1 of a kink."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=case.shape) * case.scale
    for k in case.kinks:
        x = np.where(np.abs(x - k) < 0.1, x + 0.2, x)
    return x.astype(dtype)


def _torch_forward_and_grad(case, x, weights):
    import torch

    t = torch.tensor(x, requires_grad=True)
    out = case.torch_fn(t)
    (out * torch.tensor(weights)).sum().backward()
    return out.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_gradient_match_torch(name):
    case = CASES[name]
    x = _inputs(case)
    weights = np.random.default_rng(1).normal(size=x.shape)
    t = Tensor(x, requires_grad=True)
    out = case.fn(t)
    (out * Tensor(weights)).sum().backward()
    want_y, want_g = _torch_forward_and_grad(case, x, weights)
    np.testing.assert_allclose(out.data, want_y, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(t.grad, want_g, rtol=case.grad_rtol, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    case = CASES[name]
    assert check_gradients(case.fn, [_inputs(case)]) < 1e-7


def _kernel_of(name) -> Kernel:
    """The kernel a case's function runs, read off the op it records."""
    t = Tensor(np.zeros(CASES[name].shape), requires_grad=True)
    out = CASES[name].fn(t)
    return out.creator.kernel if out.creator is not None else activations.get("linear")


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n].shape == (4, 5)))
def test_fused_dense_linear_op_matches_finite_differences_and_the_plain_op(name):
    """act(x W + b) as Dense's one fused op: gradients for x, W and b; same forward as apart."""
    case = CASES[name]
    kernel = _kernel_of(name)
    rng = np.random.default_rng(2)
    x, b = rng.normal(size=(4, 3)), rng.normal(size=(5,)) * 0.1
    # W chosen so that x W + b sits on the case's inputs, away from its kinks
    z = _inputs(case, seed=3)
    W = np.linalg.lstsq(x, z - b, rcond=None)[0]
    error = check_gradients(lambda x, W, b: ops.linear(x, W, b, kernel), [x, W, b])
    assert error < 1e-6
    fused = ops.linear(Tensor(x), Tensor(W), Tensor(b), kernel).data
    apart = case.fn(Tensor(x @ W + b)).data
    np.testing.assert_allclose(fused, apart, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_in_float32_out_and_input_left_untouched(name):
    case = CASES[name]
    x = _inputs(case, dtype="float32")
    original = x.copy()
    t = Tensor(x, requires_grad=True)
    out = case.fn(t)
    out.sum().backward()
    assert out.dtype == np.float32 and t.grad.dtype == np.float32
    np.testing.assert_array_equal(x, original)
    want, _ = _torch_forward_and_grad(case, x.astype(np.float64), np.ones(x.shape))
    np.testing.assert_allclose(out.data, want, rtol=2e-5, atol=1e-5)


# -- hand-worked values (Keras's documented examples) ----------------------------------------

KERAS_X = np.array([-10.0, -5.0, 0.0, 5.0, 10.0])


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [0.0, 0.0, 0.0, 5.0, 10.0]),
    ({"negative_slope": 0.5}, [-5.0, -2.5, 0.0, 5.0, 10.0]),
    ({"max_value": 5.0}, [0.0, 0.0, 0.0, 5.0, 5.0]),
    ({"threshold": 5.0}, [0.0, 0.0, 0.0, 0.0, 10.0]),
    # below threshold 2: 0.5 (x - 2); above: x capped at 6
    ({"negative_slope": 0.5, "max_value": 6.0, "threshold": 2.0}, [-6.0, -3.5, -1.0, 5.0, 6.0]),
])
def test_relu_arguments_on_keras_examples(kwargs, expected):
    np.testing.assert_array_equal(activations.relu(Tensor(KERAS_X), **kwargs).data, expected)


def test_gelu_matches_keras_documented_values():
    x = Tensor(np.array([-3.0, -1.0, 0.0, 1.0, 3.0]))
    exact = [-0.00404951, -0.15865529, 0.0, 0.8413447, 2.9959507]
    tanh_form = [-0.00363752, -0.15880796, 0.0, 0.841192, 2.9963627]
    # the documented numbers come from float32 arithmetic: they hold to about 2e-7
    np.testing.assert_allclose(activations.gelu(x).data, exact, atol=3e-7)
    np.testing.assert_allclose(activations.gelu(x, approximate=True).data, tanh_form, atol=3e-7)


def test_hard_sigmoid_and_hard_silu_by_hand():
    x = Tensor(np.array([-4.0, -3.0, 0.0, 1.5, 3.0, 4.0]))
    np.testing.assert_allclose(activations.hard_sigmoid(x).data, [0, 0, 0.5, 0.75, 1, 1])
    np.testing.assert_allclose(activations.hard_silu(x).data, [0, 0, 0, 1.125, 3, 4])


def test_selu_constants_by_hand():
    y = activations.selu(Tensor(np.array([-1.0, 2.0]))).data
    scale, alpha = 1.0507009873554805, 1.6732632423543772
    np.testing.assert_allclose(y, [scale * alpha * (math.exp(-1) - 1), 2 * scale], rtol=1e-15)


def test_erfc_is_accurate_across_the_line():
    x = np.linspace(-7.0, 7.0, 2801)
    want = np.array([math.erfc(v) for v in x])
    assert np.max(np.abs(erfc(x) - want) / want) < 5e-14
    x32 = x.astype(np.float32)
    want32 = np.array([math.erfc(float(v)) for v in x32])
    assert np.max(np.abs(erfc(x32) - want32)) < 1e-6
    np.testing.assert_allclose(erfc(np.array([np.inf, -np.inf, 0.0])), [0.0, 2.0, 1.0],
                               rtol=0, atol=2e-16)


def test_extreme_inputs_stay_finite():
    x = Tensor(np.array([-800.0, -50.0, 50.0, 800.0]), requires_grad=True)
    for name in ("sigmoid", "softplus", "silu", "mish", "gelu", "elu", "selu", "softsign",
                 "log_softmax", "softmax"):
        y = activations.get(name)
        out = ops.activation(x, y)
        out.sum().backward()
        assert np.isfinite(out.data).all() and np.isfinite(x.grad).all(), name
        x.grad = None


# -- names, functions and configs ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_every_name_builds_a_kernel_that_serializes_back(name):
    kernel = activations.get(name)
    assert isinstance(kernel, Kernel)
    canonical = {"swish": "silu", "hard_swish": "hard_silu"}.get(name, name)
    assert activations.serialize(kernel) == canonical
    assert activations.get(getattr(activations, name)).name == canonical  # the function too


@pytest.mark.parametrize("kernel", [
    activations.get({"class_name": "relu", "config": {"max_value": 6.0}}),
    KERNELS["relu"](negative_slope=0.1, max_value=4.0, threshold=0.5),
    KERNELS["leaky_relu"](negative_slope=0.05),
    KERNELS["elu"](alpha=0.3),
    KERNELS["gelu"](approximate=True),
    KERNELS["softmax"](axis=1),
    KERNELS["softmax"](axis=(1, 2)),
    KERNELS["log_softmax"](axis=0),
], ids=repr)
def test_parameterised_kernels_round_trip_through_json(kernel):
    config = activations.serialize(kernel)
    assert isinstance(config, dict) and config["class_name"] == kernel.name
    clone = activations.get(json.loads(json.dumps(config)))
    assert type(clone) is type(kernel) and clone.get_config() == kernel.get_config()


def test_dense_and_activation_layers_keep_parameterised_activations():
    relu_capped = activations.get({"class_name": "relu", "config": {"max_value": 1.0}})
    for layer in (Dense(3, activation=relu_capped), Activation(relu_capped)):
        clone = deserialize(json.loads(json.dumps(serialize(layer))))
        out = clone(np.full((1, 3), 5.0))
        assert float(out.data.max()) <= 1.0
        assert clone.get_config()["activation"] == {"class_name": "relu", "config": {
            "negative_slope": 0.0, "max_value": 1.0, "threshold": 0.0}}


def test_keras3_saved_function_form_and_callables():
    keras_form = {"module": "keras.activations", "class_name": "function", "config": "gelu",
                  "registered_name": "gelu"}
    gelu = activations.get(keras_form)
    assert gelu.name == "gelu" and gelu.approximate is False  # Keras's default is exact

    def custom(x):
        return x * 2.0

    assert activations.get(custom) is custom
    assert activations.get(KERNELS["mish"]).name == "mish"  # a kernel class: an instance
    assert activations.get(None).name == "linear"


@pytest.mark.parametrize("name", ["gelu", "mish", "silu", "hard_silu", "selu", "log_softmax"])
def test_dense_with_a_new_activation_trains_one_step(name):
    from shendu.models import Sequential

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    model = Sequential([Dense(8, activation=name, input_dim=4), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    first = model.test_on_batch(x, y)
    for _ in range(5):
        model.train_on_batch(x, y)
    assert model.test_on_batch(x, y) < first


def test_unknown_names_and_bad_arguments_raise_clear_errors():
    with pytest.raises(UnknownNameError, match="gleu.*Did you mean .*'gelu'"):
        activations.get("gleu")
    with pytest.raises(UnknownNameError, match="softmx"):
        Dense(2, activation="softmx")
    with pytest.raises(ArgumentError, match="relu.*max_value.*'six'"):
        activations.relu(Tensor(np.ones(2)), max_value="six")
    with pytest.raises(ArgumentError, match="gelu.*approximate.*'yes'"):
        activations.gelu(Tensor(np.ones(2)), approximate="yes")
    with pytest.raises(ArgumentError, match="softmax.*axis.*1.5"):
        activations.softmax(Tensor(np.ones(2)), axis=1.5)
    with pytest.raises(ArgumentError, match="elu.*config.*beta"):
        activations.get({"class_name": "elu", "config": {"beta": 2.0}})
