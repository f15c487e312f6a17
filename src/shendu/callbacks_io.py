"""Callbacks that write files: ModelCheckpoint, CSVLogger, TensorBoard.

Every file is written atomically (temp file, fsync, rename), so a crash leaves the previous
version or the new one, never half of one.

>>> from shendu.callbacks_io import CSVLogger
>>> CSVLogger("log.csv").sep
','
"""

from __future__ import annotations

import csv
import io
import os
import warnings

import numpy as np

from .callbacks import Callback
from .callbacks_schedule import check_mode, monitor_maximizes
from .errors import ArgumentError
from .saving.model_file import atomic_write_bytes, checked_path


class ModelCheckpoint(Callback):
    """Save the model (or its weights) during training, as Keras's ModelCheckpoint.

    ``filepath`` may hold ``{epoch}`` (counted from 1), ``{batch}`` and any log value, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.2f}.safetensors"``; like ``model.save`` it writes a
    safetensors file whatever the name (Keras's ``"best.keras"`` works too). With
    ``save_best_only`` a file is written only when ``monitor`` beats the best so far (or
    ``initial_value_threshold``).
    ``save_freq='epoch'`` saves after each epoch; an integer N saves every N batches.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense
    >>> model = Sequential([Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> folder = tempfile.mkdtemp()
    >>> ckpt = ModelCheckpoint(os.path.join(folder, "m-{epoch}.weights.safetensors"),
    ...                        save_weights_only=True)
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[ckpt], verbose=0)
    >>> sorted(os.listdir(folder))
    ['m-1.weights.safetensors', 'm-2.weights.safetensors']
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: str | int = "epoch",
                 initial_value_threshold: float | None = None):
        super().__init__()
        # any name, as model.save takes: a Keras script's "best.keras" keeps working; the
        # file is always a .safetensors file, whatever it is called
        filepath = checked_path(filepath, "ModelCheckpoint")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq < 1):
            raise ArgumentError(
                f"ModelCheckpoint: save_freq must be 'epoch' or an integer >= 1 (batches), got "
                f"{save_freq!r}. Hint: save_freq=100 saves every 100 batches."
            )
        self.filepath = filepath
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = check_mode("ModelCheckpoint", mode)
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.best = initial_value_threshold
        self._maximize = None
        self._current_epoch = 0
        self._batches_since_save = 0
        self._reads_batch_metrics = save_freq != "epoch"  # batch logs only for batch saves

    def on_train_begin(self, logs=None):
        if self.best is None:
            self.best = self.initial_value_threshold

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch: int, batch: int | None, logs: dict) -> str:
        values = {k: v for k, v in logs.items() if k not in ("epoch", "batch")}
        values = {k: float(v) if isinstance(v, np.generic) else v for k, v in values.items()}
        try:
            if batch is None:
                return self.filepath.format(epoch=epoch + 1, **values)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **values)
        except (KeyError, IndexError, ValueError) as err:
            raise ArgumentError(
                f"ModelCheckpoint: cannot format filepath {self.filepath!r} ({type(err).__name__}:"
                f" {err}). Available keys: epoch, {'batch, ' if batch is not None else ''}"
                f"{', '.join(sorted(values))}. Hint: name only values in the logs, e.g. "
                "{val_loss:.2f} needs validation data."
            ) from None

    def _save(self, epoch: int, batch: int | None, logs) -> None:
        logs = dict(logs or {})
        path = self._file_path(epoch, batch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"ModelCheckpoint: can save best model only with '{self.monitor}' "
                              f"available, skipping. Available: {', '.join(sorted(logs))}.",
                              stacklevel=3)
                return
            current = float(current)
            if self._maximize is None:
                self._maximize = monitor_maximizes("ModelCheckpoint", self.monitor, self.mode,
                                                   self.model)
            better = self.best is None or (current > self.best if self._maximize
                                           else current < self.best)
            if not better:
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}", flush=True)
                return
            if self.verbose > 0:
                before = "inf" if self.best is None else f"{self.best:.5f}"
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {before} to "
                      f"{current:.5f}, saving model to {path}", flush=True)
            self.best = current
        elif self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving model to {path}", flush=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


def _csv_value(value) -> str:
    if isinstance(value, str):
        return value
    array = np.asarray(value)
    if array.ndim > 0:
        return "[" + ", ".join(str(v) for v in array.ravel().tolist()) + "]"
    return repr(array.item())


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file (Keras's CSVLogger).

    The first column is ``epoch`` (from 0), then the log keys in sorted order; a value
    missing in some epoch is written ``NA``. ``append=True`` continues an existing file (no
    second header). The file is rewritten atomically after every epoch, so a crash never leaves
    a half-written row.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense
    >>> model = Sequential([Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[CSVLogger(path)],
    ...               verbose=0)
    >>> open(path).read().splitlines()[0]
    'epoch,loss'
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ArgumentError(f"CSVLogger: separator must be one character, got {separator!r}."
                                " Hint: ',' or '\\t'.")
        self.filename = checked_path(filename, "CSVLogger", "training.csv")
        self.sep = separator
        self.append = bool(append)
        self.keys: list[str] | None = None
        self._text = ""

    def on_train_begin(self, logs=None):
        self.keys = None
        self._text = ""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8", newline="") as handle:
                self._text = handle.read()
            if self._text and not self._text.endswith("\n"):
                self._text += "\n"

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.sep, lineterminator="\n")
        if self.keys is None:
            self.keys = sorted(logs)
            if not self._text:
                writer.writerow(["epoch", *self.keys])
        writer.writerow([epoch, *(_csv_value(logs[k]) if k in logs else "NA"
                                  for k in self.keys)])
        self._text += buffer.getvalue()
        atomic_write_bytes(self.filename, self._text.encode("utf-8"))


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ArgumentError(
                "TensorBoard: writing event files needs tensorboardX (or tensorboard with "
                "torch), which is not installed. Hint: pip install 'shendu[tensorboard]' "
                "(or pip install tensorboardX)."
            ) from None
    return SummaryWriter


def _scalars(tag: str, value):
    """(tag, float) pairs: one for a number, ``tag/i`` per class for per-class results."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return [(tag, float(array))]
    return [(f"{tag}/{i}", float(v)) for i, v in enumerate(array.ravel())]


class TensorBoard(Callback):
    """Write the logs as TensorBoard scalars (Keras's TensorBoard, scalars only).

    Per epoch, ``log_dir/train`` gets ``epoch_<name>`` for each log value (and
    ``epoch_learning_rate``), ``log_dir/validation`` gets the ``val_`` values under the same
    tags. ``update_freq=N`` also writes ``batch_<name>`` every N batches. Event files are
    written by tensorboardX, an extra: ``pip install 'shendu[tensorboard]'``. Histograms,
    images, graphs, embeddings and profiling are not written.

    >>> tb = TensorBoard(log_dir="logs")
    >>> tb.update_freq
    'epoch'
    """

    def __init__(self, log_dir: str | os.PathLike = "logs", histogram_freq: int = 0,
                 write_graph: bool = True, write_images: bool = False,
                 write_steps_per_second: bool = False, update_freq: str | int = "epoch",
                 profile_batch: int = 0, embeddings_freq: int = 0, embeddings_metadata=None):
        super().__init__()
        unsupported = {"histogram_freq": histogram_freq, "write_images": write_images,
                       "write_steps_per_second": write_steps_per_second,
                       "profile_batch": profile_batch, "embeddings_freq": embeddings_freq,
                       "embeddings_metadata": embeddings_metadata}
        asked = sorted(k for k, v in unsupported.items() if v)
        if asked:
            raise ArgumentError(
                f"TensorBoard: {', '.join(asked)} is not supported; shendu writes scalars only. "
                "Hint: leave these arguments at their defaults."
            )
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool)
                                       or not isinstance(update_freq, int) or update_freq < 1):
            raise ArgumentError(f"TensorBoard: update_freq must be 'epoch', 'batch' or an integer"
                                f" >= 1, got {update_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.write_graph = write_graph  # accepted for Keras scripts; no graph is written
        self.update_freq = update_freq
        self._writers: dict = {}
        self._global_batch = 0
        self._reads_batch_metrics = update_freq != "epoch"

    def _writer(self, which: str):
        if which not in self._writers:
            self._writers[which] = _summary_writer_class()(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_train_begin(self, logs=None):
        _summary_writer_class()  # fail at the start, not after the first epoch
        self._global_batch = 0

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch":
            return
        self._global_batch += 1
        if self._global_batch % self.update_freq == 0:
            writer = self._writer("train")
            for key, value in (logs or {}).items():
                if key != "batch_loss":
                    for tag, number in _scalars(f"batch_{key}", value):
                        writer.add_scalar(tag, number, self._global_batch)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        optimizer = getattr(self.model, "optimizer", None)
        if "learning_rate" not in logs and optimizer is not None:
            try:
                logs["learning_rate"] = float(optimizer.learning_rate)
            except (TypeError, ValueError, ArgumentError):
                pass
        for key, value in sorted(logs.items()):
            which, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            for tag, number in _scalars(f"epoch_{name}", value):
                self._writer(which).add_scalar(tag, number, epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
