"""StringLookup and IntegerLookup: tokens → indices into a vocabulary (or back, ``invert``),
learnt by ``adapt`` or given; Keras's names, arguments, defaults and index layout. The
vocabulary and idf weights live in ``get_config``, so the layers save and load with their model;
they have no weights. The index layout, ``adapt``'s ranking (ties: the higher token first, as
Keras) and the forward live in ``index_lookup.py``.

>>> from shendu.layers import StringLookup
>>> layer = StringLookup()
>>> layer.adapt(["cat", "dog", "dog", "emu", "cat", "ant"])
>>> layer.get_vocabulary()
['[UNK]', 'dog', 'cat', 'emu', 'ant']
>>> layer([["dog", "yak"], ["ant", "cat"]]).data
array([[1, 0],
       [4, 2]])
"""

from __future__ import annotations

import numbers
import zlib

import numpy as np

from ..errors import ArgumentError, DTypeError, ShapeError
from .index_lookup import IndexLookup, layer_data
from .node import record_call
from .vocabulary import whole_numbers


class StringLookup(IndexLookup):
    """Keras's ``StringLookup(max_tokens=None, num_oov_indices=1, mask_token=None,
    oov_token="[UNK]", vocabulary=None, idf_weights=None, invert=False, output_mode="int",
    pad_to_max_tokens=False, sparse=False, encoding="utf-8")``: strings → int64 indices, or
    one-hot / multi-hot / count / tf-idf float vectors (the modes of CategoryEncoding; tf-idf
    multiplies counts by ``log(1 + documents / (1 + documents containing the token))``).

    With ``num_oov_indices > 1`` an unknown string goes to OOV index ``crc32(utf-8) %
    num_oov_indices`` (Keras uses FarmHash, so the bucket can differ from Keras's).

    >>> layer = StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")
    >>> layer([["a", "z"], ["b", "b"]]).data
    array([[1., 1., 0.],
           [0., 0., 1.]], dtype=float32)
    >>> StringLookup(vocabulary=["a", "b"], invert=True)([[2, 0]]).data
    array([['b', '[UNK]']], dtype='<U5')
    """

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: str | None = None, oov_token: str = "[UNK]", vocabulary=None,
                 idf_weights=None, invert: bool = False, output_mode: str = "int",
                 pad_to_max_tokens: bool = False, sparse: bool = False, encoding: str = "utf-8",
                 **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)
        self.takes_strings = not self.invert  # a model starting with it keeps x as text

    def _token(self, value, arg: str):
        if isinstance(value, bytes):
            return value.decode(self.encoding)
        if not isinstance(value, str):
            raise DTypeError(f"{self._where}: {arg} must hold strings, got {value!r} "
                             f"({type(value).__name__}). Hint: IntegerLookup maps integers.")
        return str(value)

    def _keys(self, inputs) -> np.ndarray:
        data = layer_data(inputs)
        try:
            array = np.asarray(data)
        except ValueError:
            raise ShapeError(f"{self._where}: expected a rectangular batch of strings, got rows "
                             "of different lengths. Hint: pad the rows, e.g. with the "
                             "mask_token.") from None
        if array.size == 0:
            return array.astype(str)
        if array.dtype.kind == "S":
            return np.char.decode(array, self.encoding)
        if array.dtype.kind == "O":
            return self._token_array(np.array([self._token(v, "inputs") for v in array.ravel()],
                                              dtype=object).reshape(array.shape))
        if array.dtype.kind != "U":
            raise DTypeError(f"{self._where}: expected strings, got an array of dtype "
                             f"{array.dtype}. Hint: IntegerLookup maps integers; to look "
                             "indices up, use invert=True.")
        return array

    def _token_array(self, values: np.ndarray) -> np.ndarray:
        if all(isinstance(v, str) for v in values.ravel()):
            return values.astype(str) if values.size else values.astype("U1")
        return values  # an oov_token or mask_token of None

    def _buckets(self, unknown: np.ndarray) -> np.ndarray:
        return np.array([zlib.crc32(s.encode("utf-8")) % self.num_oov_indices
                         for s in unknown.tolist()], dtype=np.int64)

    def _symbolic(self, inputs, kwargs):
        if self.invert:
            return record_call(self, inputs, tuple(inputs.shape), "string", kwargs)
        if inputs.dtype != "string":
            raise DTypeError(f"{self._where}: takes strings, got a symbolic input of dtype "
                             f"{inputs.dtype}. Hint: Input(shape=(1,), dtype='string').")
        return super()._symbolic(inputs, kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(encoding=self.encoding)
        return config


class IntegerLookup(IndexLookup):
    """Keras's ``IntegerLookup(max_tokens=None, num_oov_indices=1, mask_token=None,
    oov_token=-1, vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
    output_mode="int", sparse=False, pad_to_max_tokens=False)``: arbitrary integers (ids, codes,
    years) → int64 indices 0, 1, 2... or vectors, as StringLookup does for strings. Floats that
    hold whole numbers are accepted (models cast inputs to float32, exact up to 2**24).

    With ``num_oov_indices > 1`` an unknown value ``v`` goes to OOV index ``v mod
    num_oov_indices`` (Keras's ``oov_method="floormod"``).

    >>> layer = IntegerLookup(mask_token=0)
    >>> layer.adapt([[12, 7, 12], [0, 7, 3]])
    >>> layer.get_vocabulary()
    [0, -1, 12, 7, 3]
    >>> layer([[7, 0, 99]]).data
    array([[3, 0, 1]])
    """

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: int | None = None, oov_token: int = -1, vocabulary=None,
                 vocabulary_dtype: str = "int64", idf_weights=None, invert: bool = False,
                 output_mode: str = "int", sparse: bool = False, pad_to_max_tokens: bool = False,
                 oov_method: str = "floormod", salt=None, **kwargs):
        where = f"IntegerLookup '{kwargs.get('name') or 'integer_lookup'}'"
        if vocabulary_dtype != "int64":
            raise ArgumentError(f"{where}: vocabulary_dtype must be 'int64' (as in Keras), got "
                                f"{vocabulary_dtype!r}. Hint: leave it out.")
        if oov_method != "floormod" or salt is not None:
            raise ArgumentError(f"{where}: only oov_method='floormod' without salt is supported, "
                                f"got oov_method={oov_method!r}, salt={salt!r}. Hint: leave "
                                "both out.")
        self.vocabulary_dtype, self.oov_method, self.salt = "int64", "floormod", None
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)

    def _token(self, value, arg: str):
        whole = isinstance(value, numbers.Integral) or (
            isinstance(value, (float, np.floating)) and np.isfinite(value) and value == int(value))
        if isinstance(value, (bool, np.bool_)) or not whole:
            raise DTypeError(f"{self._where}: {arg} must hold integers, got {value!r} "
                             f"({type(value).__name__}). Hint: StringLookup maps strings.")
        return int(value)

    def _keys(self, inputs) -> np.ndarray:
        try:
            array = np.asarray(layer_data(inputs))
        except ValueError:
            raise ShapeError(f"{self._where}: expected a rectangular batch of integers, got "
                             "rows of different lengths. Hint: pad the rows, e.g. with the "
                             "mask_token.") from None
        return whole_numbers(array, self._where, "values")

    def _token_array(self, values: np.ndarray) -> np.ndarray:
        if all(isinstance(v, numbers.Integral) for v in values.ravel()):
            return values.astype(np.int64)
        return values  # an oov_token or mask_token of None

    def _buckets(self, unknown: np.ndarray) -> np.ndarray:
        return np.mod(unknown, self.num_oov_indices)

    def get_config(self):
        config = super().get_config()
        config.update(vocabulary_dtype=self.vocabulary_dtype, oov_method=self.oov_method,
                      salt=self.salt)
        return config


__all__ = ["IntegerLookup", "StringLookup"]
