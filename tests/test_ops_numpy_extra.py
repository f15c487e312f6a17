"""The NumPy-family names of keras.ops added in ops/numpy_extra.py and its family files:
each differentiable op forward and gradient against PyTorch and backward against finite
differences (NaN-ignoring reductions with NaNs in their input), from one table; the integer,
boolean and constant ops against NumPy; bad input against the error family; and every name
with Keras 3.15's parameters."""

from __future__ import annotations

import numpy as np
import pytest

import shendu as keras_like
from op_table import (
    Case,
    away_from_zero,
    distinct,
    normal,
    plain_signature,
    positive,
    table_tests,
)
from shendu import ops
from shendu.autograd import Tensor
from shendu.errors import ArgumentError, DTypeError, ShapeError
from shendu.testing import check_gradients

KERAS_SIGNATURES = {
    "bitwise_and": "(x, y)", "bitwise_invert": "(x)", "bitwise_left_shift": "(x, y)",
    "bitwise_not": "(x)", "bitwise_or": "(x, y)", "bitwise_right_shift": "(x, y)",
    "bitwise_xor": "(x, y)", "left_shift": "(x, y)", "right_shift": "(x, y)",
    "nanargmax": "(x, axis=None, keepdims=False)", "nanargmin": "(x, axis=None, keepdims=False)",
    "nancumprod": "(x, axis=None, dtype=None)", "nancumsum": "(x, axis=None, dtype=None)",
    "nanmax": "(x, axis=None, keepdims=False)", "nanmean": "(x, axis=None, keepdims=False)",
    "nanmedian": "(x, axis=None, keepdims=False)", "nanmin": "(x, axis=None, keepdims=False)",
    "nanpercentile": "(x, q, axis=None, method='linear', keepdims=False)",
    "nanprod": "(x, axis=None, keepdims=False)",
    "nanquantile": "(x, q, axis=None, method='linear', keepdims=False)",
    "nanstd": "(x, axis=None, keepdims=False)", "nansum": "(x, axis=None, keepdims=False)",
    "nanvar": "(x, axis=None, keepdims=False)",
    "logspace": "(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0)",
    "geomspace": "(start, stop, num=50, endpoint=True, dtype=None, axis=0)",
    "logaddexp2": "(x1, x2)", "bartlett": "(x)", "blackman": "(x)", "hamming": "(x)",
    "hanning": "(x)", "kaiser": "(x, beta)", "i0": "(x)", "fmax": "(x1, x2)",
    "fmin": "(x1, x2)", "fmod": "(x1, x2)", "erfc": "(x)", "fabs": "(x)", "fliplr": "(x)",
    "flipud": "(x)", "dsplit": "(x, indices_or_sections)", "gcd": "(x1, x2)",
    "lcm": "(x1, x2)", "ldexp": "(x1, x2)", "nextafter": "(x1, x2)",
    "isin": "(x1, x2, assume_unique=False, invert=False)",
    "cross": "(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None)", "corrcoef": "(x)",
    "correlate": "(x1, x2, mode='valid')", "trapezoid": "(y, x=None, dx=1.0, axis=-1)",
    "vander": "(x, N=None, increasing=False)", "sinc": "(x)",
    "histogram": "(x, bins=10, range=None)", "cdist": "(x, y)", "view": "(x, dtype=None)",
    "real": "(x)", "imag": "(x)", "conj": "(x)", "conjugate": "(x)", "angle": "(x)",
    "isreal": "(x)",
}


def test_every_name_is_exported_with_keras_parameters():
    assert sorted(ops.numpy_extra.__all__) == sorted(KERAS_SIGNATURES)
    for name, expected in KERAS_SIGNATURES.items():
        op = getattr(keras_like.ops, name)
        assert plain_signature(op) == expected, name
        assert (op.__doc__ or "").strip(), name


# ---- differentiable: against torch and finite differences ---------------------------------

def with_nans(*shape):
    """Normal values with about a quarter NaN, never a whole row (last axis) of NaNs."""

    def make(rng):
        x = rng.normal(size=shape)
        x[rng.uniform(size=shape) < 0.25] = np.nan
        x[..., 0] = rng.normal(size=shape[:-1])
        return x

    return make


def distinct_with_nans(*shape):
    def make(rng):
        x = distinct(*shape)(rng)
        x[rng.uniform(size=shape) < 0.25] = np.nan
        x[..., 0] = np.arange(int(np.prod(shape[:-1]))).reshape(shape[:-1]) * 0.37 + 0.05
        return x

    return make


def _torch_vander(T, x, n, increasing=False):
    powers = range(n) if increasing else range(n - 1, -1, -1)
    return T.stack([x ** k for k in powers], 1)


def _fmod_inputs(rng):
    b = away_from_zero(3, 4)(rng)
    # a = (k + f)·b with f in [0.2, 0.8]: away from fmod's jumps
    a = (rng.integers(-2, 3, size=(3, 4)) + rng.uniform(0.2, 0.8, size=(3, 4))) * b
    return [a, b]


def _torch_nanvar(T, x, dim, keepdim=False):
    nan = T.isnan(x)
    xz = T.where(nan, T.zeros_like(x), x)
    n = (~nan).sum(dim, keepdim=True)
    d = T.where(nan, T.zeros_like(x), xz - xz.sum(dim, keepdim=True) / n)
    return (d * d).sum(dim, keepdim=keepdim) / (~nan).sum(dim, keepdim=keepdim)


def _filled(T, x, value):
    return T.where(T.isnan(x), T.full_like(x, value), x)


Q = np.array([0.1, 0.5, 0.85])

CASES = [
    Case("nansum", lambda x: ops.nansum(x, axis=1), lambda T, x: T.nansum(x, 1),
         [with_nans(3, 5)]),
    Case("nansum_all", ops.nansum, lambda T, x: T.nansum(x), [with_nans(3, 5)]),
    Case("nanmean", lambda x: ops.nanmean(x, axis=-1, keepdims=True),
         lambda T, x: T.nanmean(x, -1, keepdim=True), [with_nans(3, 5)]),
    Case("nanprod", lambda x: ops.nanprod(x, axis=0),
         lambda T, x: T.prod(_filled(T, x, 1.0), 0), [with_nans(4, 3)]),
    Case("nanvar", lambda x: ops.nanvar(x, axis=1), lambda T, x: _torch_nanvar(T, x, 1),
         [with_nans(3, 6)]),
    Case("nanstd", lambda x: ops.nanstd(x, axis=1, keepdims=True),
         lambda T, x: T.sqrt(_torch_nanvar(T, x, 1, True)), [with_nans(3, 6)]),
    Case("nanmax", lambda x: ops.nanmax(x, axis=1),
         lambda T, x: T.amax(_filled(T, x, -np.inf), 1), [distinct_with_nans(3, 5)]),
    Case("nanmin", lambda x: ops.nanmin(x, axis=1),
         lambda T, x: T.amin(_filled(T, x, np.inf), 1), [distinct_with_nans(3, 5)]),
    Case("nancumsum", lambda x: ops.nancumsum(x, axis=1),
         lambda T, x: T.cumsum(_filled(T, x, 0.0), 1), [with_nans(3, 5)]),
    Case("nancumprod", lambda x: ops.nancumprod(x, axis=0),
         lambda T, x: T.cumprod(_filled(T, x, 1.0), 0), [with_nans(4, 3)]),
    Case("nanquantile", lambda x: ops.nanquantile(x, Q, axis=1),
         lambda T, x: T.nanquantile(x, T.tensor(Q), dim=1), [distinct_with_nans(3, 7)]),
    Case("nanquantile_midpoint", lambda x: ops.nanquantile(x, 0.4, axis=0, method="midpoint"),
         lambda T, x: T.nanquantile(x, 0.4, dim=0, interpolation="midpoint"),
         [lambda rng: distinct_with_nans(3, 6)(rng).T]),
    Case("nanpercentile", lambda x: ops.nanpercentile(x, 30.0, axis=1, keepdims=True),
         lambda T, x: T.nanquantile(x, 0.3, dim=1, keepdim=True), [distinct_with_nans(3, 7)]),
    Case("logaddexp2", ops.logaddexp2, lambda T, a, b: T.logaddexp2(a, b),
         [normal(3, 4), normal(4)]),
    Case("fmax", ops.fmax, lambda T, a, b: T.fmax(a, b), [distinct(3, 4), distinct(4)]),
    Case("fmin", ops.fmin, lambda T, a, b: T.fmin(a, b), [distinct(3, 4), distinct(4)]),
    Case("fmod", ops.fmod, lambda T, a, b: T.fmod(a, b), _fmod_inputs),
    Case("erfc", ops.erfc, lambda T, x: T.erfc(x), [normal(3, 4)]),
    Case("fabs", ops.fabs, lambda T, x: T.abs(x), [away_from_zero(3, 4)]),
    Case("sinc", ops.sinc, lambda T, x: T.sinc(x), [normal(3, 4)]),
    Case("ldexp", ops.ldexp, lambda T, x, e: x * T.pow(2.0, e.double()),
         [normal(3, 4), lambda rng: rng.integers(-3, 4, size=(4,))]),
    Case("i0", ops.i0, lambda T, x: T.i0(x), [lambda rng: rng.normal(size=(3, 4)) * 4]),
    # (uniform inputs: the checker draws its output weights and directions from the same
    # seed as normal inputs, and w·(v × x2) = 0 for v = x2 would leave nothing to compare)
    Case("cross", ops.cross, lambda T, a, b: T.linalg.cross(a, b, dim=-1),
         [positive(4, 3), positive(4, 3)]),
    Case("cross_axis0", lambda a, b: ops.cross(a, b, axis=0),
         lambda T, a, b: T.linalg.cross(a, b, dim=0), [positive(3, 2), positive(3, 2)]),
    Case("cdist", ops.cdist, lambda T, a, b: T.cdist(a, b), [normal(2, 3, 4), normal(2, 5, 4)]),
    Case("correlate_full", lambda a, v: ops.correlate(a, v, mode="full"),
         lambda T, a, v: T.nn.functional.conv1d(a[None, None], v[None, None],
                                                padding=v.shape[0] - 1)[0, 0],
         [normal(7), normal(3)]),
    Case("correlate_valid", ops.correlate,
         lambda T, a, v: T.nn.functional.conv1d(a[None, None], v[None, None])[0, 0],
         [normal(7), normal(3)]),
    Case("trapezoid_x", lambda y, x: ops.trapezoid(y, x), lambda T, y, x: T.trapezoid(y, x),
         [normal(3, 5), lambda rng: np.sort(rng.normal(size=5))]),
    Case("trapezoid_dx", lambda y: ops.trapezoid(y, dx=0.25, axis=0),
         lambda T, y: T.trapezoid(y, dx=0.25, dim=0), [normal(4, 3)]),
    Case("vander", lambda x: ops.vander(x, 4), lambda T, x: _torch_vander(T, x, 4), [normal(5)]),
    Case("vander_increasing", lambda x: ops.vander(x, increasing=True),
         lambda T, x: _torch_vander(T, x, 4, True), [normal(4)]),
    Case("corrcoef", ops.corrcoef, lambda T, x: T.corrcoef(x), [normal(3, 6)]),
    Case("real", ops.real, lambda T, x: T.real(x), [normal(3)]),
    Case("conj", ops.conj, lambda T, x: T.conj(x), [normal(3)]),
    Case("fliplr", ops.fliplr, lambda T, x: T.fliplr(x), [normal(2, 3, 2)]),
    Case("flipud", ops.flipud, lambda T, x: T.flipud(x), [normal(3, 2)]),
    Case("nanmean_positive", ops.nanmean, lambda T, x: T.nanmean(x), [positive(4)]),
]


(test_forward_matches_torch, test_gradient_matches_torch,
 test_backward_matches_finite_differences) = table_tests(CASES)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's, on its all-NaN slices
def test_nan_reductions_match_numpy_on_every_axis_and_all_nan_slices():
    x = np.random.default_rng(3).normal(size=(3, 4, 5))
    x[0, 1, 2] = np.nan
    x[1, :, 3] = np.nan
    x[2, 2, :] = np.nan
    names = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanmedian"]
    for name in names:
        for axis in (None, 0, -1, (0, 2)):
            for keepdims in (False, True):
                ref = getattr(np, name)(x, axis=axis, keepdims=keepdims)
                out = getattr(ops, name)(x, axis=axis, keepdims=keepdims).data
                assert out.shape == np.shape(ref), (name, axis, keepdims)
                np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    for method in ("linear", "lower", "higher", "midpoint", "nearest"):
        for q, axis in ((0.3, None), (np.array([0.1, 0.5, 0.9]), 1), (0.7, (0, 2))):
            ref = np.nanquantile(x, q, axis=axis, method=method, keepdims=True)
            out = ops.nanquantile(x, q, axis=axis, method=method, keepdims=True).data
            np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ops.nanpercentile(x, 40.0, axis=1).data,
                               np.nanpercentile(x, 40.0, axis=1))
    for name in ("nancumsum", "nancumprod"):
        np.testing.assert_allclose(getattr(ops, name)(x, axis=1).data,
                                   getattr(np, name)(x, axis=1))
        np.testing.assert_allclose(getattr(ops, name)(x).data, getattr(np, name)(x))


def test_nan_reductions_of_integers_and_nanmedian_gradient():
    ints = np.array([[3, 1, 2], [0, 5, 4]], dtype=np.int8)
    assert ops.nansum(ints).data.dtype == np.int32 and int(ops.nansum(ints).data) == 15
    assert ops.nanprod(ints, axis=1).data.tolist() == [6, 0]
    assert ops.nanmax(ints, axis=0).data.tolist() == [3, 5, 4]
    assert ops.nancumsum(np.array([True, True])).data.tolist() == [1, 2]
    assert ops.nanmean(ints).data.dtype.kind == "f"
    x = distinct_with_nans(3, 6)(np.random.default_rng(1))
    assert check_gradients(lambda t: ops.nanmedian(t, axis=1), [x]) < 1e-6
    t = Tensor(np.array([1.0, np.nan, 3.0]), requires_grad=True)
    ops.nanvar(t).backward()
    np.testing.assert_allclose(t.grad, [-1.0, 0.0, 1.0])  # d var/dxᵢ = 2(xᵢ - m)/n


def test_nanargmax_and_nanargmin_follow_keras():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 0.0], [np.nan, np.nan, np.nan]])
    assert ops.nanargmax(x, axis=1).data.tolist() == [2, 1, -1]
    assert ops.nanargmin(x, axis=1).data.tolist() == [0, 2, -1]
    assert int(ops.nanargmax(x).data) == 2 and ops.nanargmax(x).data.dtype == np.int32
    assert ops.nanargmax(x, axis=0, keepdims=True).shape == (1, 3)
    assert ops.nanargmin(np.array([4, 1, 9])).data == 1


def test_bitwise_shifts_gcd_lcm_match_numpy():
    a = np.array([12, -7, 0, 255], dtype=np.int32)
    b = np.array([10, 3, 5, 1], dtype=np.int32)
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        out = getattr(ops, name)(a, b)
        np.testing.assert_array_equal(out.data, getattr(np, name)(a, b))
        assert out.data.dtype == np.int32 and not out.requires_grad
    for name, ref in (("bitwise_left_shift", np.left_shift), ("left_shift", np.left_shift),
                      ("bitwise_right_shift", np.right_shift), ("right_shift", np.right_shift)):
        np.testing.assert_array_equal(getattr(ops, name)(a, b).data, ref(a, b))
        assert getattr(ops, name)(a, 2).data.dtype == np.int32  # a Python int adopts a's dtype
    for name in ("bitwise_invert", "bitwise_not"):
        np.testing.assert_array_equal(getattr(ops, name)(a).data, np.invert(a))
        np.testing.assert_array_equal(getattr(ops, name)(np.array([True, False])).data,
                                      [False, True])
    np.testing.assert_array_equal(ops.bitwise_and(np.array([True, False]), True).data,
                                  [True, False])
    np.testing.assert_array_equal(ops.gcd(a, b).data, np.gcd(a, b))
    np.testing.assert_array_equal(ops.lcm(a, b).data, np.lcm(a, b))


def test_isin_histogram_view_and_complex_names_match_numpy():
    x1, x2 = np.array([[0, 1], [2, 5]]), np.array([0, 2, 7])
    np.testing.assert_array_equal(ops.isin(x1, x2).data, np.isin(x1, x2))
    np.testing.assert_array_equal(ops.isin(x1, x2, invert=True).data, ~np.isin(x1, x2))
    data = np.random.default_rng(0).normal(size=50)
    for bins, limits in ((10, None), (4, (-1.0, 1.0)), (1, None)):
        counts, edges = ops.histogram(data, bins=bins, range=limits)
        ref_counts, ref_edges = np.histogram(data, bins=bins, range=limits)
        np.testing.assert_array_equal(counts.data, ref_counts)
        np.testing.assert_allclose(edges.data, ref_edges)
        assert counts.data.dtype == np.int32
    ints = np.array([1, 2, 3], dtype=np.int32)
    np.testing.assert_array_equal(ops.view(ints, "float32").data, ints.view(np.float32))
    assert ops.view(ints, "int16").shape == (6,)
    z = np.array([1 + 1j, 1 + 0j, 4.5, 2j])
    np.testing.assert_array_equal(ops.isreal(z).data, np.isreal(z))
    np.testing.assert_array_equal(ops.real(z).data, z.real)
    np.testing.assert_array_equal(ops.imag(z).data, z.imag)
    np.testing.assert_array_equal(ops.conjugate(z).data, np.conj(z))
    np.testing.assert_allclose(ops.angle(z).data, np.angle(z))
    r = np.array([-1.5, 0.0, 2.0])
    np.testing.assert_array_equal(ops.imag(r).data, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(ops.angle(r).data, np.angle(r))
    assert ops.isreal(r).data.all()


def test_windows_spacings_and_nextafter_match_numpy_and_torch():
    import torch

    for name, ref in (("bartlett", torch.bartlett_window), ("blackman", torch.blackman_window),
                      ("hamming", torch.hamming_window), ("hanning", torch.hann_window)):
        for n in (1, 5, 8):
            out = getattr(ops, name)(n)
            assert out.data.dtype == np.float32
            np.testing.assert_allclose(out.data, getattr(np, name)(n), rtol=1e-6, atol=1e-7)
            np.testing.assert_allclose(out.data, ref(n, periodic=False, dtype=torch.float64),
                                       rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.kaiser(7, 3.5).data, np.kaiser(7, 3.5), rtol=1e-6)
    assert ops.hamming(0).shape == (0,)
    np.testing.assert_allclose(ops.logspace(0.0, 3.0, num=4, base=2).data, [1, 2, 4, 8])
    np.testing.assert_allclose(ops.logspace(np.array([0.0, 1.0]), 2.0, 3, axis=1).data,
                               np.logspace(np.array([0.0, 1.0]), 2.0, 3, axis=1))
    np.testing.assert_allclose(ops.geomspace(1.0, 1000.0, 4, endpoint=False).data,
                               np.geomspace(1.0, 1000.0, 4, endpoint=False), rtol=1e-6)
    assert ops.geomspace(-1.0, -100.0, 3).data.tolist() == [-1.0, -10.0, -100.0]
    a, b = np.array([1.0, 0.0, -2.0]), np.array([2.0, -1.0, -3.0])
    np.testing.assert_array_equal(ops.nextafter(a, b).data, np.nextafter(a, b))
    np.testing.assert_allclose(ops.i0(np.array([0.0, 1.0, -3.0, 40.0])).data,
                               torch.i0(torch.tensor([0.0, 1.0, -3.0, 40.0],
                                                     dtype=torch.float64)).numpy())


def test_integer_operands_stay_integers_and_nans_are_skipped():
    a, b = np.array([-7, 7, 5]), np.array([2, -2, 3])
    for name in ("fmax", "fmin", "fmod"):
        out = getattr(ops, name)(a, b)
        np.testing.assert_array_equal(out.data, getattr(np, name)(a, b))
        assert out.data.dtype.kind == "i"
    x, y = np.array([1.0, np.nan, 3.0, np.nan]), np.array([2.0, 0.5, np.nan, np.nan])
    np.testing.assert_array_equal(ops.fmax(x, y).data, np.fmax(x, y))
    np.testing.assert_array_equal(ops.fmin(x, y).data, np.fmin(x, y))
    assert ops.fabs(np.array([-2, 3])).data.dtype.kind == "f"
    assert ops.vander(np.array([1, 2, 3])).data.tolist() == [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    s = Tensor(np.array([0.0, 0.5]), requires_grad=True)
    ops.sinc(s).sum().backward()
    assert s.grad[0] == 0.0


def test_cross_correlate_and_dsplit_cover_numpy_layouts():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(ops.cross(a[:, :2], b).data,
                               np.cross(np.pad(a[:, :2], ((0, 0), (0, 1))), b))
    np.testing.assert_allclose(ops.cross(a[:, :2], b[:, :2]).data,
                               a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
    np.testing.assert_allclose(ops.cross(a.T, b, axisa=0, axisc=0).data,
                               np.cross(a.T, b, axisa=0, axisc=0))
    for n, m in ((3, 5), (5, 4), (2, 6), (4, 4), (1, 3), (7, 1), (6, 3)):
        x, v = rng.normal(size=n), rng.normal(size=m)
        for mode in ("valid", "same", "full"):
            np.testing.assert_allclose(ops.correlate(x, v, mode).data, np.correlate(x, v, mode),
                                       err_msg=f"{n}, {m}, {mode}")
    c = rng.normal(size=(2, 3, 4))
    parts = ops.dsplit(c, 2)
    for ours, ref in zip(parts, np.dsplit(c, 2)):
        np.testing.assert_array_equal(ours.data, ref)
    np.testing.assert_allclose(ops.trapezoid(c, np.sort(c, axis=0), axis=0).data,
                               np.trapezoid(c, np.sort(c, axis=0), axis=0))


@pytest.mark.parametrize("call, error, words", [
    (lambda: ops.bitwise_and(np.array([1.5]), np.array([1])), DTypeError, "bitwise_and: x"),
    (lambda: ops.left_shift(np.array([1]), np.array([True])), DTypeError, "left_shift: y"),
    (lambda: ops.gcd(np.array([4]), np.array([2.0])), DTypeError, "gcd: x2"),
    (lambda: ops.ldexp(np.array([1.0]), np.array([2.0])), DTypeError, "ldexp: x2"),
    (lambda: ops.nanquantile(np.ones(3), 1.5), ArgumentError, "nanquantile: q"),
    (lambda: ops.nanpercentile(np.ones(3), -1), ArgumentError, "nanpercentile: q"),
    (lambda: ops.nanmedian(np.ones((2, 2)), axis=2), ArgumentError, "nanmedian: axis"),
    (lambda: ops.nanquantile(np.ones(3), 0.5, method="cubic"), ArgumentError, "method"),
    (lambda: ops.nansum(np.ones(3), axis=1), ArgumentError, "nansum: axis"),
    (lambda: ops.nanargmax(np.ones((2, 2)), axis=(0, 1)), ArgumentError, "nanargmax: axis"),
    (lambda: ops.hamming(-1), ArgumentError, "hamming: x"),
    (lambda: ops.kaiser(4, "wide"), ArgumentError, "kaiser: beta"),
    (lambda: ops.histogram(np.ones(3), bins=0), ArgumentError, "histogram: bins"),
    (lambda: ops.histogram(np.ones(3), range=(1.0, 0.0)), ArgumentError, "histogram: range"),
    (lambda: ops.histogram(np.ones((2, 2))), ShapeError, "histogram: x"),
    (lambda: ops.cross(np.ones(4), np.ones(3)), ShapeError, "cross"),
    (lambda: ops.cross(np.ones(3), np.ones(3), axisa=1), ArgumentError, "cross: axisa"),
    (lambda: ops.cdist(np.ones((2, 3)), np.ones((2, 4))), ShapeError, "cdist"),
    (lambda: ops.correlate(np.ones((2, 2)), np.ones(2)), ShapeError, "correlate: x1"),
    (lambda: ops.correlate(np.ones(3), np.ones(2), mode="circular"), ArgumentError, "mode"),
    (lambda: ops.trapezoid(np.ones(4), np.ones(3)), ShapeError, "trapezoid"),
    (lambda: ops.vander(np.ones((2, 2))), ShapeError, "vander: x"),
    (lambda: ops.corrcoef(np.ones(3)), ShapeError, "corrcoef: x"),
    (lambda: ops.fliplr(np.ones(3)), ShapeError, "fliplr: x"),
    (lambda: ops.dsplit(np.ones((2, 2)), 2), ShapeError, "dsplit: x"),
    (lambda: ops.geomspace(0.0, 1.0, 3), ArgumentError, "geomspace: start and stop"),
    (lambda: ops.logspace(0.0, 1.0, -2), ArgumentError, "logspace: num"),
    (lambda: ops.view(np.ones(3, np.int8), "int32"), ShapeError, "view"),
    (lambda: ops.view(np.ones(3), "no-such-type"), DTypeError, "view: dtype"),
    (lambda: ops.real(Tensor(np.array([1j]), requires_grad=True)), DTypeError, "real: x"),
])
def test_bad_input_names_the_op_and_argument(call, error, words):
    with pytest.raises(error, match="Hint") as info:
        call()
    assert words in str(info.value)
