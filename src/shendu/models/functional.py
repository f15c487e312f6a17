"""Functional models: ``Model(inputs, outputs)`` over a graph of layer calls.

The graph is the record of nodes left by calling layers on symbolic tensors. The model keeps
those nodes in an order where every node comes after the nodes it reads, and ``call`` replays
them on real tensors. Layers may be shared (called more than once); a model may be a layer.

>>> import numpy as np
>>> from shendu.layers import Concatenate, Dense, Input
>>> from shendu.models import Model
>>> a, b = Input(shape=(3,), name="a"), Input(shape=(2,), name="b")
>>> merged = Concatenate()([Dense(4)(a), b])
>>> model = Model(inputs=[a, b], outputs=Dense(1)(merged))
>>> model([np.ones((2, 3)), np.ones((2, 2))]).shape
(2, 1)
"""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..errors import ArgumentError, ShapeError
from ..layers.core import InputLayer
from ..layers.node import SymbolicTensor, flatten, map_structure
from .model import Model
from .multi_io import MultiArray


def adopt_functional(cls: type) -> None:
    """Make a subclass of Model built as ``cls(inputs, outputs)`` a subclass of Functional,
    as Keras does: each of its own classes that derived from Model now derives from Functional
    (its overrides, e.g. ``train_step``, still come first).

    >>> from shendu import Input, Model, layers
    >>> class WithStep(Model):
    ...     pass
    >>> x = Input(shape=(2,))
    >>> model = WithStep(x, layers.Dense(1)(x))
    >>> isinstance(model, Functional), model.output_shape
    (True, (None, 1))
    """
    from .sequential import Sequential

    if issubclass(cls, (Functional, Sequential)) or cls is Model:
        return
    cls.__bases__ = tuple(
        Functional if base is Model else base for base in cls.__bases__)
    for base in cls.__bases__:
        if issubclass(base, Model):
            adopt_functional(base)


def _as_list(structure):
    if isinstance(structure, dict):
        return [structure[k] for k in structure]
    if isinstance(structure, (list, tuple)):
        return list(structure)
    return [structure]


class Functional(Model):
    """A model defined by its symbolic inputs and outputs."""

    def __init__(self, inputs, outputs, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        for t in flatten(inputs) + flatten(outputs):
            if not isinstance(t, SymbolicTensor):
                raise ArgumentError(
                    f"Model: inputs and outputs must be symbolic tensors from Input() and layer "
                    f"calls, got {type(t).__name__}. Hint: x = Input(shape=(4,)); "
                    "y = Dense(1)(x); Model(x, y)."
                )
        if not flatten(inputs) or not flatten(outputs):
            raise ArgumentError(
                f"Model: expected at least one input and one output, got {len(flatten(inputs))} "
                f"and {len(flatten(outputs))}. Hint: x = Input(shape=(4,)); y = Dense(1)(x); "
                "Model(x, y)."
            )
        self._input_struct = inputs
        self._output_struct = outputs
        self.inputs = _as_list(inputs)
        if isinstance(outputs, dict):  # Keras: outputs and output_names go by sorted key
            self.output_names = sorted(outputs)
            self.outputs = [outputs[key] for key in self.output_names]
        else:
            self.outputs = _as_list(outputs)
            self.output_names = [t.node.layer.name for t in self.outputs]
        self.input_names = [t.node.layer.name for t in self.inputs]
        self._nodes = self._ordered_nodes()
        self._layers = self._layers_in_keras_order()
        self._build_shape = (self.inputs[0].shape if len(self.inputs) == 1
                             else [t.shape for t in self.inputs])
        self.built = True

    def _ordered_nodes(self):
        """Every node between inputs and outputs, each after the nodes it reads."""
        input_ids = {id(t) for t in self.inputs}
        order, state = [], {}
        stack = [(t.node, False) for t in reversed(self.outputs)]
        while stack:
            node, done = stack.pop()
            if done:
                state[id(node)] = 2
                order.append(node)
                continue
            if state.get(id(node)) is not None:
                continue
            state[id(node)] = 1
            stack.append((node, True))
            for parent in node.parents:
                if id(parent) in input_ids:
                    continue
                if isinstance(parent.node.layer, InputLayer):
                    raise ArgumentError(
                        f"Model: the graph needs input '{parent.node.layer.name}', which is not in "
                        "`inputs`. Hint: pass every Input the outputs depend on."
                    )
                if state.get(id(parent.node)) is None:
                    stack.append((parent.node, False))
        for t in self.inputs:
            if not isinstance(t.node.layer, InputLayer):
                raise ArgumentError(
                    "Model: every input must come straight from Input(); got the output of "
                    f"layer '{t.node.layer.name}'."
                )
        input_nodes = [t.node for t in self.inputs]
        return input_nodes + [n for n in order if n not in input_nodes]

    def _layers_in_keras_order(self) -> list:
        """The layers in the order Keras's Functional lists them, so ``get_weights`` and
        ``set_weights`` exchange the same list with Keras: the layers farthest from the outputs
        first; among layers at one depth, the order in which a depth-first walk back from the
        outputs (each node's inputs in turn) first meets them. A layer's depth is the longest
        path from any of its calls to an output."""
        first_met: dict[int, int] = {}
        layers: dict[int, object] = {}
        walk_order, done = [], set()  # nodes, each after the nodes it reads
        for output in self.outputs:
            stack = [(output.node, False)]
            while stack:
                node, finished = stack.pop()
                if finished:
                    done.add(id(node))
                    walk_order.append(node)
                    continue
                if id(node) in done:
                    continue
                first_met.setdefault(id(node.layer), len(first_met))
                layers[id(node.layer)] = node.layer
                stack.append((node, True))
                stack.extend((parent.node, False) for parent in reversed(node.parents)
                             if id(parent.node) not in done)
        node_depth: dict[int, int] = {}
        layer_depth: dict[int, int] = {}
        for node in reversed(walk_order):  # outputs first: each node deepens what it reads
            depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = node_depth[id(node)] = depth
            for parent in node.parents:
                node_depth[id(parent.node)] = max(depth + 1, node_depth.get(id(parent.node), 0))
        for t in self.inputs:  # an input no output reads still belongs to the model
            if id(t.node.layer) not in layer_depth:
                layers[id(t.node.layer)] = t.node.layer
                layer_depth[id(t.node.layer)], first_met[id(t.node.layer)] = 0, -1
        ordered = sorted(layer_depth, key=lambda key: (-layer_depth[key], first_met[key]))
        return [layers[key] for key in ordered]

    @property
    def layers(self):
        return list(self._layers)

    @property
    def input(self):
        """The model's symbolic inputs, nested as they were given to ``Model(inputs, ...)``."""
        return self._input_struct

    @property
    def output(self):
        """The model's symbolic outputs, nested as they were given to ``Model(..., outputs)``."""
        return self._output_struct

    def _to_tensor(self, inputs):
        """Inputs declared ``dtype="string"`` stay text (for their lookup or vectorization
        layers); the others become Tensors."""
        count = inputs.count if isinstance(inputs, MultiArray) else (
            len(inputs) if isinstance(inputs, (list, tuple)) else 0)
        if count == len(self.inputs) > 1 and any(t.dtype == "string" for t in self.inputs):
            return type(inputs)(
                np.asarray(x) if t.dtype == "string" and not isinstance(x, Tensor)
                else super(Functional, self)._to_tensor(x) for t, x in zip(self.inputs, inputs))
        return super()._to_tensor(inputs)

    def call(self, inputs, training=False):
        values = _as_list(inputs) if not isinstance(inputs, dict) else [
            inputs[name] for name in self.input_names]
        if len(values) != len(self.inputs):
            raise ShapeError(
                f"Model '{self.name}': expected {len(self.inputs)} input array(s) "
                f"({', '.join(self.input_names)}), got {len(values)}. Hint: pass a list in "
                "the order of `inputs`, or a dict keyed by input name."
            )
        computed = {id(t): v for t, v in zip(self.inputs, values)}
        masks: dict[int, object] = {}  # masks travel beside the tensors they describe

        def value(t):
            return computed[id(t)] if isinstance(t, SymbolicTensor) else t

        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = map_structure(value, node.inputs)
            extra = map_structure(value, node.args)
            kwargs = {**node.kwargs, **map_structure(value, node.tensor_kwargs)}
            mask = masks.get(id(node.inputs)) if isinstance(node.inputs, SymbolicTensor) else None
            if mask is not None and "mask" not in kwargs:
                kwargs["mask"] = mask
            result = node.layer(args, *extra, training=training, **kwargs)
            out_masks = node.layer.compute_mask(args, mask) if isinstance(
                node.inputs, SymbolicTensor) else None
            out_masks = out_masks if isinstance(out_masks, list) else [out_masks]
            for i, (out, out_value) in enumerate(zip(node.outputs, flatten(result))):
                computed[id(out)] = out_value
                if i < len(out_masks) and out_masks[i] is not None:
                    masks[id(out)] = out_masks[i]
        if isinstance(self._output_struct, dict):
            return {key: computed[id(t)] for key, t in self._output_struct.items()}
        outputs = [computed[id(t)] for t in self.outputs]
        return outputs[0] if not isinstance(self._output_struct, (list, tuple)) else outputs

    def compute_output_shape(self, input_shape):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def build(self, input_shape=None):
        self.built = True

    # -- config ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        from ..layers import serialize

        layer_configs = []
        for layer in self._layers:
            entry = serialize(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = [
                {"args": _encode(node.inputs), "call_args": _encode(node.args),
                 "kwargs": node.kwargs, **({"call_kwargs": _encode(node.tensor_kwargs)}
                                           if node.tensor_kwargs else {})}
                for node in layer._inbound_nodes if node in self._nodes
            ]
            layer_configs.append(entry)
        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "inputs": _encode(self._input_struct), "outputs": _encode(self._output_struct)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """The model ``get_config()`` described, or one Keras 3 wrote (``inbound_nodes`` of
        ``__keras_tensor__`` references, ``input_layers`` / ``output_layers``)."""
        from ..layers import deserialize

        config = _from_keras_layout(config)
        layers, pending = {}, []
        for entry in config["layers"]:
            layer = deserialize(entry, custom_objects)
            layers[entry["name"]] = layer
            if isinstance(layer, InputLayer):
                continue
            pending.extend((layer, node) for node in entry.get("inbound_nodes", []))

        progress = True
        while pending and progress:  # replay calls whose inputs already exist
            progress = False
            for item in list(pending):
                layer, node = item
                try:
                    args = _decode(node["args"], layers)
                    extra = _decode(node.get("call_args", []), layers)
                    tensor_kwargs = _decode(node.get("call_kwargs", {"dict": {}}), layers)
                except (IndexError, KeyError):
                    continue
                layer(args, *extra, **node.get("kwargs", {}), **tensor_kwargs)
                pending.remove(item)
                progress = True
        if pending:
            raise ArgumentError("Model config: some layer calls refer to missing layers or inputs.")
        return cls(_decode(config["inputs"], layers), _decode(config["outputs"], layers),
                   name=config.get("name"), trainable=config.get("trainable", True))


def _keras_refs(value):
    """Keras 3's references ({"class_name": "__keras_tensor__", ...} and the [layer, node,
    index] triples of input_layers / output_layers) in shendu's {"ref": ...} form."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            history = (value.get("config") or {}).get("keras_history")
            if not (isinstance(history, list) and len(history) == 3):
                raise ArgumentError(
                    f"Model config: a Keras tensor reference must hold keras_history [layer, "
                    f"node, index], got {history!r}. Hint: pass the dict model.get_config() "
                    "returned, unchanged."
                )
            return {"ref": list(history)}
        return {"dict": {key: _keras_refs(item) for key, item in value.items()}}
    if isinstance(value, list):
        return [_keras_refs(item) for item in value]
    return {"value": value}


def _keras_triples(value):
    """input_layers / output_layers: one [name, node, index] triple, a list or a dict of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return {"ref": value}
    if isinstance(value, dict):
        return {"dict": {key: _keras_triples(item) for key, item in value.items()}}
    if isinstance(value, list):
        return [_keras_triples(item) for item in value]
    raise ArgumentError(f"Model config: expected [layer, node, index] triples in input_layers / "
                        f"output_layers, got {value!r:.80}. Hint: pass the dict "
                        "model.get_config() returned, unchanged.")


def _from_keras_layout(config: dict) -> dict:
    """A Keras 3 functional config in shendu's layout (shendu's own is returned as it is):
    each call's first positional argument is the layer's input, the rest are extra
    arguments, and tensors in keyword arguments become references too."""
    if "inputs" in config and "outputs" in config:
        return config
    missing = sorted({"layers", "input_layers", "output_layers"} - set(config))
    if missing:
        raise ArgumentError(f"Model config: missing {missing}; expected shendu's keys (layers, "
                            "inputs, outputs) or Keras's (layers, input_layers, output_layers). "
                            "Hint: pass the dict model.get_config() returned, unchanged.")
    layers = []
    for entry in config["layers"]:
        nodes = []
        for node in entry.get("inbound_nodes", []):
            if not isinstance(node, dict) or "call_args" in node:  # shendu's own node
                nodes.append(node)
                continue
            args = node.get("args", [])
            args = args if isinstance(args, list) else [args]
            kwargs, tensor_kwargs = {}, {}
            for key, item in (node.get("kwargs") or {}).items():
                encoded = _keras_refs(item)
                if "value" in encoded:
                    kwargs[key] = encoded["value"]
                else:
                    tensor_kwargs[key] = encoded
            nodes.append({"args": _keras_refs(args[0]) if args else [],
                          "call_args": _keras_refs(args[1:]), "kwargs": kwargs,
                          "call_kwargs": {"dict": tensor_kwargs}})
        layers.append({**entry, "inbound_nodes": nodes})
    return {**config, "layers": layers, "inputs": _keras_triples(config["input_layers"]),
            "outputs": _keras_triples(config["output_layers"])}


def _encode(structure):
    """JSON for a nesting of symbolic tensors: each tensor becomes {'ref': [layer, node, i]}."""
    if isinstance(structure, SymbolicTensor):
        node = structure.node
        return {"ref": [node.layer.name, node.index_in_layer, structure.index]}
    if isinstance(structure, (list, tuple)):
        return [_encode(item) for item in structure]
    if isinstance(structure, dict):
        return {"dict": {key: _encode(value) for key, value in structure.items()}}
    if structure is None or isinstance(structure, (bool, int, float, str)):
        return {"value": structure}
    raise ArgumentError(f"Model config: cannot encode {type(structure).__name__}.")


def _decode(encoded, layers):
    if isinstance(encoded, dict) and "ref" in encoded:
        name, node_index, tensor_index = encoded["ref"]
        return layers[name]._inbound_nodes[node_index].outputs[tensor_index]
    if isinstance(encoded, dict) and "value" in encoded:
        return encoded["value"]
    if isinstance(encoded, dict) and "dict" in encoded:
        return {key: _decode(value, layers) for key, value in encoded["dict"].items()}
    if isinstance(encoded, list):
        return [_decode(item, layers) for item in encoded]
    raise KeyError("malformed reference")
