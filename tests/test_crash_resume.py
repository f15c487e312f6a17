"""BackupAndRestore under kill -9: a run killed at random moments (also during a save) and
started again until it finishes ends with the same weights, bit for bit, as one never killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from shendu.callbacks import BackupAndRestore
from shendu.layers import Dense, Dropout
from shendu.models import Sequential
from shendu.saving import model_file
from shendu.utils import set_random_seed

SCRIPT = r'''
import os, sys, time
import numpy as np
from shendu.callbacks import BackupAndRestore, LambdaCallback
from shendu.layers import Dense, Dropout
from shendu.models import Sequential
from shendu.saving import model_file
from shendu.utils import set_random_seed

backup_dir, out, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
if delay:  # widen the window in which a kill lands inside a save
    real_fsync = os.fsync
    def slow_fsync(fd):
        time.sleep(4 * delay)
        real_fsync(fd)
    os.fsync = slow_fsync
set_random_seed(7)
data = np.random.default_rng(0)
x = data.normal(size=(48, 4)).astype("float32")
y = (x @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32"))[:, None]
model = Sequential([Dense(8, activation="relu", input_dim=4), Dropout(0.3), Dense(1)])
model.compile(optimizer="adam", loss="mse")
backup = BackupAndRestore(backup_dir)
callbacks = [backup]
if delay:
    callbacks.append(LambdaCallback(on_train_batch_end=lambda batch, logs: time.sleep(delay)))
model.fit(x, y, epochs=8, batch_size=8, validation_split=0.25, callbacks=callbacks, verbose=0)
if backup.restored_epoch is not None:
    print(f"resumed after epoch {backup.restored_epoch}", flush=True)
weights = np.concatenate([w.ravel() for w in model.get_weights()])
model_file.atomic_write_bytes(out, weights.tobytes())
'''


def _run(script, backup_dir, out, delay):
    return subprocess.Popen([sys.executable, str(script), str(backup_dir), str(out), str(delay)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _temp_files(folder):
    """Temp files of an interrupted atomic write (a save the kill cut short)."""
    if not os.path.isdir(folder):
        return []
    return [n for n in os.listdir(folder) if n.startswith(".tmp-") and n.endswith(".part")]


def _check_backup_folder(folder):
    """Every file under its real name is a complete backup; only temp files may be partial."""
    if not os.path.isdir(folder):
        return
    for name in set(os.listdir(folder)) - set(_temp_files(folder)):
        tensors, metadata = model_file.read_file(os.path.join(folder, name))
        assert "training_state" in metadata and any(k.startswith("weights/") for k in tensors)


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    reference = _run(script, tmp_path / "ref_backup", tmp_path / "ref.bin", 0)
    _, err = reference.communicate(timeout=120)
    assert reference.returncode == 0, err
    expected = np.frombuffer((tmp_path / "ref.bin").read_bytes(), dtype=np.float32)

    backup_dir, out = tmp_path / "backup", tmp_path / "out.bin"
    chooser = np.random.default_rng(2024)
    kills, resumed, killed_in_save = 0, [], 0
    for _attempt in range(12):
        proc = _run(script, backup_dir, out, 0.01)
        if kills < 3:
            while proc.poll() is None and not (backup_dir / "latest.safetensors").exists():
                time.sleep(0.005)  # a kill after the first backup exercises the resume
            time.sleep(float(chooser.uniform(0.0, 0.25)))
            if kills == 1:  # the second kill lands inside a save: its temp file exists
                while proc.poll() is None and not _temp_files(backup_dir):
                    time.sleep(0.002)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
        stdout, err = proc.communicate(timeout=120)
        resumed += [line for line in stdout.splitlines() if line.startswith("resumed")]
        killed_in_save += bool(_temp_files(backup_dir))
        _check_backup_folder(backup_dir)
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL, err
    else:
        pytest.fail("the training never finished")
    assert kills >= 2 and resumed and killed_in_save, (kills, resumed, killed_in_save)
    got = np.frombuffer(out.read_bytes(), dtype=np.float32)
    np.testing.assert_array_equal(got, expected)
    assert not backup_dir.exists()  # delete_checkpoint=True cleans up after a finished run


def _trained_weights(epochs, backup_dir=None):
    set_random_seed(3)
    data = np.random.default_rng(1)
    x = data.normal(size=(40, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = Sequential([Dense(6, activation="tanh", input_dim=3), Dropout(0.5, seed=11),
                        Dropout(0.2), Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse")
    callbacks = [] if backup_dir is None else [BackupAndRestore(backup_dir,
                                                                delete_checkpoint=False)]
    history = model.fit(x, y, epochs=epochs, batch_size=8, callbacks=callbacks, verbose=0)
    return model.get_weights(), history, model


def test_restore_in_process_continues_exactly(tmp_path):
    expected, _, _ = _trained_weights(5)
    _trained_weights(2, tmp_path)  # "killed" after two epochs
    got, history, model = _trained_weights(5, tmp_path)  # started again from scratch
    assert history.epoch == [2, 3, 4]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == 5 * 5


def test_backup_is_a_weights_file_and_foreign_file_is_rejected(tmp_path):
    weights, _, model = _trained_weights(1, tmp_path)
    model.load_weights(tmp_path / "latest.safetensors")  # an ordinary shendu weights file
    other = tmp_path / "other"
    other.mkdir()
    model.save_weights(other / "latest.safetensors")
    with pytest.raises(model_file.FileFormatError, match="not a BackupAndRestore backup"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), epochs=1, verbose=0,
                  callbacks=[BackupAndRestore(other)])


def test_backup_argument_errors():
    with pytest.raises(ValueError, match="save_freq must be 'epoch'"):
        BackupAndRestore("somewhere", save_freq=10)
    with pytest.raises(ValueError, match="backup_dir"):
        BackupAndRestore("")
