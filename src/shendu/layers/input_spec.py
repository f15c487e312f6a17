"""InputSpec: what a layer accepts (rank, dtype, shape, fixed axes), checked before each call.

A custom layer sets ``self.input_spec`` (one spec, or a list with one per input) and every call,
eager or on a symbolic ``Input``, is checked against it first, as in Keras 3: a wrong input is
refused with the layer's name, what it expected and what came, before ``build`` or ``call``
could fail with a less helpful message. ``None`` in a spec (or in place of a spec) means "any".

>>> import numpy as np
>>> from shendu.layers import InputSpec, Layer
>>> class Pairs(Layer):
...     def __init__(self, **kwargs):
...         super().__init__(**kwargs)
...         self.input_spec = InputSpec(ndim=2, axes={-1: 2})
...     def call(self, x):
...         return x[:, :1] * x[:, 1:]
>>> Pairs()(np.ones((3, 2))).shape
(3, 1)
>>> Pairs(name="pairs")(np.ones((3, 5)))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
shendu.errors.ShapeError: Input 0 of layer 'pairs' (Pairs) is incompatible ... size 2...
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ArgumentError, DTypeError, ShapeError


def _dim(value, what: str):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ArgumentError(f"InputSpec: {what} must be a non-negative int or None, got "
                            f"{value!r}. Hint: None stands for any size.")
    return int(value)


def _dtype_name(dtype) -> str | None:
    if dtype is None:
        return None
    if dtype in ("string", str):
        return "string"
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise ArgumentError(f"InputSpec: dtype {dtype!r} is not a dtype. Hint: 'float32', "
                            "'int32', 'string' or None (any).") from None


class InputSpec:
    """The rank, dtype, shape and fixed axes a layer's input must have (Keras 3's arguments).

    ``shape`` (None for an unknown size; it sets ``ndim``), or ``ndim`` / ``min_ndim`` /
    ``max_ndim``; ``axes`` maps an axis (negative counts from the end) to its required size;
    ``allow_last_axis_squeeze`` lets a trailing axis of size 1 be present or absent;
    ``optional`` lets the input be None.

    >>> InputSpec(shape=(None, 4)).ndim
    2
    >>> InputSpec(min_ndim=2, axes={-1: 8})
    InputSpec(min_ndim=2, axes={-1: 8})
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = _dtype_name(dtype)
        if shape is not None:
            if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
                raise ArgumentError(f"InputSpec: shape must be a tuple of sizes (None for any), "
                                    f"got {shape!r}. Hint: shape=(None, 28, 28, 1).")
            self.shape = tuple(_dim(d, "each size in shape") for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape = None
            self.ndim = _dim(ndim, "ndim")
        self.max_ndim = _dim(max_ndim, "max_ndim")
        self.min_ndim = _dim(min_ndim, "min_ndim")
        if axes is not None and not isinstance(axes, dict):
            raise ArgumentError(f"InputSpec: axes must be a dict {{axis: size}}, got {axes!r}. "
                                "Hint: axes={-1: 64} fixes the last axis at 64.")
        self.axes = {}
        for axis, size in (axes or {}).items():
            if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
                raise ArgumentError(f"InputSpec: the axes of `axes` must be ints, got {axis!r}.")
            self.axes[int(axis)] = _dim(size, f"the size of axis {axis}")
        top = self.ndim if self.ndim is not None else self.max_ndim
        if self.axes and top is not None and max(self.axes) > top - 1:
            raise ArgumentError(f"InputSpec: axis {max(self.axes)} is beyond the rank allowed "
                                f"({top}). Hint: count axes from 0, batch first, or use -1.")
        self.allow_last_axis_squeeze = bool(allow_last_axis_squeeze)
        self.name = name
        self.optional = bool(optional)

    def __repr__(self) -> str:
        parts = [f"{key}={value!r}" for key, value in (
            ("dtype", self.dtype), ("shape", self.shape),
            ("ndim", None if self.shape is not None else self.ndim),
            ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim),
            ("axes", self.axes or None)) if value is not None]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": dict(self.axes)}

    @classmethod
    def from_config(cls, config: dict) -> InputSpec:
        config = dict(config)
        if config.get("shape") is not None:
            config.pop("ndim", None)
        return cls(**config)


def _flat(structure) -> list:
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flat(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _flat(structure[key])]
    return [structure]


def _dtype_of(x) -> str | None:
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return None
    if dtype == "string" or getattr(dtype, "kind", "") in "OUS":
        return "string"
    return np.dtype(dtype).name


def check_input_spec(layer, inputs) -> None:
    """Refuse ``inputs`` that do not meet ``layer.input_spec`` (a clear error; nothing runs)."""
    specs = layer.input_spec
    specs = list(specs) if isinstance(specs, (list, tuple)) else [specs]
    where = f"layer '{layer.name}' ({type(layer).__name__})"
    xs = _flat(inputs)
    if len(xs) != len(specs):
        raise ShapeError(f"{where} expects {len(specs)} input(s) by its input_spec, got "
                         f"{len(xs)}. Hint: pass a list with one array per input.")
    for index, (x, spec) in enumerate(zip(xs, specs)):
        if spec is None or (x is None and getattr(spec, "optional", False)):
            continue
        if not isinstance(spec, InputSpec):
            raise ArgumentError(f"{where}: input_spec must be an InputSpec, a list of them or "
                                f"None, got {type(spec).__name__}. Hint: "
                                "self.input_spec = InputSpec(ndim=2).")
        if not hasattr(x, "shape"):
            raise DTypeError(f"Input {index} of {where}: expected an array, got "
                             f"{type(x).__name__}. Hint: np.asarray(x).")
        shape = tuple(x.shape)
        _check_one(spec, shape, _dtype_of(x), f"Input {index} of {where}")


def _check_one(spec: InputSpec, shape: tuple, dtype, where: str) -> None:
    ndim = len(shape)
    bad = f"{where} is incompatible with the layer"

    def fail(expected, cls=ShapeError, hint="check the input's shape against the layer's "
             "input_spec"):
        raise cls(f"{bad}: expected {expected}, got shape {shape}. Hint: {hint}.")

    if spec.ndim is not None and ndim != spec.ndim:
        squeezable = spec.allow_last_axis_squeeze and (
            (ndim == spec.ndim + 1 and shape[-1] in (1, None)) or ndim == spec.ndim - 1)
        if not squeezable:
            fail(f"ndim={spec.ndim}, found ndim={ndim}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        fail(f"max_ndim={spec.max_ndim}, found ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        fail(f"min_ndim={spec.min_ndim}, found ndim={ndim}")
    if spec.dtype is not None and dtype is not None and dtype != spec.dtype:
        raise DTypeError(f"{bad}: expected dtype={spec.dtype}, got dtype={dtype}. Hint: "
                         f"np.asarray(x, dtype={spec.dtype!r}).")
    for axis, size in spec.axes.items():
        if size is None:
            continue
        if not -ndim <= axis < ndim:
            fail(f"an axis {axis} of size {size}")
        if shape[axis] not in (size, None):
            fail(f"axis {axis} to have size {size}")
    if spec.shape is not None:
        expected, got = spec.shape, shape
        if spec.allow_last_axis_squeeze:
            expected = expected[:-1] if expected and expected[-1] == 1 else expected
            got = got[:-1] if got and got[-1] == 1 else got
        if len(expected) == len(got) and any(
                e is not None and g is not None and e != g for e, g in zip(expected, got)):
            fail(f"shape={spec.shape}")
