"""``dot_product_attention``: softmax(scale · Q Kᵀ + bias, masked) V over heads, composed of
existing ops (so its backward is theirs), with Keras 3's shapes: query (B, T, N, H), key and
value (B, S, K, H), N a multiple of K (grouped-query attention: query head n reads key/value
head n // (N / K)).

>>> import numpy as np
>>> q, k = np.ones((2, 4, 8, 16)), np.ones((2, 6, 8, 16))
>>> dot_product_attention(q, k, k).shape
(2, 4, 8, 16)
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Tensor
from ..errors import ArgumentError, ShapeError
from . import math as m
from .activations import softmax
from .arguments import data, floating
from .arrangement import repeat
from .shape import matmul, transpose

# where the mask is off, the logits become this (Keras's value for float32 and wider)
_MASKED = -0.7 * 3.38953e38


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal: bool = False, flash_attention=None,
                          attn_logits_soft_cap=None) -> Tensor:
    """Scaled dot-product attention; ``scale`` defaults to 1/√H, ``bias`` is added to the
    logits and ``mask`` (True = attend) and ``is_causal`` (query t sees keys s <= t) filter
    them; both broadcast to (B, N, T, S). Returns (B, T, N, H), as query.
    """
    if flash_attention:
        raise ArgumentError("dot_product_attention: flash_attention is not available on the "
                            "CPU (NumPy). Hint: leave flash_attention=None.")
    if attn_logits_soft_cap is not None:
        raise ArgumentError("dot_product_attention: attn_logits_soft_cap is only supported by "
                            "Keras's JAX backend on TPU. Hint: leave it None.")
    q, k, v = floating(query), floating(key), floating(value)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ShapeError(f"dot_product_attention: query, key and value must be 4-D (batch, "
                         f"length, heads, head size), got shapes {q.shape}, {k.shape} and "
                         f"{v.shape}. Hint: add a heads axis of 1 with x[:, :, None].")
    if k.shape != v.shape or q.shape[0] != k.shape[0] or q.shape[3] != k.shape[3] \
            or q.shape[2] % k.shape[2]:
        raise ShapeError(f"dot_product_attention: expected key and value (B, S, K, H) alike, "
                         f"with query (B, T, N, H) and N a multiple of K, got query {q.shape}, "
                         f"key {k.shape} and value {v.shape}. Hint: check the head axes.")
    heads, kv_heads, size = q.shape[2], k.shape[2], k.shape[3]
    scale = 1.0 / math.sqrt(size) if scale is None else float(data(scale))
    q, k, v = (transpose(t, (0, 2, 1, 3)) for t in (q, k, v))  # (B, heads, length, H)
    if heads != kv_heads:
        k, v = repeat(k, heads // kv_heads, axis=1), repeat(v, heads // kv_heads, axis=1)
    logits = m.multiply(matmul(q, transpose(k, (0, 1, 3, 2))), scale)
    if bias is not None:
        logits = m.add(logits, floating(bias))
    keep = None
    if mask is not None:
        keep = np.asarray(data(mask)).astype(bool)
    if is_causal:
        t, s = logits.shape[2], logits.shape[3]
        causal = np.arange(t)[:, None] >= np.arange(s)[None, :]
        keep = causal if keep is None else keep & causal
    if keep is not None:
        try:
            keep = np.broadcast_to(keep, logits.shape)
        except ValueError:
            raise ShapeError(f"dot_product_attention: mask must broadcast to (B, N, T, S) = "
                             f"{logits.shape}, got shape {np.shape(data(mask))}. Hint: a "
                             "(B, 1, T, S) mask serves every head.") from None
        logits = m.where(keep, logits, _MASKED)
    probs = softmax(logits, axis=-1)
    return transpose(matmul(probs, v), (0, 2, 1, 3))
