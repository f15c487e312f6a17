"""Products and sums over vectors in ``keras.ops``, composed of differentiable ops: cross
(3- and 2-vectors), correlate (1-D, modes valid/same/full), trapezoid, vander (Vandermonde
columns), corrcoef (Pearson correlations of rows); cdist (Euclidean distances between two
sets of vectors) with its own backward, 0 where a distance is 0.

>>> import numpy as np
>>> from shendu import ops
>>> ops.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])).data
array([0., 0., 1.])
>>> ops.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0]), mode="full").data
array([1., 2., 3., 0.])
>>> float(ops.trapezoid(np.array([1.0, 2.0, 3.0]), dx=0.5).data)
2.0
>>> ops.cdist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [0.0, 1.0]])).data
array([[5., 1.]])
"""

from __future__ import annotations

from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_count, check_one_axis, floating
from .arrangement import moveaxis, pad
from .indexing import take
from .math import add, clip, divide, multiply, sqrt, subtract, unbroadcast
from .matrices import diagonal
from .pointwise import floats
from .reductions import diff
from .shape import broadcast_to, expand_dims, getitem, matmul, mean, reshape, stack, transpose
from .shape import sum as sum_


def cross(x1, x2, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis=None) -> Tensor:
    """The cross product of the 3-vectors (or 2-vectors, their z as 0) along ``axisa`` of x1
    and ``axisb`` of x2, laid along ``axisc``; ``axis`` sets all three. Two 2-vectors give
    the z component alone."""
    a, b = floats(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(a, check_one_axis("cross", axisa, a.ndim, "axisa"), -1)
    b = moveaxis(b, check_one_axis("cross", axisb, b.ndim, "axisb"), -1)
    sizes = (a.shape[-1], b.shape[-1])
    if any(n not in (2, 3) for n in sizes):
        raise ShapeError(f"cross: the vectors must have 2 or 3 components, got {sizes[0]} in x1 "
                         f"and {sizes[1]} in x2. Hint: axisa/axisb pick the vectors' axis.")
    ax, ay = getitem(a, (Ellipsis, 0)), getitem(a, (Ellipsis, 1))
    bx, by = getitem(b, (Ellipsis, 0)), getitem(b, (Ellipsis, 1))
    # (a × b)_z = a_x b_y - a_y b_x
    z = subtract(multiply(ax, by), multiply(ay, bx))
    if sizes == (2, 2):
        return z
    zero = 0.0
    az = getitem(a, (Ellipsis, 2)) if sizes[0] == 3 else zero
    bz = getitem(b, (Ellipsis, 2)) if sizes[1] == 3 else zero
    # (a × b)_x = a_y b_z - a_z b_y,  (a × b)_y = a_z b_x - a_x b_z
    x = subtract(multiply(ay, bz), multiply(az, by))
    y = subtract(multiply(az, bx), multiply(ax, bz))
    parts = [x, y, z]
    shape = tuple(max(p.shape[i] if i < len(p.shape) else 1 for p in parts)
                  for i in range(max(len(p.shape) for p in parts)))

    c = stack([broadcast_to(p, shape) for p in parts], axis=-1)
    return moveaxis(c, -1, check_one_axis("cross", axisc, c.ndim, "axisc"))


MODES = ("valid", "same", "full")


def correlate(x1, x2, mode: str = "valid") -> Tensor:
    """The cross-correlation ``c[k] = Σₙ x1[n + k]·x2[n]`` of two 1-D tensors; ``mode``
    'valid' (full overlaps), 'same' (the longer length, centred) or 'full'."""
    if mode not in MODES:
        raise ArgumentError(f"correlate: mode must be one of {list(MODES)}, got {mode!r}. "
                            "Hint: 'full' keeps every overlap.")
    a, v = floats(x1, x2)
    for name, t in (("x1", a), ("x2", v)):
        if t.ndim != 1 or t.shape[0] == 0:
            raise ShapeError(f"correlate: {name} must be a non-empty 1-D tensor, got shape "
                             f"{t.shape}. Hint: ops.ravel({name}).")
    n, m = a.shape[0], v.shape[0]
    xp = get_array_module(a.data)
    # full: row i of the windows holds a[i + j - (m - 1)] (zeros outside), j < m
    windows = take(pad(a, [(m - 1, m - 1)]), xp.arange(n + m - 1)[:, None] + xp.arange(m))
    full = matmul(windows, v)
    if mode == "full":
        return full
    short, long_ = min(n, m), max(n, m)
    # NumPy's placing: 'same' is centred on the shorter operand's middle (rounded as NumPy)
    start = short - 1 if mode == "valid" else (m - 1) // 2 if n >= m else n // 2
    length = long_ - short + 1 if mode == "valid" else long_
    return getitem(full, slice(start, start + length))


def trapezoid(y, x=None, dx=1.0, axis: int = -1) -> Tensor:
    """The integral of ``y`` along ``axis`` by the trapezoidal rule, at the sample points
    ``x`` (1-D along axis, or y's shape) or spaced ``dx`` apart."""
    y = floating(y)
    if y.ndim == 0:
        raise ShapeError("trapezoid: y needs at least one axis, got a 0-D tensor. "
                         "Hint: ops.reshape(y, (1,)).")
    ax = check_one_axis("trapezoid", axis, y.ndim)
    head = (slice(None),) * ax
    # ∫ ≈ Σ (y[i + 1] + y[i]) / 2 · (x[i + 1] - x[i])
    upper, lower = getitem(y, head + (slice(1, None),)), getitem(y, head + (slice(None, -1),))
    mids = multiply(add(upper, lower), 0.5)
    if x is None:
        return sum_(multiply(mids, dx), axis=ax)
    x, _ = floats(x, y)
    if x.ndim == 1:
        if x.shape[0] != y.shape[ax]:
            raise ShapeError(f"trapezoid: a 1-D x must have y.shape[axis] = {y.shape[ax]} "
                             f"points, got {x.shape[0]}. Hint: one x per sample of y.")
        d = reshape(diff(x), [x.shape[0] - 1 if i == ax else 1 for i in range(y.ndim)])
    else:
        d = diff(x, axis=ax if x.ndim == y.ndim else -1)
    return sum_(multiply(mids, d), axis=ax)


def vander(x, N=None, increasing: bool = False) -> Tensor:  # noqa: N803 - Keras's name
    """The Vandermonde matrix of a 1-D x: column j holds ``x**(N-1-j)`` (``x**j`` when
    ``increasing``); N defaults to len(x). Integers stay integers (no gradient)."""
    t = as_tensor(x)
    if t.ndim != 1:
        raise ShapeError(f"vander: x must be 1-D, got shape {t.shape}. Hint: ops.ravel(x).")
    n = t.shape[0] if N is None else check_count("vander", "N", N)
    if t.data.dtype.kind not in "fc":
        xp = get_array_module(t.data)
        return Tensor(xp.vander(t.data, N=n, increasing=bool(increasing)).astype(t.data.dtype))
    xp = get_array_module(t.data)
    # powers by repeated products (no 0⁰ in a power's gradient): x⁰ = 1, xᵏ = xᵏ⁻¹·x
    columns = [Tensor(xp.ones(t.shape, t.data.dtype))] if n else []
    for _ in range(1, n):
        columns.append(multiply(columns[-1], t))
    if not columns:
        return Tensor(xp.zeros((t.shape[0], 0), t.data.dtype))
    return stack(columns if increasing else columns[::-1], axis=1)


def corrcoef(x) -> Tensor:
    """The Pearson correlation matrix of the rows of a 2-D x (variables by observations),
    clipped to [-1, 1] as NumPy does."""
    x = floating(x)
    if x.ndim != 2:
        raise ShapeError(f"corrcoef: x must be 2-D (variables, observations), got shape "
                         f"{x.shape}. Hint: ops.stack([a, b]) for two 1-D series.")
    centred = subtract(x, mean(x, axis=1, keepdims=True))
    # r = cov / (σᵢ σⱼ), cov = xc xcᵀ (the 1/(n - 1) cancels)
    cov = matmul(centred, transpose(centred))
    sd = sqrt(diagonal(cov))
    r = divide(divide(cov, expand_dims(sd, 1)), expand_dims(sd, 0))
    return clip(r, -1.0, 1.0)


class CDist(Function):
    def forward(self, x, y):
        xp = get_array_module(x, y)
        self.x_shape, self.y_shape = x.shape, y.shape
        self.diff = x[..., :, None, :] - y[..., None, :, :]
        self.d = xp.sqrt((self.diff * self.diff).sum(axis=-1))
        return self.d

    def backward(self, g):
        xp = get_array_module(g)
        zero = self.d == 0
        # ∂‖xᵢ - yⱼ‖/∂xᵢ = (xᵢ - yⱼ)/dᵢⱼ = -∂/∂yⱼ  (0 where dᵢⱼ = 0, as torch)
        w = xp.where(zero, 0, g / xp.where(zero, 1, self.d))[..., None] * self.diff
        return unbroadcast(w.sum(axis=-2), self.x_shape), unbroadcast(-w.sum(axis=-3),
                                                                       self.y_shape)


def cdist(x, y) -> Tensor:
    """The Euclidean distances between the rows of x (..., m, d) and of y (..., n, d):
    shape (..., m, n)."""
    a, b = floats(x, y)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"cdist: x and y must be (..., m, d) and (..., n, d) with one d, got "
                         f"shapes {a.shape} and {b.shape}. Hint: ops.expand_dims(v, 0) makes "
                         "one vector a set of one.")
    return CDist.apply(a, b)


