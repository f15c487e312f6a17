"""More ``keras.ops.nn`` names: attention, moments and normalization with given statistics,
unreduced cross-entropies, CTC loss and decoding, separable convolution, adaptive pooling,
depth/space shuffles, PSNR, sparsemax, sliding windows (unfold, fold, extract_sequences) and
einops-style ``rearrange``. Each lives in the module of its family; this one lists them.

>>> import numpy as np
>>> from shendu import ops
>>> ops.sparsemax(np.array([2.0, 0.0, -1.0])).data
array([1., 0., 0.])
"""

from __future__ import annotations

from .nn_attention import dot_product_attention
from .nn_crossentropy import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from .nn_ctc import ctc_decode, ctc_loss
from .nn_patches import extract_sequences, fold, unfold
from .nn_rearrange import rearrange
from .nn_spatial import (
    adaptive_average_pool,
    adaptive_max_pool,
    depth_to_space,
    separable_conv,
    space_to_depth,
)
from .nn_statistics import batch_normalization, layer_normalization, moments, psnr, sparsemax

__all__: list[str] = [
    "adaptive_average_pool", "adaptive_max_pool", "batch_normalization", "binary_crossentropy",
    "categorical_crossentropy", "ctc_decode", "ctc_loss", "depth_to_space",
    "dot_product_attention", "extract_sequences", "fold", "layer_normalization", "moments",
    "psnr", "rearrange", "separable_conv", "space_to_depth", "sparse_categorical_crossentropy",
    "sparsemax", "unfold",
]
