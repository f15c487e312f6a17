"""The batches fit / evaluate / predict iterate over: slices of arrays (:class:`ArrayBatches`)
or a generator's or PyDataset's batches checked one by one (:class:`SourceBatches`).

Both give ``epoch(steps)``, an iterator of ``(x, y, sample_weight)``, and ``end_epoch()``.

>>> import numpy as np
>>> batches = ArrayBatches(np.arange(5.0), np.zeros(5), None, 2, shuffle=False)
>>> [x.tolist() for x, y, sw in batches.epoch(3)]
[[0.0, 1.0], [2.0, 3.0], [4.0]]
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..data import validation as check
from ..data.sources import BatchSource
from ..errors import ArgumentError, ShenduError
from . import targets


class ArrayBatches:
    """Batches of (x, y, sample_weight): one permutation per epoch, each batch gathered alone.

    A batch is the next ``batch_size`` entries of the epoch's permutation, taken from the data
    as it lies (``take`` of a few rows costs no more than slicing one shuffled copy of the whole
    set, and no such copy is ever made: memory stays one data set plus one batch); without
    shuffling, batches are views. Memory-mapped arrays are gathered batch by batch with sorted
    indices, so they are never fully loaded.
    """

    def __init__(self, x, y, sample_weight, batch_size, shuffle):
        self.x, self.y, self.sw = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.n = len(x)
        self.streaming = isinstance(x, np.memmap) or isinstance(y, np.memmap)

    def epoch(self, steps):
        n, bs = self.n, self.batch_size
        order = backend.rng().permutation(n) if self.shuffle else None
        if self.streaming:
            yield from self._streamed(order, steps)
            return
        x, y, sw = self.x, self.y, self.sw
        for step in range(steps):
            start = (step * bs) % n
            end = min(start + bs, n)
            if order is None:
                yield x[start:end], y[start:end], None if sw is None else sw[start:end]
            else:
                idx = order[start:end]
                yield _rows(x, idx), _rows(y, idx), None if sw is None else _rows(sw, idx)

    def end_epoch(self) -> None:
        """Nothing to do: arrays have no epoch hooks."""

    def _streamed(self, order, steps):
        n, bs = self.n, self.batch_size
        dtype = backend.floatx()
        for step in range(steps):
            start = (step * bs) % n
            idx = np.arange(start, min(start + bs, n)) if order is None else np.sort(
                order[start:start + bs])
            xb = np.asarray(self.x[idx]).astype(dtype, copy=False)
            yb = np.asarray(self.y[idx])
            yield xb, yb, None if self.sw is None else self.sw[idx]


def _rows(data, idx):
    """The rows ``idx`` of an array (``take``: the fastest gather) or of a MultiArray."""
    return data.take(idx, axis=0) if type(data) is np.ndarray else data[idx]


class SourceBatches:
    """A generator's or PyDataset's batches, each checked by the model as arrays are.

    ``start`` reads and checks the first batch before any step (it builds the model and tells
    the output shape), and the first epoch then begins with it. With ``with_targets``, a batch
    needs ``(x, y)`` or ``(x, y, sample_weight)``; ``class_weight`` turns y into weights.
    """

    def __init__(self, model, source: BatchSource, purpose: str, *, with_targets: bool = True,
                 class_weight=None, shuffle: bool = False) -> None:
        self.model, self.source, self.purpose = model, source, purpose
        self.with_targets, self.class_weight, self.shuffle = with_targets, class_weight, shuffle
        self.output_shape = None
        self._started = None

    def start(self, steps):
        """The first batch, checked (the model is built from it).

        The first batch of a PyDataset or another iterable is read for this alone, so their
        epochs (and their shuffling) start only in the training loop; a generator's first batch
        is kept for the first epoch.
        """
        source = self.source
        if source.rereadable:
            first, batches = source.first(), None
        else:
            batches = source.epoch(steps)
            first = next(batches, None)
        if first is None:
            spent = "" if source.rereadable else " (a generator is spent once read to its end)"
            raise ArgumentError(
                f"{self.purpose}: {source.name} ({source.what}) gave no batches{spent}. Hint: "
                "make a new generator for each call, or pass a PyDataset, which is read afresh "
                "every time."
            )
        checked = self._check(first, 0)
        self._started = None if batches is None else (batches, checked)
        return checked

    def epoch(self, steps):
        if self._started is not None:
            batches, first = self._started
            self._started = None
            yield first
            start = 1
        else:
            batches, start = self.source.epoch(steps, self.shuffle), 0
        for index, batch in enumerate(batches, start):
            yield self._check(batch, index)

    def end_epoch(self) -> None:
        self.source.end_epoch()

    def _check(self, batch, index):
        """The batch as the model's checks leave it; their errors say which batch it was."""
        try:
            return self._checked(batch, index)
        except ShenduError as err:
            where = f"batch {index} of {self.source.name} ({self.source.what})"
            raise type(err)(f"{self.purpose}: {where}: {err}") from None

    def _checked(self, batch, index):
        x, y, sw = batch
        model = self.model
        if not self.with_targets:
            x = model._check_x(x, "x")
            model._prepare_build(x)
            return x, None, None
        if y is None:
            raise ArgumentError(
                f"it has no targets; {self.purpose} needs batches (x, y) or (x, y, "
                "sample_weight). Hint: return (inputs, targets) from __getitem__ (or yield them)."
            )
        # batch[0] and batch[1]: the names the checks give when x and y do not match
        x, y, self.output_shape = model._check_xy(x, y, "batch[0] (x)", "batch[1] (y)")
        sw = check.check_sample_weight(sw, len(x), "batch[2] (sample_weight)")
        if self.class_weight is not None:
            sw = targets.class_weights_to_sample_weights(self.class_weight, y, sw)
        return x, y, sw
