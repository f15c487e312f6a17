"""The Metric base class, the averaging metrics (Mean, Sum, MeanMetricWrapper) and the small
array helpers every metric shares.

>>> import numpy as np
>>> from shendu.metrics_base import same_rank
>>> [a.shape for a in same_rank(np.zeros((4, 1)), np.zeros(4))]
[(4, 1), (4, 1)]
"""

from __future__ import annotations

import inspect
import re

import numpy as np

from .autograd import Tensor
from .errors import ArgumentError, DTypeError, ShapeError


def as_array(x) -> np.ndarray:
    """A NumPy array from an array, a list or a Tensor (its data)."""
    if type(x) is np.ndarray:  # the common case, checked first (once per metric per batch)
        return x
    if isinstance(x, Tensor):
        x = x.data
    if type(x).__module__.startswith("cupy"):
        return x.get()
    return np.asarray(x)


def same_rank(a: np.ndarray, b: np.ndarray, expand_rank_1: bool = True):
    """Keras's ``squeeze_or_expand_to_same_rank``: a trailing axis of 1 on the higher-rank side
    is squeezed away, or, when the other side is 1-D, the other side gains one."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        if b.ndim == 1 and expand_rank_1:
            return a, b[:, None]
        return a[..., 0], b
    if b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        if a.ndim == 1 and expand_rank_1:
            return a[:, None], b
        return a, b[..., 0]
    return a, b


def snake_case(name: str) -> str:
    """'MeanSquaredError' → 'mean_squared_error', 'AUC' → 'auc', 'R2Score' → 'r2_score'."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Metric:
    """Base class of stateful metrics: ``update_state`` adds a batch, ``result`` reads the
    running value, ``reset_state`` starts over (Keras's API). Calling a metric updates it and
    returns the result.

    >>> import numpy as np
    >>> class Count(Metric):
    ...     def reset_state(self):
    ...         self.n = 0
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.n += len(y_true)
    ...     def result(self):
    ...         return self.n
    >>> m = Count()
    >>> m(np.zeros(3), np.zeros(3))
    3
    >>> m.name
    'count'
    """

    def __init__(self, name: str | None = None, dtype=None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = dtype
        self._variables: list = []
        try:
            self.reset_state()
        except AttributeError as err:
            # a Keras-style metric: its reset_state resets the variables that its __init__
            # creates after this (add_variable), and they start at their initial values anyway;
            # any other AttributeError is a bug of the metric's and is raised
            if err.obj is not self:
                raise

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name: str | None = None):
        """A state variable of this metric (Keras's ``Metric.add_variable``): update it with
        ``assign``/``assign_add``; the default :meth:`reset_state` puts it back to its
        initial value.

        >>> import numpy as np
        >>> class Total(Metric):
        ...     def __init__(self, name="total"):
        ...         super().__init__(name=name)
        ...         self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         self.total.assign_add(np.sum(y_pred))
        ...     def result(self):
        ...         return float(self.total.numpy())
        >>> t = Total()
        >>> t.update_state(None, np.array([1.0, 2.0])); t.result()
        3.0
        >>> t.reset_state(); t.result()
        0.0
        """
        from . import initializers
        from .layers.variable import Variable

        shape = tuple(shape or ())
        value = np.asarray(initializers.get(initializer)(shape, dtype=dtype or "float32"))
        var = Variable(value, name=name or f"variable_{len(self._variables)}", trainable=False)
        self._variables.append((var, value.copy()))
        return var

    def add_weight(self, name: str | None = None, shape=(), initializer="zeros", dtype=None,
                   aggregation="sum"):
        """Keras 2's spelling of :meth:`add_variable`."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                 aggregation=aggregation, name=name)

    @property
    def variables(self) -> list:
        """The state variables made with :meth:`add_variable`."""
        return [var for var, _ in self._variables]

    def reset_state(self) -> None:
        """Start over: every variable from :meth:`add_variable` goes back to its initial value;
        a metric that keeps other state overrides this."""
        for var, initial in getattr(self, "_variables", ()):
            var.assign(initial)

    def update_state(self, *args, **kwargs) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def result(self):  # pragma: no cover - interface
        raise NotImplementedError

    def reset_states(self) -> None:
        """Keras 2's spelling of :meth:`reset_state`."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


# -- reducing per-sample values ---------------------------------------------------------------
def _samplewise(values: np.ndarray, sample_weight, reduce) -> tuple[np.ndarray, object]:
    """Keras's reduction before Mean / Sum: values weighted and reduced to one per sample."""
    sw = None
    if sample_weight is not None:
        sw = np.asarray(as_array(sample_weight), dtype=np.float64)
        values, sw = same_rank(values, sw)
        if values.ndim > sw.ndim:
            values = reduce(values, axis=tuple(range(sw.ndim, values.ndim)))
        sw = np.broadcast_to(sw, values.shape)
        values = values * sw
        if sw.ndim > 1:
            sw = reduce(sw, axis=tuple(range(1, sw.ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, sw


class Mean(Metric):
    """The (weighted) mean of the values seen: Σ wᵢ vᵢ / Σ wᵢ, one value per sample.

    >>> m = Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name: str | None = "mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None) -> None:
        values = as_array(values)
        if values.dtype.kind not in "biuf":
            raise DTypeError(
                f"{type(self).__name__} '{self.name}': expected numbers to average, got an array "
                f"of dtype {values.dtype}. Hint: convert the values first, e.g. "
                "np.asarray(values, dtype=float)."
            )
        if sample_weight is None:  # the hot path: no temporaries beyond one sum
            if values.ndim == 0:
                self.total += float(values)
                self.count += 1.0
            elif values.shape[0]:
                per_sample = values.size // values.shape[0]
                # matches of an accuracy (booleans) are counted: an exact int, no float pass
                total = (np.count_nonzero(values) if values.dtype.kind == "b"
                         else float(values.sum(dtype=np.float64)))
                self.total += total / per_sample
                self.count += values.shape[0]
            return
        values, sw = _samplewise(values.astype(np.float64, copy=False), sample_weight, np.mean)
        self.total += float(np.sum(values))
        self.count += float(np.sum(sw))

    def result(self) -> np.float64:
        return np.float64(self.total / self.count) if self.count else np.float64(0.0)


class Sum(Metric):
    """The (weighted) sum of the values seen.

    >>> m = Sum()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0])
    >>> float(m.result())
    16.0
    """

    def __init__(self, name: str | None = "sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.total = 0.0

    def update_state(self, values, sample_weight=None) -> None:
        values = as_array(values).astype(np.float64, copy=False)
        values, _ = _samplewise(values, sample_weight, np.sum)
        self.total += float(np.sum(values))

    def result(self) -> np.float64:
        return np.float64(self.total)


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over every sample seen.

    >>> import numpy as np
    >>> m = MeanMetricWrapper(lambda t, p: np.abs(t - p), name="abs_error")
    >>> m.update_state(np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    >>> float(m.result())
    1.5

    A subclass whose ``fn`` gives 1.0 or 0.0 per entry (an accuracy) may set ``matches``: the
    same test as booleans, which unweighted updates count instead of summing floats.
    """

    matches = None  # fn(y_true, y_pred, **kwargs) as booleans, or None

    def __init__(self, fn, name: str | None = None, dtype=None, **kwargs):
        self.fn, self.fn_kwargs = fn, kwargs
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"),
                         dtype=dtype)
        k = kwargs.get("k")
        if "k" in kwargs and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise ArgumentError(f"{type(self).__name__}: k must be an int >= 1, got {k!r}. "
                                "Hint: k=5 counts a hit when the target is among the 5 highest "
                                "scores.")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = as_array(y_true), as_array(y_pred)
        try:
            if sample_weight is None and self.matches is not None:
                Mean.update_state(self, self.matches(y_true, y_pred, **self.fn_kwargs))
                return
            values = self.fn(y_true, y_pred, **self.fn_kwargs)
        except ValueError as err:
            if "broadcast" not in str(err):
                raise
            raise ShapeError(
                f"Metric '{self.name}': cannot compare y_true of shape {y_true.shape} with "
                f"y_pred of shape {y_pred.shape}. Hint: give one target per prediction (integer "
                "labels need a sparse_ metric, one-hot targets a categorical_ one)."
            ) from None
        super().update_state(values, sample_weight)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, **self.fn_kwargs}


def metric_class(fn, class_name: str, default_name: str, doc: str, example: str,
                 positional: tuple[str, ...] | None = None, matches=None, **defaults):
    """A MeanMetricWrapper subclass for ``fn`` taking ``defaults`` as keyword arguments;
    ``positional`` is Keras's argument order when it is not (name, dtype, *defaults);
    ``matches``: fn's test as booleans, for a 0/1 metric (see MeanMetricWrapper)."""
    order = positional or ("name", "dtype", *defaults)

    def __init__(self, *args, **kwargs):
        if len(args) > len(order):
            raise ArgumentError(f"{class_name}: takes at most {len(order)} positional "
                                f"arguments {order}, got {len(args)}.")
        unknown = set(kwargs) - set(order)
        if unknown:
            raise ArgumentError(f"{class_name}: unexpected argument(s) {sorted(unknown)}. "
                                f"Hint: it takes {', '.join(order)}.")
        options = {"name": default_name, "dtype": None, **defaults, **dict(zip(order, args)),
                   **kwargs}
        MeanMetricWrapper.__init__(self, fn, **options)

    def from_config(cls, config):
        return cls(**config)

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    values = {"name": default_name, "dtype": None, **defaults}
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", kind)]
        + [inspect.Parameter(k, kind, default=values[k]) for k in order])
    body = {"__init__": __init__, "from_config": classmethod(from_config),
            "__doc__": f"{doc}\n\n    >>> import numpy as np\n    >>> from shendu import metrics"
                       f"\n    >>> m = metrics.{class_name}()\n{example}",
            "__module__": fn.__module__}
    if matches is not None:
        body["matches"] = staticmethod(matches)
    return type(class_name, (MeanMetricWrapper,), body)
