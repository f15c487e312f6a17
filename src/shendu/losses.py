"""Losses, in function form (one value per sample) and class form (weighted and reduced).

The function forms (``mean_squared_error``, ...; written in :mod:`shendu.loss_functions`) take
arrays or Tensors and return a Tensor of per-sample values, with Keras 3's formulas. The class
forms (``MeanSquaredError()``, ...) weight those values by ``sample_weight`` and reduce them
(``reduction``: 'sum_over_batch_size' (default), 'sum', 'mean', 'mean_with_sample_weight',
'none').

Cross-entropies on the output of a sigmoid or softmax use that activation's logits (the
output Tensor carries them in ``.logits``), so the backward is the stable fused ``p - y``, as
Keras does inside ``fit``. The base class and the reductions are in :mod:`shendu.losses_base`,
the newer losses (CTC, Dice, Tversky, Circle, ...) in :mod:`shendu.losses_extra`; all are
re-exported here.

>>> import numpy as np
>>> from shendu import losses
>>> y_true, y_pred = np.array([[0.0], [1.0]]), np.array([[0.5], [0.5]])
>>> float(losses.MeanSquaredError()(y_true, y_pred).data)
0.25
>>> float(losses.HalfMeanSquaredError()(y_true, y_pred).data)
0.125
>>> losses.get("mae")(y_true, np.array([[0.0], [0.0]])).item()
0.5
"""

from __future__ import annotations

import inspect

import numpy as np

from .autograd import Tensor, as_tensor
from .errors import ArgumentError, unknown_name
from .loss_functions import (
    _pair,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    categorical_hinge,
    circle,
    cosine_similarity,
    ctc,
    dice,
    half_mean_squared_error,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
    tversky,
)
from .losses_base import REDUCTIONS as REDUCTIONS
from .losses_base import Loss, reduce_loss
from .losses_base import _snake as _snake  # re-exported: the helpers lived here
from .losses_base import _weights_like as _weights_like
from .losses_extra import CTC, CategoricalGeneralizedCrossEntropy, Circle, Dice, Tversky
from .losses_extra import _axes as _axes


# -- class forms -----------------------------------------------------------------------------
def _signature(order, defaults: dict) -> inspect.Signature:
    """The signature help() shows for a generated class: Keras's arguments in Keras's order."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter("self", kind)]
                             + [inspect.Parameter(k, kind, default=defaults[k]) for k in order])


def _loss_class(fn, class_name: str, default_name: str, doc: str, **defaults):
    """A Loss subclass for ``fn`` whose keyword arguments and defaults are ``defaults``."""
    params = ", ".join(f"{k}={v!r}" for k, v in defaults.items())

    order = (*defaults, "reduction", "name", "dtype")

    def __init__(self, *args, **kwargs):
        if len(args) > len(order):
            raise ArgumentError(f"{class_name}: takes at most {len(order)} positional "
                                f"arguments {order}, got {len(args)}.")
        unknown = set(kwargs) - set(order)
        if unknown:
            raise ArgumentError(f"{class_name}: unexpected argument(s) {sorted(unknown)}. "
                                f"Hint: it takes {', '.join(order)}.")
        options = {**defaults, "reduction": "sum_over_batch_size", "name": default_name,
                   "dtype": None, **dict(zip(order, args)), **kwargs}
        Loss.__init__(self, **options)

    example = ("\n\n    >>> import numpy as np\n    >>> from shendu import losses\n"
               f"    >>> loss = losses.{class_name}()\n"
               "    >>> loss(np.array([[1.0, 0.0]]), np.array([[0.6, 0.4]])).shape\n    ()\n")
    __init__.__signature__ = _signature(order, {**defaults, "reduction": "sum_over_batch_size",
                                                "name": default_name, "dtype": None})
    body = {"fn": staticmethod(fn), "__init__": __init__,
            "__doc__": f"{doc}\n\n    Options: {params or 'none'}; plus reduction, name, dtype."
                       + example,
            "__module__": __name__}
    return type(class_name, (Loss,), body)


MeanSquaredError = _loss_class(mean_squared_error, "MeanSquaredError", "mean_squared_error",
                               "Mean of (y − ŷ)².")
HalfMeanSquaredError = _loss_class(
    half_mean_squared_error, "HalfMeanSquaredError", "half_mean_squared_error",
    "The seed's J(θ) = 1/(2m) Σ (y − ŷ)².")
MeanAbsoluteError = _loss_class(mean_absolute_error, "MeanAbsoluteError", "mean_absolute_error",
                                "Mean of |y − ŷ|.")
MeanAbsolutePercentageError = _loss_class(
    mean_absolute_percentage_error, "MeanAbsolutePercentageError",
    "mean_absolute_percentage_error", "100 · mean(|y − ŷ| / max(|y|, ε)).")
MeanSquaredLogarithmicError = _loss_class(
    mean_squared_logarithmic_error, "MeanSquaredLogarithmicError",
    "mean_squared_logarithmic_error", "Mean of (log(ŷ + 1) − log(y + 1))².")
Huber = _loss_class(huber, "Huber", "huber_loss", "Quadratic within ``delta``, linear outside.",
                    delta=1.0)
LogCosh = _loss_class(log_cosh, "LogCosh", "log_cosh", "Mean of log cosh(ŷ − y).")
CosineSimilarity = _loss_class(cosine_similarity, "CosineSimilarity", "cosine_similarity",
                               "Minus the cosine of the angle between y and ŷ.", axis=-1)
BinaryCrossentropy = _loss_class(
    binary_crossentropy, "BinaryCrossentropy", "binary_crossentropy",
    "Binary cross-entropy of probabilities (or logits with ``from_logits=True``).",
    from_logits=False, label_smoothing=0.0, axis=-1)
BinaryFocalCrossentropy = _loss_class(
    binary_focal_crossentropy, "BinaryFocalCrossentropy", "binary_focal_crossentropy",
    "Binary cross-entropy scaled by (1 − p_t)^γ, optionally class-balanced by α.",
    apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
    axis=-1)
CategoricalCrossentropy = _loss_class(
    categorical_crossentropy, "CategoricalCrossentropy", "categorical_crossentropy",
    "Cross-entropy against one-hot (or soft) targets.",
    from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalFocalCrossentropy = _loss_class(
    categorical_focal_crossentropy, "CategoricalFocalCrossentropy",
    "categorical_focal_crossentropy", "Categorical cross-entropy scaled by α (1 − p)^γ.",
    alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
KLDivergence = _loss_class(kl_divergence, "KLDivergence", "kl_divergence",
                           "Kullback-Leibler divergence Σ y log(y / ŷ).")
Poisson = _loss_class(poisson, "Poisson", "poisson", "Mean of ŷ − y log(ŷ + ε).")
Hinge = _loss_class(hinge, "Hinge", "hinge", "Mean of max(1 − y ŷ, 0).")
SquaredHinge = _loss_class(squared_hinge, "SquaredHinge", "squared_hinge",
                           "Mean of max(1 − y ŷ, 0)².")
CategoricalHinge = _loss_class(categorical_hinge, "CategoricalHinge", "categorical_hinge",
                               "max(max((1 − y) ŷ) − Σ y ŷ + 1, 0).")


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy against integer labels; ``ignore_class`` labels count for nothing.

    With ``ignore_class`` the mean is taken over the labels that are not ignored.

    >>> import numpy as np
    >>> loss = SparseCategoricalCrossentropy(ignore_class=-1)
    >>> round(loss(np.array([0, -1]), np.array([[0.5, 0.5], [0.9, 0.1]])).item(), 4)
    0.6931
    """

    fn = staticmethod(sparse_categorical_crossentropy)
    align_ranks = False  # labels have one axis fewer than the predictions

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy",
                 dtype=None, axis: int = -1):
        super().__init__(name=name, reduction=reduction, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        mask = None
        ignore = self.fn_kwargs["ignore_class"]
        if ignore is not None:
            labels = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
            mask = labels != ignore
            if mask.ndim == np.ndim(y_pred) and mask.shape[-1] == 1:
                mask = mask[..., 0]
        return reduce_loss(self.call(y_true, y_pred), sample_weight, self.reduction, mask)


class LossFunctionWrapper(Loss):
    """Wraps a user function ``fn(y_true, y_pred, **kwargs) -> per-sample Tensor`` as a Loss.

    >>> import numpy as np
    >>> from shendu import ops
    >>> loss = LossFunctionWrapper(lambda y, p: ops.mean(ops.abs(y - p), axis=-1))
    >>> loss(np.ones((2, 1)), np.zeros((2, 1))).item()
    1.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction,
                         dtype=dtype, **kwargs)
        self.user_fn = fn

    def call(self, y_true, y_pred) -> Tensor:
        y_true, y_pred = _pair(y_true, y_pred)
        return as_tensor(self.user_fn(y_true, y_pred, **self.fn_kwargs))


FUNCTIONS: dict[str, object] = {
    f.__name__: f for f in (
        mean_squared_error, half_mean_squared_error, mean_absolute_error,
        mean_absolute_percentage_error, mean_squared_logarithmic_error, huber, log_cosh,
        cosine_similarity, binary_crossentropy, binary_focal_crossentropy,
        categorical_crossentropy, categorical_focal_crossentropy,
        sparse_categorical_crossentropy, kl_divergence, poisson, hinge, squared_hinge,
        categorical_hinge, ctc, categorical_generalized_cross_entropy, circle, dice, tversky,
    )
}
ALIASES = {
    "mse": "mean_squared_error", "half_mse": "half_mean_squared_error",
    "mae": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error", "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence", "logcosh": "log_cosh",
    "huber_loss": "huber", "bce": "binary_crossentropy", "cce": "categorical_crossentropy",
}
CLASSES: dict[str, type[Loss]] = {
    "mean_squared_error": MeanSquaredError,
    "half_mean_squared_error": HalfMeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "huber": Huber,
    "log_cosh": LogCosh,
    "cosine_similarity": CosineSimilarity,
    "binary_crossentropy": BinaryCrossentropy,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence,
    "poisson": Poisson,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
    "ctc": CTC,
    "categorical_generalized_cross_entropy": CategoricalGeneralizedCrossEntropy,
    "circle": Circle,
    "dice": Dice,
    "tversky": Tversky,
}
ALL: dict[str, object] = {**FUNCTIONS, **{a: FUNCTIONS[t] for a, t in ALIASES.items()}}
BY_CLASS_NAME: dict[str, type[Loss]] = {c.__name__: c for c in CLASSES.values()}
BY_CLASS_NAME["LossFunctionWrapper"] = LossFunctionWrapper

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
half_mse = half_mean_squared_error


def get(identifier) -> Loss:
    """A Loss object from a name ('mse', 'binary_crossentropy'), a class name ('Huber'), a
    config dict ({'class_name': ..., 'config': ...}), a Loss, a Loss class or a function."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, str):
        if identifier in BY_CLASS_NAME:
            return BY_CLASS_NAME[identifier]()
        key = identifier.lower()
        key = ALIASES.get(key, key)
        if key not in CLASSES:
            known = list(ALL) + list(BY_CLASS_NAME)
            raise unknown_name("loss", identifier, known,
                               hint="Hint: pass a name, a shendu.losses.Loss or a function.")
        return CLASSES[key](name=identifier)
    if isinstance(identifier, dict):
        cls = BY_CLASS_NAME.get(identifier.get("class_name"))
        if cls is None or cls is LossFunctionWrapper:
            raise unknown_name("loss", identifier.get("class_name"), BY_CLASS_NAME)
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        builtin = getattr(identifier, "__name__", None)
        if FUNCTIONS.get(builtin) is identifier:
            return CLASSES[builtin]()
        return LossFunctionWrapper(identifier)
    raise unknown_name("loss", identifier, ALL,
                       hint="Hint: pass a name, a shendu.losses.Loss or a function.")


def serialize(loss: Loss) -> dict:
    """{'class_name': ..., 'config': ...} for a built-in loss."""
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config: dict) -> Loss:
    """The inverse of :func:`serialize`."""
    return get(config)
