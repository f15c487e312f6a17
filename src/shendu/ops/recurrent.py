"""Recurrent cells fused over a whole sequence: SimpleRNN, LSTM and GRU as one op each.

Each op runs the forward loop over time keeping what its backward needs, and its backward is
backpropagation through time. The input projection ``x_t W + b`` of every timestep is done up
front as ONE matrix product (and its gradient as one product back), so the Python loop only
does the ``h_{t-1} U`` part. Internally time is the leading axis, so each step is a contiguous
slice.

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

from ..autograd import Function
from ..backend import get_array_module
from ..backend import rng as global_rng
from .activations import Sigmoid, Tanh

_DEFAULTS = dict(recurrent_activation=None, use_bias=True, return_sequences=False,
                 return_state=False, go_backwards=False, mask=None, zero_output_for_mask=False,
                 dropout=0.0, recurrent_dropout=0.0, rng=None)


def _keep_mask(shape, rate, rng, dtype, xp):
    """Inverted-dropout mask: 1[u < 1−rate] / (1−rate)."""
    keep = 1.0 - rate
    draw = (rng or global_rng()).random(shape)
    return xp.asarray((draw < keep) * (1.0 / keep if keep > 0 else 0.0), dtype=dtype)


class _Recurrent(Function):
    """Shared frame: layout, masks, dropout, the up-front projection, packing and gradients."""

    n_states = 1

    def __init__(self, **settings):
        super().__init__(**{**_DEFAULTS, **settings})

    # -- hooks for the cells -------------------------------------------------------------------
    def _input_bias(self, b):
        return b

    def _bias_grad(self, g_input_bias, g_recurrent_bias):
        return g_input_bias

    # -- forward -------------------------------------------------------------------------------
    def forward(self, x, W, U, *rest):
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
        self.xt = xp.ascontiguousarray(xt).reshape(steps * batch, -1)
        # P_t = x_t W + b for every step at once
        P = self.xt @ W
        if b is not None:
            P += self._input_bias(b)
        P = P.reshape(steps, batch, -1)
        m = None
        if self.mask is not None:
            m = xp.asarray(self.mask, dtype=x.dtype).T[:, :, None]  # (time, batch, 1)
            if self.go_backwards:
                m = m[::-1]
        self.m = m
        while len(initial) < self.n_states:
            initial.append(xp.zeros((batch, units), dtype=x.dtype))
        finals = self._loop(P, initial)
        O = self.H[1:]
        if m is not None and self.zero_output_for_mask:
            O = O * m
        out = O.transpose(1, 0, 2) if self.return_sequences else O[-1:].transpose(1, 0, 2)
        if self.return_state:
            return xp.concatenate([out] + [s[:, None] for s in finals], axis=1)
        return xp.ascontiguousarray(out) if self.return_sequences else out[:, 0].copy()

    # -- backward ------------------------------------------------------------------------------
    def backward(self, g):
        xp = get_array_module(g)
        steps, batch = self.H.shape[0] - 1, self.H.shape[1]
        n_out = steps if self.return_sequences else 1
        g = g if g.ndim == 3 else g[:, None]
        g_final = [g[:, n_out + k] for k in range(self.n_states)] if self.return_state else []
        gO = xp.zeros((steps,) + self.H.shape[1:], dtype=g.dtype)
        gO[steps - n_out:] = g[:, :n_out].transpose(1, 0, 2)
        if self.m is not None and self.zero_output_for_mask:
            gO *= self.m  # dL/dh_t = m_t dL/do_t when o_t = m_t h_t
        while len(g_final) < self.n_states:
            g_final.append(None)
        gP, gU, g_rec_bias, g_initial = self._backprop(gO, g_final)
        need = self.needs_input_grad or (True,) * (4 + self.n_states)
        flat = gP.reshape(steps * batch, -1)
        # dL/dx_t = (dL/dP_t Wᵀ) ⊙ dropout mask,  dL/dW = Σ_t x_tᵀ dL/dP_t
        gx = None
        if need[0]:
            gx = (flat @ self.W.T).reshape(steps, batch, -1)
            if self.dp is not None:
                gx *= self.dp
            if self.go_backwards:
                gx = gx[::-1]
            gx = xp.ascontiguousarray(gx.transpose(1, 0, 2))
        gW = self.xt.T @ flat if need[1] else None
        grads = [gx, gW, gU]
        if self.use_bias:
            # dL/db = Σ_{t,batch} dL/dP_t (plus the recurrent bias's own sum for GRU)
            grads.append(self._bias_grad(flat.sum(axis=0), g_rec_bias))
        return tuple(grads + g_initial[:len(need) - len(grads)])

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


class SimpleRNNFn(_Recurrent):
    """h_t = act(x_t W + h_{t-1} U + b)."""

    def _loop(self, P, initial):
        xp = get_array_module(P)
        act, U = self.activation, self.U
        self.H = H = xp.empty((P.shape[0] + 1,) + initial[0].shape, dtype=P.dtype)
        H[0] = initial[0]
        self.A = xp.empty_like(P) if act.needs_input else None
        for t in range(P.shape[0]):
            a = P[t]
            a += self._hr(t) @ U
            if self.A is not None:
                self.A[t] = a
            self._carry(H, t, act.forward_(a))  # P[t] now holds h̃_t
        self.Y = P
        return [H[-1]]

    def _backprop(self, gO, g_final):
        xp = get_array_module(gO)
        gh = xp.zeros_like(self.H[0]) if g_final[0] is None else g_final[0].copy()
        GA = xp.empty_like(self.Y)
        for t in range(len(GA) - 1, -1, -1):
            gh += gO[t]
            g_new, g_keep = self._split_mask(gh, t)
            # dL/da_t = act'(a_t) ⊙ dL/dh̃_t
            ga = GA[t] = self.activation.backward(
                None if self.A is None else self.A[t], self.Y[t], g_new)
            # dL/dh_{t-1} = (dL/da_t Uᵀ) ⊙ rdp (+ carried part when masked)
            gh = ga @ self.U.T
            if self.rdp is not None:
                gh *= self.rdp
            if g_keep is not None:
                gh += g_keep
        return GA, self._recurrent_weight_grad(GA), None, [gh]


class LSTMFn(_Recurrent):
    """Gates i, f, c, o (Keras's order): c_t = f c_{t-1} + i g,  h_t = o act(c_t).

    The backward takes the activations' derivatives for all steps at once, before its loop.

    >>> import numpy as np
    >>> from shendu.ops.activations import Sigmoid, Tanh
    >>> x, W, U = np.ones((2, 3, 5)), np.zeros((5, 8)), np.zeros((2, 8))
    >>> y = LSTMFn.apply(x, W, U, activation=Tanh(), recurrent_activation=Sigmoid(),
    ...                  use_bias=False, return_state=True)
    >>> y.shape  # the last output, then the states h and c
    (2, 3, 2)
    """

    n_states = 2

    def _loop(self, P, initial):
        xp = get_array_module(P)
        act, ract, U = self.activation, self.recurrent_activation, self.U
        u = U.shape[0]
        shape = (P.shape[0] + 1,) + initial[0].shape
        self.H, self.C = H, C = xp.empty(shape, P.dtype), xp.empty(shape, P.dtype)
        H[0], C[0] = initial
        self.Zpre = xp.empty_like(P) if (act.needs_input or ract.needs_input) else None
        self.Cnew = xp.empty((P.shape[0],) + shape[1:], P.dtype)
        self.TC = xp.empty_like(self.Cnew)
        for t in range(P.shape[0]):
            z = P[t]
            z += self._hr(t) @ U
            if self.Zpre is not None:
                self.Zpre[t] = z
            g_pre = z[:, 2 * u:3 * u].copy()
            ract.forward_(z)  # all four blocks at once, then the candidate block redone
            z[:, 2 * u:3 * u] = act.forward_(g_pre)
            i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
            # c̃_t = f ⊙ c_{t-1} + i ⊙ g
            c = self.Cnew[t]
            xp.multiply(f, C[t], out=c)
            c += i * g
            tc = self.TC[t]
            tc[...] = c
            act.forward_(tc)
            self._carry(C, t, c)
            if self.m is None:
                xp.multiply(o, tc, out=H[t + 1])  # h_t = o ⊙ act(c̃_t)
            else:
                self._carry(H, t, o * tc)
        self.Gates = P
        return [H[-1], C[-1]]

    def _derivatives(self):
        """σ'(z) for the gates (act' for the candidate) and act'(c̃), every step at once."""
        act, ract, u, pre = self.activation, self.recurrent_activation, self.U.shape[0], self.Zpre
        D = self._derivative(ract, pre, self.Gates)
        D[..., 2 * u:3 * u] = self._derivative(
            act, None if pre is None else pre[..., 2 * u:3 * u], self.Gates[..., 2 * u:3 * u])
        DC = self._derivative(act, self.Cnew if act.needs_input else None, self.TC)
        return D, DC

    def _backprop(self, gO, g_final):
        xp = get_array_module(gO)
        u = self.U.shape[0]
        D, DC = self._derivatives()
        gh = xp.zeros_like(self.H[0]) if g_final[0] is None else g_final[0].copy()
        gc = xp.zeros_like(self.C[0]) if g_final[1] is None else g_final[1].copy()
        GZ = xp.empty_like(self.Gates)
        UT = self.U.T
        for t in range(len(GZ) - 1, -1, -1):
            gh += gO[t]
            gh_new, gh_keep = self._split_mask(gh, t)
            gc_new, gc_keep = self._split_mask(gc, t)
            z = self.Gates[t]
            i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
            # dL/dc̃_t += act'(c̃_t) ⊙ o ⊙ dL/dh̃_t
            gc_new = gc_new + gh_new * o * DC[t]
            gz = GZ[t]
            # dL/di = dL/dc̃ ⊙ g, dL/df = dL/dc̃ ⊙ c_{t-1}, dL/dg = dL/dc̃ ⊙ i, dL/do = dL/dh̃ ⊙ act(c̃)
            xp.multiply(gc_new, g, out=gz[:, :u])
            xp.multiply(gc_new, self.C[t], out=gz[:, u:2 * u])
            xp.multiply(gc_new, i, out=gz[:, 2 * u:3 * u])
            xp.multiply(gh_new, self.TC[t], out=gz[:, 3 * u:])
            gz *= D[t]  # through the gate activations: dL/dz = σ'(z) ⊙ dL/dgate (act' for g)
            # dL/dh_{t-1} = (dL/dz Uᵀ) ⊙ rdp,  dL/dc_{t-1} = dL/dc̃ ⊙ f (+ carried parts)
            gh = gz @ UT
            if self.rdp is not None:
                gh *= self.rdp
            gc = gc_new * f
            if gh_keep is not None:
                gh += gh_keep
                gc += gc_keep
        return GZ, self._recurrent_weight_grad(GZ), None, [gh, gc]


class GRUFn(_Recurrent):
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
            ract.forward_(p[:, :2 * u])
            r = p[:, u:2 * u]
            if self.reset_after:
                p[:, 2 * u:] += r * self.Aux[t]
            else:
                rh = self.Aux[t] = r * hr
                p[:, 2 * u:] += rh @ U[:, 2 * u:]
            if self.Zpre is not None:
                self.Zpre[t, :, 2 * u:] = p[:, 2 * u:]
            act.forward_(p[:, 2 * u:])
            z, hh = p[:, :u], p[:, 2 * u:]
            self._carry(H, t, hh + z * (H[t] - hh))  # h̃ = z h_{t-1} + (1 − z) hh
        self.Gates = P
        return [H[-1]]

    def _backprop(self, gO, g_final):
        xp = get_array_module(gO)
        act, ract, U = self.activation, self.recurrent_activation, self.U
        u = U.shape[0]
        gh = xp.zeros_like(self.H[0]) if g_final[0] is None else g_final[0].copy()
        GP = xp.empty_like(self.Gates)
        GI = xp.empty_like(self.Gates) if self.reset_after else None  # dL/d(h U + b_rec)
        pre = self.Zpre
        # σ'(z), σ'(r) and act'(hh) for every step at once, before the loop
        D = self._derivative(ract, pre, self.Gates)
        D[..., 2 * u:] = self._derivative(act, None if pre is None else pre[..., 2 * u:],
                                          self.Gates[..., 2 * u:])
        for t in range(len(GP) - 1, -1, -1):
            gh += gO[t]
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
                g_hr = gi @ U.T
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
