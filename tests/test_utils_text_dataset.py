"""text_dataset_from_directory on temporary folders: Keras's file order, labels in each mode,
subsets, max_length, fit with TextVectorization, and argument checks."""

import numpy as np
import pytest

from shendu.data.sources import PyDataset
from shendu.errors import ArgumentError, DataError
from shendu.utils import text_dataset_from_directory


@pytest.fixture
def corpus(tmp_path):
    """pos/ (3 files, one in a subfolder), neg/ (2 files), plus files that are not .txt."""
    files = {"pos/p0.txt": "good film", "pos/p1.txt": "great film",
             "pos/deep/p2.TXT": "fine film", "neg/n0.txt": "bad film",
             "neg/n1.txt": "awful film", "neg/notes.md": "ignored", ".hidden/h.txt": "hidden"}
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def _everything(ds):
    texts, labels = [], []
    for i in range(len(ds)):
        x, y = ds[i]
        texts += x.tolist()
        labels += y.tolist()
    return texts, labels


def test_inferred_labels_in_kerass_order(corpus, capsys):
    ds = text_dataset_from_directory(corpus, shuffle=False, batch_size=2)
    assert capsys.readouterr().out == "Found 5 files belonging to 2 classes.\n"
    assert isinstance(ds, PyDataset) and len(ds) == 3 and ds.class_names == ["neg", "pos"]
    x, y = ds[0]
    assert x.dtype == object and y.dtype == np.int32
    texts, labels = _everything(ds)
    # classes sorted; within a class the folders in sorted order, then sorted names
    assert texts == ["bad film", "awful film", "good film", "great film", "fine film"]
    assert labels == [0, 0, 1, 1, 1]


def test_shuffle_uses_randomstate_of_the_seed(corpus):
    ordered = text_dataset_from_directory(corpus, shuffle=False, batch_size=8, verbose=False)
    shuffled = text_dataset_from_directory(corpus, seed=7, batch_size=8, verbose=False)
    order = np.arange(5)
    np.random.RandomState(7).shuffle(order)
    assert shuffled.file_paths == [ordered.file_paths[i] for i in order]
    x, y = shuffled[0]
    assert [("film" in t) for t in x] == [True] * 5
    assert y.tolist() == [ordered[0][1][i] for i in order]


def test_class_names_pick_and_order_the_classes(corpus):
    ds = text_dataset_from_directory(corpus, class_names=["pos"], shuffle=False, verbose=False)
    assert ds.class_names == ["pos"] and _everything(ds)[1] == [0, 0, 0]
    ds = text_dataset_from_directory(corpus, class_names=["pos", "neg"], shuffle=False,
                                     verbose=False, label_mode="categorical")
    x, y = ds[0]
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[1, 0]] * 3 + [[0, 1]] * 2)


def test_binary_labels_are_float_columns(corpus):
    ds = text_dataset_from_directory(corpus, label_mode="binary", shuffle=False, verbose=False)
    y = ds[0][1]
    assert y.dtype == np.float32 and y.shape == (5, 1) and y[:, 0].tolist() == [0, 0, 1, 1, 1]


def test_explicit_labels_follow_the_sorted_paths(corpus):
    # labels=list: every .txt under the folder (subfolders too), in os.walk's sorted order
    ds = text_dataset_from_directory(corpus, labels=[1, 0, 1, 0, 1, 0], shuffle=False,
                                     verbose=False)
    texts, labels = _everything(ds)
    assert texts == ["hidden", "bad film", "awful film", "good film", "great film", "fine film"]
    assert labels == [1, 0, 1, 0, 1, 0] and ds.class_names == ["0", "1"]


def test_no_labels_gives_texts_only_and_max_length_cuts(corpus, capsys):
    ds = text_dataset_from_directory(corpus, labels=None, shuffle=False, max_length=4)
    assert capsys.readouterr().out == "Found 6 files.\n"
    assert ds[0].tolist() == ["hidd", "bad ", "awfu", "good", "grea", "fine"]
    ds = text_dataset_from_directory(corpus, label_mode=None, shuffle=False, verbose=False)
    assert isinstance(ds[0], np.ndarray)


def test_batch_size_none_serves_single_texts(corpus):
    ds = text_dataset_from_directory(corpus, batch_size=None, shuffle=False, verbose=False)
    assert len(ds) == 5 and ds[0] == ("bad film", 0)


def test_non_utf8_bytes_are_replaced(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_bytes(b"caf\xe9")
    ds = text_dataset_from_directory(tmp_path, shuffle=False, verbose=False)
    assert ds[0][0].tolist() == ["caf\ufffd"]


def test_validation_split_takes_the_last_files_of_the_shuffled_list(corpus, capsys):
    kwargs = dict(validation_split=0.4, seed=3, batch_size=8)
    train = text_dataset_from_directory(corpus, subset="training", **kwargs)
    val = text_dataset_from_directory(corpus, subset="validation", **kwargs)
    out = capsys.readouterr().out
    assert "Using 3 files for training." in out and "Using 2 files for validation." in out
    full = text_dataset_from_directory(corpus, seed=3, verbose=False)
    assert train.file_paths + val.file_paths == full.file_paths
    both = text_dataset_from_directory(corpus, subset="both", verbose=False, **kwargs)
    assert [d.file_paths for d in both] == [train.file_paths, val.file_paths]
    assert both[1].class_names == ["neg", "pos"]


def test_fit_with_textvectorization(corpus):
    from shendu import layers, models

    ds = text_dataset_from_directory(corpus, label_mode="binary", batch_size=2, seed=1,
                                     verbose=False)
    vectorize = layers.TextVectorization(max_tokens=20, output_mode="multi_hot")
    vectorize.adapt(np.concatenate([ds[i][0] for i in range(len(ds))]))
    model = models.Sequential([layers.Input((1,), dtype="string"), vectorize,
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert len(model.fit(ds, epochs=2, verbose=0).history["loss"]) == 2


@pytest.mark.parametrize("kwargs, match", [
    ({"labels": "folders"}, "labels must be 'inferred', None or a list"),
    ({"labels": None, "class_names": ["a"]}, "class_names needs labels='inferred'"),
    ({"label_mode": "sparse"}, "label_mode must be 'int', 'categorical', 'binary' or None"),
    ({"batch_size": 0}, "batch_size must be a whole number >= 1 or None"),
    ({"max_length": -3}, "max_length must be a whole number >= 1 or None"),
    ({"validation_split": 1.5, "subset": "training"}, "validation_split must be a number in"),
    ({"validation_split": 0.2}, "validation_split and subset go together"),
    ({"subset": "test"}, "subset must be 'training', 'validation', 'both' or None"),
    ({"validation_split": 0.2, "subset": "training"}, "with validation_split and shuffle=True, "
                                                      "pass a seed"),
    ({"class_names": ["pos", "ugly"]}, "class_names must name subfolders"),
    ({"labels": [0, 1]}, "labels has 2 entries but .* holds 6 .txt files"),
    ({"labels": [0.5] * 6}, "labels must be integers"),
    ({"labels": [0, 1, 2, 0, 1, 2], "label_mode": "binary"},
     "label_mode='binary' needs exactly 2 classes"),
    ({"labels": [0, 5, 0, 5, 0, 5], "label_mode": "categorical"}, "labels must lie in 0 .. 1"),
])
def test_bad_arguments_are_refused(corpus, kwargs, match):
    with pytest.raises(ArgumentError, match=f"text_dataset_from_directory: {match}.*Hint"):
        text_dataset_from_directory(corpus, verbose=False, **kwargs)


def test_a_missing_folder_and_an_empty_one_are_refused(tmp_path):
    with pytest.raises(ArgumentError, match="directory must be an existing folder"):
        text_dataset_from_directory(tmp_path / "nowhere")
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(DataError, match="no .txt files found in .*Hint"):
        text_dataset_from_directory(tmp_path, verbose=False)


def test_a_split_that_leaves_a_subset_empty_is_refused(corpus):
    with pytest.raises(DataError, match="validation_split=0.1 of 5 files leaves 0 for "
                                        "validation and 5 for training.*Hint"):
        text_dataset_from_directory(corpus, validation_split=0.1, subset="training", seed=1,
                                    verbose=False)
