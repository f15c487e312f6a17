"""Every op in ``shendu.ops``: forward and gradient against PyTorch, backward against finite
differences — generated from one table.

Each row names an op, builds its float64 inputs (kept away from kinks: relu and abs away from 0,
maximum/minimum and max/min reductions without ties, clip away from its bounds), and gives the
same computation in shendu and in torch. Integer and boolean inputs (labels, conditions) are
passed through and not differentiated.
"""

from __future__ import annotations

import numpy as np
import pytest

from op_table import Case, away_from_zero, distinct, normal, positive
from shendu import ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError
from shendu.testing import check_gradients

# -- input makers (rng -> array) -------------------------------------------------------------


def labels(n, classes):
    return lambda rng: rng.integers(0, classes, size=n)


def probabilities(*shape):
    def make(rng):
        p = rng.uniform(0.1, 1.0, size=shape)
        return p / p.sum(axis=-1, keepdims=True)

    return make


def boolean(*shape):
    return lambda rng: rng.random(size=shape) > 0.5


def pair_apart(*shape):
    """Two arrays differing everywhere by at least 0.2 (no ties for maximum/minimum)."""

    def make(rng):
        a = rng.normal(size=shape)
        return [a, a + away_from_zero(*shape)(rng)]

    return make


def _act(name):
    return lambda x: ops.activation(x, name)


CASES = [
    # elementwise arithmetic, with broadcasting and python scalars
    Case("add", ops.add, lambda T, a, b: a + b, [normal(3, 4), normal(3, 4)]),
    Case("add_broadcast", ops.add, lambda T, a, b: a + b, [normal(2, 3, 4), normal(3, 1)]),
    Case("add_scalar", lambda a: ops.add(a, 2.5), lambda T, a: a + 2.5, [normal(3, 4)]),
    Case("radd_scalar", lambda a: 2.5 + a, lambda T, a: 2.5 + a, [normal(3, 4)]),
    Case("subtract", ops.subtract, lambda T, a, b: a - b, [normal(3, 4), normal(4)]),
    Case("rsub_scalar", lambda a: 1.0 - a, lambda T, a: 1.0 - a, [normal(3, 4)]),
    Case("multiply", ops.multiply, lambda T, a, b: a * b, [normal(3, 4), normal(3, 4)]),
    Case("multiply_broadcast", ops.multiply, lambda T, a, b: a * b,
         [normal(4, 1, 3), normal(5, 1)]),
    Case("divide", ops.divide, lambda T, a, b: a / b, [normal(3, 4), away_from_zero(3, 4)]),
    Case("divide_broadcast", ops.divide, lambda T, a, b: a / b, [normal(3, 4), positive(1, 4)]),
    Case("rtruediv_scalar", lambda a: 2.0 / a, lambda T, a: 2.0 / a, [positive(3, 4)]),
    Case("negative", ops.negative, lambda T, a: -a, [normal(3, 4)]),
    Case("power_scalar", lambda x: ops.power(x, 3.0), lambda T, x: x**3.0, [normal(3, 4)]),
    Case("power_fractional", lambda x: ops.power(x, 0.7), lambda T, x: x**0.7, [positive(3, 4)]),
    Case("power_tensor", ops.power, lambda T, x, p: T.pow(x, p), [positive(3, 4), normal(3, 4)]),
    Case("pow_operator", lambda x: x**2, lambda T, x: x**2, [normal(3, 4)]),
    Case("exp", ops.exp, lambda T, x: T.exp(x), [normal(3, 4)]),
    Case("log", ops.log, lambda T, x: T.log(x), [positive(3, 4)]),
    Case("sqrt", ops.sqrt, lambda T, x: T.sqrt(x), [positive(3, 4)]),
    Case("square", ops.square, lambda T, x: T.square(x), [normal(3, 4)]),
    Case("abs", ops.abs, lambda T, x: T.abs(x), [away_from_zero(3, 4)]),
    Case("clip", lambda x: ops.clip(x, -0.5, 0.5), lambda T, x: T.clamp(x, -0.5, 0.5),
         [lambda rng: np.array([[-1.2, -0.3, 0.1, 0.9], [0.45, -0.7, 2.0, -0.05]])]),
    Case("maximum", ops.maximum, lambda T, a, b: T.maximum(a, b), pair_apart(3, 4)),
    Case("minimum", ops.minimum, lambda T, a, b: T.minimum(a, b), pair_apart(3, 4)),
    Case("maximum_scalar", lambda a: ops.maximum(a, 0.0),
         lambda T, a: T.clamp(a, min=0.0), [away_from_zero(3, 4)]),
    Case("where", ops.where, lambda T, c, a, b: T.where(c, a, b),
         [boolean(3, 4), normal(3, 4), normal(3, 4)]),
    Case("where_broadcast", ops.where, lambda T, c, a, b: T.where(c, a, b),
         [boolean(3, 4), normal(3, 4), normal(4)]),
    # reductions
    Case("sum_all", ops.sum, lambda T, x: x.sum(), [normal(3, 4)]),
    Case("sum_axis", lambda x: ops.sum(x, axis=1), lambda T, x: x.sum(dim=1), [normal(3, 4, 2)]),
    Case("sum_axes_keepdims", lambda x: ops.sum(x, axis=(0, 2), keepdims=True),
         lambda T, x: x.sum(dim=(0, 2), keepdim=True), [normal(3, 4, 2)]),
    Case("sum_negative_axis", lambda x: x.sum(axis=-1), lambda T, x: x.sum(dim=-1),
         [normal(3, 4)]),
    Case("mean_all", ops.mean, lambda T, x: x.mean(), [normal(3, 4)]),
    Case("mean_axis", lambda x: ops.mean(x, axis=0), lambda T, x: x.mean(dim=0), [normal(3, 4)]),
    Case("mean_keepdims", lambda x: ops.mean(x, axis=(1, 2), keepdims=True),
         lambda T, x: x.mean(dim=(1, 2), keepdim=True), [normal(2, 3, 4)]),
    Case("max_all", ops.max, lambda T, x: T.amax(x), [distinct(3, 4)]),
    Case("max_axis", lambda x: ops.max(x, axis=1), lambda T, x: T.amax(x, dim=1),
         [distinct(3, 4)]),
    Case("max_axis_keepdims", lambda x: ops.max(x, axis=0, keepdims=True),
         lambda T, x: T.amax(x, dim=0, keepdim=True), [distinct(3, 4, 2)]),
    Case("min_all", ops.min, lambda T, x: T.amin(x), [distinct(3, 4)]),
    Case("min_axis", lambda x: ops.min(x, axis=-1), lambda T, x: T.amin(x, dim=-1),
         [distinct(3, 4)]),
    Case("min_axes_keepdims", lambda x: ops.min(x, axis=(0, 1), keepdims=True),
         lambda T, x: T.amin(x, dim=(0, 1), keepdim=True), [distinct(3, 4, 2)]),
    # matrix products
    Case("matmul", ops.matmul, lambda T, a, b: a @ b, [normal(3, 4), normal(4, 5)]),
    Case("matmul_batched", ops.matmul, lambda T, a, b: a @ b, [normal(2, 3, 4), normal(2, 4, 5)]),
    Case("matmul_batch_broadcast", ops.matmul, lambda T, a, b: a @ b,
         [normal(2, 3, 4), normal(4, 5)]),
    Case("matmul_batch_broadcast_1", ops.matmul, lambda T, a, b: a @ b,
         [normal(1, 3, 4), normal(2, 4, 5)]),
    Case("matmul_vector_matrix", ops.matmul, lambda T, a, b: a @ b, [normal(4), normal(4, 5)]),
    Case("matmul_matrix_vector", ops.matmul, lambda T, a, b: a @ b, [normal(3, 4), normal(4)]),
    Case("matmul_vector_vector", ops.matmul, lambda T, a, b: a @ b, [normal(4), normal(4)]),
    Case("matmul_batched_vector", ops.matmul, lambda T, a, b: a @ b, [normal(2, 3, 4), normal(4)]),
    Case("matmul_operator", lambda a, b: a @ b, lambda T, a, b: a @ b,
         [normal(3, 4), normal(4, 2)]),
    # shapes
    Case("reshape", lambda x: ops.reshape(x, (4, -1)), lambda T, x: x.reshape(4, -1),
         [normal(2, 3, 4)]),
    Case("reshape_method", lambda x: x.reshape(6, 4), lambda T, x: x.reshape(6, 4),
         [normal(2, 3, 4)]),
    Case("transpose", ops.transpose, lambda T, x: x.permute(2, 1, 0), [normal(2, 3, 4)]),
    Case("transpose_axes", lambda x: ops.transpose(x, (1, 2, 0)),
         lambda T, x: x.permute(1, 2, 0), [normal(2, 3, 4)]),
    Case("transpose_negative_axes", lambda x: ops.transpose(x, (-1, 0, 1)),
         lambda T, x: x.permute(-1, 0, 1), [normal(2, 3, 4)]),
    Case("transpose_T", lambda x: x.T, lambda T, x: x.T, [normal(3, 4)]),
    Case("broadcast_to", lambda x: ops.broadcast_to(x, (2, 3, 4)),
         lambda T, x: T.broadcast_to(x, (2, 3, 4)), [normal(3, 1)]),
    Case("getitem_slice", lambda x: ops.getitem(x, (slice(1, None), slice(None, None, -2))),
         lambda T, x: T.flip(x[1:], dims=(1,))[:, ::2], [normal(3, 4)]),
    Case("getitem_int", lambda x: x[1], lambda T, x: x[1], [normal(3, 4)]),
    Case("getitem_ellipsis", lambda x: x[..., 1:3], lambda T, x: x[..., 1:3], [normal(2, 3, 4)]),
    Case("getitem_int_array_repeats", lambda x: ops.getitem(x, np.array([0, 2, 2, 1, 2])),
         lambda T, x: x[T.tensor([0, 2, 2, 1, 2])], [normal(3, 4)]),
    Case("getitem_int_list_repeats", lambda x: x[[1, 1, 0]], lambda T, x: x[[1, 1, 0]],
         [normal(3, 4)]),
    Case("getitem_pairs_repeats",
         lambda x: x[np.array([0, 1, 0, 0]), np.array([2, 3, 2, 2])],
         lambda T, x: x[T.tensor([0, 1, 0, 0]), T.tensor([2, 3, 2, 2])], [normal(3, 4)]),
    Case("getitem_boolean_mask", lambda x: x[np.array([True, False, True])],
         lambda T, x: x[T.tensor([True, False, True])], [normal(3, 4)]),
    Case("getitem_tensor_index", lambda x: x[Tensor(np.array([2, 0, 2]))],
         lambda T, x: x[T.tensor([2, 0, 2])], [normal(3, 4)]),
    Case("getitem_mixed", lambda x: x[1:, np.array([3, 0, 3])],
         lambda T, x: x[1:, T.tensor([3, 0, 3])], [normal(3, 4)]),
    Case("concatenate", lambda a, b, c: ops.concatenate([a, b, c], axis=1),
         lambda T, a, b, c: T.cat([a, b, c], dim=1), [normal(2, 3), normal(2, 1), normal(2, 4)]),
    Case("concatenate_axis0", lambda a, b: ops.concatenate([a, b], axis=0),
         lambda T, a, b: T.cat([a, b], dim=0), [normal(2, 3), normal(4, 3)]),
    Case("stack", lambda a, b, c: ops.stack([a, b, c]),
         lambda T, a, b, c: T.stack([a, b, c]), [normal(2, 3), normal(2, 3), normal(2, 3)]),
    Case("stack_last_axis", lambda a, b: ops.stack([a, b], axis=-1),
         lambda T, a, b: T.stack([a, b], dim=-1), [normal(2, 3), normal(2, 3)]),
    Case("stack_axis1", lambda a, b: ops.stack([a, b], axis=1),
         lambda T, a, b: T.stack([a, b], dim=1), [normal(2, 3), normal(2, 3)]),
    Case("expand_dims", lambda x: ops.expand_dims(x, 1), lambda T, x: T.unsqueeze(x, 1),
         [normal(3, 4)]),
    Case("expand_dims_last", lambda x: ops.expand_dims(x, -1), lambda T, x: T.unsqueeze(x, -1),
         [normal(3, 4)]),
    Case("squeeze", lambda x: ops.squeeze(x, 1), lambda T, x: T.squeeze(x, 1), [normal(3, 1, 4)]),
    Case("squeeze_last", lambda x: ops.squeeze(x, -1), lambda T, x: T.squeeze(x, -1),
         [normal(3, 4, 1)]),
    # activations
    Case("linear", _act("linear"), lambda T, x: x * 1.0, [normal(3, 4)]),
    Case("sigmoid", ops.sigmoid, lambda T, x: T.sigmoid(x), [normal(3, 4)]),
    Case("sigmoid_large", ops.sigmoid, lambda T, x: T.sigmoid(x),
         [lambda rng: np.array([-40.0, -5.0, 0.3, 5.0, 40.0])]),
    Case("tanh", ops.tanh, lambda T, x: T.tanh(x), [normal(3, 4)]),
    Case("relu", ops.relu, lambda T, x: T.relu(x), [away_from_zero(3, 4)]),
    Case("softmax", ops.softmax, lambda T, x: T.softmax(x, dim=-1), [normal(3, 4)]),
    Case("softmax_axis0", lambda x: ops.softmax(x, axis=0), lambda T, x: T.softmax(x, dim=0),
         [normal(3, 4)]),
    Case("softmax_large", ops.softmax, lambda T, x: T.softmax(x, dim=-1),
         [lambda rng: np.array([[1000.0, 999.0, 998.5], [-3.0, 0.5, 2.0]])]),
    Case("activation_by_name", _act("tanh"), lambda T, x: T.tanh(x), [normal(2, 5)]),
    # cross-entropies from logits
    Case("sigmoid_binary_crossentropy", ops.sigmoid_binary_crossentropy,
         lambda T, z, y: T.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none"),
         [normal(5, 3), lambda rng: rng.uniform(0, 1, size=(5, 3))]),
    Case("sigmoid_binary_crossentropy_large", ops.sigmoid_binary_crossentropy,
         lambda T, z, y: T.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none"),
         [lambda rng: np.array([[-60.0], [-3.0], [0.2], [4.0], [60.0]]),
          lambda rng: np.array([[1.0], [0.0], [1.0], [0.3], [0.0]])]),
    Case("softmax_cross_entropy", ops.softmax_cross_entropy,
         lambda T, z, y: T.nn.functional.cross_entropy(z, y, reduction="none"),
         [normal(5, 4), probabilities(5, 4)]),
    Case("softmax_cross_entropy_onehot", ops.softmax_cross_entropy,
         lambda T, z, y: T.nn.functional.cross_entropy(z, y, reduction="none"),
         [normal(5, 4), lambda rng: np.eye(4)[rng.integers(0, 4, size=5)]]),
    Case("softmax_cross_entropy_axis0", lambda z, y: ops.softmax_cross_entropy(z, y, axis=0),
         lambda T, z, y: T.nn.functional.cross_entropy(z.T, y.T, reduction="none"),
         [normal(4, 5), lambda rng: probabilities(5, 4)(rng).T]),
    Case("sparse_softmax_cross_entropy", ops.sparse_softmax_cross_entropy,
         lambda T, z, k: T.nn.functional.cross_entropy(z, k, reduction="none"),
         [normal(6, 4), labels(6, 4)]),
    Case("sparse_softmax_cross_entropy_3d", ops.sparse_softmax_cross_entropy,
         lambda T, z, k: T.nn.functional.cross_entropy(
             z.reshape(-1, 4), k.reshape(-1), reduction="none").reshape(2, 3),
         [normal(2, 3, 4), lambda rng: rng.integers(0, 4, size=(2, 3))]),
]


def _torch_linear(T, x, W, b, activation):
    z = x @ W if b is None else x @ W + b
    return {
        "linear": lambda v: v,
        "relu": T.relu,
        "sigmoid": T.sigmoid,
        "tanh": T.tanh,
        "softmax": lambda v: T.softmax(v, dim=-1),
    }[activation](z)


for _act_name in ["linear", "relu", "sigmoid", "tanh", "softmax"]:
    CASES.append(Case(
        f"fused_linear_{_act_name}",
        lambda x, W, b, a=_act_name: ops.linear(x, W, b, a),
        lambda T, x, W, b, a=_act_name: _torch_linear(T, x, W, b, a),
        # relu: x W + b kept away from 0 by a large bias spread
        [normal(5, 4), normal(4, 3), lambda rng: rng.choice([-3.0, 3.0], size=3)],
    ))
    CASES.append(Case(
        f"fused_linear_{_act_name}_no_bias_3d",
        lambda x, W, a=_act_name: ops.linear(x, W, None, a),
        lambda T, x, W, a=_act_name: _torch_linear(T, x, W, None, a),
        [normal(2, 3, 4), normal(4, 3)],
    ))
CASES.append(Case("fused_linear_tanh_1d_input", lambda x, W, b: ops.linear(x, W, b, "tanh"),
                  lambda T, x, W, b: T.tanh(x @ W + b), [normal(4), normal(4, 3), normal(3)]))
CASES.append(Case("fused_linear_none_activation", lambda x, W, b: ops.linear(x, W, b),
                  lambda T, x, W, b: x @ W + b, [normal(5, 4), normal(4, 3), normal(3)]))


def _safe_relu_inputs(case, arrays):
    """For relu-family cases, confirm no pre-activation sits within 1e-3 of the kink."""
    if "relu" in case.id and case.id.startswith("fused"):
        z = arrays[0] @ arrays[1] + (arrays[2] if len(arrays) > 2 else 0)
        return np.abs(z).min() > 1e-3
    return True


def _inputs(case):
    arrays = case.make_inputs()
    seed = 1
    while not _safe_relu_inputs(case, arrays):  # redraw until no value sits on the kink
        arrays = case.make_inputs(seed)
        seed += 1
    return arrays


def _torch_inputs(arrays):
    import torch

    out = []
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind == "f":
            out.append(torch.tensor(a, dtype=torch.float64, requires_grad=True))
        else:
            out.append(torch.tensor(a))
    return out


def _is_float(a):
    return np.asarray(a).dtype.kind == "f"



@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_forward_matches_torch(case):
    import torch

    arrays = _inputs(case)
    ours = case.shendu(*[Tensor(a) for a in arrays])
    theirs = case.torch(torch, *_torch_inputs(arrays))
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gradient_matches_torch(case):
    import torch

    arrays = _inputs(case)
    tensors = [Tensor(a, requires_grad=_is_float(a)) for a in arrays]
    ours = case.shendu(*tensors)
    weights = np.random.default_rng(7).normal(size=ours.shape)
    (ours * Tensor(weights)).sum().backward()

    t_inputs = _torch_inputs(arrays)
    theirs = case.torch(torch, *t_inputs)
    (theirs * torch.tensor(weights)).sum().backward()

    compared = 0
    for mine, ref in zip(tensors, t_inputs):
        if not ref.requires_grad:
            continue
        expected = ref.grad.numpy() if ref.grad is not None else np.zeros(mine.shape)
        assert mine.grad is not None, f"{case.id}: no gradient reached an input"
        assert mine.grad.shape == mine.shape
        np.testing.assert_allclose(mine.grad, expected, rtol=1e-10, atol=1e-12)
        compared += 1
    assert compared >= 1


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_backward_matches_finite_differences(case):
    arrays = _inputs(case)
    assert check_gradients(case.shendu, arrays) < case.fd_tol


CORE_OPS = """add subtract multiply divide negative power exp log sqrt square abs clip maximum
minimum where sum mean max min matmul reshape transpose broadcast_to getitem concatenate stack
expand_dims squeeze linear sigmoid tanh relu softmax sigmoid_binary_crossentropy
softmax_cross_entropy sparse_softmax_cross_entropy""".split()


def test_every_core_op_is_exported_and_in_the_table():
    """Each core op is exported by ``shendu.ops`` and has at least one table row."""
    ids = [c.id for c in CASES]
    missing = [name for name in CORE_OPS
               if name not in ops.__all__
               or not any(i == name or i.startswith(name + "_") for i in ids)]
    assert not missing, f"core ops not exported or without a table row: {missing}"


def test_float32_stays_float32_with_python_scalars():
    x = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    for y in (x + 1.0, 2.0 * x, x / 3.0, x - 1, x**2.0, ops.maximum(x, 0.0)):
        assert y.dtype == np.float32
    loss = ops.sum(x)  # a 0-d float32 tensor, as a loss is
    for y in (loss * 0.5, 0.5 * loss, loss + 1.0, loss / 4, loss * np.float64(2.0)):
        assert y.dtype == np.float32
    (loss * 0.5).backward()
    assert x.grad.dtype == np.float32


def test_python_floats_are_not_truncated_by_integer_tensors():
    y = Tensor(np.array([1, 2, 3])) * 0.5
    np.testing.assert_allclose(y.data, [0.5, 1.0, 1.5])
    np.testing.assert_array_equal((Tensor(np.array([1, 2])) + 1).data, [2, 3])


def test_a_zero_d_tensor_in_the_graph_keeps_its_gradient_across_dtypes():
    scale = Tensor(np.array(2.0), requires_grad=True)  # float64, 0-d
    y = scale * np.ones(3, dtype=np.float32)
    y.sum().backward()
    assert scale.grad == 3.0


def test_unbroadcast_sums_to_the_input_shape():
    g = np.ones((2, 3, 4))
    assert ops.unbroadcast(g, (3, 1)).shape == (3, 1)
    np.testing.assert_array_equal(ops.unbroadcast(g, (3, 1)), np.full((3, 1), 8.0))
    np.testing.assert_array_equal(ops.unbroadcast(g, ()), 24.0)


def test_max_ties_share_the_gradient_like_torch_amax():
    import torch

    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    t = Tensor(x, requires_grad=True)
    ops.max(t, axis=1).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    torch.amax(tx, dim=1).sum().backward()
    np.testing.assert_allclose(t.grad, tx.grad.numpy())


@pytest.mark.parametrize("a, b, words", [
    ((2, 3), (4, 5), r"a's last axis \(3, shape \(2, 3\)\) must equal b's second-to-last axis "
                     r"\(4, shape \(4, 5\)\).*Hint"),
    ((2, 3), (4,), r"b's only axis \(4"),
    ((2, 2, 3), (3, 3, 4), r"batch axes of shapes \(2, 2, 3\) and \(3, 3, 4\) do not broadcast"),
    ((), (3,), "at least one axis"),
])
def test_matmul_of_mismatched_shapes_names_both(a, b, words):
    with pytest.raises(ShapeError, match=words):
        ops.matmul(np.ones(a), np.ones(b))


@pytest.mark.parametrize("shapes, axis, error, words", [
    ([(2, 3), (2, 3)], 5, ArgumentError, r"axis must be an int in \[-2, 1\] for 2-D tensors, "
                                         "got 5"),
    ([(2, 3), (3, 3)], 1, ShapeError, r"match the first one's shape \(2, 3\) except on axis 1, "
                                      r"got \(3, 3\)"),
    ([(2, 3), (2, 3, 1)], 0, ShapeError, r"got \(2, 3, 1\)"),
    ([], 0, ArgumentError, "at least one tensor"),
])
def test_concatenate_of_mismatched_shapes_or_axis_says_which(shapes, axis, error, words):
    with pytest.raises(error, match=words):
        ops.concatenate([np.ones(s) for s in shapes], axis=axis)


def test_a_python_number_takes_the_dtype_of_a_zero_d_tensor():
    """NumPy 2's rule, one level further: a 0-d float32 constant plus 1.0 stays float32 (it
    became float64, so a scan carry `c + 1.0` drifted to float64)."""
    c = Tensor(np.float32(2.0))
    for out in (c + 1.0, 1.0 + c, ops.multiply(c, 3), ops.maximum(0.5, c)):
        assert out.dtype == np.float32
    assert (Tensor(np.float64(1.0)) + np.float32(1.0)).dtype == np.float64  # both 0-d: NumPy
