"""The table harness of the ``keras.ops`` op tests (tests/test_ops_keras_*.py).

A :class:`Case` names an op, makes its float64 inputs and gives the same computation in shendu
and in PyTorch. :func:`check_forward`, :func:`check_torch_gradient` and
:func:`check_finite_differences` are the three claims each differentiable row must pass;
:func:`table_tests` makes them the three pytest tests of a table.
Integer inputs (indices) are passed to both sides unchanged and not differentiated.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from shendu.autograd import Tensor
from shendu.testing import check_gradients


def normal(*shape):
    return lambda rng: rng.normal(size=shape)


def positive(*shape):
    return lambda rng: rng.uniform(0.5, 2.0, size=shape)


def away_from_zero(*shape):
    """|x| >= 0.2, both signs: no value on a kink at 0."""
    return lambda rng: rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 2.0, size=shape)


def distinct(*shape):
    """Values at least 0.2 apart (no ties for sorting, max and min)."""

    def make(rng):
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.3 + rng.uniform(-0.05, 0.05, n)).reshape(shape) - n * 0.15

    return make


def fixed(value):
    return lambda rng: np.asarray(value)


@dataclass
class Case:
    id: str
    shendu: Callable
    torch: Callable  # (torch module, *tensors) -> tensor
    inputs: list  # input makers (rng -> array), or one maker returning a list
    fd_tol: float = 1e-6
    rtol: float = 1e-10

    def make_inputs(self, seed=0):
        rng = np.random.default_rng(seed)
        if callable(self.inputs):
            return self.inputs(rng)
        return [make(rng) for make in self.inputs]


def _is_float(a):
    return np.asarray(a).dtype.kind == "f"


def _torch_inputs(arrays):
    import torch

    return [torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True) if _is_float(a)
            else torch.tensor(np.asarray(a)) for a in arrays]


def check_forward(case: Case) -> None:
    """shendu's output equals torch's, in shape and values."""
    import torch

    arrays = case.make_inputs()
    ours = case.shendu(*[Tensor(a) for a in arrays])
    theirs = case.torch(torch, *_torch_inputs(arrays))
    assert ours.shape == tuple(theirs.shape), (ours.shape, tuple(theirs.shape))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


def check_torch_gradient(case: Case) -> None:
    """The gradient of Σ w ⊙ op(x) (w random) reaching each float input equals torch's."""
    import torch

    arrays = case.make_inputs()
    tensors = [Tensor(a, requires_grad=_is_float(a)) for a in arrays]
    ours = case.shendu(*tensors)
    assert ours.requires_grad, f"{case.id}: the output is cut off from the graph"
    weights = np.random.default_rng(7).normal(size=ours.shape)
    (ours * Tensor(weights)).sum().backward()
    t_inputs = _torch_inputs(arrays)
    (case.torch(torch, *t_inputs) * torch.tensor(weights)).sum().backward()
    compared = 0
    for mine, ref in zip(tensors, t_inputs):
        if not ref.requires_grad:
            continue
        expected = ref.grad.numpy() if ref.grad is not None else np.zeros(mine.shape)
        assert mine.grad is not None, f"{case.id}: no gradient reached an input"
        assert mine.grad.shape == mine.shape
        np.testing.assert_allclose(mine.grad, expected, rtol=case.rtol, atol=1e-12)
        compared += 1
    assert compared >= 1


def check_finite_differences(case: Case) -> None:
    """Backprop agrees with central differences along a random direction, in float64."""
    assert check_gradients(case.shendu, case.make_inputs()) < case.fd_tol


def ids(cases) -> list[str]:
    names = [c.id for c in cases]
    assert len(names) == len(set(names)), "duplicate case ids"
    return names


def table_tests(cases, torch_only=()):
    """The three claims over ``cases`` as parametrized pytest tests, to bind in a test module:
    ``(test_forward_matches_torch, test_gradient_matches_torch,
    test_backward_matches_finite_differences) = table_tests(CASES)``. The ``torch_only`` cases
    (ties, kinks) join the two torch tests but not the finite differences."""
    over_cases = pytest.mark.parametrize("case", cases, ids=ids(cases))
    both = list(cases) + list(torch_only)
    over_all = pytest.mark.parametrize("case", both, ids=ids(both))

    @over_all
    def test_forward_matches_torch(case):
        check_forward(case)

    @over_all
    def test_gradient_matches_torch(case):
        check_torch_gradient(case)

    @over_cases
    def test_backward_matches_finite_differences(case):
        check_finite_differences(case)

    return (test_forward_matches_torch, test_gradient_matches_torch,
            test_backward_matches_finite_differences)


def plain_signature(fn) -> str:
    """``fn``'s signature without annotations, as Keras's is written in the tables:
    ``"(x, axis=-1)"``."""
    signature = inspect.signature(fn)
    params = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=params, return_annotation=inspect.Signature.empty))
