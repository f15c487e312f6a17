"""More keras.ops names (trigonometry, exponents, division, products, matrices, joining,
statistics, linear algebra, activations, cumprod/diff): each differentiable op forward and
gradient against PyTorch and backward against finite differences, from one table; the ops
without a gradient (predicates, search, decompositions, creation) against NumPy; bad input
against the error family."""

from __future__ import annotations

import numpy as np
import pytest

from op_table import (
    Case,
    away_from_zero,
    check_forward,
    check_torch_gradient,
    distinct,
    fixed,
    normal,
    positive,
    table_tests,
)
from shendu import ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, ShapeError, ShenduError


def uniform(low, high, *shape):
    return lambda rng: rng.uniform(low, high, size=shape)


def avoiding(kinks, low=-4.0, high=4.0, *shape):
    """Uniform values at least 0.1 away from each kink (no value where the slope jumps)."""

    def make(rng):
        x = rng.uniform(low, high, size=shape)
        for k in kinks:
            near = np.abs(x - k) < 0.1
            x[near] = k + 0.2
        return x

    return make


def well_conditioned(*shape):
    """Square matrices (last two axes) with a dominant diagonal."""
    n = shape[-1]
    return lambda rng: rng.normal(size=shape) * 0.5 + 3 * np.eye(n)


def _sparse_plus(T, x):
    return T.where(x <= -1, T.zeros_like(x), T.where(x >= 1, x, (x + 1) ** 2 / 4))


def _split_weighted(T, parts, dim):
    return T.cat([p * (i + 1) for i, p in enumerate(parts)], dim)


def _ours_split_weighted(parts, axis):
    return ops.concatenate([p * float(i + 1) for i, p in enumerate(parts)], axis=axis)


F = "torch.nn.functional"

TRIGONOMETRY = [
    Case("tan", ops.tan, lambda T, x: T.tan(x), [uniform(-1.2, 1.2, 3, 4)]),
    Case("arcsin", ops.arcsin, lambda T, x: T.arcsin(x), [uniform(-0.9, 0.9, 3, 4)]),
    Case("arccos", ops.arccos, lambda T, x: T.arccos(x), [uniform(-0.9, 0.9, 3, 4)]),
    Case("arctan", ops.arctan, lambda T, x: T.arctan(x), [normal(3, 4)]),
    Case("arctan2", ops.arctan2, lambda T, a, b: T.arctan2(a, b),
         [normal(3, 4), away_from_zero(4)]),
    Case("sinh", ops.sinh, lambda T, x: T.sinh(x), [normal(3, 4)]),
    Case("cosh", ops.cosh, lambda T, x: T.cosh(x), [normal(3, 4)]),
    Case("arcsinh", ops.arcsinh, lambda T, x: T.arcsinh(x), [normal(3, 4)]),
    Case("arccosh", ops.arccosh, lambda T, x: T.arccosh(x), [uniform(1.2, 3.0, 3, 4)]),
    Case("arctanh", ops.arctanh, lambda T, x: T.arctanh(x), [uniform(-0.9, 0.9, 3, 4)]),
    Case("hypot", ops.hypot, lambda T, a, b: T.hypot(a, b), [normal(3, 4), away_from_zero(4)]),
    Case("deg2rad", ops.deg2rad, lambda T, x: T.deg2rad(x), [normal(3, 4)]),
    Case("rad2deg", ops.rad2deg, lambda T, x: T.rad2deg(x), [normal(3, 4)]),
]

EXPONENTS = [
    Case("cbrt", ops.cbrt, lambda T, x: T.sign(x) * T.abs(x) ** (1 / 3), [away_from_zero(3, 4)]),
    Case("reciprocal", ops.reciprocal, lambda T, x: T.reciprocal(x), [away_from_zero(3, 4)]),
    Case("expm1", ops.expm1, lambda T, x: T.expm1(x), [normal(3, 4)]),
    Case("expm1_tiny", ops.expm1, lambda T, x: T.expm1(x), [fixed([1e-12, -3e-9, 2e-5])]),
    Case("exp2", ops.exp2, lambda T, x: T.exp2(x), [normal(3, 4)]),
    Case("log2", ops.log2, lambda T, x: T.log2(x), [positive(3, 4)]),
    Case("log10", ops.log10, lambda T, x: T.log10(x), [positive(3, 4)]),
    Case("logaddexp", ops.logaddexp, lambda T, a, b: T.logaddexp(a, b),
         [normal(3, 4), normal(4)]),
    Case("logaddexp_large", ops.logaddexp, lambda T, a, b: T.logaddexp(a, b),
         [fixed([1000.0, -800.0, 3.0]), fixed([999.0, -801.0, 700.0])]),
    Case("erfinv", ops.erfinv, lambda T, x: T.erfinv(x), [uniform(-0.95, 0.95, 3, 4)]),
    Case("erfinv_tails", ops.erfinv, lambda T, x: T.erfinv(x),
         [fixed([-0.999, -0.99, -1e-9, 0.0, 1e-300, 0.4, 0.51, 0.9, 0.999])], fd_tol=1e-5),
    Case("absolute", ops.absolute, lambda T, x: T.abs(x), [away_from_zero(3, 4)]),
]

DIVISION = [
    Case("true_divide", ops.true_divide, lambda T, a, b: T.true_divide(a, b),
         [normal(3, 4), away_from_zero(4)]),
    Case("divide_no_nan", ops.divide_no_nan, lambda T, a, b: a / b,
         [normal(3, 4), away_from_zero(3, 4)]),
    Case("mod", ops.mod, lambda T, a, b: T.remainder(a, b),
         [fixed([[-3.3, 3.3, 5.1], [0.4, -0.7, 7.9]]), fixed([2.0, -1.5, 3.0])]),
]

PRODUCTS = [
    Case("outer", ops.outer, lambda T, a, b: T.outer(a.reshape(-1), b.reshape(-1)),
         [normal(2, 3), normal(4)]),
    Case("inner_vectors", ops.inner, lambda T, a, b: T.inner(a, b), [normal(4), normal(4)]),
    Case("inner_nd", ops.inner, lambda T, a, b: T.inner(a, b), [normal(2, 3, 4), normal(5, 4)]),
    Case("inner_scalar", ops.inner, lambda T, a, b: T.inner(a, b), [normal(), normal(2, 3)]),
    Case("vdot", ops.vdot, lambda T, a, b: T.vdot(a.reshape(-1), b.reshape(-1)),
         [normal(2, 3), normal(3, 2)]),
    Case("tensordot_default", ops.tensordot, lambda T, a, b: T.tensordot(a, b, dims=2),
         [normal(2, 3, 4), normal(3, 4, 5)]),
    Case("tensordot_int", lambda a, b: ops.tensordot(a, b, axes=1),
         lambda T, a, b: T.tensordot(a, b, dims=1), [normal(2, 3), normal(3, 4)]),
    Case("tensordot_lists", lambda a, b: ops.tensordot(a, b, axes=([0, 2], [2, -3])),
         lambda T, a, b: T.tensordot(a, b, dims=([0, 2], [2, 0])),
         [normal(2, 3, 4), normal(4, 5, 2)]),
    Case("kron", ops.kron, lambda T, a, b: T.kron(a, b), [normal(2, 3), normal(3, 2)]),
    Case("kron_ranks", ops.kron, lambda T, a, b: T.kron(a, b), [normal(3), normal(2, 2)]),
]

MATRICES = [
    Case("diagonal", ops.diagonal, lambda T, x: T.diagonal(x, 0, 0, 1), [normal(3, 4)]),
    Case("diagonal_offset_axes", lambda x: ops.diagonal(x, 1, axis1=2, axis2=0),
         lambda T, x: T.diagonal(x, 1, 2, 0), [normal(3, 2, 4)]),
    Case("diagonal_negative_offset", lambda x: ops.diagonal(x, -1, -1, -2),
         lambda T, x: T.diagonal(x, -1, -1, -2), [normal(2, 3, 4)]),
    Case("diag_vector", lambda x: ops.diag(x, 1), lambda T, x: T.diag(x, 1), [normal(3)]),
    Case("diag_matrix", lambda x: ops.diag(x, -1), lambda T, x: T.diag(x, -1), [normal(4, 3)]),
    Case("diagflat", lambda x: ops.diagflat(x, -2), lambda T, x: T.diagflat(x, -2),
         [normal(2, 2)]),
    Case("trace", ops.trace, lambda T, x: T.trace(x), [normal(3, 4)]),
    Case("trace_batched", lambda x: ops.trace(x, 1, 1, 2),
         lambda T, x: T.diagonal(x, 1, 1, 2).sum(-1), [normal(2, 3, 4)]),
    Case("roll_flat", lambda x: ops.roll(x, 2), lambda T, x: T.roll(x, 2), [normal(3, 4)]),
    Case("roll_axes", lambda x: ops.roll(x, (1, -3), axis=(0, 2)),
         lambda T, x: T.roll(x, (1, -3), (0, 2)), [normal(2, 3, 4)]),
    Case("rot90", ops.rot90, lambda T, x: T.rot90(x, 1, (0, 1)), [normal(3, 4)]),
    Case("rot90_k_axes", lambda x: ops.rot90(x, k=-3, axes=(2, 1)),
         lambda T, x: T.rot90(x, -3, (2, 1)), [normal(2, 3, 4)]),
]

JOINING = [
    Case("append_flat", ops.append, lambda T, a, b: T.cat([a.reshape(-1), b.reshape(-1)]),
         [normal(2, 3), normal(4)]),
    Case("append_axis", lambda a, b: ops.append(a, b, axis=1), lambda T, a, b: T.cat([a, b], 1),
         [normal(2, 3), normal(2, 2)]),
    Case("hstack", lambda a, b: ops.hstack([a, b]), lambda T, a, b: T.hstack([a, b]),
         [normal(2, 3), normal(2, 1)]),
    Case("hstack_1d", lambda a, b: ops.hstack([a, b]), lambda T, a, b: T.hstack([a, b]),
         [normal(3), normal(2)]),
    Case("vstack", lambda a, b: ops.vstack((a, b)), lambda T, a, b: T.vstack([a, b]),
         [normal(3), normal(2, 3)]),
    Case("dstack", lambda a, b: ops.dstack([a, b]), lambda T, a, b: T.dstack([a, b]),
         [normal(2, 3), normal(2, 3, 2)]),
    Case("hsplit", lambda x: _ours_split_weighted(ops.hsplit(x, 2), 1),
         lambda T, x: _split_weighted(T, T.hsplit(x, 2), 1), [normal(3, 4)]),
    Case("hsplit_indices_1d", lambda x: _ours_split_weighted(ops.hsplit(x, [1, 3]), 0),
         lambda T, x: _split_weighted(T, T.hsplit(x, [1, 3]), 0), [normal(5)]),
    Case("vsplit", lambda x: _ours_split_weighted(ops.vsplit(x, [1]), 0),
         lambda T, x: _split_weighted(T, T.vsplit(x, [1]), 0), [normal(3, 2)]),
    Case("array_split", lambda x: _ours_split_weighted(ops.array_split(x, 3, axis=1), 1),
         lambda T, x: _split_weighted(T, T.tensor_split(x, 3, dim=1), 1), [normal(2, 7)]),
    Case("array_split_indices", lambda x: _ours_split_weighted(ops.array_split(x, [2, 3]), 0),
         lambda T, x: _split_weighted(T, T.tensor_split(x, [2, 3], dim=0), 0), [normal(5, 2)]),
    Case("ravel", ops.ravel, lambda T, x: T.ravel(x), [normal(2, 3, 2)]),
    Case("copy", ops.copy, lambda T, x: T.clone(x), [normal(2, 3)]),
    Case("meshgrid_xy", lambda a, b, c: ops.stack(ops.meshgrid(a, b, c)),
         lambda T, a, b, c: T.stack(T.meshgrid(a, b, c, indexing="xy")),
         [normal(2), normal(3), normal(4)]),
    Case("meshgrid_ij", lambda a, b: ops.stack(ops.meshgrid(a, b, indexing="ij")),
         lambda T, a, b: T.stack(T.meshgrid(a, b, indexing="ij")), [normal(2), normal(3)]),
]

STATISTICS = [
    Case("amax", lambda x: ops.amax(x, axis=1), lambda T, x: T.amax(x, 1), [distinct(3, 4)]),
    Case("amax_all", ops.amax, lambda T, x: T.amax(x), [distinct(3, 4)]),
    Case("amin_keepdims", lambda x: ops.amin(x, axis=(0, 2), keepdims=True),
         lambda T, x: T.amin(x, (0, 2), keepdim=True), [distinct(2, 3, 4)]),
    Case("ptp", lambda x: ops.ptp(x, axis=-1),
         lambda T, x: T.amax(x, -1) - T.amin(x, -1), [distinct(3, 4)]),
    Case("ptp_all", ops.ptp, lambda T, x: T.amax(x) - T.amin(x), [distinct(3, 4)]),
    Case("average", lambda x: ops.average(x, axis=1), lambda T, x: T.mean(x, 1), [normal(3, 4)]),
    Case("average_weights", lambda x, w: ops.average(x, axis=0, weights=w),
         lambda T, x, w: (x * w).sum(0) / w.sum(0), [normal(3, 4), positive(3, 4)]),
    Case("average_weights_1d", lambda x, w: ops.average(x, axis=1, weights=w),
         lambda T, x, w: (x * w).sum(1) / w.sum(), [normal(3, 4), positive(4)]),
    Case("median_all", ops.median, lambda T, x: T.quantile(x.reshape(-1), 0.5),
         [distinct(3, 4)]),
    Case("median_axis_keepdims", lambda x: ops.median(x, axis=0, keepdims=True),
         lambda T, x: T.quantile(x, 0.5, dim=0, keepdim=True), [distinct(5, 3)]),
    Case("quantile_vector_q", lambda x: ops.quantile(x, np.array([0.1, 0.7]), axis=-1),
         lambda T, x: T.quantile(x, T.tensor([0.1, 0.7], dtype=T.float64), dim=-1),
         [distinct(3, 5)]),
    Case("quantile_axes", lambda x: ops.quantile(x, 0.3, axis=(0, 2)),
         lambda T, x: T.quantile(x.permute(1, 0, 2).reshape(3, -1), 0.3, dim=-1),
         [distinct(2, 3, 4)]),
    Case("percentile", lambda x: ops.percentile(x, 40, axis=1),
         lambda T, x: T.quantile(x, 0.4, dim=1), [distinct(3, 6)]),
    Case("percentile_keepdims_vector", lambda x: ops.percentile(x, [20, 90], keepdims=True),
         lambda T, x: T.quantile(x.reshape(-1), T.tensor([0.2, 0.9], dtype=T.float64))
         .reshape(2, 1, 1), [distinct(3, 4)]),
]
for _method in ("lower", "higher", "midpoint", "nearest"):
    STATISTICS.append(Case(
        f"quantile_{_method}", lambda x, m=_method: ops.quantile(x, 0.3, axis=1, method=m),
        lambda T, x, m=_method: T.quantile(x, 0.3, dim=1, interpolation=m), [distinct(3, 5)]))

LINALG = [
    Case("inv", ops.inv, lambda T, x: T.linalg.inv(x), [well_conditioned(2, 3, 3)]),
    Case("det", ops.det, lambda T, x: T.linalg.det(x), [well_conditioned(2, 3, 3)]),
    Case("det_negative", ops.det, lambda T, x: T.linalg.det(x),
         [fixed([[1.0, 2.0], [3.0, 1.5]])]),
    Case("slogdet", lambda x: ops.slogdet(x)[1], lambda T, x: T.linalg.slogdet(x)[1],
         [fixed([[[1.0, 2.0], [3.0, 1.5]], [[2.0, 0.3], [0.1, 1.0]]])]),
    Case("logdet", ops.logdet, lambda T, x: T.logdet(x), [well_conditioned(2, 3, 3)]),
    Case("solve_matrix", ops.solve, lambda T, a, b: T.linalg.solve(a, b),
         [well_conditioned(2, 3, 3), normal(2, 3, 2)]),
    Case("solve_vector", ops.solve, lambda T, a, b: T.linalg.solve(a, b),
         [well_conditioned(2, 3, 3), normal(2, 3)]),
    Case("svd_values", lambda x: ops.svd(x, compute_uv=False),
         lambda T, x: T.linalg.svdvals(x), [normal(2, 4, 3)]),
]

ACTIVATIONS = [
    Case("relu6", ops.relu6, lambda T, x: T.nn.functional.relu6(x),
         [avoiding([0.0, 6.0], -3.0, 8.0, 3, 4)]),
    # torch's hardsigmoid backward rounds 1/6 to float32: relu6(x + 3) / 6 is exact
    Case("hard_sigmoid", ops.hard_sigmoid, lambda T, x: T.nn.functional.relu6(x + 3) / 6,
         [avoiding([-3.0, 3.0], -5.0, 5.0, 3, 4)]),
    Case("hard_silu", ops.hard_silu, lambda T, x: T.nn.functional.hardswish(x),
         [avoiding([-3.0, 3.0], -5.0, 5.0, 3, 4)]),
    Case("hard_swish", ops.hard_swish, lambda T, x: T.nn.functional.hardswish(x),
         [avoiding([-3.0, 3.0], -5.0, 5.0, 3, 4)]),
    Case("softsign", ops.softsign, lambda T, x: T.nn.functional.softsign(x), [normal(3, 4)]),
    Case("swish", ops.swish, lambda T, x: T.nn.functional.silu(x), [normal(3, 4)]),
    Case("celu", ops.celu, lambda T, x: T.nn.functional.celu(x), [away_from_zero(3, 4)]),
    Case("celu_alpha", lambda x: ops.celu(x, alpha=0.5),
         lambda T, x: T.nn.functional.celu(x, alpha=0.5), [away_from_zero(3, 4)]),
    Case("glu", ops.glu, lambda T, x: T.nn.functional.glu(x, -1), [normal(3, 4)]),
    Case("glu_axis", lambda x: ops.glu(x, axis=0), lambda T, x: T.nn.functional.glu(x, 0),
         [normal(4, 3)]),
    Case("log_sigmoid", ops.log_sigmoid, lambda T, x: T.nn.functional.logsigmoid(x),
         [normal(3, 4)]),
    Case("log_sigmoid_large", ops.log_sigmoid, lambda T, x: T.nn.functional.logsigmoid(x),
         [fixed([-800.0, -30.0, 0.0, 30.0, 800.0])]),
    Case("sparse_plus", ops.sparse_plus, _sparse_plus, [avoiding([-1.0, 1.0], -3.0, 3.0, 3, 4)]),
    Case("sparse_sigmoid", ops.sparse_sigmoid, lambda T, x: T.clamp((x + 1) / 2, 0, 1),
         [avoiding([-1.0, 1.0], -3.0, 3.0, 3, 4)]),
    Case("squareplus", ops.squareplus, lambda T, x: (x + T.sqrt(x * x + 4)) / 2,
         [normal(3, 4)]),
    Case("squareplus_b", lambda x: ops.squareplus(x, b=0.5),
         lambda T, x: (x + T.sqrt(x * x + 0.5)) / 2, [normal(3, 4)]),
    Case("tanh_shrink", ops.tanh_shrink, lambda T, x: T.nn.functional.tanhshrink(x),
         [normal(3, 4)]),
    Case("soft_shrink", ops.soft_shrink, lambda T, x: T.nn.functional.softshrink(x, 0.5),
         [avoiding([-0.5, 0.5], -2.0, 2.0, 3, 4)]),
    Case("hard_shrink", lambda x: ops.hard_shrink(x, threshold=1.0),
         lambda T, x: T.nn.functional.hardshrink(x, 1.0),
         [avoiding([-1.0, 1.0], -3.0, 3.0, 3, 4)]),
    Case("hard_tanh", ops.hard_tanh, lambda T, x: T.nn.functional.hardtanh(x),
         [avoiding([-1.0, 1.0], -3.0, 3.0, 3, 4)]),
    Case("threshold", lambda x: ops.threshold(x, 0.3, -2.0),
         lambda T, x: T.nn.functional.threshold(x, 0.3, -2.0),
         [avoiding([0.3], -2.0, 2.0, 3, 4)]),
]


def _with_zero(*shape):
    def make(rng):
        x = rng.normal(size=shape)
        x.flat[1] = 0.0
        return x

    return make


REDUCTIONS = [
    Case("cumprod_flat", ops.cumprod, lambda T, x: T.cumprod(x.reshape(-1), 0), [normal(3, 4)]),
    Case("cumprod_axis", lambda x: ops.cumprod(x, axis=-2), lambda T, x: T.cumprod(x, -2),
         [normal(2, 3, 4)]),
    Case("cumprod_with_a_zero", lambda x: ops.cumprod(x, axis=1), lambda T, x: T.cumprod(x, 1),
         [_with_zero(3, 4)]),
    Case("diff", ops.diff, lambda T, x: T.diff(x), [normal(3, 4)]),
    Case("diff_n_axis", lambda x: ops.diff(x, n=2, axis=0), lambda T, x: T.diff(x, 2, 0),
         [normal(4, 3)]),
]

CASES = (TRIGONOMETRY + EXPONENTS + DIVISION + PRODUCTS + MATRICES + JOINING + STATISTICS
         + LINALG + ACTIVATIONS + REDUCTIONS)


(test_forward_matches_torch, test_gradient_matches_torch,
 test_backward_matches_finite_differences) = table_tests(CASES)


# divide_no_nan at b = 0 (finite differences would divide by the step: torch only)
NO_NAN = Case("divide_no_nan_zero", ops.divide_no_nan,
              lambda T, a, b: T.where(b == 0, T.zeros_like(a), a / T.where(b == 0, 1.0, b)),
              [normal(2, 3), fixed([[0.0, 2.0, -0.5], [1.5, 0.0, 4.0]])])


def test_divide_no_nan_is_zero_with_zero_gradients_where_the_divisor_is_zero():
    check_forward(NO_NAN)
    check_torch_gradient(NO_NAN)
    out = ops.divide_no_nan(np.array([1.0, -2.0]), np.array([0.0, 0.0]))
    np.testing.assert_array_equal(out.data, [0.0, 0.0])


def test_float32_stays_float32_and_integers_become_floats():
    x32 = Tensor(np.array([0.3, 0.6], np.float32), requires_grad=True)
    for op in (ops.tan, ops.arcsin, ops.cbrt, ops.log2, ops.erfinv, ops.celu, ops.sparse_plus):
        y = op(x32)
        assert y.data.dtype == np.float32, op.__name__
        y.sum().backward()
        assert x32.grad.dtype == np.float32, op.__name__
        x32.grad = None
    np.testing.assert_allclose(ops.erfinv(x32).data, [0.27246271, 0.59511608], rtol=1e-6)
    import torch

    tails = np.array([-1.0, -0.9999999, 0.99999, 1 - 1e-12, 1.0, 1.5])
    np.testing.assert_allclose(ops.erfinv(tails).data, torch.erfinv(torch.tensor(tails)).numpy(),
                               rtol=1e-9)
    assert ops.tan(np.array([1, 2])).data.dtype.kind == "f"
    assert ops.hypot(3, 4).data.dtype.kind == "f"


# ---- without a gradient: against NumPy ----------------------------------------------------

SPECIAL = np.array([-np.inf, -2.5, -0.0, 0.0, 0.5, 1.5, np.inf, np.nan])


@pytest.mark.parametrize("name", ["isfinite", "isinf", "isnan", "isposinf", "isneginf",
                                  "signbit", "ceil", "trunc"])
def test_predicates_and_rounding_match_numpy(name):
    out = getattr(ops, name)(SPECIAL)
    np.testing.assert_array_equal(out.data, getattr(np, name)(SPECIAL))
    assert not out.requires_grad


def test_binary_predicates_match_numpy():
    a = np.array([1.0, 1.0 + 1e-6, np.nan, -2.0, 0.0])
    b = np.array([1.0, 1.0, np.nan, -2.1, 0.0])
    np.testing.assert_array_equal(ops.isclose(a, b).data, np.isclose(a, b))
    np.testing.assert_array_equal(ops.isclose(a, b, atol=0.2, equal_nan=True).data,
                                  np.isclose(a, b, atol=0.2, equal_nan=True))
    assert bool(ops.allclose(a, b, atol=0.2, equal_nan=True).data)
    assert not bool(ops.allclose(a, b).data)
    np.testing.assert_array_equal(ops.logical_xor(a > 0, b > 0).data,
                                  np.logical_xor(a > 0, b > 0))
    np.testing.assert_array_equal(ops.heaviside(a, 0.5).data, np.heaviside(a, 0.5))
    assert ops.ceil(np.array([1, 2])).data.dtype.kind == "f"  # Keras: floats


def test_floor_divide_and_integer_mod_match_numpy():
    a, b = np.array([-7, 7, 5, -3]), np.array([2, -2, 3, 3])
    for op in ("floor_divide", "mod"):
        out = getattr(ops, op)(a, b)
        np.testing.assert_array_equal(out.data, getattr(np, op)(a, b))
        assert out.data.dtype.kind == "i"
    af = np.array([-7.5, 7.25, 5.0])
    np.testing.assert_array_equal(ops.floor_divide(af, 2.0).data, np.floor_divide(af, 2.0))


def test_nan_to_num_replaces_and_passes_the_gradient_where_finite():
    x = Tensor(np.array([np.nan, -np.inf, 2.0, np.inf, -1.0]), requires_grad=True)
    y = ops.nan_to_num(x, nan=1.0, posinf=9.0, neginf=-9.0)
    np.testing.assert_array_equal(y.data, [1.0, -9.0, 2.0, 9.0, -1.0])
    (y * Tensor(np.arange(1.0, 6.0))).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 3.0, 0.0, 5.0])
    np.testing.assert_array_equal(ops.nan_to_num(SPECIAL).data, np.nan_to_num(SPECIAL))


def test_search_ops_match_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6))
    np.testing.assert_array_equal([t.data for t in ops.nonzero(x > 0)], np.nonzero(x > 0))
    part = ops.argpartition(x, 2, axis=1).data
    assert part.dtype == np.int32
    vals = np.take_along_axis(x, part, axis=1)
    np.testing.assert_array_equal(vals[:, 2], np.sort(x, axis=1)[:, 2])
    assert (vals[:, :2] <= vals[:, 2:3]).all() and (vals[:, 3:] >= vals[:, 2:3]).all()
    seq, v = np.array([1.0, 2.0, 2.0, 5.0]), np.array([[0.0, 2.0], [3.0, 9.0]])
    for side in ("left", "right"):
        out = ops.searchsorted(seq, v, side=side).data
        np.testing.assert_array_equal(out, np.searchsorted(seq, v, side=side))
        assert out.dtype == np.int32
    np.testing.assert_array_equal(ops.digitize(v, seq).data, np.digitize(v, seq))
    ids_ = np.array([0, 3, 3, 1])
    np.testing.assert_array_equal(ops.bincount(ids_).data, np.bincount(ids_))
    np.testing.assert_allclose(ops.bincount(ids_, weights=np.arange(4.0), minlength=6).data,
                               np.bincount(ids_, weights=np.arange(4.0), minlength=6))
    np.testing.assert_array_equal(ops.bincount(np.array([[0, 1, 1], [2, 2, 2]])).data,
                                  [[1, 2, 0], [0, 0, 3]])
    np.testing.assert_array_equal(ops.count_nonzero(np.array([[0, 1, 2], [0, 0, 3]]),
                                                    axis=1).data, [2, 1])


def test_unique_matches_numpy():
    x = np.array([3, 1, 3, 2, 1, 3])
    values, index, inverse, counts = ops.unique(x, return_index=True, return_inverse=True,
                                                return_counts=True)
    ref = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for ours, theirs in zip((values, index, inverse, counts), ref):
        np.testing.assert_array_equal(ours.data, np.asarray(theirs).reshape(ours.shape))
    np.testing.assert_array_equal(values.data[inverse.data], x)
    unsorted, inv = ops.unique(x, sorted=False, return_inverse=True)
    np.testing.assert_array_equal(unsorted.data, [3, 1, 2])
    np.testing.assert_array_equal(unsorted.data[inv.data], x)
    np.testing.assert_array_equal(ops.unique(x, size=5, fill_value=-1).data, [1, 2, 3, -1, -1])
    np.testing.assert_array_equal(ops.unique(x, size=2).data, [1, 2])
    rows = np.array([[1, 2], [0, 5], [1, 2]])
    np.testing.assert_array_equal(ops.unique(rows, axis=0).data, np.unique(rows, axis=0))


def test_decompositions_match_numpy():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 4, 3))
    spd = a.swapaxes(-1, -2) @ a + np.eye(3)
    low = ops.cholesky(spd).data
    np.testing.assert_allclose(low, np.linalg.cholesky(spd))
    np.testing.assert_allclose(ops.cholesky(spd, upper=True).data, low.swapaxes(-1, -2))
    for mode in ("reduced", "complete"):
        q, r = ops.qr(a, mode=mode)
        for ours, theirs in zip((q, r), np.linalg.qr(a, mode=mode)):
            np.testing.assert_allclose(ours.data, theirs)
    w, v = ops.eigh(spd)
    np.testing.assert_allclose(w.data, np.linalg.eigh(spd)[0])
    np.testing.assert_allclose(spd @ v.data, v.data * w.data[..., None, :], atol=1e-10)
    w, v = ops.eig(spd[0])
    np.testing.assert_allclose(spd[0] @ v.data, v.data * w.data[None, :], atol=1e-10)
    b = rng.normal(size=(4, 2))
    np.testing.assert_allclose(ops.lstsq(a[0], b).data, np.linalg.lstsq(a[0], b, rcond=None)[0])
    u, s, vh = ops.svd(a)
    assert u.shape == (2, 4, 4) and s.shape == (2, 3) and vh.shape == (2, 3, 3)
    np.testing.assert_allclose((u.data[..., :3] * s.data[..., None, :]) @ vh.data, a,
                               atol=1e-12)
    assert ops.svd(a, full_matrices=False)[0].shape == (2, 4, 3)
    sign, logabs = ops.slogdet(np.array([[1.0, 2.0], [3.0, 1.5]]))
    assert float(sign.data) == -1.0
    np.testing.assert_allclose(float(logabs.data), np.log(4.5))


def test_creation_ops_match_numpy():
    np.testing.assert_array_equal(ops.tri(3, 4, k=1).data, np.tri(3, 4, 1))
    assert ops.tri(2).data.dtype == np.float32
    assert ops.tri(2, dtype="int32").data.dtype == np.int32
    e = ops.empty((2, 3))
    assert e.shape == (2, 3) and e.data.dtype == np.float32
    like = ops.empty_like(np.ones((2, 2), np.int64))
    assert like.shape == (2, 2) and like.data.dtype == np.int64
    assert ops.empty_like(np.ones(2), dtype="float32").data.dtype == np.float32
    src = np.array([1.0, 2.0])
    arr = ops.array(src, dtype="float32")
    assert arr.data.dtype == np.float32 and not arr.requires_grad
    np.testing.assert_array_equal(arr.data, src)
    copied = ops.array(src)
    src[0] = 5.0
    assert copied.data[0] == 1.0


# ---- bad input ------------------------------------------------------------------------------

X = np.arange(6.0).reshape(2, 3)

ERRORS = [
    ("quantile_method", lambda: ops.quantile(X, 0.5, method="mean"), ArgumentError,
     r"quantile: method must be one of \['linear', .*got 'mean'"),
    ("quantile_q", lambda: ops.quantile(X, 1.5), ArgumentError,
     r"quantile: q must be a number or a 1-D sequence in \[0, 1\]"),
    ("percentile_q", lambda: ops.percentile(X, 150), ArgumentError,
     r"percentile: q must be a number or a 1-D sequence in \[0, 100\]"),
    ("median_axis", lambda: ops.median(X, axis=2), ArgumentError, r"median: axis .*got 2"),
    ("average_weights", lambda: ops.average(X, axis=1, weights=np.ones(2)), ShapeError,
     r"average: weights must have x's shape \(2, 3\)"),
    ("searchsorted_side", lambda: ops.searchsorted(np.arange(3.0), 1.0, side="middle"),
     ArgumentError, r"searchsorted: side must be 'left' or 'right', got 'middle'"),
    ("bincount_negative", lambda: ops.bincount(np.array([1, -1])), ArgumentError,
     r"bincount: x must hold integers >= 0, got -1"),
    ("bincount_float", lambda: ops.bincount(np.array([0.5])), ArgumentError,
     r"bincount: x must be integers, got dtype float64"),
    ("argpartition_kth", lambda: ops.argpartition(X, 3), ArgumentError,
     r"argpartition: kth must be an int in \[-3, 2\].*got 3"),
    ("qr_mode", lambda: ops.qr(X, mode="r"), ArgumentError,
     r"qr: mode must be 'reduced' or 'complete', got 'r'"),
    ("inv_square", lambda: ops.inv(X), ShapeError,
     r"inv: x must hold square matrices on its last two axes, got shape \(2, 3\)"),
    ("solve_shape", lambda: ops.solve(np.eye(2), np.ones(3)), ShapeError,
     r"solve: b must have a's rows \(2\)"),
    ("meshgrid_indexing", lambda: ops.meshgrid(np.ones(2), indexing="yx"), ArgumentError,
     r"meshgrid: indexing must be 'xy' or 'ij', got 'yx'"),
    ("hstack_tensor", lambda: ops.hstack(X), ArgumentError,
     r"hstack: xs must be a non-empty list or tuple of tensors, got ndarray"),
    ("vsplit_rank", lambda: ops.vsplit(np.ones(4), 2), ShapeError,
     r"vsplit: x needs at least 2 axes, got shape \(4,\)"),
    ("array_split_sections", lambda: ops.array_split(X, 0), ArgumentError,
     r"array_split: indices_or_sections must be an int >= 1, got 0"),
    ("roll_shift", lambda: ops.roll(X, 1.5), ArgumentError,
     r"roll: shift must be an int or a tuple of ints, got 1.5"),
    ("roll_counts", lambda: ops.roll(X, (1, 2, 3), axis=(0, 1)), ArgumentError,
     r"roll: shift must be one int or one per axis \(2\)"),
    ("rot90_axes", lambda: ops.rot90(X, axes=(0, 0)), ArgumentError, r"rot90: axes .*got \(0, 0\)"),
    ("diagonal_axes", lambda: ops.diagonal(X, axis1=1, axis2=-1), ArgumentError,
     r"diagonal: axis1 and axis2 must differ"),
    ("diag_rank", lambda: ops.diag(np.ones((2, 2, 2))), ShapeError,
     r"diag: x must be 1-D or 2-D, got shape \(2, 2, 2\)"),
    ("trace_offset", lambda: ops.trace(X, offset=0.5), ArgumentError,
     r"trace: offset must be an int, got 0.5|diagonal: offset must be an int, got 0.5"),
    ("tensordot_axes", lambda: ops.tensordot(X, X, axes=3), ArgumentError,
     r"tensordot: axes must be an int in \[0, 2\]"),
    ("tensordot_lengths", lambda: ops.tensordot(X, X, axes=([1], [0])), ShapeError,
     r"tensordot: paired axes must have equal lengths"),
    ("inner_shape", lambda: ops.inner(X, np.ones(2)), ShapeError,
     r"inner: the last axes must match, got shapes \(2, 3\) and \(2,\)"),
    ("vdot_size", lambda: ops.vdot(X, np.ones(5)), ShapeError,
     r"vdot: the inputs must hold as many values"),
    ("glu_odd", lambda: ops.glu(X), ShapeError, r"glu: axis 1 must have an even length"),
    ("celu_alpha", lambda: ops.celu(X, alpha=0), ArgumentError,
     r"celu: alpha must be a number > 0, got 0"),
    ("squareplus_b", lambda: ops.squareplus(X, b="4"), ArgumentError,
     r"squareplus: b must be a number >= 0, got '4'"),
    ("threshold_value", lambda: ops.threshold(X, 0.0, None), ArgumentError,
     r"threshold: default_value must be a number, got None"),
    ("isclose_rtol", lambda: ops.isclose(X, X, rtol=-1.0), ArgumentError,
     r"isclose: rtol must be a number >= 0, got -1.0"),
    ("nan_to_num_nan", lambda: ops.nan_to_num(X, nan="zero"), ArgumentError,
     r"nan_to_num: nan must be a number or None, got 'zero'"),
    ("cumprod_axis", lambda: ops.cumprod(X, axis=(0, 1)), ArgumentError,
     r"cumprod: axis must be an int in \[-2, 1\].*got \(0, 1\)"),
    ("diff_n", lambda: ops.diff(X, n=-1), ArgumentError, r"diff: n must be an int >= 0, got -1"),
    ("diff_scalar", lambda: ops.diff(np.float64(1.0)), ArgumentError,
     r"diff: a needs at least one axis, got a 0-D tensor"),
    ("tri_k", lambda: ops.tri(3, k=0.5), ArgumentError, r"tri: k must be an int, got 0.5"),
    ("tri_n", lambda: ops.tri(-1), ArgumentError, r"tri: N must be an int >= 0, got -1"),
    ("empty_shape", lambda: ops.empty((2, -1)), ArgumentError, r"empty: shape .*got \(2, -1\)"),
]


@pytest.mark.parametrize("name, call, error, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_input_names_the_op_and_argument_with_a_hint(name, call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert isinstance(info.value, ShenduError)
    assert "Hint:" in str(info.value)
