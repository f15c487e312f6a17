"""Loss.value_and_grad (loss_heads.py) gives autograd's value and dL/dz, or None; the
squared_difference op it uses for mse against PyTorch and finite differences."""

import numpy as np
import pytest

from shendu import losses, ops
from shendu.autograd import Tensor
from shendu.ops.activations import Sigmoid, Softmax, activation
from shendu.testing import check_gradients

RNG = np.random.default_rng(3)
Z = RNG.normal(size=(5, 4))
ONE_HOT = np.eye(4)[RNG.integers(0, 4, size=5)]
LABELS = RNG.integers(0, 4, size=5)
BINARY = (RNG.random((5, 4)) > 0.5).astype(float)
REAL = RNG.normal(size=(5, 4))

# (loss, y_true, head kernel or None)
FUSED = {
    "bce+sigmoid": (losses.BinaryCrossentropy(), BINARY, Sigmoid()),
    "bce from logits": (losses.BinaryCrossentropy(from_logits=True), BINARY, None),
    "cce+softmax": (losses.CategoricalCrossentropy(), ONE_HOT, Softmax()),
    "cce soft targets": (losses.CategoricalCrossentropy(), ONE_HOT * 0.7 + 0.075, Softmax()),
    "cce from logits": (losses.CategoricalCrossentropy(from_logits=True), ONE_HOT, None),
    "sparse+softmax": (losses.SparseCategoricalCrossentropy(), LABELS, Softmax()),
    "sparse (n, 1) labels": (losses.SparseCategoricalCrossentropy(), LABELS[:, None], Softmax()),
    "mse": (losses.MeanSquaredError(), REAL, None),
    "mse reduction mean": (losses.MeanSquaredError(reduction="mean"), REAL, None),
}

NOT_FUSED = {
    "bce, no sigmoid head": (losses.BinaryCrossentropy(), BINARY, None),
    "bce label smoothing": (losses.BinaryCrossentropy(label_smoothing=0.1), BINARY, Sigmoid()),
    "bce reduction sum": (losses.BinaryCrossentropy(reduction="sum"), BINARY, Sigmoid()),
    "cce softmax on axis 0": (losses.CategoricalCrossentropy(), ONE_HOT, Softmax(axis=0)),
    "cce softmax on two axes": (losses.CategoricalCrossentropy(), ONE_HOT, Softmax(axis=(0, 1))),
    "sparse ignore_class": (losses.SparseCategoricalCrossentropy(ignore_class=0), LABELS,
                            Softmax()),
    "mse after a sigmoid": (losses.MeanSquaredError(), REAL, Sigmoid()),
    "mae": (losses.MeanAbsoluteError(), REAL, None),
    "bce shapes differ": (losses.BinaryCrossentropy(), BINARY[:, :1], Sigmoid()),
    "custom function": (losses.LossFunctionWrapper(lambda y, p: ops.mean(ops.abs(y - p), -1)),
                        REAL, None),
}


@pytest.mark.parametrize("case", list(FUSED))
def test_value_and_grad_matches_autograd(case):
    loss, y, head = FUSED[case]
    z = Tensor(Z.copy(), requires_grad=True)
    expected = loss(y, activation(z, head) if head is not None else z)
    expected.backward()
    value, grad = loss.value_and_grad(y, Z.copy(), head)
    np.testing.assert_allclose(value, expected.item(), rtol=1e-12)
    np.testing.assert_allclose(grad, z.grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("case", list(NOT_FUSED))
def test_value_and_grad_declines_what_it_has_no_fused_form_for(case):
    loss, y, head = NOT_FUSED[case]
    assert loss.value_and_grad(y, Z.copy(), head) is None


def test_value_and_grad_checks_label_range_like_autograd():
    from shendu.errors import DataError

    with pytest.raises(DataError, match="labels must be in"):
        losses.SparseCategoricalCrossentropy().value_and_grad(LABELS + 4, Z.copy(), Softmax())


def test_squared_difference_forward_matches_torch():
    import torch

    p, y = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    expected = torch.nn.functional.mse_loss(torch.tensor(p), torch.tensor(y), reduction="none")
    np.testing.assert_allclose(ops.squared_difference(p, y).data, expected.numpy(), rtol=1e-12)


def test_squared_difference_backward_by_finite_differences():
    p, y = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    assert check_gradients(lambda a, b: ops.squared_difference(a, b), [p, y]) < 1e-7


@pytest.mark.parametrize("case", list(FUSED))
def test_fused_head_step_gives_value_grad_and_the_models_predictions(case):
    from shendu.loss_heads import fused_head

    loss, y, head = FUSED[case]
    value, grad, predictions = fused_head(loss, head)(y, Z.copy())
    expected_value, expected_grad = loss.value_and_grad(y, Z.copy(), head)
    assert value == expected_value
    np.testing.assert_array_equal(grad, expected_grad)
    # the predictions are what the model outputs: its head op on the logits, bit for bit
    expected = activation(Tensor(Z.copy()), head).data if head is not None else Z
    np.testing.assert_array_equal(predictions, expected)


# declined per batch, not per loss: shapes, and axes that depend on the rank of z
PER_BATCH = ("bce shapes differ", "cce softmax on axis 0")


@pytest.mark.parametrize("case", [c for c in NOT_FUSED if c not in PER_BATCH])
def test_fused_head_is_none_where_the_loss_and_head_have_no_fused_form(case):
    from shendu.loss_heads import fused_head

    loss, _, head = NOT_FUSED[case]
    assert fused_head(loss, head) is None


@pytest.mark.parametrize("case", PER_BATCH)
def test_fused_head_step_declines_such_a_batch(case):
    from shendu.loss_heads import fused_head

    loss, y, head = NOT_FUSED[case]
    assert fused_head(loss, head)(y, Z.copy()) is None
