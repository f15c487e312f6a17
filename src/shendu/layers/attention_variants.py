"""Two more attention layers of Keras 3, built on the pieces of ``attention.py``:
AdditiveAttention (Bahdanau-style scores) and GroupedQueryAttention (fewer key/value heads
than query heads, each shared by a group of query heads).

>>> import numpy as np
>>> from shendu.layers import AdditiveAttention, GroupQueryAttention
>>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
>>> AdditiveAttention()([q, v]).shape
(2, 3, 4)
>>> GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2)(q, v).shape
(2, 3, 4)
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import ops
from ..errors import ArgumentError, ShapeError
from .attention import Attention, combined_mask, grouped_attention, head_projection
from .base import STANDARD_WEIGHT_OPTIONS, Layer
from .einsum_dense import fan_preserving


class AdditiveAttention(Attention):
    """Keras's ``AdditiveAttention(use_scale=True, dropout=0.0)`` (Bahdanau-style).

    ``layer([query, value(, key)], mask=[query_mask, value_mask])`` with query
    (batch, Tq, dim), value (batch, Tv, dim_v), key (batch, Tv, dim) (default: value):
    ``scores[b, i, j] = Σ_d scale_d · tanh(q[b, i, d] + k[b, j, d])`` (``scale`` a trainable
    vector of length dim with ``use_scale``, Glorot-uniform initialised, as in Keras; else 1),
    then softmax over the value steps (masked where ``value_mask`` is False, and to the past
    with ``use_causal_mask``), dropout in training, and the weighted sum of ``value``; query
    steps where ``query_mask`` is False output zeros. ``return_attention_scores=True`` also
    returns the (batch, Tq, Tv) probabilities.

    >>> import numpy as np
    >>> layer = AdditiveAttention()
    >>> out, probs = layer([np.ones((1, 2, 3)), np.ones((1, 4, 3))],
    ...                    return_attention_scores=True)
    >>> out.shape, probs.shape, [w.shape for w in layer.get_weights()]
    ((1, 2, 3), (1, 2, 4), [(3,)])
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, seed: int | None = None,
                 **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) not in (2, 3):
            raise ShapeError(f"AdditiveAttention '{self.name}': expected inputs [query, value] "
                             f"or [query, value, key], got shape {input_shape}. Hint: pass a "
                             "list.")
        dim = input_shape[0][-1]
        if dim is None:
            raise ShapeError(f"AdditiveAttention '{self.name}': the query's last axis needs a "
                             f"known size, got shape {tuple(input_shape[0])}. Hint: give Input "
                             "a fixed number of features.")
        self.scale = self.add_weight((int(dim),), "glorot_uniform", name="scale") \
            if self.use_scale else None
        self.concat_score_weight = None

    def _scores(self, query, key):
        # scores = Σ_d scale_d · tanh(q[:, i, d] + k[:, j, d])  (B, Tq, Tv)
        pairs = ops.tanh(ops.add(ops.expand_dims(query, 2), ops.expand_dims(key, 1)))
        if self.scale is not None:
            pairs = ops.multiply(pairs, self.scale)
        return ops.sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config


def _positive_int(value, where: str, arg: str, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ArgumentError(f"{where}: {arg} must be a positive integer, got {value!r}. "
                            f"Hint: {hint}")
    return int(value)


class GroupedQueryAttention(Layer):
    """Keras's ``GroupQueryAttention(head_dim, num_query_heads, num_key_value_heads,
    dropout=0.0, use_bias=True, sliding_window=None, ..., use_gate=False, seed=None)``
    (its class is named ``GroupedQueryAttention`` in Keras too; both names work here).

    ``layer(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, use_causal_mask=False)`` with 3-D
    inputs (batch, steps, features); ``key`` defaults to ``value``. Queries are projected to
    ``num_query_heads`` heads of ``head_dim``, keys and values to ``num_key_value_heads``
    heads; query head u attends with key/value head ``u // (num_query_heads /
    num_key_value_heads)``. Scores ``softmax(Q Kᵀ / √head_dim)`` are masked where the
    combined mask (as MultiHeadAttention's) is False, and, with ``sliding_window`` w, where
    ``|i − j| >= w``. With ``use_gate`` the attended values are multiplied by
    ``sigmoid(query @ gate/kernel + gate/bias)`` before the output projection, whose size is
    the query's feature size. Weights, in Keras's order: ``query/kernel`` (dim, Hq, head_dim),
    ``query/bias`` (Hq, head_dim), ``key/kernel`` (dim_k, Hkv, head_dim), ``key/bias``,
    (``gate/kernel``, ``gate/bias``,) ``value/kernel`` (dim_v, Hkv, head_dim), ``value/bias``,
    ``attention_output/kernel`` (Hq, head_dim, dim), ``attention_output/bias`` (dim,).

    >>> import numpy as np
    >>> layer = GroupedQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=1)
    >>> out, scores = layer(np.ones((2, 5, 6)), np.ones((2, 7, 6)), return_attention_scores=True)
    >>> out.shape, scores.shape, [w.shape for w in layer.get_weights()][2]
    ((2, 5, 6), (2, 4, 5, 7), (6, 1, 3))
    """

    def __init__(self, head_dim: int, num_query_heads: int, num_key_value_heads: int,
                 dropout: float = 0.0, use_bias: bool = True, sliding_window: int | None = None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate: bool = False, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        where = f"GroupedQueryAttention '{self.name}'"
        hint = "GroupQueryAttention(head_dim=16, num_query_heads=8, num_key_value_heads=2)."
        self.head_dim = _positive_int(head_dim, where, "head_dim", hint)
        self.num_query_heads = _positive_int(num_query_heads, where, "num_query_heads", hint)
        self.num_key_value_heads = _positive_int(num_key_value_heads, where,
                                                 "num_key_value_heads", hint)
        if self.num_query_heads % self.num_key_value_heads:
            raise ArgumentError(
                f"{where}: num_query_heads must be a multiple of num_key_value_heads, got "
                f"{self.num_query_heads} and {self.num_key_value_heads}. Hint: each key/value "
                "head serves a group of query heads, e.g. 8 query heads with 2 or 4.")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) \
                or not 0 <= dropout < 1:
            raise ArgumentError(f"{where}: dropout must be in [0, 1), got {dropout!r}. "
                                "Hint: dropout=0.1 drops 10% of the attention weights.")
        if sliding_window is not None:
            _positive_int(sliding_window, where, "sliding_window",
                          "sliding_window=4 lets step i see steps j with |i - j| < 4.")
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self.dropout, self.use_bias, self.use_gate = float(dropout), bool(use_bias), \
            bool(use_gate)
        self.sliding_window = None if sliding_window is None else int(sliding_window)
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

    def _pair(self, name, dim, heads):
        """kernel (dim, heads, head_dim) with Keras's einsum fans, and bias (heads, head_dim)."""
        shape = (dim, heads, self.head_dim)
        kernel = self.add_weight(shape, fan_preserving(self.kernel_initializer, shape, [0],
                                                       [1, 2]),
                                 name=f"{name}/kernel", regularizer=self.kernel_regularizer,
                                 constraint=self.kernel_constraint)
        bias = self.add_weight((heads, self.head_dim), self.bias_initializer,
                               name=f"{name}/bias", regularizer=self.bias_regularizer,
                               constraint=self.bias_constraint) if self.use_bias else None
        return kernel, bias

    def build(self, input_shape):
        shapes = [tuple(s) for s in input_shape] if isinstance(input_shape, list) \
            else [tuple(input_shape)] * 2
        if len(shapes) not in (2, 3) or any(len(s) != 3 or s[-1] is None for s in shapes):
            raise ShapeError(f"GroupedQueryAttention '{self.name}': expected query, value (and "
                             f"key) of shape (batch, steps, features), got shapes {shapes}. "
                             "Hint: add a steps axis, e.g. x[:, None, :].")
        q_dim, v_dim = shapes[0][-1], shapes[1][-1]
        k_dim = shapes[2][-1] if len(shapes) > 2 else v_dim
        hq, hkv = self.num_query_heads, self.num_key_value_heads
        self.feature_dim = int(q_dim)
        self.projections = {"query": self._pair("query", q_dim, hq),
                            "key": self._pair("key", k_dim, hkv)}
        if self.use_gate:
            self.projections["gate"] = self._pair("gate", q_dim, hq)
        self.projections["value"] = self._pair("value", v_dim, hkv)
        shape = (hq, self.head_dim, self.feature_dim)
        self.output_kernel = self.add_weight(
            shape, fan_preserving(self.kernel_initializer, shape, [0, 1], [2]),
            name="attention_output/kernel", regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.output_bias = self.add_weight(
            (self.feature_dim,), self.bias_initializer, name="attention_output/bias",
            regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None

    def _check(self, query, value, key):
        shapes = [tuple(t.shape) for t in (query, value, key)]
        if any(len(s) != 3 for s in shapes) or len({s[0] for s in shapes}) > 1 \
                or shapes[1][1] != shapes[2][1]:
            raise ShapeError(
                f"GroupedQueryAttention '{self.name}': expected query (batch, T, dim), value "
                f"and key (batch, S, ·) with the same batch and S, got shapes query "
                f"{shapes[0]}, value {shapes[1]}, key {shapes[2]}. Hint: key and value need "
                "the same number of steps.")
        for t, name in ((query, "query"), (value, "value"), (key, "key")):
            want = self.projections[name][0].shape[0]
            if t.shape[-1] != want:
                raise ShapeError(
                    f"GroupedQueryAttention '{self.name}': expected {name} with {want} "
                    f"features (the layer was built for them), got shape {tuple(t.shape)}. "
                    "Hint: call it on inputs shaped like the first ones.")

    def call(self, inputs, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=False, use_causal_mask=False):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs, inputs]
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        self._check(query, value, key)
        batch, t, s = query.shape[0], query.shape[1], value.shape[1]
        mask = combined_mask(t, s, batch, query_mask, value_mask, key_mask, attention_mask,
                             use_causal_mask)
        if self.sliding_window is not None:
            # step i sees step j only when |i − j| < sliding_window
            near = np.abs(np.arange(t)[:, None] - np.arange(s)[None, :]) < self.sliding_window
            mask = near[None, None] if mask is None else mask & near[None, None]
        q = head_projection(query, *self.projections["query"])  # (B, Hq, T, h)
        k = head_projection(key, *self.projections["key"])  # (B, Hkv, S, h)
        v = head_projection(value, *self.projections["value"])
        out, probs = grouped_attention(q, k, v, mask, 1.0 / math.sqrt(self.head_dim),
                                       self.dropout, self._rng, training)
        if self.use_gate:
            # out ⊙ sigmoid(query @ gate/kernel + gate/bias), per head
            gate = ops.sigmoid(head_projection(query, *self.projections["gate"]))
            out = ops.multiply(out, gate)
        out = ops.reshape(ops.transpose(out, (0, 2, 1, 3)),
                          (batch, t, self.num_query_heads * self.head_dim))
        w = ops.reshape(self.output_kernel, (self.num_query_heads * self.head_dim,
                                             self.feature_dim))
        out = ops.linear(out, w, self.output_bias)
        return (out, probs) if return_attention_scores else out

    def compute_output_shape(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        return tuple(shapes[0])

    def get_config(self):
        config = super().get_config()
        config.update(
            head_dim=self.head_dim, num_query_heads=self.num_query_heads,
            num_key_value_heads=self.num_key_value_heads, use_bias=self.use_bias,
            use_gate=self.use_gate, sliding_window=self.sliding_window, dropout=self.dropout,
            **self._weight_options_config(*STANDARD_WEIGHT_OPTIONS), seed=self.seed)
        return config


GroupQueryAttention = GroupedQueryAttention  # the name Keras exports it under
