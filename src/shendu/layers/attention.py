"""Attention layers: MultiHeadAttention (Transformer attention) and Attention (Luong dot-product).

Weight layout (as Keras): ``query/kernel`` (query_dim, num_heads, key_dim), ``query/bias``
(num_heads, key_dim), ``key/kernel`` (key_in_dim, num_heads, key_dim), ``key/bias``,
``value/kernel`` (value_in_dim, num_heads, value_dim), ``value/bias`` (num_heads, value_dim),
``attention_output/kernel`` (num_heads, value_dim, output_dim), ``attention_output/bias``
(output_dim,), in that order. Masks are boolean/0-1 arrays (True = attend); a model does not
propagate masks on its own yet, so pass them to ``call``.

>>> import numpy as np
>>> from shendu.layers import MultiHeadAttention
>>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
>>> x = np.ones((3, 5, 8), dtype="float32")
>>> mha(x, x).shape
(3, 5, 8)
>>> [w.shape for w in mha.get_weights()][:2]
[(8, 2, 4), (2, 4)]
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..autograd import Tensor
from ..errors import ArgumentError, ShapeError
from ..ops.dropout import dropout as dropout_op
from .base import STANDARD_WEIGHT_OPTIONS, Layer
from .einsum_dense import fan_preserving

_LARGE_NEGATIVE = -1e9  # Keras's additive mask value for float32 scores


def _as_mask(mask):
    if mask is None:
        return None
    data = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    return data.astype(bool)


def _masked_softmax(scores, mask):
    """softmax(scores + (1 - mask)·(-1e9)) over the last axis (mask broadcasts to scores)."""
    if mask is not None:
        adder = (~mask).astype(scores.dtype) * scores.dtype.type(_LARGE_NEGATIVE)
        scores = ops.add(scores, adder)
    return ops.softmax(scores, axis=-1)


def _causal(t: int, s: int) -> np.ndarray:
    """(t, s) lower-triangular mask: query i sees keys j <= i."""
    return np.arange(t)[:, None] >= np.arange(s)[None, :]


def head_projection(x, kernel, bias):
    """(B, S, dim) → (B, heads, S, size) with x @ W + b per head; kernel (dim, heads, size),
    bias (heads, size) or None. Shared by MultiHeadAttention and GroupedQueryAttention."""
    dim, h, size = kernel.shape
    w = ops.reshape(kernel, (dim, h * size))
    b = None if bias is None else ops.reshape(bias, (h * size,))
    y = ops.linear(x, w, b)
    y = ops.reshape(y, (x.shape[0], x.shape[1], h, size))
    return ops.transpose(y, (0, 2, 1, 3))


def combined_mask(q_len, s_len, batch, query_mask=None, value_mask=None, key_mask=None,
                   attention_mask=None, use_causal_mask=False):
    """The combined boolean mask (True = attend) broadcastable to (B, 1, T, S), or None."""
    mask = None

    def both(a, b):
        return b if a is None else a & b

    if query_mask is not None:
        mask = both(mask, _as_mask(query_mask)[:, :, None])
    for m in (value_mask, key_mask):
        if m is not None:
            mask = both(mask, _as_mask(m)[:, None, :])
    if attention_mask is not None:
        am = _as_mask(attention_mask)
        if am.ndim == 2:
            am = am[None]
        mask = both(mask, am)
    if use_causal_mask:
        mask = both(mask, _causal(q_len, s_len)[None])
    if mask is None:
        return None
    mask = np.broadcast_to(mask, (batch, q_len, s_len))
    return mask[:, None, :, :]


def grouped_attention(q, k, v, mask, scale, dropout=0.0, rng=None, training=False):
    """softmax(scale · Q Kᵀ, masked) V per head; q (B, Hq, T, d), k and v (B, Hkv, S, ·) with
    Hq a multiple of Hkv: query head u reads key/value head u // (Hq / Hkv), as Keras's
    ``repeat(key, Hq / Hkv, axis=heads)``. Returns the (B, Hq, T, dv) output and the
    (B, Hq, T, S) probabilities (before dropout)."""
    batch, hq, t, _ = q.shape
    hkv, s = k.shape[1], k.shape[2]
    group = hq // hkv
    q = ops.multiply(q, q.dtype.type(scale))
    # the heads of a group stacked on the query-step axis: one matmul per key/value head
    qg = ops.reshape(q, (batch, hkv, group * t, q.shape[-1])) if group > 1 else q
    scores = ops.matmul(qg, ops.transpose(k, (0, 1, 3, 2)))  # (B, Hkv, group·T, S)
    if group > 1:
        scores = ops.reshape(scores, (batch, hq, t, s))
    probs = _masked_softmax(scores, mask)
    dropped = probs
    if training and dropout > 0:
        dropped = dropout_op(probs, dropout, None, rng)
    if group > 1:
        dropped = ops.reshape(dropped, (batch, hkv, group * t, s))
    out = ops.matmul(dropped, v)
    if group > 1:
        out = ops.reshape(out, (batch, hq, t, v.shape[-1]))
    return out, probs


class MultiHeadAttention(Layer):
    """Keras's ``MultiHeadAttention(num_heads, key_dim, value_dim=None, dropout=0.0, ...)``.

    ``layer(query, value, key=None, attention_mask=None, use_causal_mask=False,
    return_attention_scores=False)`` with 3-D inputs (batch, steps, features); ``key`` defaults
    to ``value``. Scores are ``softmax(Q Kᵀ / √key_dim)`` per head, masked where
    ``attention_mask`` (batch, T, S) is False (``query_mask`` / ``value_mask`` / ``key_mask``
    (batch, steps) combine into it); ``use_causal_mask`` hides future keys.

    >>> import numpy as np
    >>> layer = MultiHeadAttention(num_heads=2, key_dim=3, output_shape=6)
    >>> q, v = np.ones((1, 4, 5)), np.ones((1, 7, 2))
    >>> out, scores = layer(q, v, return_attention_scores=True)
    >>> out.shape, scores.shape
    ((1, 4, 6), (1, 2, 4, 7))
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        where = f"MultiHeadAttention '{self.name}'"
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim),
                           ("value_dim", key_dim if value_dim is None else value_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ArgumentError(f"{where}: {arg} must be a positive integer, got {value!r}. "
                                    "Hint: MultiHeadAttention(num_heads=4, key_dim=16).")
        if not 0 <= float(dropout) < 1:
            raise ArgumentError(f"{where}: dropout must be in [0, 1), got {dropout!r}. "
                                "Hint: dropout=0.1 drops 10% of the attention weights.")
        if attention_axes not in (None, 1, (1,), [1]):
            raise ArgumentError(f"{where}: only attention over the steps axis is supported, got "
                                f"attention_axes={attention_axes!r}. Hint: leave it None.")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(key_dim if value_dim is None else value_dim)
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        if isinstance(output_shape, (list, tuple)):
            output_shape = output_shape[-1]
        self.output_shape = None if output_shape is None else int(output_shape)
        self.attention_axes = attention_axes
        self._set_weight_options(
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:  # a functional model replays the packed [query, value(, key)] list
            inputs = query
        else:
            inputs = [query, value] + ([] if key is None else [key])
        return super().__call__(inputs, **kwargs)

    def _weight(self, shape, name, bias=False, inputs=1):
        """A weight; a kernel's first ``inputs`` axes are its fan-in, the rest its fan-out
        (Keras's EinsumDense fans, so Glorot draws with Keras's variance)."""
        init = self.bias_initializer if bias else fan_preserving(
            self.kernel_initializer, shape, range(inputs), range(inputs, len(shape)))
        return self.add_weight(
            shape, init, name=name,
            regularizer=self.bias_regularizer if bias else self.kernel_regularizer,
            constraint=self.bias_constraint if bias else self.kernel_constraint)

    def build(self, input_shape):
        shapes = [tuple(s) for s in input_shape] if isinstance(input_shape, list) \
            else [tuple(input_shape)] * 2
        for s in shapes:
            if len(s) != 3:
                raise ShapeError(f"MultiHeadAttention '{self.name}': expected 3-D inputs "
                                 f"(batch, steps, features), got shape {s}. Hint: add a steps "
                                 "axis, e.g. x[:, None, :].")
        q_dim, v_dim = shapes[0][-1], shapes[1][-1]
        k_dim = shapes[2][-1] if len(shapes) > 2 else v_dim
        h = self.num_heads
        self.out_dim = self.output_shape or q_dim
        self.projections = {}
        for name, dim, size in (("query", q_dim, self.key_dim), ("key", k_dim, self.key_dim),
                                ("value", v_dim, self.value_dim)):
            kernel = self._weight((dim, h, size), f"{name}/kernel")
            bias = self._weight((h, size), f"{name}/bias", True) if self.use_bias else None
            self.projections[name] = (kernel, bias)
        self.output_kernel = self._weight((h, self.value_dim, self.out_dim),
                                          "attention_output/kernel", inputs=2)
        self.output_bias = self._weight((self.out_dim,), "attention_output/bias", True) \
            if self.use_bias else None

    def _project(self, x, name):
        """(B, S, dim) → (B, heads, S, size) with x @ W + b per head."""
        return head_projection(x, *self.projections[name])

    def _mask(self, q_len, s_len, batch, query_mask, value_mask, key_mask, attention_mask,
              use_causal_mask):
        """Combined boolean mask broadcastable to (B, 1, T, S), or None."""
        return combined_mask(q_len, s_len, batch, query_mask, value_mask, key_mask,
                             attention_mask, use_causal_mask)

    def call(self, inputs, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=False, use_causal_mask=False):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs, inputs]
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q = self._project(query, "query")
        k = self._project(key, "key")
        v = self._project(value, "value")
        mask = self._mask(query.shape[1], value.shape[1], query.shape[0], query_mask,
                          value_mask, key_mask, attention_mask, use_causal_mask)
        # scores = (Q / √d_k) Kᵀ, per head: (B, H, T, S); out = softmax(scores) V (B, H, T, dv)
        out, probs = grouped_attention(q, k, v, mask, 1.0 / math.sqrt(self.key_dim),
                                       self.dropout, self._rng, training)
        out = ops.transpose(out, (0, 2, 1, 3))
        batch, t = out.shape[0], out.shape[1]
        out = ops.reshape(out, (batch, t, self.num_heads * self.value_dim))
        w = ops.reshape(self.output_kernel, (self.num_heads * self.value_dim, self.out_dim))
        out = ops.linear(out, w, self.output_bias)
        return (out, probs) if return_attention_scores else out

    def compute_output_shape(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        return tuple(shapes[0][:-1]) + (self.output_shape or shapes[0][-1],)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads, key_dim=self.key_dim, value_dim=self.value_dim,
            dropout=self.dropout, use_bias=self.use_bias, output_shape=self.output_shape,
            attention_axes=self.attention_axes,
            **self._weight_options_config(*STANDARD_WEIGHT_OPTIONS), seed=self.seed)
        return config


class Attention(Layer):
    """Keras's ``Attention(use_scale=False, score_mode="dot", dropout=0.0)`` (Luong-style).

    ``layer([query, value(, key)], mask=[query_mask, value_mask])``: scores ``Q Kᵀ`` (times
    a trainable scalar ``scale`` with ``use_scale``), softmax over the value steps (masked
    where ``value_mask`` is False, and to the past with ``use_causal_mask``), then the
    weighted sum of ``value``; rows where ``query_mask`` is False are zeroed.

    ``score_mode="concat"`` (Keras 3): ``scores[b, i, j] = w · Σ_d tanh(s · (q[b, i, d] +
    k[b, j, d]))`` with a trainable scalar ``concat_score_weight`` w (initialised to 1) and
    ``s`` the ``scale`` weight with ``use_scale`` (else 1). Weights in Keras's order:
    ``scale`` (with use_scale), then ``concat_score_weight``.

    >>> import numpy as np
    >>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
    >>> Attention()([q, v]).shape
    (2, 3, 4)
    >>> layer = Attention(score_mode="concat", use_scale=True)
    >>> layer([q, v]).shape, [w.path.split("/")[-1] for w in layer.weights]
    ((2, 3, 4), ['scale', 'concat_score_weight'])
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ArgumentError(f"{type(self).__name__} '{self.name}': score_mode must be 'dot' "
                                f"or 'concat', got {score_mode!r}. Hint: 'dot' for Luong-style "
                                "Q Kᵀ scores, 'concat' for Σ tanh(q + k).")
        if not 0 <= float(dropout) < 1:
            raise ArgumentError(f"{type(self).__name__} '{self.name}': dropout must be in [0, 1), "
                                f"got {dropout!r}. Hint: dropout=0.1.")
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.dropout, self.seed = float(dropout), seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) not in (2, 3):
            raise ShapeError(f"{type(self).__name__} '{self.name}': expected inputs [query, value] "
                             f"or [query, value, key], got shape {input_shape}. Hint: pass a "
                             "list.")
        self.scale = self.add_weight((), "ones", name="scale") if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            (), "ones", name="concat_score_weight") if self.score_mode == "concat" else None

    def _check_shapes(self, query, value, key) -> None:
        shapes = [tuple(t.shape) for t in (query, value, key)]
        if any(len(s) != 3 for s in shapes) or shapes[0][-1] != shapes[2][-1] \
                or shapes[1][1] != shapes[2][1] or len({s[0] for s in shapes}) > 1:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': expected query (batch, Tq, dim), value "
                f"(batch, Tv, dim_v) and key (batch, Tv, dim), got shapes query {shapes[0]}, "
                f"value {shapes[1]}, key {shapes[2]}. Hint: query and key need the same last axis, "
                "key and value the same number of steps."
            )

    def _scores(self, query, key):
        """(B, Tq, Tv) scores of every query step against every key step."""
        if self.score_mode == "concat":
            # pairs = q[:, :, None, :] + k[:, None, :, :]  (B, Tq, Tv, D), times scale if any
            pairs = ops.add(ops.expand_dims(query, 2), ops.expand_dims(key, 1))
            if self.scale is not None:
                pairs = ops.multiply(pairs, self.scale)
            # scores = concat_score_weight · Σ_d tanh(pairs)
            return ops.multiply(ops.sum(ops.tanh(pairs), axis=-1), self.concat_score_weight)
        # scores = Q Kᵀ (· scale)
        scores = ops.matmul(query, ops.transpose(key, (0, 2, 1)))
        if self.scale is not None:
            scores = ops.multiply(scores, self.scale)
        return scores

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        self._check_shapes(query, value, key)
        q_mask, v_mask = (mask if mask is not None else (None, None))
        scores = self._scores(query, key)
        keep = None
        if v_mask is not None:
            keep = _as_mask(v_mask)[:, None, :]
        if use_causal_mask:
            causal = _causal(query.shape[1], key.shape[1])[None]
            keep = causal if keep is None else keep & causal
        probs = _masked_softmax(scores, keep)
        dropped = probs
        if training and self.dropout > 0:
            dropped = dropout_op(probs, self.dropout, None, self._rng)
        out = ops.matmul(dropped, value)
        if q_mask is not None:
            out = ops.multiply(out, _as_mask(q_mask)[:, :, None].astype(out.dtype))
        return (out, probs) if return_attention_scores else out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def get_config(self):
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode,
                      dropout=self.dropout, seed=self.seed)
        return config
