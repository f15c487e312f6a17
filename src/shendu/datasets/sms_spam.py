"""The SMS Spam Collection: 5,574 English text messages labelled ham or spam.

T. A. Almeida, J. M. Gómez Hidalgo, A. Yamakami, *Contributions to the study of SMS spam
filtering: new collection and results* (DocEng 2011), UCI Machine Learning Repository,
CC BY 4.0. Read from a tab-separated file with a ``Label<TAB>SMS`` header (or none).

>>> from shendu.datasets import sms_spam
>>> sms_spam.LABELS
{'ham': 0, 'spam': 1}
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import ArgumentError, DataError, FileFormatError
from .digits import stratified_split

LABELS = {"ham": 0, "spam": 1}


def load_all(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """Every (text, label) in file order; labels 0 = ham, 1 = spam."""
    path = Path(os.fspath(path)).expanduser()
    if path.is_dir():
        candidates = sorted(path.glob("SMSSpamCollection*"))
        if not candidates:
            raise DataError(f"sms_spam.load_data: no SMSSpamCollection file in {str(path)!r}. "
                            "Hint: pass the .tsv file itself.")
        path = candidates[0]
    if not path.is_file():
        raise DataError(f"sms_spam.load_data: {str(path)!r} does not exist. Hint: pass the "
                        "SMSSpamCollection .tsv file or the folder holding it.")
    try:
        with open(path, encoding="utf-8") as f:
            lines = list(f)
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"sms_spam file {str(path)!r}: not UTF-8 text ({exc.reason} at "
                              f"byte {exc.start}). Hint: pass the original TSV.") from None
    texts, labels = [], []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line or (number == 1 and line.lower().startswith("label\t")):
            continue
        label, sep, text = line.partition("\t")
        if not sep or label.strip().lower() not in LABELS:
            raise FileFormatError(
                f"sms_spam file {str(path)!r}, line {number}: expected 'ham' or 'spam', a "
                f"tab, then the message; got {line[:40]!r}. Hint: pass the original TSV."
            )
        texts.append(text)
        labels.append(LABELS[label.strip().lower()])
    if not texts:
        raise DataError(f"sms_spam file {str(path)!r}: no messages in it. Hint: pass the "
                        "original TSV.")
    return texts, np.asarray(labels, dtype=np.int64)


def load_data(path: str | os.PathLike, test_size: float = 0.2, seed: int = 1337):
    """``((x_train, y_train), (x_test, y_test))``: a seeded, stratified split (80/20 default).

    x are object arrays of str, y int64 arrays (0 ham, 1 spam). Each class sends
    ``round(test_size · count)`` messages to the test side, drawn with ``seed``; both sides
    keep the file's order.
    """
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) \
            or not 0 < test_size < 1:
        raise ArgumentError(f"sms_spam.load_data: test_size must be in (0, 1), got "
                            f"{test_size!r}. Hint: 0.2 gives the standard 80/20 split.")
    texts, labels = load_all(path)
    array = np.empty(len(texts), dtype=object)
    array[:] = texts
    train_idx, test_idx = stratified_split(labels, test_size, seed)
    if not len(train_idx) or not len(test_idx):
        raise DataError(f"sms_spam.load_data: {len(texts)} messages with test_size={test_size} "
                        f"leave {len(train_idx)} for training and {len(test_idx)} for testing. "
                        "Hint: use a larger file (the original has 5,574 messages).")
    return (array[train_idx], labels[train_idx]), (array[test_idx], labels[test_idx])
