"""The LSTM over a whole sequence as one op (Keras's gates i, f, c, o), forward and BPTT.

Two loops give the same numbers (tests/test_recurrent.py checks it): a fused one for Keras's
default activations (sigmoid gates, tanh candidate and cell) without a mask, and a general one
for any elementwise activations and for masks.

The fused loop keeps the units first, (units, batch), so every gate of a step is a contiguous
block, and runs ONE matrix product per step for input and recurrence together:
s ⊙ z_t = [s⊙U; s⊙W; s⊙b]ᵀ [h̃_{t-1}; x_t; 1]. The scale s is −1 on the i, f, o columns and
−2 on the c columns (exact powers of two), so with

    σ(z) = 1 / (1 + e^{−z}),   tanh(z) = 2 / (1 + e^{−2z}) − 1

all four gates are one ``exp``, ``+1`` and one divide by (1, 1, 2, 1) (then c − 1). Its
backward is small contiguous elementwise calls and one (units × 4·units) product per step,
then ONE product over all steps gives dL/dU, dL/dW and dL/db together. Its large temporaries
come from :mod:`shendu.ops.scratch` (no fresh pages every batch); without a backward to come
(inference) it keeps the gates and cell of one step only.

>>> import numpy as np
>>> from shendu.ops.activations import Sigmoid, Tanh
>>> x, W, U = np.ones((2, 3, 5)), np.zeros((5, 8)), np.zeros((2, 8))
>>> y = LSTMFn.apply(x, W, U, activation=Tanh(), recurrent_activation=Sigmoid(),
...                  use_bias=False, return_state=True)
>>> y.shape  # the last output, then the states h and c
(2, 3, 2)
"""

from __future__ import annotations

from ..backend import get_array_module
from .activations import Sigmoid, Tanh
from .recurrent_base import Recurrent, activate_, quiet_overflow
from .scratch import scratch


class LSTMFn(Recurrent):
    """Gates i, f, c, o (Keras's order): c_t = f c_{t-1} + i g,  h_t = o act(c_t).

    ``fused_gates`` (class attribute, True) lets the default activations take the fused loop;
    set it to False to run the general loop (the tests compare the two).

    >>> import numpy as np
    >>> from shendu.ops.activations import Sigmoid, Tanh
    >>> x, W, U = np.ones((1, 2, 1)), np.full((1, 4), 0.5), np.zeros((1, 4))
    >>> y = LSTMFn.apply(x, W, U, activation=Tanh(), recurrent_activation=Sigmoid(),
    ...                  use_bias=False)
    >>> s, g = 1 / (1 + np.exp(-0.5)), np.tanh(0.5)  # every gate sees z = 0.5 (U = 0)
    >>> c2 = s * (s * g) + s * g
    >>> bool(abs(y.data[0, 0] - s * np.tanh(c2)) < 1e-15), round(float(y.data[0, 0]), 6)
    (True, 0.271099)
    """

    n_states = 2
    fused_gates = True

    def _fused(self):
        return (self.fused_gates and self.mask is None and type(self.activation) is Tanh
                and type(self.recurrent_activation) is Sigmoid)

    def _loop(self, P, initial):
        return self._loop_general(P, initial)

    def _backprop(self, gO, offset, g_final):
        return self._backprop_general(gO, offset, g_final)

    # -- fused: sigmoid gates, tanh candidate and cell, no mask -------------------------------
    # Units first inside: a step's states are (units, batch) and its gates (4·units, batch),
    # so every gate is one contiguous block. Each step's product takes the input too:
    # s ⊙ z_t = Ksᵀ [h̃_{t-1}; x_t; 1] with Ks = s ⊙ [U; W; b], one (4u, u+features+1) matrix,
    # and the backward gets dL/dU, dL/dW and dL/db from ONE product over all steps.
    def forward(self, x, W, U, *rest):
        if not self._fused():
            return super().forward(x, W, U, *rest)
        xp = get_array_module(x)
        xt, initial = self._begin(x, W, U, rest)
        steps, batch, features = xt.shape
        u = U.shape[0]
        dtype = x.dtype
        s = xp.full(4 * u, -1.0, dtype=dtype)
        s[2 * u:3 * u] = -2.0  # s: −1 on the i, f, o columns, −2 on the c columns
        K = xp.empty((4 * u, u + features + 1), dtype)
        K[:, :u], K[:, u:u + features] = (U * s).T, (W * s).T
        K[:, -1] = 0 if self.b is None else self.b * s
        # XH[t] = [h̃_{t-1}; x_t; 1] (the product's right side); h_T lands in XH[T, :u]
        self.XH = XH = scratch.take(xp, (steps + 1, u + features + 1, batch), dtype)
        XH[:steps, u:u + features] = xt.transpose(0, 2, 1)
        XH[:steps, -1] = 1
        self.rdpT = None if self.rdp is None else xp.ascontiguousarray(self.rdp.T)
        self.H = H = XH[:, :u] if self.rdpT is None else scratch.take(xp, XH[:, :u].shape, dtype)
        H[0] = initial[0].T
        if self.rdpT is not None:
            xp.multiply(H[0], self.rdpT, out=XH[0, :u])
        # without a backward to come, the gates and cells of one step at a time are enough
        keep = bool(getattr(self, "needs_input_grad", True))
        self.C = C = scratch.take(xp, (steps + 1 if keep else 2, u, batch), dtype)
        C[0] = initial[1].T
        self.Gates = Z = scratch.take(xp, (steps if keep else 1, 4 * u, batch), dtype)
        self.TC = scratch.take(xp, (steps if keep else 1, u, batch), dtype)
        numerator = xp.ones((4 * u, batch), dtype)
        numerator[2 * u:3 * u] = 2
        one, two, m2 = (xp.asarray(v, dtype) for v in (1, 2, -2))  # 0-d: the cheapest operands
        ig = xp.empty((u, batch), dtype)
        with quiet_overflow(xp):
            for t in range(steps):
                k = t if keep else 0
                c_prev, c = (C[t], C[t + 1]) if keep else (C[t % 2], C[(t + 1) % 2])
                z = Z[k]
                xp.matmul(K, XH[t], out=z)  # s ⊙ (W x_t + U h̃_{t-1} + b)
                # σ(z) = 1 / (1 + e^{−z}) for i, f, o;  tanh(z) = 2 / (1 + e^{−2z}) − 1 for c
                xp.exp(z, out=z)
                xp.add(z, one, out=z)
                xp.divide(numerator, z, out=z)
                i, f, g, o = z[:u], z[u:2 * u], z[2 * u:3 * u], z[3 * u:]
                xp.subtract(g, one, out=g)
                # c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
                xp.multiply(f, c_prev, out=c)
                xp.multiply(i, g, out=ig)
                xp.add(c, ig, out=c)
                tc = self.TC[k]
                xp.multiply(c, m2, out=tc)
                xp.exp(tc, out=tc)
                xp.add(tc, one, out=tc)
                xp.divide(two, tc, out=tc)
                xp.subtract(tc, one, out=tc)
                xp.multiply(o, tc, out=H[t + 1])
                if self.rdpT is not None:
                    xp.multiply(H[t + 1], self.rdpT, out=XH[t + 1, :u])
        c_final = C[steps if keep else steps % 2]
        out = self._pack(H[1:].transpose(0, 2, 1), [H[-1].T, c_final.T])
        if not keep:
            self._release()  # no backward will come
        return out

    def _release(self):
        scratch.give(self.XH, self.C, self.Gates, self.TC, None if self.rdpT is None else self.H)
        self.XH = self.C = self.Gates = self.TC = self.H = None  # a second backward fails loudly

    def backward(self, g):
        if not self._fused():
            return super().backward(g)
        xp = get_array_module(g)
        gO, offset, g_final = self._unpack(g)
        Z, C, TC, U = self.Gates, self.C, self.TC, self.U
        steps, width, batch = Z.shape
        u = width // 4
        gh = xp.zeros_like(C[0]) if g_final[0] is None else xp.ascontiguousarray(g_final[0].T)
        gc = xp.zeros_like(C[0]) if g_final[1] is None else xp.ascontiguousarray(g_final[1].T)
        gOT = gO.transpose(0, 2, 1)
        one = xp.asarray(1, Z.dtype)
        tmp, d = xp.empty_like(gh), xp.empty_like(Z[0])
        for t in range(steps - 1, -1, -1):
            if t >= offset:
                gh += gOT[t - offset]
            z, tc = Z[t], TC[t]  # z: the gates i, f, g, o; overwritten by dL/dz
            i, f, g, o = z[:u], z[u:2 * u], z[2 * u:3 * u], z[3 * u:]
            # dL/dc̃_t += dL/dh̃_t ⊙ o ⊙ (1 − tanh²(c_t))
            xp.multiply(tc, tc, out=tmp)
            xp.subtract(one, tmp, out=tmp)
            xp.multiply(tmp, o, out=tmp)
            xp.multiply(tmp, gh, out=tmp)
            xp.add(gc, tmp, out=gc)
            xp.multiply(gc, f, out=tmp)  # dL/dc_{t-1} = dL/dc̃ ⊙ f (before f is overwritten)
            # dL/di = dL/dc̃ ⊙ g σ'_i, dL/df = dL/dc̃ ⊙ c_{t-1} σ'_f, dL/dg = dL/dc̃ ⊙ i tanh'_g,
            # dL/do = dL/dh̃ ⊙ tanh(c_t) σ'_o;  σ' = y (1 − y), tanh' = 1 − y²
            xp.multiply(z, z, out=d)
            xp.subtract(z, d, out=d)
            dg = d[2 * u:3 * u]
            xp.multiply(g, g, out=dg)
            xp.subtract(one, dg, out=dg)
            xp.multiply(d[:u], g, out=d[:u])
            xp.multiply(d[u:2 * u], C[t], out=d[u:2 * u])
            xp.multiply(dg, i, out=dg)
            xp.multiply(d[3 * u:], tc, out=d[3 * u:])
            xp.multiply(d[:3 * u].reshape(3, u, batch), gc, out=z[:3 * u].reshape(3, u, batch))
            xp.multiply(d[3 * u:], gh, out=o)
            gc, tmp = tmp, gc
            # dL/dh_{t-1} = (U dL/dz) ⊙ rdp
            xp.matmul(U, z, out=gh)
            if self.rdpT is not None:
                gh *= self.rdpT
        # dL/dz of all steps as (4u, time·batch); dL/d[U; W; b] = Σ_t [h̃_{t-1}; x_t; 1] dL/dz_tᵀ
        flat = scratch.take(xp, (width, steps, batch), Z.dtype)
        flat[...] = Z.transpose(1, 0, 2)
        XH = scratch.take(xp, (self.XH.shape[1], steps, batch), Z.dtype)
        XH[...] = self.XH[:steps].transpose(1, 0, 2)
        self._release()
        flat, XH = flat.reshape(width, -1), XH.reshape(XH.shape[0], -1)
        need = self.needs_input_grad or (True,) * 6
        gK = XH @ flat.T
        features = XH.shape[0] - u - 1
        gU, gW = gK[:u], gK[u:u + features]
        gb = gK[-1] if self.use_bias else None
        gx = None
        if need[0]:
            # dL/dx_t = dL/dz_t Wᵀ
            gxt = scratch.take(xp, (steps * batch, self.W.shape[0]), Z.dtype)
            gx = self._input_grad(xp.matmul(flat.T, self.W.T, out=gxt))
            scratch.give(gxt)
        scratch.give(flat.base, XH.base)
        return self._grads(gx, gW, gU, gb, [gh.T, gc.T])

    # -- general: any elementwise activations, masks -------------------------------------------
    def _loop_general(self, P, initial):
        xp = get_array_module(P)
        act, ract, U = self.activation, self.recurrent_activation, self.U
        u = U.shape[0]
        shape = (P.shape[0] + 1,) + initial[0].shape
        self.H, self.C = H, C = xp.empty(shape, P.dtype), xp.empty(shape, P.dtype)
        H[0], C[0] = initial
        self.Zpre = xp.empty_like(P) if (act.needs_input or ract.needs_input) else None
        self.Cnew = xp.empty((P.shape[0],) + shape[1:], P.dtype)
        self.TC = xp.empty_like(self.Cnew)
        with quiet_overflow(xp):
            for t in range(P.shape[0]):
                z = P[t]
                z += self._hr(t) @ U
                if self.Zpre is not None:
                    self.Zpre[t] = z
                g_pre = z[:, 2 * u:3 * u].copy()
                activate_(ract, z)  # all four blocks at once, then the candidate block redone
                z[:, 2 * u:3 * u] = activate_(act, g_pre)
                i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
                # c̃_t = f ⊙ c_{t-1} + i ⊙ g
                c = self.Cnew[t]
                xp.multiply(f, C[t], out=c)
                c += i * g
                tc = self.TC[t]
                tc[...] = c
                activate_(act, tc)
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

    def _backprop_general(self, gO, offset, g_final):
        xp = get_array_module(gO)
        u = self.U.shape[0]
        D, DC = self._derivatives()
        gh, gc = self._start(g_final[0], self.H[0]), self._start(g_final[1], self.C[0])
        GZ = xp.empty_like(self.Gates)
        UT = xp.ascontiguousarray(self.U.T)
        for t in range(len(GZ) - 1, -1, -1):
            if t >= offset:
                gh += gO[t - offset]
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
