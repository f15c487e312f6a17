"""Hashing and HashedCrossing: strings or integers into ``num_bins`` hashed bins, with Keras's
names, arguments, outputs and config, and TensorFlow's hashes bit for bit (FarmHash
``Fingerprint64``, SipHash-2-4 with a ``salt``, ``FingerprintCat64`` for crosses; see
``farmhash.py``), so a bin here is the bin Keras gives the same value.

>>> import numpy as np
>>> from shendu.layers import Hashing, HashedCrossing
>>> Hashing(num_bins=3)(np.array([["A"], ["B"], ["C"], ["D"], ["E"]])).data
array([[1],
       [0],
       [1],
       [1],
       [2]])
>>> HashedCrossing(num_bins=5)([np.array([1, 2]), np.array(["A", "B"])]).data
array([2, 3])
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Tensor
from ..errors import ArgumentError, DTypeError, ShapeError
from .base import Layer
from .farmhash import CROSS_HASH_KEY, fingerprint64, fingerprint_cat64, siphash24
from .node import Node, SymbolicTensor, is_symbolic, record_call
from .vocabulary import (
    check_bin_mode,
    encode_ids,
    encoded_shape,
    refuse_sparse,
    whole_numbers,
)

MODES = ("int", "one_hot", "multi_hot", "count")


def _check_num_bins(num_bins, where: str) -> int:
    if isinstance(num_bins, bool) or not isinstance(num_bins, numbers.Integral) or num_bins < 1:
        raise ArgumentError(f"{where}: num_bins must be an integer >= 1, got {num_bins!r}. "
                            "Hint: num_bins=100 hashes every value into bins 0..99.")
    return int(num_bins)


def _values(inputs, where: str):
    """(flat keys, shape, kind): the inputs as a flat array of bytes objects (``kind`` 'str')
    or of int64 (``kind`` 'int'). Floats must hold whole numbers (models cast inputs to
    float32); booleans become Keras's text ``b"true"`` / ``b"false"``."""
    data = inputs.data if isinstance(inputs, Tensor) else inputs
    try:
        array = np.asarray(data)
    except ValueError:
        raise ShapeError(f"{where}: expected a rectangular batch, got rows of different "
                         "lengths. Hint: pad the rows to one length first.") from None
    if array.dtype.kind == "U":
        return np.array([s.encode("utf-8") for s in array.ravel().tolist()], dtype=object), \
            array.shape, "str"
    if array.dtype.kind in "SO":
        flat = array.ravel().tolist()
        bad = next((v for v in flat if not isinstance(v, (str, bytes))), None)
        if bad is not None:
            raise DTypeError(f"{where}: expected strings or integers, got an element of type "
                             f"{type(bad).__name__}: {bad!r}. Hint: every value must be a str "
                             "(or all values integers); fill missing values with ''.")
        keys = [v.encode("utf-8") if isinstance(v, str) else v for v in flat]
        return np.array(keys, dtype=object), array.shape, "str"
    if array.dtype.kind == "b":
        keys = [b"true" if v else b"false" for v in array.ravel().tolist()]
        return np.array(keys, dtype=object), array.shape, "str"
    if array.dtype.kind not in "iuf":
        raise DTypeError(f"{where}: expected strings or integers, got an array of dtype "
                         f"{array.dtype}. Hint: np.asarray(x, dtype=str) or x.astype('int64').")
    return whole_numbers(array, where, "values").ravel(), array.shape, "int"


def _as_bytes(keys: np.ndarray, kind: str) -> list[bytes]:
    """The bytes TensorFlow hashes: a string's bytes, an integer's decimal digits."""
    return keys.tolist() if kind == "str" else [str(v).encode("ascii") for v in keys.tolist()]


class Hashing(Layer):
    """Keras's ``Hashing(num_bins, mask_value=None, salt=None, output_mode="int",
    sparse=False)``: each string or integer becomes a bin in ``0..num_bins-1``, its hash modulo
    ``num_bins`` (integers are hashed as their decimal digits, as Keras does).

    Without ``salt`` the hash is FarmHash ``Fingerprint64`` (TensorFlow's
    ``tf.strings.to_hash_bucket_fast``); with a ``salt`` (an integer ``s``, meaning
    ``[s, s]``, or two integers) it is SipHash-2-4 keyed by the salt
    (``tf.strings.to_hash_bucket_strong``). The bins are Keras's exactly. With a
    ``mask_value`` (a string or an integer, as the inputs), that value gets bin 0 and the
    others the ``num_bins - 1`` bins from 1 on. ``output_mode``: ``"int"`` (int64 bins, the
    input's shape), or ``"one_hot"``, ``"multi_hot"``, ``"count"`` float vectors of length
    ``num_bins`` (as CategoryEncoding).

    Floats must hold whole numbers (a model casts its numeric inputs to float32); Keras
    truncates 1.5 to 1, shendu refuses it. There are no weights; ``adapt`` is not needed.

    >>> Hashing(num_bins=3, mask_value="")(np.array([["A"], [""], ["C"]])).data
    array([[1],
           [0],
           [2]])
    >>> Hashing(num_bins=3, salt=133)(np.array([["A"], ["B"], ["C"]])).data
    array([[0],
           [0],
           [2]])
    >>> Hashing(num_bins=4, output_mode="count")(np.array([[1, 2, 1]])).data
    array([[0., 2., 0., 1.]], dtype=float32)
    """

    @property
    def takes_strings(self) -> bool:
        """True (a model starting with it keeps x as text) unless it is first in a Sequential
        that declares a numeric ``Input``: then x holds integer ids."""
        owner = self.__dict__.get("_graph_owner")
        model = owner() if owner is not None else None
        symbol = model.__dict__.get("_input_symbol") if model is not None else None
        return symbol is None or symbol.dtype == "string"

    def __init__(self, num_bins: int, mask_value=None, salt=None, output_mode: str = "int",
                 sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        where = self._where = f"Hashing '{self.name}'"
        self.num_bins = _check_num_bins(num_bins, where)
        check_bin_mode(output_mode, MODES, where)
        refuse_sparse(sparse, where)
        if mask_value is not None and (isinstance(mask_value, bool) or not isinstance(
                mask_value, (str, bytes, numbers.Integral))):
            raise ArgumentError(f"{where}: mask_value must be a string, an integer or None, got "
                                f"{mask_value!r}. Hint: mask_value='' for padded text.")
        if isinstance(mask_value, bytes):
            mask_value = mask_value.decode("utf-8")
        self.mask_value = int(mask_value) if isinstance(mask_value, numbers.Integral) \
            else mask_value
        self.salt = None if salt is None else self._salt(salt)
        self.strong_hash = self.salt is not None
        self.output_mode, self.sparse = output_mode, False
        self.built = True

    def _salt(self, salt) -> list[int]:
        def whole(v):
            return isinstance(v, numbers.Integral) and not isinstance(v, bool)

        if whole(salt):
            return [int(salt), int(salt)]
        if isinstance(salt, (list, tuple)) and len(salt) == 2 and all(whole(v) for v in salt):
            return [int(v) for v in salt]
        raise ArgumentError(f"{self._where}: salt must be an integer or a pair of integers, got "
                            f"{salt!r}. Hint: salt=133 (the key [133, 133]), or salt=(1, 2).")

    def _hash(self, data: bytes, bins: int) -> int:
        if self.salt is not None:
            return siphash24(data, self.salt[0], self.salt[1]) % bins
        return fingerprint64(data) % bins

    # -- forward -------------------------------------------------------------------------------
    def __call__(self, inputs, *args, training=None, mask=None, **kwargs):
        if is_symbolic(inputs):
            dtype = "int64" if self.output_mode == "int" else self.compute_dtype
            return record_call(self, inputs, self.compute_output_shape(tuple(inputs.shape)),
                               dtype, kwargs)
        return self.call(inputs)

    def call(self, inputs):
        keys, shape, kind = _values(inputs, self._where)
        if self.output_mode != "int":
            self.compute_output_shape(shape)  # the rank check, before any work
        masked = self.mask_value is not None and self.num_bins > 1  # as Keras: 1 bin, no mask
        if masked and isinstance(self.mask_value, str) != (kind == "str"):
            raise DTypeError(f"{self._where}: mask_value={self.mask_value!r} is a "
                             f"{'string' if isinstance(self.mask_value, str) else 'number'}, "
                             f"but the inputs are {'strings' if kind == 'str' else 'numbers'}. "
                             "Hint: give a mask_value of the inputs' kind.")
        uniq, inverse = np.unique(keys, return_inverse=True)
        bins = self.num_bins - 1 if masked else self.num_bins
        ids = np.array([self._hash(b, bins) for b in _as_bytes(uniq, kind)], dtype=np.int64)
        if masked:
            target = self.mask_value.encode("utf-8") if kind == "str" else self.mask_value
            ids = np.where(uniq == target, 0, ids + 1) if uniq.size else ids
        ids = ids[inverse.reshape(-1)].reshape(shape) if uniq.size else np.zeros(shape, np.int64)
        if self.output_mode == "int":
            return Tensor(ids)
        return Tensor(encode_ids(ids, self.num_bins, self.output_mode, self._where)
                      .astype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        if self.output_mode != "one_hot" and len(shape) > 2:
            raise ShapeError(f"{self._where}: output_mode={self.output_mode!r} takes inputs of "
                             f"rank 1 (one sample) or 2 (samples, values), got shape {shape}. "
                             "Hint: reshape to (samples, values) first, or use "
                             "output_mode='one_hot'.")
        return encoded_shape(shape, self.num_bins, self.output_mode)

    def get_config(self):
        config = super().get_config()
        config.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                      output_mode=self.output_mode, sparse=self.sparse)
        return config


class HashedCrossing(Layer):
    """Keras's ``HashedCrossing(num_bins, output_mode="int", sparse=False)``: crosses two or
    more categorical features into one, ``hash(feature_1, feature_2, ...) % num_bins``, with
    TensorFlow's ``tf.sparse.cross_hashed`` hash (so Keras's bins): starting from the key
    ``0xDECAFCAFFE``, ``FingerprintCat64`` folds in each feature in turn, a string's FarmHash
    ``Fingerprint64`` or an integer's own 64 bits.

    Called on a list of features of equal shape ``()``, ``(batch,)`` or ``(batch, 1)``,
    strings or integers (floats holding whole numbers pass: models cast numeric inputs to
    float32). ``output_mode``: ``"int"`` (int64 bins, the inputs' shape) or ``"one_hot"``
    (float vectors of length ``num_bins``).

    >>> HashedCrossing(num_bins=5, output_mode="one_hot")(
    ...     [np.array([[1], [2]]), np.array([["A"], ["B"]])]).data
    array([[0., 0., 1., 0., 0.],
           [0., 0., 0., 1., 0.]], dtype=float32)
    """

    takes_strings = True  # string features pass through a functional graph to it

    def __init__(self, num_bins: int, output_mode: str = "int", sparse: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        where = self._where = f"HashedCrossing '{self.name}'"
        self.num_bins = _check_num_bins(num_bins, where)
        if output_mode not in ("int", "one_hot"):
            raise ArgumentError(f"{where}: output_mode must be 'int' or 'one_hot', got "
                                f"{output_mode!r}. Hint: 'int' for bin indices, 'one_hot' for "
                                "one vector per crossed value.")
        refuse_sparse(sparse, where)
        self.output_mode, self.sparse = output_mode, False
        self.built = True

    def _check_shapes(self, shapes: list[tuple]) -> tuple:
        where = self._where
        first = tuple(shapes[0])
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ShapeError(f"{where}: every feature must have shape (), (batch,) or "
                             f"(batch, 1), got {first}. Hint: one value per sample, e.g. "
                             "x.reshape(-1, 1).")
        if any(tuple(s) != first for s in shapes[1:]):
            raise ShapeError(f"{where}: the features must have equal shapes, got "
                             f"{[tuple(s) for s in shapes]}. Hint: one value per sample in "
                             "each feature.")
        return first

    def _check_list(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            got = f"{len(inputs)} input" if isinstance(inputs, (list, tuple)) \
                else type(inputs).__name__
            raise ArgumentError(f"{self._where}: expected a list of at least two features, got "
                                f"{got}. Hint: HashedCrossing(num_bins)([feature_a, "
                                "feature_b]).")

    def __call__(self, inputs, *args, training=None, mask=None, **kwargs):
        self._check_list(inputs)
        if is_symbolic(inputs):
            if not all(isinstance(t, SymbolicTensor) for t in inputs):
                raise ArgumentError(f"{self._where}: in a graph every feature must be a "
                                    "symbolic tensor (from Input or a layer). Hint: make each "
                                    "feature an Input.")
            shape = self.compute_output_shape([t.shape for t in inputs])
            dtype = "int64" if self.output_mode == "int" else self.compute_dtype
            outputs = SymbolicTensor(shape, dtype)
            Node(self, list(inputs), [outputs], kwargs)
            return outputs
        return self.call(inputs)

    def call(self, inputs):
        self._check_list(inputs)
        features = [_values(x, self._where) for x in inputs]
        shape = self._check_shapes([s for _, s, _ in features])
        columns = []
        for keys, _, kind in features:  # each feature's 64-bit fingerprints
            uniq, inverse = np.unique(keys, return_inverse=True)
            if kind == "str":
                prints = np.array([fingerprint64(b) for b in uniq.tolist()], dtype=np.uint64)
            else:
                prints = uniq.astype(np.int64).view(np.uint64)  # an integer's own bits
            columns.append(prints[inverse.reshape(-1)] if uniq.size else prints)
        rows, inverse = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
        crossed = []
        for row in rows.tolist():
            value = CROSS_HASH_KEY
            for fingerprint in row:
                value = fingerprint_cat64(value, fingerprint)
            crossed.append(value % self.num_bins)
        ids = np.array(crossed, dtype=np.int64)
        ids = ids[inverse.reshape(-1)].reshape(shape) if rows.size else np.zeros(shape, np.int64)
        if self.output_mode == "int":
            return Tensor(ids)
        return Tensor(encode_ids(ids, self.num_bins, "one_hot", self._where)
                      .astype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        shapes = list(input_shape)
        if len(shapes) < 2 or not all(isinstance(s, (list, tuple)) for s in shapes):
            raise ArgumentError(f"{self._where}: expected the shapes of at least two features, "
                                f"got {input_shape!r}. Hint: [(None, 1), (None, 1)].")
        shape = self._check_shapes(shapes)
        if self.output_mode == "int":
            return shape
        return encoded_shape(shape, self.num_bins, "one_hot")

    def get_config(self):
        config = super().get_config()
        config.update(num_bins=self.num_bins, output_mode=self.output_mode, sparse=self.sparse)
        return config


__all__ = ["HashedCrossing", "Hashing"]
