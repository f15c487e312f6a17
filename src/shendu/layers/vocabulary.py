"""What TextVectorization, StringLookup, IntegerLookup and CategoryEncoding share: ranking
counted tokens into a vocabulary, inverse document frequencies, whole-number ids, and turning
ids into one-hot, multi-hot, count or tf-idf vectors.

>>> from collections import Counter
>>> rank_tokens(Counter("abbccd"), ties="descending")
['c', 'b', 'd', 'a']
>>> import numpy as np
>>> encode_ids(np.array([[0, 2, 2], [1, 1, 1]]), 3, "count")
array([[1., 0., 2.],
       [0., 3., 0.]])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from ..errors import ArgumentError, DataError, DTypeError, ShapeError

ENCODINGS = ("one_hot", "multi_hot", "count", "tf_idf")


def rank_tokens(counts: Mapping, limit: int | None = None, ties: str = "descending") -> list:
    """Tokens by decreasing count, then by token: ``"descending"`` (Keras's lookup layers:
    ``"b"`` before ``"a"``, 7 before 3) or ``"ascending"`` (shendu's TextVectorization);
    the first ``limit`` of them when ``limit`` is given."""
    if ties == "descending":
        ranked = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
    else:
        ranked = sorted(counts, key=lambda t: (-counts[t], t))
    return ranked if limit is None else ranked[:max(limit, 0)]


def inverse_document_frequency(doc_counts: Iterable[int], documents: int) -> np.ndarray:
    """``log(1 + documents / (1 + documents containing the token))``, one per token."""
    df = np.fromiter(doc_counts, dtype=np.float64)
    return np.log1p(documents / (1.0 + df))


def with_oov_idf(token_idf, specials: int) -> np.ndarray:
    """Token idf weights with ``specials`` leading entries (OOV, mask) given their mean."""
    token_idf = np.asarray(token_idf, dtype=np.float64)
    fill = token_idf.mean() if token_idf.size else 0.0
    return np.concatenate([np.full(specials, fill), token_idf])


def whole_numbers(data, where: str, what: str = "token ids") -> np.ndarray:
    """``data`` as an int64 array, after checking it holds numbers that are whole (floats such
    as 3.0 pass: models cast their inputs to floatx)."""
    array = np.asarray(data)
    if array.dtype.kind in "iub":
        return array.astype(np.int64, copy=False)
    if array.dtype.kind != "f":
        raise DTypeError(f"{where}: expected integer {what}, got an array of dtype {array.dtype}. "
                         "Hint: pass integers, e.g. np.array([[1, 4], [2, 0]]).")
    if array.size and not np.isfinite(array).all():
        raise DataError(f"{where}: expected integer {what}, got NaN or infinite values. "
                        "Hint: fill missing values first, e.g. with a mask or OOV value.")
    if array.size and not bool(np.all(array == np.round(array))):
        bad = array[array != np.round(array)].ravel()[0].item()
        raise DataError(f"{where}: expected integer {what}, got non-integer values such as "
                        f"{bad!r}. Hint: round or cast them first (x.astype('int64')).")
    return array.astype(np.int64)


def bag_of_ids(row_of, ids, n_rows: int, width: int, mode: str, idf=None,
               weights=None) -> np.ndarray:
    """A (n_rows, width) float64 array: for each row, how often (``count``), whether
    (``multi_hot``) or how often times the idf (``tf_idf``) each id occurs; ``row_of[i]`` is
    the row of ``ids[i]``; ``weights`` (count mode) replaces the 1 each occurrence adds."""
    out = np.zeros((n_rows, width), dtype=np.float64)
    np.add.at(out, (np.asarray(row_of, dtype=np.intp), np.asarray(ids, dtype=np.intp)),
              1.0 if weights is None else weights)
    if mode == "multi_hot":
        out = (out > 0).astype(np.float64)
    elif mode == "tf_idf":
        out[:, :len(idf)] *= idf
    return out


def encoded_shape(input_shape: tuple, width: int, mode: str) -> tuple:
    """The output shape of :func:`encode_ids` for inputs of ``input_shape`` (as Keras):
    one-hot adds an axis (a last axis of 1 is replaced); the other modes replace the last axis,
    so a 1-D input is one sample."""
    shape = tuple(input_shape)
    if mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        return (shape or (1,)) + (width,)
    return shape[:-1] + (width,)


def encode_ids(ids: np.ndarray, width: int, mode: str, where: str = "encode_ids", *,
               weights=None, idf=None) -> np.ndarray:
    """Integer ``ids`` (ids < 0 are left out) as float64 vectors of ``width`` (Keras's shapes,
    see :func:`encoded_shape`); multi-hot, count and tf-idf take inputs of rank 2 at most."""
    ids = np.asarray(ids)
    out_shape = encoded_shape(ids.shape, width, mode)
    if mode == "one_hot":
        flat = ids.reshape(-1)
        out = np.zeros((flat.size, width), dtype=np.float64)
        keep = flat >= 0
        out[np.flatnonzero(keep), flat[keep]] = 1.0
        return out.reshape(out_shape)
    if ids.ndim > 2:
        raise ShapeError(f"{where}: output_mode={mode!r} takes inputs of rank 1 (one sample) or "
                         f"2 (samples, values), got shape {ids.shape}. Hint: reshape to "
                         "(samples, values) first, or use output_mode='one_hot'.")
    rows = ids.reshape(-1, ids.shape[-1] if ids.ndim else 1)
    row_of = np.repeat(np.arange(rows.shape[0]), rows.shape[1]).reshape(rows.shape)
    keep = rows >= 0
    if weights is not None:
        weights = np.broadcast_to(np.asarray(weights, dtype=np.float64).reshape(rows.shape),
                                  rows.shape)[keep]
    out = bag_of_ids(row_of[keep], rows[keep], rows.shape[0], width, mode, idf, weights)
    return out.reshape(out_shape)


__all__ = ["ENCODINGS", "bag_of_ids", "encode_ids", "encoded_shape",
           "inverse_document_frequency", "rank_tokens", "whole_numbers", "with_oov_idf"]


def refuse_sparse(sparse, where: str) -> None:
    """The preprocessing layers' ``sparse`` argument: only False (outputs are dense arrays)."""
    if sparse:
        raise ArgumentError(f"{where}: sparse=True is not supported; shendu's outputs are "
                            "dense arrays. Hint: leave sparse=False.")


def check_bin_mode(output_mode, modes: tuple, where: str) -> None:
    """``output_mode`` of a layer that outputs bin indices or their one/multi-hot encodings."""
    if output_mode not in modes:
        raise ArgumentError(f"{where}: output_mode must be one of {modes}, got "
                            f"{output_mode!r}. Hint: 'int' for bin indices, 'one_hot' for "
                            "one vector per value.")
