"""keras.ops that arrange, sort, gather and scatter values: each differentiable op forward and
gradient against PyTorch and backward against finite differences, from one table; creation
ops, indices, one_hot, stop_gradient and cond against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from op_table import (
    Case,
    check_finite_differences,
    check_forward,
    check_torch_gradient,
    distinct,
    fixed,
    ids,
    normal,
)
from shendu import backend, ops
from shendu.autograd import Tensor


def _weighted(parts):
    """Pieces scaled 1, 2, 3...: each piece's gradient differs, so a mix-up shows."""
    return [p * float(i + 1) for i, p in enumerate(parts)]


def _torch_symmetric_pad_last(T, x, before, after):
    """numpy's 'symmetric' pad of the last axis (the edge repeated, then mirrored)."""
    return T.cat([T.flip(x[..., :before], [-1]), x, T.flip(x[..., x.shape[-1] - after:], [-1])],
                 dim=-1)


def _torch_segment_sum(T, x, ids, n):
    keep = ids >= 0
    return T.zeros((n,) + tuple(x.shape[1:]), dtype=x.dtype).index_add(0, ids[keep], x[keep])


def _torch_scatter(T, idx, values, shape):
    cols = tuple(idx[..., k] for k in range(idx.shape[-1]))
    return T.zeros(shape, dtype=values.dtype).index_put(cols, values, accumulate=True)


def ints(values):
    return fixed(np.asarray(values, dtype=np.int64))


ARRANGEMENT = [
    Case("flip_all", ops.flip, lambda T, x: T.flip(x, [0, 1, 2]), [normal(2, 3, 4)]),
    Case("flip_axis", lambda x: ops.flip(x, axis=-1), lambda T, x: T.flip(x, [-1]),
         [normal(2, 3, 4)]),
    Case("flip_axes", lambda x: ops.flip(x, axis=(0, 2)), lambda T, x: T.flip(x, [0, 2]),
         [normal(2, 3, 4)]),
    Case("moveaxis", lambda x: ops.moveaxis(x, 0, -1), lambda T, x: T.movedim(x, 0, -1),
         [normal(2, 3, 4)]),
    Case("moveaxis_several", lambda x: ops.moveaxis(x, [0, 1], [-1, -2]),
         lambda T, x: T.movedim(x, (0, 1), (-1, -2)), [normal(2, 3, 4)]),
    Case("swapaxes", lambda x: ops.swapaxes(x, 0, -1), lambda T, x: T.swapaxes(x, 0, -1),
         [normal(2, 3, 4)]),
    Case("tile", lambda x: ops.tile(x, (2, 3)), lambda T, x: T.tile(x, (2, 3)), [normal(2, 3)]),
    Case("tile_int", lambda x: ops.tile(x, 2), lambda T, x: T.tile(x, (2,)), [normal(2, 3)]),
    Case("tile_more_reps", lambda x: ops.tile(x, (2, 1, 2)), lambda T, x: T.tile(x, (2, 1, 2)),
         [normal(2, 3)]),
    Case("repeat_flat", lambda x: ops.repeat(x, 2), lambda T, x: T.repeat_interleave(x, 2),
         [normal(2, 3)]),
    Case("repeat_axis", lambda x: ops.repeat(x, 3, axis=-1),
         lambda T, x: T.repeat_interleave(x, 3, dim=-1), [normal(2, 3)]),
    Case("repeat_counts", lambda x: ops.repeat(x, [2, 0, 3], axis=1),
         lambda T, x: T.repeat_interleave(x, T.tensor([2, 0, 3]), dim=1), [normal(2, 3)]),
    Case("pad_constant_int", lambda x: ops.pad(x, 1), lambda T, x: T.nn.functional.pad(
        x, (1, 1, 1, 1)), [normal(2, 3)]),
    Case("pad_constant_pairs", lambda x: ops.pad(x, ((0, 1), (2, 0)), constant_values=3.0),
         lambda T, x: T.nn.functional.pad(x, (2, 0, 0, 1), value=3.0), [normal(2, 3)]),
    Case("pad_reflect", lambda x: ops.pad(x, ((0, 0), (0, 0), (2, 1)), mode="reflect"),
         lambda T, x: T.nn.functional.pad(x, (2, 1), mode="reflect"), [normal(2, 3, 4)]),
    Case("pad_edge", lambda x: ops.pad(x, ((0, 0), (0, 0), (1, 3)), mode="edge"),
         lambda T, x: T.nn.functional.pad(x, (1, 3), mode="replicate"), [normal(2, 3, 4)]),
    Case("pad_wrap_2d", lambda x: ops.pad(x, ((0, 0), (0, 0), (1, 2), (2, 1)), mode="wrap"),
         lambda T, x: T.nn.functional.pad(x, (2, 1, 1, 2), mode="circular"),
         [normal(1, 2, 3, 4)]),
    Case("pad_symmetric", lambda x: ops.pad(x, ((0, 0), (2, 1)), mode="symmetric"),
         lambda T, x: _torch_symmetric_pad_last(T, x, 2, 1), [normal(2, 4)]),
    Case("split_sections", lambda x: ops.concatenate(_weighted(ops.split(x, 3, axis=1)), 1),
         lambda T, x: T.cat(_weighted(T.tensor_split(x, 3, dim=1)), 1), [normal(2, 6)]),
    Case("split_indices", lambda x: ops.concatenate(_weighted(ops.split(x, [1, 3])), 0),
         lambda T, x: T.cat(_weighted(T.tensor_split(x, [1, 3])), 0), [normal(5, 2)]),
    Case("unstack", lambda x: ops.stack(_weighted(ops.unstack(x))),
         lambda T, x: T.stack(_weighted(T.unbind(x))), [normal(3, 2)]),
    Case("unstack_axis", lambda x: ops.stack(_weighted(ops.unstack(x, axis=-1)), axis=-1),
         lambda T, x: T.stack(_weighted(T.unbind(x, dim=-1)), dim=-1), [normal(2, 3, 4)]),
    Case("tril", ops.tril, lambda T, x: T.tril(x), [normal(4, 4)]),
    Case("tril_k", lambda x: ops.tril(x, -1), lambda T, x: T.tril(x, -1), [normal(2, 3, 4)]),
    Case("triu", ops.triu, lambda T, x: T.triu(x), [normal(3, 4)]),
    Case("triu_k", lambda x: ops.triu(x, k=1), lambda T, x: T.triu(x, 1), [normal(2, 4, 3)]),
]

ORDERING = [
    Case("sort", ops.sort, lambda T, x: T.sort(x, dim=-1).values, [distinct(3, 4)]),
    Case("sort_axis0", lambda x: ops.sort(x, axis=0), lambda T, x: T.sort(x, dim=0).values,
         [distinct(3, 4)]),
    Case("sort_flat", lambda x: ops.sort(x, axis=None),
         lambda T, x: T.sort(x.reshape(-1)).values, [distinct(3, 4)]),
    Case("top_k_values", lambda x: ops.top_k(x, 2)[0], lambda T, x: T.topk(x, 2).values,
         [distinct(3, 5)]),
    Case("top_k_values_unsorted_flag", lambda x: ops.top_k(x, 3, sorted=False)[0],
         lambda T, x: T.topk(x, 3).values, [distinct(2, 2, 4)]),
]

INDEXING = [
    Case("take_flat", lambda x: ops.take(x, np.array([[5, 0], [0, -1]])),
         lambda T, x: x.reshape(-1)[T.tensor([[5, 0], [0, -1]])], [normal(2, 3)]),
    Case("take_axis", lambda x: ops.take(x, np.array([2, 0, 2]), axis=1),
         lambda T, x: T.index_select(x, 1, T.tensor([2, 0, 2])), [normal(2, 3)]),
    Case("take_negative_axis_and_index", lambda x: ops.take(x, np.array([-1, 1]), axis=-3),
         lambda T, x: T.index_select(x, 0, T.tensor([2, 1])), [normal(3, 2, 2)]),
    Case("take_along_axis", lambda x, i: ops.take_along_axis(x, i, axis=1),
         lambda T, x, i: T.take_along_dim(x, i, dim=1), [normal(2, 3), ints([[2, 2], [0, 1]])]),
    Case("take_along_axis_negative", lambda x, i: ops.take_along_axis(x, i, axis=-1),
         lambda T, x, i: T.take_along_dim(x, i % 3, dim=-1), [normal(2, 3), ints([[-1], [0]])]),
    Case("take_along_axis_broadcast", lambda x, i: ops.take_along_axis(x, i, axis=0),
         lambda T, x, i: T.take_along_dim(x, i, dim=0), [normal(3, 1, 4), ints([[[0], [2]]])]),
    Case("take_along_axis_flat", lambda x, i: ops.take_along_axis(x, i),
         lambda T, x, i: T.take_along_dim(x, i), [normal(2, 3), ints([5, 0, 0])]),
    Case("slice", lambda x: ops.slice(x, (1, 0, 2), (2, 3, 1)),
         lambda T, x: x[1:3, 0:3, 2:3], [normal(3, 3, 4)]),
    Case("segment_sum", lambda x, s: ops.segment_sum(x, s),
         lambda T, x, s: _torch_segment_sum(T, x, s, 4), [normal(5, 2), ints([0, 3, 0, 1, 3])]),
    Case("segment_sum_dropped_and_num", lambda x, s: ops.segment_sum(x, s, num_segments=5),
         lambda T, x, s: _torch_segment_sum(T, x, s, 5), [normal(4), ints([2, -1, 2, 0])]),
    Case("scatter_points", lambda i, v: ops.scatter(i, v, (2, 3)),
         lambda T, i, v: _torch_scatter(T, i, v, (2, 3)),
         [ints([[0, 1], [1, 2], [0, 1]]), normal(3)]),
    Case("scatter_rows", lambda i, v: ops.scatter(i, v, (4, 2)),
         lambda T, i, v: _torch_scatter(T, i, v, (4, 2)), [ints([[3], [0], [3]]), normal(3, 2)]),
]

CASES = ARRANGEMENT + ORDERING + INDEXING


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_forward_matches_torch(case):
    check_forward(case)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_gradient_matches_torch(case):
    check_torch_gradient(case)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_backward_matches_finite_differences(case):
    check_finite_differences(case)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
def test_pad_matches_numpy_in_every_mode(mode):
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(ops.pad(x, ((1, 2), (3, 1)), mode=mode).data,
                                  np.pad(x, ((1, 2), (3, 1)), mode=mode))
    np.testing.assert_array_equal(ops.pad(x, 2, mode="circular" if mode == "wrap" else mode).data,
                                  np.pad(x, 2, mode=mode))


def test_split_and_unstack_give_lists_like_numpy():
    x = np.arange(12.0).reshape(4, 3)
    for ours, ref in zip(ops.split(x, [1, 3], axis=0), np.split(x, [1, 3], axis=0)):
        np.testing.assert_array_equal(ours.data, ref)
    assert len(ops.split(x, [5], axis=0)) == 2  # a cut past the end leaves an empty piece
    parts = ops.unstack(x, axis=1)
    assert len(parts) == 3 and parts[0].shape == (4,)


def test_argsort_and_top_k_indices_match_numpy_and_torch():
    import torch

    x = np.random.default_rng(0).permutation(12).reshape(3, 4).astype(float)
    out = ops.argsort(Tensor(x, requires_grad=True))
    assert out.dtype == np.int32 and not out.requires_grad
    np.testing.assert_array_equal(out.data, np.argsort(x, axis=-1))
    np.testing.assert_array_equal(ops.argsort(x, axis=0).data, np.argsort(x, axis=0))
    np.testing.assert_array_equal(ops.argsort(x, axis=None).data, np.argsort(x, axis=None))
    values, indices = ops.top_k(x, 2)
    assert indices.dtype == np.int32 and not indices.requires_grad
    np.testing.assert_array_equal(indices.data, torch.topk(torch.tensor(x), 2).indices.numpy())
    np.testing.assert_array_equal(values.data, np.take_along_axis(x, indices.data, -1))


def test_top_k_puts_the_lower_index_first_among_ties():
    x = np.array([[2.0, 1.0, 2.0, 1.0], [5.0, 5.0, 5.0, 0.0]])
    np.testing.assert_array_equal(ops.top_k(x, 3)[1].data, [[0, 2, 1], [0, 1, 2]])
    np.testing.assert_array_equal(ops.sort(x).data, np.sort(x))  # ties: any order, same values


def test_sort_and_top_k_gradients_go_back_to_their_source():
    x = Tensor(np.array([[3.0, 1.0, 2.0]]), requires_grad=True)
    (ops.sort(x) * np.array([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[100.0, 1.0, 10.0]])
    x = Tensor(np.array([[3.0, 1.0, 2.0]]), requires_grad=True)
    (ops.top_k(x, 2)[0] * np.array([1.0, 10.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0, 10.0]])


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot_matches_numpy(axis):
    labels = np.array([[0, 2], [1, 3]])
    out = ops.one_hot(labels, 4, axis=axis)
    assert out.dtype == np.dtype(backend.floatx()) and not out.requires_grad
    np.testing.assert_array_equal(out.data, np.moveaxis(np.eye(4)[labels], -1, axis))


def test_one_hot_out_of_range_labels_give_zero_rows_and_dtype_is_kept():
    out = ops.one_hot(np.array([-1, 1, 5]), 3, dtype="int32")
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.data, [[0, 0, 0], [0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(ops.one_hot(np.array([2.0]), 3).data, [[0, 0, 1]])


@pytest.mark.parametrize("make, reference, dtype", [
    (lambda: ops.zeros((2, 3)), np.zeros((2, 3)), "float32"),
    (lambda: ops.ones(3, dtype="int32"), np.ones(3), "int32"),
    (lambda: ops.full((2, 2), 7), np.full((2, 2), 7.0), "float32"),
    (lambda: ops.full((2, 3), [1, 2, 3], dtype="float64"), np.tile([1.0, 2, 3], (2, 1)),
     "float64"),
    (lambda: ops.eye(3), np.eye(3), "float32"),
    (lambda: ops.eye(2, 4, k=1), np.eye(2, 4, 1), "float32"),
    (lambda: ops.identity(3, dtype="float64"), np.identity(3), "float64"),
    (lambda: ops.arange(5), np.arange(5), "int32"),
    (lambda: ops.arange(1, 7, 2), np.arange(1, 7, 2), "int32"),
    (lambda: ops.arange(0, 1, 0.25), np.arange(0, 1, 0.25), "float32"),
    (lambda: ops.arange(5, 0, -2, dtype="float64"), np.arange(5.0, 0, -2), "float64"),
    (lambda: ops.linspace(0, 1, 5), np.linspace(0, 1, 5), "float32"),
    (lambda: ops.linspace(2, 3, 4, endpoint=False, dtype="float64"),
     np.linspace(2, 3, 4, endpoint=False), "float64"),
    (lambda: ops.linspace(np.array([0.0, 1.0]), np.array([1.0, 3.0]), 3, axis=1),
     np.linspace([0.0, 1.0], [1.0, 3.0], 3, axis=1), "float32"),
    (lambda: ops.zeros_like(np.arange(3)), np.zeros(3), "int64"),
    (lambda: ops.ones_like(Tensor(np.zeros((2, 1)), requires_grad=True), dtype="float32"),
     np.ones((2, 1)), "float32"),
    (lambda: ops.full_like(np.zeros(2), 2.5), np.full(2, 2.5), "float64"),
])
def test_creation_ops_match_numpy(make, reference, dtype):
    out = make()
    assert isinstance(out, Tensor) and not out.requires_grad
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.data, reference, rtol=1e-7)


def test_creation_follows_floatx():
    backend.set_floatx("float64")
    assert ops.zeros(2).dtype == ops.ones(2).dtype == ops.eye(2).dtype == np.float64
    assert ops.arange(0.5, 2).dtype == ops.linspace(0, 1).dtype == np.float64


def test_linspace_retstep_returns_the_spacing():
    values, step = ops.linspace(0, 2, 5, retstep=True)
    assert float(step) == 0.5 and values.shape == (5,)


def test_stop_gradient_keeps_values_and_blocks_the_gradient():
    x = Tensor(np.array([1.0, 3.0]), requires_grad=True)
    frozen = ops.stop_gradient(x * 2)
    assert not frozen.requires_grad
    np.testing.assert_array_equal(frozen.data, [2.0, 6.0])
    (x * frozen).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 6.0])  # d(x·c)/dx = c, nothing through c


def test_cond_runs_only_the_chosen_branch():
    calls = []
    out = ops.cond(Tensor(np.array(False)), lambda: calls.append("t") or 1,
                   lambda: calls.append("f") or 2)
    assert out == 2 and calls == ["f"]
    assert ops.cond(ops.greater(np.array(3.0), 1.0), lambda: "yes", lambda: "no") == "yes"


def test_gathers_with_repeated_indices_add_their_gradients():
    x = Tensor(np.arange(4.0), requires_grad=True)
    ops.take(x, np.array([1, 1, 1, 3])).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 3.0, 0.0, 1.0])
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    ops.take_along_axis(x, np.array([[0, 0], [2, 2]]), axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 0, 0], [0, 0, 2.0]])


def test_float32_stays_float32_through_gradients():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    y = ops.sum(ops.take_along_axis(ops.pad(ops.tile(x, 2), 1, mode="reflect"),
                                    np.zeros((4, 1), dtype=int), axis=1))
    y = y + ops.sum(ops.segment_sum(x, np.array([0, 0]))) + ops.sum(ops.sort(x))
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
