"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28×28, uint8.

Y. LeCun, C. Cortes, C. J. C. Burges, *The MNIST database of handwritten digits*
(CC BY-SA 3.0). Downloaded, when needed, as the Keras ``mnist.npz`` file (SHA-256 checked).

>>> from shendu.datasets import mnist
>>> callable(mnist.load_data) and callable(mnist.load_idx)
True
"""

from __future__ import annotations

import os

import numpy as np

from ._idx import load_folder_or_npz, load_idx, load_split
from ._resolve import local_or_download

URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str | os.PathLike | None = None
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Keras's ``mnist.load_data``: ``((x_train, y_train), (x_test, y_test))``, uint8 arrays.

    ``path`` may be a local ``mnist.npz``, a folder holding the four IDX files
    (``train-images-idx3-ubyte.gz``...), or a file name under the cache folder
    (``$SHENDU_HOME/datasets``); with None the Keras file is downloaded there once.
    Images have shape (n, 28, 28), labels (n,).
    """
    return load_folder_or_npz(local_or_download(path, URL, SHA256, "mnist.npz"))


__all__ = ["load_data", "load_idx", "load_split"]
