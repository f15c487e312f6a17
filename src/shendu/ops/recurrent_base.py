"""The frame the fused recurrent ops share: layout, masks, dropout, the input projection,
output packing and the weight gradients (:mod:`shendu.ops.recurrent` has the cells).

Time is the leading axis inside an op, so each step is a contiguous slice. The input projection
``x_t W + b`` of every step is ONE matrix product up front, and the gradients of ``x``, ``W``
and ``U`` are one product each after the loop (over the stacked (time·batch) rows); the Python
loops only do the ``h_{t-1} U`` part and the gates.

Sigmoid and tanh have fused in-place forms here (``sigmoid_``, ``tanh_``): one ``exp`` and a
few multiply-adds, cheaper than ``tanh`` on this CPU; their error is about one float ulp.

>>> import numpy as np
>>> z = np.array([-1000.0, -1.0, 0.0, 2.0, 1000.0])
>>> with quiet_overflow(np):
...     t, s = tanh_(z.copy()), sigmoid_(z.copy())
>>> bool(np.abs(t - np.tanh(z)).max() < 1e-15), s.round(6).tolist()
(True, [0.0, 0.268941, 0.5, 0.880797, 1.0])
"""

from __future__ import annotations

import contextlib

from ..autograd import Function
from ..backend import get_array_module
from ..backend import rng as global_rng
from .activations import Sigmoid, Tanh

_DEFAULTS = dict(recurrent_activation=None, use_bias=True, return_sequences=False,
                 return_state=False, go_backwards=False, mask=None, zero_output_for_mask=False,
                 dropout=0.0, recurrent_dropout=0.0, rng=None)


def quiet_overflow(xp):
    """A context in which exp overflowing to inf is silent (1 / (1 + inf) = 0 is the answer)."""
    errstate = getattr(xp, "errstate", None)
    return errstate(over="ignore") if errstate is not None else contextlib.nullcontext()


def sigmoid_(z):
    """σ(z) in place, z overwritten. Call inside :func:`quiet_overflow`."""
    xp = get_array_module(z)
    # σ(z) = 1 / (1 + e^−z)
    xp.negative(z, out=z)
    xp.exp(z, out=z)
    z += 1
    return xp.reciprocal(z, out=z)


def tanh_(z):
    """tanh(z) in place, z overwritten. Call inside :func:`quiet_overflow`."""
    xp = get_array_module(z)
    # tanh(z) = 2 σ(2z) − 1 = 2 / (1 + e^−2z) − 1
    xp.multiply(z, -2, out=z)
    xp.exp(z, out=z)
    z += 1
    xp.divide(2, z, out=z)
    z -= 1
    return z


def activate_(kernel, z):
    """``kernel.forward_(z)``, by the exp forms above for sigmoid and tanh (inside
    :func:`quiet_overflow`)."""
    if type(kernel) is Sigmoid:
        return sigmoid_(z)
    if type(kernel) is Tanh:
        return tanh_(z)
    return kernel.forward_(z)


def _keep_mask(shape, rate, rng, dtype, xp):
    """Inverted-dropout mask: 1[u < 1−rate] / (1−rate)."""
    keep = 1.0 - rate
    draw = (rng or global_rng()).random(shape)
    return xp.asarray((draw < keep) * (1.0 / keep if keep > 0 else 0.0), dtype=dtype)


class Recurrent(Function):
    """Shared frame: layout, masks, dropout, the up-front projection, packing and gradients.

    A cell implements ``_loop(P, initial) -> final states`` (P = the projected inputs, time
    first, which it may overwrite; it fills ``self.H``, the states h_0..h_T) and
    ``_backprop(gO, offset, g_final) -> (dL/dP, dL/dU, dL/d recurrent bias, [dL/d initial])``
    where ``gO`` holds dL/dh for the output steps ``offset..T-1`` (None: no gradient there).
    """

    n_states = 1

    def __init__(self, **settings):
        super().__init__(**{**_DEFAULTS, **settings})

    # -- hooks for the cells -------------------------------------------------------------------
    def _input_bias(self, b):
        return b

    def _bias_grad(self, g_input_bias, g_recurrent_bias):
        return g_input_bias

    def _project(self, W, b):
        """P_t = x_t W + b for every step at once: (time, batch, gates·units), one product."""
        P = self.xt @ W
        if b is not None:
            P += self._input_bias(b)
        return P.reshape(self.x_shape[1], self.x_shape[0], -1)

    def _outputs(self):
        """h_1 … h_T as a (time, batch, units) array or view."""
        return self.H[1:]

    # -- forward -------------------------------------------------------------------------------
    def forward(self, x, W, U, *rest):
        xt, initial = self._begin(x, W, U, rest)
        self.xt = get_array_module(x).ascontiguousarray(xt).reshape(-1, x.shape[2])
        finals = self._loop(self._project(W, self.b), initial)
        return self._pack(self._outputs(), finals)

    def _begin(self, x, W, U, rest):
        """Keep the settings of this call; returns (x time first, dropout applied; initial)."""
        xp = get_array_module(x)
        b = rest[0] if self.use_bias else None
        initial = list(rest[1:] if self.use_bias else rest)
        batch, steps, _ = x.shape
        units = U.shape[0]
        self.x_shape, self.W, self.U, self.b = x.shape, W, U, b
        xt = x.transpose(1, 0, 2)  # (time, batch, features)
        if self.go_backwards:
            xt = xt[::-1]
        self.dp = self.rdp = None
        if self.dropout > 0:
            self.dp = _keep_mask((batch, x.shape[2]), self.dropout, self.rng, x.dtype, xp)
            xt = xt * self.dp
        if self.recurrent_dropout > 0:
            self.rdp = _keep_mask((batch, units), self.recurrent_dropout, self.rng, x.dtype, xp)
        m = None
        if self.mask is not None:
            m = xp.asarray(self.mask, dtype=x.dtype).T[:, :, None]  # (time, batch, 1)
            if self.go_backwards:
                m = m[::-1]
        self.m = m
        while len(initial) < self.n_states:
            initial.append(xp.zeros((batch, units), dtype=x.dtype))
        return xt, initial

    def _pack(self, O, finals):
        """The op's result from h_1 … h_T (time, batch, units) and the final states."""
        xp = get_array_module(O)
        O = O if self.return_sequences else O[-1:]
        if self.m is not None and self.zero_output_for_mask:
            O = O * self.m[-len(O):]
        out = O.transpose(1, 0, 2)
        if self.return_state:
            return xp.concatenate([out] + [s[:, None] for s in finals], axis=1)
        return xp.ascontiguousarray(out) if self.return_sequences else out[:, 0].copy()

    # -- backward ------------------------------------------------------------------------------
    def backward(self, g):
        gO, offset, g_final = self._unpack(g)
        gP, gU, g_rec_bias, g_initial = self._backprop(gO, offset, g_final)
        need = self.needs_input_grad or (True,) * (4 + self.n_states)
        flat = gP.reshape(-1, gP.shape[-1])
        # dL/dx_t = dL/dP_t Wᵀ,  dL/dW = Σ_t x_tᵀ dL/dP_t
        gx = self._input_grad(flat @ self.W.T) if need[0] else None
        gW = self.xt.T @ flat if need[1] else None
        # dL/db = Σ_{t,batch} dL/dP_t (plus the recurrent bias's own sum for GRU)
        gb = self._bias_grad(flat.sum(axis=0), g_rec_bias) if self.use_bias else None
        return self._grads(gx, gW, gU, gb, g_initial)

    def _unpack(self, g):
        """(dL/dh_t of the output steps (n_out, batch, units), their first step, [dL/d final])."""
        xp = get_array_module(g)
        batch, steps = self.x_shape[:2]
        n_out = steps if self.return_sequences else 1
        g = g if g.ndim == 3 else g[:, None]
        g_final = [g[:, n_out + k] for k in range(self.n_states)] if self.return_state else []
        gO = xp.ascontiguousarray(g[:, :n_out].transpose(1, 0, 2))
        if self.m is not None and self.zero_output_for_mask:
            gO *= self.m[steps - n_out:]  # dL/dh_t = m_t dL/do_t when o_t = m_t h_t
        while len(g_final) < self.n_states:
            g_final.append(None)
        return gO, steps - n_out, g_final

    def _input_grad(self, gx):
        """dL/dx (batch, time, features) from dL/dx̃ (time·batch, features): through the dropout
        mask and back to the caller's time order."""
        batch, steps, features = self.x_shape
        gx = gx.reshape(steps, batch, features)
        if self.dp is not None:
            gx *= self.dp
        if self.go_backwards:
            gx = gx[::-1]
        out = get_array_module(gx).empty(self.x_shape, gx.dtype)  # always a fresh array
        out[...] = gx.transpose(1, 0, 2)
        return out

    def _grads(self, gx, gW, gU, gb, g_initial):
        """One gradient per input of this call."""
        need = self.needs_input_grad or (True,) * (4 + self.n_states)
        grads = [gx, gW, gU] + ([gb] if self.use_bias else [])
        return tuple(grads + g_initial[:len(need) - len(grads)])

    # -- helpers for the loops -----------------------------------------------------------------
    @staticmethod
    def _start(g_final, like):
        """The gradient entering the last step: dL/d(final state), or zeros."""
        xp = get_array_module(like)
        return xp.zeros_like(like) if g_final is None else g_final.copy()

    @staticmethod
    def _derivative(kernel, pre, y):
        """act'(z) for every element at once (elementwise kernels; sigmoid and tanh from y)."""
        if isinstance(kernel, Sigmoid):
            d = 1 - y
            d *= y  # σ' = y (1 − y)
            return d
        if isinstance(kernel, Tanh):
            d = y * y
            return get_array_module(y).subtract(1, d, out=d)  # tanh' = 1 − y²
        return kernel.backward(pre, y, get_array_module(y).ones_like(y))

    def _hr(self, t):
        """h_{t-1} as the recurrent product sees it (recurrent dropout applied)."""
        return self.H[t] if self.rdp is None else self.H[t] * self.rdp

    def _carry(self, S, t, new):
        # masked step: s_t = s_{t-1} + m_t (s̃_t − s_{t-1})
        if self.m is None:
            S[t + 1] = new
        else:
            S[t + 1] = S[t] + self.m[t] * (new - S[t])

    def _split_mask(self, g, t):
        """(gradient into the new value, gradient carried to the previous state)."""
        if self.m is None:
            return g, None
        return g * self.m[t], g * (1 - self.m[t])

    def _recurrent_weight_grad(self, G):
        units = self.U.shape[0]
        HR = self.H[:-1] if self.rdp is None else self.H[:-1] * self.rdp
        # dL/dU = Σ_t h̃_{t-1}ᵀ dL/da_t  (one product over all steps)
        return HR.reshape(-1, units).T @ G.reshape(-1, G.shape[-1])
