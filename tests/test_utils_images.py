"""image_dataset_from_directory and the image file helpers (load_img, img_to_array,
array_to_img, save_img) on temporary folders: Keras's class and file order, label modes,
subsets, resizing and colour modes, fit, and the errors for bad arguments and files."""

import os

import numpy as np
import pytest

from shendu import layers, models
from shendu.data.sources import PyDataset
from shendu.errors import ArgumentError, DataError, FileFormatError, ShapeError
from shendu.utils import (
    array_to_img,
    image_dataset_from_directory,
    img_to_array,
    load_img,
    save_img,
)

Image = pytest.importorskip("PIL.Image")


def _png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)


@pytest.fixture
def folder(tmp_path):
    """Classes b, a, c10, c2 (alphanumeric: a, b, c10, c2), 3 images each of values
    10 * class + i, sizes differing; one in a nested folder; files that are not images."""
    for k, name in enumerate(["a", "b", "c10", "c2"]):
        for i in range(3):
            sub = "deep/" if i == 2 else ""
            _png(tmp_path / name / f"{sub}{i}.png", np.full((4 + i, 6, 3), 10 * k + i))
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden").mkdir()
    _png(tmp_path / ".hidden" / "x.png", np.zeros((2, 2, 3)))
    return tmp_path


def _everything(ds):
    xs, ys = zip(*(ds[i] for i in range(len(ds))))
    return np.concatenate(xs), np.concatenate(ys)


def test_classes_in_alphanumeric_order_and_files_sorted(folder, capsys):
    ds = image_dataset_from_directory(folder, image_size=(5, 7), batch_size=5, shuffle=False)
    assert capsys.readouterr().out == "Found 12 files belonging to 4 classes.\n"
    assert isinstance(ds, PyDataset) and len(ds) == 3
    assert ds.class_names == ["a", "b", "c10", "c2"]
    x, y = _everything(ds)
    assert x.shape == (12, 5, 7, 3) and x.dtype == np.float32 and y.dtype == np.int32
    assert y.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    # a uniform image stays uniform when resized; values stay in 0 .. 255
    assert np.allclose(x[:, 0, 0, 0], [10 * k + i for k in range(4) for i in range(3)],
                       atol=1e-4)
    assert [os.path.relpath(p, folder) for p in ds.file_paths[:3]] == [
        "a/0.png", "a/1.png", os.path.join("a", "deep", "2.png")]


def test_label_modes_class_names_and_explicit_labels(folder):
    cat = image_dataset_from_directory(folder, label_mode="categorical", image_size=2,
                                       shuffle=False, verbose=False)
    _, y = cat[0]
    assert y.dtype == np.float32 and y.shape == (12, 4) and y.argmax(1).tolist()[::3] == [0, 1,
                                                                                         2, 3]
    two = image_dataset_from_directory(folder, class_names=["c2", "a"], label_mode="binary",
                                       image_size=2, shuffle=False, verbose=False)
    x, y = two[0]
    assert two.class_names == ["c2", "a"] and y.shape == (6, 1) and y.ravel().tolist() == [
        0, 0, 0, 1, 1, 1]
    assert np.allclose(x[:3, 0, 0, 0], [30, 31, 32])
    bare = image_dataset_from_directory(folder, label_mode=None, image_size=2, verbose=False)
    assert isinstance(bare[0], np.ndarray) and bare.class_names is None  # as Keras
    assert len(bare.file_paths) == 13  # no labels: every image below, hidden folders too
    listed = image_dataset_from_directory(folder, labels=[1] * 6 + [0] * 7, image_size=2,
                                          shuffle=False, verbose=False)
    assert listed.class_names == ["0", "1"] and listed[0][1].tolist() == [1] * 6 + [0] * 7
    one = image_dataset_from_directory(folder, batch_size=None, image_size=2, shuffle=False,
                                       verbose=False)
    assert len(one) == 12 and one[0][0].shape == (2, 2, 3) and one[-1][1] == 3


def test_validation_split_follows_kerass_rule(folder, capsys):
    ordered = image_dataset_from_directory(folder, shuffle=False, image_size=2, verbose=False)
    train, val = image_dataset_from_directory(folder, validation_split=0.3, subset="both",
                                              seed=5, image_size=2)
    assert capsys.readouterr().out.splitlines() == [
        "Found 12 files belonging to 4 classes.", "Using 9 files for training.",
        "Using 3 files for validation."]
    order = np.arange(12)
    np.random.RandomState(5).shuffle(order)  # Keras shuffles the sorted list with the seed
    expected = [ordered.file_paths[i] for i in order]
    assert train.file_paths == expected[:9] and val.file_paths == expected[9:]
    assert not set(train.file_paths) & set(val.file_paths)
    alone = image_dataset_from_directory(folder, validation_split=0.3, subset="validation",
                                         seed=5, image_size=2, verbose=False)
    assert alone.file_paths == val.file_paths
    assert _everything(alone)[1].tolist() == _everything(ordered)[1][order[9:]].tolist()


def test_resizing_matches_torch_bilinear_and_aspect_options(tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (7, 10, 3))
    _png(tmp_path / "x" / "a.png", pixels)
    ds = image_dataset_from_directory(tmp_path, image_size=(4, 13), shuffle=False, verbose=False)
    ref = torch.nn.functional.interpolate(
        torch.tensor(pixels, dtype=torch.float64).permute(2, 0, 1)[None], size=(4, 13),
        mode="bilinear", align_corners=False)[0].permute(1, 2, 0).numpy()
    assert np.allclose(ds[0][0][0], ref, atol=1e-3)
    near = image_dataset_from_directory(tmp_path, image_size=(7, 5), interpolation="nearest",
                                        shuffle=False, verbose=False)[0][0][0]
    assert np.array_equal(near, pixels[:, 1::2])  # halving the columns keeps the odd ones
    crop = image_dataset_from_directory(tmp_path, image_size=(7, 7), crop_to_aspect_ratio=True,
                                        shuffle=False, verbose=False)[0][0][0]
    assert np.allclose(crop, pixels[:, 1:8], atol=1e-3)  # the centred 7 x 7 window
    pad = image_dataset_from_directory(tmp_path, image_size=(10, 10), pad_to_aspect_ratio=True,
                                       shuffle=False, verbose=False)[0][0][0]
    assert np.allclose(pad[1:8], pixels, atol=1e-3) and not pad[[0, 8, 9]].any()
    first = image_dataset_from_directory(tmp_path, image_size=(7, 10), shuffle=False,
                                         data_format="channels_first", verbose=False)[0][0]
    assert first.shape == (1, 3, 7, 10) and np.allclose(first[0], pixels.transpose(2, 0, 1))


def test_color_modes(tmp_path):
    _png(tmp_path / "c" / "rgb.png", np.full((3, 3, 3), (200, 100, 0)))
    _png(tmp_path / "c" / "grey.png", np.full((3, 3), 50))
    kw = dict(image_size=3, shuffle=False, verbose=False)
    rgb = image_dataset_from_directory(tmp_path, **kw)[0][0]
    assert rgb.shape == (2, 3, 3, 3) and rgb[0, 0, 0].tolist() == [50, 50, 50]  # grey -> RGB
    grey = image_dataset_from_directory(tmp_path, color_mode="grayscale", **kw)[0][0]
    # ITU-R 601 luma (Pillow's): (200 * 299 + 100 * 587) / 1000
    assert grey.shape == (2, 3, 3, 1) and grey[1, 0, 0, 0] == pytest.approx(118, abs=1)
    rgba = image_dataset_from_directory(tmp_path, color_mode="rgba", **kw)[0][0]
    assert rgba.shape == (2, 3, 3, 4) and rgba[1, 0, 0].tolist() == [200, 100, 0, 255]


def test_fit_trains_on_the_dataset(tmp_path):
    for k, name in enumerate(["dark", "light"]):
        for i in range(6):
            _png(tmp_path / name / f"{i}.png", np.full((6, 6, 3), 40 + 160 * k + 5 * i))
    train, val = image_dataset_from_directory(tmp_path, image_size=(4, 4), batch_size=4, seed=1,
                                              validation_split=0.25, subset="both",
                                              label_mode="binary", verbose=False)
    model = models.Sequential([layers.Input((4, 4, 3)), layers.Rescaling(1 / 255),
                               layers.Flatten(), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and "val_accuracy" in history.history
    assert model.predict(val, verbose=0).shape == (3, 1)


@pytest.mark.parametrize("kwargs, words", [
    (dict(subset="testing", validation_split=0.2, seed=1), "subset"),
    (dict(label_mode="sparse"), "label_mode"),
    (dict(color_mode="cmyk"), "color_mode"),
    (dict(image_size=(0, 4)), "image_size"),
    (dict(interpolation="area"), "interpolation"),
    (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "pad_to_aspect_ratio"),
    (dict(validation_split=0.2), "subset"),
    (dict(validation_split=0.2, subset="training"), "seed"),
    (dict(labels="folders"), "labels"),
    (dict(labels=None, class_names=["a"]), "class_names"),
    (dict(class_names=["zebra"]), "class_names"),
    (dict(labels=[0, 1]), "labels"),
    (dict(label_mode="binary"), "binary"),
    (dict(batch_size=0), "batch_size"),
    (dict(data_format="channels_middle"), "data_format"),
    (dict(format="torch"), "format"),
])
def test_bad_arguments_name_the_argument(folder, kwargs, words):
    with pytest.raises(ArgumentError, match=words) as info:
        image_dataset_from_directory(folder, verbose=False, **kwargs)
    assert "image_dataset_from_directory" in str(info.value) and "Hint:" in str(info.value)


def test_missing_folder_no_images_and_corrupt_file(tmp_path):
    with pytest.raises(ArgumentError, match="existing folder"):
        image_dataset_from_directory(tmp_path / "nowhere")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match="no images found"):
        image_dataset_from_directory(tmp_path, verbose=False)
    (tmp_path / "a" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    ds = image_dataset_from_directory(tmp_path, verbose=False)
    with pytest.raises(FileFormatError, match="broken.jpg") as info:
        ds[0]
    assert "Hint:" in str(info.value)
    with pytest.raises(IndexError):
        ds[1]


def test_load_img_and_array_round_trip(tmp_path):
    pixels = np.arange(2 * 3 * 3).reshape(2, 3, 3) * 10
    save_img(tmp_path / "x.png", pixels, scale=False)
    img = load_img(tmp_path / "x.png")
    assert img.mode == "RGB" and img.size == (3, 2)
    x = img_to_array(img)
    assert x.dtype == np.float32 and np.array_equal(x, pixels)
    assert img_to_array(img, data_format="channels_first").shape == (3, 2, 3)
    assert load_img(tmp_path / "x.png", color_mode="grayscale").mode == "L"
    assert load_img(tmp_path / "x.png", color_mode="rgba").mode == "RGBA"
    assert load_img(tmp_path / "x.png", target_size=(4, 5)).size == (5, 4)
    # keep_aspect_ratio crops the centred 2 x 2 box first: the middle column is kept
    kept = img_to_array(load_img(tmp_path / "x.png", target_size=(2, 1),
                                 keep_aspect_ratio=True, interpolation="box"))
    assert kept.shape == (2, 1, 3)
    scaled = img_to_array(array_to_img(np.array([[[0.0], [0.25], [1.0]]])))
    assert scaled.ravel().tolist() == [0, 63, 255]
    assert array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"


def test_save_img_is_atomic_and_formats(tmp_path):
    target = tmp_path / "x.jpg"
    with pytest.warns(UserWarning, match="RGB"):
        save_img(target, np.zeros((2, 2, 4)))
    assert load_img(target).size == (2, 2) and os.listdir(tmp_path) == ["x.jpg"]
    target.write_bytes(b"old")
    with pytest.raises(ShapeError, match="array_to_img"):
        save_img(target, np.zeros((2, 2, 2)))
    with pytest.raises(ArgumentError, match="file_format"):
        save_img(tmp_path / "noext", np.zeros((2, 2, 3)))
    assert target.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["x.jpg"]


def test_image_helper_errors(tmp_path):
    with pytest.raises(DataError, match="cannot open"):
        load_img(tmp_path / "none.png")
    (tmp_path / "bad.png").write_bytes(b"garbage")
    with pytest.raises(FileFormatError, match="bad.png"):
        load_img(tmp_path / "bad.png")
    with pytest.raises(ArgumentError, match="path"):
        load_img(42)
    with pytest.raises(ArgumentError, match="color_mode"):
        load_img(tmp_path / "bad.png", color_mode="hsv")
    with pytest.raises(ShapeError, match="rank"):
        img_to_array(np.zeros((1, 2, 2, 3)))


def test_missing_pillow_says_how_to_install(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        load_img(tmp_path / "x.png")
    (tmp_path / "a").mkdir()
    with pytest.raises(ImportError, match="image_dataset_from_directory"):
        image_dataset_from_directory(tmp_path)
