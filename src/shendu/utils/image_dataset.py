"""Keras's ``keras.utils.image_dataset_from_directory``: folders of images as batches of
``(images, labels)``, in a shendu :class:`~shendu.utils.PyDataset` (what shendu's ``fit`` reads).

Files are listed in Keras's order (``utils/directory_index.py``), so for the same seed the
training and validation subsets hold the same files as Keras's. A batch's images are read
(with Pillow, imported only then) and resized when the batch is asked for.

>>> import numpy as np, pathlib, tempfile
>>> from shendu.utils import save_img
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for label, value in [("cat", 0), ("dog", 255), ("dog", 128)]:
...     (root / label).mkdir(exist_ok=True)
...     save_img(root / label / f"{value}.png", np.full((4, 6, 3), value), scale=False)
>>> ds = image_dataset_from_directory(root, image_size=(2, 3), batch_size=2, shuffle=False)
Found 3 files belonging to 2 classes.
>>> images, labels = ds[0]
>>> ds.class_names, images.shape, images.dtype, labels.tolist()
(['cat', 'dog'], (2, 2, 3, 3), dtype('float32'), [0, 1])
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ArgumentError
from . import directory_index as index
from .images import color_mode_channels, data_format_of, open_image, pil_image

_WHERE = "image_dataset_from_directory"
ALLOWED_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")
KERAS_ONLY = ("area", "gaussian", "mitchellcubic")  # Keras's others, which shendu lacks


def _resize(image: np.ndarray, size: tuple[int, int], method: str) -> np.ndarray:
    """(h, w, c) float32 resized to ``size`` by separable interpolation with half-pixel
    centres (TensorFlow's ``tf.image.resize``, no antialiasing)."""
    from ..ops.image import resize_matrix

    if image.shape[:2] == tuple(size):
        return image
    rows = resize_matrix(image.shape[0], size[0], method).astype(np.float32)
    cols = resize_matrix(image.shape[1], size[1], method).astype(np.float32)
    # out[i, j] = sum_k,l R[i, k] C[j, l] x[k, l]
    return np.einsum("ik,klc,jl->ijc", rows, image, cols, optimize=True)


def _crop_to_aspect(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The largest centred window with the aspect ratio of ``size`` (Keras's smart_resize)."""
    h, w = image.shape[:2]
    rows = max(min(h, w * size[0] // size[1]), 1)
    cols = max(min(w, h * size[1] // size[0]), 1)
    top, left = (h - rows) // 2, (w - cols) // 2
    return image[top:top + rows, left:left + cols]


def _resize_with_pad(image: np.ndarray, size: tuple[int, int], method: str) -> np.ndarray:
    """Resize keeping the aspect ratio to fit in ``size``, then pad evenly with zeros
    (TensorFlow's ``tf.image.resize_with_pad``, which Keras's loader calls)."""
    h, w = (np.float32(n) for n in image.shape[:2])
    ratio = max(w / np.float32(size[1]), h / np.float32(size[0]))  # float32, as TensorFlow
    exact = (h / ratio, w / ratio)
    inner = tuple(max(int(np.floor(e)), 1) for e in exact)
    # the offsets come from the unrounded sizes: floor((target - exact) / 2)
    top, left = (max(int(np.floor((t - e) / 2)), 0) for t, e in zip(size, exact))
    out = np.zeros((size[0], size[1], image.shape[2]), dtype=np.float32)
    out[top:top + inner[0], left:left + inner[1]] = _resize(image, inner, method)
    return out


class ImageFileDataset(index.FileBatches):
    """Batches of image files: ``(images, labels)`` per index (images alone without labels),
    the images float32 (batch, height, width, channels), or channels first.

    >>> import pathlib, tempfile
    >>> from shendu.utils import save_img
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.png"
    >>> save_img(path, np.zeros((5, 5, 3)))
    >>> ImageFileDataset([str(path)], None, None, None, image_size=(2, 2))[0].shape
    (1, 2, 2, 3)
    """

    def __init__(self, file_paths: list[str], labels, label_mode: str | None,
                 class_names: list[str] | None, batch_size: int | None = 32,
                 image_size: tuple[int, int] = (256, 256), color_mode: str = "rgb",
                 interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                 pad_to_aspect_ratio: bool = False, data_format: str = "channels_last"):
        super().__init__(file_paths, labels, label_mode, class_names, batch_size)
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.color_mode, self.interpolation = color_mode, interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.data_format = data_format

    def load(self, path: str) -> np.ndarray:
        img = np.asarray(open_image(_WHERE, path, self.color_mode), dtype=np.float32)
        img = img[:, :, None] if img.ndim == 2 else img
        if self.crop_to_aspect_ratio:
            img = _resize(_crop_to_aspect(img, self.image_size), self.image_size,
                          self.interpolation)
        elif self.pad_to_aspect_ratio:
            img = _resize_with_pad(img, self.image_size, self.interpolation)
        else:
            img = _resize(img, self.image_size, self.interpolation)
        return img.transpose(2, 0, 1) if self.data_format == "channels_first" else img


def _image_size(value) -> tuple[int, int]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
                       for s in value)):
        raise ArgumentError(f"{_WHERE}: image_size must be (height, width) of positive ints, "
                            f"got {value!r}. Hint: image_size=(256, 256).")
    return int(value[0]), int(value[1])


def image_dataset_from_directory(directory, labels="inferred", label_mode: str | None = "int",
                                 class_names: list[str] | None = None, color_mode: str = "rgb",
                                 batch_size: int | None = 32,
                                 image_size: tuple[int, int] = (256, 256),
                                 shuffle: bool = True, seed: int | None = None,
                                 validation_split: float | None = None,
                                 subset: str | None = None, interpolation: str = "bilinear",
                                 follow_links: bool = False, crop_to_aspect_ratio: bool = False,
                                 pad_to_aspect_ratio: bool = False,
                                 data_format: str | None = None, format: str = "tf",
                                 verbose: bool = True):
    """The images (bmp, gif, jpeg, png) under ``directory`` as batches of ``(images, labels)``.

    ``labels="inferred"`` takes the class of a file from its subfolder of ``directory``
    (``class_names`` picks and orders them); a list gives one integer label per file in the
    order of sorted paths; None gives images only. ``label_mode``: ``"int"`` (int32 class
    indices), ``"categorical"`` (float32 one-hot rows), ``"binary"`` (float32 ``(n, 1)``, two
    classes), or None. ``color_mode`` 'grayscale', 'rgb' or 'rgba' gives 1, 3 or 4 channels.
    Each image is resized to ``image_size`` (height, width) by ``interpolation`` ('bilinear',
    'nearest', 'bicubic', 'lanczos3', 'lanczos5'), after cropping to the target's aspect ratio
    (``crop_to_aspect_ratio``) or with zero padding to it (``pad_to_aspect_ratio``). Pixel
    values stay in 0 .. 255, as float32. With ``validation_split`` and ``subset="training"``,
    ``"validation"`` or ``"both"`` (a list of the two), the last ``int(validation_split * n)``
    files of the shuffled list are the validation ones.

    Keras returns a ``tf.data.Dataset`` (or a Grain one, ``format="grain"``); this returns a
    shendu :class:`~shendu.utils.PyDataset` for either ``format`` (``len(ds)`` batches,
    ``ds[i]`` one batch) with Keras's ``class_names`` and ``file_paths``. The files are
    shuffled once; ``fit(shuffle=True)`` also reorders the batches each epoch.

    >>> import pathlib, tempfile
    >>> from shendu.utils import save_img
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in "abcde":
    ...     save_img(root / f"{name}.jpg", np.ones((3, 3, 3)))
    >>> train, val = image_dataset_from_directory(root, labels=None, image_size=4, seed=1,
    ...                                           validation_split=0.4, subset="both")
    Found 5 files.
    Using 3 files for training.
    Using 2 files for validation.
    >>> train[0].shape, val[0].shape
    ((3, 4, 4, 3), (2, 4, 4, 3))
    """
    directory = index.check_directory(_WHERE, directory)
    labels = index.check_labels(_WHERE, labels, label_mode, class_names)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    color_mode_channels(_WHERE, color_mode)
    index.check_count(_WHERE, "batch_size", batch_size, "batch_size=32.")
    image_size = _image_size(image_size)
    method = interpolation.lower() if isinstance(interpolation, str) else interpolation
    if method not in INTERPOLATIONS:
        why = " (Keras's, which shendu does not have)" if method in KERAS_ONLY else ""
        raise ArgumentError(f"{_WHERE}: interpolation must be one of {INTERPOLATIONS}, got "
                            f"{interpolation!r}{why}. Hint: 'bilinear' is Keras's default.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ArgumentError(f"{_WHERE}: crop_to_aspect_ratio and pad_to_aspect_ratio are both "
                            "True, but only one of them can be. Hint: crop loses the borders, "
                            "pad adds black around the image.")
    if format not in ("tf", "grain"):
        raise ArgumentError(f"{_WHERE}: format must be 'tf' or 'grain', got {format!r}. Hint: "
                            "either gives a shendu PyDataset; leave the default.")
    data_format = data_format_of(_WHERE, data_format)
    index.check_split(_WHERE, validation_split, subset, shuffle, seed)
    pil_image(_WHERE)  # before listing: say now if Pillow is missing
    paths, ids, names = index.index_directory(_WHERE, directory, labels, ALLOWED_FORMATS,
                                              class_names, shuffle, seed, follow_links, verbose)
    index.check_label_range(_WHERE, ids, names, label_mode)
    parts = index.subsets(_WHERE, paths, ids, validation_split, subset, verbose, "images",
                          directory, ALLOWED_FORMATS)
    datasets = [ImageFileDataset(p, i, label_mode, names, batch_size, image_size, color_mode,
                                 method, crop_to_aspect_ratio, pad_to_aspect_ratio, data_format)
                for p, i in parts]
    return datasets if subset == "both" else datasets[0]
