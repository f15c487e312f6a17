"""Bad input to the keras.ops ops raises a shendu.errors error before NumPy sees it: the message
names the op and the argument, what was expected, what came, and gives a hint."""

from __future__ import annotations

import numpy as np
import pytest

from shendu import ops
from shendu.errors import ArgumentError, ShapeError, ShenduError

X = np.arange(6.0).reshape(2, 3)

CASES = [
    # unknown axes
    ("flip", lambda: ops.flip(X, axis=2), ArgumentError,
     r"flip: axis must be None, an int or a tuple of distinct ints in \[-2, 1\] for a 2-D "
     r"tensor, got 2"),
    ("prod", lambda: ops.prod(X, axis=(0, -2)), ArgumentError,
     r"prod: axis must be .*tuple of distinct ints.*got \(0, -2\)"),
    ("var", lambda: ops.var(X, axis="rows"), ArgumentError, r"var: axis .*got 'rows'"),
    ("std", lambda: ops.std(X, axis=-3), ArgumentError, r"std: axis .*got -3"),
    ("logsumexp", lambda: ops.logsumexp(X, axis=4), ArgumentError, r"logsumexp: axis .*got 4"),
    ("cumsum", lambda: ops.cumsum(X, axis=(0, 1)), ArgumentError,
     r"cumsum: axis must be an int in \[-2, 1\].*got \(0, 1\)"),
    ("all", lambda: ops.all(X, axis=2), ArgumentError, r"all: axis .*got 2"),
    ("any", lambda: ops.any(X, axis=1.5), ArgumentError, r"any: axis .*got 1.5"),
    ("moveaxis", lambda: ops.moveaxis(X, 0, 5), ArgumentError, r"moveaxis: destination .*got 5"),
    ("moveaxis_counts", lambda: ops.moveaxis(X, (0, 1), 0), ArgumentError,
     r"moveaxis: source and destination must name as many axes"),
    ("swapaxes", lambda: ops.swapaxes(X, 0, 2), ArgumentError, r"swapaxes: axis2 .*got 2"),
    ("take_axis", lambda: ops.take(X, [0], axis=2), ArgumentError, r"take: axis .*got 2"),
    ("split_axis", lambda: ops.split(X, 2, axis=-3), ArgumentError, r"split: axis .*got -3"),
    ("unstack_axis", lambda: ops.unstack(X, axis=2), ArgumentError, r"unstack: axis .*got 2"),
    ("sort_axis", lambda: ops.sort(X, axis=2), ArgumentError, r"sort: axis .*got 2"),
    ("argsort_axis", lambda: ops.argsort(X, axis=-5), ArgumentError, r"argsort: axis .*got -5"),
    ("log_softmax_axis", lambda: ops.log_softmax(X, axis=3), ArgumentError,
     r"log_softmax: axis .*got 3"),
    ("normalize_axis", lambda: ops.normalize(X, axis=2), ArgumentError,
     r"normalize: axis .*got 2"),
    ("one_hot_axis", lambda: ops.one_hot(np.array([0, 1]), 3, axis=2), ArgumentError,
     r"one_hot: axis .*for a 2-D tensor.*got 2"),
    ("norm_axis", lambda: ops.norm(np.ones((2, 2, 2)), axis=(0, 1, 2)), ArgumentError,
     r"norm: axis must be an int or two ints, got \(0, 1, 2\)"),
    ("linspace_axis", lambda: ops.linspace(0, 1, 3, axis=1), ArgumentError,
     r"linspace: axis .*got 1"),
    # products
    ("dot", lambda: ops.dot(np.ones((2, 3)), np.ones((4, 2))), ShapeError,
     r"dot: x1's last axis \(3, shape \(2, 3\)\) must equal x2's second-to-last axis \(4"),
    ("dot_vector", lambda: ops.dot(np.ones((2, 3)), np.ones(2)), ShapeError,
     r"dot: x1's last axis \(3.*x2's only axis \(2"),
    ("einsum_operands", lambda: ops.einsum("ij,jk->ik", X), ShapeError,
     r"einsum: subscripts 'ij,jk->ik' name 2 operand\(s\), got 1"),
    ("einsum_term", lambda: ops.einsum("ijk->i", X), ShapeError,
     r"einsum: term 'ijk' of 'ijk->i' names 3 axes, got an operand of shape \(2, 3\)"),
    ("einsum_sizes", lambda: ops.einsum("ij,jk->ik", X, np.ones((4, 2))), ShapeError,
     r"einsum: axis 'j' .*has length 3 in one operand and 4 in another"),
    ("einsum_letters", lambda: ops.einsum("i1,1k->ik", X, X.T), ArgumentError,
     r"einsum: subscripts must have letters a-z.*got 'i1,1k->ik'"),
    ("einsum_output", lambda: ops.einsum("ij->iz", X), ArgumentError,
     r"einsum: subscripts must have output letters that appear in the inputs"),
    ("einsum_diagonal", lambda: ops.einsum("ii->i", X), ShapeError,
     r"einsum: the repeated letter 'i' in 'ii' needs axes of equal length"),
    ("einsum_kwargs", lambda: ops.einsum("ij->", X, casting="no"), ArgumentError,
     r"einsum: unexpected keyword argument\(s\) \['casting'\]"),
    # gathering and scattering
    ("take_range", lambda: ops.take(X, np.array([0, 3]), axis=1), ArgumentError,
     r"take: indices must lie in \[-3, 2\] for an axis of length 3, got values in \[0, 3\]"),
    ("take_flat_range", lambda: ops.take(X, np.array([-7])), ArgumentError,
     r"take: indices must lie in \[-6, 5\]"),
    ("take_float", lambda: ops.take(X, np.array([0.5])), ArgumentError,
     r"take: indices must be integers, got dtype float64"),
    ("take_along_axis_ndim", lambda: ops.take_along_axis(X, np.array([0, 1]), axis=1),
     ShapeError, r"take_along_axis: indices must have x's number of axes \(2, shape \(2, 3\)\)"
                 r".*got indices of shape \(2,\)"),
    ("take_along_axis_broadcast", lambda: ops.take_along_axis(X, np.zeros((3, 1), int), axis=1),
     ShapeError, r"take_along_axis: .*axes other than 1 equal to x's or 1.*\(3, 1\)"),
    ("take_along_axis_range", lambda: ops.take_along_axis(X, np.array([[3], [0]]), axis=1),
     ArgumentError, r"take_along_axis: indices must lie in \[-3, 2\]"),
    ("slice_block", lambda: ops.slice(X, (1, 1), (2, 2)), ArgumentError,
     r"slice: axis 0 \(length 2\) cannot hold a block of size 2 starting at 1"),
    ("slice_rank", lambda: ops.slice(X, (0,), (1,)), ShapeError,
     r"slice: start_indices and shape need one entry per axis of the input \(2"),
    ("segment_sum_num", lambda: ops.segment_sum(X, np.array([0, 4]), num_segments=3),
     ArgumentError, r"segment_sum: segment_ids must be < num_segments \(3\), got 4"),
    ("segment_sum_shape", lambda: ops.segment_sum(X, np.array([0, 1, 1])), ShapeError,
     r"segment_sum: segment_ids must be 1-D with one id per row of data \(shape \(2, 3\)\), "
     r"got shape \(3,\)"),
    ("scatter_shape", lambda: ops.scatter(np.array([[0, 1]]), np.ones(2), (2, 2)), ShapeError,
     r"scatter: .*got indices \(1, 2\) and values \(2,\)"),
    ("scatter_range", lambda: ops.scatter(np.array([[0, 2]]), np.ones(1), (2, 2)),
     ArgumentError, r"scatter: indices\[..., 1\] must lie in \[-2, 1\]"),
    ("one_hot_zero", lambda: ops.one_hot(np.array([0]), 0), ArgumentError,
     r"one_hot: num_classes must be an int > 0, got 0"),
    ("one_hot_negative", lambda: ops.one_hot(np.array([0]), -2), ArgumentError,
     r"one_hot: num_classes must be an int > 0, got -2"),
    ("one_hot_float", lambda: ops.one_hot(np.array([0]), 2.5), ArgumentError,
     r"one_hot: num_classes must be an int > 0, got 2.5"),
    ("one_hot_sparse", lambda: ops.one_hot(np.array([0]), 2, sparse=True), ArgumentError,
     r"one_hot: sparse=True is not supported"),
    # arrangement and sorting
    ("pad_mode", lambda: ops.pad(X, 1, mode="mean"), ArgumentError,
     r"pad: mode must be one of \[.*'constant'.*\], got 'mean'"),
    ("pad_values", lambda: ops.pad(X, 1, mode="edge", constant_values=1), ArgumentError,
     r"pad: constant_values is only for mode='constant'"),
    ("pad_width", lambda: ops.pad(X, ((1, -1), (0, 0))), ArgumentError,
     r"pad: pad_width must be .*got \(\(1, -1\), \(0, 0\)\)"),
    ("split_sections", lambda: ops.split(X, 2, axis=1), ShapeError,
     r"split: axis 1 \(length 3\) does not divide into 2 equal sections"),
    ("unstack_num", lambda: ops.unstack(X, num=3), ShapeError,
     r"unstack: num=3 but axis 0 of shape \(2, 3\) has 2 slices"),
    ("repeat_counts", lambda: ops.repeat(X, [1, 2], axis=1), ShapeError,
     r"repeat: repeats must be an int or hold one count per element on axis 1 \(3\), got 2"),
    ("repeat_negative", lambda: ops.repeat(X, -1), ArgumentError,
     r"repeat: repeats must be an int >= 0, got -1"),
    ("tile_negative", lambda: ops.tile(X, (1, -2)), ArgumentError,
     r"tile: repeats must be an int >= 0, got -2"),
    ("tril_rank", lambda: ops.tril(np.ones(3)), ArgumentError,
     r"tril: expected a tensor of at least 2 axes and an int k, got shape \(3,\)"),
    ("top_k_large", lambda: ops.top_k(X, 4), ArgumentError,
     r"top_k: k must be at most the last axis's length \(3\), got k=4"),
    ("top_k_negative", lambda: ops.top_k(X, -1), ArgumentError, r"top_k: k must be an int >= 0"),
    # numbers and creation
    ("normalize_order", lambda: ops.normalize(X, order=0), ArgumentError,
     r"normalize: order must be an int >= 1, got 0"),
    ("norm_ord_vector", lambda: ops.norm(X, ord="fro", axis=1), ArgumentError,
     r"norm: ord must be one of None, a number, inf or -inf for a vector norm, got 'fro'"),
    ("norm_ord_matrix", lambda: ops.norm(X, ord=3, axis=(0, 1)), ArgumentError,
     r"norm: ord must be one of None, 'fro', 'nuc'.*for a matrix norm, got 3"),
    ("norm_ord_3d", lambda: ops.norm(np.ones((2, 2, 2)), ord=1), ArgumentError,
     r"norm: with ord=1 and axis=None the tensor must be 1-D or 2-D, got shape \(2, 2, 2\)"),
    ("round_decimals", lambda: ops.round(X, 1.5), ArgumentError,
     r"round: decimals must be an int, got 1.5"),
    ("zeros_shape", lambda: ops.zeros((2, -1)), ArgumentError,
     r"zeros: shape must be an int or a tuple of ints >= 0, got \(2, -1\)"),
    ("full_shape", lambda: ops.full("big", 1.0), ArgumentError, r"full: shape .*got 'big'"),
    ("eye_size", lambda: ops.eye(-1), ArgumentError, r"eye: N must be an int >= 0, got -1"),
    ("arange_step", lambda: ops.arange(0, 3, 0), ArgumentError, r"arange: step must not be 0"),
    ("linspace_num", lambda: ops.linspace(0, 1, -3), ArgumentError,
     r"linspace: num must be an int >= 0, got -3"),
    ("cond_pred", lambda: ops.cond(np.array([True, False]), lambda: 1, lambda: 2),
     ArgumentError, r"cond: pred must be a single boolean, got 2 values"),
    ("cond_fn", lambda: ops.cond(True, 1, lambda: 2), ArgumentError,
     r"cond: true_fn and false_fn must be callables"),
]


@pytest.mark.parametrize("name, call, error, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_the_op_and_argument_with_a_hint(name, call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert isinstance(info.value, ShenduError)
    assert "Hint:" in str(info.value)
