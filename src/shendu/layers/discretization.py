"""Discretization: numbers into bins (Keras's names, arguments, outputs and config).

>>> import numpy as np
>>> from shendu.layers import Discretization
>>> Discretization(bin_boundaries=[0.0, 1.0, 2.0])(np.array([[-1.5, 0.0, 1.5, 3.0]])).data
array([[0, 1, 2, 3]], dtype=int32)
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Tensor
from ..errors import ArgumentError, DataError, DTypeError, ShapeError
from .base import Layer
from .node import is_symbolic, record_call
from .normalization_preprocessing import _batches, _checked_batch
from .vocabulary import check_bin_mode, encode_ids, encoded_shape, refuse_sparse

MODES = ("int", "one_hot", "multi_hot", "count")


class Discretization(Layer):
    """Keras's ``Discretization(bin_boundaries=None, num_bins=None, epsilon=0.01,
    output_mode="int", sparse=False)``: each value becomes the index of its bin.

    With boundaries ``[b0, b1, ...]`` the bins are ``(-inf, b0)``, ``[b0, b1)``, ...,
    ``[b_last, inf)``: a value equal to a boundary goes to the bin above it. ``output_mode``:
    ``"int"`` (int32 bin indices, the input's shape), or ``"one_hot"``, ``"multi_hot"``,
    ``"count"`` vectors of length ``len(bin_boundaries) + 1`` (as CategoryEncoding).

    ``adapt(data)`` (with ``num_bins``) sets the ``num_bins - 1`` boundaries to the quantiles
    ``k / num_bins`` of all the values seen. They are exact quantiles, computed by NumPy over
    all the data (linear interpolation of the empirical distribution function,
    ``np.quantile(..., method="interpolated_inverted_cdf")``); Keras computes the same
    quantiles approximately, from a summary of about ``1 / epsilon`` points, so the two agree
    exactly when the data has fewer than ``1 / epsilon`` values and closely otherwise.
    ``epsilon`` is kept for the config. The boundaries are kept in the config.

    >>> layer = Discretization(num_bins=4)
    >>> layer.adapt(np.arange(10.0))
    >>> layer.bin_boundaries
    [1.5, 4.0, 6.5]
    >>> Discretization(bin_boundaries=[0.0, 1.0], output_mode="count")(
    ...     np.array([[-1.0, 0.5, 2.0, 3.0]])).data
    array([[1., 1., 2.]], dtype=float32)
    """

    def __init__(self, bin_boundaries=None, num_bins: int | None = None, epsilon: float = 0.01,
                 output_mode: str = "int", sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        where = f"Discretization '{self.name}'"
        check_bin_mode(output_mode, MODES, where)
        refuse_sparse(sparse, where)
        if num_bins is not None and (isinstance(num_bins, bool) or not isinstance(
                num_bins, numbers.Integral) or num_bins < 0):
            raise ArgumentError(f"{where}: num_bins must be an integer >= 0, got {num_bins!r}. "
                                "Hint: num_bins=4 learns 3 boundaries (quartiles) with adapt.")
        if num_bins is not None and bin_boundaries is not None:
            raise ArgumentError(f"{where}: give bin_boundaries or num_bins, not both, got "
                                f"bin_boundaries={bin_boundaries!r} and num_bins={num_bins!r}. "
                                "Hint: num_bins with adapt(data), or fixed bin_boundaries.")
        if num_bins is None and bin_boundaries is None:
            raise ArgumentError(f"{where}: expected bin_boundaries=[...] or num_bins=n, got "
                                "neither. Hint: Discretization(bin_boundaries=[0.0, 1.0]), or "
                                "Discretization(num_bins=4) and then adapt(data).")
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) \
                or not 0 < epsilon < 1:
            raise ArgumentError(f"{where}: epsilon must be a number in (0, 1), got "
                                f"{epsilon!r}. Hint: Keras's default is 0.01.")
        self.bin_boundaries = None if bin_boundaries is None else self._boundaries(
            bin_boundaries)
        self.num_bins = None if num_bins is None else int(num_bins)
        self.epsilon, self.output_mode, self.sparse = float(epsilon), output_mode, False
        self.built = True

    def _boundaries(self, values) -> list[float]:
        where = f"Discretization '{self.name}'"
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            array = None
        if array is None or array.ndim != 1:
            raise ArgumentError(f"{where}: bin_boundaries must be a flat list of numbers, got "
                                f"{values!r}. Hint: bin_boundaries=[0.0, 1.0, 2.0].")
        if not np.isfinite(array).all() or (np.diff(array) < 0).any():
            raise ArgumentError(f"{where}: bin_boundaries must be finite and sorted in "
                                f"increasing order, got {values!r}. Hint: sorted(boundaries).")
        return [float(b) for b in array]

    @property
    def _depth(self) -> int:
        return len(self.bin_boundaries) + 1

    # -- adapt ---------------------------------------------------------------------------------
    def adapt(self, data, steps: int | None = None) -> None:
        """Learn ``num_bins - 1`` boundaries, the exact quantiles of the values of ``data``
        (an array, or an iterable of batches; ``steps`` limits how many are read)."""
        where = f"Discretization '{self.name}'"
        if self.num_bins is None:
            raise ArgumentError(f"{where}: it was given bin_boundaries, so there is nothing to "
                                "adapt. Hint: create Discretization(num_bins=n) to learn them.")
        parts = []
        for i, batch in enumerate(_batches(data)):
            if steps is not None and i >= steps:
                break
            parts.append(_checked_batch(batch, where).astype(np.float64).reshape(-1))
        if not parts:
            raise DataError(f"{where}: adapt got no data. Hint: adapt on the training inputs, "
                            "e.g. layer.adapt(x_train).")
        values = np.concatenate(parts)
        levels = np.arange(1, self.num_bins) / self.num_bins
        # the k/n quantiles: linear interpolation of the empirical CDF (Keras's formula, exact)
        cuts = np.quantile(values, levels, method="interpolated_inverted_cdf")
        self.bin_boundaries = [float(b) for b in cuts]

    # -- forward -------------------------------------------------------------------------------
    def __call__(self, inputs, *args, training=None, mask=None, **kwargs):
        if is_symbolic(inputs):
            dtype = "int32" if self.output_mode == "int" else self.compute_dtype
            return record_call(self, inputs, self.compute_output_shape(tuple(inputs.shape)),
                               dtype, kwargs)
        return self.call(inputs)

    def call(self, inputs):
        where = f"Discretization '{self.name}'"
        if self.bin_boundaries is None:
            raise ArgumentError(f"{where}: no bin boundaries yet. Hint: call adapt(data) first, "
                                "or pass bin_boundaries=[...].")
        values = np.asarray(inputs.data if isinstance(inputs, Tensor) else inputs)
        if values.dtype.kind not in "fiub":
            raise DTypeError(f"{where}: expected numbers, got an array of dtype {values.dtype}. "
                            "Hint: np.asarray(x, dtype='float32').")
        if values.dtype.kind == "f" and np.isnan(values).any():
            raise DataError(f"{where}: the inputs hold NaN, which has no bin. Hint: fill missing "
                            "values first, e.g. np.nan_to_num(x).")
        # index i where boundaries[i - 1] <= x < boundaries[i]
        ids = np.digitize(values, np.asarray(self.bin_boundaries, dtype=np.float64))
        if self.output_mode == "int":
            return Tensor(ids.astype(np.int32))
        self.compute_output_shape(ids.shape)  # the rank check, before any work
        out = encode_ids(ids, self._depth, self.output_mode, where)
        return Tensor(out.astype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        if self.bin_boundaries is None:
            if self.num_bins is None:  # pragma: no cover - __init__ requires one of them
                raise ArgumentError(f"Discretization '{self.name}': no bins.")
            depth = self.num_bins
        else:
            depth = self._depth
        if self.output_mode != "one_hot" and len(shape) > 2:
            raise ShapeError(f"Discretization '{self.name}': output_mode={self.output_mode!r} "
                            f"takes inputs of rank 1 (one sample) or 2 (samples, values), got "
                            f"shape {shape}. Hint: reshape to (samples, values) first, or use "
                            "output_mode='one_hot'.")
        return encoded_shape(shape, depth, self.output_mode)

    def get_config(self):
        config = super().get_config()
        config.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins,
                      epsilon=self.epsilon, output_mode=self.output_mode, sparse=self.sparse)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            # adapted: both are set, which the constructor refuses; the boundaries go in after
            del config["bin_boundaries"]
            layer = cls(**config)
            layer.bin_boundaries = layer._boundaries(boundaries)
            return layer
        return cls(**config)
