"""Tensor, Function, backward(), no_grad() and the gradient checker itself."""

from __future__ import annotations

import numpy as np
import pytest

from shendu import ops
from shendu.autograd import Function, Tensor, is_grad_enabled, no_grad
from shendu.testing import check_gradients


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# -- operators -----------------------------------------------------------------------------------

OPERATORS = [
    ("add", lambda a, b: a + b, lambda a, b: a + b),
    ("sub", lambda a, b: a - b, lambda a, b: a - b),
    ("mul", lambda a, b: a * b, lambda a, b: a * b),
    ("truediv", lambda a, b: a / b, lambda a, b: a / b),
    ("matmul", lambda a, b: a @ b.T, lambda a, b: a @ b.T),
    ("pow", lambda a, b: a ** 2, lambda a, b: a**2),
    ("neg", lambda a, b: -a, lambda a, b: -a),
    ("getitem", lambda a, b: a[1:, 0], lambda a, b: a[1:, 0]),
    ("T", lambda a, b: a.T, lambda a, b: a.T),
    ("sum", lambda a, b: a.sum(axis=0), lambda a, b: a.sum(axis=0)),
    ("mean", lambda a, b: a.mean(), lambda a, b: a.mean()),
    ("max", lambda a, b: a.max(axis=1, keepdims=True), lambda a, b: a.max(axis=1, keepdims=True)),
    ("reshape", lambda a, b: a.reshape(6), lambda a, b: a.reshape(6)),
    ("reshape_tuple", lambda a, b: a.reshape((2, 3)), lambda a, b: a.reshape((2, 3))),
    ("transpose", lambda a, b: a.transpose(1, 0), lambda a, b: a.transpose(1, 0)),
    ("exp", lambda a, b: a.exp(), np.exp),
    ("log", lambda a, b: (a * a + 1.0).log(), lambda a, b: np.log(a * a + 1.0)),
    ("radd", lambda a, b: 1.5 + a, lambda a, b: 1.5 + a),
    ("rsub", lambda a, b: 1.5 - a, lambda a, b: 1.5 - a),
    ("rmul", lambda a, b: 1.5 * a, lambda a, b: 1.5 * a),
    ("rtruediv", lambda a, b: 1.5 / (b * b + 1.0), lambda a, b: 1.5 / (b * b + 1.0)),
]


@pytest.mark.parametrize("name,ours,numpy_fn", OPERATORS, ids=[o[0] for o in OPERATORS])
def test_operator_forward_and_backward(name, ours, numpy_fn):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    out = ours(Tensor(a), Tensor(b))
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, numpy_fn(a, b), rtol=1e-12)
    assert check_gradients(ours, [a, b]) < 1e-6


def test_ndarray_on_the_left_gives_a_tensor():
    x = leaf([1.0, 2.0])
    for y in (np.array([2.0, 3.0]) * x, np.array([2.0, 3.0]) + x, np.array([1.0, 1.0]) - x):
        assert isinstance(y, Tensor)
    y = np.array([[1.0, 2.0]]) @ Tensor(np.eye(2), requires_grad=True)
    assert isinstance(y, Tensor)


def test_array_facts():
    x = Tensor(np.zeros((2, 3), dtype=np.float32))
    assert (x.shape, x.ndim, x.size, len(x), x.dtype) == ((2, 3), 2, 6, 2, np.float32)
    assert np.asarray(x).shape == (2, 3)
    assert isinstance(x.numpy(), np.ndarray)
    assert Tensor(np.array(3.5)).item() == 3.5


# -- backward: accumulation, shared subgraphs -------------------------------------------------


def test_diamond_graph_sums_both_paths():
    # y = (2x)(3x) = 6x²  →  dy/dx = 12x
    x = leaf([1.0, -2.0, 0.5])
    a, b = x * 2.0, x * 3.0
    (a * b).sum().backward()
    np.testing.assert_allclose(x.grad, 12 * x.data)


def test_shared_intermediate_is_backpropagated_once_with_summed_gradient():
    # h = x², y = h + h·h + sin-free: dy/dx = (1 + 2h)·2x
    x = leaf([0.5, 1.5, -1.0])
    h = x * x
    y = h + h * h
    y.sum().backward()
    expected = (1 + 2 * x.data**2) * 2 * x.data
    np.testing.assert_allclose(x.grad, expected)


def test_deep_diamond_chain():
    # each level doubles: h_{k+1} = h_k + h_k  →  d h_n / dx = 2ⁿ
    x = leaf([1.0])
    h = x
    for _ in range(30):
        h = h + h
    h.backward()
    np.testing.assert_allclose(x.grad, [2.0**30])


def test_same_leaf_twice_in_one_op():
    x = leaf([3.0])
    (x * x).backward()
    np.testing.assert_allclose(x.grad, [6.0])


def test_two_losses_accumulate_into_grad():
    w = leaf([1.0, 2.0])
    (w * 3.0).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad, [3.0 + 2.0, 3.0 + 4.0])


def test_long_chain_does_not_hit_the_recursion_limit():
    x = leaf([1.0])
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.backward()
    np.testing.assert_allclose(x.grad, [1.0])
    np.testing.assert_allclose(y.data, [5001.0])


def test_leaves_without_requires_grad_get_no_gradient():
    x = leaf([1.0, 2.0])
    c = Tensor(np.array([3.0, 4.0]))
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad, [3.0, 4.0])


def test_backward_with_an_explicit_upstream_gradient():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * 2.0
    y.backward(np.array([[1.0, 0.0], [0.5, 2.0]]))
    np.testing.assert_allclose(x.grad, [[2.0, 0.0], [1.0, 4.0]])
    z = leaf([1.0])
    (z * 5.0).backward(Tensor(np.array([2.0])))
    np.testing.assert_allclose(z.grad, [10.0])


def test_leaf_grad_is_not_aliased_to_a_shared_upstream_buffer():
    # both branches receive the same upstream array; the leaf must own its copy
    x, y = leaf([1.0, 2.0]), leaf([1.0, 2.0])
    out = x + y
    out.backward()
    x.grad += 10.0
    np.testing.assert_allclose(y.grad, [1.0, 1.0])


def test_detach_cuts_the_graph():
    x = leaf([2.0])
    y = x * x.detach()  # only the first factor is differentiated
    y.backward()
    np.testing.assert_allclose(x.grad, [2.0])


# -- broadcasting gradients ------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape_a,shape_b",
    [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 1)), ((5,), ()), ((1, 1), (2, 3))],
)
def test_broadcast_gradients_have_the_input_shapes_and_sum_the_copies(shape_a, shape_b):
    rng = np.random.default_rng(1)
    a, b = leaf(rng.normal(size=shape_a)), leaf(rng.normal(size=shape_b))
    (a * b).sum().backward()
    out_shape = np.broadcast_shapes(shape_a, shape_b)
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    # d Σ(ab)/da = Σ over the copies of b
    expected_a = np.broadcast_to(b.data, out_shape)
    expected_a = expected_a.sum(axis=tuple(range(len(out_shape) - len(shape_a))))
    expected_a = expected_a.sum(axis=tuple(i for i, n in enumerate(shape_a) if n == 1),
                                keepdims=True) if shape_a else expected_a
    np.testing.assert_allclose(a.grad, expected_a.reshape(shape_a))
    assert check_gradients(lambda a, b: a * b + a / (b * b + 1.0), [a.data, b.data]) < 1e-6


# -- no_grad -----------------------------------------------------------------------------------


def test_no_grad_records_nothing_and_restores():
    x = leaf([1.0, 2.0])
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2.0
        with no_grad():
            z = y + 1.0
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert not y.requires_grad and y.creator is None
    assert not z.requires_grad and z.creator is None
    np.testing.assert_allclose(y.data, [2.0, 4.0])


def test_no_grad_restores_after_an_exception():
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()
    x = leaf([1.0])
    assert (x * 2.0).requires_grad


def test_graph_is_recorded_only_when_an_input_needs_grad():
    a = Tensor(np.ones(2))
    assert (a * 2.0).creator is None
    b = leaf(np.ones(2))
    y = a * b
    assert y.requires_grad and y.creator is not None


# -- Function ------------------------------------------------------------------------------------


class Cube(Function):
    def forward(self, x):
        self.x = x
        return x**3

    def backward(self, g):
        # d(x³)/dx = 3x²
        return 3 * self.x**2 * g


class BrokenCube(Function):
    """A deliberately wrong backward: 2x² instead of 3x²."""

    def forward(self, x):
        self.x = x
        return x**3

    def backward(self, g):
        return 2 * self.x**2 * g


class ScaledSum(Function):
    """A two-input op whose second gradient is deliberately missing a factor."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        return g * self.b, g  # correct for a, wrong for b (should be g * a)


def test_custom_function_in_a_graph():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x * 2.0)  # (2x)³ = 8x³  → 24x²
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 24 * x.data**2)
    assert check_gradients(lambda t: Cube.apply(t), [np.array([0.3, -1.2, 2.0])]) < 1e-8


def test_function_settings_become_attributes():
    class Scale(Function):
        def forward(self, x):
            return x * self.factor

        def backward(self, g):
            # d(cx)/dx = c
            return g * self.factor

    x = leaf([1.0, 2.0])
    y = Scale.apply(x, factor=3.0)
    y.sum().backward()
    np.testing.assert_allclose(y.data, [3.0, 6.0])
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


# -- check_gradients itself -----------------------------------------------------------------------


def test_check_gradients_catches_a_wrong_backward():
    x = np.random.default_rng(0).uniform(0.5, 2.0, size=(4, 3))
    error = check_gradients(lambda t: BrokenCube.apply(t), [x])
    assert error > 0.2  # 2x² vs 3x²: a third of the gradient is missing


def test_check_gradients_catches_a_wrong_gradient_of_one_input_only():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3,)), rng.normal(size=(3,))
    fn = lambda a, b: ScaledSum.apply(a, b)  # noqa: E731
    assert check_gradients(fn, [a, b], wrt=[0]) < 1e-8
    assert check_gradients(fn, [a, b]) > 0.1


def test_check_gradients_ignores_integer_inputs():
    z = np.random.default_rng(0).normal(size=(4, 3))
    labels = np.array([0, 2, 1, 1])
    assert check_gradients(ops.sparse_softmax_cross_entropy, [z, labels]) < 1e-6


def test_check_gradients_needs_a_float_input():
    with pytest.raises(ValueError, match="float"):
        check_gradients(lambda t: t, [np.array([1, 2, 3])])


def test_check_gradients_converts_float32_to_float64():
    x = np.random.default_rng(0).normal(size=(3, 3)).astype(np.float32)
    assert check_gradients(lambda t: ops.tanh(t) * t, [x]) < 1e-6


def test_a_setting_named_inputs_is_refused():
    """apply() keeps the graph's input Tensors as fn.inputs: a setting of that name would be
    overwritten silently, so it is refused."""
    from shendu.autograd import Function

    class Scale(Function):
        def forward(self, x):
            return x * 2

    with pytest.raises(TypeError, match="Scale: a setting may not be named 'inputs'"):
        Scale.apply(Tensor(np.ones(2)), inputs=1)
