"""Pipeline: preprocessing layers applied one after the other, as one layer (Keras 3).

Unlike a Sequential it is not a model, just a layer: typically an augmentation stack mapped
over the data, or put at the front of a model.

>>> import numpy as np
>>> from shendu.layers import RandomFlip, Rescaling
>>> augment = Pipeline([Rescaling(1 / 255), RandomFlip("horizontal", seed=0)])
>>> augment(np.full((2, 4, 4, 3), 255.0)).data.max()
np.float32(1.0)
"""

from __future__ import annotations

import copy
import weakref

from ..autograd import no_grad
from ..errors import ArgumentError
from .base import Layer


class Pipeline(Layer):
    """Keras's ``Pipeline(layers, name=None)``: ``layers`` applied in sequence.

    ``training`` goes to each layer; a direct call that does not give it trains (Keras 3's
    ``call(inputs, training=True)``), so random augmentations apply, while a model's
    ``predict`` / ``evaluate`` pass ``training=False``. A mask made by one layer (Masking,
    ``Embedding(mask_zero=True)``) goes to the next ones that take masks, and the mask its
    last layer produces is the Pipeline's output mask (``compute_mask``), for the layers after
    it. Its weights are its layers' weights, in order. Its config holds the
    serialized layers under ``"layers"``.

    >>> import numpy as np
    >>> from shendu.layers import Dense, Rescaling
    >>> pipe = Pipeline([Rescaling(2.0), Dense(1, kernel_initializer="ones")], name="prep")
    >>> pipe(np.ones((1, 3))).data
    array([[6.]], dtype=float32)
    >>> [type(layer).__name__ for layer in Pipeline.from_config(pipe.get_config()).layers]
    ['Rescaling', 'Dense']
    """

    def __init__(self, layers, name: str | None = None, **kwargs):
        super().__init__(name=name, **kwargs)
        if isinstance(layers, Layer) or not isinstance(layers, (list, tuple)):
            raise ArgumentError(
                f"Pipeline '{self.name}': layers must be a list of layers, got {layers!r}. "
                "Hint: Pipeline([RandomFlip(), RandomRotation(0.1)])."
            )
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise ArgumentError(
                    f"Pipeline '{self.name}': layers[{i}] must be a Layer, got {layer!r}. "
                    "Hint: give layer instances, e.g. Rescaling(1 / 255), not classes or "
                    "functions (wrap a function in Lambda)."
                )
        self._pipeline_layers = list(layers)
        for layer in self._pipeline_layers:  # tracked: their weights are the Pipeline's
            if layer not in self._layers:
                self._layers.append(layer)

    @property
    def layers(self) -> list[Layer]:
        """The layers, in the order they run."""
        return list(self._pipeline_layers)

    @property
    def takes_strings(self) -> bool:
        """True when the first layer reads raw text (TextVectorization, StringLookup)."""
        return bool(self._pipeline_layers) and self._pipeline_layers[0].takes_strings

    def _casts_inputs(self) -> bool:
        # integer ids stay integers when the first layer takes them (IntegerLookup, Embedding)
        return not self._pipeline_layers or self._pipeline_layers[0]._casts_inputs()

    def __call__(self, inputs, *args, training=None, **kwargs):
        # Keras 3: a direct call without ``training`` trains; models always pass it
        self._mask_memo = None
        outputs = super().__call__(inputs, *args, training=True if training is None else training,
                                   **kwargs)
        if self._mask_memo is not None:  # the call's own input too, not only its tensor
            self._mask_memo = (self._mask_memo[0] + (_ref(inputs),), self._mask_memo[1])
        return outputs

    def call(self, inputs, training=True, mask=None):
        source = inputs
        for layer in self._pipeline_layers:
            kwargs = {"mask": mask} if mask is not None and layer._accepts_mask() else {}
            outputs = layer(inputs, training=training, **kwargs)
            mask = layer.compute_mask(inputs, mask)
            inputs = outputs
        self._mask_memo = ((_ref(source),), mask)
        return inputs

    @property
    def creates_mask(self) -> bool:
        """True when one of its layers makes a mask (Masking, ``Embedding(mask_zero=True)``)."""
        return any(getattr(layer, "creates_mask", False) for layer in self._pipeline_layers)

    def compute_mask(self, inputs, mask=None):
        """The mask the last layer gave: the one of the latest call on ``inputs``, else found by
        running the layers on ``inputs`` (``training=False``), as each layer's mask needs its
        own input.

        >>> import numpy as np
        >>> from shendu.layers import Embedding
        >>> pipe = Pipeline([Embedding(10, 4, mask_zero=True)])
        >>> pipe.compute_mask(np.array([[3, 1, 0]]))
        array([[ True,  True, False]])
        """
        memo = self.__dict__.get("_mask_memo")
        if memo is not None and any(ref is not None and ref() is inputs for ref in memo[0]):
            return memo[1]
        x = inputs
        with no_grad():
            for layer in self._pipeline_layers:
                kwargs = {"mask": mask} if mask is not None and layer._accepts_mask() else {}
                outputs = layer(x, training=False, **kwargs)
                mask = layer.compute_mask(x, mask)
                x = outputs
        return mask

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self._pipeline_layers:
            if not layer.built:
                layer.build_from_shape(shape)
            shape = layer.compute_output_shape(shape)
        return tuple(shape)

    def get_config(self):
        from . import serialize

        config = super().get_config()
        config["layers"] = [serialize(layer) for layer in self._pipeline_layers]
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        from . import deserialize

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ArgumentError(
                f"Pipeline.from_config: the config must hold 'layers', a list of serialized "
                f"layers, got layers={layers!r}. Hint: pass the dict that get_config() returns."
            )
        config = dict(config)
        config["layers"] = [deserialize(copy.deepcopy(layer), custom_objects)
                            for layer in layers]
        return cls(**config)


def _ref(obj):
    """A weak reference to ``obj`` (None for what takes none, a list of inputs)."""
    try:
        return weakref.ref(obj)
    except TypeError:
        return None
