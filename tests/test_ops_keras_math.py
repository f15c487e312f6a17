"""keras.ops math (elementwise, reductions, norm, dot/einsum, the activation ops): each
differentiable op forward and gradient against PyTorch and backward against finite
differences, from one table; the ops without a gradient against NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from op_table import (
    Case,
    away_from_zero,
    check_finite_differences,
    check_forward,
    check_torch_gradient,
    distinct,
    fixed,
    ids,
    normal,
    positive,
)
from shendu import ops
from shendu.autograd import Tensor


def _flat_dims(T, x, dims):
    """x with ``dims`` moved last and flattened into one (torch reductions take one dim)."""
    dims = [d % x.ndim for d in dims]
    rest = [d for d in range(x.ndim) if d not in dims]
    return x.permute(rest + dims).reshape([x.shape[d] for d in rest] + [-1])


def _torch_prod(T, x, dims, keepdim=False):
    y = T.prod(_flat_dims(T, x, dims), dim=-1)
    if keepdim:
        y = y.reshape([1 if d in [a % x.ndim for a in dims] else n for d, n in enumerate(x.shape)])
    return y


def _with_zero(*shape):
    """Normal values with one exact zero (the product's gradient there is not prod / x)."""

    def make(rng):
        x = rng.normal(size=shape)
        x.flat[1] = 0.0
        return x

    return make


ELEMENTWISE = [
    Case("cos", ops.cos, lambda T, x: T.cos(x), [normal(3, 4)]),
    Case("sin", ops.sin, lambda T, x: T.sin(x), [normal(3, 4)]),
    Case("log1p", ops.log1p, lambda T, x: T.log1p(x), [positive(3, 4)]),
    Case("log1p_tiny", ops.log1p, lambda T, x: T.log1p(x),
         [fixed([1e-12, -1e-9, 3e-5, 0.7])]),
    Case("rsqrt", ops.rsqrt, lambda T, x: T.rsqrt(x), [positive(3, 4)]),
    Case("erf", ops.erf, lambda T, x: T.erf(x), [normal(3, 4)]),
    Case("erf_wide", ops.erf, lambda T, x: T.erf(x),
         [fixed([-7.0, -2.5, -0.5, -1e-9, 0.0, 1e-300, 0.3, 0.49, 0.51, 1.2, 4.0, 9.0])]),
]

REDUCTIONS = [
    Case("prod_all", ops.prod, lambda T, x: T.prod(x), [normal(3, 4)]),
    Case("prod_axis", lambda x: ops.prod(x, axis=1), lambda T, x: T.prod(x, dim=1),
         [normal(3, 4)]),
    Case("prod_negative_axis_keepdims", lambda x: ops.prod(x, axis=-2, keepdims=True),
         lambda T, x: T.prod(x, dim=-2, keepdim=True), [normal(2, 3, 4)]),
    Case("prod_axes", lambda x: ops.prod(x, axis=(0, 2)),
         lambda T, x: _torch_prod(T, x, (0, 2)), [normal(2, 3, 4)]),
    Case("prod_axes_keepdims", lambda x: ops.prod(x, axis=(-1, 0), keepdims=True),
         lambda T, x: _torch_prod(T, x, (-1, 0), keepdim=True), [normal(2, 3, 4)]),
    Case("prod_with_a_zero", lambda x: ops.prod(x, axis=-1), lambda T, x: T.prod(x, dim=-1),
         [_with_zero(3, 4)]),
    Case("var_all", ops.var, lambda T, x: T.var(x, correction=0), [normal(3, 4)]),
    Case("var_axis", lambda x: ops.var(x, axis=0), lambda T, x: T.var(x, dim=0, correction=0),
         [normal(3, 4)]),
    Case("var_axes_keepdims", lambda x: ops.var(x, axis=(-1, 1), keepdims=True),
         lambda T, x: T.var(x, dim=(-1, 1), correction=0, keepdim=True), [normal(2, 3, 4)]),
    Case("std_all", ops.std, lambda T, x: T.std(x, correction=0), [normal(3, 4)]),
    Case("std_negative_axis", lambda x: ops.std(x, axis=-1),
         lambda T, x: T.std(x, dim=-1, correction=0), [normal(3, 4)]),
    Case("std_keepdims", lambda x: ops.std(x, axis=(0, 2), keepdims=True),
         lambda T, x: T.std(x, dim=(0, 2), correction=0, keepdim=True), [normal(2, 3, 4)]),
    Case("logsumexp_all", ops.logsumexp, lambda T, x: T.logsumexp(x.reshape(-1), dim=0),
         [normal(3, 4)]),
    Case("logsumexp_axis", lambda x: ops.logsumexp(x, axis=-1),
         lambda T, x: T.logsumexp(x, dim=-1), [normal(3, 4)]),
    Case("logsumexp_axes_keepdims", lambda x: ops.logsumexp(x, axis=(0, 1), keepdims=True),
         lambda T, x: T.logsumexp(x, dim=(0, 1), keepdim=True), [normal(2, 3, 4)]),
    Case("logsumexp_large", lambda x: ops.logsumexp(x, axis=1),
         lambda T, x: T.logsumexp(x, dim=1), [fixed([[1000.0, 999.0, 998.0], [-800, -801, 2]])]),
    Case("cumsum_flat", ops.cumsum, lambda T, x: T.cumsum(x.reshape(-1), dim=0), [normal(3, 4)]),
    Case("cumsum_axis", lambda x: ops.cumsum(x, axis=1), lambda T, x: T.cumsum(x, dim=1),
         [normal(3, 4)]),
    Case("cumsum_negative_axis", lambda x: ops.cumsum(x, axis=-3),
         lambda T, x: T.cumsum(x, dim=-3), [normal(2, 3, 4)]),
]

NORMS = [
    Case("norm_flat", ops.norm, lambda T, x: T.linalg.vector_norm(x), [normal(2, 3, 4)]),
    Case("norm_keepdims", lambda x: ops.norm(x, keepdims=True),
         lambda T, x: T.linalg.vector_norm(x, dim=(0, 1), keepdim=True), [normal(3, 4)]),
    Case("norm_axis", lambda x: ops.norm(x, axis=-1),
         lambda T, x: T.linalg.vector_norm(x, dim=-1), [normal(3, 4)]),
]
for _ord in (1, 3, 0.5, math.inf, -math.inf):
    NORMS.append(Case(f"norm_vector_ord_{_ord}", lambda x, o=_ord: ops.norm(x, ord=o, axis=1),
                      lambda T, x, o=_ord: T.linalg.vector_norm(x, ord=o, dim=1),
                      [distinct(3, 4) if math.isinf(_ord) else away_from_zero(3, 4)]))
for _ord in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
    NORMS.append(Case(
        f"norm_matrix_ord_{_ord}", lambda x, o=_ord: ops.norm(x, ord=o, axis=(0, 2)),
        lambda T, x, o=_ord: T.linalg.matrix_norm(x, ord=o, dim=(0, 2)),
        [distinct(3, 2, 4) if _ord not in ("fro", "nuc") else normal(3, 2, 4)]))
NORMS += [
    Case("norm_matrix_none_2d", lambda x: ops.norm(x, ord=2), lambda T, x: T.linalg.norm(x, 2),
         [normal(4, 3)]),
    Case("norm_matrix_keepdims", lambda x: ops.norm(x, ord=1, axis=(-1, -2), keepdims=True),
         lambda T, x: T.linalg.matrix_norm(x, ord=1, dim=(-1, -2), keepdim=True),
         [distinct(2, 3, 4)]),
    Case("norm_nuc_keepdims", lambda x: ops.norm(x, ord="nuc", axis=(1, 2), keepdims=True),
         lambda T, x: T.linalg.matrix_norm(x, ord="nuc", dim=(1, 2), keepdim=True),
         [normal(2, 3, 4)]),
]

PRODUCTS = [
    Case("dot_vectors", ops.dot, lambda T, a, b: T.dot(a, b), [normal(4), normal(4)]),
    Case("dot_matrices", ops.dot, lambda T, a, b: a @ b, [normal(3, 4), normal(4, 2)]),
    Case("dot_nd_vector", ops.dot, lambda T, a, b: a @ b, [normal(2, 3, 4), normal(4)]),
    Case("dot_vector_nd", ops.dot, lambda T, a, b: T.tensordot(a, b, dims=([0], [1])),
         [normal(3), normal(2, 3, 4)]),
    Case("dot_nd_md", ops.dot, lambda T, a, b: T.tensordot(a, b, dims=([-1], [-2])),
         [normal(2, 3, 4), normal(5, 4, 2)]),
    Case("dot_scalar", lambda a: ops.dot(a, 2.5), lambda T, a: a * 2.5, [normal(3)]),
    Case("einsum_matmul", lambda a, b: ops.einsum("ij,jk->ik", a, b),
         lambda T, a, b: T.einsum("ij,jk->ik", a, b), [normal(3, 4), normal(4, 2)]),
    Case("einsum_batched", lambda a, b: ops.einsum("bij,bkj->bik", a, b),
         lambda T, a, b: T.einsum("bij,bkj->bik", a, b), [normal(2, 3, 4), normal(2, 5, 4)]),
    Case("einsum_implicit", lambda a, b: ops.einsum("ij,jk", a, b),
         lambda T, a, b: T.einsum("ij,jk", a, b), [normal(3, 4), normal(4, 2)]),
    Case("einsum_ellipsis", lambda a, b: ops.einsum("...ij,...jk->...ik", a, b),
         lambda T, a, b: T.einsum("...ij,...jk->...ik", a, b), [normal(2, 2, 3), normal(3, 4)]),
    Case("einsum_sum_all", lambda a: ops.einsum("ij->", a), lambda T, a: T.einsum("ij->", a),
         [normal(3, 4)]),
    Case("einsum_summed_alone", lambda a, b: ops.einsum("ij,k->ik", a, b),
         lambda T, a, b: T.einsum("ij,k->ik", a, b), [normal(3, 4), normal(2)]),
    Case("einsum_diagonal", lambda a: ops.einsum("ii->i", a), lambda T, a: T.einsum("ii->i", a),
         [normal(3, 3)]),
    Case("einsum_trace_product", lambda a, b: ops.einsum("iij,jk->k", a, b),
         lambda T, a, b: T.einsum("iij,jk->k", a, b), [normal(3, 3, 2), normal(2, 4)]),
    Case("einsum_three", lambda a, b, c: ops.einsum("ab,bc,cd->ad", a, b, c),
         lambda T, a, b, c: T.einsum("ab,bc,cd->ad", a, b, c),
         [normal(2, 3), normal(3, 4), normal(4, 2)]),
    Case("einsum_broadcast_one", lambda a, b: ops.einsum("ij,ij->ij", a, b),
         lambda T, a, b: a * b, [normal(1, 3), normal(4, 3)]),
    Case("einsum_outer", lambda a, b: ops.einsum("i,j->ij", a, b),
         lambda T, a, b: T.outer(a, b), [normal(3), normal(4)]),
]

ACTIVATIONS = [
    Case("gelu_approximate", ops.gelu, lambda T, x: T.nn.functional.gelu(x, approximate="tanh"),
         [normal(3, 4)]),
    Case("gelu_exact", lambda x: ops.gelu(x, approximate=False),
         lambda T, x: T.nn.functional.gelu(x), [normal(3, 4)]),
    Case("silu", ops.silu, lambda T, x: T.nn.functional.silu(x), [normal(3, 4)]),
    Case("softplus", ops.softplus, lambda T, x: T.nn.functional.softplus(x),
         [fixed([[-40.0, -2.0, 0.3], [1.5, 5.0, 40.0]])]),
    Case("log_softmax", ops.log_softmax, lambda T, x: T.log_softmax(x, dim=-1), [normal(3, 4)]),
    Case("log_softmax_axis0", lambda x: ops.log_softmax(x, axis=0),
         lambda T, x: T.log_softmax(x, dim=0), [normal(3, 4)]),
    Case("leaky_relu", ops.leaky_relu, lambda T, x: T.nn.functional.leaky_relu(x, 0.2),
         [away_from_zero(3, 4)]),
    Case("leaky_relu_slope", lambda x: ops.leaky_relu(x, negative_slope=0.05),
         lambda T, x: T.nn.functional.leaky_relu(x, 0.05), [away_from_zero(3, 4)]),
    Case("elu", ops.elu, lambda T, x: T.nn.functional.elu(x), [away_from_zero(3, 4)]),
    Case("elu_alpha", lambda x: ops.elu(x, alpha=0.5), lambda T, x: T.nn.functional.elu(x, 0.5),
         [away_from_zero(3, 4)]),
    Case("selu", ops.selu, lambda T, x: T.nn.functional.selu(x), [away_from_zero(3, 4)]),
    Case("normalize", ops.normalize, lambda T, x: T.nn.functional.normalize(x, dim=-1, eps=1e-7),
         [normal(3, 4)]),
    Case("normalize_axis0_order1", lambda x: ops.normalize(x, axis=0, order=1),
         lambda T, x: T.nn.functional.normalize(x, p=1, dim=0, eps=1e-7), [away_from_zero(3, 4)]),
    Case("normalize_order3", lambda x: ops.normalize(x, order=3),
         lambda T, x: T.nn.functional.normalize(x, p=3, dim=-1, eps=1e-7),
         [away_from_zero(3, 4)]),
]

CASES = ELEMENTWISE + REDUCTIONS + NORMS + PRODUCTS + ACTIVATIONS


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_forward_matches_torch(case):
    check_forward(case)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_gradient_matches_torch(case):
    check_torch_gradient(case)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_backward_matches_finite_differences(case):
    check_finite_differences(case)


def test_erf_is_accurate_over_the_whole_line_in_float64():
    import torch

    x = np.concatenate([np.linspace(-9, 9, 20001), np.logspace(-300, 0.5, 2000),
                        -np.logspace(-300, 0.5, 2000)])
    ours = ops.erf(x).data
    ref = torch.erf(torch.tensor(x)).numpy()
    assert np.max(np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-300)) < 1e-14


def test_erf_in_float32_stays_float32_and_accurate():
    import torch

    x = np.linspace(-5, 5, 2001).astype(np.float32)
    ours = ops.erf(x).data
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, torch.erf(torch.tensor(x)).numpy(), rtol=5e-7, atol=1e-30)


def test_norm_and_prod_gradients_at_zero_are_zero_and_exact():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    ops.norm(x, axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))
    x = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    ops.prod(x).backward()
    np.testing.assert_array_equal(x.grad, [0.0, 6.0, 0.0])


def test_norm_ord_0_counts_nonzeros():
    x = np.array([[0.0, 2.0, -1.0], [0.0, 0.0, 4.0]])
    np.testing.assert_array_equal(ops.norm(x, ord=0, axis=1).data, [2.0, 1.0])


def test_integer_inputs_become_floatx_like_keras():
    for op in (ops.cos, ops.sin, ops.log1p, ops.rsqrt, ops.erf, ops.floor, ops.std, ops.var,
               ops.norm, ops.logsumexp, ops.silu, ops.gelu):
        assert op(np.arange(1, 4)).dtype == np.float32, op.__name__
    assert ops.sin(np.arange(3.0)).dtype == np.float64  # floats keep their dtype
    assert ops.erf(np.ones(2, dtype=np.float32)).dtype == np.float32


# -- without a gradient: against NumPy -------------------------------------------------------
@pytest.mark.parametrize("name, reference", [
    ("floor", np.floor), ("sign", np.sign), ("round", np.round),
    ("logical_not", np.logical_not),
])
def test_unary_ops_without_gradient_match_numpy(name, reference):
    x = np.array([[-2.5, -0.5, 0.0], [0.5, 1.5, 2.7]])
    t = Tensor(x, requires_grad=True)
    out = getattr(ops, name)(t)
    assert isinstance(out, Tensor) and not out.requires_grad
    np.testing.assert_array_equal(out.data, reference(x))


def test_round_to_decimals_keeps_integers():
    np.testing.assert_array_equal(ops.round(np.array([1.234, -5.678]), 2).data, [1.23, -5.68])
    assert ops.round(np.arange(3)).dtype == np.arange(3).dtype
    np.testing.assert_array_equal(ops.sign(np.array([-3, 0, 2])).data, [-1, 0, 1])


@pytest.mark.parametrize("name", ["logical_and", "logical_or"])
def test_binary_logical_ops_match_numpy(name):
    a, b = np.array([[1, 0, 2], [0, 0, 3]]), np.array([True, False, False])
    np.testing.assert_array_equal(getattr(ops, name)(a, Tensor(b)).data,
                                  getattr(np, name)(a, b))


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, True), ((0, 1), True)])
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_and_any_match_numpy(name, axis, keepdims):
    x = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    out = getattr(ops, name)(Tensor(x, requires_grad=True), axis=axis, keepdims=keepdims)
    assert not out.requires_grad and out.dtype == bool
    np.testing.assert_array_equal(out.data, getattr(np, name)(x, axis=axis, keepdims=keepdims))


def test_cumsum_and_prod_take_a_dtype():
    assert ops.cumsum(np.arange(4), dtype="float64").dtype == np.float64
    np.testing.assert_array_equal(ops.cumsum(np.arange(4)).data, [0, 1, 3, 6])
    x = Tensor(np.array([1.5, 2.0], dtype=np.float32), requires_grad=True)
    y = ops.prod(x, dtype="float64")
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [2.0, 1.5])


def test_log_softmax_and_logsumexp_agree():
    x = np.random.default_rng(0).normal(size=(3, 5))
    np.testing.assert_allclose(ops.log_softmax(x).data,
                               x - ops.logsumexp(x, axis=-1, keepdims=True).data, rtol=1e-12)
