"""The lean path of ``Model.predict``: one small batch straight through the cached chain.

``predict`` on a few samples used to spend most of its time around the arithmetic: argument
checks, ``check_array``'s general all-finite scan, the build-shape checks, the plan lookup, a
``no_grad`` context, batching. For a Sequential that runs as a chain (``models/chain.py``), a
plain ``float`` array of at most one default batch (32 rows) and no ``batch_size`` / ``steps``
/ ``callbacks`` / progress line, all of that reduces to a handful of cheap tests, then the
chain's own inference ops (the very ``Function`` objects the plain path runs; a 2-D ``Linear``
does its ``x @ W + b`` and activation kernel here, without keeping its input and output for a
backward pass that never comes):

- the facts checked once and kept (``LeanPredictor``): the model is a built chain with a
  reusable inference plan, and the input shape it was built for; they are re-checked at every
  call by identity (same plan object, same layers, same flat layout, same build shape), so
  ``add``/``pop``/``fit``/a rebuilt plan make the lean path step aside until the plain path has
  run again;
- per call: the array's type, dtype kind, rank, feature shape and row count, and one pass over
  the values (``v·v`` is finite only when every value is; if it overflows, an exact test).

Anything else (NaN, a wrong shape, a list, ints, a memmap, many rows) goes to the plain path,
which gives the same errors with the same messages. The casts are the plain path's own:
to ``floatx()`` (as ``check_array`` does), then to the model's compute dtype (as
``ChainPlan.predict`` does), so both paths give identical numbers (tests/test_lean_paths.py).

>>> import numpy as np
>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> model = Sequential([Dense(2, activation="relu", input_dim=3)])
>>> x = np.ones((1, 3), dtype="float32")
>>> bool((model.predict(x, verbose=0) == lean_predict(model, x)).all())
True
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..ops.fused import Linear

_DTYPES = {name: np.dtype(name) for name in ("float16", "float32", "float64")}
LEAN_MAX_ROWS = 32  # predict's default batch size: at most one batch, so no batching to mimic


class LeanPredictor:
    """What ``predict`` checked about a model once, and the ops it runs (see the module)."""

    __slots__ = ("plan", "steps", "build_shape", "features")

    def __init__(self, plan, steps, build_shape):
        self.plan, self.steps, self.build_shape = plan, steps, build_shape
        self.features = tuple(build_shape[1:])

    @classmethod
    def for_model(cls, model) -> LeanPredictor | None:
        """A predictor when ``model`` is a built chain whose inference ops can be reused."""
        from .model import Model

        kind = type(model)
        if (not model.built or not model.use_fast_path
                or kind._check_x is not Model._check_x
                or kind._prepare_build is not Model._prepare_build
                or getattr(model, "input_names", None)):
            return None
        build_shape = getattr(model, "_build_shape", None)
        if not isinstance(build_shape, tuple) or len(build_shape) < 2 or None in build_shape[1:]:
            return None
        plan = model._predict_plan()
        if plan is None:
            return None
        steps = plan.predict_steps()
        if plan.predict_steps() is not steps:  # ops rebuilt per call (not reusable)
            return None
        return cls(plan, steps, build_shape)

    def still_valid(self, model) -> bool:
        """True while the model has the same plan, layers, flat layout and build shape."""
        plan = self.plan
        return (model._plan is plan and model.built and model._build_shape is self.build_shape
                and model.use_fast_path and plan.matches(model))


def _predictor(model, x, new_plan: bool = True) -> LeanPredictor | None:
    """The model's kept predictor when ``x`` is a float array of the built input shape
    (``new_plan=False``: only from a chain plan the model already has)."""
    if type(x) is not np.ndarray or x.dtype.kind != "f" or not x.ndim:
        return None
    lean = model.__dict__.get("_lean_predictor")
    if lean is None or not lean.still_valid(model):
        plan = getattr(model, "_plan", None)
        if not new_plan and (plan is None or not plan.matches(model)):
            return None
        lean = LeanPredictor.for_model(model)
        model.__dict__["_lean_predictor"] = lean
        if lean is None:
            return None
    shape = x.shape
    if shape[1:] != lean.features or len(shape) != len(lean.build_shape) or not shape[0]:
        return None
    return lean


def _run(steps, h):
    for fn, weights in steps:
        if type(fn) is Linear and h.ndim == 2:
            # Linear.forward's own arithmetic, minus what it keeps for a backward pass
            z = h.dot(weights[0].data)  # ndarray.dot: less call overhead than @
            if len(weights) > 1:
                z += weights[1].data
            h = fn.kernel.forward_(z)
        else:
            h = fn.forward(h, *[w.data for w in weights])
    return h if type(h) is np.ndarray else backend.to_numpy(h)


def lean_predict(model, x):
    """``model.predict(x)`` for a small float array, or None when the plain path must run."""
    if type(x) is not np.ndarray or not x.ndim or not 0 < x.shape[0] <= LEAN_MAX_ROWS:
        return None
    lean = _predictor(model, x)
    if lean is None:
        return None
    values = x.reshape(-1)
    if not math.isfinite(values.dot(values)) and not np.isfinite(values).all():
        return None  # NaN or inf: the plain path raises check_array's error
    # the plain path's casts: check_array's to floatx, then ChainPlan.predict's (none at all
    # when x already has that dtype, the usual case)
    fx, dtype = backend.floatx(), model.compute_dtype
    if fx == dtype and x.dtype is _DTYPES.get(fx):
        return _run(lean.steps, x)
    return _run(lean.steps, x.astype(fx, copy=False).astype(dtype, copy=False))


def lean_call(model, inputs):
    """``model(inputs)``'s array under ``no_grad`` (any number of rows, values unchecked, as
    ``Layer.__call__`` does), or None when the plain path must run. A model with a flat
    parameter buffer (a training loop) gets no new chain plan here: making one clears the
    gradient buffer, which a call between ``backward`` and the update must not do."""
    lean = _predictor(model, inputs, new_plan=getattr(model, "_flat", None) is None)
    if lean is None:
        return None
    return _run(lean.steps, inputs.astype(model.compute_dtype, copy=False))
