"""BatchNormalization and LayerNormalization: ops against PyTorch and finite differences, layers
against Keras's contract (weights order, modes, config, one training step)."""

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import backend, ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    BatchNormalization,
    Dense,
    GroupNormalization,
    LayerNormalization,
    UnitNormalization,
    deserialize,
    serialize,
)
from shendu.models import Sequential
from shendu.testing import check_gradients
from shendu.utils import set_random_seed

# (input shape, keras axis): the torch reference wants channels on axis 1
BN_CASES = [((8, 5), -1), ((4, 3, 5, 6), 1), ((4, 5, 6, 3), -1), ((6, 7, 4), 1)]


def _torch_bn(x, gamma, beta, axis, training, rm, rv, keras_momentum, eps):
    import torch
    import torch.nn.functional as F

    x_t = torch_tensor(x)
    moved = [a for a in range(x.ndim) if a != axis % x.ndim]
    moved.insert(1, axis % x.ndim)  # the permutation putting the feature axis at 1
    moved = np.array(moved)
    xin = x_t.permute(*moved.tolist())
    g_t, b_t = torch_tensor(gamma), torch_tensor(beta)
    rm_t = torch.tensor(rm, dtype=torch.float64)
    rv_t = torch.tensor(rv, dtype=torch.float64)
    y = F.batch_norm(xin, rm_t, rv_t, g_t, b_t, training=training,
                     momentum=1 - keras_momentum, eps=eps)
    y = y.permute(*np.argsort(moved).tolist())
    return x_t, g_t, b_t, y, rm_t.numpy(), rv_t.numpy()


@pytest.mark.parametrize("shape,axis", BN_CASES)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch(shape, axis, training):
    x, r = random_inputs(shape, shape, seed=3)
    c = shape[axis]
    rng = np.random.default_rng(5)
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    rm, rv = rng.normal(size=c), rng.uniform(0.5, 2.0, size=c)
    x = 2.0 * x + 1.0
    x_t, g_t, b_t, y_t, rm_torch, rv_torch = _torch_bn(x, gamma, beta, axis, training,
                                                       rm.copy(), rv.copy(), 0.99, 1e-3)
    (y_t * torch_tensor(r, requires_grad=False)).sum().backward()

    mm, mv = rm.copy(), rv.copy()
    xs, gs, bs = Tensor(x, True), Tensor(gamma, True), Tensor(beta, True)
    y = ops.batch_norm(xs, gs, bs, axis=axis, epsilon=1e-3, training=training,
                       moving_mean=mm, moving_variance=mv, momentum=0.99)
    (y * Tensor(r)).sum().backward()

    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(xs.grad, x_t.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(gs.grad, g_t.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(bs.grad, b_t.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(mm, rm_torch, rtol=1e-12)  # same formula for the mean
    if training:
        # torch keeps the unbiased batch variance; Keras (and we) the biased one
        n = x.size // c
        var_unbiased = (rv_torch - 0.99 * rv) / 0.01
        expected = 0.99 * rv + 0.01 * var_unbiased * (n - 1) / n
        np.testing.assert_allclose(mv, expected, rtol=1e-10)
    else:
        np.testing.assert_array_equal(mv, rv)


@pytest.mark.parametrize("shape,axis", BN_CASES[:3])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("scale,center", [(True, True), (False, True), (True, False),
                                          (False, False)])
def test_batch_norm_gradients_match_finite_differences(shape, axis, training, scale, center):
    c = shape[axis]
    x, gamma, beta = random_inputs(shape, (c,), (c,), seed=7)
    mm, mv = np.full(c, 0.3), np.full(c, 1.7)
    params = [p for p, on in ((gamma, scale), (beta, center)) if on]

    def fn(x, *p):
        p = list(p)
        g = p.pop(0) if scale else None
        b = p.pop(0) if center else None
        # a fresh copy so the moving statistics do not drift between evaluations
        return ops.batch_norm(x, g, b, axis=axis, training=training, moving_mean=mm.copy(),
                              moving_variance=mv.copy())

    assert check_gradients(fn, [x, *params]) < 1e-6


# (input shape, keras axis); the mask has the input's shape without the last (feature) axis
MASKED_BN_CASES = [((3, 5, 4), -1), ((2, 3, 4, 3), -1), ((6, 3), -1)]


def _mask_for(shape, axis, seed=0):
    mask = np.random.default_rng(seed).random(shape[:-1]) > 0.4
    mask.flat[0] = True  # at least one position counts
    return mask


@pytest.mark.parametrize("shape,axis", MASKED_BN_CASES)
def test_masked_batch_norm_takes_statistics_over_unmasked_positions_like_torch(shape, axis):
    import torch

    c = shape[axis]
    x, r, gamma, beta = random_inputs(shape, shape, (c,), (c,), seed=12)
    mask = _mask_for(shape, axis)
    # torch reference: the feature axis last, statistics of the selected rows, every row scaled
    x_t, g_t, b_t = torch_tensor(x), torch_tensor(gamma), torch_tensor(beta)
    last = x_t.movedim(axis, -1)
    chosen = last[torch.tensor(mask)]
    mean, var = chosen.mean(0), chosen.var(0, unbiased=False)
    y_t = ((last - mean) / torch.sqrt(var + 1e-3) * g_t + b_t).movedim(-1, axis)
    (y_t * torch_tensor(r, requires_grad=False)).sum().backward()

    mm, mv = np.zeros(c), np.ones(c)
    xs, gs, bs = Tensor(x, True), Tensor(gamma, True), Tensor(beta, True)
    y = ops.batch_norm(xs, gs, bs, axis=axis, training=True, moving_mean=mm,
                       moving_variance=mv, momentum=0.9, mask=mask)
    (y * Tensor(r)).sum().backward()
    # Keras divides by (count + 1e-7): 1e-8 relative at these counts
    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=1e-6, atol=1e-7)
    for ours, theirs in ((xs, x_t), (gs, g_t), (bs, b_t)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(mm, 0.1 * mean.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(mv, 0.9 + 0.1 * var.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape,axis", MASKED_BN_CASES)
def test_masked_batch_norm_gradients_match_finite_differences(shape, axis):
    c = shape[axis]
    x, gamma, beta = random_inputs(shape, (c,), (c,), seed=13)
    mask = _mask_for(shape, axis, seed=1)

    def fn(x, g, b):
        return ops.batch_norm(x, g, b, axis=axis, training=True, mask=mask)

    assert check_gradients(fn, [x, gamma, beta]) < 1e-6


def test_masked_batch_normalization_layer_ignores_padded_steps():
    x = np.random.default_rng(2).normal(size=(2, 5, 3))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]], dtype=bool)
    changed = x.copy()
    changed[~mask] = 50.0  # garbage in the padding changes neither the statistics nor the rest
    outputs, moving = [], []
    for data in (x, changed):
        layer = BatchNormalization(dtype="float64")
        outputs.append(layer(data, training=True, mask=mask).data)
        moving.append(layer.get_weights()[2:])
    np.testing.assert_allclose(outputs[1][mask], outputs[0][mask], rtol=1e-12)
    for a, b in zip(*moving):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    layer = BatchNormalization(dtype="float64")
    layer(x)
    np.testing.assert_array_equal(layer(x, training=False, mask=mask).data,
                                  layer(x, training=False).data)  # inference: moving stats
    with pytest.raises(ShapeError, match="mask"):
        layer(x, training=True, mask=mask[:, :4])


def test_a_training_step_after_a_masking_embedding_ignores_padding():
    from shendu.layers import Embedding, GlobalAveragePooling1D

    backend.set_floatx("float64")
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], dtype="float64")
    weights = []
    for data in (ids, np.concatenate([ids, np.zeros((2, 3))], axis=1)):
        set_random_seed(3)
        model = Sequential([Embedding(10, 4, mask_zero=True), BatchNormalization(),
                            GlobalAveragePooling1D(), Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.build((None, None))
        model.train_on_batch(data, np.ones((2, 1)))
        weights.append(model.get_weights())
    for a, b in zip(*weights):  # embeddings, gamma, beta, moving statistics, dense
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert not np.allclose(weights[0][3], 0.0)  # the moving mean moved


LN_CASES = [((6, 5), -1, (5,)), ((3, 4, 5), -1, (5,)), ((3, 4, 5), (-2, -1), (4, 5)),
            ((2, 3, 4, 5), (1, 2, 3), (3, 4, 5))]


@pytest.mark.parametrize("shape,axis,normalized", LN_CASES)
def test_layer_norm_matches_torch(shape, axis, normalized):
    import torch.nn.functional as F

    x, r, gamma, beta = random_inputs(shape, shape, normalized, normalized, seed=11)
    x_t, g_t, b_t = torch_tensor(x), torch_tensor(gamma), torch_tensor(beta)
    y_t = F.layer_norm(x_t, normalized, g_t, b_t, eps=1e-3)
    (y_t * torch_tensor(r, requires_grad=False)).sum().backward()

    xs, gs, bs = Tensor(x, True), Tensor(gamma, True), Tensor(beta, True)
    y = ops.layer_norm(xs, gs, bs, axis=axis, epsilon=1e-3)
    (y * Tensor(r)).sum().backward()
    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=1e-10, atol=1e-10)
    for ours, theirs in ((xs, x_t), (gs, g_t), (bs, b_t)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_layer_norm_on_a_middle_axis_matches_torch_after_a_transpose():
    import torch.nn.functional as F

    x, gamma, beta = random_inputs((3, 4, 5), (4,), (4,), seed=2)
    y = ops.layer_norm(Tensor(x), Tensor(gamma), Tensor(beta), axis=1).data
    ref = F.layer_norm(torch_tensor(x, False).transpose(1, 2), (4,), torch_tensor(gamma, False),
                       torch_tensor(beta, False), eps=1e-3).transpose(1, 2).numpy()
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("axis,pshape", [(-1, (5,)), (1, (4,)), ((1, 2), (4, 5))])
@pytest.mark.parametrize("scale,center", [(True, True), (False, True), (True, False)])
def test_layer_norm_gradients_match_finite_differences(axis, pshape, scale, center):
    x, gamma, beta = random_inputs((3, 4, 5), pshape, pshape, seed=4)
    params = [p for p, on in ((gamma, scale), (beta, center)) if on]

    def fn(x, *p):
        p = list(p)
        g = p.pop(0) if scale else None
        b = p.pop(0) if center else None
        return ops.layer_norm(x, g, b, axis=axis)

    assert check_gradients(fn, [x, *params]) < 1e-6


# -- layers ----------------------------------------------------------------------------------

def test_batch_normalization_weights_follow_keras_order_and_trainability():
    layer = BatchNormalization(name="bn")
    layer(np.zeros((2, 3, 4)))
    assert [w.path for w in layer.weights] == ["bn/gamma", "bn/beta", "bn/moving_mean",
                                               "bn/moving_variance"]
    assert [w.trainable for w in layer.weights] == [True, True, False, False]
    assert layer.count_params() == 16
    assert BatchNormalization(center=False, scale=False)(np.zeros((2, 3))).shape == (2, 3)


def test_layer_normalization_weights_and_shapes():
    layer = LayerNormalization(axis=[1, 2], name="ln")
    assert layer(np.zeros((2, 3, 4, 5))).shape == (2, 3, 4, 5)
    assert [(w.path, w.shape, w.trainable) for w in layer.weights] == [
        ("ln/gamma", (3, 4), True), ("ln/beta", (3, 4), True)]
    assert LayerNormalization(center=False)(np.zeros((2, 3))).shape == (2, 3)
    assert len(LayerNormalization(scale=False, center=False).weights) == 0


def test_batch_normalization_modes_use_batch_or_moving_statistics():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 4)).astype("float32")
    layer = BatchNormalization(momentum=0.9, epsilon=0.0)
    out = layer(x, training=True).data
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1.0, atol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.data, 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.data, 0.9 + 0.1 * x.var(axis=0), rtol=1e-5)
    moving = layer.get_weights()[2:]
    inference = layer(x, training=False).data  # uses (and keeps) the moving statistics
    np.testing.assert_allclose(inference, (x - moving[0]) / np.sqrt(moving[1]), rtol=1e-5)
    np.testing.assert_array_equal(layer.get_weights()[2], moving[0])


def test_frozen_batch_normalization_runs_in_inference_mode():
    layer = BatchNormalization(trainable=False)
    x = np.full((4, 2), 5.0)
    np.testing.assert_allclose(layer(x, training=True).data, 5.0 / np.sqrt(1.001), rtol=1e-6)
    np.testing.assert_array_equal(layer.moving_mean.data, 0.0)


@pytest.mark.parametrize("layer", [
    BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False,
                       gamma_regularizer="l2", beta_initializer="ones"),
    LayerNormalization(axis=[1, 2], epsilon=1e-5, scale=False, beta_constraint="non_neg"),
])
def test_normalization_config_round_trip(layer):
    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer)
    config, config2 = layer.get_config(), clone.get_config()
    config.pop("name"), config2.pop("name")
    assert config == config2
    layer(np.ones((2, 3, 4)))
    clone(np.ones((2, 3, 4)))
    assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]


@pytest.mark.parametrize("make,error", [
    (lambda: BatchNormalization(momentum=1.5), ArgumentError),
    (lambda: BatchNormalization(axis="x"), ArgumentError),
    (lambda: BatchNormalization(epsilon=-1), ArgumentError),
    (lambda: LayerNormalization(rms_scaling=True), ArgumentError),
    (lambda: BatchNormalization(renorm=True), ArgumentError),
    (lambda: BatchNormalization(axis=3)(np.ones((2, 3))), ShapeError),
    (lambda: LayerNormalization(axis=0)(np.ones((2, 3))), ShapeError),
])
def test_bad_arguments_raise_named_errors(make, error):
    with pytest.raises(error, match="Normalization"):
        make()


def test_inputs_of_another_width_raise_shape_error():
    layer = BatchNormalization()
    layer(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="3 features"):
        layer(np.ones((2, 4)))
    ln = LayerNormalization()
    ln(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="Hint"):
        ln(np.ones((2, 5)))


def _model(norm, fast, seed=0):
    set_random_seed(seed)
    model = Sequential([Dense(8, activation="relu", input_dim=5), norm(), Dense(3)])
    model.use_fast_path = fast
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("norm", [BatchNormalization, LayerNormalization,
                                  lambda: GroupNormalization(groups=4), UnitNormalization],
                         ids=["batch", "layer", "group", "unit"])
def test_training_step_is_the_same_on_fast_and_autograd_paths(norm):
    backend.set_floatx("float64")
    x, y = random_inputs((32, 5), (32, 3), seed=9)
    weights, losses = [], []
    for fast in (True, False):
        model = _model(norm, fast)
        before = model.get_weights()
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        assert (model._plan is not None) == fast
        after = model.get_weights()
        assert all(not np.allclose(a, b) for a, b in zip(before, after))  # moving stats too
        weights.append(after)
        losses.append(history.history["loss"])
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-10)
    assert losses[0][1] < losses[0][0]
