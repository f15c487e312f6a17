"""Sources of batches for fit / evaluate / predict, as Keras takes them: Python generators and
iterators, and PyDataset-like objects (a batch by index, and a length).

A batch is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``; :class:`BatchSource`
reads one epoch of them as ``(x, y, sample_weight)`` triples (None where a part is missing).
The model checks each batch as it checks arrays (``models/training.py``).

>>> import numpy as np
>>> class Ramp(PyDataset):
...     def __len__(self):
...         return 3
...     def __getitem__(self, index):
...         return np.full((2, 1), index, "float32"), np.zeros(2, "float32")
>>> [float(x[0, 0]) for x, y, sw in BatchSource(Ramp(), "x").epoch()]
[0.0, 1.0, 2.0]
"""

from __future__ import annotations

import collections
import collections.abc
import itertools

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..errors import ArgumentError


class PyDataset:
    """Keras's ``keras.utils.PyDataset``: a data set read one batch at a time.

    Subclass it with ``__len__`` (the number of batches) and ``__getitem__(index)`` (one batch,
    as ``x``, ``(x, y)`` or ``(x, y, sample_weight)``), then pass it to ``fit``, ``evaluate``
    or ``predict`` as ``x``. ``fit(shuffle=True)`` visits the batches in a new order each epoch;
    ``on_epoch_begin`` and ``on_epoch_end`` run around every epoch. With ``workers > 1``, that
    many threads read the next ``max_queue_size`` batches ahead while the model trains (worth it
    when a batch waits on files); ``use_multiprocessing`` is accepted and also uses threads.
    A data set with no end defines ``num_batches`` as None and is read with ``steps_per_epoch``.

    >>> import numpy as np
    >>> class Squares(PyDataset):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x = np.arange(10, dtype="float32").reshape(5, 2)
    ...     def __len__(self):
    ...         return 3
    ...     def __getitem__(self, index):
    ...         batch = self.x[2 * index:2 * index + 2]
    ...         return batch, (batch ** 2).sum(axis=1)
    >>> from shendu import layers, models
    >>> model = models.Sequential([layers.Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> len(model.fit(Squares(workers=2), epochs=2, verbose=0).history["loss"])
    2
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10) -> None:
        for name, value in (("workers", workers), ("max_queue_size", max_queue_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ArgumentError(
                    f"PyDataset: {name} must be a whole number >= 1, got {value!r}. Hint: "
                    f"{name}=1 reads the batches in the training thread."
                )
        self._workers = int(workers)
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = int(max_queue_size)

    @property
    def workers(self) -> int:
        return self.__dict__.get("_workers", 1)  # a subclass may skip super().__init__()

    @property
    def use_multiprocessing(self) -> bool:
        return self.__dict__.get("_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return self.__dict__.get("_max_queue_size", 10)

    @property
    def num_batches(self) -> int | None:
        """How many batches an epoch has: ``len(self)``; None for a data set with no end."""
        if hasattr(self, "__len__"):
            return len(self)
        return None

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index).")

    def on_epoch_begin(self) -> None:
        """Called before each epoch of fit (and before evaluate and predict read the data)."""

    def on_epoch_end(self) -> None:
        """Called after each epoch of fit (and after evaluate and predict read the data)."""


Sequence = PyDataset  # Keras 2's name for the same idea


def is_batch_source(x) -> bool:
    """True for a generator or iterator, a PyDataset/Sequence-like object (batches by index and
    a length), or another object that gives batches when iterated (a torch DataLoader, a
    tf.data.Dataset); False for arrays, tensors, lists and other containers of samples."""
    if type(x) is np.ndarray or isinstance(
            x, (np.ndarray, list, tuple, dict, str, bytes, range, Tensor)) or x is None:
        return False
    if isinstance(x, (PyDataset, collections.abc.Iterator)):
        return True
    if hasattr(x, "__array__") or hasattr(x, "shape") or hasattr(x, "to_numpy"):
        return False  # array-likes: tensors of other libraries, pandas objects
    return (hasattr(x, "__getitem__") and hasattr(x, "__len__")) or hasattr(x, "__iter__")


class BatchSource:
    """One epoch at a time of a source's batches, as (x, y, sw) triples. Three kinds:

    - a generator or iterator is one stream: each epoch continues where the last stopped, and a
      stream that ends ends the epoch (``spent`` then tells whether it gave nothing at all);
    - a PyDataset (``indexed``) is read afresh each epoch, in a new order when shuffled,
      wrapping around when ``steps`` asks for more batches than it has;
    - another iterable (a torch DataLoader, a tf.data.Dataset) is iterated afresh each epoch,
      in its own order.
    """

    def __init__(self, source, name: str = "x") -> None:
        self.source, self.name = source, name
        stream = isinstance(source, collections.abc.Iterator)
        self.indexed = not stream and (isinstance(source, PyDataset) or (
            hasattr(source, "__getitem__") and hasattr(source, "__len__")))
        self.rereadable = not stream  # each epoch starts from the beginning
        self.num_batches = _num_batches(source, name) if self.indexed or (
            self.rereadable and hasattr(source, "__len__")) else None
        self.spent = False
        kind = ("PyDataset" if self.indexed else "a stream of batches" if stream
                else "an iterable of batches")
        self.what = (f"PyDataset {type(source).__name__}" if self.indexed
                     else f"{type(source).__name__} ({kind})")

    def epoch(self, steps: int | None = None, shuffle: bool = False):
        """The batches of one epoch: ``steps`` of them, or all the source has."""
        if not self.indexed:
            yield from self._streamed(steps)
            return
        if steps is None and self.num_batches is None:
            raise ArgumentError(
                f"{self.name}: {self.what} has no end (num_batches is None), so an epoch needs a "
                "length. Hint: pass steps_per_epoch= to fit (steps= to evaluate and predict)."
            )
        if self.num_batches is None:
            order = itertools.islice(itertools.count(), steps)
        else:
            order = backend.rng().permutation(self.num_batches) if shuffle else range(
                self.num_batches)
            if steps is not None:
                order = itertools.islice(itertools.cycle(order), steps)
        _hook(self.source, "on_epoch_begin")
        for index, batch in self._read(order):
            yield self._unpack(batch, index)

    def first(self):
        """The first batch of a source read afresh each epoch, as (x, y, sw); None when it has
        no batches."""
        if self.indexed:
            return None if self.num_batches == 0 else self._unpack(self.source[0], 0)
        batch = next(iter(self.source), _NOTHING)
        return None if batch is _NOTHING else self._unpack(batch, 0)

    def end_epoch(self) -> None:
        """The PyDataset's ``on_epoch_end`` (a generator has none)."""
        if self.indexed:
            _hook(self.source, "on_epoch_end")

    def _streamed(self, steps):
        batches = iter(self.source)  # a stream continues; an iterable starts over
        for index in range(steps) if steps is not None else itertools.count():
            try:
                batch = next(batches)
            except StopIteration:
                self.spent = index == 0
                return
            yield self._unpack(batch, index)

    def _read(self, order):
        """(index, batch) pairs in ``order``; with workers, threads read the next ones ahead."""
        getitem = self.source.__getitem__
        workers = getattr(self.source, "workers", 1)
        if not isinstance(workers, int) or workers <= 1:
            for index in order:
                yield int(index), getitem(int(index))
            return
        from concurrent.futures import ThreadPoolExecutor

        ahead = max(1, getattr(self.source, "max_queue_size", 10))
        with ThreadPoolExecutor(workers) as pool:
            pending: collections.deque = collections.deque()
            for index in order:
                pending.append((int(index), pool.submit(getitem, int(index))))
                if len(pending) > ahead:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()

    def _unpack(self, batch, index):
        """(x, y, sample_weight) from a batch given as x, (x,), (x, y) or (x, y, sw)."""
        if isinstance(batch, list):
            batch = tuple(batch)
        if not isinstance(batch, tuple):
            return batch, None, None
        if len(batch) not in (1, 2, 3):
            raise ArgumentError(
                f"{self.name}: batch {index} of {self.what} is a tuple of {len(batch)}; expected "
                "x, (x,), (x, y) or (x, y, sample_weight). Hint: a model with several inputs "
                "takes them as one list or dict in the first place: ([x1, x2], y)."
            )
        return batch + (None,) * (3 - len(batch))


_NOTHING = object()


def _num_batches(source, name):
    try:
        count = source.num_batches if hasattr(source, "num_batches") else len(source)
    except NotImplementedError:
        count = None
    if count is None:
        return None
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ArgumentError(
            f"{name}: {type(source).__name__} says it has {count!r} batches; expected a whole "
            "number >= 0 (or None for no end). Hint: __len__ returns the number of batches."
        )
    return int(count)


def _hook(source, name):
    hook = getattr(source, name, None)
    if callable(hook):
        hook()
