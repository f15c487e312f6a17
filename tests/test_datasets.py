"""Dataset loaders: on small files the tests write, on the real shared data, and the download
path (SHA-256 check, cache, atomic write) through file:// URLs and a replaced fetch."""

import gzip
import hashlib
import io
import pickle
import struct
import tarfile
import wave

import numpy as np
import pytest

from shendu.datasets import (
    _download,
    cifar10,
    digits,
    fashion_mnist,
    fetch,
    fsdd,
    imdb,
    mnist,
    sms_spam,
)
from shendu.datasets._idx import load_idx, load_split
from shendu.errors import DataError, FileFormatError

# -- IDX / MNIST / Fashion-MNIST -------------------------------------------------------------


def _idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I",
                                                                     *array.shape)
    return header + array.astype(np.uint8).tobytes()


def _write_idx_folder(folder, n_train=6, n_test=4, compress=True, splits=("train", "t10k")):
    rng = np.random.default_rng(0)
    data = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        if split not in splits:
            continue
        x = rng.integers(0, 256, size=(n, 28, 28)).astype(np.uint8)
        y = rng.integers(0, 10, size=n).astype(np.uint8)
        data[split] = (x, y)
        for kind, arr in (("images-idx3", x), ("labels-idx1", y)):
            name = f"{split}-{kind}-ubyte"
            raw = _idx_bytes(arr)
            if compress:
                (folder / (name + ".gz")).write_bytes(gzip.compress(raw))
            else:
                (folder / name).write_bytes(raw)
    return data


@pytest.mark.parametrize("module", [mnist, fashion_mnist])
@pytest.mark.parametrize("compress", [True, False])
def test_idx_folder_loads_as_keras_tuples(tmp_path, module, compress):
    data = _write_idx_folder(tmp_path, compress=compress)
    (x_train, y_train), (x_test, y_test) = module.load_data(tmp_path)
    np.testing.assert_array_equal(x_train, data["train"][0])
    np.testing.assert_array_equal(y_train, data["train"][1])
    np.testing.assert_array_equal(x_test, data["t10k"][0])
    np.testing.assert_array_equal(y_test, data["t10k"][1])
    assert x_train.dtype == np.uint8 and x_train.shape == (6, 28, 28)


def test_mnist_reads_the_keras_npz(tmp_path):
    x = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=np.array([3, 4], np.uint8),
             x_test=x[:1], y_test=np.array([5], np.uint8))
    (x_train, y_train), (x_test, y_test) = mnist.load_data(tmp_path / "mnist.npz")
    np.testing.assert_array_equal(x_train, x)
    assert y_train.tolist() == [3, 4] and y_test.tolist() == [5] and x_test.shape == (1, 28, 28)


def test_idx_header_is_checked(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(FileFormatError, match="expected an IDX file"):
        load_idx(tmp_path / "bad")
    truncated = _idx_bytes(np.zeros((2, 3), np.uint8))[:-1]
    (tmp_path / "short").write_bytes(truncated)
    with pytest.raises(FileFormatError, match="truncated"):
        load_idx(tmp_path / "short")


def test_a_folder_with_only_test_files_names_what_is_missing(tmp_path):
    data = _write_idx_folder(tmp_path, splits=("t10k",))
    with pytest.raises(DataError, match="missing train-images"):
        mnist.load_data(tmp_path)
    x, y = load_split(tmp_path, "t10k")
    np.testing.assert_array_equal(x, data["t10k"][0])


def test_real_mnist10k(shared_data):
    x, y = mnist.load_split(shared_data / "mnist10k", "t10k")
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8 and y.dtype == np.uint8
    # label counts from the data README
    assert np.bincount(y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert mnist.load_idx(shared_data / "mnist10k" / "t10k-labels-idx1-ubyte.gz")[0] == 7


# -- download ---------------------------------------------------------------------------------


def test_fetch_checks_the_hash_and_caches(tmp_path, monkeypatch):
    src = tmp_path / "remote.bin"
    src.write_bytes(b"payload" * 100)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    monkeypatch.setenv("SHENDU_HOME", str(tmp_path / "home"))
    path = fetch(src.as_uri(), digest)
    assert path == tmp_path / "home" / "datasets" / "remote.bin"
    assert path.read_bytes() == src.read_bytes()
    src.unlink()  # a second call is served from the cache
    assert fetch(src.as_uri(), digest) == path


def test_a_wrong_hash_leaves_nothing_behind(tmp_path):
    src = tmp_path / "remote.bin"
    src.write_bytes(b"tampered")
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="SHA-256"):
        fetch(src.as_uri(), "0" * 64, cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_a_failed_download_says_how_to_work_offline(tmp_path):
    with pytest.raises(DataError, match="path="):
        fetch((tmp_path / "absent.bin").as_uri(), None, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_mnist_downloads_through_fetch_when_no_path_is_given(tmp_path, monkeypatch):
    buffer = io.BytesIO()
    x = np.ones((1, 28, 28), np.uint8)
    np.savez(buffer, x_train=x, y_train=np.array([1], np.uint8), x_test=x,
             y_test=np.array([2], np.uint8))
    payload = buffer.getvalue()
    urls = []

    def fake_urlopen(url):
        urls.append(url)
        return io.BytesIO(payload)

    monkeypatch.setattr(_download, "_urlopen", fake_urlopen)
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(payload).hexdigest())
    monkeypatch.setenv("SHENDU_HOME", str(tmp_path))
    (_, y_train), (_, y_test) = mnist.load_data()
    assert urls == [mnist.URL] and y_train.tolist() == [1] and y_test.tolist() == [2]
    assert (tmp_path / "datasets" / "mnist.npz").read_bytes() == payload
    mnist.load_data()  # cached: no second download
    assert len(urls) == 1


# -- CIFAR-10 ---------------------------------------------------------------------------------


def _cifar_tarball(path, n=3):
    rng = np.random.default_rng(1)
    batches = {}
    with tarfile.open(path, "w:gz") as tar:
        for name in cifar10.TRAIN_BATCHES + (cifar10.TEST_BATCH,):
            data = rng.integers(0, 256, size=(n, 3072)).astype(np.uint8)
            labels = rng.integers(0, 10, size=n).tolist()
            batches[name] = (data, labels)
            raw = pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"x"},
                               protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return batches


def test_cifar10_reads_the_python_tarball(tmp_path):
    batches = _cifar_tarball(tmp_path / "cifar.tar.gz")
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(tmp_path / "cifar.tar.gz")
    assert x_train.shape == (15, 32, 32, 3) and y_train.shape == (15, 1)
    assert x_test.shape == (3, 32, 32, 3) and x_train.dtype == np.uint8
    # pixel (row 1, col 2) of channel c of image 0 sits at c*1024 + 1*32 + 2 in the row
    data, labels = batches["data_batch_1"]
    assert x_train[0, 1, 2].tolist() == [data[0, c * 1024 + 34] for c in range(3)]
    assert y_train[:3, 0].tolist() == labels
    assert y_test[:, 0].tolist() == batches["test_batch"][1]


def test_cifar10_refuses_pickles_that_would_run_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    raw = pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in cifar10.TRAIN_BATCHES + (cifar10.TEST_BATCH,):
        (folder / name).write_bytes(raw)
    with pytest.raises(FileFormatError, match="print from a pickle"):
        cifar10.load_data(tmp_path)


# -- IMDB -------------------------------------------------------------------------------------


def _imdb_npz(path):
    seqs_train = [[1, 5, 9], [2, 3], [7, 7, 7, 7], [4]]
    seqs_test = [[8, 1], [6, 6, 2]]
    arrays = {}
    for key, seqs in (("x_train", seqs_train), ("x_test", seqs_test)):
        arr = np.empty(len(seqs), dtype=object)
        for i, s in enumerate(seqs):
            arr[i] = s
        arrays[key] = arr
    np.savez(path, y_train=np.array([1, 0, 1, 0]), y_test=np.array([0, 1]), **arrays)
    return seqs_train, seqs_test


def _keras_order(n, seed, rng):
    order = np.arange(n)
    rng.shuffle(order)
    return order


def test_imdb_follows_keras_indexing(tmp_path):
    seqs_train, seqs_test = _imdb_npz(tmp_path / "imdb.npz")
    (x_train, y_train), (x_test, y_test) = imdb.load_data(tmp_path / "imdb.npz", num_words=100)
    rng = np.random.RandomState(113)  # Keras shuffles train, then test, with one generator
    order_train, order_test = _keras_order(4, 113, rng), _keras_order(2, 113, rng)
    assert [list(x) for x in x_train] == [[1] + [w + 3 for w in seqs_train[i]]
                                          for i in order_train]
    assert y_train.tolist() == [[1, 0, 1, 0][i] for i in order_train]
    assert [list(x) for x in x_test] == [[1] + [w + 3 for w in seqs_test[i]] for i in order_test]
    assert y_test.tolist() == [[0, 1][i] for i in order_test]
    # Keras's num_words=None takes the largest index as num_words, so that word becomes OOV
    (x_default, _), (x_default_test, _) = imdb.load_data(tmp_path / "imdb.npz")
    words = {w for x in list(x_default) + list(x_default_test) for w in x}
    assert max(words) == 11 and 12 not in words


def test_imdb_num_words_skip_top_maxlen(tmp_path):
    _imdb_npz(tmp_path / "imdb.npz")
    (x_train, _), (x_test, _) = imdb.load_data(tmp_path / "imdb.npz", num_words=8, skip_top=4,
                                               maxlen=4, start_char=1, oov_char=2, index_from=3,
                                               seed=0)
    kept = [list(x) for x in x_train] + [list(x) for x in x_test]
    # sequences of 4+ words (with the start char) are dropped: [7,7,7,7] and [1,5,9], [6,6,2]
    assert sorted(len(x) for x in kept) == [2, 3, 3]
    assert all(w == 2 or 4 <= w < 8 for x in kept for w in x)
    (x_train, _), _ = imdb.load_data(tmp_path / "imdb.npz", num_words=8, oov_char=None,
                                     start_char=None, index_from=0, seed=0)
    assert all(w < 8 for x in x_train for w in x)


# -- downloads of the other Keras datasets (a replaced urlopen serves small files) -----------


def _serve(monkeypatch, tmp_path, files: dict[str, bytes]):
    """Route downloads to ``files`` (by the URL's last part); returns the list of URLs asked."""
    asked = []

    def fake_urlopen(url):
        asked.append(url)
        return io.BytesIO(files[url.rsplit("/", 1)[-1]])

    monkeypatch.setattr(_download, "_urlopen", fake_urlopen)
    monkeypatch.setenv("SHENDU_HOME", str(tmp_path / "home"))
    return asked


def test_fashion_mnist_downloads_its_four_idx_files_once(tmp_path, monkeypatch):
    data = _write_idx_folder(tmp_path)
    files = {name: (tmp_path / name).read_bytes() for name in fashion_mnist.FILES}
    monkeypatch.setattr(fashion_mnist, "FILES", {
        name: hashlib.sha256(raw).hexdigest() for name, raw in files.items()})
    asked = _serve(monkeypatch, tmp_path, files)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert sorted(asked) == sorted(fashion_mnist.BASE_URL + n for n in fashion_mnist.FILES)
    np.testing.assert_array_equal(x_train, data["train"][0])
    np.testing.assert_array_equal(y_test, data["t10k"][1])
    fashion_mnist.load_data()  # served from the cache
    assert len(asked) == 4


def test_cifar10_downloads_the_tarball_with_its_hash(tmp_path, monkeypatch):
    batches = _cifar_tarball(tmp_path / "c.tar.gz")
    raw = (tmp_path / "c.tar.gz").read_bytes()
    asked = _serve(monkeypatch, tmp_path, {"cifar-10-python.tar.gz": raw})
    monkeypatch.setattr(cifar10, "SHA256", hashlib.sha256(raw).hexdigest())
    (x_train, _), (_, y_test) = cifar10.load_data()
    assert asked == [cifar10.URL] and x_train.shape == (15, 32, 32, 3)
    assert y_test[:, 0].tolist() == batches["test_batch"][1]
    monkeypatch.setattr(cifar10, "SHA256", "0" * 64)  # a cached file with the wrong hash
    with pytest.raises(DataError, match="SHA-256"):  # is fetched again and refused
        cifar10.load_data()


def test_imdb_downloads_keras_file_name_into_the_cache(tmp_path, monkeypatch):
    _imdb_npz(tmp_path / "src.npz")
    raw = (tmp_path / "src.npz").read_bytes()
    asked = _serve(monkeypatch, tmp_path, {"imdb.npz": raw})
    monkeypatch.setattr(imdb, "SHA256", hashlib.sha256(raw).hexdigest())
    (x_train, _), (x_test, _) = imdb.load_data(num_words=100)  # path="imdb.npz", as Keras
    assert asked == [imdb.URL] and len(x_train) == 4 and len(x_test) == 2
    assert (tmp_path / "home" / "datasets" / "imdb.npz").read_bytes() == raw


# -- digits (shipped) --------------------------------------------------------------------------


def test_digits_ship_inside_the_package_with_a_fixed_stratified_split():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1438, 8, 8) and x_test.shape == (359, 8, 8)
    assert x_train.dtype == np.uint8 and int(x_train.max()) == 16
    counts = np.bincount(np.concatenate([y_train, y_test]))
    assert counts.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    np.testing.assert_array_equal(np.bincount(y_test), np.round(0.2 * counts))
    (x2, _), (x3, y3) = digits.load_data(flatten=True)
    np.testing.assert_array_equal(x2, x_train.reshape(-1, 64))
    np.testing.assert_array_equal(y3, y_test)


def test_shipped_digits_equal_the_source_csv(shared_data):
    table = np.loadtxt(gzip.open(shared_data / "digits" / "digits.csv.gz"), delimiter=",")
    x, y = digits.load_all(flatten=True)
    np.testing.assert_array_equal(x, table[:, :64])
    np.testing.assert_array_equal(y, table[:, 64])


def test_digits_data_file_is_installed_with_the_package():
    from importlib.resources import files

    assert files("shendu.datasets").joinpath("_data/digits.npz").is_file()


# -- FSDD ---------------------------------------------------------------------------------------


def _write_wav(path, samples, rate=8000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def test_fsdd_official_split_and_scaling(tmp_path):
    _write_wav(tmp_path / "3_alice_4.wav", [0, 16384, -32768])
    _write_wav(tmp_path / "3_alice_5.wav", [32767])
    _write_wav(tmp_path / "1_bob_49.wav", [-16384, 0])
    (tmp_path / "README.md").write_text("not a recording")
    (x_train, y_train, s_train), (x_test, y_test, s_test) = fsdd.load_data(
        tmp_path, return_speakers=True)
    assert y_test.tolist() == [3] and s_test.tolist() == ["alice"]
    np.testing.assert_array_equal(x_test[0], np.array([0.0, 0.5, -1.0], np.float32))
    assert y_train.tolist() == [1, 3] and s_train.tolist() == ["bob", "alice"]
    assert x_train[0].dtype == np.float32 and x_train[1][0] == pytest.approx(32767 / 32768)
    _write_wav(tmp_path / "2_bob_7.wav", [1], rate=16000)
    with pytest.raises(DataError, match="16000 Hz"):
        fsdd.load_data(tmp_path)


def test_real_fsdd(shared_data):
    (x_train, y_train), (x_test, y_test) = fsdd.load_data(shared_data / "fsdd")
    assert len(x_train) == 2700 and len(x_test) == 300
    assert np.bincount(y_test).tolist() == [30] * 10
    assert all(-1 <= x.min() and x.max() <= 1 for x in x_test)


# -- SMS spam -----------------------------------------------------------------------------------


def test_sms_spam_split_is_stratified_and_seeded(tmp_path):
    lines = ["Label\tSMS"] + [f"ham\tmessage {i}" for i in range(20)] + \
            [f"spam\tWIN {i}\tnow" for i in range(10)]
    (tmp_path / "s.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (x_train, y_train), (x_test, y_test) = sms_spam.load_data(tmp_path / "s.tsv")
    assert len(x_train) == 24 and len(x_test) == 6
    assert np.bincount(y_test).tolist() == [4, 2]
    assert all(t.startswith("WIN") for t in x_test[y_test == 1])
    assert "WIN 0\tnow" in set(x_train) | set(x_test)  # tabs inside the message are kept
    again = sms_spam.load_data(tmp_path / "s.tsv")
    assert again[1][0].tolist() == x_test.tolist()
    assert sms_spam.load_data(tmp_path / "s.tsv", seed=5)[1][0].tolist() != x_test.tolist()
    (tmp_path / "bad.tsv").write_text("eggs\tspam\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="line 1"):
        sms_spam.load_data(tmp_path / "bad.tsv")


def test_real_sms_spam(shared_data):
    (x_train, y_train), (x_test, y_test) = sms_spam.load_data(
        shared_data / "sms_spam" / "SMSSpamCollection.tsv")
    assert len(x_train) + len(x_test) == 5574
    assert int(y_train.sum() + y_test.sum()) == 747
    assert np.bincount(y_test).tolist() == [965, 149]
