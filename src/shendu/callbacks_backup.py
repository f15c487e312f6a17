"""BackupAndRestore: a killed run, started again, resumes from its last finished epoch.

After every epoch one file, ``backup_dir/latest.safetensors``, is written atomically (temp
file, fsync, rename). It holds everything the next epoch depends on: the weights, the
optimizer's slots and step count, the learning rate, the epoch number and the state of every
random generator (shendu's global one, which shuffles the data and draws dropout masks, the
generators of layers with their own ``seed``, NumPy's legacy one and Python's). So a run
killed at any moment and started again with the same code ends with the same weights, bit
for bit, as one never interrupted.

>>> from shendu.callbacks import BackupAndRestore
>>> BackupAndRestore("backup").path.endswith("latest.safetensors")
True
"""

from __future__ import annotations

import json
import os
import random

import numpy as np

from . import backend
from .callbacks import Callback
from .errors import ArgumentError
from .saving import model_file

BACKUP_NAME = "latest.safetensors"
_TEMP_PREFIX, _TEMP_SUFFIX = ".tmp-", ".part"  # atomic_write_bytes's temp files


def _layer_generators(model) -> dict[str, np.random.Generator]:
    """Generators owned by layers (``seed=`` arguments), keyed by walk order (names may differ
    between the killed run and the restarted one, as automatic names count per process)."""
    found, stack, seen = {}, [model], set()
    while stack:
        layer = stack.pop(0)
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        generator = getattr(layer, "_rng", None)
        if isinstance(generator, np.random.Generator):
            found[str(len(found))] = generator
        # a custom layer's keras.random.SeedGenerator attributes, in attribute order
        for value in list(vars(layer).values()):
            if type(value).__name__ == "SeedGenerator" and isinstance(
                    getattr(value, "generator", None), np.random.Generator):
                found[str(len(found))] = value.generator
        stack.extend(getattr(layer, "_layers", []))
    return found


def random_state(model) -> dict:
    """Every random generator's state, as JSON-ready data."""
    legacy = np.random.get_state()
    version, internal, gauss = random.getstate()
    return {
        "global": backend.rng().bit_generator.state,
        "layers": {k: g.bit_generator.state for k, g in _layer_generators(model).items()},
        "numpy_legacy": [legacy[0], legacy[1].tolist(), *[float(v) if isinstance(v, float)
                                                          else int(v) for v in legacy[2:]]],
        "python": [version, list(internal), gauss],
    }


def set_random_state(model, state: dict) -> None:
    """Put back what :func:`random_state` recorded (generators are changed in place)."""
    backend.rng().bit_generator.state = state["global"]
    generators = _layer_generators(model)
    for key, value in state.get("layers", {}).items():
        if key in generators:
            generators[key].bit_generator.state = value
    name, keys, pos, has_gauss, cached = state["numpy_legacy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))


def backup_bytes(model, epoch: int) -> bytes:
    """A weights file (loadable by ``load_weights``) with optimizer and training state."""
    from safetensors.numpy import save

    tensors, paths = model_file._weights_tensors(model)
    tensors.update(model_file._optimizer_tensors(model))
    optimizer = model.optimizer
    rate = getattr(optimizer, "_learning_rate", None)
    training = {"epoch": int(epoch), "random": random_state(model),
                "learning_rate": rate if isinstance(rate, (int, float)) else None}
    metadata = {"format": model_file.FORMAT, "format_version": model_file.FORMAT_VERSION,
                "weight_paths": json.dumps(paths), "training_state": json.dumps(training)}
    return save(tensors, metadata=metadata)


def restore_backup(model, path) -> int:
    """Load a backup into ``model``; returns the epoch it was written after."""
    tensors, metadata = model_file.read_file(path)
    model_file._check_format(path, metadata)
    if "training_state" not in metadata:
        raise model_file._fail(path, "it is not a BackupAndRestore backup (no training state)",
                               "point backup_dir at a folder used only for backups")
    training = model_file.parse_json(path, metadata["training_state"], "training state")
    model_file._assign_weights(path, model, tensors, metadata)
    model_file._restore_optimizer(path, model, tensors, metadata)
    if training.get("learning_rate") is not None:
        model.optimizer.learning_rate = training["learning_rate"]
    set_random_state(model, training["random"])
    return int(training["epoch"])


class BackupAndRestore(Callback):
    """Back up the training state after each epoch; a restarted ``fit`` resumes from it.

    Keras's arguments: ``backup_dir`` (a folder for this run only), ``save_freq='epoch'``,
    ``delete_checkpoint=True`` (remove the backup when training ends normally). Resuming
    needs the same code, data and seed; the continued run draws the same shuffles and dropout
    masks as an uninterrupted one, so it ends with the same weights bit for bit.
    Other callbacks' own counters (EarlyStopping's patience, ReduceLROnPlateau's wait) start
    afresh.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense
    >>> model = Sequential([Dense(1, input_dim=2)])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> folder = os.path.join(tempfile.mkdtemp(), "backup")
    >>> backup = BackupAndRestore(folder, delete_checkpoint=False)
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[backup], verbose=0)
    >>> sorted(os.listdir(folder))
    ['latest.safetensors']
    >>> history = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[backup], verbose=0)
    >>> history.epoch  # both epochs were already done
    []
    """

    def __init__(self, backup_dir: str | os.PathLike, save_freq: str = "epoch",
                 delete_checkpoint: bool = True):
        super().__init__()
        if not backup_dir:
            raise ArgumentError(
                "BackupAndRestore: backup_dir must be a folder path, got an empty value. "
                "Hint: BackupAndRestore('/tmp/backup') — one folder per training run."
            )
        if save_freq != "epoch":
            raise ArgumentError(
                f"BackupAndRestore: save_freq must be 'epoch', got {save_freq!r}. Hint: shendu "
                "backs up at the end of each epoch, the point a run resumes from exactly."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = bool(delete_checkpoint)
        self.restored_epoch: int | None = None

    @property
    def path(self) -> str:
        return os.path.join(self.backup_dir, BACKUP_NAME)

    def _remove_stale_temp_files(self) -> None:
        """Temp files of a save that a kill interrupted (never a finished backup)."""
        if not os.path.isdir(self.backup_dir):
            return
        for name in os.listdir(self.backup_dir):
            if name.startswith(_TEMP_PREFIX) and name.endswith(_TEMP_SUFFIX):
                os.unlink(os.path.join(self.backup_dir, name))

    def on_train_begin(self, logs=None):
        self.restored_epoch = None
        self._remove_stale_temp_files()
        if os.path.exists(self.path):
            epoch = restore_backup(self.model, self.path)
            self.restored_epoch = epoch
            self.model._initial_epoch_override = epoch + 1  # read by Model.fit

    def on_epoch_end(self, epoch, logs=None):
        model_file.atomic_write_bytes(self.path, backup_bytes(self.model, epoch))

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        if os.path.exists(self.path):
            os.unlink(self.path)
        self._remove_stale_temp_files()
        try:
            os.rmdir(self.backup_dir)  # only when nothing else lives there
        except OSError:
            pass
