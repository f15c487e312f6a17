"""Losses, in function form (one value per sample) and class form (weighted and reduced).

The function forms (``mean_squared_error``, ...; written in :mod:`shendu.loss_functions`) take
arrays or Tensors and return a Tensor of per-sample values, with Keras 3's formulas. The class
forms (``MeanSquaredError()``, ...) weight those values by ``sample_weight`` and reduce them
(``reduction``: 'sum_over_batch_size' (default), 'sum', 'mean', 'mean_with_sample_weight',
'none').

Cross-entropies on the output of a sigmoid or softmax use that activation's logits (the
output Tensor carries them in ``.logits``), so the backward is the stable fused ``p - y``, as
Keras does inside ``fit``.

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
import re

import numpy as np

from . import ops
from .autograd import Tensor, as_tensor
from .errors import ArgumentError, ShapeError, unknown_name
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
from .number_args import number_arg

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# -- reduction -------------------------------------------------------------------------------
def _weights_like(sample_weight, values: Tensor) -> np.ndarray:
    sw = sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight
    sw = np.asarray(sw, dtype=values.dtype)
    if sw.ndim == values.ndim + 1 and sw.shape[-1] == 1:
        sw = sw[..., 0]
    elif values.ndim == sw.ndim + 1 and values.shape[-1] == 1 and sw.ndim == 1:
        sw = sw[:, None]
    while 0 < sw.ndim < values.ndim:
        sw = sw[..., None]
    try:
        np.broadcast_shapes(sw.shape, values.shape)
    except ValueError:
        raise ShapeError(
            f"sample_weight: expected one weight per sample (shape {values.shape[:1]}) or a shape "
            f"broadcastable to the loss values {values.shape}, got {sw.shape}. "
            "Hint: pass a 1-D array with one weight per row of x."
        ) from None
    return sw


def reduce_loss(values: Tensor, sample_weight=None, reduction="sum_over_batch_size",
                mask=None) -> Tensor:
    """Weight per-sample loss values and reduce them the way Keras does.

    ``mask`` (booleans, e.g. labels not ignored) zeroes entries; with a mean reduction the
    divisor then counts only the kept entries.
    """
    sw = None if sample_weight is None else _weights_like(sample_weight, values)
    if mask is not None:
        m = np.asarray(mask, dtype=values.dtype)
        if reduction in ("sum_over_batch_size", "mean"):
            kept = m.sum()
            m = m * (m.size / kept) if kept else m  # the mean of the kept entries (none: 0)
        sw = m if sw is None else sw * m
    if sw is not None:
        values = values * Tensor(sw)
    if reduction in ("none", None) or values.ndim == 0:
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sw is not None:
        divisor = float(np.sum(sw))
    else:
        divisor = float(values.size)
    return total * (1.0 / divisor) if divisor else total * 0.0


# -- class forms -----------------------------------------------------------------------------
class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` returns a scalar Tensor.

    ``call`` gives per-sample values; ``reduction`` is 'sum_over_batch_size' (Keras's default:
    weighted sum over the number of values), 'sum', 'mean' (the same as the default),
    'mean_with_sample_weight' (weighted sum over the sum of the weights) or 'none'.

    >>> import numpy as np
    >>> loss = MeanAbsoluteError(reduction="sum")
    >>> loss(np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]])).item()
    3.0
    """

    fn = None
    align_ranks = True  # a trailing axis of 1 on one side is matched first, as Keras does

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype=None, **fn_kwargs):
        if reduction not in REDUCTIONS:
            raise ArgumentError(
                f"{type(self).__name__}: reduction must be one of {REDUCTIONS[:-1]} or None, "
                f"got {reduction!r}. Hint: the default 'sum_over_batch_size' averages."
            )
        owner = type(self).__name__
        if "label_smoothing" in fn_kwargs:
            number_arg(fn_kwargs["label_smoothing"], owner, "label_smoothing", low=0.0, high=1.0,
                       hint="label_smoothing=0.1 moves targets 10% of the way to uniform")
        if "delta" in fn_kwargs:
            number_arg(fn_kwargs["delta"], owner, "delta", low=0.0, low_open=True,
                       hint="delta=1.0: quadratic within 1 of the target, linear beyond")
        self.reduction = reduction
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred) -> Tensor:
        """Per-sample loss values."""
        if self.dtype is not None and not isinstance(y_pred, Tensor):
            y_pred = np.asarray(y_pred, dtype=self.dtype)
        if self.align_ranks:
            y_true, y_pred = _pair(y_true, y_pred)
            if y_true.shape != y_pred.shape:
                self._check_broadcast(y_true.shape, y_pred.shape)
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def _check_broadcast(self, true_shape, pred_shape) -> None:
        try:
            np.broadcast_shapes(true_shape, pred_shape)
        except ValueError:
            raise ShapeError(
                f"{type(self).__name__}: y_true of shape {tuple(true_shape)} does not match "
                f"y_pred of shape {tuple(pred_shape)}. Hint: one target per prediction; for "
                "integer class labels use SparseCategoricalCrossentropy."
            ) from None

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        return reduce_loss(self.call(y_true, y_pred), sample_weight, self.reduction)

    def value_and_grad(self, y_true, z, head=None):
        """(loss value, dL/dz) on arrays, without a graph, for a model output ``head(z)``.

        ``head`` is the final Sigmoid/Softmax kernel (z its logits) or None (z is the output).
        Returns None where this loss has no fused form (custom losses, sample weights are the
        caller's to exclude, other reductions, label smoothing...): use autograd then.
        """
        known_call = type(self).__call__ in (Loss.__call__, SparseCategoricalCrossentropy.__call__)
        if type(self).call is not Loss.call or not known_call:
            return None
        from .loss_heads import value_and_grad

        return value_and_grad(self, y_true, z, head)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype,
                **self.fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def _snake(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


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


class CTC(Loss):
    """Connectionist temporal classification: y_true (batch, max_length) integer labels padded
    with 0 (the blank), y_pred (batch, frames, classes) logits. See :func:`ctc`.

    >>> import numpy as np
    >>> round(CTC()(np.array([[1, 0]]), np.log(np.full((1, 2, 2), 0.5))).item(), 6)
    0.287682
    """

    fn = staticmethod(ctc)
    align_ranks = False
    target_kind = "any"  # fit leaves the targets' shape to the loss, which checks it

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(Loss):
    """(1 − p^q) / q of the probability p of the integer label, q in (0, 1).

    >>> import numpy as np
    >>> CategoricalGeneralizedCrossEntropy()(np.array([1]), np.array([[0.75, 0.25]])).item()
    1.0
    """

    fn = staticmethod(categorical_generalized_cross_entropy)
    align_ranks = False  # integer labels: one axis fewer than the probabilities
    target_kind = "any"

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        number_arg(q, type(self).__name__, "q", low=0.0, high=1.0, low_open=True,
                   high_open=True, hint="q=0.5; near 0 it acts like cross-entropy, near 1 like MAE")
        super().__init__(name=name, reduction=reduction, dtype=dtype, q=q)


class Circle(Loss):
    """Circle loss of L2-normalised embeddings and integer labels; the mean counts only the
    rows with a loss above 0 (those with both a positive and a negative pair).

    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> round(Circle(gamma=1.0)(np.array([0, 0, 1]), e).item(), 4)
    0.5459
    """

    fn = staticmethod(circle)
    align_ranks = False  # labels (batch,) against embeddings (batch, dim)
    target_kind = "any"

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        owner = type(self).__name__
        number_arg(gamma, owner, "gamma", hint="gamma=80.0 scales the similarities")
        number_arg(margin, owner, "margin", hint="margin=0.4 is the relaxation")
        if not isinstance(remove_diagonal, (bool, np.bool_)):
            raise ArgumentError(f"{owner}: remove_diagonal must be True or False, got "
                                f"{remove_diagonal!r}. Hint: True drops self-pairs.")
        super().__init__(name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=bool(remove_diagonal))

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        values = self.call(y_true, y_pred)
        return reduce_loss(values, sample_weight, self.reduction, mask=values.data > 0)


class Dice(Loss):
    """1 − 2 Σ yŷ / (Σ y + Σ ŷ), the sums over ``axis`` (None: the whole batch at once).

    >>> import numpy as np
    >>> round(Dice(axis=-1)(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]])).item(), 6)
    0.333333
    """

    fn = staticmethod(dice)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype, axis=_axes(axis, "Dice"))


class Tversky(Loss):
    """1 − I / (I + α Σ y(1 − ŷ) + β Σ ŷ(1 − y)), I = Σ yŷ over ``axis``; α = β = ½ is Dice.

    >>> import numpy as np
    >>> round(Tversky(0.3, 0.7)(np.array([1.0, 0.0]), np.array([1.0, 1.0])).item(), 6)
    0.411765
    """

    fn = staticmethod(tversky)

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        for arg, value in (("alpha", alpha), ("beta", beta)):
            number_arg(value, "Tversky", arg, hint="alpha=0.5, beta=0.5 gives the Dice loss")
        super().__init__(name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta,
                         axis=_axes(axis, "Tversky"))


def _axes(axis, owner: str):
    """None, an int or a tuple of ints (a list becomes a tuple, as a JSON config gives it)."""
    axes = list(axis) if isinstance(axis, (tuple, list)) else [axis]
    if axis is not None and not (axes and all(isinstance(a, (int, np.integer))
                                              and not isinstance(a, bool) for a in axes)):
        raise ArgumentError(f"{owner}: axis must be None, an int or a tuple of ints, got "
                            f"{axis!r}. Hint: axis=(1, 2, 3) scores each image of a batch.")
    return tuple(int(a) for a in axes) if isinstance(axis, (tuple, list)) else axis


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
