"""The LSTM over a whole sequence as one op (Keras's gates i, f, c, o), forward and BPTT.

Two loops give the same numbers (tests/test_recurrent.py checks it): a fused one for Keras's
default activations (sigmoid gates, tanh candidate and cell) without a mask, and a general one
for any elementwise activations and for masks.

The fused loop keeps the units first, (units, batch), so every gate of a step is a contiguous
block, and runs ONE matrix product per step for input and recurrence together:
s ⊙ z_t = s ⊙ [U; W; b]ᵀ [h̃_{t-1}; x_t; 1], with the gates in the loop's order g, i, f, o
(the candidate first, then the three sigmoid gates). The scale s is ½ on the sigmoid gates
(an exact power of two), so with

    σ(z) = ½ tanh(½ z) + ½

all four gates are ONE ``tanh`` (cheaper than ``exp`` and a divide), then a multiply-add on the
three sigmoid blocks. Its backward computes the factors of dL/dz that come from the forward
alone a block of steps at a time, leaving three small products per step and ONE product
[dL/dh̃_{t-1}; dL/dx̃_t] = [U; W] dL/dz_t per step (a taller product than U's alone, which two
BLAS threads share better), then ONE product over all steps gives dL/dU, dL/dW and dL/db
together. Its large temporaries come from :mod:`shendu.ops.scratch` (no fresh pages every
batch); without a backward to come (inference) it keeps the gates and cell of one step only.

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


def _loop_order(xp, units):
    """Keras's gate columns (i, f, c, o) in the fused loop's order: c (called g), i, f, o."""
    u = units
    return xp.concatenate([xp.arange(2 * u, 3 * u), xp.arange(2 * u), xp.arange(3 * u, 4 * u)])


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
    # in the loop's order g, i, f, o (the candidate, then the three sigmoid gates), so every
    # gate is one contiguous block. Each step's product takes the input too:
    # s ⊙ z_t = Ks [h̃_{t-1}; x_t; 1] with Ks = s ⊙ [U; W; b]ᵀ, one (4u, u+features+1) matrix,
    # s = 1 on g and ½ on i, f, o, so ONE tanh gives all four gates: σ(z) = ½ tanh(½ z) + ½.
    # The backward gets dL/dU, dL/dW and dL/db from ONE product over all steps.
    def forward(self, x, W, U, *rest):
        if not self._fused():
            return super().forward(x, W, U, *rest)
        xp = get_array_module(x)
        xt, initial = self._begin(x, W, U, rest)
        steps, batch, features = xt.shape
        u = U.shape[0]
        dtype = x.dtype
        order = _loop_order(xp, u)
        K = xp.empty((4 * u, u + features + 1), dtype)
        K[:, :u], K[:, u:u + features] = U[:, order].T, W[:, order].T
        K[:, -1] = 0 if self.b is None else self.b[order]
        K[u:] *= 0.5  # s: ½ on the sigmoid gates (exact)
        # XH[t] = [h̃_{t-1}; x_t; 1] (the product's right side); h_T lands in XH[T, :u]
        self.XH = XH = scratch.take(xp, (steps + 1, K.shape[1], batch), dtype)
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
        half = xp.asarray(0.5, dtype)  # 0-d: the cheapest operand
        ig = xp.empty((u, batch), dtype)
        for t in range(steps):
            k = t if keep else 0
            c_prev, c = (C[t], C[t + 1]) if keep else (C[t % 2], C[(t + 1) % 2])
            z = Z[k]
            xp.matmul(K, XH[t], out=z)  # s ⊙ (W x_t + U h̃_{t-1} + b)
            # g = tanh(z_g);  i, f, o = σ(z) = ½ tanh(½ z) + ½
            xp.tanh(z, out=z)
            sig = z[u:]
            xp.multiply(sig, half, out=sig)
            xp.add(sig, half, out=sig)
            g, i, f, o = z[:u], z[u:2 * u], z[2 * u:3 * u], z[3 * u:]
            # c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
            xp.multiply(f, c_prev, out=c)
            xp.multiply(i, g, out=ig)
            xp.add(c, ig, out=c)
            tc = self.TC[k]
            xp.tanh(c, out=tc)
            xp.multiply(o, tc, out=H[t + 1])
            if self.rdpT is not None:
                xp.multiply(H[t + 1], self.rdpT, out=XH[t + 1, :u])
        c_final = C[steps if keep else steps % 2]
        seq = None
        if self.return_sequences:  # (batch, time, units), a (units, batch) transpose a step
            seq = xp.empty((batch, steps, u), dtype)
            for t in range(steps):
                seq[:, t] = H[t + 1].T
        O = H[-1:].transpose(0, 2, 1) if seq is None else seq.transpose(1, 0, 2)
        out = self._pack(O, [H[-1].T, c_final.T])
        if out.base is not None and out.base is not seq:  # a view of H: never hand out scratch
            out = out.copy()
        if not keep:
            self._release()  # no backward will come
        return out

    def _release(self):
        scratch.give(self.XH, self.C, self.Gates, self.TC, None if self.rdpT is None else self.H)
        self.XH = self.C = self.Gates = self.TC = self.H = None  # a second backward fails loudly

    @staticmethod
    def _factors(Z, C, TC, a, b, D, B):
        """D[:b-a] and B[:b-a] for the steps a..b-1 (gates Z in the loop's order g, i, f, o)."""
        xp = get_array_module(Z)
        u = C.shape[1]
        Zs, Ds, Bs, TCs = Z[a:b], D[:b - a], B[:b - a], TC[a:b]
        g, i, o = Zs[:, :u], Zs[:, u:2 * u], Zs[:, 3 * u:]
        # σ' = y (1 − y) on i, f, o;  tanh' = 1 − g² on g
        xp.multiply(Zs[:, u:], Zs[:, u:], out=Ds[:, u:])
        xp.subtract(Zs[:, u:], Ds[:, u:], out=Ds[:, u:])
        xp.multiply(g, g, out=Ds[:, :u])
        xp.subtract(1, Ds[:, :u], out=Ds[:, :u])
        # dz_g/dc̃ = tanh'_g i,  dz_i/dc̃ = σ'_i g,  dz_f/dc̃ = σ'_f c_{t-1},  dz_o/dh̃ = σ'_o tanh(c_t)
        Ds[:, :u] *= i
        Ds[:, u:2 * u] *= g
        Ds[:, 2 * u:3 * u] *= C[a:b]
        Ds[:, 3 * u:] *= TCs
        # dc̃_t/dh̃_t = o (1 − tanh²(c_t))
        xp.multiply(TCs, TCs, out=Bs)
        xp.subtract(1, Bs, out=Bs)
        Bs *= o

    def backward(self, g):
        if not self._fused():
            return super().backward(g)
        xp = get_array_module(g)
        gO, offset, g_final = self._unpack(g)
        Z, C, TC, XH = self.Gates, self.C, self.TC, self.XH
        steps, width, batch = Z.shape
        u = width // 4
        order = _loop_order(xp, u)
        features = XH.shape[1] - u - 1
        need_x = bool((self.needs_input_grad or (True,))[0])
        # [dL/dh̃_{t-1}; dL/dx̃_t] = [U; W]ₒ dL/dz_t: one product per step gives both (a taller
        # product than U's alone, which two BLAS threads share better); ₒ: the loop's order
        UW = xp.concatenate([self.U, self.W], axis=0)[:, order] if need_x else self.U[:, order]
        GHX = scratch.take(xp, (steps, UW.shape[0], batch), Z.dtype)
        gh = xp.zeros_like(C[0]) if g_final[0] is None else xp.ascontiguousarray(g_final[0].T)
        gc = xp.zeros_like(C[0]) if g_final[1] is None else xp.ascontiguousarray(g_final[1].T)
        gOT = gO.transpose(0, 2, 1)
        tmp = xp.empty_like(gh)
        # the factors of dL/dz that come from the forward alone, a block of steps at a time:
        # D = [tanh'_g i, σ'_i g, σ'_f c_{t-1}, σ'_o tanh(c_t)], B = o (1 − tanh²(c_t))
        block = max(1, min(steps, (1 << 19) // Z[0].nbytes))
        D = scratch.take(xp, (block,) + Z.shape[1:], Z.dtype)
        B = scratch.take(xp, (block,) + TC.shape[1:], Z.dtype)
        for t in range(steps - 1, -1, -1):
            j = t % block
            if t == steps - 1 or j == block - 1:
                self._factors(Z, C, TC, t - j, t + 1, D, B)
            if t >= offset:
                gh += gOT[t - offset]
            z = Z[t]  # the gates g, i, f, o; overwritten by dL/dz
            # dL/dc̃_t += dL/dh̃_t ⊙ o ⊙ (1 − tanh²(c_t))
            xp.multiply(gh, B[j], out=tmp)
            xp.add(gc, tmp, out=gc)
            xp.multiply(gc, z[2 * u:3 * u], out=tmp)  # dL/dc_{t-1} = dL/dc̃_t ⊙ f
            # dL/dz_{g,i,f} = dL/dc̃_t ⊙ D_{g,i,f},  dL/dz_o = dL/dh̃_t ⊙ D_o
            xp.multiply(D[j, :3 * u].reshape(3, u, batch), gc, out=z[:3 * u].reshape(3, u, batch))
            xp.multiply(D[j, 3 * u:], gh, out=z[3 * u:])
            gc, tmp = tmp, gc
            # [dL/dh_{t-1} (before rdp); dL/dx̃_t] = [U; W]ₒ dL/dz_t
            xp.matmul(UW, z, out=GHX[t])
            gh = GHX[t, :u]
            if self.rdpT is not None:
                gh *= self.rdpT
        scratch.give(D, B)
        # dL/dz of all steps as (4u, time·batch); dL/d[U; W; b] = Σ_t [h̃_{t-1}; x_t; 1] dL/dz_tᵀ
        GZ = scratch.take(xp, (width, steps, batch), Z.dtype)
        GZ[...] = Z.transpose(1, 0, 2)
        XHs = scratch.take(xp, (XH.shape[1], steps, batch), Z.dtype)
        XHs[...] = XH[:steps].transpose(1, 0, 2)
        self._release()
        gK = XHs.reshape(XHs.shape[0], -1) @ GZ.reshape(width, -1).T
        scratch.give(XHs, GZ)
        back = xp.argsort(order)  # the loop's gate order back to Keras's
        gU, gW = gK[:u, back], gK[u:u + features, back]
        gb = gK[-1, back] if self.use_bias else None
        gx = self._input_grad_from(GHX[:, u:]) if need_x else None
        g_initial = [gh.T.copy(), gc.T]  # gh may be a view of GHX
        scratch.give(GHX)
        return self._grads(gx, gW, gU, gb, g_initial)

    def _input_grad_from(self, GX):
        """dL/dx (batch, time, features) from dL/dx̃ as (time, features, batch)."""
        xp = get_array_module(GX)
        if self.go_backwards:
            GX = GX[::-1]
        gx = xp.empty(self.x_shape, GX.dtype)  # always a fresh array
        # one (features, batch) transpose a step: 79 µs against 178 for one strided copy of
        # the whole (batch, time, features) array at the benchmark's shapes
        for t in range(GX.shape[0]):
            gx[:, t] = GX[t].T
        if self.dp is not None:
            gx *= self.dp[:, None, :]
        return gx

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
