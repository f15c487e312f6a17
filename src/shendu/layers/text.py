"""TextVectorization: strings → token ids or bag-of-words vectors, with a vocabulary learnt by
``adapt``. The vocabulary (and tf-idf weights) live in ``get_config``, so the layer saves and
loads with its model; the layer has no weights.

Vocabulary order (as Keras): in ``"int"`` mode index 0 is the padding token ``""`` and 1 the
out-of-vocabulary token ``"[UNK]"``; in the other modes ``"[UNK]"`` is index 0. Then tokens by
decreasing count (ties in reverse order, as Keras ranks them), cut at ``max_tokens`` entries
in all.

>>> from shendu.layers import TextVectorization
>>> layer = TextVectorization(output_sequence_length=4)
>>> layer.adapt(["the cat sat", "the dog!"])
>>> layer.get_vocabulary()
['', '[UNK]', 'the', 'sat', 'dog', 'cat']
>>> layer(["The bird sat."]).data
array([[2, 1, 3, 0]])

As a model's first layer, it lets ``fit`` / ``evaluate`` / ``predict`` take raw strings (a list
or a 1-D / (n, 1) array; numbers are refused, not turned into text):

>>> from shendu.layers import Dense, Embedding, GlobalAveragePooling1D, Input
>>> from shendu.models import Sequential
>>> model = Sequential([Input(shape=(1,), dtype="string"), layer, Embedding(6, 2),
...                     GlobalAveragePooling1D(), Dense(1)])
>>> model.predict(["the cat", "a dog sat"], verbose=0).shape
(2, 1)
"""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np

from ..autograd import Tensor
from ..errors import ArgumentError, DataError, DTypeError
from .base import Layer
from .node import is_symbolic, record_call
from .vocabulary import bag_of_ids, inverse_document_frequency, rank_tokens, with_oov_idf

_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
_MODES = ("int", "multi_hot", "count", "tf_idf")
_STANDARDIZE = (None, "lower", "strip_punctuation", "lower_and_strip_punctuation")
PAD, OOV = "", "[UNK]"


class TextVectorization(Layer):
    """Keras's ``TextVectorization(max_tokens=None, standardize="lower_and_strip_punctuation",
    split="whitespace", output_mode="int", output_sequence_length=None, ...)``.

    ``"int"``: (batch, steps) int64 ids, padded with 0 / truncated to ``output_sequence_length``
    (else padded to the longest text). ``"multi_hot"`` / ``"count"`` / ``"tf_idf"``: a
    (batch, vocabulary size) float vector; tf-idf multiplies counts by
    ``idf = log(1 + documents / (1 + documents containing the token))`` (the OOV entry gets the
    mean idf).

    >>> layer = TextVectorization(output_mode="multi_hot")
    >>> layer.adapt(["a b b", "b c"])
    >>> layer(["b b z"]).data
    array([[1., 1., 0., 0.]], dtype=float32)
    """

    def __init__(self, max_tokens: int | None = None,
                 standardize: str | None = "lower_and_strip_punctuation",
                 split: str | None = "whitespace", ngrams=None, output_mode: str = "int",
                 output_sequence_length: int | None = None, pad_to_max_tokens: bool = False,
                 vocabulary=None, idf_weights=None, **kwargs):
        super().__init__(**kwargs)
        where = f"TextVectorization '{self.name}'"
        if standardize not in _STANDARDIZE and not callable(standardize):
            raise ArgumentError(f"{where}: standardize must be one of {_STANDARDIZE} or a "
                                f"callable, got {standardize!r}. Hint: the default lowercases "
                                "and strips punctuation.")
        if split not in (None, "whitespace", "character") and not callable(split):
            raise ArgumentError(f"{where}: split must be 'whitespace', 'character', None or a "
                                f"callable, got {split!r}. Hint: use the default 'whitespace'.")
        if output_mode not in _MODES:
            raise ArgumentError(f"{where}: output_mode must be one of {_MODES}, got "
                                f"{output_mode!r}. Hint: 'int' for sequences, 'multi_hot' for a "
                                "bag of words.")
        self.ngrams, self._ngram_sizes = ngrams, _ngram_sizes(ngrams, where)
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 2):
            raise ArgumentError(f"{where}: max_tokens must be an integer >= 2 or None, got "
                                f"{max_tokens!r}. Hint: it counts the padding and OOV tokens.")
        if output_sequence_length is not None and output_mode != "int":
            raise ArgumentError(f"{where}: output_sequence_length only applies to output_mode="
                                f"'int', got output_mode={output_mode!r}. Hint: drop it.")
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self._vocab: list[str] = []
        self._index: dict[str, int] = {}
        self._idf: np.ndarray | None = None
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- text processing -----------------------------------------------------------------------
    def _standardize(self, text: str) -> str:
        if callable(self.standardize):
            return self.standardize(text)
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.lower()
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = _PUNCTUATION.sub("", text)
        return text

    def _tokens(self, text) -> list[str]:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        text = self._standardize(str(text))
        if self.split is None:
            return [text]
        if self.split == "character":
            tokens = list(text)
        else:
            tokens = list(self.split(text)) if callable(self.split) else text.split()
        if self._ngram_sizes is None:
            return tokens
        # every run of n consecutive tokens, joined by a space: all of one n, then the next n
        return [" ".join(tokens[i:i + n]) for n in self._ngram_sizes
                for i in range(len(tokens) - n + 1)]

    def _texts(self, data) -> list:
        if isinstance(data, str):
            data = [data]
        array = np.asarray(data, dtype=object)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1 or not all(isinstance(t, (str, bytes)) for t in array):
            raise DTypeError(f"TextVectorization '{self.name}': expected a 1-D batch of strings, "
                             f"got an array of shape {array.shape}. Hint: pass a list of str.")
        return list(array)

    # -- vocabulary ----------------------------------------------------------------------------
    def _specials(self) -> list[str]:
        return [PAD, OOV] if self.output_mode == "int" else [OOV]

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary (and idf weights for ``tf_idf``) from a batch of strings."""
        texts = self._texts(data)
        if not texts:
            raise DataError(f"TextVectorization '{self.name}': adapt got no texts, so there is "
                            "no vocabulary to learn. Hint: adapt on the training texts, e.g. "
                            "layer.adapt(x_train).")
        counts: Counter = Counter()
        doc_counts: Counter = Counter()
        for text in texts:
            tokens = self._tokens(text)
            counts.update(tokens)
            doc_counts.update(set(tokens))
        specials = self._specials()
        for s in specials:
            counts.pop(s, None)
        limit = None if self.max_tokens is None else self.max_tokens - len(specials)
        ranked = rank_tokens(counts, limit, ties="descending")
        idf = None
        if self.output_mode == "tf_idf":
            idf = inverse_document_frequency((doc_counts[t] for t in ranked), len(texts))
        self._set(specials + ranked, idf)

    def _set(self, vocab: list[str], idf_tokens) -> None:
        self._vocab = list(vocab)
        self._index = {t: i for i, t in enumerate(self._vocab)}
        if self.output_mode == "tf_idf":
            self._idf = with_oov_idf(idf_tokens, 1)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use ``vocabulary`` (tokens without the special ones, or with them in front)."""
        vocab = [str(t) for t in vocabulary]
        specials = self._specials()
        if vocab[:len(specials)] == specials:
            vocab = vocab[len(specials):]
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ArgumentError(f"TextVectorization '{self.name}': tf_idf needs idf_weights "
                                    "with the vocabulary. Hint: pass idf_weights=[...].")
            idf_weights = list(np.asarray(idf_weights, dtype=np.float64))
            if len(idf_weights) == len(vocab) + 1:  # given with the OOV entry first
                idf_weights = idf_weights[1:]
            if len(idf_weights) != len(vocab):
                raise ArgumentError(f"TextVectorization '{self.name}': expected {len(vocab)} idf "
                                    f"weights, got {len(idf_weights)}. Hint: one per token.")
        self._set(specials + vocab, idf_weights)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        """The tokens in index order (with ``""`` and ``"[UNK]"`` unless told otherwise)."""
        if include_special_tokens:
            return list(self._vocab)
        return self._vocab[len(self._specials()):]

    def vocabulary_size(self) -> int:
        return len(self._vocab)

    # -- forward -------------------------------------------------------------------------------
    takes_strings = True  # a model with this layer first keeps x as text (see Model._check_x)

    def __call__(self, inputs, *args, **kwargs):
        if is_symbolic(inputs):  # a functional graph: no dry run, strings have no zeros
            shape = self.compute_output_shape((None,) + tuple(inputs.shape[1:]))
            dtype = "int64" if self.output_mode == "int" else self.compute_dtype
            return record_call(self, inputs, shape, dtype)
        return self.call(inputs)

    def call(self, inputs):
        if not self._vocab:
            raise ArgumentError(f"TextVectorization '{self.name}': no vocabulary yet. Hint: call "
                                "adapt(texts) or pass vocabulary=[...].")
        texts = self._texts(inputs)
        unk = 1 if self.output_mode == "int" else 0
        ids = [[self._index.get(t, unk) for t in self._tokens(text)] for text in texts]
        if self.output_mode == "int":
            length = self.output_sequence_length
            if length is None:
                length = max((len(row) for row in ids), default=0)
            out = np.zeros((len(ids), length), dtype=np.int64)
            for i, row in enumerate(ids):
                row = row[:length]
                out[i, :len(row)] = row
            return Tensor(out)
        width = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else len(self._vocab)
        row_of = [i for i, row in enumerate(ids) for _ in row]
        flat = [t for row in ids for t in row]
        out = bag_of_ids(row_of, flat, len(ids), width, self.output_mode, self._idf)
        return Tensor(out.astype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        if self.pad_to_max_tokens and self.max_tokens:
            return (input_shape[0], self.max_tokens)
        return (input_shape[0], len(self._vocab))

    def get_config(self):
        config = super().get_config()
        config.update(
            max_tokens=self.max_tokens,
            standardize=self.standardize if not callable(self.standardize) else None,
            split=self.split if not callable(self.split) else "whitespace",
            ngrams=self.ngrams, output_mode=self.output_mode,
            output_sequence_length=self.output_sequence_length,
            pad_to_max_tokens=self.pad_to_max_tokens,
            vocabulary=self.get_vocabulary(include_special_tokens=False) or None,
            idf_weights=None if self._idf is None else [float(w) for w in self._idf[1:]])
        return config


__all__ = ["TextVectorization"]


def _ngram_sizes(ngrams, where: str) -> tuple[int, ...] | None:
    """Keras's ``ngrams``: None (tokens alone), n (every size 1..n) or a tuple of sizes."""
    if ngrams is None:
        return None
    sizes = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) and not isinstance(
        ngrams, bool) else ngrams
    if not isinstance(sizes, (tuple, list)) or not sizes or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes):
        raise ArgumentError(f"{where}: ngrams must be None, an integer >= 1 or a tuple of "
                            f"them, got {ngrams!r}. Hint: ngrams=2 adds the pairs of "
                            "neighbouring words to the words.")
    return tuple(sizes)
