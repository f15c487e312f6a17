"""Identity and ActivityRegularization: pass-through outputs, the activity penalty (by hand,
by finite differences, and a training step against PyTorch), config, errors."""

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend
from shendu.autograd import Tensor
from shendu.errors import ArgumentError
from shendu.layers import (
    ActivityRegularization,
    Dense,
    Embedding,
    Identity,
    Input,
    deserialize,
    serialize,
)
from shendu.models import Model, Sequential
from shendu.testing import check_gradients


def test_identity_returns_its_input_and_its_gradient():
    (x,) = random_inputs((3, 4))
    layer = Identity()
    np.testing.assert_array_equal(layer(x).data, x.astype("float32"))
    assert layer.compute_output_shape((None, 4)) == (None, 4)
    assert check_gradients(lambda t: Identity(dtype="float64")(t), [x]) < 1e-6
    assert layer.weights == []


def test_identity_keeps_the_fast_path_and_passes_masks_on():
    model = Sequential([Input(shape=(4,)), Dense(3), Identity(), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.train_on_batch(np.ones((2, 4), "float32"), np.ones((2, 1), "float32"))
    assert model._plan is not None  # Identity hands over no op, the chain stays
    ids = np.array([[1, 2, 0]])
    mask = Embedding(5, 2, mask_zero=True).compute_mask(ids)
    assert Identity().compute_mask(None, mask) is mask


def test_identity_config_round_trip():
    layer = Identity(name="skip")
    clone = deserialize(serialize(layer))
    assert type(clone) is Identity and clone.get_config() == {"name": "skip", "trainable": True}


def _penalty(x, l1, l2):
    """Keras 3's activity penalty: (l1 Σ|x| + l2 Σx²) divided by the batch size."""
    return (l1 * np.abs(x).sum() + l2 * np.square(x).sum()) / len(x)


def test_activity_penalty_by_hand():
    layer = ActivityRegularization(l1=0.5, l2=0.25)
    x = np.array([[1.0, -2.0], [3.0, 0.0]])
    out = layer(x)
    np.testing.assert_array_equal(out.data, x)
    # (0.5 · 6 + 0.25 · 14) / 2 samples
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0].data), 3.25, rtol=1e-6)


@pytest.mark.parametrize("l1, l2", [(0.1, 0.0), (0.0, 0.3), (0.2, 0.05)])
def test_activity_penalty_and_its_gradient(l1, l2):
    (x,) = random_inputs((5, 3, 2), seed=2)
    layer = ActivityRegularization(l1=l1, l2=l2, dtype="float64")
    layer(x)
    np.testing.assert_allclose(float(layer.losses[0].data), _penalty(x, l1, l2), rtol=1e-12)

    def penalty(t):
        layer._losses.clear()
        return layer(t) * 0.0 + layer.losses[0]  # the output plus the penalty's dependence

    assert check_gradients(penalty, [x]) < 1e-6


def test_no_penalty_when_both_factors_are_zero():
    layer = ActivityRegularization()
    layer(np.ones((2, 3)))
    assert layer.losses == []


def test_a_training_step_adds_the_penalty_like_torch():
    """Dense → ActivityRegularization, MSE and SGD: the loss and the updated weights equal
    PyTorch's for loss = mse(h, y) + (l1 Σ|h| + l2 Σh²) / batch."""
    backend.set_floatx("float64")
    l1, l2, lr = 0.03, 0.02, 0.1
    x, y, kernel, bias = random_inputs((6, 4), (6, 3), (4, 3), (3,), seed=3)
    model = Sequential([Input(shape=(4,)), Dense(3), ActivityRegularization(l1=l1, l2=l2)])
    model.set_weights([kernel, bias])
    from shendu.optimizers import SGD

    model.compile(optimizer=SGD(learning_rate=lr), loss="mse")
    loss = model.train_on_batch(x, y)

    k_t, b_t = torch_tensor(kernel), torch_tensor(bias)
    h = torch_tensor(x, False) @ k_t + b_t
    expected = ((h - torch_tensor(y, False)) ** 2).mean() \
        + (l1 * h.abs().sum() + l2 * (h ** 2).sum()) / len(x)
    expected.backward()
    np.testing.assert_allclose(loss, expected.item(), rtol=1e-10)
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - lr * k_t.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(new_bias, bias - lr * b_t.grad.numpy(), rtol=1e-10)
    # evaluate reports the penalty too (Keras adds layer losses to the evaluated loss)
    h_new = x @ new_kernel + new_bias
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0),
                               np.mean((h_new - y) ** 2) + _penalty(h_new, l1, l2), rtol=1e-10)


def test_the_penalty_counts_in_a_functional_model():
    backend.set_floatx("float64")
    inp = Input(shape=(2,))
    model = Model(inp, ActivityRegularization(l2=1.0)(Dense(2)(inp)))
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([np.eye(2), np.zeros(2)])
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    # mse(x, x) = 0; penalty Σx² / 2 = 15
    np.testing.assert_allclose(model.evaluate(x, x, verbose=0), 15.0, rtol=1e-12)


def test_activity_regularization_config_follows_keras():
    layer = ActivityRegularization(l1=0.01, name="act")
    assert layer.get_config() == {"name": "act", "trainable": True, "l1": 0.01, "l2": 0.0}
    clone = deserialize(serialize(layer))
    assert type(clone) is ActivityRegularization and clone.get_config() == layer.get_config()
    assert layer.compute_output_shape((None, 3, 2)) == (None, 3, 2)


@pytest.mark.parametrize("kwargs", [dict(l1=-0.1), dict(l2=-1), dict(l1="0.1"),
                                    dict(l2=float("nan")), dict(l1=True)])
def test_bad_factors_raise(kwargs):
    (arg,) = kwargs
    with pytest.raises(ArgumentError, match=rf"ActivityRegularization '.*': {arg} must be a "
                                            r"finite number >= 0.0, got .*Hint"):
        ActivityRegularization(**kwargs)


def test_identity_rejects_arguments_it_does_not_take():
    with pytest.raises(ArgumentError, match="unknown keyword"):
        Identity(rate=0.5)
    assert isinstance(Identity()(Tensor(np.ones((1, 2)))), Tensor)
