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

import numpy as np

from .. import backend
from ..errors import DataError
from . import directory_index as index

_WHERE = "text_dataset_from_directory"


class TextFileDataset(index.FileBatches):
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
        super().__init__(file_paths, labels, label_mode, class_names, batch_size)
        self.labels = None if labels is None else np.asarray(labels)  # kept for any label_mode
        self.max_length = max_length

    def load(self, path: str) -> str:
        # Keras keeps the raw bytes; shendu's text layers take str, so decode (bad bytes -> U+FFFD)
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        return text if self.max_length is None else text[:self.max_length]

    def stack(self, samples: list) -> np.ndarray:
        texts = np.empty(len(samples), dtype=object)
        texts[:] = samples
        return texts


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
    directory = index.check_directory(_WHERE, directory)
    labels = index.check_labels(_WHERE, labels, label_mode, class_names, clip=None)
    index.check_count(_WHERE, "batch_size", batch_size, "batch_size=32.")
    index.check_count(_WHERE, "max_length", max_length, "batch_size=32.")
    index.check_split(_WHERE, validation_split, subset, shuffle, seed)
    paths, ids, names = index.index_directory(_WHERE, directory, labels, (".txt",), class_names,
                                              shuffle=False, seed=None,
                                              follow_links=follow_links, verbose=False,
                                              files=".txt files")
    if isinstance(labels, str):  # inferred from the subfolders: int32 class indices
        ids = ids.astype(np.int32)
    if labels is None or label_mode is None:
        ids, label_mode = None, None
    if verbose:
        index.report_found(paths, ids, names)
    index.check_label_range(_WHERE, ids, names, label_mode)
    if shuffle:
        seed = int(backend.rng().integers(1_000_000)) if seed is None else seed
        paths, ids = index.shuffled(paths, ids, seed)
    if not paths and subset is None:  # with a subset, the split check below says it first
        raise DataError(f"{_WHERE}: no .txt files found in {directory}. Hint: put the "
                        "texts in one subfolder per class, as name.txt files.")
    parts = [TextFileDataset(paths[part], None if ids is None else ids[part], label_mode, names,
                             batch_size, max_length)
             for part in index.split_slices(_WHERE, len(paths), validation_split, subset,
                                            verbose)]
    return parts if subset == "both" else parts[0]
