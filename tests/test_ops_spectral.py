"""The spectral keras.ops names (fft, fft2, ifft2, rfft, irfft, stft, istft) and the extra
linear algebra (pinv, solve_triangular, cholesky_inverse, matrix_rank, lu_factor): each
differentiable op forward and gradient against PyTorch and backward against finite differences,
from one table (a (real, imag) result is stacked into one tensor); matrix_rank and lu_factor
against NumPy/PyTorch/SciPy; round trips; bad input against the error family."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import shendu as keras_like
from op_table import (
    Case,
    normal,
    plain_signature,
    table_tests,
)
from shendu import ops
from shendu.errors import ArgumentError, ShapeError

# torch.istft warns when `length` runs past the signal (it pads zeros, as istft does here)
pytestmark = pytest.mark.filterwarnings("ignore:The length of signal is shorter:UserWarning")

KERAS_SIGNATURES = {
    "fft": "(x)",
    "fft2": "(x)",
    "ifft2": "(x)",
    "rfft": "(x, fft_length=None)",
    "irfft": "(x, fft_length=None)",
    "stft": "(x, sequence_length, sequence_stride, fft_length, window='hann', center=True)",
    "istft": "(x, sequence_length, sequence_stride, fft_length, length=None, window='hann', "
             "center=True)",
    "pinv": "(x, rcond=None)",
    "matrix_rank": "(x, tol=None)",
    "solve_triangular": "(a, b, lower=False)",
    "lu_factor": "(x)",
    "cholesky_inverse": "(x, upper=False)",
}


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_keras_signature(name):
    assert plain_signature(getattr(keras_like.ops, name)) == KERAS_SIGNATURES[name]
    assert (getattr(keras_like.ops, name).__doc__ or "").strip()


def lower_factor(*shape):
    """Lower triangles with a diagonal away from zero (and junk above, never read)."""
    n = shape[-1]
    return lambda rng: rng.normal(size=shape) * 0.5 + 2.5 * np.eye(n)


# ---- the pair (real, imag) as one tensor -------------------------------------------------


def _ours(pair):
    return ops.stack(list(pair))


def _theirs(T, z):
    return T.stack([z.real, z.imag])


def _fft_case(name, shape, ours, theirs):
    return Case(name, lambda r, i: _ours(ours((r, i))),
                lambda T, r, i: _theirs(T, theirs(T, T.complex(r, i))),
                [normal(*shape), normal(*shape)])


def _window(T, kind, seq):
    if kind is None:
        return T.ones(seq, dtype=T.float64)
    make = T.hann_window if kind == "hann" else T.hamming_window
    return make(seq, periodic=True, dtype=T.float64)


def _torch_stft(T, x, seq, step, n, window, center):
    z = T.stft(x, n_fft=n, hop_length=step, win_length=seq, window=_window(T, window, seq),
               center=center, pad_mode="reflect", return_complex=True)
    return z.transpose(-1, -2)


def _stft_case(name, samples, seq, step, n, window="hann", center=True):
    return Case(name,
                lambda x: _ours(ops.stft(x, seq, step, n, window=window, center=center)),
                lambda T, x: _theirs(T, _torch_stft(T, x, seq, step, n, window, center)),
                [normal(2, samples)])


def _istft_case(name, frames, seq, step, n, window="hann", center=True, length=None):
    bins = n // 2 + 1

    def theirs(T, r, i):
        z = T.complex(r, i).transpose(-1, -2)
        return T.istft(z, n_fft=n, hop_length=step, win_length=seq,
                       window=_window(T, window, seq), center=center, length=length)

    return Case(name,
                lambda r, i: ops.istft((r, i), seq, step, n, length=length, window=window,
                                       center=center),
                theirs, [normal(2, frames, bins), normal(2, frames, bins)])


def _tri(T, a, b, lower):
    if b.ndim == a.ndim - 1:
        return T.linalg.solve_triangular(a, b[..., None], upper=not lower)[..., 0]
    return T.linalg.solve_triangular(a, b, upper=not lower)


CASES = [
    _fft_case("fft", (3, 6), ops.fft, lambda T, z: T.fft.fft(z)),
    _fft_case("fft_odd_1d", (7,), ops.fft, lambda T, z: T.fft.fft(z)),
    _fft_case("fft2", (2, 3, 4), ops.fft2, lambda T, z: T.fft.fft2(z)),
    _fft_case("ifft2", (2, 5, 4), ops.ifft2, lambda T, z: T.fft.ifft2(z)),
    Case("rfft", lambda x: _ours(ops.rfft(x)), lambda T, x: _theirs(T, T.fft.rfft(x)),
         [normal(3, 8)]),
    Case("rfft_odd", lambda x: _ours(ops.rfft(x)), lambda T, x: _theirs(T, T.fft.rfft(x)),
         [normal(3, 7)]),
    Case("rfft_padded", lambda x: _ours(ops.rfft(x, fft_length=11)),
         lambda T, x: _theirs(T, T.fft.rfft(x, n=11)), [normal(2, 6)]),
    Case("rfft_cut", lambda x: _ours(ops.rfft(x, 4)),
         lambda T, x: _theirs(T, T.fft.rfft(x, n=4)), [normal(2, 6)]),
    Case("irfft", lambda r, i: ops.irfft((r, i)),
         lambda T, r, i: T.fft.irfft(T.complex(r, i)), [normal(3, 5), normal(3, 5)]),
    Case("irfft_odd", lambda r, i: ops.irfft((r, i), 9),
         lambda T, r, i: T.fft.irfft(T.complex(r, i), n=9), [normal(3, 5), normal(3, 5)]),
    Case("irfft_more_bins", lambda r, i: ops.irfft((r, i), 6),
         lambda T, r, i: T.fft.irfft(T.complex(r, i), n=6), [normal(2, 6), normal(2, 6)]),
    Case("irfft_fewer_bins", lambda r, i: ops.irfft((r, i), 12),
         lambda T, r, i: T.fft.irfft(T.complex(r, i), n=12), [normal(2, 4), normal(2, 4)]),
    _stft_case("stft_hann", 40, 16, 4, 16),
    _stft_case("stft_hamming_padded_window", 37, 10, 3, 16, window="hamming"),
    _stft_case("stft_odd_fft", 30, 7, 2, 9),
    _stft_case("stft_no_window_no_center", 33, 8, 5, 8, window=None, center=False),
    _stft_case("stft_hann_no_center", 40, 12, 4, 16, center=False),
    _istft_case("istft_hann", 9, 16, 4, 16),
    _istft_case("istft_length", 9, 16, 4, 16, length=41),
    _istft_case("istft_length_past_end", 5, 8, 2, 8, length=20),
    _istft_case("istft_hamming_padded_window", 8, 10, 3, 16, window="hamming"),
    _istft_case("istft_no_window", 6, 8, 3, 8, window=None),
    _istft_case("istft_no_center", 7, 8, 2, 8, window="hamming", center=False),
    Case("pinv_wide", ops.pinv, lambda T, x: T.linalg.pinv(x), [normal(3, 5)], rtol=1e-9),
    Case("pinv_tall_batched", ops.pinv, lambda T, x: T.linalg.pinv(x), [normal(2, 5, 3)],
         rtol=1e-9),
    Case("pinv_square", ops.pinv, lambda T, x: T.linalg.pinv(x), [lower_factor(4, 4)],
         rtol=1e-9),
    Case("solve_triangular_lower", lambda a, b: ops.solve_triangular(a, b, lower=True),
         lambda T, a, b: _tri(T, a, b, True), [lower_factor(2, 4, 4), normal(2, 4, 3)]),
    Case("solve_triangular_upper_vector", ops.solve_triangular,
         lambda T, a, b: _tri(T, a, b, False), [lower_factor(4, 4), normal(4)]),
    Case("cholesky_inverse", ops.cholesky_inverse,
         lambda T, x: T.cholesky_inverse(T.tril(x)), [lower_factor(2, 4, 4)]),
    Case("cholesky_inverse_upper", lambda x: ops.cholesky_inverse(x, upper=True),
         lambda T, x: T.cholesky_inverse(T.triu(x), upper=True), [lower_factor(3, 3)]),
]


(test_forward_matches_torch, test_gradient_matches_torch,
 test_backward_matches_finite_differences) = table_tests(CASES)


# ---- round trips and dtypes ----------------------------------------------------------------


def test_inverse_transforms_undo_the_forward_ones():
    rng = np.random.default_rng(1)
    z = (rng.normal(size=(2, 4, 6)), rng.normal(size=(2, 4, 6)))
    back = ops.ifft2(ops.fft2(z))
    np.testing.assert_allclose(back[0].data, z[0], atol=1e-12)
    np.testing.assert_allclose(back[1].data, z[1], atol=1e-12)
    x = rng.normal(size=(3, 9))
    np.testing.assert_allclose(ops.irfft(ops.rfft(x), 9).data, x, atol=1e-12)
    for window in ("hann", "hamming", None):
        signal = rng.normal(size=(2, 3, 50))
        spectrum = ops.stft(signal, 12, 3, 16, window=window)
        assert spectrum[0].shape == (2, 3, 17, 9)
        y = ops.istft(spectrum, 12, 3, 16, length=50, window=window)
        np.testing.assert_allclose(y.data, signal, atol=1e-10)


def test_float32_stays_float32():
    x = np.random.default_rng(2).normal(size=(2, 32)).astype("float32")
    real, imag = ops.stft(x, 8, 4, 8)
    assert real.data.dtype == imag.data.dtype == np.float32
    assert ops.istft((real, imag), 8, 4, 8).data.dtype == np.float32
    assert ops.rfft(x)[0].data.dtype == np.float32
    assert ops.irfft(ops.rfft(x)).data.dtype == np.float32
    assert ops.fft((x, x))[1].data.dtype == np.float32


def test_stft_window_array_equals_the_named_window():
    x = np.random.default_rng(3).normal(size=40)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(10) / 10)
    named = ops.stft(x, 10, 4, 16)
    given = ops.stft(x, 10, 4, 16, window=w)
    np.testing.assert_allclose(given[0].data, named[0].data, atol=1e-12)


# ---- matrix_rank and lu_factor (no gradient) -----------------------------------------------


def test_matrix_rank_matches_torch():
    import torch

    rng = np.random.default_rng(4)
    a = rng.normal(size=(3, 5, 2)) @ rng.normal(size=(3, 2, 4))  # rank 2
    a[1] = rng.normal(size=(5, 4))  # rank 4
    rank = ops.matrix_rank(a)
    assert rank.data.dtype == np.int32
    assert rank.data.tolist() == torch.linalg.matrix_rank(torch.tensor(a)).tolist() == [2, 4, 2]
    assert ops.matrix_rank(np.diag([1.0, 1e-3, 0.0]), tol=1e-2).data.tolist() == 1


def _lu_rebuilt(lu, piv):
    """P L U with the row exchanges of piv undone, for one (m, n) matrix."""
    m, n = lu.shape
    k = min(m, n)
    lower = np.tril(lu, -1)[:, :k] + np.eye(m, k)
    upper = np.triu(lu)[:k]
    product = lower @ upper
    for i in reversed(range(k)):
        product[[i, piv[i]]] = product[[piv[i], i]]
    return product


@pytest.mark.parametrize("shape", [(5, 5), (4, 6), (6, 4), (2, 3, 4, 4)])
def test_lu_factor_rebuilds_the_matrix(shape):
    a = np.random.default_rng(5).normal(size=shape)
    lu, piv = ops.lu_factor(a)
    assert lu.shape == shape and piv.shape == shape[:-2] + (min(shape[-2:]),)
    assert piv.data.dtype == np.int32
    flat_a, flat_lu = a.reshape((-1,) + shape[-2:]), lu.data.reshape((-1,) + shape[-2:])
    for one, l_u, p in zip(flat_a, flat_lu, piv.data.reshape(len(flat_a), -1)):
        np.testing.assert_allclose(_lu_rebuilt(l_u, p), one, atol=1e-12)
        assert np.all(np.abs(np.tril(l_u, -1)) <= 1.0 + 1e-12)  # partial pivoting


def test_lu_factor_matches_scipy():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(6)
    singular = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 2.0], [1.0, 1.0, 1.0]])
    for a in [rng.normal(size=(6, 6)), rng.normal(size=(4, 7)), rng.normal(size=(7, 4)),
              singular]:
        lu, piv = ops.lu_factor(a)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns about the singular one
            ref_lu, ref_piv = linalg.lu_factor(a, check_finite=False)
        np.testing.assert_allclose(lu.data, ref_lu, atol=1e-12)
        assert piv.data.tolist() == ref_piv.tolist()


# ---- bad input ---------------------------------------------------------------------------

X = np.ones((2, 8))

BAD = [
    ("fft", lambda: ops.fft(X), ArgumentError, "x"),
    ("fft", lambda: ops.fft((X, np.ones((2, 7)))), ShapeError, "shape"),
    ("fft2", lambda: ops.fft2((np.ones(4), np.ones(4))), ShapeError, "axes"),
    ("rfft", lambda: ops.rfft(X, fft_length=0), ArgumentError, "fft_length"),
    ("irfft", lambda: ops.irfft((np.ones(1), np.ones(1))), ArgumentError, "fft_length"),
    ("stft", lambda: ops.stft(X, 4, 2, 4, window="blackman"), ArgumentError, "window"),
    ("stft", lambda: ops.stft(X, 8, 2, 4), ArgumentError, "fft_length"),
    ("stft", lambda: ops.stft(X, 4, 0, 4), ArgumentError, "sequence_stride"),
    ("stft", lambda: ops.stft(X, 4, 2, 4, window=np.ones(3)), ShapeError, "window"),
    ("stft", lambda: ops.stft(X, 4, 2, 16), ShapeError, "center"),
    ("istft", lambda: ops.istft((np.ones((3, 5)), np.ones((3, 5))), 8, 8, 8, center=False),
     ArgumentError, "window"),
    ("pinv", lambda: ops.pinv(np.ones(3)), ShapeError, "x"),
    ("matrix_rank", lambda: ops.matrix_rank(np.eye(2), tol="big"), ArgumentError, "tol"),
    ("solve_triangular", lambda: ops.solve_triangular(np.ones((2, 3)), np.ones(2)),
     ShapeError, "square"),
    ("cholesky_inverse", lambda: ops.cholesky_inverse(np.ones((2, 3))), ShapeError, "square"),
    ("lu_factor", lambda: ops.lu_factor(np.ones(3)), ShapeError, "x"),
]


@pytest.mark.parametrize("op, call, error, word", BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_names_the_op_and_argument(op, call, error, word):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{op}:") and word in message and "Hint:" in message
