"""Gradient clipping as Keras does it: per-variable norm, global norm, or elementwise value.

Works in place on the optimizer's flat gradient buffer, for every variable (``indices=None``)
or for the listed ones.

>>> import numpy as np
>>> from shendu.optimizers import SGD
>>> from shendu.optimizers.layout import Layout
>>> g = np.array([3.0, 4.0, 0.5])
>>> clip_gradients(SGD(global_clipnorm=1.0), g, Layout([np.zeros(2), np.zeros(1)]), None)
>>> np.round(g, 4)
array([0.597 , 0.796 , 0.0995])
"""

from __future__ import annotations

import math

from ..backend import get_array_module


def clip_gradients(optimizer, grads, layout, indices) -> None:
    """Clip ``grads`` in place by the optimizer's clipnorm, global_clipnorm or clipvalue."""
    if not (optimizer.clipnorm or optimizer.global_clipnorm or optimizer.clipvalue):
        return
    xp = get_array_module(grads)
    whole = indices is None
    pieces = [layout.slice(i) for i in (layout.all() if whole else indices)]
    if optimizer.clipnorm:
        for s in pieces:
            g = grads[s]
            norm = math.sqrt(float(xp.dot(g, g)))
            # g ← g · c / max(‖g‖, c), per variable
            if norm > optimizer.clipnorm:
                g *= optimizer.clipnorm / norm
    elif optimizer.global_clipnorm:
        c = optimizer.global_clipnorm
        squares = float(xp.dot(grads, grads)) if whole else sum(
            float(xp.dot(grads[s], grads[s])) for s in pieces)
        norm = math.sqrt(squares)
        # g ← g · c / max(‖g‖_global, c); a non-finite norm makes every gradient NaN, as Keras
        scale = c / max(norm, c) if math.isfinite(norm) else math.nan
        if scale != 1.0:
            for s in [slice(None)] if whole else pieces:
                grads[s] *= scale
    elif optimizer.clipvalue:
        v = optimizer.clipvalue
        for s in [slice(None)] if whole else pieces:
            xp.clip(grads[s], -v, v, out=grads[s])
