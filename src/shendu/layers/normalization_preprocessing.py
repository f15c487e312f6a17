"""Preprocessing of numeric features, Keras's names and defaults: Normalization (standardize
with a mean and variance learnt by ``adapt`` or given) and CategoryEncoding (integer
categories → one-hot, multi-hot or count vectors).

>>> import numpy as np
>>> from shendu.layers import Normalization
>>> layer = Normalization()
>>> layer.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
>>> layer(np.array([[2.0, 50.0]])).data
array([[0., 3.]], dtype=float32)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..errors import ArgumentError, DataError, DTypeError, ShapeError
from ..ops.standardize import Standardize
from .base import Layer
from .node import SymbolicTensor, is_symbolic, record_call
from .variable import Variable
from .vocabulary import encode_ids, encoded_shape, refuse_sparse, whole_numbers
from .weight_budget import charge


def _numbers(value, where: str, arg: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DTypeError(f"{where}: {arg} must be a number or an array of numbers, got "
                         f"{value!r}. Hint: e.g. {arg}=[0.0, 1.0] for two features.") from None
    if not np.isfinite(array).all():
        raise DataError(f"{where}: {arg} holds NaN or infinite values. Hint: compute it from "
                        "clean data, or call adapt(x) instead.")
    return array


class Normalization(Layer):
    """Keras's ``Normalization(axis=-1, mean=None, variance=None, invert=False)``:
    ``y = (x − mean) / max(√variance, ε)`` with ε = ``backend.epsilon()`` (1e-7), or its
    inverse ``x = mean + y · max(√variance, ε)`` with ``invert=True``.

    ``axis`` names the axes that keep their own statistics (default: the last, one mean per
    feature; ``None``: one mean for everything); ``adapt(data)`` computes the mean and the
    (biased) variance over all the other axes. Adapted statistics are non-trainable weights
    (``mean``, ``variance``, ``count``, as in Keras), so they are saved with the model; given
    ones live in the config. Gradients flow through to the input.

    >>> import numpy as np
    >>> Normalization(mean=2.0, variance=4.0)(np.array([[0.0, 6.0]])).data
    array([[-1.,  2.]], dtype=float32)
    >>> layer = Normalization(axis=None)
    >>> layer.adapt(np.array([[0.0, 2.0], [4.0, 6.0]]))
    >>> layer.mean.ravel(), layer.variance.ravel()
    (array([3.], dtype=float32), array([5.], dtype=float32))
    """

    supports_masking = True

    def __init__(self, axis: int | Sequence[int] | None = -1, mean=None, variance=None,
                 invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        where = f"Normalization '{self.name}'"
        axes = () if axis is None else (axis,) if isinstance(axis, numbers.Integral) else axis
        try:
            axes = tuple(axes)
        except TypeError:
            axes = None
        if axes is None or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                                   for a in axes):
            raise ArgumentError(f"{where}: axis must be an int, a tuple of ints or None, got "
                                f"{axis!r}. Hint: axis=-1 keeps one mean per feature.")
        self.axis = tuple(int(a) for a in axes)
        self.invert = bool(invert)
        if (mean is None) != (variance is None):
            raise ArgumentError(f"{where}: give both mean and variance, or neither (then call "
                                f"adapt), got mean={mean!r}, variance={variance!r}.")
        self.input_mean = self.input_variance = None
        if mean is not None:
            m, v = _numbers(mean, where, "mean"), _numbers(variance, where, "variance")
            if m.shape != v.shape:
                raise ShapeError(f"{where}: mean and variance must have the same shape, got "
                                 f"{m.shape} and {v.shape}. Hint: one value per feature each.")
            if m.ndim > len(self.axis):
                raise ShapeError(f"{where}: mean of rank {m.ndim} does not fit axis={self.axis} "
                                 f"({len(self.axis)} kept axes). Hint: one value per position "
                                 "of the kept axes, or a scalar.")
            if (v < 0).any():
                raise ArgumentError(f"{where}: variance must be >= 0, got {v.min()}. Hint: pass "
                                    "the variance (σ²), not a log-variance or a difference.")
            self.input_mean, self.input_variance = m, v
        self._mean: Variable | None = None
        self._variance: Variable | None = None

    # -- shapes --------------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        where = f"Normalization '{self.name}'"
        ndim = len(input_shape)
        bad = [a for a in self.axis if not -ndim <= a < ndim]
        if bad:
            raise ShapeError(f"{where}: axis {bad[0]} is out of range for inputs of rank {ndim} "
                             f"(shape {tuple(input_shape)}). Hint: axis=-1 is the last axis.")
        self._keep = tuple(sorted({a % ndim for a in self.axis}))
        unknown = [d for d in self._keep if input_shape[d] is None]
        if unknown:
            raise ShapeError(f"{where}: the kept axis {unknown[0]} of inputs of shape "
                             f"{tuple(input_shape)} has no known size. Hint: give Input a full "
                             "shape, or keep only axes of fixed size.")
        self._reduce = tuple(d for d in range(ndim) if d not in self._keep)
        self._shape = tuple(input_shape)
        self._bshape = tuple(input_shape[d] if d in self._keep else 1 for d in range(ndim))
        stat_shape = tuple(input_shape[d] for d in self._keep)
        if self.input_mean is None:
            self.adapt_mean = self._mean = self.add_weight(
                shape=stat_shape, initializer="zeros", trainable=False, name="mean")
            self.adapt_variance = self._variance = self.add_weight(
                shape=stat_shape, initializer="zeros", trainable=False, name="variance")
            self.count = self.add_weight(shape=(), initializer="zeros", dtype="float64",
                                         trainable=False, name="count")
            self._mean.assign(np.full(stat_shape, np.nan))  # NaN: not adapted yet
            self._variance.assign(np.full(stat_shape, np.nan))
        else:
            charge(stat_shape, self.name, "mean and variance")
            self._mean, self._variance = (
                Variable(self._placed(s, stat_shape, arg).astype(self.compute_dtype),
                         f"{self.name}/{arg}", trainable=False)
                for s, arg in ((self.input_mean, "mean"), (self.input_variance, "variance")))

    def _placed(self, stat: np.ndarray, stat_shape: tuple, arg: str) -> np.ndarray:
        """A given statistic spread over the kept axes (its axes match the last of them)."""
        shape = (1,) * (len(stat_shape) - stat.ndim) + stat.shape
        try:
            return np.broadcast_to(stat.reshape(shape), stat_shape).copy()
        except ValueError:
            raise ShapeError(
                f"Normalization '{self.name}': {arg} of shape {stat.shape} does not fit inputs "
                f"of shape {self._shape}, whose kept axes {self._keep} have sizes {stat_shape}. "
                "Hint: one value per feature, or a scalar.") from None

    def _check_shape(self, shape: tuple) -> None:
        if len(shape) != len(self._shape) or any(shape[d] != self._shape[d] for d in self._keep):
            raise ShapeError(
                f"Normalization '{self.name}': expected inputs of rank {len(self._shape)} with "
                f"sizes {[self._shape[d] for d in self._keep]} on the kept axes {self._keep} "
                f"(built for {self._shape}), got shape {tuple(shape)}. Hint: feed data shaped "
                "like the data the layer was adapted on.")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    # -- statistics ----------------------------------------------------------------------------
    @property
    def mean(self) -> np.ndarray | None:
        """The mean in the shape that broadcasts against the inputs (None before build)."""
        return None if self._mean is None else self._mean.numpy().reshape(self._bshape)

    @property
    def variance(self) -> np.ndarray | None:
        """The variance in the shape that broadcasts against the inputs (None before build)."""
        return None if self._variance is None else self._variance.numpy().reshape(self._bshape)

    def _ready(self) -> bool:
        return self._mean is not None and not (np.isnan(self._mean.data).any()
                                               or np.isnan(self._variance.data).any())

    def adapt(self, data) -> None:
        """Learn the mean and variance of ``data``: an array, or an iterable of batches
        (a list of arrays, a generator), whose statistics are merged exactly."""
        where = f"Normalization '{self.name}'"
        if self.input_mean is not None:
            raise ArgumentError(f"{where}: it was given mean and variance, so there is nothing "
                                "to adapt. Hint: create Normalization() without them to learn "
                                "them from data.")
        total = mean = m2 = None
        for batch in _batches(data):
            array = _checked_batch(batch, where)
            if not self.built:
                keep_batch = any(a % array.ndim == 0 for a in self.axis) if array.ndim else True
                self.build_from_shape(array.shape if keep_batch else (None,) + array.shape[1:])
            self._check_shape(array.shape)
            n = math.prod(array.shape[d] for d in self._reduce)
            b_mean = array.mean(axis=self._reduce, dtype=np.float64)
            b_m2 = array.var(axis=self._reduce, dtype=np.float64) * n
            if total is None:
                total, mean, m2 = n, b_mean, b_m2
                continue
            # Chan et al.: merge two (count, mean, sum of squared deviations) summaries
            delta = b_mean - mean
            mean = mean + delta * (n / (total + n))
            m2 = m2 + b_m2 + delta ** 2 * (total * n / (total + n))
            total += n
        if total is None:
            raise DataError(f"{where}: adapt got no data. Hint: adapt on the training inputs, "
                            "e.g. layer.adapt(x_train).")
        self._mean.assign(mean)
        self._variance.assign(m2 / total)
        self.count.assign(float(total))

    # -- forward -------------------------------------------------------------------------------
    def _require_ready(self) -> None:
        if not self._ready():
            raise ArgumentError(
                f"Normalization '{self.name}': no mean and variance yet (they are NaN until "
                "adapt). Hint: call layer.adapt(x_train) before using it, or pass mean= and "
                "variance=.")

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple)):
            inputs = np.asarray(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def _symbolic_call(self, inputs, *args, **kwargs):
        if isinstance(inputs, SymbolicTensor) and not self.built:
            self.build_from_shape(inputs.shape)
        if isinstance(inputs, SymbolicTensor):
            self._check_shape(tuple(inputs.shape))
        return record_call(self, inputs, tuple(inputs.shape), self.compute_dtype, kwargs)

    def call(self, inputs):
        self._require_ready()
        self._check_shape(tuple(inputs.shape))
        return Standardize.apply(inputs, self._mean, self._variance, shape=self._bshape,
                                 invert=self.invert, epsilon=backend.epsilon())

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path (the statistics as its weights);
        None before adapt, so the layer-by-layer path raises the clear error."""
        if not self.built or not self._ready():
            return None
        op = Standardize(shape=self._bshape, invert=self.invert, epsilon=backend.epsilon())
        return [(op, [self._mean, self._variance])]

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=list(self.axis), invert=self.invert,
            mean=None if self.input_mean is None else self.input_mean.tolist(),
            variance=None if self.input_variance is None else self.input_variance.tolist())
        return config


def _batches(data):
    """``data`` as batches: one array, or the items of a list/tuple of arrays or an iterator."""
    if isinstance(data, (np.ndarray, Tensor, numbers.Number, str, bytes)):
        return [data]
    if isinstance(data, (list, tuple)):
        if data and all(isinstance(b, (np.ndarray, Tensor)) for b in data):
            return list(data)
        return [data]
    if hasattr(data, "__iter__"):
        return data
    return [data]


def _checked_batch(batch, where: str) -> np.ndarray:
    batch = batch.data if isinstance(batch, Tensor) else batch
    try:
        array = np.asarray(batch)
    except ValueError:
        array = np.asarray(batch, dtype=object)
    if array.dtype.kind not in "fiub":
        raise DTypeError(f"{where}: adapt expected a numeric array, got dtype {array.dtype} "
                         f"(shape {array.shape}). Hint: rows must have equal lengths; encode "
                         "strings first (StringLookup).")
    if array.size == 0:
        raise DataError(f"{where}: adapt got an empty array of shape {array.shape}. Hint: adapt "
                        "on the training inputs, e.g. layer.adapt(x_train).")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise DataError(f"{where}: adapt data holds NaN or infinite values, which would make the "
                        "mean and variance NaN. Hint: clean them first, e.g. "
                        "np.nan_to_num(x), or drop those rows.")
    return array


class CategoryEncoding(Layer):
    """Keras's ``CategoryEncoding(num_tokens, output_mode="multi_hot", sparse=False)``: integer
    categories in [0, num_tokens) as float vectors of length ``num_tokens``.

    ``"one_hot"``: one vector per value (an input axis of size 1 at the end is replaced).
    ``"multi_hot"``: for each sample (a row of a 2-D input; a 1-D input is one sample), 1 where
    a category occurs. ``"count"``: how often it occurs, or the sum of ``count_weights``
    (same shape as the inputs) given to the call.

    >>> import numpy as np
    >>> CategoryEncoding(num_tokens=4)(np.array([[0, 1], [3, 3]])).data
    array([[1., 1., 0., 0.],
           [0., 0., 0., 1.]], dtype=float32)
    >>> CategoryEncoding(3, output_mode="count")(np.array([[2, 2, 0]]),
    ...                                          count_weights=np.array([[0.5, 1.0, 2.0]])).data
    array([[2. , 0. , 1.5]], dtype=float32)
    """

    MODES = ("one_hot", "multi_hot", "count")

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        where = f"CategoryEncoding '{self.name}'"
        if output_mode == "binary":  # Keras's old name for multi_hot
            output_mode = "multi_hot"
        if output_mode not in self.MODES:
            raise ArgumentError(f"{where}: output_mode must be one of {self.MODES}, got "
                                f"{output_mode!r}. Hint: 'one_hot' for one category per value.")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, numbers.Integral) \
                or num_tokens < 1:
            raise ArgumentError(f"{where}: num_tokens must be an integer >= 1 (the number of "
                                f"categories), got {num_tokens!r}. Hint: max category + 1; when "
                                "the categories are not known, use IntegerLookup.")
        refuse_sparse(sparse, where)
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False
        self.built = True

    def __call__(self, inputs, count_weights=None, training=None, mask=None, **kwargs):
        if is_symbolic(inputs):
            if count_weights is not None:
                raise ArgumentError(f"CategoryEncoding '{self.name}': count_weights cannot be "
                                    "passed in a functional graph. Hint: call the layer on arrays "
                                    "with count_weights=..., or weight the counts afterwards.")
            shape = self.compute_output_shape(tuple(inputs.shape))
            return record_call(self, inputs, shape, self.compute_dtype, kwargs)
        return self.call(inputs, count_weights=count_weights)

    def call(self, inputs, count_weights=None):
        where = f"CategoryEncoding '{self.name}'"
        ids = whole_numbers(inputs.data if isinstance(inputs, Tensor) else inputs, where)
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_tokens):
            raise DataError(f"{where}: categories must lie in [0, {self.num_tokens}), got values "
                            f"in [{ids.min()}, {ids.max()}]. Hint: raise num_tokens to the "
                            "number of categories (max + 1), or map them with IntegerLookup.")
        weights = None
        if count_weights is not None:
            if self.output_mode != "count":
                raise ArgumentError(f"{where}: count_weights applies to output_mode='count' "
                                    f"only, got output_mode={self.output_mode!r}. Hint: drop "
                                    "count_weights, or use output_mode='count'.")
            weights = np.asarray(count_weights.data if isinstance(count_weights, Tensor)
                                 else count_weights)
            if weights.shape != ids.shape:
                raise ShapeError(f"{where}: count_weights must have the inputs' shape "
                                 f"{ids.shape}, got {weights.shape}. Hint: one weight per "
                                 "category value.")
            weights = _numbers(weights, where, "count_weights")
        self.compute_output_shape(ids.shape)  # the rank check, before any work
        out = encode_ids(ids, self.num_tokens, self.output_mode, where, weights=weights)
        return Tensor(out.astype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode != "one_hot" and len(shape) > 2:
            raise ShapeError(f"CategoryEncoding '{self.name}': output_mode="
                             f"{self.output_mode!r} takes inputs of rank 1 (one sample) or 2 "
                             f"(samples, values), got shape {shape}. Hint: reshape to (samples, "
                             "values) first, or use output_mode='one_hot'.")
        return encoded_shape(shape, self.num_tokens, self.output_mode)

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode,
                      sparse=self.sparse)
        return config


__all__ = ["CategoryEncoding", "Normalization"]
