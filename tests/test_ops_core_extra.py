"""Core and control-flow names of keras.ops (core_extra.py, loops.py, vectorize.py, updates.py,
custom_gradient.py): the differentiable ones forward and gradient against PyTorch and backward
against finite differences, from one table; loops checked by finite differences through every
step; the rest against NumPy; bad input against the error family; the signatures against
Keras 3.15's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shendu as keras_like
from op_table import (
    Case,
    distinct,
    fixed,
    normal,
    plain_signature,
    positive,
    table_tests,
)
from shendu import ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, DTypeError, ShapeError, ShenduError
from shendu.testing import check_gradients

KERAS_SIGNATURES = {
    "shape": "(x)",
    "ndim": "(x)",
    "size": "(x)",
    "dtype": "(x)",
    "is_tensor": "(x)",
    "get_item": "(x, key)",
    "select": "(condlist, choicelist, default=0)",
    "switch": "(index, branches, *operands)",
    "map": "(f, xs)",
    "scan": "(f, init, xs=None, length=None, reverse=False, unroll=1)",
    "associative_scan": "(f, elems, reverse=False, axis=0)",
    "fori_loop": "(lower, upper, body_fun, init_val)",
    "while_loop": "(cond, body, loop_vars, maximum_iterations=None)",
    "vectorized_map": "(function, elements)",
    "vectorize": "(pyfunc, *, excluded=None, signature=None)",
    "slice_update": "(inputs, start_indices, updates)",
    "scatter_update": "(inputs, indices, updates, reduction=None)",
    "saturate_cast": "(x, dtype)",
    "custom_gradient": "(f)",
    "segment_max": "(data, segment_ids, num_segments=None, sorted=False)",
    "segment_min": "(data, segment_ids, num_segments=None, sorted=False)",
    "segment_prod": "(data, segment_ids, num_segments=None, sorted=False)",
    "in_top_k": "(targets, predictions, k)",
    "unravel_index": "(indices, shape)",
    "multi_hot": "(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs)",
}


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_signature_and_docstring_match_keras(name):
    fn = getattr(keras_like.ops, name)
    assert name in keras_like.ops.__all__
    assert plain_signature(fn) == KERAS_SIGNATURES[name]
    assert (fn.__doc__ or "").strip()


# -- torch references ------------------------------------------------------------------------

def _torch_scatter(T, x, idx, u, reduce):
    """x with u scattered at idx (rows of leading coordinates) by torch's scatter_reduce."""
    idx = idx.numpy().reshape(-1, idx.shape[-1])
    k = idx.shape[1]
    rows = torch.as_tensor(np.ravel_multi_index(tuple(idx.T), tuple(x.shape[:k])))
    flat = x.reshape((-1,) + tuple(x.shape[k:]))
    values = u.reshape((len(rows),) + tuple(x.shape[k:]))
    if reduce is None:
        return flat.index_put((rows,), values).reshape(x.shape)
    index = rows.reshape((-1,) + (1,) * (x.dim() - k)).expand(values.shape)
    name = {"add": "sum", "mul": "prod", "max": "amax", "min": "amin"}[reduce]
    return flat.scatter_reduce(0, index, values, name, include_self=True).reshape(x.shape)


def _torch_segment(T, data, ids, num, reduce):
    ids = ids.numpy()
    keep = torch.as_tensor(ids >= 0)
    rows = torch.as_tensor(ids[ids >= 0])
    src = data[keep]
    start = {"amax": -np.inf, "amin": np.inf, "prod": 1.0}[reduce]
    out = T.full((num,) + tuple(data.shape[1:]), start, dtype=T.float64)
    index = rows.reshape((-1,) + (1,) * (data.dim() - 1)).expand(src.shape)
    return out.scatter_reduce(0, index, src, reduce, include_self=False)


def _torch_slice_update(T, x, u, starts):
    y = x.clone()
    y[tuple(slice(s, s + n) for s, n in zip(starts, u.shape))] = u
    return y


def _ties(*shape):
    """Values from a small set: many ties (for max/min gradients shared between equals)."""
    return lambda rng: rng.integers(0, 3, size=shape).astype(np.float64)


def _with_zeros(*shape):
    def make(rng):
        x = rng.uniform(0.5, 2.0, size=shape)
        x.flat[::3] = 0.0
        return x

    return make


IDX_DISTINCT = fixed([[2, 0], [0, 1], [1, 3]])
IDX_REPEATED = fixed([[0], [2], [0], [0]])

CASES = [
    Case("get_item_basic", lambda x: ops.get_item(x, (1, slice(0, 3))),
         lambda T, x: x[1, 0:3], [normal(3, 4)]),
    Case("get_item_array", lambda x: ops.get_item(x, np.array([2, 0, 2])),
         lambda T, x: x[[2, 0, 2]], [normal(3, 4)]),
    Case("select", lambda a, b: ops.select([a > 0.5, b < 0], [a, b * 2.0], 3.0),
         lambda T, a, b: T.where(a > 0.5, a, T.where(b < 0, b * 2.0, T.full_like(a, 3.0))),
         [normal(3, 4), normal(3, 4)]),
    Case("select_broadcast_default", lambda a, b, d: ops.select([a > 0, a < -0.5], [a, b], d),
         lambda T, a, b, d: T.where(a > 0, a, T.where(a < -0.5, b.expand(a.shape),
                                                      d.expand(a.shape))),
         [normal(3, 4), normal(4), normal(3, 1)]),
    Case("slice_update", lambda x, u: ops.slice_update(x, (1, 0, 2), u),
         lambda T, x, u: _torch_slice_update(T, x, u, (1, 0, 2)),
         [normal(3, 2, 5), normal(2, 2, 3)]),
    Case("scatter_update_replace", lambda x, i, u: ops.scatter_update(x, i, u),
         lambda T, x, i, u: _torch_scatter(T, x, i, u, None),
         [normal(3, 4, 2), IDX_DISTINCT, normal(3, 2)]),
    Case("scatter_update_add", lambda x, i, u: ops.scatter_update(x, i, u, "add"),
         lambda T, x, i, u: _torch_scatter(T, x, i, u, "add"),
         [normal(3, 2), IDX_REPEATED, normal(4, 2)]),
    Case("scatter_update_mul", lambda x, i, u: ops.scatter_update(x, i, u, "mul"),
         lambda T, x, i, u: _torch_scatter(T, x, i, u, "mul"),
         [positive(3, 2), IDX_REPEATED, positive(4, 2)]),
    Case("scatter_update_max", lambda x, i, u: ops.scatter_update(x, i, u, "MAX"),
         lambda T, x, i, u: _torch_scatter(T, x, i, u, "max"),
         [distinct(3, 2), IDX_REPEATED, distinct(4, 2)]),
    Case("scatter_update_min", lambda x, i, u: ops.scatter_update(x, i, u, "min"),
         lambda T, x, i, u: _torch_scatter(T, x, i, u, "min"),
         [distinct(3, 2), IDX_REPEATED, distinct(4, 2)]),
    Case("segment_max", lambda d, s: ops.segment_max(d, s, 3),
         lambda T, d, s: _torch_segment(T, d, s, 3, "amax"),
         [distinct(6, 2), fixed([2, 0, -1, 2, 1, 0])]),
    Case("segment_min", lambda d, s: ops.segment_min(d, s),
         lambda T, d, s: _torch_segment(T, d, s, 3, "amin"),
         [distinct(5, 2, 2), fixed([1, 1, 0, 2, 0])]),
    Case("segment_prod", lambda d, s: ops.segment_prod(d, s, 4),
         lambda T, d, s: _torch_segment(T, d, s, 4, "prod"),
         [normal(6, 2), fixed([2, 0, -1, 2, 0, 0])]),
    # a product is linear in each factor: finite differences hold with zeros too
    Case("segment_prod_zeros", lambda d, s: ops.segment_prod(d, s),
         lambda T, d, s: _torch_segment(T, d, s, 3, "prod"),
         [_with_zeros(7, 2), fixed([0, 1, 0, 2, 1, 0, 2])]),
]

# ties and zeros: the forward and torch's gradient (finite differences do not apply at a tie)
TIE_CASES = [
    Case("scatter_update_max_ties", lambda x, i, u: ops.scatter_update(x, i, u, "max"),
         lambda T, x, i, u: _torch_scatter(T, x, i, u, "max"),
         [_ties(3, 2), IDX_REPEATED, _ties(4, 2)]),
    Case("scatter_update_min_ties", lambda x, i, u: ops.scatter_update(x, i, u, "min"),
         lambda T, x, i, u: _torch_scatter(T, x, i, u, "min"),
         [_ties(3, 2), IDX_REPEATED, _ties(4, 2)]),
    Case("scatter_update_mul_zeros", lambda x, i, u: ops.scatter_update(x, i, u, "mul"),
         lambda T, x, i, u: _torch_scatter(T, x, i, u, "mul"),
         [_with_zeros(3, 2), IDX_REPEATED, _with_zeros(4, 2)]),
    Case("segment_max_ties", lambda d, s: ops.segment_max(d, s),
         lambda T, d, s: _torch_segment(T, d, s, 2, "amax"),
         [_ties(6, 3), fixed([0, 1, 0, 1, 0, 1])]),
]


(test_forward_matches_torch, test_gradient_matches_torch,
 test_backward_matches_finite_differences) = table_tests(CASES, torch_only=TIE_CASES)


# -- facts -----------------------------------------------------------------------------------

def test_facts_of_tensors_arrays_lists_and_symbolic_tensors():
    from shendu.layers import Input

    x = Tensor(np.zeros((8, 12), dtype="float32"))
    assert ops.shape(x) == (8, 12) and all(type(n) is int for n in ops.shape(x))
    assert (ops.ndim(x), ops.size(x), ops.dtype(x)) == (2, 96, "float32")
    assert ops.shape([[1, 2, 3]]) == (1, 3) and ops.ndim(3.0) == 0 and ops.size([1, 2]) == 2
    assert ops.dtype(np.arange(3, dtype="int16")) == "int16"
    assert ops.is_tensor(x) and ops.is_tensor(ops.ones(2)) and not ops.is_tensor(np.ones(2))
    inputs = Input(shape=(4, 3))
    assert ops.shape(inputs) == (None, 4, 3) and ops.ndim(inputs) == 3
    assert ops.dtype(inputs) == "float32" and not ops.is_tensor(inputs)
    with pytest.raises(ArgumentError, match="size: .*unknown axes"):
        ops.size(inputs)
    with pytest.raises(ArgumentError, match="dtype: x must be a tensor"):
        ops.dtype(1.0)
    with pytest.raises(ArgumentError, match="shape: x must be"):
        ops.shape(object())


def test_get_item_and_select_record_nodes_on_symbolic_tensors():
    from shendu.layers import Input
    from shendu.models import Model

    inputs = Input(shape=(3,))
    first = ops.get_item(inputs, (slice(None), slice(0, 2)))
    kept = ops.select([inputs > 0], [inputs], -1.0)
    model = Model(inputs, [first, kept])
    a, b = model.predict(np.array([[1.0, -2.0, 3.0]]), verbose=0)
    np.testing.assert_array_equal(a, [[1.0, -2.0]])
    np.testing.assert_array_equal(b, [[1.0, -1.0, 3.0]])


def test_select_matches_numpy_and_checks_its_lists():
    x = np.arange(6.0)
    out = ops.select([x < 3, x > 3], [x, x ** 2], 42.0)
    np.testing.assert_array_equal(out.data, np.select([x < 3, x > 3], [x, x ** 2], 42.0))
    with pytest.raises(ArgumentError, match="select: condlist and choicelist must be lists"):
        ops.select(x < 3, [x])
    with pytest.raises(ArgumentError, match="of one length"):
        ops.select([x < 3], [x, x])
    with pytest.raises(DTypeError, match=r"select: condlist\[0\] must be booleans"):
        ops.select([x], [x])
    with pytest.raises(ShapeError, match="select: .*do not broadcast"):
        ops.select([x < 3], [np.ones(4)])


def test_saturate_cast_clips_into_the_target_range():
    f = np.array([-1.5, 0.4, 254.6, 300.7, np.inf, -np.inf, np.nan])
    out = ops.saturate_cast(f, "uint8")
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.data, [0, 0, 254, 255, 255, 0, 0])
    np.testing.assert_array_equal(ops.saturate_cast(np.array([-1000, 5, 300]), "int8").data,
                                  [-128, 5, 127])
    big = ops.saturate_cast(np.array([1e10, -1e10], dtype="float32"), "int32").data
    assert big.dtype == np.int32 and big[0] > 2 ** 31 - 200 and big[1] == -(2 ** 31)
    np.testing.assert_array_equal(ops.saturate_cast(np.array([1e300]), "float32").data,
                                  [np.finfo(np.float32).max])
    assert ops.saturate_cast(np.array([True, False]), "int8").data.tolist() == [1, 0]
    with pytest.raises(DTypeError, match="saturate_cast: dtype must name"):
        ops.saturate_cast(f, "no-such-type")


def test_unravel_index_matches_numpy():
    flat = np.array([[0, 5], [7, 11]], dtype="int64")
    coords = ops.unravel_index(flat, (3, 4))
    for mine, ref in zip(coords, np.unravel_index(flat, (3, 4))):
        np.testing.assert_array_equal(mine.data, ref)
        assert mine.dtype == np.int64
    row, col = ops.unravel_index(5, (3, 3))
    assert (int(row), int(col)) == (1, 2) and row.dtype == np.int32
    with pytest.raises(ArgumentError, match=r"unravel_index: indices must lie in \[0, 8\]"):
        ops.unravel_index(np.array([9]), (3, 3))
    with pytest.raises(ArgumentError, match="unravel_index: shape must be"):
        ops.unravel_index(1, (3, 0))


def test_in_top_k_matches_torch_topk_and_counts_ties():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(20, 7))
    t = rng.integers(0, 7, size=20)
    for k in (1, 3, 7, 9):
        top = torch.topk(torch.tensor(p), min(k, 7), dim=-1).indices.numpy()
        expected = (top == t[:, None]).any(axis=1)
        np.testing.assert_array_equal(ops.in_top_k(t, p, k).data, expected)
    ties = np.array([[0.1, 0.6, 0.9, 0.9, 0.5], [0.1, 0.2, 0.3, 0.4, 0.5]])
    np.testing.assert_array_equal(ops.in_top_k(np.array([3, 4]), ties, 1).data, [True, True])
    np.testing.assert_array_equal(ops.in_top_k(np.array([2, 9]), ties, 5).data, [True, False])
    nan_row = np.array([[np.nan, 1.0, 2.0]])
    assert not ops.in_top_k(np.array([2]), nan_row, 3).data[0]
    assert not ops.in_top_k(np.array([0]), ties[:1], 0).data.any()
    with pytest.raises(ShapeError, match="in_top_k: predictions must be"):
        ops.in_top_k(np.array([1, 2]), ties[0], 1)
    with pytest.raises(ArgumentError, match="in_top_k: k must be an int"):
        ops.in_top_k(np.array([1, 2]), ties, -1)


def test_multi_hot_merges_one_hot_rows():
    labels = np.array([[0, 2], [1, 1], [3, 7]])
    out = ops.multi_hot(labels, num_classes=4)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [[1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(ops.multi_hot(np.array([0, 2, 2]), 4).data, [1, 0, 1, 0])
    by_axis0 = ops.multi_hot(np.array([[0, 2], [1, 1]]), 4, axis=0)
    np.testing.assert_array_equal(by_axis0.data, [[1, 0], [1, 1], [0, 1], [0, 0]])
    as_bool = ops.multi_hot(labels, num_tokens=4, dtype="bool")
    assert as_bool.dtype == np.bool_ and as_bool.data[0].tolist() == [True, False, True, False]
    assert ops.multi_hot(np.ones((2, 3, 2), int), 5).shape == (2, 2, 5)
    with pytest.raises(ArgumentError, match="multi_hot: num_classes must be given"):
        ops.multi_hot(labels)
    with pytest.raises(ArgumentError, match="multi_hot: unknown argument"):
        ops.multi_hot(labels, 4, num_class=4)
    with pytest.raises(ArgumentError, match="sparse=True is not supported"):
        ops.multi_hot(labels, 4, sparse=True)


# -- writes ----------------------------------------------------------------------------------

def test_scatter_update_replaces_with_the_last_write_and_keeps_inputs():
    x = np.zeros((3, 2))
    out = ops.scatter_update(x, [[0], [2], [0]], np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]))
    np.testing.assert_array_equal(out.data, [[3, 3], [0, 0], [2, 2]])
    assert not x.any()  # out of place
    np.testing.assert_array_equal(
        ops.scatter_update(np.ones(4), [[0], [0], [3]], np.array([2.0, 3.0, 4.0]), "mul").data,
        [6, 1, 1, 4])
    np.testing.assert_array_equal(ops.scatter_update(np.zeros((2, 2)), [1, 0], 5.0).data,
                                  [[0, 0], [5, 0]])
    # the winning write alone gets its gradient back
    u = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    ops.scatter_update(np.zeros(3), [[1], [1], [1]], u).sum().backward()
    np.testing.assert_array_equal(u.grad, [0, 0, 1])


def test_write_ops_reject_bad_input():
    x = np.zeros((3, 4))
    with pytest.raises(ArgumentError, match="scatter_update: reduction must be"):
        ops.scatter_update(x, [[0]], np.ones((1, 4)), "mean")
    with pytest.raises(ShapeError, match="scatter_update: indices of shape"):
        ops.scatter_update(x, [[0]], np.ones((1, 3)))
    with pytest.raises(ArgumentError, match=r"scatter_update: indices\[\.\.\., 1\] must lie"):
        ops.scatter_update(x, [[0, 4]], np.ones(1))
    with pytest.raises(ArgumentError, match="scatter_update: indices must be integers"):
        ops.scatter_update(x, [[0.5]], np.ones((1, 4)))
    with pytest.raises(ArgumentError, match="slice_update: on axis 1"):
        ops.slice_update(x, (0, 3), np.ones((2, 2)))
    with pytest.raises(ShapeError, match="slice_update: updates must have"):
        ops.slice_update(x, (0, 0), np.ones(2))
    with pytest.raises(ArgumentError, match="slice_update: start_indices must hold"):
        ops.slice_update(x, (0,), np.ones((1, 1)))
    with pytest.raises(ShapeError, match="segment_max: segment_ids must be 1-D"):
        ops.segment_max(x, np.array([0, 1]))
    with pytest.raises(ArgumentError, match=r"segment_min: segment_ids must be < num_segments"):
        ops.segment_min(x, np.array([0, 1, 5]), num_segments=3)


def test_segment_prod_gradient_with_zeros_is_exact():
    # hand-worked: segment 0 holds one zero (only the zero gets a gradient, the product of
    # the others), segment 1 two zeros (no gradient at all), segment 2 none
    d = Tensor(np.array([2.0, 0.0, 3.0, 0.0, 5.0, 0.0, 4.0, -0.5]), requires_grad=True)
    out = ops.segment_prod(d, np.array([0, 0, 0, 1, 1, 1, 2, 2]))
    np.testing.assert_array_equal(out.data, [0.0, 0.0, -2.0])
    out.sum().backward()
    np.testing.assert_array_equal(d.grad, [0.0, 6.0, 0.0, 0.0, 0.0, 0.0, -0.5, 4.0])


def test_segment_prod_empty_segments_integers_and_bad_input():
    # Keras 3.15.1 (TF) gives 1 for an empty segment and keeps an integer dtype
    out = ops.segment_prod(np.array([[1, 2], [3, 0], [5, 6]], dtype="int32"),
                           np.array([0, 0, 2]), 4)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.data, [[3, 0], [1, 1], [5, 6], [1, 1]])
    dropped = ops.segment_prod(np.array([1.0, 3.0, 5.0]), np.array([0, -1, 1]))
    np.testing.assert_array_equal(dropped.data, [1.0, 5.0])
    with pytest.raises(ShapeError, match="segment_prod: segment_ids must be 1-D"):
        ops.segment_prod(np.ones((3, 2)), np.array([0, 1]))
    with pytest.raises(ArgumentError, match="segment_prod: segment_ids must be < num_segments"):
        ops.segment_prod(np.ones(3), np.array([0, 1, 5]), num_segments=3)
    with pytest.raises(ArgumentError, match="segment_prod: segment_ids must be integers"):
        ops.segment_prod(np.ones(2), np.array([0.5, 1.0]))
    with pytest.raises(ArgumentError, match="segment_prod: data must be numeric"):
        ops.segment_prod(np.array(["a", "b"]), np.array([0, 1]))


def test_segment_extremes_of_empty_segments_and_integers():
    out = ops.segment_max(np.array([1.0, 2.0]), np.array([0, 2]), num_segments=4)
    np.testing.assert_array_equal(out.data, [1.0, -np.inf, 2.0, -np.inf])
    ints = ops.segment_min(np.array([[4, 1], [2, 7]], dtype="int32"), np.array([1, 1]), 3)
    info = np.iinfo(np.int32)
    np.testing.assert_array_equal(ints.data, [[info.max] * 2, [2, 1], [info.max] * 2])
    d = Tensor(np.array([3.0, 3.0, 1.0]), requires_grad=True)
    ops.segment_max(d, np.array([0, 0, 0])).sum().backward()
    np.testing.assert_array_equal(d.grad, [0.5, 0.5, 0.0])  # tied maxima share


# -- control flow ----------------------------------------------------------------------------

def test_switch_clamps_the_index():
    branches = [lambda a, b: a + b, lambda a, b: a - b]
    assert ops.switch(0, branches, 2.0, 0.5) == 2.5
    assert ops.switch(Tensor(np.array(1)), branches, 2.0, 0.5) == 1.5
    assert ops.switch(9, branches, 2.0, 0.5) == 1.5 and ops.switch(-3, branches, 2.0, 0.5) == 2.5
    with pytest.raises(ArgumentError, match=r"switch: branches\[1\] must be a callable"):
        ops.switch(0, [abs, 3])
    with pytest.raises(ArgumentError, match="switch: index must be one integer"):
        ops.switch(np.array([0, 1]), branches, 1.0, 1.0)


def test_map_and_vectorized_map_match_torch_and_pass_gradients():
    x = np.random.default_rng(1).normal(size=(4, 3))
    ref = torch.stack([torch.tensor(r).square().sum() for r in x]).numpy()
    np.testing.assert_allclose(ops.map(lambda r: (r * r).sum(), x).data, ref)
    np.testing.assert_allclose(ops.vectorized_map(lambda r: (r * r).sum(), x).data, ref)
    pair = ops.vectorized_map(lambda rs: rs[0] * rs[1], [x, x])
    np.testing.assert_allclose(pair.data, x * x)
    nested = ops.map(lambda xs: {"sum": xs[0] + xs[1], "prod": xs[0] * xs[1]}, (x, x + 1))
    np.testing.assert_allclose(nested["prod"].data, x * (x + 1))
    assert check_gradients(lambda t: ops.map(lambda r: ops.sin(r) * r[0], t), [x]) < 1e-6
    assert check_gradients(lambda t: ops.vectorized_map(lambda r: r.sum() ** 2, t), [x]) < 1e-6
    with pytest.raises(ShapeError, match="map: the tensors of xs must share"):
        ops.map(lambda p: p, (np.ones(2), np.ones(3)))
    with pytest.raises(ShapeError, match="map: the outputs of the steps must share one shape"):
        ops.map(lambda r: r[: int(r.data[0])], np.array([[1.0, 0], [2.0, 0]]))


def test_scan_matches_a_torch_loop_and_differentiates_through_every_step():
    rng = np.random.default_rng(2)
    init, xs = rng.normal(size=3), rng.normal(size=(5, 3))

    def step(c, x):
        new = np.tanh(c) * 0.5 + x if isinstance(c, np.ndarray) else ops.tanh(c) * 0.5 + x
        return new, new * 2.0

    carry, ys = ops.scan(step, init, xs)
    c, expected = torch.tensor(init), []
    for x in torch.tensor(xs):
        c = torch.tanh(c) * 0.5 + x
        expected.append(c * 2.0)
    np.testing.assert_allclose(carry.data, c.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ys.data, torch.stack(expected).numpy(), rtol=1e-12)
    assert check_gradients(lambda i, x: ops.scan(step, i, x)[0], [init, xs]) < 1e-6
    assert check_gradients(lambda i, x: ops.scan(step, i, x, reverse=True)[1], [init, xs]) < 1e-6


def test_scan_reverse_length_nested_and_errors():
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), np.float64(0.0), np.array([1.0, 2.0, 3.0]),
                         reverse=True)
    assert float(carry) == 6.0 and ys.data.tolist() == [5.0, 6.0, 0.0]  # as Keras gives
    carry, ys = ops.scan(lambda c, x: (c + 1.0, None), 0.0, length=3)
    assert float(carry) == 3.0 and ys.data.tolist() == [0.0, 0.0, 0.0]
    # a Python float becomes floatx, as in Keras
    assert ops.scan(lambda c, x: (c, None), 0.0, length=2)[0].dtype == np.float32
    (a, b), ys = ops.scan(lambda c, x: ((c[0] + x["v"], c[1] * 2.0), x["v"]),
                          (np.float64(0.0), np.float64(1.0)), {"v": np.array([1.0, 2.0])})
    assert (float(a), float(b)) == (3.0, 4.0) and ys.data.tolist() == [1.0, 2.0]
    with pytest.raises(ArgumentError, match="scan: give xs to scan over"):
        ops.scan(lambda c, x: (c, c), 0.0)
    with pytest.raises(ShapeError, match="scan: a carried value changed shape"):
        ops.scan(lambda c, x: (ops.stack([c, c]), x), np.float64(0.0), np.ones(2))
    with pytest.raises(ArgumentError, match=r"scan: f must return a pair"):
        ops.scan(lambda c, x: c, 0.0, np.ones(2))
    with pytest.raises(ArgumentError, match="scan: unroll must be"):
        ops.scan(lambda c, x: (c, c), 0.0, np.ones(2), unroll=0)
    with pytest.raises(ShapeError, match="scan: length=3 does not match"):
        ops.scan(lambda c, x: (c, c), 0.0, np.ones(2), length=3)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 9])
def test_associative_scan_matches_torch_cumulative_ops(n):
    rng = np.random.default_rng(n)
    x = rng.uniform(0.5, 1.5, size=(n, 3))
    np.testing.assert_allclose(ops.associative_scan(lambda a, b: a + b, x).data,
                               torch.cumsum(torch.tensor(x), 0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ops.associative_scan(lambda a, b: a * b, x.T, axis=1).data,
                               torch.cumprod(torch.tensor(x.T), 1).numpy(), rtol=1e-12)
    rev = ops.associative_scan(lambda a, b: ops.maximum(a, b), x, reverse=True).data
    np.testing.assert_allclose(rev, torch.flip(torch.cummax(torch.flip(torch.tensor(x), [0]),
                                                            0).values, [0]).numpy())
    # gradients against torch's cumprod and by finite differences
    t = Tensor(x, requires_grad=True)
    w = rng.normal(size=x.shape)
    (ops.associative_scan(lambda a, b: a * b, t) * Tensor(w)).sum().backward()
    tt = torch.tensor(x, requires_grad=True)
    (torch.cumprod(tt, 0) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10)
    assert check_gradients(lambda a: ops.associative_scan(lambda p, q: p * q + q, a), [x]) < 1e-6


def test_associative_scan_keeps_the_order_of_a_non_commutative_op():
    rng = np.random.default_rng(3)
    mats = rng.normal(size=(7, 2, 2))
    out = ops.associative_scan(lambda a, b: ops.matmul(a, b), mats).data
    running = np.eye(2)
    for i in range(7):
        running = running @ mats[i]
        np.testing.assert_allclose(out[i], running, rtol=1e-10, atol=1e-12)
    pair = ops.associative_scan(lambda a, b: [a[0] + b[0], a[1] * b[1]],
                                [np.arange(4.0), np.arange(1.0, 5.0)])
    assert pair[0].data.tolist() == [0, 1, 3, 6] and pair[1].data.tolist() == [1, 2, 6, 24]
    with pytest.raises(ShapeError, match="associative_scan: every tensor of elems"):
        ops.associative_scan(lambda a, b: a, [np.ones(2), np.ones(3)])


def test_fori_loop_and_while_loop_run_eagerly_with_gradients():
    assert ops.fori_loop(0, 10, lambda i, s: s + i, 0) == 45
    assert ops.fori_loop(Tensor(np.array(2)), 4, lambda i, s: s * i, 1) == 6
    x = np.random.default_rng(4).normal(size=3)
    assert check_gradients(lambda t: ops.fori_loop(0, 4, lambda i, s: ops.sin(s) * (i + 1.0), t),
                           [x]) < 1e-6
    assert int(ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0)) == 10
    x_, y_ = ops.while_loop(lambda a, b: a < 10, lambda a, b: (a + 1, b + 1), (0, 1))
    assert (int(x_), int(y_)) == (10, 11)
    out = ops.while_loop(lambda a, b: a < 10, lambda a, b: [a + 1, b * 2], [0, 1],
                         maximum_iterations=3)
    assert isinstance(out, list) and [int(v) for v in out] == [3, 8]
    grad = check_gradients(lambda t: ops.while_loop(lambda s: ops.sum(s * s) < 50.0,
                                                    lambda s: s * 1.5, t), [x])
    assert grad < 1e-6
    with pytest.raises(ArgumentError, match="fori_loop: lower must be one integer"):
        ops.fori_loop(0.5, 3, lambda i, s: s, 0)
    with pytest.raises(ArgumentError, match="while_loop: cond must return one boolean"):
        ops.while_loop(lambda s: s > 0, lambda s: s, np.ones(2))
    with pytest.raises(ArgumentError, match="while_loop: body must return 2"):
        ops.while_loop(lambda a, b: a < 3, lambda a, b: a + 1, (0, 0))
    with pytest.raises(ArgumentError, match="while_loop: maximum_iterations"):
        ops.while_loop(lambda s: s < 3, lambda s: s + 1, 0, maximum_iterations=-1)


def test_vectorize_broadcasts_like_numpy_and_differentiates():
    a, b = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ops.vectorize(lambda p, q: p * q + 1.0)(a, b).data, a * b + 1)
    mats, vec = np.random.default_rng(5).normal(size=(4, 1, 2, 3)), np.ones((5, 3))
    matvec = ops.vectorize(ops.matmul, signature="(m,n),(n)->(m)")
    expected = torch.matmul(torch.tensor(mats), torch.tensor(vec)[..., None])[..., 0].numpy()
    np.testing.assert_allclose(matvec(mats, vec).data, expected, rtol=1e-12)
    assert check_gradients(lambda m, v: matvec(m, v), [mats, vec]) < 1e-6
    both = ops.vectorize(lambda v: (v.sum(), v * 2.0), signature="(n)->(),(n)")(vec)
    assert both[0].shape == (5,) and both[1].shape == (5, 3)
    scaled = ops.vectorize(lambda v, s: v * s, excluded={1})(np.arange(3.0), 10.0)
    assert scaled.data.tolist() == [0.0, 10.0, 20.0]
    with pytest.raises(ArgumentError, match="vectorize: signature must read like"):
        ops.vectorize(abs, signature="m->n")
    with pytest.raises(ShapeError, match="vectorize: core dimension 'n'"):
        matvec(mats, np.ones(4))
    with pytest.raises(ShapeError, match="vectorize: the leading shapes"):
        ops.vectorize(lambda p, q: p)(np.ones(2), np.ones(3))
    with pytest.raises(ArgumentError, match="vectorize: pyfunc must be a callable"):
        ops.vectorize(3)


# -- custom gradients ------------------------------------------------------------------------

def test_custom_gradient_uses_the_users_gradient():
    @ops.custom_gradient
    def doubled_grad(x):
        def grad(upstream):
            return upstream * 42.0

        return x * 1.0, grad

    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    (doubled_grad(x) * Tensor(np.array([1.0, 3.0]))).sum().backward()
    np.testing.assert_array_equal(x.grad, [42.0, 126.0])  # not 1 and 3: grad_fn was used


@pytest.mark.parametrize("style", ["tf", "agnostic", "torch"])
def test_custom_gradient_softplus_matches_torch_and_finite_differences(style):
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad_tf(upstream):
            return upstream * (1.0 - 1.0 / (1.0 + e))

        def grad_agnostic(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return upstream * (1.0 - 1.0 / (1.0 + e))

        def grad_torch(*args, upstream):
            return upstream * (1.0 - 1.0 / (1.0 + e))

        chosen = {"tf": grad_tf, "agnostic": grad_agnostic, "torch": grad_torch}[style]
        return ops.log(1.0 + e), chosen

    x = np.random.default_rng(6).normal(size=(3, 4))
    t = Tensor(x, requires_grad=True)
    w = np.random.default_rng(7).normal(size=x.shape)
    (log1pexp(t) * Tensor(w)).sum().backward()
    tt = torch.tensor(x, requires_grad=True)
    (torch.nn.functional.softplus(tt) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12)
    assert check_gradients(log1pexp, [x]) < 1e-6


def test_custom_gradient_with_several_arguments_and_bad_gradients():
    @ops.custom_gradient
    def scaled(x, factor, label):
        def grad(upstream):
            return upstream * factor, None, None

        return x * factor, grad

    x, f = Tensor(np.ones(3), requires_grad=True), Tensor(np.array(2.0), requires_grad=True)
    scaled(x, f, "name").sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0] and f.grad is None

    @ops.custom_gradient
    def wrong_count(x, y):
        return x + y, lambda g: g

    with pytest.raises(ArgumentError, match="custom_gradient: grad_fn must return one gradient"):
        wrong_count(Tensor(np.ones(2), requires_grad=True), np.ones(2)).sum().backward()

    @ops.custom_gradient
    def wrong_shape(x):
        return x * 2.0, lambda g: ops.sum(g)

    with pytest.raises(ShapeError, match="custom_gradient: the gradient for argument 0"):
        wrong_shape(Tensor(np.ones(2), requires_grad=True)).sum().backward()

    @ops.custom_gradient
    def no_pair(x):
        return x

    with pytest.raises(ArgumentError, match=r"must return \(output, grad_fn\)"):
        no_pair(np.ones(2))
    with pytest.raises(ArgumentError, match="custom_gradient: f must be a callable"):
        ops.custom_gradient(3)


def test_every_error_is_one_of_ours():
    with pytest.raises(ShenduError):
        ops.map(3, np.ones(2))
    with pytest.raises(ShenduError):
        ops.vectorized_map(lambda r: r, np.ones(0))
