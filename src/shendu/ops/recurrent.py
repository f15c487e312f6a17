"""Recurrent cells fused over a whole sequence: SimpleRNN, LSTM and GRU as one op each.

Each op runs the forward loop over time keeping what its backward needs, and its backward is
backpropagation through time. The frame they share (layout, masks, dropout, the up-front input
projection, output packing, the weight gradients as one product each) is
:mod:`shendu.ops.recurrent_base`; the LSTM lives in :mod:`shendu.ops.lstm`.

Inputs: ``x`` (batch, time, features), ``kernel``, ``recurrent_kernel``, then ``bias`` when
``use_bias``, then the initial states (``h0``, and ``c0`` for the LSTM) when given. Settings:
``activation`` and ``recurrent_activation`` (kernels), ``return_sequences``, ``return_state``,
``go_backwards``, ``mask`` (bool (batch, time) or None), ``zero_output_for_mask``,
``dropout`` / ``recurrent_dropout`` with ``rng`` (one mask per sequence, drawn in forward).

Masked steps (Keras): the states are carried over, and the output is the previous output (or
zeros with ``zero_output_for_mask``). With ``return_state`` the result packs the outputs and
then the final states along axis 1: (batch, outputs + states, units); the layer splits it.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> from shendu.ops.activations import Sigmoid, Tanh
>>> x, W, U = np.ones((2, 5, 3)), np.full((3, 4), 0.1), np.zeros((4, 4))
>>> y = SimpleRNNFn.apply(x, W, U, activation=Tanh(), use_bias=False)
>>> y.shape, round(float(y.data[0, 0]), 4)
((2, 4), 0.2913)
"""

from __future__ import annotations

from ..backend import get_array_module
from .lstm import LSTMFn
from .recurrent_base import Recurrent, activate_, quiet_overflow

__all__ = ["SimpleRNNFn", "LSTMFn", "GRUFn"]


class SimpleRNNFn(Recurrent):
    """h_t = act(x_t W + h_{t-1} U + b)."""

    def _loop(self, P, initial):
        xp = get_array_module(P)
        act, U = self.activation, self.U
        self.H = H = xp.empty((P.shape[0] + 1,) + initial[0].shape, dtype=P.dtype)
        H[0] = initial[0]
        self.A = xp.empty_like(P) if act.needs_input else None
        with quiet_overflow(xp):
            for t in range(P.shape[0]):
                a = P[t]
                a += self._hr(t) @ U
                if self.A is not None:
                    self.A[t] = a
                self._carry(H, t, activate_(act, a))  # P[t] now holds h̃_t
        self.Y = P
        return [H[-1]]

    def _backprop(self, gO, offset, g_final):
        xp = get_array_module(gO)
        gh = self._start(g_final[0], self.H[0])
        GA = xp.empty_like(self.Y)
        UT = xp.ascontiguousarray(self.U.T)
        for t in range(len(GA) - 1, -1, -1):
            if t >= offset:
                gh += gO[t - offset]
            g_new, g_keep = self._split_mask(gh, t)
            # dL/da_t = act'(a_t) ⊙ dL/dh̃_t
            ga = GA[t] = self.activation.backward(
                None if self.A is None else self.A[t], self.Y[t], g_new)
            # dL/dh_{t-1} = (dL/da_t Uᵀ) ⊙ rdp (+ carried part when masked)
            gh = ga @ UT
            if self.rdp is not None:
                gh *= self.rdp
            if g_keep is not None:
                gh += g_keep
        return GA, self._recurrent_weight_grad(GA), None, [gh]


class GRUFn(Recurrent):
    """Gates z, r, h (Keras's order): h_t = z h_{t-1} + (1 − z) hh.

    ``reset_after=True``: hh = act(x W_h + b_in,h + r ⊙ (h U_h + b_rec,h)), bias (2, 3u);
    ``reset_after=False``: hh = act(x W_h + (r ⊙ h) U_h + b_h), bias (3u,).

    >>> import numpy as np
    >>> from shendu.ops.activations import Sigmoid, Tanh
    >>> x, W, U, b = np.ones((2, 4, 3)), np.zeros((3, 6)), np.zeros((2, 6)), np.zeros((2, 6))
    >>> GRUFn.apply(x, W, U, b, activation=Tanh(), recurrent_activation=Sigmoid(),
    ...             return_sequences=True).shape
    (2, 4, 2)
    """

    reset_after = True

    def _input_bias(self, b):
        return b[0] if self.reset_after else b

    def _bias_grad(self, g_input_bias, g_recurrent_bias):
        if not self.reset_after:
            return g_input_bias
        return get_array_module(g_input_bias).stack([g_input_bias, g_recurrent_bias])

    def _loop(self, P, initial):
        xp = get_array_module(P)
        act, ract, U = self.activation, self.recurrent_activation, self.U
        u = U.shape[0]
        self.H = H = xp.empty((P.shape[0] + 1,) + initial[0].shape, P.dtype)
        H[0] = initial[0]
        self.Zpre = xp.empty_like(P) if (act.needs_input or ract.needs_input) else None
        self.Aux = xp.empty(P.shape[:2] + (u,), P.dtype)  # h U_h + b (after) or r ⊙ h (before)
        rec_bias = self.b[1] if (self.use_bias and self.reset_after) else None
        with quiet_overflow(xp):
            for t in range(P.shape[0]):
                p, hr = P[t], self._hr(t)
                if self.reset_after:
                    inner = hr @ U
                    if rec_bias is not None:
                        inner += rec_bias
                    p[:, :2 * u] += inner[:, :2 * u]
                    self.Aux[t] = inner[:, 2 * u:]
                else:
                    p[:, :2 * u] += hr @ U[:, :2 * u]
                if self.Zpre is not None:
                    self.Zpre[t, :, :2 * u] = p[:, :2 * u]
                activate_(ract, p[:, :2 * u])
                r = p[:, u:2 * u]
                if self.reset_after:
                    p[:, 2 * u:] += r * self.Aux[t]
                else:
                    rh = self.Aux[t] = r * hr
                    p[:, 2 * u:] += rh @ U[:, 2 * u:]
                if self.Zpre is not None:
                    self.Zpre[t, :, 2 * u:] = p[:, 2 * u:]
                activate_(act, p[:, 2 * u:])
                z, hh = p[:, :u], p[:, 2 * u:]
                self._carry(H, t, hh + z * (H[t] - hh))  # h̃ = z h_{t-1} + (1 − z) hh
        self.Gates = P
        return [H[-1]]

    def _backprop(self, gO, offset, g_final):
        xp = get_array_module(gO)
        act, ract, U = self.activation, self.recurrent_activation, self.U
        u = U.shape[0]
        gh = self._start(g_final[0], self.H[0])
        GP = xp.empty_like(self.Gates)
        GI = xp.empty_like(self.Gates) if self.reset_after else None  # dL/d(h U + b_rec)
        pre = self.Zpre
        # σ'(z), σ'(r) and act'(hh) for every step at once, before the loop
        D = self._derivative(ract, pre, self.Gates)
        D[..., 2 * u:] = self._derivative(act, None if pre is None else pre[..., 2 * u:],
                                          self.Gates[..., 2 * u:])
        UT = xp.ascontiguousarray(U.T)
        for t in range(len(GP) - 1, -1, -1):
            if t >= offset:
                gh += gO[t - offset]
            g_new, g_keep = self._split_mask(gh, t)
            p, gp = self.Gates[t], GP[t]
            z, r, hh = p[:, :u], p[:, u:2 * u], p[:, 2 * u:]
            # dL/dz = dL/dh̃ ⊙ (h_{t-1} − hh),  dL/dhh = dL/dh̃ ⊙ (1 − z)
            gp[:, :u] = g_new * (self.H[t] - hh)
            gp[:, 2 * u:] = g_new * (1 - z) * D[t, :, 2 * u:]  # dL/da_h = act'(a_h) ⊙ dL/dhh
            hr = self._hr(t)
            if self.reset_after:
                # dL/dr = dL/da_h ⊙ (h U_h + b_rec,h)
                gp[:, u:2 * u] = gp[:, 2 * u:] * self.Aux[t]
            else:
                g_rh = gp[:, 2 * u:] @ U[:, 2 * u:].T
                gp[:, u:2 * u] = g_rh * hr  # dL/dr = ((dL/da_h) U_hᵀ) ⊙ h_{t-1}
            gp[:, :2 * u] *= D[t, :, :2 * u]  # dL/da_{z,r} = σ'(a) ⊙ dL/d{z,r}
            if self.reset_after:
                gi = GI[t]
                gi[:, :2 * u] = gp[:, :2 * u]
                gi[:, 2 * u:] = gp[:, 2 * u:] * r  # dL/d(inner_h) = dL/da_h ⊙ r
                g_hr = gi @ UT
            else:
                g_hr = gp[:, :2 * u] @ U[:, :2 * u].T + g_rh * r
            # dL/dh_{t-1} = dL/dh̃ ⊙ z + dL/dh_r ⊙ rdp (+ carried part when masked)
            if self.rdp is not None:
                g_hr *= self.rdp
            gh = g_new * z + g_hr
            if g_keep is not None:
                gh += g_keep
        if self.reset_after:
            gU = self._recurrent_weight_grad(GI)
            g_rec_bias = GI.reshape(-1, 3 * u).sum(axis=0)
        else:
            gU = xp.empty_like(U)
            gU[:, :2 * u] = self._recurrent_weight_grad(GP[:, :, :2 * u])
            # dL/dU_h = Σ_t (r ⊙ h_{t-1})ᵀ dL/da_h
            gU[:, 2 * u:] = self.Aux.reshape(-1, u).T @ GP[:, :, 2 * u:].reshape(-1, u)
            g_rec_bias = None
        return GP, gU, g_rec_bias, [gh]
