"""The machinery StringLookup and IntegerLookup share (Keras's ``IndexLookup``): the index
layout, setting and adapting a vocabulary, the forward in every output mode, the config.

Index layout (as Keras): in ``"int"`` mode the mask token (when set) is index 0; then come
``num_oov_indices`` out-of-vocabulary indices, then the tokens. In the other modes the mask
token has no index (masked values add nothing). ``adapt`` ranks tokens by decreasing count,
ties broken by the token, high to low (``"b"`` before ``"a"``, 7 before 3), as Keras does.

>>> from shendu.layers import IntegerLookup
>>> layer = IntegerLookup(mask_token=0, num_oov_indices=2, vocabulary=[7, 3])
>>> layer.get_vocabulary()
[0, -1, -1, 7, 3]
>>> layer([0, 3, 8, 9]).data  # 8 and 9: OOV index 1 + (value mod 2)
array([0, 4, 1, 2])
"""

from __future__ import annotations

import numbers
from collections import Counter

import numpy as np

from ..autograd import Tensor
from ..errors import ArgumentError, DataError, ShapeError
from .base import Layer
from .node import is_symbolic, record_call
from .vocabulary import (
    encode_ids,
    encoded_shape,
    inverse_document_frequency,
    rank_tokens,
    refuse_sparse,
    whole_numbers,
    with_oov_idf,
)

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


class IndexLookup(Layer):
    """What the two lookups share; subclasses say what a token is (``_token``, ``_keys``) and
    how an unknown token picks one of several OOV indices (``_buckets``).

    >>> from shendu.layers import StringLookup
    >>> layer = StringLookup(mask_token="", vocabulary=["a", "b"])
    >>> layer.get_vocabulary(), layer.vocabulary_size()
    (['', '[UNK]', 'a', 'b'], 4)
    """

    takes_strings = False

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                 idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs):
        super().__init__(**kwargs)
        where = self._where = f"{type(self).__name__} '{self.name}'"
        output_mode = _ALIASES.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ArgumentError(f"{where}: output_mode must be one of {_MODES}, got "
                                f"{output_mode!r}. Hint: 'int' for indices, 'one_hot' or "
                                "'multi_hot' for vectors.")
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(
                max_tokens, numbers.Integral) or max_tokens < 2):
            raise ArgumentError(f"{where}: max_tokens must be an integer > 1 or None, got "
                                f"{max_tokens!r}. Hint: it counts the mask and OOV indices.")
        if isinstance(num_oov_indices, bool) or not isinstance(
                num_oov_indices, numbers.Integral) or num_oov_indices < 0:
            raise ArgumentError(f"{where}: num_oov_indices must be an integer >= 0, got "
                                f"{num_oov_indices!r}. Hint: 1 (the default) maps every unknown "
                                "token to one index.")
        if pad_to_max_tokens and max_tokens is None:
            raise ArgumentError(f"{where}: pad_to_max_tokens=True needs max_tokens. Hint: set "
                                "max_tokens=..., the width of the padded output.")
        if invert and output_mode != "int":
            raise ArgumentError(f"{where}: invert=True maps indices back to tokens, so "
                                f"output_mode must be 'int', got {output_mode!r}.")
        refuse_sparse(sparse, where)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ArgumentError(f"{where}: idf_weights apply to output_mode='tf_idf' only, got "
                                f"output_mode={output_mode!r}. Hint: drop idf_weights.")
        if isinstance(vocabulary, str):
            raise ArgumentError(f"{where}: vocabulary must be a list of tokens, got the string "
                                f"{vocabulary!r} (shendu reads no vocabulary files). Hint: "
                                "vocabulary=open(path).read().splitlines().")
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.num_oov_indices, self.invert = int(num_oov_indices), bool(invert)
        self.mask_token = None if mask_token is None else self._token(mask_token, "mask_token")
        self.oov_token = None if oov_token is None else self._token(oov_token, "oov_token")
        self.output_mode, self.pad_to_max_tokens = output_mode, bool(pad_to_max_tokens)
        self.sparse = False
        self._tokens: list = []
        self._index: dict = {}
        self._idf: np.ndarray | None = None
        self._has_vocabulary = False
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif output_mode == "tf_idf" and idf_weights is not None:
            raise ArgumentError(f"{where}: idf_weights were given without a vocabulary. Hint: "
                                "pass vocabulary=[...] with them.")

    # -- the index layout ----------------------------------------------------------------------
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def _specials(self) -> list:
        return [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The tokens in index order (with the mask and OOV tokens unless told otherwise)."""
        return (self._specials() if include_special_tokens else []) + list(self._tokens)

    def vocabulary_size(self) -> int:
        """The number of indices: mask and OOV indices included."""
        return self._token_start() + len(self._tokens)

    def _width(self) -> int:
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    # -- setting the vocabulary ----------------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use ``vocabulary`` (tokens, optionally led by the special tokens in index order)
        and, for ``tf_idf``, ``idf_weights`` (one per entry of ``vocabulary``)."""
        where = self._where
        if isinstance(vocabulary, str):
            raise ArgumentError(f"{where}: vocabulary must be a list of tokens, got a string. "
                                "Hint: vocabulary=open(path).read().splitlines().")
        vocabulary = layer_data(vocabulary)
        items = vocabulary.ravel().tolist() if isinstance(vocabulary, np.ndarray) else vocabulary
        vocabulary = [self._token(t, "vocabulary") for t in items]
        if not vocabulary:
            raise ArgumentError(f"{where}: the vocabulary is empty. Hint: pass at least one token, "
                                "or call adapt(data).")
        specials = self._specials()
        found = vocabulary[:len(specials)] == specials
        tokens = vocabulary[len(specials):] if found else vocabulary
        repeated = sorted(t for t, c in Counter(tokens).items() if c > 1)
        if repeated:
            raise ArgumentError(f"{where}: the vocabulary repeats {repeated[:5]}. Hint: each "
                                "token may appear once.")
        reserved = [(self.mask_token, "mask_token")] + ([(self.oov_token, "oov_token")]
                                                        if self.invert else [])
        for token, arg in reserved:
            if token is not None and token in tokens:
                raise ArgumentError(f"{where}: the vocabulary holds the {arg} {token!r} past the "
                                    f"special tokens. Hint: leave it out, or put the special "
                                    f"tokens first, exactly {specials}.")
        if self.max_tokens is not None and self._token_start() + len(tokens) > self.max_tokens:
            raise ArgumentError(f"{where}: the vocabulary needs {self._token_start() + len(tokens)}"
                                f" indices, more than max_tokens={self.max_tokens}. Hint: raise "
                                "max_tokens or shorten the vocabulary.")
        idf = None
        if self.output_mode == "tf_idf":
            idf = self._given_idf(idf_weights, len(vocabulary), found)
        elif idf_weights is not None:
            raise ArgumentError(f"{where}: idf_weights apply to output_mode='tf_idf' only, got "
                                f"output_mode={self.output_mode!r}. Hint: drop idf_weights.")
        self._set(tokens, idf)

    def _given_idf(self, idf_weights, entries: int, with_specials: bool) -> np.ndarray:
        where = self._where
        if idf_weights is None:
            raise ArgumentError(f"{where}: output_mode='tf_idf' needs idf_weights with the "
                                "vocabulary. Hint: pass idf_weights=[...], one per token, or "
                                "call adapt(data).")
        weights = np.asarray(idf_weights, dtype=np.float64)
        if weights.ndim != 1 or len(weights) != entries:
            raise ArgumentError(f"{where}: expected {entries} idf weights (one per vocabulary "
                                f"entry), got shape {weights.shape}. Hint: one weight per token.")
        if not np.isfinite(weights).all():
            raise DataError(f"{where}: idf_weights hold NaN or infinite values. Hint: compute "
                            "them from document counts, or call adapt(data).")
        return weights if with_specials else with_oov_idf(weights, self._token_start())

    def _set(self, tokens: list, idf) -> None:
        start = self._token_start()
        self._tokens = list(tokens)
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._idf = idf
        self._has_vocabulary = True

    def adapt(self, data, steps: int | None = None) -> None:
        """Learn the vocabulary (and idf weights for ``tf_idf``) from ``data``: an array
        (each row a document; a 1-D array is one token per document), a list of token lists,
        or an iterator of such batches (at most ``steps`` of them)."""
        counts: Counter = Counter()
        doc_counts: Counter = Counter()
        documents = 0
        for i, batch in enumerate(_adapt_batches(data)):
            if steps is not None and i >= steps:
                break
            keys, row_of, rows = self._documents(batch)
            documents += rows
            if not keys.size:
                continue
            uniq, inverse, freq = np.unique(keys, return_inverse=True, return_counts=True)
            counts.update(dict(zip(uniq.tolist(), freq.tolist())))
            if self.output_mode == "tf_idf":  # documents holding each token: distinct pairs
                pairs = np.unique(row_of.astype(np.int64) * len(uniq) + inverse.reshape(-1))
                df = np.bincount(pairs % len(uniq), minlength=len(uniq))
                doc_counts.update(dict(zip(uniq.tolist(), df.tolist())))
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        if not counts:
            raise DataError(f"{self._where}: adapt found no tokens (besides the mask and OOV "
                            "tokens). Hint: adapt on the training data, e.g. layer.adapt(x_train).")
        limit = None if self.max_tokens is None else self.max_tokens - self._token_start()
        tokens = rank_tokens(counts, limit, ties="descending")
        idf = None
        if self.output_mode == "tf_idf":
            idf = with_oov_idf(inverse_document_frequency((doc_counts[t] for t in tokens),
                                                          documents), self._token_start())
        self._set(tokens, idf)

    def _documents(self, batch):
        """(flat keys, the document of each key, number of documents) of one adapt batch."""
        try:
            keys = self._keys(batch)
        except ShapeError:  # ragged: a list of token lists of different lengths
            rows = [self._keys(row).reshape(-1) for row in batch]
            row_of = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
            return np.concatenate(rows), row_of, len(rows)
        if keys.ndim == 0:
            keys = keys.reshape(1, 1)
        keys = keys.reshape(len(keys), -1) if keys.ndim > 1 else keys.reshape(-1, 1)
        row_of = np.repeat(np.arange(keys.shape[0]), keys.shape[1])
        return keys.reshape(-1), row_of, keys.shape[0]

    # -- forward -------------------------------------------------------------------------------
    def __call__(self, inputs, *args, training=None, mask=None, **kwargs):
        if is_symbolic(inputs):
            return self._symbolic(inputs, kwargs)
        return self.call(inputs)

    def _symbolic(self, inputs, kwargs):
        dtype = "int64" if self.output_mode == "int" else self.compute_dtype
        return record_call(self, inputs, self.compute_output_shape(tuple(inputs.shape)), dtype,
                           kwargs)

    def call(self, inputs):
        where = self._where
        if not self._has_vocabulary:
            raise ArgumentError(f"{where}: no vocabulary yet. Hint: call adapt(data) or pass "
                                "vocabulary=[...].")
        if self.invert:
            return Tensor(self._tokens_of(whole_numbers(layer_data(inputs), where, "indices")))
        keys = self._keys(inputs)
        uniq, inverse = np.unique(keys.reshape(-1), return_inverse=True)
        found = np.array([self._index.get(k, -1) for k in uniq.tolist()], dtype=np.int64)
        is_mask = (uniq == self.mask_token) if self.mask_token is not None else np.zeros(
            len(uniq), bool)
        unknown = (found < 0) & ~is_mask
        if unknown.any():
            if self.num_oov_indices == 0:
                raise DataError(f"{where}: with num_oov_indices=0 every input must be in the "
                                f"vocabulary, got unknown tokens such as "
                                f"{uniq[unknown][:5].tolist()}. Hint: set num_oov_indices=1.")
            buckets = 0 if self.num_oov_indices == 1 else self._buckets(uniq[unknown])
            found[unknown] = self._oov_start() + buckets
        found[is_mask] = 0 if self.output_mode == "int" else -1  # -1: left out of the vectors
        ids = found[inverse.reshape(-1)].reshape(keys.shape)
        if self.output_mode == "int":
            return Tensor(ids)
        self.compute_output_shape(ids.shape)  # the rank check
        out = encode_ids(ids, self._width(), self.output_mode, where, idf=self._idf)
        return Tensor(out.astype(self.compute_dtype))

    def _tokens_of(self, indices: np.ndarray) -> np.ndarray:
        """``invert``: the token at each index; the OOV token where none is."""
        table = self.get_vocabulary()
        as_array = np.array(table + [self.oov_token], dtype=object)
        picked = np.where((indices >= 0) & (indices < len(table)), indices, len(table))
        return self._token_array(as_array[picked])

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        if not self._has_vocabulary and not self.pad_to_max_tokens:
            raise ArgumentError(f"{self._where}: output_mode={self.output_mode!r} needs the "
                                "vocabulary before the layer is used, for its output width. "
                                "Hint: call adapt(data) or pass vocabulary=[...] first.")
        if self.output_mode != "one_hot" and len(shape) > 2:
            raise ShapeError(f"{self._where}: output_mode={self.output_mode!r} takes inputs of "
                             f"rank 1 (one sample) or 2 (samples, values), got shape {shape}. "
                             "Hint: reshape to (samples, values) first.")
        return encoded_shape(shape, self._width(), self.output_mode)

    def get_config(self):
        config = super().get_config()
        config.update(
            max_tokens=self.max_tokens, num_oov_indices=self.num_oov_indices,
            mask_token=self.mask_token, oov_token=self.oov_token,
            vocabulary=self.get_vocabulary() if self._has_vocabulary else None,
            idf_weights=None if self._idf is None else [float(w) for w in self._idf],
            invert=self.invert, output_mode=self.output_mode,
            pad_to_max_tokens=self.pad_to_max_tokens, sparse=self.sparse)
        return config


def layer_data(inputs):
    """The array behind a Tensor (anything else as it is)."""
    return inputs.data if isinstance(inputs, Tensor) else inputs


def _adapt_batches(data):
    if isinstance(data, (np.ndarray, Tensor, list, tuple, str, bytes, numbers.Number)):
        return [data]
    return data if hasattr(data, "__iter__") else [data]


__all__ = ["IndexLookup"]
