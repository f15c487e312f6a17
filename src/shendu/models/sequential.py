"""Sequential: a plain stack of layers, each feeding the next.

>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> model = Sequential()
>>> model.add(Dense(64, activation="relu", input_dim=100))
>>> model.add(Dense(1, activation="sigmoid"))
>>> model.count_params()
6529
"""

from __future__ import annotations

import weakref

from ..errors import ArgumentError
from ..layers.base import Layer
from ..layers.core import Input, InputLayer
from ..layers.node import SymbolicTensor
from .model import Model


class Sequential(Model):
    """A linear stack of layers (Keras's ``Sequential``)."""

    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        self._input_shape = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: Layer) -> None:
        """Append a layer; the model is built as soon as its input shape is known."""
        if isinstance(layer, SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer  # Sequential([Input(shape=...), ...])
        if not isinstance(layer, Layer):
            raise ArgumentError(
                f"Sequential.add: expected a Layer, got {type(layer).__name__} ({layer!r}). "
                "Hint: add layer instances, e.g. model.add(Dense(32))."
            )
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ArgumentError("Sequential.add: an Input must come before any other layer.")
            self._input_shape = layer.shape
            self._input_symbol = layer.output  # its dtype too (a string Input for text)
            return
        if any(existing.name == layer.name for existing in self._layers):
            raise ArgumentError(
                f"Sequential.add: a layer named '{layer.name}' is already in model '{self.name}'. "
                "Hint: layer names must be unique within a model; pass name=... ."
            )
        if not self._layers and self._input_shape is None and layer._input_shape_arg is not None:
            self._input_shape = layer._input_shape_arg
        self._layers.append(layer)
        layer._graph_owner = weakref.ref(self)  # layer.output can build this stack's graph
        self.built = False
        if self._input_shape is not None:
            self.build_from_shape((None,) + tuple(self._input_shape))

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer (the model's output is then the layer before)."""
        if not self._layers:
            raise ArgumentError(
                f"Sequential.pop: model '{self.name}' has no layers to remove. "
                "Hint: check model.layers before popping."
            )
        layer = self._layers.pop()
        self._flat = None
        self._plan = None
        self._metrics = self._weighted_metrics = None  # they were sized for the old output
        if not self._layers:
            self.built = False
        return layer

    def build(self, input_shape=None) -> None:
        """Build every layer in order from the input shape (batch axis first)."""
        if input_shape is None:
            if self._input_shape is None:
                raise ArgumentError(
                    "Sequential.build: no input shape known. Hint: build((None, features)) or "
                    "give the first layer input_shape=."
                )
            input_shape = (None,) + tuple(self._input_shape)
        if not self._layers:
            raise ArgumentError(
                f"Sequential '{self.name}' has no layers. Hint: model.add(Dense(...)) first."
            )
        shape = tuple(input_shape)
        for layer in self._layers:
            if not layer.built:
                layer.build_from_shape(shape)
            shape = tuple(layer.compute_output_shape(shape))
        self._input_shape = tuple(input_shape[1:])
        self._build_shape = tuple(input_shape)
        self.built = True

    def build_from_shape(self, input_shape) -> None:
        self.build(tuple(input_shape))
        self._build_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs, training=False, mask=None):
        x = inputs
        for layer in self._layers:
            # a mask (from Embedding(mask_zero=True) or Masking) flows to the layers after it
            y = layer(x, training=training, mask=mask) if mask is not None else layer(
                x, training=training)
            mask = layer.compute_mask(x, mask)
            x = y
        return x

    # -- the stack as a graph: Keras's model.inputs / model.outputs and layer.output ----------
    def _graph(self):
        """(input, output): the stack called once on its Input, made when first asked for and
        again after ``add``/``pop``, so ``model.layers[i].output`` and
        ``Model(model.inputs, model.layers[-2].output)`` work as in Keras."""
        key = tuple(id(layer) for layer in self._layers)
        graph = self.__dict__.get("_symbolic")
        if graph is not None and graph[0] == key:
            return graph[1], graph[2]
        if self._input_shape is None or not self._layers:
            raise AttributeError(
                f"Sequential '{self.name}' has no inputs yet: its input shape is unknown. Hint: "
                "start it with Input(shape=...) or give the first layer input_shape=."
            )
        x = self.__dict__.get("_input_symbol")
        if x is None:
            x = Input(shape=self._input_shape)
        y = x
        for layer in self._layers:
            y = layer(y)
        self._symbolic = (key, x, y)
        return x, y

    @property
    def inputs(self) -> list:
        return [self._graph()[0]]

    @property
    def outputs(self) -> list:
        return [self._graph()[1]]

    @property
    def input(self):
        return self._graph()[0]

    @property
    def output(self):
        return self._graph()[1]

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def get_config(self) -> dict:
        from ..layers import serialize

        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [serialize(layer) for layer in self._layers]}
        if self._input_shape is not None:
            config["input_shape"] = list(self._input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from ..layers import deserialize

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        if config.get("input_shape") is not None:
            model._input_shape = tuple(config["input_shape"])
        for layer_config in config.get("layers", []):
            model.add(deserialize(layer_config, custom_objects))
        return model
