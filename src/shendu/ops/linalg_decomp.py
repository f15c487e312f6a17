"""Matrix functions and decompositions of ``keras.ops`` on ``numpy.linalg`` (over the last
two axes, batched): inv, det, slogdet, solve and the singular values of svd with their
backward; cholesky, qr, eig, eigh, lstsq and the vectors of svd forward only (constant
Tensors).

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.autograd import Tensor
>>> a = Tensor(np.array([[2.0, 0.0], [0.0, 4.0]]), requires_grad=True)
>>> ops.det(a).backward()
>>> a.grad
array([[4., 0.],
       [0., 2.]])
"""

from __future__ import annotations

from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import data, floating
from .math import unbroadcast


def _mT(a):
    return a.swapaxes(-1, -2)


class Inv(Function):
    def forward(self, a):
        self.y = get_array_module(a).linalg.inv(a)
        return self.y

    def backward(self, g):
        # d(A⁻¹) = -A⁻¹ dA A⁻¹  →  dL/dA = -A⁻ᵀ G A⁻ᵀ
        yt = _mT(self.y)
        return -(yt @ g @ yt)


class Det(Function):
    def forward(self, a):
        xp = get_array_module(a)
        self.a = a
        self.y = xp.linalg.det(a)
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        # d det(A)/dA = det(A)·A⁻ᵀ (the adjugate's transpose)
        inv_t = _mT(xp.linalg.inv(self.a))
        return (g * self.y)[..., None, None] * inv_t


class LogAbsDet(Function):
    def forward(self, a):
        xp = get_array_module(a)
        self.a = a
        self.sign, y = xp.linalg.slogdet(a)
        return y

    def backward(self, g):
        xp = get_array_module(g)
        # d log|det A|/dA = A⁻ᵀ
        return g[..., None, None] * _mT(xp.linalg.inv(self.a))


class Solve(Function):
    """Settings: ``vector`` (b is a batch of vectors)."""

    def forward(self, a, b):
        xp = get_array_module(a, b)
        self.a, self.b_shape = a, b.shape
        bm = b[..., None] if self.vector else b
        self.x = xp.linalg.solve(a, bm)
        return self.x[..., 0] if self.vector else self.x

    def backward(self, g):
        xp = get_array_module(g)
        gm = g[..., None] if self.vector else g
        # X = A⁻¹B:  dL/dB = A⁻ᵀ G,  dL/dA = -(dL/dB) Xᵀ
        gb = xp.linalg.solve(_mT(self.a), gm)
        ga = unbroadcast(-(gb @ _mT(self.x)), self.a.shape)
        gb = gb[..., 0] if self.vector else gb
        return ga, unbroadcast(gb, self.b_shape)


class SingularValues(Function):
    def forward(self, a):
        xp = get_array_module(a)
        self.u, s, self.vt = xp.linalg.svd(a, full_matrices=False)
        return s

    def backward(self, g):
        # dσₖ/dA = uₖ vₖᵀ  →  dL/dA = U diag(g) Vᵀ
        return (self.u * g[..., None, :]) @ self.vt


def _square(op, a, square=True):
    if a.ndim < 2 or (square and a.shape[-1] != a.shape[-2]):
        what = "square matrices" if square else "matrices"
        raise ShapeError(f"{op}: x must hold {what} on its last two axes, got shape "
                         f"{a.shape}. Hint: shape (..., n, n).")
    return a


def inv(x) -> Tensor:
    """The inverse of each square matrix."""
    return Inv.apply(_square("inv", floating(x)))


def det(x) -> Tensor:
    """The determinant of each square matrix."""
    return Det.apply(_square("det", floating(x)))


def slogdet(x) -> tuple[Tensor, Tensor]:
    """The sign and the log of the absolute value of each determinant (the log carries the
    gradient)."""
    a = _square("slogdet", floating(x))
    y = LogAbsDet.apply(a)
    xp = get_array_module(a.data)
    return Tensor(xp.sign(xp.linalg.det(a.data))), y


def logdet(x) -> Tensor:
    """``log det(x)`` of each square matrix (NaN where the determinant is negative)."""
    a = _square("logdet", floating(x))
    sign, y = slogdet(a)
    from .math import add, log

    # log det = log|det| + log(sign): NaN for a negative determinant, -inf for zero
    return add(y, log(sign))


def solve(a, b) -> Tensor:
    """X with ``a @ X = b`` (b a matrix, or a vector per matrix of a)."""
    a, b = floating(a), floating(b)
    _square("solve", a)
    vector = b.ndim == a.ndim - 1
    if b.ndim == 0 or b.shape[-1 if vector else -2] != a.shape[-1]:
        raise ShapeError(f"solve: b must have a's rows ({a.shape[-1]}) on its "
                         f"{'last' if vector else 'second-to-last'} axis, got shapes {a.shape} "
                         f"and {b.shape}. Hint: b of shape (..., n) or (..., n, k).")
    return Solve.apply(a, b, vector=vector)


def svd(x, full_matrices: bool = True, compute_uv: bool = True):
    """The singular value decomposition ``u, s, vh`` (``s`` alone without ``compute_uv``);
    ``s`` carries the gradient, ``u`` and ``vh`` are constant."""
    a = _square("svd", floating(x), square=False)
    s = SingularValues.apply(a)
    if not compute_uv:
        return s
    xp = get_array_module(a.data)
    u, _, vh = xp.linalg.svd(a.data, full_matrices=bool(full_matrices))
    return Tensor(u), s, Tensor(vh)


def _constant(op, fn, x, square=True):
    a = _square(op, floating(x), square=square).data
    out = fn(get_array_module(a).linalg, a)
    return tuple(Tensor(o) for o in out) if isinstance(out, tuple) else Tensor(out)


def cholesky(x, upper: bool = False) -> Tensor:
    """The Cholesky factor L (``x = L Lᵀ``; U = Lᵀ when ``upper``) of each symmetric
    positive-definite matrix. No gradient."""
    lower = _constant("cholesky", lambda la, a: la.cholesky(a), x)
    return Tensor(_mT(lower.data).copy()) if upper else lower


def qr(x, mode: str = "reduced"):
    """The QR decomposition ``q, r`` ('reduced' or 'complete'). No gradient."""
    if mode not in ("reduced", "complete"):
        raise ArgumentError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}. "
                            "Hint: 'reduced' gives q of shape (..., m, min(m, n)).")
    return _constant("qr", lambda la, a: tuple(la.qr(a, mode=mode)), x, square=False)


def eig(x):
    """The eigenvalues and eigenvectors of each square matrix. No gradient."""
    return _constant("eig", lambda la, a: tuple(la.eig(a)), x)


def eigh(x):
    """The eigenvalues (ascending) and eigenvectors of each symmetric matrix. No gradient."""
    return _constant("eigh", lambda la, a: tuple(la.eigh(a)), x)


def lstsq(a, b, rcond=None) -> Tensor:
    """The least-squares solution X of ``a @ X ≈ b`` (one matrix a). No gradient."""
    am, bm = data(floating(a)), data(floating(b))
    if am.ndim != 2 or bm.ndim not in (1, 2) or bm.shape[0] != am.shape[0]:
        raise ShapeError(f"lstsq: a must be 2-D and b 1-D or 2-D with a's rows, got shapes "
                         f"{am.shape} and {bm.shape}. Hint: a (m, n), b (m,) or (m, k).")
    xp = get_array_module(am)
    return Tensor(xp.linalg.lstsq(am, bm, rcond=rcond)[0])
