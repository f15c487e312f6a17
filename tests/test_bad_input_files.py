"""Corrupt, truncated and hostile files: model files and the dataset loaders' inputs raise a
FileFormatError (or an ArgumentError for a path that is not one) that says what is wrong
with the file and gives a hint, and allocate nothing a header merely claims."""

import numpy as np
import pytest

from shendu.datasets import _idx, digits, fashion_mnist, fsdd, sms_spam
from shendu.errors import (
    ArgumentError,
    DataError,
    ShenduError,
)
from shendu.layers import Dense
from shendu.models import Sequential
from test_bad_input_training import _classifier, _data


# -- model files --------------------------------------------------------------------------------
def _saved(tmp_path):
    import json
    import struct

    x, y = _data()
    model = _classifier()
    model.fit(x, y, verbose=0)
    path = tmp_path / "good.safetensors"
    model.save(path)
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    return model, path, json.loads(raw[8:8 + size]), raw[8 + size:]


def _write(tmp_path, header, body, name="bad.safetensors"):
    import json
    import struct

    text = json.dumps(header).encode()
    path = tmp_path / name
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)
    return path


def _with_metadata(header, **entries):
    import copy
    import json

    header = copy.deepcopy(header)
    header["__metadata__"].update({k: v if isinstance(v, str) else json.dumps(v)
                                   for k, v in entries.items()})
    return header


def test_a_config_asking_for_huge_weights_is_refused_before_allocating(tmp_path):
    """Dense(10**12) in a hostile config made load_model try to allocate terabytes."""
    from shendu.errors import FileFormatError
    from shendu.models import load_model

    _, _, header, body = _saved(tmp_path)
    config = {"class_name": "Sequential", "config": {"input_shape": [5], "layers": [
        {"class_name": "Dense", "config": {"units": 10**12}}]}}
    path = _write(tmp_path, _with_metadata(header, config=config), body)
    with pytest.raises(FileFormatError, match=r"weight 'kernel' of shape \(5, 1000000000000\) "
                                              r"needs 5,000,000,000,000 values, more than"):
        load_model(path)


@pytest.mark.parametrize("tensor, words", [
    ({"dtype": "F32", "shape": [True, 12], "data_offsets": [0, 48]},
     r"its tensors cannot be decoded \(.*invalid type: boolean"),
    ({"dtype": "F32", "shape": [2**32, 2**32, 2**32, 0], "data_offsets": [0, 0]},
     r"its tensors cannot be decoded \(.*overflow"),
])
def test_hostile_tensor_shapes(tmp_path, tensor, words):
    from shendu.errors import FileFormatError
    from shendu.models import load_model

    _, _, header, body = _saved(tmp_path)
    header = {**header, "weights/00000": tensor}
    with pytest.raises(FileFormatError, match=words + ".*Hint"):
        load_model(_write(tmp_path, header, body))


@pytest.mark.parametrize("entries, words", [
    (dict(compile_config=[1]), "its compile configuration is not a JSON object. Hint: pass "
                               "compile=False"),
    (dict(compile_config={"loss": "mse", "optimizer": "adam", "metrics": 5}),
     r"its compile configuration is malformed \(TypeError"),
    (dict(weight_paths={"a": 1}), "its weight list is not a list of names. Hint"),
    (dict(config=[1, 2]), r"model config: expected \{'class_name'.*got list\. Hint"),
])
def test_malformed_metadata(tmp_path, entries, words):
    from shendu.errors import FileFormatError
    from shendu.models import load_model

    _, _, header, body = _saved(tmp_path)
    with pytest.raises(FileFormatError, match=words):
        load_model(_write(tmp_path, _with_metadata(header, **entries), body))


def test_a_negative_optimizer_step_count_is_refused(tmp_path):
    import safetensors.numpy as st

    from shendu.errors import FileFormatError
    from shendu.models import load_model

    _, path, header, _ = _saved(tmp_path)
    tensors = st.load(path.read_bytes())
    tensors["optimizer/iterations"] = np.array(-5, dtype=np.int64)
    bad = tmp_path / "steps.safetensors"
    bad.write_bytes(st.save(tensors, metadata=header["__metadata__"]))
    with pytest.raises(FileFormatError, match=r"optimizer step count is -5, expected a whole "
                                              r"number >= 0\. Hint: load with compile=False"):
        load_model(bad)
    assert load_model(bad, compile=False).built


@pytest.mark.parametrize("call, words", [
    (lambda m, d: m.save(d), r"save: '.*' is a folder.*Hint"),
    (lambda m, d: m.save(None), r"save: expected a file path \(str or os\.PathLike\), got "
                                r"NoneType"),
    (lambda m, d: m.save_weights(5), "save_weights: expected a file path"),
])
def test_saving_to_something_that_is_not_a_file_path(tmp_path, call, words):
    model, _, _, _ = _saved(tmp_path)
    with pytest.raises(ArgumentError, match=words):
        call(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.safetensors"]


@pytest.mark.parametrize("call, error, words", [
    (lambda p: __import__("shendu").models.load_model(None), ArgumentError,
     "load: expected a file path"),
    (lambda p: __import__("shendu").models.load_model(p, custom_objects=[1]), ArgumentError,
     "load_model: custom_objects must be a dict"),
    (lambda p: __import__("shendu").models.load_model(p.parent), ShenduError,
     "is a folder, not a file. Hint"),
])
def test_loading_from_something_that_is_not_a_model_file(tmp_path, call, error, words):
    _, path, _, _ = _saved(tmp_path)
    with pytest.raises(error, match=words):
        call(path)


def test_a_failed_save_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    """Guard (this held already): serialization or the final rename failing keeps the old file."""
    import os

    from shendu.layers import Lambda

    model, path, _, _ = _saved(tmp_path)
    before = path.read_bytes()
    unsaveable = Sequential([Dense(3, input_dim=5), Lambda(lambda t: t * 2)])
    with pytest.raises(ArgumentError, match="cannot serialize its function"):
        unsaveable.save(path)

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.safetensors"]


# -- dataset loaders ----------------------------------------------------------------------------
def _npz_with_member(tmp_path, member_bytes):
    import zipfile

    path = tmp_path / "broken.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", member_bytes)
    return path


def _npy_header(shape):
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue()


@pytest.mark.parametrize("member, words", [
    (b"notnpy", "member 'x_train.npy' is not a readable .npy array"),
    (_npy_header((10**6, 10**6)) + bytes(16), r"header promises shape \(1000000, 1000000\)"),
], ids=["not_npy", "header_claims_8_tb"])
def test_corrupt_npz_members(tmp_path, member, words):
    from shendu.datasets import mnist
    from shendu.errors import FileFormatError

    with pytest.raises(FileFormatError, match=words + ".*Hint"):
        mnist.load_data(_npz_with_member(tmp_path, member))


def test_idx_files_that_lie_about_their_size(tmp_path):
    import struct

    from shendu.errors import FileFormatError

    load_idx = _idx.load_idx
    short = tmp_path / "short-idx3-ubyte"
    short.write_bytes(struct.pack(">HBB", 0, 8, 3) + b"\0\0\0\1")
    with pytest.raises(FileFormatError, match="names 3 dimensions but the file ends after 8 "
                                              "bytes. Hint"):
        load_idx(short)
    huge = tmp_path / "huge-idx3-ubyte"  # 2**93 bytes once wrapped around to 0 and passed
    huge.write_bytes(struct.pack(">HBBIII", 0, 8, 3, 2**31, 2**31, 2**31))
    with pytest.raises(FileFormatError, match=r"header promises shape \(2147483648, "):
        load_idx(huge)
    broken = tmp_path / "broken-idx1-ubyte.gz"
    broken.write_bytes(b"\x1f\x8bjunk")
    with pytest.raises(FileFormatError, match="cannot decompress it.*Hint"):
        load_idx(broken)


@pytest.mark.parametrize("call, error, words", [
    (lambda d: _idx.load_idx(d / "nope-idx1-ubyte"), DataError,
     "IDX file .*: does not exist. Hint"),
    (lambda d: _idx.load_idx(d), DataError, "is a folder. Hint"),
    (lambda d: _idx.load_split(d, "test"), ArgumentError, "split must be one of.*got 'test'"),
    (lambda d: fashion_mnist.load_data(d / "nope"), DataError,
     "Dataset path .* does not exist. Hint"),
    (lambda d: fsdd.read_wav(d / "nope.wav"), DataError, r"WAV file .*: cannot open it \(No such"),
    (lambda d: sms_spam.load_data(d / "nope.tsv"), DataError, "does not exist. Hint"),
    (lambda d: digits.load_data(seed="x"), ArgumentError, "seed must be an int >= 0, got 'x'"),
], ids=["idx_missing", "idx_folder", "bad_split", "fashion_missing", "wav_missing",
        "sms_missing", "digits_seed"])
def test_missing_paths_and_bad_arguments_for_loaders(tmp_path, call, error, words):
    with pytest.raises(error, match=words):
        call(tmp_path)


@pytest.mark.parametrize("content, error, words", [
    (b"\xff\xfe\x00garbage", "FileFormatError", "not UTF-8 text"),
    (b"", "DataError", "no messages in it"),
    (b"ham\thello\n", "DataError", "leave 1 for training and 0 for testing"),
], ids=["binary", "empty", "one_message"])
def test_sms_spam_files_that_give_nothing_to_split(tmp_path, content, error, words):
    from shendu import errors

    path = tmp_path / "SMSSpamCollection.tsv"
    path.write_bytes(content)
    with pytest.raises(getattr(errors, error), match=words + ".*Hint"):
        sms_spam.load_data(path)


def test_cifar10_labels_outside_the_ten_classes(tmp_path):
    import pickle

    from shendu.datasets import cifar10
    from shendu.errors import FileFormatError

    for name in list(cifar10.TRAIN_BATCHES) + [cifar10.TEST_BATCH]:
        labels = [1000, -2] if name == "data_batch_3" else [1, 2]
        batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": labels}
        (tmp_path / name).write_bytes(pickle.dumps(batch))
    with pytest.raises(FileFormatError, match=r"labels must be classes 0 to 9, got -2 to 1000"):
        cifar10.load_data(tmp_path)
