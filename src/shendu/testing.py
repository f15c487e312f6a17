"""Gradient checking: backprop against central finite differences, in float64.

For each float input x_i, a random direction v_i is drawn and the directional derivative of
L = Σ r ⊙ f(x) (r a fixed random weighting of the outputs) is computed twice: by backprop as
⟨∇_{x_i} L, v_i⟩, and numerically as (L(x_i + εv_i) − L(x_i − εv_i)) / 2ε. The worst relative
difference over the inputs is returned.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.testing import check_gradients
>>> x = np.random.default_rng(0).normal(size=(3, 4))
>>> check_gradients(lambda t: ops.tanh(t), [x]) < 1e-6
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .autograd import Tensor


def check_gradients(
    fn: Callable[..., Tensor],
    inputs: Sequence,
    *,
    eps: float = 1e-6,
    seed: int = 0,
    wrt: Sequence[int] | None = None,
) -> float:
    """Worst relative error between backprop and finite differences over the float inputs.

    ``fn`` takes Tensors (one per input) and returns a Tensor. Integer inputs (labels) are
    passed through and not differentiated. ``wrt`` restricts the check to some inputs.
    """
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in inputs]
    arrays = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]
    float_ids = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    if wrt is not None:
        float_ids = [i for i in float_ids if i in wrt]
    if not float_ids:
        raise ValueError(
            "check_gradients: no float input to differentiate. Hint: pass float64 arrays."
        )

    def evaluate(values, track):
        tensors = [Tensor(v, requires_grad=(i in track)) for i, v in enumerate(values)]
        return tensors, fn(*tensors)

    tensors, out = evaluate(arrays, set(float_ids))
    weights = rng.normal(size=np.shape(out.data))
    (out * Tensor(weights)).sum().backward()

    worst = 0.0
    for i in float_ids:
        direction = rng.normal(size=arrays[i].shape)
        grad = tensors[i].grad if tensors[i].grad is not None else np.zeros_like(arrays[i])
        analytic = float(np.sum(grad * direction))
        plus = [a.copy() for a in arrays]
        minus = [a.copy() for a in arrays]
        plus[i] = plus[i] + eps * direction
        minus[i] = minus[i] - eps * direction
        loss_plus = float(np.sum(evaluate(plus, set())[1].data * weights))
        loss_minus = float(np.sum(evaluate(minus, set())[1].data * weights))
        numeric = (loss_plus - loss_minus) / (2 * eps)
        scale = max(abs(analytic), abs(numeric), 1e-8)
        worst = max(worst, abs(analytic - numeric) / scale)
    return worst
