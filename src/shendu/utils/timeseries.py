"""Keras's ``keras.utils.timeseries_dataset_from_array``: sliding windows over a series, served
in batches as a shendu :class:`~shendu.utils.PyDataset` (what shendu's ``fit`` reads).

Window ``i`` starts at step ``start_index + p_i`` with ``p_i = i * sequence_stride`` and takes
``sequence_length`` steps ``sampling_rate`` apart; its target is ``targets[start_index + p_i]``.
Windows are gathered when a batch is asked for, so a memory-mapped series is never copied whole.

>>> import numpy as np
>>> ds = timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10, sequence_length=3,
...                                    sequence_stride=2, batch_size=2)
>>> len(ds), ds[0][0].tolist(), ds[0][1].tolist()
(2, [[0, 1, 2], [2, 3, 4]], [0, 20])
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend
from ..data.sources import PyDataset
from ..errors import ArgumentError, ShapeError

_WHERE = "timeseries_dataset_from_array"


def _whole(value, arg: str, low: int, hint: str, allow_none: bool = False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ArgumentError(f"{_WHERE}: {arg} must be a whole number >= {low}"
                            f"{' or None' if allow_none else ''}, got {value!r}. Hint: {hint}")
    return int(value)


def _series(values, arg: str):
    if values is None or isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ArgumentError(
            f"{_WHERE}: {arg} must be an array with time along its first axis, got "
            f"{type(values).__name__} ({values!r:.60}). Hint: a NumPy array of shape "
            "(steps, features), or (steps,)."
        )
    array = values if isinstance(values, np.ndarray) else np.asarray(values)
    if array.ndim == 0:
        raise ShapeError(f"{_WHERE}: {arg} must have a time axis, got a scalar. Hint: pass "
                         "an array of shape (steps, ...).")
    return array


class TimeseriesDataset(PyDataset):
    """The batches of :func:`timeseries_dataset_from_array`: ``(windows, targets)`` per index
    (windows alone when there are no targets). ``start_positions`` holds each window's first
    step, relative to ``start_index``, in serving order.

    >>> import numpy as np
    >>> ds = TimeseriesDataset(np.arange(6.0), None, np.array([0, 3]), 0, 3, 1, batch_size=1)
    >>> ds[1].tolist()
    [[3.0, 4.0, 5.0]]
    """

    def __init__(self, data, targets, start_positions, start_index: int, sequence_length: int,
                 sampling_rate: int, batch_size: int | None) -> None:
        super().__init__()
        self.data, self.targets = data, targets
        self.start_positions = np.asarray(start_positions, dtype=np.int64)
        self.start_index = int(start_index)
        self.offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
        self.batch_size = batch_size

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.start_positions)
        return math.ceil(len(self.start_positions) / self.batch_size)

    def __getitem__(self, index: int):
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise ArgumentError(f"TimeseriesDataset: index must be an int, got {index!r}. "
                                "Hint: ds[0] is the first batch.")
        count = len(self)
        if not -count <= index < count:
            raise IndexError(f"TimeseriesDataset: batch {index} of {count} does not exist.")
        index %= count
        if self.batch_size is None:  # one window, no batch axis (Keras's batch_size=None)
            starts = self.start_positions[index:index + 1]
        else:
            starts = self.start_positions[index * self.batch_size:(index + 1) * self.batch_size]
        first = self.start_index + starts
        windows = np.asarray(self.data[first[:, None] + self.offsets])
        if self.batch_size is None:
            windows = windows[0]
        if self.targets is None:
            return windows
        labels = np.asarray(self.targets[first])
        return windows, labels[0] if self.batch_size is None else labels


def timeseries_dataset_from_array(data, targets, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None) -> TimeseriesDataset:
    """Windows of ``sequence_length`` steps over ``data`` (time on the first axis) and, when
    ``targets`` is given, the target of each window's first step, in batches of ``batch_size``.

    Keras returns a ``tf.data.Dataset``; this returns a shendu
    :class:`~shendu.utils.PyDataset`, which is what shendu's ``fit``, ``evaluate`` and
    ``predict`` take: ``ds[i]`` is batch ``i`` as ``(windows, targets)``, ``len(ds)`` the number
    of batches. ``batch_size=None`` serves single windows, as Keras does.

    Windows start every ``sequence_stride`` steps and take every ``sampling_rate``-th step; only
    steps from ``start_index`` (default 0) up to ``end_index`` (default ``len(data)``,
    exclusive) are used. There are ``end - start - (sequence_length - 1) * sampling_rate``
    possible starts (at most ``len(targets)``). With ``shuffle`` the window starts are put in
    a random order once, with ``numpy.random.RandomState(seed).shuffle`` as Keras does first;
    Keras's second, in-buffer shuffle of tf.data is not reproduced, so the batches hold the
    same windows as Keras's only without shuffling. ``fit(shuffle=True)`` also visits the
    batches in a new order each epoch.

    Unlike Keras, ``end_index`` may equal ``len(data)``, and a range too short for one window
    raises :class:`~shendu.errors.ArgumentError` instead of giving an empty data set.

    >>> import numpy as np
    >>> x = np.arange(20).reshape(10, 2)
    >>> ds = timeseries_dataset_from_array(x, None, sequence_length=2, sampling_rate=3,
    ...                                    batch_size=None, start_index=1)
    >>> len(ds), ds[0].tolist()          # steps 1 and 4, then 2 and 5, ... up to 6 and 9
    (6, [[2, 3], [8, 9]])
    """
    data = _series(data, "data")
    n = len(data)
    if targets is not None:
        targets = _series(targets, "targets")
    sequence_length = _whole(sequence_length, "sequence_length", 1,
                             "the number of steps in each window, e.g. 24.")
    sampling_rate = _whole(sampling_rate, "sampling_rate", 1,
                           "1 takes every step, 6 every sixth.")
    sequence_stride = _whole(sequence_stride, "sequence_stride", 1,
                             "1 starts a window at every step.")
    batch_size = _whole(batch_size, "batch_size", 1, "e.g. 128 windows per batch.",
                        allow_none=True)
    start = _whole(start_index, "start_index", 0, "the first step to use, e.g. 0.",
                   allow_none=True) or 0
    end = _whole(end_index, "end_index", 1, "the step after the last one to use.",
                 allow_none=True)
    end = n if end is None else end
    for arg, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value >= n:
            raise ArgumentError(f"{_WHERE}: {arg} must be smaller than the length of data "
                                f"({n}), got {value}. Hint: check which axis is time.")
    if start >= n or end > n or end <= start:
        raise ArgumentError(
            f"{_WHERE}: need 0 <= start_index < end_index <= len(data) = {n}, got "
            f"start_index={start_index!r}, end_index={end_index!r}. Hint: leave both None to "
            "use the whole series."
        )
    span = (sequence_length - 1) * sampling_rate + 1
    count = end - start - span + 1
    if targets is not None:  # Keras caps at len(targets); past len(targets) - start it fails
        count = min(count, len(targets) - start)
    if count <= 0:
        raise ArgumentError(
            f"{_WHERE}: steps {start} to {end} ({end - start} steps) are too few for one "
            f"window of {span} steps (sequence_length={sequence_length}, sampling_rate="
            f"{sampling_rate}){'' if targets is None else f' with {len(targets)} targets'}. "
            "Hint: shorten sequence_length or sampling_rate, or widen start_index..end_index."
        )
    starts = np.arange(0, count, sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = int(backend.rng().integers(1_000_000))
        np.random.RandomState(seed).shuffle(starts)
    return TimeseriesDataset(data, targets, starts, start, sequence_length, sampling_rate,
                             batch_size)
