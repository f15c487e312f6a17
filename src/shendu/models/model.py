"""Model: the Keras training API on shendu's autograd — a Layer of layers with one step.

This file holds what a model is: its input checks and build, its flat weights, the loss, and
``train_step``/``test_step``. ``compile`` and the metrics live in :mod:`.compiling`, and
fit/evaluate/predict with their batch loop in :mod:`.training` (both mixins of Model).

The loop never knows which layers exist: a step is ``y_pred = model(x)``, ``loss.backward()``,
``optimizer.apply(flat)`` where ``flat`` packs every trainable weight into one buffer.

>>> import numpy as np
>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> model = Sequential([Dense(1, activation="sigmoid", input_dim=2)])
>>> model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
>>> history = model.fit(np.zeros((4, 2)), np.zeros(4), epochs=2, verbose=0)
>>> sorted(history.history)
['accuracy', 'loss']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd import Tensor, is_grad_enabled, no_grad
from ..data import validation as check
from ..data.sources import is_batch_source
from ..errors import (
    ArgumentError,
    DTypeError,
    NotBuiltError,
    NotCompiledError,
    ShapeError,
)
from ..layers.base import Layer
from ..layers.node import is_symbolic
from ..parameters import FlatParameters
from . import targets
from .compiling import Compilation
from .multi_io import MultiArray, as_arrays
from .predict_path import lean_call
from .training import Training, _data

if TYPE_CHECKING:
    from .chain import ChainPlan

_FLOAT = np.dtype("float32")


class Model(Compilation, Training, Layer):
    """Base of Sequential (and of subclassed models with their own ``call``)."""

    use_fast_path = True  # run chains of layers without a graph (False: always autograd)

    def __new__(cls, *args, **kwargs):
        # Model(inputs, outputs) is a functional model, as in Keras
        if cls is Model and (args or {"inputs", "outputs"} & set(kwargs)):
            from .functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """A model from its ``get_config()``; ``Model.from_config`` of a functional model's
        config rebuilds the functional model, as in Keras."""
        if cls is Model and "layers" in config and (  # shendu's keys, or Keras 3's
                {"inputs", "outputs"} <= set(config) or {"input_layers", "output_layers"} <= set(
                    config)):
            from .functional import Functional

            return Functional.from_config(config, custom_objects)
        if "layers" in config and {"inputs", "outputs"} <= set(config):
            # a subclass of Model built (and saved) as a functional model
            from .functional import Functional, adopt_functional

            adopt_functional(cls)
            if issubclass(cls, Functional):
                return cls.from_config(config, custom_objects)
        return super().from_config(config)

    def __init__(self, *args, **kwargs):
        graph = args[0] if args else kwargs.get("inputs")
        if (len(args) == 2 or "outputs" in kwargs) and is_symbolic(graph):
            # a subclass of Model given (inputs, outputs) becomes a functional one, as in Keras
            from .functional import Functional, adopt_functional

            adopt_functional(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        super().__init__(*args, **kwargs)
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._flat: FlatParameters | None = None
        self._plan: ChainPlan | None = None
        self._metric_specs: list = []
        self._weighted_metric_specs: list = []
        self._output_losses = None  # one Loss per output, for models with several outputs
        self._loss_trackers: list = []
        self._metrics: list | None = None
        self._weighted_metrics: list | None = None

    def __call__(self, inputs, *args, training=None, **kwargs):
        if not (args or kwargs or training or is_grad_enabled()):
            out = lean_call(self, inputs)  # inference on an array (models/predict_path.py)
            if out is not None:
                return Tensor(out)
        return super().__call__(inputs, *args, training=training, **kwargs)

    @property
    def metrics(self) -> list:
        """The compiled metrics; inside a user's ``test_step(data)``, Keras 3's list: the
        "loss" Mean, then the compiled metrics as one (models/custom_steps.py)."""
        step = self.__dict__.get("_step_metrics")
        return list(step) if step is not None else Compilation.metrics.fget(self)

    # -- compile ---------------------------------------------------------------------------

    # -- building ---------------------------------------------------------------------------
    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise NotCompiledError(
                f"Model '{self.name}': {what} needs a compiled model. "
                "Hint: call model.compile(optimizer='adam', loss='...') first."
            )

    def _check_x(self, x, name="x"):
        """Inputs checked: one array, or a MultiArray for a model with several inputs."""
        if is_batch_source(x):
            raise ArgumentError(
                f"{name}: got a {type(x).__name__}, a source of batches (a generator, iterator, "
                "PyDataset or Sequence), where one batch of arrays was expected. Hint: pass the "
                "source itself to fit, evaluate or predict as x, or one of its batches here."
            )
        names = getattr(self, "input_names", None)
        if names and (len(names) > 1 or isinstance(x, dict)):
            inputs = self.__dict__.get("inputs") or []
            strings = {t.node.layer.name for t in inputs if t.dtype == "string"}
            return as_arrays(x, names, name, strings=strings)
        if names and isinstance(x, (list, tuple)) and len(x) == 1:
            x = x[0]  # a one-input model given [x]
        if self.takes_strings:  # raw text for a TextVectorization first layer, kept as text
            return check.check_strings(x, name, f"Model '{self.name}'")
        try:
            return check.check_array(x, name)
        except DTypeError as err:
            raise self._strings_refused(x, name) or err from None

    @property
    def takes_strings(self) -> bool:
        """True when the first layer reads raw text (TextVectorization), so x stays strings."""
        inputs = self.__dict__.get("inputs")  # a functional model's (a Sequential has none)
        if inputs is not None:  # functional: one Input(dtype="string")
            return len(inputs) == 1 and inputs[0].dtype == "string"
        return bool(self._layers) and getattr(self._layers[0], "takes_strings", False)

    def _strings_refused(self, x, name):
        """The error for text given to a model whose first layer takes numbers (else None)."""
        try:
            array = np.asarray(x)
        except (ValueError, TypeError):
            return None
        text = array.dtype.kind in "US" or (array.dtype.kind == "O" and all(
            isinstance(v, (str, bytes)) for v in array.ravel()))
        if not text or not self._layers:
            return None  # not all text (e.g. mixed object columns): check_array's own error
        first = self._layers[0]
        return DTypeError(
            f"{name}: expected a numeric array, got strings (dtype {array.dtype}): model "
            f"'{self.name}' starts with '{first.name}' ({type(first).__name__}), which takes "
            "numbers. Hint: start the model with TextVectorization (e.g. Input(shape=(1,), "
            "dtype='string'), TextVectorization(...)) or encode the texts as numbers first."
        )

    def _check_xy(self, x, y, x_name="x", y_name="y"):
        """(x, y, output shape) checked against each other, the model and the loss."""
        x = self._check_x(x, x_name)
        names = self._multi_output_names() if self._output_losses is not None else None
        if names:
            y = as_arrays(y, names, y_name, allow_int=True)
        else:
            y = check.check_array(y, y_name, allow_int=True)
        check.check_pair(x, y, x_name.split(" ")[0], y_name.split(" ")[0])
        self._prepare_build(x)
        if isinstance(x, MultiArray) or names:
            output_shape = [tuple(t.shape) for t in self.outputs]
        else:
            output_shape = self.output_shape_for((None,) + tuple(x.shape[1:]))
        if names:
            y = MultiArray(targets.check_targets(fn, yi, shape, f"{y_name}['{n}']")
                           for fn, yi, shape, n in zip(self._output_losses, y, output_shape,
                                                       names))
        else:
            shape = output_shape[0] if isinstance(output_shape, list) else output_shape
            y = targets.check_targets(self.loss, y, shape, y_name)
        return x, y, output_shape

    def _prepare_build(self, x) -> None:
        """Build from the data's shape, or check the data against the built input shape."""
        if isinstance(x, MultiArray):
            for i, (array, symbol) in enumerate(zip(x, self.inputs)):
                want = tuple(symbol.shape[1:])
                if len(want) != array.ndim - 1 or any(
                        e is not None and e != d for e, d in zip(want, array.shape[1:])):
                    raise ShapeError(
                        f"Model '{self.name}': input {i} ('{self.input_names[i]}') expects shape "
                        f"(batch, {', '.join(map(str, symbol.shape[1:]))}), got "
                        f"{tuple(array.shape)}. Hint: inputs go in the order of `inputs`."
                    )
            return
        if getattr(x, "dtype", _FLOAT).kind in "OUS":  # texts: (samples,) or (samples, 1)
            if not self.built:
                self.build_from_shape((None,) + tuple(x.shape[1:]))
            return
        expected = getattr(self, "_build_shape", None) if self.built else None
        if getattr(x, "ndim", 2) == 1 and (expected is None or len(expected) > 1):
            columns = expected[-1] if expected else "features"
            raise ShapeError(
                f"Model '{self.name}': expected x of shape (samples, {columns}) with a features "
                f"axis, got a 1-D array of shape {tuple(x.shape)}. Hint: one feature "
                "per sample? use x.reshape(-1, 1); one sample? use x.reshape(1, -1)."
            )
        if not self.built:
            self.build_from_shape((None,) + tuple(x.shape[1:]))
            return
        expected = getattr(self, "_build_shape", None)
        if expected is not None and (len(expected) != x.ndim or any(
                e is not None and e != d for e, d in zip(expected[1:], x.shape[1:]))):
            exp = tuple(expected[1:])
            raise ShapeError(
                f"Model '{self.name}': expected inputs of shape (batch, {', '.join(map(str, exp))})"
                f", got {tuple(x.shape)}. Hint: the model was built for {exp[-1] if exp else 0} "
                "features per sample; check the columns of x."
            )

    def build(self, input_shape=None) -> None:
        """A subclassed model builds its layers by running ``call`` once on zeros."""
        if type(self).call is Layer.call:
            self.built = True
            return

        def zeros(shape):
            return Tensor(np.zeros(tuple(1 if d is None else d for d in shape),
                                   dtype=self.compute_dtype))

        sample = [zeros(s) for s in input_shape] if isinstance(input_shape, list) else zeros(
            input_shape)
        with no_grad():
            self.call(sample, **({"training": False} if self._accepts_training() else {}))
        self._clear_layer_losses()
        self.built = True

    def _ensure_flat(self) -> FlatParameters:
        variables = self.trainable_weights
        if self._flat is None or not self._flat.is_packing(variables):
            self._flat = FlatParameters(variables)
        from .chain import ChainPlan

        self._plan = ChainPlan.for_model(self) if self.use_fast_path else None
        return self._flat

    def output_shape_for(self, input_shape) -> tuple:
        return tuple(self.compute_output_shape(input_shape))

    # -- one step -------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None) -> Tensor:
        """The training objective: the compiled loss plus every regularization loss."""
        if self._output_losses is not None:
            loss = self._multi_output_loss(y, y_pred, sample_weight)
        else:
            loss = self.loss(y, y_pred, sample_weight)
            weight = getattr(self, "_loss_weight", 1.0)
            if weight != 1.0:  # compile(loss_weights=...) on a one-output model scales its loss
                loss = loss * weight
        for extra in self.losses:
            loss = loss + extra
        return loss

    def _multi_output_loss(self, y, y_pred, sample_weight):
        """Σ weight_i · loss_i(y_i, ŷ_i); each term is also tracked as '<output>_loss'."""
        total = None
        for i, (loss_fn, weight) in enumerate(zip(self._output_losses, self._loss_weights)):
            term = loss_fn(y[i], y_pred[i], sample_weight)
            tracker = self._loss_trackers[i]
            tracker.total += float(term.data) * len(y[i])
            tracker.count += len(y[i])
            term = term * weight if weight != 1.0 else term
            total = term if total is None else total + term
        return total

    def _clear_layer_losses(self) -> None:
        stack = [self]
        while stack:
            layer = stack.pop()
            layer._losses.clear()
            stack.extend(layer._layers)

    def train_step(self, x, y, sample_weight=None) -> float:
        """One forward, backward and update on a batch; returns the batch loss."""
        if self._plan is not None:  # a chain of layers: no graph needed (models/chain.py)
            loss_value, y_pred = self._plan.train_step(x, y, sample_weight)
        else:
            flat = self._flat
            flat.zero_grad()
            self._clear_layer_losses()
            predictions = self._outputs_as_list(self(x, training=True))
            loss = self.compute_loss(x, y, predictions, sample_weight)
            # a LossScaleOptimizer gets gradients of scale_loss(loss), as in Keras's fit
            loss.backward(self.optimizer.backward_seed(loss))
            self.optimizer.apply(flat)
            loss_value, y_pred = float(loss.data), _data(predictions)
        self._build_metrics(y, y_pred)
        self._update_metrics(y, y_pred, sample_weight)
        return loss_value

    def test_step(self, x, y, sample_weight=None) -> float:
        with no_grad():
            self._clear_layer_losses()
            y_pred = self._outputs_as_list(self(x, training=False))
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        self._build_metrics(y, y_pred)
        self._update_metrics(y, _data(y_pred), sample_weight)
        return float(loss.data)

    # -- fit ---------------------------------------------------------------------------------------

    # -- inspection ---------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Print the layers, their output shapes and parameter counts; ``show_trainable=True``
        adds Keras's "Trainable" column (Y/N). ``line_length``, ``positions``,
        ``expand_nested`` and ``layer_range`` are accepted for Keras scripts and ignored."""
        from .summary import summary_text

        (print_fn or print)(summary_text(self, show_trainable=show_trainable))

    @property
    def input_shape(self):
        """The shape the model takes (batch axis None); a list of shapes for several inputs."""
        inputs = self.__dict__.get("inputs")  # a functional model's
        if inputs:
            return inputs[0].shape if len(inputs) == 1 else [t.shape for t in inputs]
        shape = getattr(self, "_build_shape", None)
        if not self.built or shape is None:
            raise NotBuiltError(
                f"Model '{self.name}' has no input shape yet: it was never built. Hint: start "
                "it with Input(shape=...), or call build(input_shape) or fit() first.")
        return tuple(shape)

    @property
    def output_shape(self):
        """The shape of the model's output (batch axis None); a list for several outputs."""
        outputs = self.__dict__.get("outputs")  # a functional model's
        if outputs:
            return outputs[0].shape if len(outputs) == 1 else [t.shape for t in outputs]
        shape = tuple(self.compute_output_shape(self.input_shape))
        return (None,) + shape[1:]

    def get_layer(self, name=None, index=None):
        """A layer by name or by index."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ArgumentError(
                    f"get_layer: index {index} is out of range for a model with {len(layers)} "
                    "layers."
                )
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        from ..errors import unknown_name

        raise unknown_name("layer", name, [layer.name for layer in layers],
                           hint="Hint: model.summary() lists the layer names.")

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    # -- files --------------------------------------------------------------------------------
    def to_json(self, **kwargs) -> str:
        """The architecture as a JSON string (``json.dumps`` keyword arguments pass through).

        Rebuild it with :func:`shendu.models.model_from_json`; weights are not included.
        """
        from .json import model_to_json

        return model_to_json(self, **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True) -> None:
        """Write architecture, weights and optimizer state to one .safetensors file."""
        from ..saving.model_file import save_model

        _check_overwrite(filepath, overwrite)
        save_model(self, filepath, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True) -> None:
        """Write the weights only to a .safetensors file."""
        from ..saving.model_file import save_weights

        _check_overwrite(filepath, overwrite)
        save_weights(self, filepath)

    def load_weights(self, filepath) -> None:
        """Load weights written by ``save_weights`` or ``save`` (shapes must match)."""
        from ..saving.model_file import load_weights

        load_weights(self, filepath)


def _check_overwrite(filepath, overwrite) -> None:
    import os

    if not overwrite and os.path.exists(filepath):
        raise ArgumentError(
            f"save: '{filepath}' exists and overwrite=False. Hint: pick another name or pass "
            "overwrite=True."
        )


