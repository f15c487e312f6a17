"""Every keras.ops name shendu adds is reachable through ``import shendu as keras`` with
Keras 3's parameters: the same names, order and defaults (written down from Keras 3.15), so a
custom layer's call with keywords works unchanged."""

from __future__ import annotations

import inspect

import pytest

import shendu as keras

KERAS_SIGNATURES = {
    "all": "(x, axis=None, keepdims=False)",
    "any": "(x, axis=None, keepdims=False)",
    "arange": "(start, stop=None, step=None, dtype=None)",
    "argsort": "(x, axis=-1)",
    "cond": "(pred, true_fn, false_fn)",
    "cos": "(x)",
    "cumsum": "(x, axis=None, dtype=None)",
    "dot": "(x1, x2)",
    "einsum": "(subscripts, *operands, **kwargs)",
    "elu": "(x, alpha=1.0)",
    "erf": "(x)",
    "eye": "(N, M=None, k=0, dtype=None)",
    "flip": "(x, axis=None)",
    "floor": "(x)",
    "full": "(shape, fill_value, dtype=None)",
    "full_like": "(x, fill_value, dtype=None)",
    "gelu": "(x, approximate=True)",
    "identity": "(n, dtype=None)",
    "leaky_relu": "(x, negative_slope=0.2)",
    "linspace": "(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0)",
    "log1p": "(x)",
    "log_softmax": "(x, axis=-1)",
    "logical_and": "(x1, x2)",
    "logical_not": "(x)",
    "logical_or": "(x1, x2)",
    "logsumexp": "(x, axis=None, keepdims=False)",
    "moveaxis": "(x, source, destination)",
    "norm": "(x, ord=None, axis=None, keepdims=False)",
    "normalize": "(x, axis=-1, order=2, epsilon=None)",
    "one_hot": "(x, num_classes, axis=-1, dtype=None, sparse=False)",
    "ones": "(shape, dtype=None)",
    "ones_like": "(x, dtype=None)",
    "pad": "(x, pad_width, mode='constant', constant_values=None)",
    "prod": "(x, axis=None, keepdims=False, dtype=None)",
    "repeat": "(x, repeats, axis=None)",
    "round": "(x, decimals=0)",
    "rsqrt": "(x)",
    "scatter": "(indices, values, shape)",
    "segment_sum": "(data, segment_ids, num_segments=None, sorted=False)",
    "selu": "(x)",
    "sign": "(x)",
    "silu": "(x)",
    "sin": "(x)",
    "slice": "(inputs, start_indices, shape)",
    "softplus": "(x)",
    "sort": "(x, axis=-1)",
    "split": "(x, indices_or_sections, axis=0)",
    "std": "(x, axis=None, keepdims=False)",
    "stop_gradient": "(variable)",
    "swapaxes": "(x, axis1, axis2)",
    "take": "(x, indices, axis=None)",
    "take_along_axis": "(x, indices, axis=None)",
    "tile": "(x, repeats)",
    "top_k": "(x, k, sorted=True)",
    "tril": "(x, k=0)",
    "triu": "(x, k=0)",
    "unstack": "(x, num=None, axis=0)",
    "var": "(x, axis=None, keepdims=False)",
    "zeros": "(shape, dtype=None)",
    "zeros_like": "(x, dtype=None)",
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
