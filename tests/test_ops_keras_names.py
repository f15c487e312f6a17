"""Every keras.ops name shendu adds is reachable through ``import shendu as keras`` with
Keras 3's parameters: the same names, order and defaults (written down from Keras 3.15), so a
custom layer's call with keywords works unchanged."""

from __future__ import annotations

import inspect

import pytest

import shendu as keras

KERAS_SIGNATURES = {
    "absolute": "(x)",
    "all": "(x, axis=None, keepdims=False)",
    "allclose": "(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False)",
    "amax": "(x, axis=None, keepdims=False)",
    "amin": "(x, axis=None, keepdims=False)",
    "any": "(x, axis=None, keepdims=False)",
    "append": "(x1, x2, axis=None)",
    "arange": "(start, stop=None, step=None, dtype=None)",
    "arccos": "(x)",
    "arccosh": "(x)",
    "arcsin": "(x)",
    "arcsinh": "(x)",
    "arctan": "(x)",
    "arctan2": "(x1, x2)",
    "arctanh": "(x)",
    "argpartition": "(x, kth, axis=-1)",
    "argsort": "(x, axis=-1)",
    "array": "(x, dtype=None)",
    "array_split": "(x, indices_or_sections, axis=0)",
    "average": "(x, axis=None, weights=None)",
    "bincount": "(x, weights=None, minlength=0, sparse=False)",
    "cbrt": "(x)",
    "ceil": "(x)",
    "celu": "(x, alpha=1.0)",
    "cholesky": "(x, upper=False)",
    "cond": "(pred, true_fn, false_fn)",
    "copy": "(x)",
    "cos": "(x)",
    "cosh": "(x)",
    "count_nonzero": "(x, axis=None)",
    "cumprod": "(x, axis=None, dtype=None)",
    "cumsum": "(x, axis=None, dtype=None)",
    "deg2rad": "(x)",
    "det": "(x)",
    "diag": "(x, k=0)",
    "diagflat": "(x, k=0)",
    "diagonal": "(x, offset=0, axis1=0, axis2=1)",
    "diff": "(a, n=1, axis=-1)",
    "digitize": "(x, bins)",
    "divide_no_nan": "(x1, x2)",
    "dot": "(x1, x2)",
    "dstack": "(xs)",
    "eig": "(x)",
    "eigh": "(x)",
    "einsum": "(subscripts, *operands, **kwargs)",
    "elu": "(x, alpha=1.0)",
    "empty": "(shape, dtype=None)",
    "empty_like": "(x, dtype=None)",
    "erf": "(x)",
    "erfinv": "(x)",
    "exp2": "(x)",
    "expm1": "(x)",
    "eye": "(N, M=None, k=0, dtype=None)",
    "flip": "(x, axis=None)",
    "floor": "(x)",
    "floor_divide": "(x1, x2)",
    "full": "(shape, fill_value, dtype=None)",
    "full_like": "(x, fill_value, dtype=None)",
    "gelu": "(x, approximate=True)",
    "glu": "(x, axis=-1)",
    "hard_shrink": "(x, threshold=0.5)",
    "hard_sigmoid": "(x)",
    "hard_silu": "(x)",
    "hard_swish": "(x)",
    "hard_tanh": "(x)",
    "heaviside": "(x1, x2)",
    "hsplit": "(x, indices_or_sections)",
    "hstack": "(xs)",
    "hypot": "(x1, x2)",
    "identity": "(n, dtype=None)",
    "inner": "(x1, x2)",
    "inv": "(x)",
    "isclose": "(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False)",
    "isfinite": "(x)",
    "isinf": "(x)",
    "isnan": "(x)",
    "isneginf": "(x)",
    "isposinf": "(x)",
    "kron": "(x1, x2)",
    "leaky_relu": "(x, negative_slope=0.2)",
    "linspace": "(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0)",
    "log10": "(x)",
    "log1p": "(x)",
    "log2": "(x)",
    "log_sigmoid": "(x)",
    "log_softmax": "(x, axis=-1)",
    "logaddexp": "(x1, x2)",
    "logdet": "(x)",
    "logical_and": "(x1, x2)",
    "logical_not": "(x)",
    "logical_or": "(x1, x2)",
    "logical_xor": "(x1, x2)",
    "logsumexp": "(x, axis=None, keepdims=False)",
    "lstsq": "(a, b, rcond=None)",
    "median": "(x, axis=None, keepdims=False)",
    "meshgrid": "(*x, indexing='xy')",
    "mod": "(x1, x2)",
    "moveaxis": "(x, source, destination)",
    "nan_to_num": "(x, nan=0.0, posinf=None, neginf=None)",
    "nonzero": "(x)",
    "norm": "(x, ord=None, axis=None, keepdims=False)",
    "normalize": "(x, axis=-1, order=2, epsilon=None)",
    "one_hot": "(x, num_classes, axis=-1, dtype=None, sparse=False)",
    "ones": "(shape, dtype=None)",
    "ones_like": "(x, dtype=None)",
    "outer": "(x1, x2)",
    "pad": "(x, pad_width, mode='constant', constant_values=None)",
    "percentile": "(x, q, axis=None, method='linear', keepdims=False)",
    "prod": "(x, axis=None, keepdims=False, dtype=None)",
    "ptp": "(x, axis=None, keepdims=False)",
    "qr": "(x, mode='reduced')",
    "quantile": "(x, q, axis=None, method='linear', keepdims=False)",
    "rad2deg": "(x)",
    "ravel": "(x)",
    "reciprocal": "(x)",
    "relu6": "(x)",
    "repeat": "(x, repeats, axis=None)",
    "roll": "(x, shift, axis=None)",
    "rot90": "(array, k=1, axes=(0, 1))",
    "round": "(x, decimals=0)",
    "rsqrt": "(x)",
    "scatter": "(indices, values, shape)",
    "searchsorted": "(sorted_sequence, values, side='left')",
    "segment_sum": "(data, segment_ids, num_segments=None, sorted=False)",
    "selu": "(x)",
    "sign": "(x)",
    "signbit": "(x)",
    "silu": "(x)",
    "sin": "(x)",
    "sinh": "(x)",
    "slice": "(inputs, start_indices, shape)",
    "slogdet": "(x)",
    "soft_shrink": "(x, threshold=0.5)",
    "softplus": "(x)",
    "softsign": "(x)",
    "solve": "(a, b)",
    "sort": "(x, axis=-1)",
    "sparse_plus": "(x)",
    "sparse_sigmoid": "(x)",
    "split": "(x, indices_or_sections, axis=0)",
    "squareplus": "(x, b=4)",
    "std": "(x, axis=None, keepdims=False)",
    "stop_gradient": "(variable)",
    "svd": "(x, full_matrices=True, compute_uv=True)",
    "swapaxes": "(x, axis1, axis2)",
    "swish": "(x)",
    "take": "(x, indices, axis=None)",
    "take_along_axis": "(x, indices, axis=None)",
    "tan": "(x)",
    "tanh_shrink": "(x)",
    "tensordot": "(x1, x2, axes=2)",
    "threshold": "(x, threshold, default_value)",
    "tile": "(x, repeats)",
    "top_k": "(x, k, sorted=True)",
    "trace": "(x, offset=0, axis1=0, axis2=1)",
    "tri": "(N, M=None, k=0, dtype=None)",
    "tril": "(x, k=0)",
    "triu": "(x, k=0)",
    "true_divide": "(x1, x2)",
    "trunc": "(x)",
    "unique": ("(x, sorted=True, return_index=False, return_inverse=False, "
               "return_counts=False, axis=None, size=None, fill_value=None)"),
    "unstack": "(x, num=None, axis=0)",
    "var": "(x, axis=None, keepdims=False)",
    "vdot": "(x1, x2)",
    "vsplit": "(x, indices_or_sections)",
    "vstack": "(xs)",
    "zeros": "(shape, dtype=None)",
    "zeros_like": "(x, dtype=None)",
    # the core ops, renamed to Keras's parameters (2026-12-04: concatenate's axis was -1)
    "add": "(x1, x2)",
    "subtract": "(x1, x2)",
    "multiply": "(x1, x2)",
    "divide": "(x1, x2)",
    "matmul": "(x1, x2)",
    "maximum": "(x1, x2)",
    "minimum": "(x1, x2)",
    "power": "(x1, x2)",
    "clip": "(x, x_min, x_max)",
    "concatenate": "(xs, axis=0)",
    "reshape": "(x, newshape)",
    "squeeze": "(x, axis=None)",
    "stack": "(x, axis=0)",
    "where": "(condition, x1=None, x2=None)",
    "max": "(x, axis=None, keepdims=False, initial=None)",
    "min": "(x, axis=None, keepdims=False, initial=None)",
    "max_pool": "(inputs, pool_size, strides=None, padding='valid', data_format=None)",
    "average_pool": "(inputs, pool_size, strides=None, padding='valid', data_format=None)",
}

# Keras's parameters first, in Keras's order; shendu's fused extras follow as keywords only.
KERAS_PREFIXES = {
    "conv": "(inputs, kernel, strides=1, padding='valid', data_format=None, dilation_rate=1",
    "depthwise_conv": ("(inputs, kernel, strides=1, padding='valid', data_format=None, "
                       "dilation_rate=1"),
    "conv_transpose": ("(inputs, kernel, strides=1, padding='valid', output_padding=None, "
                       "data_format=None, dilation_rate=1"),
}


def _plain(signature: inspect.Signature) -> str:
    """The signature without annotations: names, kinds and defaults."""
    params = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=params, return_annotation=inspect.Signature.empty))


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_keras_ops_name_exists_with_keras_parameters(name):
    assert name in keras.ops.__all__
    assert _plain(inspect.signature(getattr(keras.ops, name))) == KERAS_SIGNATURES[name]


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_keras_ops_name_has_a_docstring(name):
    assert (getattr(keras.ops, name).__doc__ or "").strip()


@pytest.mark.parametrize("name", sorted(KERAS_PREFIXES))
def test_keras_ops_conv_family_takes_keras_positional_arguments(name):
    plain = _plain(inspect.signature(getattr(keras.ops, name)))
    assert plain.startswith(KERAS_PREFIXES[name] + ", *, bias=None")


def test_keras_defaults_change_results_as_in_keras():
    import numpy as np

    a, b = np.ones((2, 3)), np.zeros((2, 3))
    assert keras.ops.concatenate([a, b]).shape == (4, 3)  # axis=0, Keras's default
    assert keras.ops.squeeze(np.ones((1, 3, 1))).shape == (3,)
    assert float(keras.ops.max(np.array([1.0, 2.0]), initial=5.0).data) == 5.0
    rows, cols = keras.ops.where(np.array([[True, False], [False, True]]))
    assert rows.data.tolist() == [0, 1] and cols.data.tolist() == [0, 1]
    x, k = np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4))
    assert keras.ops.conv(x, k, 2, "same").shape == (1, 3, 3, 4)  # strides, padding by position
