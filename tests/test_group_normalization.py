"""GroupNormalization and UnitNormalization: ops and layers against PyTorch and finite
differences, Keras's weights and config, the fast path, a training step, and the errors."""

import numpy as np
import pytest

from helpers import random_inputs, torch_tensor
from shendu import ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.layers import (
    GroupNormalization,
    UnitNormalization,
    deserialize,
    serialize,
)
from shendu.testing import check_gradients
from test_layer_references import built, check_layer

# (input shape, groups, channel axis)
GN_CASES = [((4, 6), 3, -1), ((2, 5, 6), 2, -1), ((2, 6, 5), 3, 1), ((2, 4, 3, 6), 6, -1),
            ((2, 6, 3, 4), 1, 1), ((2, 3, 8, 2), 4, 2)]


def _torch_group_norm(x, groups, axis, gamma, beta, eps=1e-3):
    """torch's group_norm wants (batch, channels, ...): move the channel axis there and back."""
    import torch.nn.functional as F

    moved = x.movedim(axis, 1)
    return F.group_norm(moved, groups, gamma, beta, eps=eps).movedim(1, axis)


@pytest.mark.parametrize("shape, groups, axis", GN_CASES, ids=str)
def test_group_norm_op_matches_torch(shape, groups, axis):
    c = shape[axis]
    x, r, gamma, beta = random_inputs(shape, shape, (c,), (c,), seed=2)
    x = 3.0 * x + 1.0
    x_t, g_t, b_t = torch_tensor(x), torch_tensor(gamma), torch_tensor(beta)
    y_t = _torch_group_norm(x_t, groups, axis % len(shape), g_t, b_t)
    (y_t * torch_tensor(r, requires_grad=False)).sum().backward()

    xs, gs, bs = Tensor(x, True), Tensor(gamma, True), Tensor(beta, True)
    y = ops.group_norm(xs, gs, bs, groups=groups, axis=axis, epsilon=1e-3)
    (y * Tensor(r)).sum().backward()
    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=1e-10, atol=1e-10)
    for ours, theirs in ((xs, x_t), (gs, g_t), (bs, b_t)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("shape, groups, axis", GN_CASES, ids=str)
@pytest.mark.parametrize("scale, center", [(True, True), (False, True), (True, False),
                                           (False, False)])
def test_group_norm_gradients_match_finite_differences(shape, groups, axis, scale, center):
    c = shape[axis]
    x, gamma, beta = random_inputs(shape, (c,), (c,), seed=5)
    params = [p for p, on in ((gamma, scale), (beta, center)) if on]

    def fn(x, *p):
        p = list(p)
        g = p.pop(0) if scale else None
        b = p.pop(0) if center else None
        return ops.group_norm(x, g, b, groups=groups, axis=axis)

    assert check_gradients(fn, [x, *params]) < 1e-6


def test_group_norm_by_hand():
    # one sample, 4 channels in 2 groups: (1, 3) and (2, 6); with epsilon 0 each group maps to ±1
    x = np.array([[1.0, 3.0, 2.0, 6.0]])
    y = ops.group_norm(Tensor(x), groups=2, epsilon=0.0).data
    np.testing.assert_allclose(y, [[-1.0, 1.0, -1.0, 1.0]])
    # groups=1 over all non-batch axes is layer normalization over them
    (z,) = random_inputs((3, 4, 5), seed=1)
    np.testing.assert_allclose(ops.group_norm(Tensor(z), groups=1).data,
                               ops.layer_norm(Tensor(z), axis=(1, 2)).data, rtol=1e-12)


@pytest.mark.parametrize("shape, groups, axis", [((3, 5, 6), 3, -1), ((2, 4, 3, 3), 2, 1),
                                                 ((2, 4, 6), -1, -1)], ids=str)
def test_group_normalization_layer_matches_torch_and_finite_differences(shape, groups, axis):
    layer = built(GroupNormalization(groups=groups, axis=axis, dtype="float64"), shape)
    g = shape[axis] if groups == -1 else groups
    (x,) = random_inputs(shape, seed=8)
    check_layer(layer, ["gamma", "beta"], x,
                lambda x, gm, bt: _torch_group_norm(x, g, axis % len(shape), gm, bt))


# (input shape, axis)
UN_CASES = [((4, 5), -1), ((3, 4, 5), 1), ((3, 4, 5), [1, 2]), ((2, 3, 4, 2), (-1, 1))]


def _torch_unit_norm(x, axis, ndim):
    import torch.nn.functional as F

    axes = [a % ndim for a in (axis if isinstance(axis, (list, tuple)) else [axis])]
    if len(axes) == 1:
        return F.normalize(x, p=2.0, dim=axes[0], eps=1e-12)
    norm = x.square().sum(dim=axes, keepdim=True).sqrt()
    return x / norm.clamp_min(1e-12)


@pytest.mark.parametrize("shape, axis", UN_CASES, ids=str)
def test_unit_normalization_matches_torch_and_finite_differences(shape, axis):
    from test_conv import compare_with_torch

    layer = UnitNormalization(axis=axis, dtype="float64")
    (x,) = random_inputs(shape, seed=4)
    compare_with_torch(lambda t: layer(t), lambda t: _torch_unit_norm(t, axis, len(shape)), [x])
    assert check_gradients(lambda t: layer(t), [x], seed=7) < 1e-6


def test_unit_norm_of_a_tiny_vector_divides_by_epsilon_like_torch():
    import torch.nn.functional as F

    x = np.array([[3e-14, 4e-14], [0.0, 0.0], [3.0, 4.0]])
    t = Tensor(x, requires_grad=True)
    y = ops.l2_normalize(t, axis=-1)
    r = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, 0.7]])
    (y * Tensor(r)).sum().backward()
    xt = torch_tensor(x)
    yt = F.normalize(xt, dim=-1, eps=1e-12)
    (yt * torch_tensor(r, requires_grad=False)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(y.data[0], [0.03, 0.04], rtol=1e-12)  # x / 1e-12, not unit
    np.testing.assert_allclose(t.grad, xt.grad.numpy(), rtol=1e-10)
    # below the bound y = x / ε is linear: finite differences agree there too
    assert check_gradients(lambda v: ops.l2_normalize(v, epsilon=1e-3), [x[:2] * 1e-6]) < 1e-6


# -- the layers' contract ---------------------------------------------------------------------
def test_group_normalization_weights_follow_keras_names_and_order():
    layer = GroupNormalization(groups=2, name="gn")
    assert layer(np.ones((2, 3, 4))).shape == (2, 3, 4)
    assert [(w.path, w.shape, w.trainable) for w in layer.weights] == [
        ("gn/gamma", (4,), True), ("gn/beta", (4,), True)]
    only_gamma = GroupNormalization(2, center=False, name="g")
    only_gamma(np.ones((2, 4)))
    assert [w.path for w in only_gamma.weights] == ["g/gamma"]
    bare = GroupNormalization(2, scale=False, center=False)
    bare(np.ones((2, 4)))
    assert bare.weights == []
    unit = UnitNormalization()
    unit(np.ones((2, 4)))
    assert unit.weights == []


def test_defaults_follow_keras():
    config = GroupNormalization().get_config()
    assert (config["groups"], config["axis"], config["epsilon"], config["center"],
            config["scale"]) == (32, -1, 1e-3, True, True)
    assert UnitNormalization().get_config()["axis"] == -1


@pytest.mark.parametrize("layer", [
    GroupNormalization(groups=2, axis=1, epsilon=1e-5, center=False, gamma_regularizer="l2",
                       beta_initializer="ones", gamma_constraint="non_neg"),
    GroupNormalization(groups=-1),
    UnitNormalization(axis=[1, 2]),
], ids=["group", "instance", "unit"])
def test_config_round_trip(layer):
    clone = deserialize(serialize(layer))
    assert type(clone) is type(layer)
    config, config2 = layer.get_config(), clone.get_config()
    config.pop("name"), config2.pop("name")
    assert config == config2
    (x,) = random_inputs((2, 4, 6), seed=3)
    layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x).data, layer(x).data)
    assert layer.compute_output_shape((None, 4, 6)) == (None, 4, 6)


def test_group_normalization_is_the_same_in_training_and_inference():
    layer = GroupNormalization(groups=2)
    (x,) = random_inputs((3, 5, 4), seed=6)
    np.testing.assert_array_equal(layer(x, training=True).data, layer(x, training=False).data)


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    (dict(groups=0), r"groups must be a positive int \(or -1.*got 0.*Hint"),
    (dict(groups=-2), "groups must be a positive int"),
    (dict(groups=2.0), "groups must be a positive int"),
    (dict(groups=True), "groups must be a positive int"),
    (dict(axis=[1, 2]), r"axis must be an int \(the channel axis\).*Hint"),
    (dict(axis="channels"), "axis must be an int"),
    (dict(epsilon=-1e-3), "epsilon must be a non-negative number"),
])
def test_bad_group_normalization_arguments(kwargs, match):
    with pytest.raises(ArgumentError, match=rf"GroupNormalization .*{match}"):
        GroupNormalization(**kwargs)


def test_groups_that_do_not_divide_the_channels_name_the_divisors():
    with pytest.raises(ArgumentError, match=r"GroupNormalization 'gn': groups=4 must divide the "
                                            r"6 channels on axis -1.*\[1, 2, 3, 6\]"):
        GroupNormalization(groups=4, name="gn")(np.ones((2, 6)))
    with pytest.raises(ArgumentError, match="groups=32 must divide the 8 channels"):
        GroupNormalization()(np.ones((2, 3, 8)))  # the default, more groups than channels


def test_group_normalization_shape_errors():
    with pytest.raises(ShapeError, match="axis 3 does not fit inputs of rank 3"):
        GroupNormalization(groups=1, axis=3)(np.ones((2, 3, 4)))
    with pytest.raises(ShapeError, match="has unknown size"):
        GroupNormalization(groups=1).build_from_shape((None, 5, None))
    layer = GroupNormalization(groups=2)
    layer(np.ones((2, 4)))
    with pytest.raises(ShapeError, match="expected inputs of rank 2 with 4 channels"):
        layer(np.ones((2, 6)))


@pytest.mark.parametrize("axis", ["x", 1.0, [], [1, "a"], None])
def test_bad_unit_normalization_axis(axis):
    with pytest.raises(ArgumentError, match=r"UnitNormalization .*axis must be an int or a list"):
        UnitNormalization(axis=axis)


def test_unit_normalization_axis_outside_the_input():
    with pytest.raises(ShapeError, match="UnitNormalization.*axis 2 does not fit inputs of rank 2"):
        UnitNormalization(axis=2)(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="batch axis 0"):
        UnitNormalization(axis=0).compute_output_shape((None, 3))
