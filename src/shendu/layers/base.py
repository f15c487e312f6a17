"""The Layer base class: lazy ``build``, ``call``, weights, config — Keras's contract.

A subclass writes ``build(input_shape)`` (creating weights with :meth:`Layer.add_weight`) and
``call(inputs)`` with shendu ops; the backward comes from autograd.

>>> import numpy as np
>>> from shendu import ops
>>> from shendu.layers import Layer
>>> class Scale(Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
...     def call(self, inputs):
...         return inputs * self.w
>>> Scale()(np.ones((2, 3))).shape
(2, 3)
"""

from __future__ import annotations

import numbers
import re
import threading
from collections import defaultdict
from typing import Any

import numpy as np

from .. import backend, initializers
from ..autograd import Tensor, no_grad
from ..errors import ArgumentError, DTypeError, NotBuiltError, ShapeError
from .input_spec import check_input_spec
from .node import Node, flatten, is_symbolic, map_structure, symbolic_outputs
from .variable import Variable
from .weight_budget import charge

_name_counts: defaultdict[str, int] = defaultdict(int)
_calls = threading.local()  # depth of nested eager __call__s: the outermost one clears losses
backend._SESSION_STATE.append(_name_counts.clear)  # backend.clear_session() restarts the names


def unique_name(base: str) -> str:
    """'dense', then 'dense_1', 'dense_2'... as Keras names layers."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def _marks_built(build):
    """``build`` that, called by the user as in Keras (``layer.build(shape)``), leaves the layer
    built, so its first call does not build (and add) the weights a second time."""
    if getattr(build, "_marks_built", False):
        return build

    def wrapped(self, input_shape=None, *args, **kwargs):
        build(self, input_shape, *args, **kwargs)
        self.built = True
        if self.__dict__.get("_build_shape") is None and input_shape is not None:
            self._build_shape = (input_shape if isinstance(input_shape, (list, dict))
                                 else tuple(input_shape))

    wrapped._marks_built = True
    wrapped.__name__, wrapped.__qualname__ = build.__name__, build.__qualname__
    wrapped.__doc__, wrapped.__wrapped__ = build.__doc__, build
    return wrapped


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z])([A-Z])|(?<=[A-Z0-9])([A-Z][a-z])", r"_\1\2", name).lower()


STANDARD_WEIGHT_OPTIONS = ("kernel_initializer", "bias_initializer", "kernel_regularizer",
                           "bias_regularizer", "activity_regularizer", "kernel_constraint",
                           "bias_constraint")


def _option_module(key: str):
    from .. import constraints, regularizers

    if key.endswith("_initializer"):
        return initializers
    return regularizers if key.endswith("_regularizer") else constraints


def shape_arg(shape, where: str, arg: str) -> tuple:
    """A per-sample shape (no batch axis): a tuple of positive ints, None for a size that
    varies. Anything else raises an ArgumentError naming ``where`` and ``arg``."""
    def size_ok(d):
        return d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0)

    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool) and shape > 0:
        raise ArgumentError(
            f"{where}: {arg} must be a tuple (the shape of one sample), got the number {shape}. "
            f"Hint: {arg}=({shape},) for {shape} features."
        )
    if not isinstance(shape, (list, tuple)) or not all(size_ok(d) for d in shape):
        raise ArgumentError(
            f"{where}: {arg} must be a tuple of positive ints (or None for a size that varies), "
            f"got {shape!r}. Hint: {arg}=(28, 28, 1) for 28x28 images with one channel; leave "
            "out the batch axis."
        )
    return tuple(None if d is None else int(d) for d in shape)


def _shapes(inputs):
    """The shape of a Tensor, or a list of shapes for a list of Tensors."""
    if isinstance(inputs, (list, tuple)):
        return [tuple(t.shape) for t in inputs]
    return tuple(inputs.shape)


def _dtype_name(dtype, where: str) -> str | None:
    """The NumPy name of a layer's ``dtype`` argument (None stays None)."""
    if dtype is None:
        return None
    if hasattr(dtype, "compute_dtype") and hasattr(dtype, "variable_dtype"):
        dtype = dtype.name  # a DTypePolicy (shendu's has one dtype for both)
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise DTypeError(
            f"{where}: dtype {dtype!r} is not a data type. Hint: dtype='float32' (the default) "
            "or 'float64'."
        ) from None


class Layer:
    """Base class of every layer (and of Model).

    Keyword arguments accepted by every layer: ``name``, ``trainable``, ``dtype``, and, on a
    model's first layer, ``input_shape`` / ``input_dim`` / ``batch_size``.
    """

    def __init__(self, name: str | None = None, trainable: bool = True, dtype=None,
                 input_shape=None, input_dim=None, batch_size=None, **kwargs):
        if kwargs:
            raise ArgumentError(
                f"{type(self).__name__}: unknown keyword argument(s) {sorted(kwargs)}. "
                "Hint: check the spelling against the Keras documentation of this layer."
            )
        if name is not None and not isinstance(name, str):
            raise ArgumentError(
                f"{type(self).__name__}: name must be a string, got {type(name).__name__} "
                f"({name!r}). Hint: name='encoder', or leave it out for an automatic name."
            )
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.trainable = trainable
        self._dtype = _dtype_name(dtype, f"{type(self).__name__} '{self.name}'")
        self.built = False
        self._weights: list[Variable] = []
        self._layers: list[Layer] = []
        self._build_shape: tuple | None = None
        self._losses: list[Tensor] = []
        self._inbound_nodes: list = []
        where = f"{type(self).__name__} '{self.name}'"
        if input_dim is not None and input_shape is None:
            if isinstance(input_dim, bool) or not isinstance(input_dim, numbers.Integral) \
                    or input_dim <= 0:
                raise ArgumentError(
                    f"{where}: input_dim must be a positive int (the number of features), got "
                    f"{input_dim!r}. Hint: input_dim=x.shape[1]."
                )
            input_shape = (input_dim,)
        self._input_shape_arg = None if input_shape is None else shape_arg(
            input_shape, where, "input_shape")

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's weights. Setting it sets every sub-layer too,
        as in Keras: ``base_model.trainable = False`` freezes all of ``base_model``."""
        return self.__dict__["_trainable"]

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.__dict__["_trainable"] = bool(value)
        for layer in self.__dict__.get("_layers", ()):
            layer.trainable = value

    # -- sub-layer tracking --------------------------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        if isinstance(value, Layer) and key != "_outer" and "_layers" in self.__dict__:
            if value not in self._layers:
                self._layers.append(value)
        super().__setattr__(key, value)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    # -- the contract --------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis first, may be None)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The forward pass, written with shendu ops."""
        return inputs

    def compute_output_shape(self, input_shape):
        """Output shape for an input shape; by default runs ``call`` on one zero sample."""
        shape = tuple(1 if d is None else d for d in input_shape)
        with no_grad():
            out = self(np.zeros(shape, dtype=self.compute_dtype), training=False)
        return (input_shape[0],) + tuple(out.shape[1:])

    @property
    def dtype(self) -> str:
        """The dtype of the weights (Keras's ``layer.dtype``): the one given, else floatx()."""
        return self._dtype or backend.floatx()

    @dtype.setter
    def dtype(self, value) -> None:
        self._dtype = value

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in: the one given, else floatx() (as ``dtype``)."""
        return self._dtype or backend.floatx()

    @property
    def variable_dtype(self) -> str:
        return self.dtype

    def __call__(self, inputs, *args, training=None, **kwargs):
        if is_symbolic(inputs):
            return self._symbolic_call(inputs, *args, **kwargs)
        inputs = self._to_tensor(inputs)
        if self.input_spec is not None:
            check_input_spec(self, inputs)
        if not self.built:
            self.build_from_shape(_shapes(inputs))
        if self._accepts_training():
            kwargs["training"] = bool(training)
        if "mask" in kwargs and not self._accepts_mask():
            del kwargs["mask"]  # a layer that does not read masks just computes
        depth = getattr(_calls, "depth", 0)
        if depth == 0:  # a new forward pass: add_loss terms of the last one go, as in Keras
            _clear_losses(self)
        _calls.depth = depth + 1
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _calls.depth = depth
        if self.__dict__.get("activity_regularizer") is not None:
            self._add_activity_losses(outputs)
        return outputs

    def _add_activity_losses(self, outputs) -> None:
        """Keras 3's activity penalty: the regularizer of each output (states and attention
        scores too), divided by that output's batch size so its strength does not depend on it."""
        for out in flatten(outputs):
            if isinstance(out, Tensor):
                penalty = self.activity_regularizer(out)
                self.add_loss(penalty / out.shape[0] if out.ndim else penalty)

    input_spec = None  # an InputSpec (or a list, one per input) every call is checked against
    supports_masking = False  # True: the input mask passes through unchanged
    takes_strings = False  # True: reads raw text (TextVectorization; a model starting with one)

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output: passed on when ``supports_masking``, else none."""
        return mask if self.supports_masking else None

    def _symbolic_call(self, inputs, *args, **kwargs):
        """Record a node of the functional graph; outputs get their shapes from one dry run."""
        if not self.takes_strings and any(
                getattr(t, "dtype", None) == "string" for t in flatten(inputs)):
            raise DTypeError(
                f"Layer '{self.name}' ({type(self).__name__}): got a string input, but it takes "
                "numbers. Hint: put TextVectorization between Input(dtype='string') and it.")
        if self.input_spec is not None:
            check_input_spec(self, inputs)
        if not self.built:
            self.build_from_shape(map_structure(lambda t: t.shape, inputs))
        tensor_kwargs = {k: v for k, v in kwargs.items() if is_symbolic(v)}
        kwargs = {k: v for k, v in kwargs.items() if k not in tensor_kwargs}
        call_kwargs = dict(kwargs)
        if self._accepts_training():
            call_kwargs["training"] = False
        keys, n = list(tensor_kwargs), len(args)

        def run(x, rest):
            return self.call(x, *rest[:n], **call_kwargs, **dict(zip(keys, rest[n:])))

        outputs = symbolic_outputs(run, inputs, list(args) + [tensor_kwargs[k] for k in keys])
        self._losses.clear()
        Node(self, inputs, flatten(outputs), kwargs, args=list(args), tensor_kwargs=tensor_kwargs)
        return outputs

    @property
    def output(self):
        """The symbolic output of this layer's first call in a functional graph."""
        return self._node_attr("outputs", "output")

    @property
    def input(self):
        """The symbolic input of this layer's first call in a functional graph."""
        return self._node_attr("inputs", "input")

    def _node_attr(self, attr, what):
        owner = self.__dict__.get("_graph_owner")  # a Sequential holding this layer (weakref)
        if not self._inbound_nodes and owner is not None and owner() is not None:
            getattr(owner(), "outputs", None)  # its graph, when its input shape is known
        if not self._inbound_nodes:
            raise NotBuiltError(
                f"Layer '{self.name}' has no {what}: it was never called on a symbolic input. "
                "Hint: use it in a functional model, e.g. y = layer(Input(shape=...)), or in a "
                "Sequential whose input shape is known (start it with Input(shape=...))."
            )
        value = getattr(self._inbound_nodes[0], attr)
        return value[0] if isinstance(value, list) and len(value) == 1 else value

    def build_from_shape(self, input_shape) -> None:
        if not isinstance(input_shape, (list, dict)):
            input_shape = tuple(input_shape)
        self.build(input_shape)
        self._build_shape = input_shape
        self.built = True

    def _accepts_training(self) -> bool:
        return self._call_takes("training")

    def _accepts_mask(self) -> bool:
        return self._call_takes("mask")

    def _call_takes(self, name: str) -> bool:
        key = f"_takes_{name}"
        cached = type(self).__dict__.get(key)
        if cached is None:
            import inspect

            cached = name in inspect.signature(type(self).call).parameters
            type.__setattr__(type(self), key, cached)
        return cached

    def _to_tensor(self, inputs):
        if isinstance(inputs, Tensor):
            return inputs
        if isinstance(inputs, (list, tuple)):
            if inputs and isinstance(inputs[0], (str, bytes)) and self.takes_strings:
                return np.asarray(inputs)  # a list of texts for a model reading strings
            return type(inputs)(self._to_tensor(x) for x in inputs)
        array = np.asarray(inputs)
        if array.dtype.kind not in "fiub":
            if array.dtype.kind in "OUS" and self.takes_strings:
                return array  # raw text, read by the first layer (TextVectorization)
            raise DTypeError(
                f"Layer '{self.name}': expected a numeric array, got dtype {array.dtype}. "
                "Hint: convert with np.asarray(x, dtype='float32')."
            )
        if array.dtype.kind == "f" or self._casts_inputs():
            array = array.astype(self.compute_dtype, copy=False)
        return Tensor(array)

    def _casts_inputs(self) -> bool:
        return True

    # -- weights ---------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True,
                   name: str | None = None, regularizer=None, constraint=None) -> Variable:
        """Create a weight of ``shape`` and register it with this layer."""
        shape = tuple(shape or ())
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._weights)}"
        if dtype is None and np.dtype(self.compute_dtype).kind != "f":
            raise DTypeError(
                f"Layer '{self.name}' ({type(self).__name__}): dtype={self._dtype!r} cannot hold "
                f"its weight '{name}' (an initializer would round it to whole numbers, and "
                "integers get no gradients). Hint: leave dtype out (float32), or give the "
                "integer dtype to Input(..., dtype='int32') instead."
            )
        charge(shape, self.name, name)  # a model file being loaded caps the total (weight_budget)
        value = np.asarray(init(shape, dtype=dtype or self.compute_dtype))
        var = Variable(value, name=name, trainable=trainable and self.trainable,
                       regularizer=regularizer, constraint=constraint)
        var.path = f"{self.name}/{name}"
        self._weights.append(var)
        return var

    @property
    def weights(self) -> list[Variable]:
        """Every weight of this layer and its sub-layers, in creation order."""
        out = list(self._weights)
        for layer in self._layers:
            out.extend(w for w in layer.weights if not any(w is o for o in out))
        return out

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        own = [w for w in self._weights if w.trainable]
        for layer in self._layers:
            own.extend(layer.trainable_weights)
        return own

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    @property
    def trainable_variables(self) -> list[Variable]:
        return self.trainable_weights

    @property
    def variables(self) -> list[Variable]:
        return self.weights

    @property
    def losses(self) -> list[Tensor]:
        """Regularization losses of this layer's weights (added to the training loss)."""
        out = []
        for w in self._weights:
            if w.regularizer is not None and w.trainable:
                out.append(w.regularizer(w))
        for layer in self._layers:
            out.extend(layer.losses)
        return out + list(self._losses)

    def add_loss(self, loss) -> None:
        """Add an extra loss term computed in ``call`` (cleared at each step)."""
        self._losses.append(loss)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as NumPy arrays, in Keras's order."""
        return [backend.to_numpy(w.data).copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Load arrays (same count, shapes as :meth:`get_weights`) into the weights in place."""
        mine = self.weights
        weights = list(weights)
        if len(weights) != len(mine):
            raise ShapeError(
                f"Layer '{self.name}'.set_weights: expected {len(mine)} arrays, "
                f"got {len(weights)}. "
                f"Hint: expected shapes {[w.shape for w in mine]}."
            )
        for var, value in zip(mine, weights):
            if np.shape(value) != var.shape:
                raise ShapeError(
                    f"Layer '{self.name}'.set_weights: weight '{var.path}' expects shape "
                    f"{var.shape}, got {np.shape(value)}. Hint: get_weights() shows the layout."
                )
            kind = np.asarray(value).dtype
            if kind.kind not in "fiub":
                raise DTypeError(
                    f"Layer '{self.name}'.set_weights: weight '{var.path}' takes numbers, got "
                    f"an array of dtype {kind}. Hint: pass the float arrays get_weights() "
                    "returns."
                )
        for var, value in zip(mine, weights):
            var.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise NotBuiltError(
                f"Layer '{self.name}' is not built, so it has no weights yet. "
                "Hint: call it on data or give the model an input_shape first."
            )
        return int(sum(w.size for w in self.weights))

    # -- Keras's weight options (initializers, regularizers, constraints) ---------------------
    def _set_weight_options(self, **options) -> None:
        """Resolve options such as kernel_initializer=, bias_regularizer=, kernel_constraint=."""
        for key, value in options.items():
            setattr(self, key, _option_module(key).get(value))

    def _weight_options_config(self, *keys) -> dict:
        """The serialized form of the options set by :meth:`_set_weight_options`."""
        return {key: _option_module(key).serialize(getattr(self, key)) for key in keys}

    # -- config ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        if self._dtype is not None:  # only a dtype given: a layer otherwise follows floatx()
            config["dtype"] = self._dtype
        if self._input_shape_arg is not None:
            config["input_shape"] = list(self._input_shape_arg)
        return config

    @classmethod
    def from_config(cls, config: dict):
        """The layer ``get_config()`` described; Keras 3's configs are read too (a dtype
        policy dict, keys at their harmless defaults: see ``keras_config.py``)."""
        from .keras_config import standardize

        return cls(**standardize(cls, config))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _clear_losses(layer: Layer) -> None:
    """Drop the ``add_loss`` terms of ``layer`` and of every layer inside it."""
    stack = [layer]
    while stack:
        current = stack.pop()
        current.__dict__.get("_losses", []).clear()
        stack.extend(current.__dict__.get("_layers", ()))
