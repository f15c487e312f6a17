"""The loss functions that ``keras.metrics`` also offers (binary_crossentropy, huber, ...), as
metric functions: the same signature and numbers as :mod:`shendu.losses`, run without
recording a graph, returning a NumPy array of per-sample values.

>>> import numpy as np
>>> from shendu.metrics import hinge
>>> hinge(np.array([[1.0, -1.0]]), np.array([[0.5, 0.5]]))
array([1.])
"""

from __future__ import annotations

import inspect

from . import loss_functions


def _metric_function(loss_name: str, example: str):
    """A function with the loss's signature (annotations dropped, as Keras's reads) that
    returns ``loss(y_true, y_pred, ...)`` as an array."""
    loss = getattr(loss_functions, loss_name)

    def fn(*args, **kwargs):
        from .autograd import no_grad

        with no_grad():
            return loss(*args, **kwargs).data

    sig = inspect.signature(loss)
    fn.__signature__ = sig.replace(
        parameters=[p.replace(annotation=inspect.Parameter.empty)
                    for p in sig.parameters.values()],
        return_annotation=inspect.Signature.empty)
    fn.__name__ = fn.__qualname__ = loss_name
    fn.__module__ = __name__
    summary = (loss.__doc__ or "").strip().splitlines()[0]
    fn.__doc__ = (f"Per-sample {loss_name.replace('_', ' ')}: {summary}\n\n"
                  f"    >>> import numpy as np\n    >>> from shendu.metrics import {loss_name}\n"
                  f"{example}")
    return fn


_P = "np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.2, 0.8], [0.6, 0.4]])"
binary_crossentropy = _metric_function(
    "binary_crossentropy", f"    >>> binary_crossentropy({_P}).round(4)\n"
                           "    array([0.2231, 0.5108])\n")
binary_focal_crossentropy = _metric_function(
    "binary_focal_crossentropy", f"    >>> binary_focal_crossentropy({_P}, gamma=0.0).round(4)\n"
                                 "    array([0.2231, 0.5108])\n")
categorical_crossentropy = _metric_function(
    "categorical_crossentropy", f"    >>> categorical_crossentropy({_P}).round(4)\n"
                                "    array([0.2231, 0.5108])\n")
categorical_focal_crossentropy = _metric_function(
    "categorical_focal_crossentropy",
    f"    >>> categorical_focal_crossentropy({_P}, alpha=1.0, gamma=0.0).round(4)\n"
    "    array([0.2231, 0.5108])\n")
sparse_categorical_crossentropy = _metric_function(
    "sparse_categorical_crossentropy",
    "    >>> sparse_categorical_crossentropy(np.array([1, 0]), "
    "np.array([[0.2, 0.8], [0.6, 0.4]])).round(4)\n    array([0.2231, 0.5108])\n")
kl_divergence = _metric_function(
    "kl_divergence", f"    >>> kl_divergence({_P}).round(4)\n    array([0.2231, 0.5108])\n")
poisson = _metric_function(
    "poisson", "    >>> poisson(np.array([[1.0]]), np.array([[1.0]])).round(4)\n"
               "    array([1.])\n")
hinge = _metric_function(
    "hinge", "    >>> hinge(np.array([[1.0, -1.0]]), np.array([[0.5, 0.5]]))\n"
             "    array([1.])\n")
squared_hinge = _metric_function(
    "squared_hinge", "    >>> squared_hinge(np.array([[1.0, -1.0]]), np.array([[0.5, 0.5]]))\n"
                     "    array([1.25])\n")
categorical_hinge = _metric_function(
    "categorical_hinge", f"    >>> categorical_hinge({_P}).round(4)\n    array([0.4, 0.8])\n")
huber = _metric_function(
    "huber", "    >>> huber(np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]]))\n"
             "    array([1.3125])\n")

FUNCTIONS = (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
             categorical_focal_crossentropy, sparse_categorical_crossentropy, kl_divergence,
             poisson, hinge, squared_hinge, categorical_hinge, huber)
