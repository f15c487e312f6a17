"""More linear algebra of ``keras.ops`` (batched over leading axes): pinv and
solve_triangular and cholesky_inverse with gradients, matrix_rank and lu_factor without.

solve_triangular reads only the triangle it is told to (``tril``/``triu`` then
:func:`~shendu.ops.solve`, so the gradient reaching ``a`` lies in that triangle, as in
PyTorch); cholesky_inverse composes it. lu_factor is LU with partial pivoting written on NumPy,
in ``scipy.linalg.lu_factor``'s convention (as Keras): L's multipliers below the diagonal and U
on and above it in one matrix, and ``piv[i]`` the row that row i was exchanged with (0-based).

>>> import numpy as np
>>> from shendu import ops
>>> ops.pinv(np.array([[2.0, 0.0], [0.0, 0.0]])).data
array([[0.5, 0. ],
       [0. , 0. ]])
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, Tensor
from ..errors import ArgumentError
from .arguments import data, floating
from .linalg_decomp import _mT, _square, solve


class PseudoInverse(Function):
    """Settings: ``rcond`` (None: numpy's default cut-off)."""

    def forward(self, a):
        self.a = a
        kwargs = {} if self.rcond is None else {"rcond": self.rcond}
        self.p = np.linalg.pinv(a, **kwargs)
        return self.p

    def backward(self, g):
        a, p = self.a, self.p
        pt, gt = _mT(p), _mT(g)
        # For a constant rank (Golub & Pereyra):
        # dA⁺ = −A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I − AA⁺) + (I − A⁺A) dAᵀ A⁺ᵀA⁺, so
        # ∂L/∂A = −A⁺ᵀ G A⁺ᵀ + (I − AA⁺) Gᵀ A⁺A⁺ᵀ + A⁺ᵀA⁺ Gᵀ (I − A⁺A)
        left = np.eye(a.shape[-2]) - a @ p
        right = np.eye(a.shape[-1]) - p @ a
        return -(pt @ g @ pt) + left @ gt @ (p @ pt) + (pt @ p) @ gt @ right


def pinv(x, rcond: float | None = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each matrix (singular values at or below
    ``rcond`` times the largest count as zero). The gradient assumes the rank stays put.

    >>> import numpy as np
    >>> pinv(np.array([[1.0], [1.0]])).data
    array([[0.5, 0.5]])
    """
    a = _square("pinv", floating(x), square=False)
    if rcond is not None and not isinstance(rcond, (int, float)):
        raise ArgumentError(f"pinv: rcond must be None or a float, got {rcond!r}. Hint: "
                            "rcond=1e-15.")
    return PseudoInverse.apply(a, rcond=rcond)


def matrix_rank(x, tol: float | None = None) -> Tensor:
    """The number of singular values above ``tol`` (default: σ_max · max(m, n) · eps) of each
    matrix, as int32. No gradient.

    >>> import numpy as np
    >>> int(matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])).data)
    1
    """
    a = _square("matrix_rank", floating(x), square=False).data
    if tol is not None and not isinstance(tol, (int, float)):
        raise ArgumentError(f"matrix_rank: tol must be None or a float, got {tol!r}. Hint: "
                            "tol=1e-6.")
    return Tensor(np.asarray(np.linalg.matrix_rank(a, tol=tol), dtype=np.int32))


def solve_triangular(a, b, lower: bool = False) -> Tensor:
    """X with ``a @ X = b`` for triangular ``a`` (its upper triangle, or the lower one when
    ``lower``; the other is not read); b a matrix, or a vector per matrix of a.

    >>> import numpy as np
    >>> solve_triangular(np.array([[2.0, 9.0], [1.0, 4.0]]), np.array([2.0, 4.0]),
    ...                  lower=True).data
    array([1.  , 0.75])
    """
    from .arrangement import tril, triu

    a = _square("solve_triangular", floating(a))
    return solve(tril(a) if lower else triu(a), b)


def cholesky_inverse(x, upper: bool = False) -> Tensor:
    """The inverse of the matrix whose Cholesky factor is ``x``: (L Lᵀ)⁻¹ for the lower factor
    L, or (Uᵀ U)⁻¹ for the upper factor U when ``upper``.

    >>> import numpy as np
    >>> cholesky_inverse(np.array([[2.0, 0.0], [1.0, 1.0]])).data
    array([[ 0.5, -0.5],
           [-0.5,  1. ]])
    """
    from .arrangement import swapaxes
    from .shape import matmul

    factor = _square("cholesky_inverse", floating(x))
    eye = np.eye(factor.shape[-1], dtype=factor.data.dtype)
    inverse = solve_triangular(factor, np.broadcast_to(eye, factor.shape), lower=not upper)
    # lower: A⁻¹ = L⁻ᵀ L⁻¹;  upper: A⁻¹ = U⁻¹ U⁻ᵀ
    inverse_t = swapaxes(inverse, -1, -2)
    return matmul(inverse, inverse_t) if upper else matmul(inverse_t, inverse)


def lu_factor(x) -> tuple[Tensor, Tensor]:
    """The pivoted LU decomposition of each matrix (m, n), as ``scipy.linalg.lu_factor``:
    ``lu`` (m, n) holds L (unit diagonal, not stored) below the diagonal and U on and above
    it, ``piv`` (min(m, n),) int32 the row exchanged with row i at step i. No gradient.

    >>> import numpy as np
    >>> lu, piv = lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> lu.data
    array([[3.        , 4.        ],
           [0.33333333, 0.66666667]])
    >>> piv.data
    array([1, 1], dtype=int32)
    """
    a = data(_square("lu_factor", floating(x), square=False))
    lu = np.array(a, copy=True)
    m, n = lu.shape[-2:]
    lead = lu.shape[:-2]
    lu = lu.reshape((-1, m, n))
    batch = np.arange(lu.shape[0])
    steps = min(m, n)
    piv = np.zeros((lu.shape[0], steps), dtype=np.int32)
    for k in range(steps):
        p = k + np.argmax(np.abs(lu[:, k:, k]), axis=1)  # the first largest, as LAPACK
        piv[:, k] = p
        row_k = lu[batch, k].copy()
        lu[batch, k] = lu[batch, p]
        lu[batch, p] = row_k
        pivot = lu[:, k, k]
        safe = np.where(pivot == 0, 1, pivot)  # an all-zero column: nothing to eliminate
        lu[:, k + 1 :, k] /= safe[:, None]
        lu[:, k + 1 :, k + 1 :] -= lu[:, k + 1 :, k, None] * lu[:, k, None, k + 1 :]
    return Tensor(lu.reshape(lead + (m, n))), Tensor(piv.reshape(lead + (steps,)))
