"""Muon with Keras's rule: Newton–Schulz-orthogonalised momentum for matrices, AdamW elsewhere.

>>> from shendu.optimizers import Muon
>>> opt = Muon()
>>> opt.momentum, opt.ns_steps, opt.rms_rate, opt.weight_decay, opt.adam_weight_decay
(0.95, 5, 0.2, 0.004, 0.004)
"""

from __future__ import annotations

import math
import numbers
import re

from ..backend import get_array_module
from ..errors import ArgumentError
from .base import Optimizer, check_decay_rate
from .lamb import check_nonnegative
from .schedules import LearningRateSchedule


def _finite(name: str, value, default) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ArgumentError(f"Muon: {name} must be a finite number, got {value!r}. "
                            f"Hint: {default} is the default.")
    return float(value)


def _flag(name: str, value, default: bool) -> bool:
    if not isinstance(value, bool):
        raise ArgumentError(f"Muon: {name} must be True or False, got {value!r}. "
                            f"Hint: {default} is the default.")
    return value


def _swap_last(xp, x):
    return xp.swapaxes(x, -1, -2)


def newton_schulz(x, steps: int, a: float = 3.4445, b: float = -4.7750, c: float = 2.0315):
    """Keras's quintic Newton–Schulz iteration: roughly the orthogonal factor of matrix ``x``.

    Scaled to Frobenius norm ≤ 1 first; taller-than-wide matrices are worked transposed.

    >>> import numpy as np
    >>> q = newton_schulz(np.array([[2.0, 0.0], [0.0, 0.5]]), steps=10)
    >>> bool(np.all(np.abs(np.diag(q) - 1) < 0.35)), float(q[0, 1])
    (True, 0.0)
    """
    xp = get_array_module(x)
    tall = x.shape[-2] > x.shape[-1]
    if tall:
        x = _swap_last(xp, x)
    x = x / (xp.sqrt(xp.sum(x * x, axis=(-2, -1), keepdims=True)) + 1e-7)
    for _ in range(steps):
        gram = x @ _swap_last(xp, x)
        poly = b * gram + (c * gram) @ gram
        x = a * x + poly @ x
    return _swap_last(xp, x) if tall else x


class Muon(Optimizer):
    """Muon (Jordan et al., 2024; Liu et al., 2025), as Keras 3.15 computes it.

    A variable takes the **AdamW** step when it is not exactly 2-D, when
    ``exclude_embeddings`` is set and its path contains "embedding" (any case), or when one
    of the ``exclude_layers`` regular expressions matches its path; every other variable
    takes the **Muon** step. Muon: ``m ← μ m + g``; ``u = g + μ m`` (Nesterov) or ``m``;
    ``θ ← θ − η · NS(u) · √max(rows, cols) · rms_rate`` (no last factors when ``rms_rate``
    is None). AdamW: Adam with bias correction folded into the rate, at ``η · adam_lr_ratio``.
    Weight decay ``θ ← θ − η · wd · θ`` uses ``weight_decay`` on Muon variables and
    ``adam_weight_decay`` on AdamW ones (either None for none), with η (not scaled by
    ``adam_lr_ratio``), as Keras does.

    Keras's rule is shape-exact: 3-D and 4-D kernels (convolutions) take AdamW. The
    keyword arguments are Keras's, with the same defaults; the base optimizer's
    (``clipnorm``...) are keywords here, where Keras also takes them by position.

    >>> import numpy as np
    >>> from shendu.layers import Variable
    >>> w = Variable(np.zeros((2, 2)), "kernel")
    >>> _ = Muon(learning_rate=0.1, rms_rate=None).apply_gradients([(np.eye(2), w)])
    >>> np.round(w.data, 2)  # −η · NS(1.95 I): five quintic steps take 1/√2 to ≈ 1.1
    array([[-0.11,  0.  ],
           [ 0.  , -0.11]])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.001,
                 adam_beta_1: float = 0.9, adam_beta_2: float = 0.999,
                 adam_weight_decay: float | None = 0.004, epsilon: float = 1e-7,
                 weight_decay: float | None = 0.004, exclude_layers: list[str] | None = None,
                 exclude_embeddings: bool = True, muon_a: float = 3.4445,
                 muon_b: float = -4.7750, muon_c: float = 2.0315, adam_lr_ratio: float = 1,
                 momentum: float = 0.95, ns_steps: int = 5, nesterov: bool = True,
                 rms_rate: float | None = 0.2, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, **kwargs)
        self.adam_beta_1 = check_decay_rate("Muon", "adam_beta_1", adam_beta_1, 0.9)
        self.adam_beta_2 = check_decay_rate("Muon", "adam_beta_2", adam_beta_2, 0.999)
        if adam_weight_decay is not None:
            adam_weight_decay = check_nonnegative("Muon", "adam_weight_decay",
                                                  adam_weight_decay, 0.004)
        self.adam_weight_decay = adam_weight_decay
        self.epsilon = check_nonnegative("Muon", "epsilon", epsilon, 1e-7)
        if exclude_layers is not None and (isinstance(exclude_layers, str) or not all(
                isinstance(k, str) for k in exclude_layers)):
            raise ArgumentError(
                f"Muon: exclude_layers must be None or a list of strings, got "
                f"{exclude_layers!r}. Hint: exclude_layers=['output_dense'] sends the weights "
                "whose path matches to AdamW.")
        self.exclude_layers = list(exclude_layers or [])
        for keyword in self.exclude_layers:
            try:
                re.compile(keyword)
            except re.error as err:
                raise ArgumentError(f"Muon: exclude_layers entry {keyword!r} is not a regular "
                                    f"expression ({err}). Hint: escape it with re.escape.") from err
        self.exclude_embeddings = _flag("exclude_embeddings", exclude_embeddings, True)
        self.muon_a = _finite("muon_a", muon_a, 3.4445)
        self.muon_b = _finite("muon_b", muon_b, -4.7750)
        self.muon_c = _finite("muon_c", muon_c, 2.0315)
        self.adam_lr_ratio = check_nonnegative("Muon", "adam_lr_ratio", adam_lr_ratio, 1)
        self.momentum = check_decay_rate("Muon", "momentum", momentum, 0.95)
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, int) or ns_steps < 0:
            raise ArgumentError(f"Muon: ns_steps must be an int >= 0, got {ns_steps!r}. "
                                "Hint: 5 Newton–Schulz iterations is the default.")
        self.ns_steps = ns_steps
        self.nesterov = _flag("nesterov", nesterov, True)
        if rms_rate is not None and (isinstance(rms_rate, bool) or not isinstance(
                rms_rate, numbers.Real) or not (math.isfinite(rms_rate) and rms_rate > 0)):
            raise ArgumentError(f"Muon: rms_rate must be None or a finite number > 0, got "
                                f"{rms_rate!r}. Hint: 0.2 is the default; None turns the "
                                "√max(rows, cols) scaling off.")
        self.rms_rate = None if rms_rate is None else float(rms_rate)

    def uses_adamw(self, variable) -> bool:
        """Whether ``variable`` takes the AdamW step (Keras's rule, see the class doc).

        >>> import numpy as np
        >>> from shendu.layers import Variable
        >>> opt = Muon(exclude_layers=["out"])
        >>> [opt.uses_adamw(Variable(np.zeros(s), p))
        ...  for s, p in [((2, 2), "d/kernel"), ((2,), "d/bias"), ((2, 2), "out/kernel")]]
        [False, True, True]
        """
        shape = getattr(variable, "shape", None)
        if shape is None or len(shape) != 2:
            return True
        path = str(getattr(variable, "path", None) or getattr(variable, "name", None) or "")
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, size, dtype, xp=None):
        self.add_slot("m", size, dtype, xp)
        self.add_slot("v", size, dtype, xp)  # used by the AdamW variables only

    def _build_layout(self, layout, dtype, xp) -> None:
        super()._build_layout(layout, dtype, xp)
        self._adamw = [self.uses_adamw(_Shaped(v, s))
                       for v, s in zip(layout.variables, layout.shapes)]
        self._decays = [self._uses_weight_decay(v) for v in layout.variables]

    def _decay_weights(self, lr, indices) -> None:
        """Weight decay runs per variable in :meth:`update`, with its own rate."""

    def begin_step(self, lr):
        layout = self._layout
        self._where = {id(layout.params(i)): i for i in layout.all()}

    def update(self, params, grads, lr):
        layout = self._layout
        if self._flat is not None and params is self._flat.data:
            for i in layout.all():
                with layout.views(self, i):
                    self._update_one(i, layout.slot_view(params, i),
                                     layout.grad_view(grads, i), lr)
        else:  # one loose variable: base already points the slots at its views
            self._update_one(self._where[id(params)], params, grads, lr)

    def _update_one(self, i, params, grads, lr):
        adamw = self._adamw[i]
        decay = self.adam_weight_decay if adamw else self.weight_decay
        if decay is not None and self._decays[i]:
            params -= params * decay * lr
        if adamw:
            self._adamw_step(params, grads, lr * self.adam_lr_ratio)
        else:
            self._muon_step(params, grads, lr)

    def _muon_step(self, params, grads, lr):
        m = self.m
        m += grads + m * (self.momentum - 1)
        u = grads + self.momentum * m if self.nesterov else m
        step = lr * newton_schulz(u, self.ns_steps, self.muon_a, self.muon_b, self.muon_c)
        if self.rms_rate is not None:
            step = step * math.sqrt(max(params.shape[0], params.shape[1])) * self.rms_rate
        params -= step

    def _adamw_step(self, params, grads, lr):
        xp = get_array_module(params)
        t = self.iterations + 1
        alpha = lr * math.sqrt(1 - self.adam_beta_2**t) / (1 - self.adam_beta_1**t)
        m, v = self.m, self.v
        m += (grads - m) * (1 - self.adam_beta_1)
        v += (grads * grads - v) * (1 - self.adam_beta_2)
        params -= (m * alpha) / (xp.sqrt(v) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "adam_beta_1": self.adam_beta_1,
                "adam_beta_2": self.adam_beta_2, "epsilon": self.epsilon,
                "exclude_layers": list(self.exclude_layers), "muon_a": self.muon_a,
                "muon_b": self.muon_b, "muon_c": self.muon_c,
                "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
                "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings,
                "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate}


class _Shaped:
    """A variable seen with its layout shape (a loose array has no ``path``)."""

    def __init__(self, variable, shape):
        self.shape = shape
        self.path = getattr(variable, "path", None) or getattr(variable, "name", None)
