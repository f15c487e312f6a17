"""Datasets with Keras's loaders: ``mnist``, ``fashion_mnist``, ``cifar10``, ``imdb`` (downloaded
once with a SHA-256 check into ``$SHENDU_HOME/datasets``, or read from a local path), the 8×8
``digits`` shipped inside the package, and readers for the Free Spoken Digit Dataset (``fsdd``)
and the SMS Spam Collection (``sms_spam``).

>>> from shendu.datasets import digits
>>> (x_train, y_train), (x_test, y_test) = digits.load_data(flatten=True)
>>> x_train.shape[1], len(set(y_test.tolist()))
(64, 10)
"""

from . import cifar10, digits, fashion_mnist, fsdd, imdb, mnist, sms_spam
from ._download import default_cache_dir, fetch, sha256_of

__all__ = ["cifar10", "default_cache_dir", "digits", "fashion_mnist", "fetch", "fsdd", "imdb",
           "mnist", "sha256_of", "sms_spam"]
