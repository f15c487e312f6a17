"""What ``image_dataset_from_directory`` and ``audio_dataset_from_directory`` share: their
argument checks, the listing of a folder's files in Keras's order, Keras's training /
validation split, and :class:`FileBatches`, a PyDataset that reads a batch's files when asked.

Files are listed as Keras lists them: the class subfolders in alphanumeric order (or the order
of ``class_names``), ``os.walk`` below each with folders and names sorted, then shuffled once
with ``numpy.random.RandomState(seed)``; the last ``int(validation_split * n)`` files are the
validation subset. So for the same seed the subsets hold the same files as Keras's.

>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for name in ("b/2.png", "a/1.png", "a/0.PNG", "a/notes.txt"):
...     (root / name).parent.mkdir(exist_ok=True)
...     _ = (root / name).write_bytes(b"")
>>> paths, ids, names = index_directory("demo", str(root), "inferred", (".png",), None,
...                                     shuffle=False, seed=None, follow_links=False,
...                                     verbose=True)
Found 3 files belonging to 2 classes.
>>> [pathlib.Path(p).name for p in paths], ids.tolist(), names
(['0.PNG', '1.png', '2.png'], [0, 0, 1], ['a', 'b'])
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

from ..data.sources import PyDataset
from ..errors import ArgumentError, DataError

LABEL_MODES = ("int", "categorical", "binary", None)


def check_directory(where: str, directory) -> str:
    if not isinstance(directory, (str, os.PathLike)) or not os.path.isdir(directory):
        raise ArgumentError(f"{where}: directory must be an existing folder, got "
                            f"{directory!r}. Hint: the folder holding one subfolder per class.")
    return os.fspath(directory)


def check_labels(where: str, labels, label_mode, class_names, clip: int | None = 80):
    """``labels`` as 'inferred', None or a list of ints; raises on bad combinations. A bad
    ``labels`` is quoted up to ``clip`` characters (None: whole)."""
    listed = isinstance(labels, (list, tuple, np.ndarray))
    if not (listed or labels is None or (isinstance(labels, str) and labels == "inferred")):
        raise ArgumentError(
            f"{where}: labels must be 'inferred', None or a list of integer labels, got "
            f"{repr(labels)[:clip]}. Hint: 'inferred' takes each file's class from its subfolder."
        )
    if class_names is not None and (listed or labels is None):
        raise ArgumentError(f"{where}: class_names needs labels='inferred', got labels="
                            f"{labels!r:.60}. Hint: drop class_names, or infer the labels.")
    if label_mode not in LABEL_MODES:
        raise ArgumentError(f"{where}: label_mode must be 'int', 'categorical', 'binary' or "
                            f"None, got {label_mode!r}. Hint: 'int' for "
                            "sparse_categorical_crossentropy.")
    return list(labels) if listed else labels


def check_count(where: str, arg: str, value, hint: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(
            value, numbers.Integral) or value < 1):
        raise ArgumentError(f"{where}: {arg} must be a whole number >= 1 or None, got "
                            f"{value!r}. Hint: {hint}")


def check_split(where: str, validation_split, subset, shuffle, seed) -> None:
    if validation_split is not None and (
            isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real)
            or not 0 <= validation_split < 1):
        raise ArgumentError(f"{where}: validation_split must be a number in [0, 1), got "
                            f"{validation_split!r}. Hint: 0.2 keeps a fifth for validation.")
    if subset not in ("training", "validation", "both", None):
        raise ArgumentError(f"{where}: subset must be 'training', 'validation', 'both' or None, "
                            f"got {subset!r}. Hint: 'both' returns [training, validation].")
    if bool(validation_split) != bool(subset):
        raise ArgumentError(
            f"{where}: validation_split and subset go together, got validation_split="
            f"{validation_split!r} and subset={subset!r}. Hint: validation_split=0.2, "
            "subset='training' (and the same seed for the 'validation' call)."
        )
    if validation_split and shuffle and seed is None:
        raise ArgumentError(
            f"{where}: with validation_split and shuffle=True, pass a seed, got seed=None. "
            "Hint: seed=1337 in both calls, so the two subsets do not overlap."
        )


def _files(folder: str, formats: tuple[str, ...], follow_links: bool) -> list[str]:
    found = []
    for root, _, names in sorted(os.walk(folder, followlinks=follow_links), key=lambda t: t[0]):
        found += [os.path.join(root, n) for n in sorted(names) if n.lower().endswith(formats)]
    return found


def report_found(paths: list[str], ids, names) -> None:
    """Keras's "Found N files belonging to M classes." line."""
    what = f" belonging to {len(names)} classes" if ids is not None else ""
    print(f"Found {len(paths)} files{what}.")


def shuffled(paths: list[str], ids, seed: int):
    """``paths`` and ``ids`` in Keras's shuffled order for ``seed``."""
    order = np.arange(len(paths))
    np.random.RandomState(seed).shuffle(order)  # Keras's order for the same seed
    return [paths[i] for i in order], None if ids is None else ids[order]


def index_directory(where: str, directory: str, labels, formats: tuple[str, ...], class_names,
                    shuffle: bool, seed, follow_links: bool, verbose: bool,
                    files: str | None = None):
    """(file paths, int labels or None, class names or None), listed and shuffled as Keras.
    ``files`` names the files in the labels-count error (default: "files of the formats ...").
    """
    if isinstance(labels, str):  # "inferred"
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not isinstance(class_names, (list, tuple)) or not set(class_names) <= set(
                    subdirs):
                raise ArgumentError(
                    f"{where}: class_names must name subfolders of {directory}, got "
                    f"{class_names!r}; the subfolders are {subdirs}. Hint: leave it None to "
                    "use them all, in alphanumeric order."
                )
            subdirs = list(class_names)
        paths, ids = [], []
        for i, sub in enumerate(subdirs):
            found = _files(os.path.join(directory, sub), formats, follow_links)
            paths += found
            ids += [i] * len(found)
        ids, names = np.asarray(ids, dtype=np.int64), list(subdirs)
    else:
        paths, ids, names = _files(directory, formats, follow_links), None, None
        if labels is not None:
            if len(labels) != len(paths):
                raise ArgumentError(
                    f"{where}: labels has {len(labels)} entries but {directory} holds "
                    f"{len(paths)} {files or f'files of the formats {formats}'}. Hint: one "
                    "label per file, in the order of sorted paths (os.walk)."
                )
            ids = np.asarray(labels)
            if ids.size and ids.dtype.kind not in "iu":
                raise ArgumentError(f"{where}: labels must be integers, got dtype {ids.dtype}. "
                                    "Hint: class indices 0 .. num_classes-1.")
            ids = ids.astype(np.int64)
            names = [str(v) for v in sorted(set(ids.tolist()))]
    if verbose:
        report_found(paths, ids, names)
    if shuffle:
        paths, ids = shuffled(paths, ids, np.random.randint(1_000_000) if seed is None else seed)
    return paths, ids, names


def check_label_range(where: str, ids, names, label_mode) -> None:
    if ids is None or label_mode not in ("binary", "categorical"):
        return
    if label_mode == "binary" and len(names) != 2:
        raise ArgumentError(f"{where}: label_mode='binary' needs exactly 2 classes, got "
                            f"{names}. Hint: label_mode='int' or 'categorical'.")
    if ids.size and (ids.min() < 0 or ids.max() >= len(names)):
        raise ArgumentError(f"{where}: labels must lie in 0 .. {len(names) - 1} for "
                            f"label_mode={label_mode!r}, got {ids.min()} .. {ids.max()}. "
                            "Hint: number the classes from 0.")


def subsets(where: str, paths: list[str], ids, validation_split, subset, verbose: bool,
            what: str, directory: str, formats: tuple[str, ...]):
    """[(paths, ids)] for ``subset`` (two pairs for 'both'), by Keras's split rule."""
    if not paths:
        raise DataError(f"{where}: no {what} found in {directory} (formats {formats}). Hint: "
                        "put the files in one subfolder per class.")
    return [(paths[part], None if ids is None else ids[part])
            for part in split_slices(where, len(paths), validation_split, subset, verbose)]


def split_slices(where: str, count: int, validation_split, subset, verbose: bool):
    """[slice] of ``count`` files for ``subset`` (two for 'both'), by Keras's split rule;
    prints "Using N files for training." as it goes."""
    n_val = int(validation_split * count) if validation_split else 0
    kinds = ["training", "validation"] if subset == "both" else [subset]
    out = []
    for kind in kinds:
        if kind is None:
            out.append(slice(None))
            continue
        if n_val == 0 or n_val == count:
            raise DataError(
                f"{where}: validation_split={validation_split} of {count} files leaves "
                f"{n_val} for validation and {count - n_val} for training. Hint: use a "
                "larger split or more files; each subset needs one file."
            )
        if verbose:
            print(f"Using {n_val if kind == 'validation' else count - n_val} files for {kind}.")
        out.append(slice(count - n_val, None) if kind == "validation" else slice(
            None, count - n_val))
    return out


def encode_labels(ids: np.ndarray, label_mode: str, num_classes: int) -> np.ndarray:
    """int32 indices, float32 one-hot rows, or float32 (n, 1) zeros and ones."""
    if label_mode == "binary":
        return ids.astype(np.float32)[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[ids]
    return ids.astype(np.int32)


class FileBatches(PyDataset):
    """Batches of files: ``(samples, labels)`` per index (samples alone without labels). A
    subclass defines ``load(path)`` (one sample) and may change ``stack(samples)``.
    ``file_paths`` and ``class_names`` say what it holds, as in Keras.

    >>> class Sizes(FileBatches):
    ...     def load(self, path):
    ...         return np.float32(len(path))
    >>> Sizes(["a", "bb", "ccc"], np.array([0, 1, 1]), "int", ["x", "y"], batch_size=2)[0]
    (array([1., 2.], dtype=float32), array([0, 1], dtype=int32))
    """

    def __init__(self, file_paths: list[str], labels, label_mode: str | None,
                 class_names: list[str] | None, batch_size: int | None = 32) -> None:
        super().__init__()
        self.file_paths = list(file_paths)
        self.labels = None if labels is None or label_mode is None else np.asarray(labels)
        self.label_mode, self.class_names = label_mode, class_names
        self.batch_size = batch_size

    def load(self, path: str):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def stack(self, samples: list) -> np.ndarray:
        return np.stack(samples)

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self.batch_size)

    def __getitem__(self, index: int):
        where = type(self).__name__
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise ArgumentError(f"{where}: index must be an int, got {index!r}. "
                                "Hint: ds[0] is the first batch.")
        count = len(self)
        if not -count <= index < count:
            raise IndexError(f"{where}: batch {index} of {count} does not exist.")
        index %= count
        size = self.batch_size or 1
        part = slice(index * size, (index + 1) * size)
        samples = [self.load(p) for p in self.file_paths[part]]
        labels = None if self.labels is None else encode_labels(
            self.labels[part], self.label_mode, len(self.class_names or ()))
        if self.batch_size is None:  # one sample, no batch axis (Keras's batch_size=None)
            x, labels = samples[0], None if labels is None else labels[0]
        else:
            x = self.stack(samples)
        return x if labels is None else (x, labels)
