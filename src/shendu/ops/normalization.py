"""Batch, layer and group normalization, each one fused op with its backward beside the
forward, and L2 normalization (unit length).

The three compute ``x̂ = (x − μ) / √(σ² + ε)`` and ``y = γ x̂ + β``; they differ in the axes
the statistics are taken over: every axis but the feature axis for batch normalization (in
training; in inference μ and σ² are the moving statistics), the feature axes for layer
normalization, and for group normalization each group of channels with every other non-batch
axis. Variances are biased (divided by the count), as in Keras.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu import ops
>>> x = Tensor(np.array([[1.0, 2.0], [3.0, 6.0]]))
>>> ops.layer_norm(x, axis=-1, epsilon=0.0).data
array([[-1.,  1.],
       [-1.,  1.]])
"""

from __future__ import annotations

from ..autograd import Function, Tensor
from ..backend import get_array_module


def _param_view(p, bshape):
    """γ or β (feature-shaped) reshaped so it broadcasts against x."""
    return None if p is None else p.reshape(bshape)


def _split_params(params, scale: bool, center: bool):
    params = list(params)
    gamma = params.pop(0) if scale else None
    beta = params.pop(0) if center else None
    return gamma, beta


def _scale_and_shift(fn, centred, var, gamma, beta):
    """y = γ x̂ + β with x̂ = (x − μ) / √(σ² + ε); keeps x̂, 1/√(σ² + ε) and γ for backward."""
    xp = get_array_module(centred)
    fn.inv_std = 1.0 / xp.sqrt(var + fn.epsilon)
    fn.x_hat = centred * fn.inv_std
    fn.gamma = _param_view(gamma, fn.bshape)
    y = fn.x_hat * fn.gamma if gamma is not None else fn.x_hat.copy()
    if beta is not None:
        y += beta.reshape(fn.bshape)
    return y


def _normalized_input_grad(g_x_hat, x_hat, inv_std, axes):
    """dL/dx of x̂ = (x − μ)/√(σ² + ε) with μ, σ² taken over ``axes``, given g_x̂ = dL/dx̂."""
    # dL/dx = (1/σ̂) (g_x̂ − mean(g_x̂) − x̂ · mean(g_x̂ ⊙ x̂)) over the axes
    gx = g_x_hat - g_x_hat.mean(axis=axes, keepdims=True)
    gx -= x_hat * (g_x_hat * x_hat).mean(axis=axes, keepdims=True)
    gx *= inv_std
    return gx


class BatchNorm(Function):
    """y = γ (x − μ) / √(σ² + ε) + β with μ, σ² per feature over every other axis.

    Settings: ``axis`` (the feature axis, non-negative), ``epsilon``, ``training``,
    ``moving_mean`` / ``moving_variance`` (feature-shaped arrays: used in inference, updated in
    place in training as ``moving = moving·momentum + batch·(1 − momentum)``), ``momentum``,
    ``scale`` and ``center`` (whether γ and β are passed, in that order, after x), ``mask``
    (optional, broadcastable to x: in training only the positions where it is on count in the
    statistics, as in Keras).
    """

    def forward(self, x, *params):
        gamma, beta = _split_params(params, self.scale, self.center)
        self.reduce = tuple(a for a in range(x.ndim) if a != self.axis)
        self.bshape = tuple(x.shape[a] if a == self.axis else 1 for a in range(x.ndim))
        if self.training:
            if getattr(self, "mask", None) is None:
                mean = x.mean(axis=self.reduce, keepdims=True)
                centred = x - mean
                var = (centred * centred).mean(axis=self.reduce, keepdims=True)
            else:
                mean, centred, var = self._masked_moments(x)
            if self.moving_mean is not None:
                m = self.momentum
                self.moving_mean *= m
                self.moving_mean += (1 - m) * mean.reshape(self.moving_mean.shape)
                self.moving_variance *= m
                self.moving_variance += (1 - m) * var.reshape(self.moving_variance.shape)
        else:
            mean = self.moving_mean.reshape(self.bshape).astype(x.dtype, copy=False)
            var = self.moving_variance.reshape(self.bshape).astype(x.dtype, copy=False)
            centred = x - mean
        return _scale_and_shift(self, centred, var, gamma, beta)

    def _masked_moments(self, x):
        """Keras's masked moments: only the positions where the mask is on count, with n_w =
        Σ m + ε_K (ε_K = 1e-7) as the count; every position is still normalized."""
        xp = get_array_module(x)
        m = self.mask_weights = xp.broadcast_to(xp.asarray(self.mask, dtype=x.dtype), x.shape)
        self.count = m.sum(axis=self.reduce, keepdims=True) + x.dtype.type(1e-7)
        # μ = Σ m x / n_w,  σ² = Σ m (x − μ)² / n_w
        mean = (m * x).sum(axis=self.reduce, keepdims=True) / self.count
        centred = x - mean
        var = (m * centred * centred).sum(axis=self.reduce, keepdims=True) / self.count
        self.offset = (m * centred).sum(axis=self.reduce, keepdims=True) / self.count
        return mean, centred, var

    def _masked_input_grad(self, g_x_hat):
        # dL/dx = (1/σ̂) (g_x̂ − (m/n_w) (Σ g_x̂ + Σ(g_x̂ ⊙ x̂) · (x̂ − Σ m (x − μ) / (n_w σ̂))))
        total = g_x_hat.sum(axis=self.reduce, keepdims=True)
        along = (g_x_hat * self.x_hat).sum(axis=self.reduce, keepdims=True)
        shift = self.x_hat - self.offset * self.inv_std
        gx = g_x_hat - self.mask_weights / self.count * (total + along * shift)
        return gx * self.inv_std

    def backward(self, g):
        need = self.needs_input_grad or (True,) * (1 + self.scale + self.center)
        grads = []
        g_x_hat = g * self.gamma if self.gamma is not None else g
        if need[0]:
            if self.training and getattr(self, "mask", None) is not None:
                gx = self._masked_input_grad(g_x_hat)
            elif self.training:
                gx = _normalized_input_grad(g_x_hat, self.x_hat, self.inv_std, self.reduce)
            else:
                # dL/dx = γ g / √(σ²_moving + ε)   (the statistics are constants)
                gx = g_x_hat * self.inv_std
            grads.append(gx)
        else:
            grads.append(None)
        i = 1
        if self.scale:
            # dL/dγ = Σ g ⊙ x̂
            grads.append((g * self.x_hat).sum(axis=self.reduce) if need[i] else None)
            i += 1
        if self.center:
            # dL/dβ = Σ g
            grads.append(g.sum(axis=self.reduce) if need[i] else None)
        return tuple(grads)


class LayerNorm(Function):
    """y = γ (x − μ) / √(σ² + ε) + β with μ, σ² over the ``axes`` of each sample.

    Settings: ``axes`` (non-negative tuple), ``epsilon``, ``scale``, ``center``; γ and β have
    the shape of x on ``axes``.
    """

    def forward(self, x, *params):
        gamma, beta = _split_params(params, self.scale, self.center)
        self.bshape = tuple(x.shape[a] if a in self.axes else 1 for a in range(x.ndim))
        self.outer = tuple(a for a in range(x.ndim) if a not in self.axes)
        mean = x.mean(axis=self.axes, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=self.axes, keepdims=True)
        return _scale_and_shift(self, centred, var, gamma, beta)

    def backward(self, g):
        need = self.needs_input_grad or (True,) * (1 + self.scale + self.center)
        g_x_hat = g * self.gamma if self.gamma is not None else g
        gx = _normalized_input_grad(g_x_hat, self.x_hat, self.inv_std, self.axes) \
            if need[0] else None
        grads = [gx]
        i = 1
        fshape = _feature_shape(self.bshape, self.axes)
        if self.scale:
            # dL/dγ = Σ_samples g ⊙ x̂
            grads.append((g * self.x_hat).sum(axis=self.outer).reshape(fshape)
                         if need[i] else None)
            i += 1
        if self.center:
            # dL/dβ = Σ_samples g
            grads.append(g.sum(axis=self.outer).reshape(fshape) if need[i] else None)
        return tuple(grads)


class GroupNorm(Function):
    """y = γ_c (x − μ_g) / √(σ²_g + ε) + β_c: the channels on ``axis`` split into ``groups``
    runs of consecutive channels; μ_g, σ²_g per sample and group, over the group's channels and
    every other non-batch axis.

    Settings: ``axis`` (the channel axis, positive), ``groups``, ``epsilon``, ``scale``,
    ``center``; γ and β hold one value per channel.
    """

    def forward(self, x, *params):
        gamma, beta = _split_params(params, self.scale, self.center)
        a, channels, self.xshape = self.axis, x.shape[self.axis], x.shape
        # (…, C, …) → (…, G, C/G, …): statistics over every axis but the batch and G
        self.gshape = x.shape[:a] + (self.groups, channels // self.groups) + x.shape[a + 1:]
        self.axes = tuple(i for i in range(1, x.ndim + 1) if i != a)
        self.bshape = tuple(self.gshape[i] if i in (a, a + 1) else 1
                            for i in range(x.ndim + 1))
        self.outer = tuple(i for i in range(x.ndim + 1) if i not in (a, a + 1))
        xg = x.reshape(self.gshape)
        mean = xg.mean(axis=self.axes, keepdims=True)
        centred = xg - mean
        var = (centred * centred).mean(axis=self.axes, keepdims=True)
        return _scale_and_shift(self, centred, var, gamma, beta).reshape(self.xshape)

    def backward(self, g):
        need = self.needs_input_grad or (True,) * (1 + self.scale + self.center)
        g = g.reshape(self.gshape)
        g_x_hat = g * self.gamma if self.gamma is not None else g
        grads = [_normalized_input_grad(g_x_hat, self.x_hat, self.inv_std, self.axes)
                 .reshape(self.xshape) if need[0] else None]
        i = 1
        if self.scale:
            # dL/dγ_c = Σ_(samples, positions) g ⊙ x̂
            grads.append((g * self.x_hat).sum(axis=self.outer).reshape(-1) if need[i] else None)
            i += 1
        if self.center:
            # dL/dβ_c = Σ_(samples, positions) g
            grads.append(g.sum(axis=self.outer).reshape(-1) if need[i] else None)
        return tuple(grads)


class L2Normalize(Function):
    """y = x / max(‖x‖₂, ε) with the norm over ``axes`` of each sample (Keras's
    ``normalize(x, order=2)``: x · min(1/√Σx², 1/ε)).

    Settings: ``axes`` (non-negative tuple), ``epsilon``.
    """

    def forward(self, x):
        xp = get_array_module(x)
        norm = xp.sqrt((x * x).sum(axis=self.axes, keepdims=True))
        self.clipped = norm <= self.epsilon
        self.denom = xp.maximum(norm, x.dtype.type(self.epsilon))
        self.y = x / self.denom
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        # ‖x‖ > ε: dL/dx = (g − y Σ(g ⊙ y)) / ‖x‖;  ‖x‖ ≤ ε: y = x/ε, dL/dx = g/ε
        along = xp.where(self.clipped, 0, (g * self.y).sum(axis=self.axes, keepdims=True))
        return (g - self.y * along) / self.denom


def _feature_shape(bshape, axes):
    return tuple(bshape[a] for a in sorted(axes))


def _axis_tuple(axis, ndim: int) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes))


def batch_norm(x, gamma=None, beta=None, *, axis: int = -1, epsilon: float = 1e-3,
               training: bool = True, moving_mean=None, moving_variance=None,
               momentum: float = 0.99, mask=None):
    """Batch normalization of ``x`` over every axis but ``axis`` (Keras's formula).

    In training the batch statistics normalize and, when given, the moving statistics (arrays)
    are updated in place; in inference the moving statistics normalize. ``mask`` (one axis
    fewer than x, broadcast over a new last axis, as Keras does: (batch, time) for (batch, time,
    features)) limits the training statistics to the positions where it is on.
    """
    params = [p for p in (gamma, beta) if p is not None]
    axis = axis % x.ndim
    if mask is not None:
        mask = mask.data if isinstance(mask, Tensor) else mask
        mask = get_array_module(mask).expand_dims(mask, -1)
    return BatchNorm.apply(x, *params, axis=axis, epsilon=float(epsilon),
                           training=bool(training), moving_mean=moving_mean,
                           moving_variance=moving_variance, momentum=float(momentum),
                           scale=gamma is not None, center=beta is not None, mask=mask)


def layer_norm(x, gamma=None, beta=None, *, axis=-1, epsilon: float = 1e-3):
    """Layer normalization of each sample of ``x`` over ``axis`` (an int or a tuple)."""
    return LayerNorm.apply(x, *[p for p in (gamma, beta) if p is not None],
                           axes=_axis_tuple(axis, x.ndim), epsilon=float(epsilon),
                           scale=gamma is not None, center=beta is not None)


def group_norm(x, gamma=None, beta=None, *, groups: int, axis: int = -1,
               epsilon: float = 1e-3):
    """Group normalization of ``x`` (Keras's GroupNormalization): ``groups`` runs of
    consecutive channels on ``axis``, each normalized per sample."""
    axis = axis % x.ndim
    return GroupNorm.apply(x, *[p for p in (gamma, beta) if p is not None], axis=axis,
                           groups=int(groups), epsilon=float(epsilon),
                           scale=gamma is not None, center=beta is not None)


def l2_normalize(x, axis=-1, epsilon: float = 1e-12):
    """``x / max(‖x‖₂, epsilon)`` with the norm over ``axis`` (an int or a tuple)."""
    return L2Normalize.apply(x, axes=_axis_tuple(axis, x.ndim), epsilon=float(epsilon))
