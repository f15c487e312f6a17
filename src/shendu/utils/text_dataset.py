"""Keras's ``keras.utils.text_dataset_from_directory``: folders of ``.txt`` files as batches of
``(texts, labels)``, in a shendu :class:`~shendu.utils.PyDataset` (what shendu's ``fit`` reads).

Files are listed with ``os.walk`` in Keras's order (classes in alphanumeric order, files sorted
within each, then shuffled with ``numpy.random.RandomState(seed)``), so for the same seed the
training and validation subsets hold the same files as Keras's. A batch's files are read when
it is asked for.

>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for label, text in [("neg", "bad"), ("pos", "good"), ("pos", "great")]:
...     (root / label).mkdir(exist_ok=True)
...     _ = (root / label / f"{text}.txt").write_text(text)
>>> ds = text_dataset_from_directory(root, batch_size=2, shuffle=False, verbose=False)
>>> texts, labels = ds[0]
>>> ds.class_names, texts.tolist(), labels.tolist()
(['neg', 'pos'], ['bad', 'good'], [0, 1])
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

from .. import backend
from ..data.sources import PyDataset
from ..errors import ArgumentError, DataError

_WHERE = "text_dataset_from_directory"


class TextFileDataset(PyDataset):
    """Batches of text files: ``(texts, labels)`` per index (texts alone without labels), the
    texts a 1-D object array of ``str``. ``file_paths`` and ``class_names`` say what it holds.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_text("hello world")
    >>> TextFileDataset([str(path)], None, None, [], batch_size=1, max_length=5)[0].tolist()
    ['hello']
    """

    def __init__(self, file_paths: list[str], labels, label_mode: str | None,
                 class_names: list[str] | None, batch_size: int | None = 32,
                 max_length: int | None = None) -> None:
        super().__init__()
        self.file_paths = list(file_paths)
        self.labels = None if labels is None else np.asarray(labels)
        self.label_mode, self.class_names = label_mode, class_names
        self.batch_size, self.max_length = batch_size, max_length

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self.batch_size)

    def _read(self, path: str) -> str:
        # Keras keeps the raw bytes; shendu's text layers take str, so decode (bad bytes -> U+FFFD)
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        return text if self.max_length is None else text[:self.max_length]

    def _encode(self, labels: np.ndarray) -> np.ndarray:
        if self.label_mode == "binary":
            return labels.astype(np.float32)[:, None]
        if self.label_mode == "categorical":
            return np.eye(len(self.class_names), dtype=np.float32)[labels]
        return labels.astype(np.int32)

    def __getitem__(self, index: int):
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise ArgumentError(f"TextFileDataset: index must be an int, got {index!r}. "
                                "Hint: ds[0] is the first batch.")
        count = len(self)
        if not -count <= index < count:
            raise IndexError(f"TextFileDataset: batch {index} of {count} does not exist.")
        index %= count
        size = self.batch_size or 1
        part = slice(index * size, (index + 1) * size)
        texts = np.empty(len(self.file_paths[part]), dtype=object)
        texts[:] = [self._read(p) for p in self.file_paths[part]]
        labels = None if self.labels is None else self._encode(self.labels[part])
        if self.batch_size is None:  # one sample, no batch axis (Keras's batch_size=None)
            texts, labels = texts[0], None if labels is None else labels[0]
        return texts if labels is None else (texts, labels)


def _text_files(folder: str, follow_links: bool) -> list[str]:
    """The .txt files under ``folder``, as Keras lists them: folders in sorted order, then the
    sorted file names in each."""
    found = []
    for root, _, names in sorted(os.walk(folder, followlinks=follow_links), key=lambda t: t[0]):
        found += [os.path.join(root, n) for n in sorted(names) if n.lower().endswith(".txt")]
    return found


def _check_split(validation_split, subset, shuffle, seed) -> None:
    if validation_split is not None and (
            isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real)
            or not 0 <= validation_split < 1):
        raise ArgumentError(f"{_WHERE}: validation_split must be a number in [0, 1), got "
                            f"{validation_split!r}. Hint: 0.2 keeps a fifth for validation.")
    if subset not in ("training", "validation", "both", None):
        raise ArgumentError(f"{_WHERE}: subset must be 'training', 'validation', 'both' or None, "
                            f"got {subset!r}. Hint: 'both' returns [training, validation].")
    if bool(validation_split) != bool(subset):
        raise ArgumentError(
            f"{_WHERE}: validation_split and subset go together, got validation_split="
            f"{validation_split!r} and subset={subset!r}. Hint: validation_split=0.2, "
            "subset='training' (and the same seed for the 'validation' call)."
        )
    if validation_split and shuffle and seed is None:
        raise ArgumentError(
            f"{_WHERE}: with validation_split and shuffle=True, pass a seed, got seed=None. "
            "Hint: seed=1337 in both calls, so the two subsets do not overlap."
        )


def _index(directory: str, labels, class_names, follow_links: bool):
    """(file paths, integer labels or None, class names), in Keras's order."""
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not isinstance(class_names, (list, tuple)) or not set(class_names) <= set(
                    subdirs):
                raise ArgumentError(
                    f"{_WHERE}: class_names must name subfolders of {directory}, got "
                    f"{class_names!r}; the subfolders are {subdirs}. Hint: leave it None to "
                    "use them all, in alphanumeric order."
                )
            subdirs = list(class_names)
        paths, ids = [], []
        for i, sub in enumerate(subdirs):
            found = _text_files(os.path.join(directory, sub), follow_links)
            paths += found
            ids += [i] * len(found)
        return paths, np.asarray(ids, dtype=np.int32), list(subdirs)
    paths = _text_files(directory, follow_links)
    if labels is None:
        return paths, None, None
    if len(labels) != len(paths):
        raise ArgumentError(
            f"{_WHERE}: labels has {len(labels)} entries but {directory} holds {len(paths)} .txt "
            "files. Hint: one label per file, in the order of sorted paths (os.walk)."
        )
    ids = np.asarray(labels)
    if ids.size and ids.dtype.kind not in "iu":
        raise ArgumentError(f"{_WHERE}: labels must be integers, got dtype {ids.dtype}. Hint: "
                            "class indices 0 .. num_classes-1.")
    return paths, ids.astype(np.int64), [str(v) for v in sorted(set(ids.tolist()))]


def text_dataset_from_directory(directory, labels="inferred", label_mode: str | None = "int",
                                class_names: list[str] | None = None,
                                batch_size: int | None = 32, max_length: int | None = None,
                                shuffle: bool = True, seed: int | None = None,
                                validation_split: float | None = None,
                                subset: str | None = None, follow_links: bool = False,
                                verbose: bool = True):
    """The ``.txt`` files under ``directory`` as batches of ``(texts, labels)``.

    ``labels="inferred"`` takes the class of a file from its subfolder of ``directory``
    (``class_names`` picks and orders them); a list gives one integer label per file in the
    order of sorted paths; None gives texts only. ``label_mode``: ``"int"`` (int32 class
    indices), ``"categorical"`` (float32 one-hot rows), ``"binary"`` (float32 ``(n, 1)``, two
    classes), or None (no labels). ``max_length`` cuts each text to that many characters
    (Keras cuts bytes). With ``validation_split`` and ``subset="training"``, ``"validation"``
    or ``"both"`` (a list of the two), the last ``int(validation_split * n)`` files of the
    shuffled list are the validation ones.

    Keras returns a ``tf.data.Dataset`` of string tensors; this returns a shendu
    :class:`~shendu.utils.PyDataset` (``len(ds)`` batches, ``ds[i]`` one batch, texts as a 1-D
    object array of ``str``), which is what shendu's ``fit`` takes. Its ``class_names`` attribute
    is set as in Keras. The files are shuffled once; ``fit(shuffle=True)`` also reorders the
    batches each epoch, where Keras reshuffles files within a buffer.

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in "abcde":
    ...     _ = (root / f"{name}.txt").write_text(name * 3)
    >>> train, val = text_dataset_from_directory(root, labels=None, batch_size=8, seed=1,
    ...                                          validation_split=0.4, subset="both")
    Found 5 files.
    Using 3 files for training.
    Using 2 files for validation.
    >>> len(train[0]) + len(val[0])
    5
    """
    if not isinstance(directory, (str, os.PathLike)) or not os.path.isdir(directory):
        raise ArgumentError(f"{_WHERE}: directory must be an existing folder, got "
                            f"{directory!r}. Hint: the folder holding one subfolder per class.")
    directory = os.fspath(directory)
    listed = isinstance(labels, (list, tuple, np.ndarray))
    if not (listed or labels is None or (isinstance(labels, str) and labels == "inferred")):
        raise ArgumentError(
            f"{_WHERE}: labels must be 'inferred', None or a list of integer labels, got "
            f"{labels!r}. Hint: 'inferred' takes each file's class from its subfolder."
        )
    if class_names is not None and not (isinstance(labels, str) and labels == "inferred"):
        raise ArgumentError(f"{_WHERE}: class_names needs labels='inferred', got labels="
                            f"{labels!r:.60}. Hint: drop class_names, or infer the labels.")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ArgumentError(f"{_WHERE}: label_mode must be 'int', 'categorical', 'binary' or "
                            f"None, got {label_mode!r}. Hint: 'int' for "
                            "sparse_categorical_crossentropy.")
    for arg, value in (("batch_size", batch_size), ("max_length", max_length)):
        if value is not None and (isinstance(value, bool) or not isinstance(
                value, numbers.Integral) or value < 1):
            raise ArgumentError(f"{_WHERE}: {arg} must be a whole number >= 1 or None, got "
                                f"{value!r}. Hint: batch_size=32.")
    _check_split(validation_split, subset, shuffle, seed)
    paths, ids, names = _index(directory, list(labels) if listed else labels, class_names,
                               follow_links)
    if labels is None or label_mode is None:
        ids, label_mode = None, None
    if verbose:
        what = f" belonging to {len(names)} classes" if ids is not None else ""
        print(f"Found {len(paths)} files{what}.")
    if ids is not None and label_mode in ("binary", "categorical"):
        if label_mode == "binary" and len(names) != 2:
            raise ArgumentError(f"{_WHERE}: label_mode='binary' needs exactly 2 classes, got "
                                f"{names}. Hint: label_mode='int' or 'categorical'.")
        if ids.size and (ids.min() < 0 or ids.max() >= len(names)):
            raise ArgumentError(f"{_WHERE}: labels must lie in 0 .. {len(names) - 1} for "
                                f"label_mode={label_mode!r}, got {ids.min()} .. {ids.max()}. "
                                "Hint: number the classes from 0.")
    if shuffle:
        order = np.arange(len(paths))
        seed = int(backend.rng().integers(1_000_000)) if seed is None else seed
        np.random.RandomState(seed).shuffle(order)  # Keras's order for the same seed
        paths = [paths[i] for i in order]
        ids = None if ids is None else ids[order]

    def subset_of(kind):
        n_val = int(validation_split * len(paths)) if validation_split else 0
        part = slice(None) if kind is None else (
            slice(len(paths) - n_val, None) if kind == "validation" else
            slice(None, len(paths) - n_val))
        if kind is not None:
            if n_val == 0 or n_val == len(paths):
                raise DataError(
                    f"{_WHERE}: validation_split={validation_split} of {len(paths)} files "
                    f"leaves {n_val} for validation and {len(paths) - n_val} for training. "
                    "Hint: use a larger split or more files; each subset needs one file."
                )
            if verbose:
                chosen = n_val if kind == "validation" else len(paths) - n_val
                print(f"Using {chosen} files for {kind}.")
        if not paths:
            raise DataError(f"{_WHERE}: no .txt files found in {directory}. Hint: put the "
                            "texts in one subfolder per class, as name.txt files.")
        return TextFileDataset(paths[part], None if ids is None else ids[part], label_mode,
                               names, batch_size, max_length)

    if subset == "both":
        return [subset_of("training"), subset_of("validation")]
    return subset_of(subset)
