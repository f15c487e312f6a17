"""Fashion-MNIST: Zalando article images, 60,000 + 10,000, 28×28 uint8, 10 classes.

H. Xiao, K. Rasul, R. Vollgraf, *Fashion-MNIST: a novel image dataset for benchmarking machine
learning algorithms* (2017), MIT licence. Downloaded, when needed, as the four IDX files
(SHA-256 checked). Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.

>>> from shendu.datasets import fashion_mnist
>>> sorted(fashion_mnist.FILES)[0]
't10k-images-idx3-ubyte.gz'
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._download import fetch
from ._idx import load_folder_or_npz, load_idx, load_split

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = {
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}


def load_data(path: str | os.PathLike | None = None
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Keras's ``fashion_mnist.load_data``: ``((x_train, y_train), (x_test, y_test))``, uint8.

    ``path`` may be a folder holding the four IDX files or an .npz with ``x_train``...;
    with None the files are downloaded once into ``$SHENDU_HOME/datasets/fashion-mnist``.
    """
    if path is None:
        from ._download import default_cache_dir

        folder = default_cache_dir() / "fashion-mnist"
        for name, digest in FILES.items():
            fetch(BASE_URL + name, digest, fname=name, cache_dir=folder)
        path = folder
    return load_folder_or_npz(Path(os.fspath(path)).expanduser())


__all__ = ["load_data", "load_idx", "load_split"]
