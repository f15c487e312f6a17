"""Layer wrappers: ``Wrapper`` (their base: a layer holding another in ``self.layer``),
``Bidirectional`` (a recurrent layer run both ways) and ``TimeDistributed``.

>>> import numpy as np
>>> from shendu.layers import LSTM, Bidirectional, Dense, TimeDistributed
>>> Bidirectional(LSTM(3, return_sequences=True))(np.zeros((2, 5, 4))).shape
(2, 5, 6)
>>> TimeDistributed(Dense(2))(np.zeros((2, 5, 4))).shape
(2, 5, 2)
"""

from __future__ import annotations

import copy

import numpy as np

from .. import ops
from ..autograd import Tensor
from ..errors import ArgumentError, ShapeError
from .base import Layer

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _serialize(layer):
    from . import serialize

    return serialize(layer)


def _deserialize(config):
    from . import deserialize

    return deserialize(copy.deepcopy(config))


def _prefixed(prefix, name):
    return prefix + (name[len(prefix):] if name.startswith(prefix) else name)


class Wrapper(Layer):
    """Keras's ``Wrapper(layer)``: the base of layers that hold another layer in ``self.layer``
    and add something around it (TimeDistributed, Bidirectional). It builds the inner layer,
    and its config carries the inner layer's config under ``"layer"``; a subclass writes
    ``call``. On its own it runs the inner layer unchanged.

    >>> import numpy as np
    >>> from shendu.layers import Dense
    >>> class Doubled(Wrapper):
    ...     def call(self, inputs):
    ...         return self.layer(inputs) * 2.0
    >>> layer = Doubled(Dense(3, kernel_initializer="ones"))
    >>> layer(np.ones((1, 2))).data
    array([[4., 4., 4.]], dtype=float32)
    >>> Doubled.from_config(layer.get_config()).layer.units
    3
    """

    def __init__(self, layer: Layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ArgumentError(
                f"{type(self).__name__} '{self.name}': layer must be a Layer, got {layer!r}. "
                f"Hint: {type(self).__name__}(Dense(8))."
            )
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build_from_shape(input_shape)

    def call(self, inputs, *args, **kwargs):
        return self.layer(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["layer"] = _serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = _deserialize(config["layer"])
        return cls(**config)


class Bidirectional(Layer):
    """Keras's ``Bidirectional(layer, merge_mode="concat", backward_layer=None)``.

    A copy of ``layer`` reads the sequence forwards, another (``go_backwards=True``) reads it
    backwards; with ``return_sequences`` the backward outputs are flipped back into time order.
    The two are merged by ``merge_mode``: ``"concat"`` (last axis), ``"sum"``, ``"mul"``,
    ``"ave"``, or ``None`` (a list of both). With ``return_state`` the forward states follow the
    output, then the backward ones. Weights: the forward layer's, then the backward layer's.
    When ``return_sequences``, masked steps output zeros (Keras's ``zero_output_for_mask``).

    >>> import numpy as np
    >>> from shendu.layers import GRU
    >>> layer = Bidirectional(GRU(2), merge_mode="sum")
    >>> layer(np.ones((3, 4, 5))).shape, len(layer.get_weights())
    ((3, 2), 6)
    """

    def __init__(self, layer: Layer, merge_mode: str | None = "concat",
                 backward_layer: Layer | None = None, weights=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ArgumentError(
                f"Bidirectional '{self.name}': layer must be a recurrent layer (SimpleRNN, LSTM, "
                f"GRU), got {layer!r}. Hint: Bidirectional(LSTM(32))."
            )
        if merge_mode not in MERGE_MODES:
            raise ArgumentError(
                f"Bidirectional '{self.name}': merge_mode must be one of {MERGE_MODES}, got "
                f"{merge_mode!r}. Hint: 'concat' joins both directions on the last axis."
            )
        self.merge_mode = merge_mode
        config = _serialize(layer)
        config["config"]["name"] = _prefixed("forward_", layer.name)
        self.forward_layer = _deserialize(config)
        if backward_layer is None:
            config = _serialize(layer)
            config["config"]["go_backwards"] = True
            config["config"]["name"] = _prefixed("backward_", layer.name)
            backward_layer = _deserialize(config)
        self.backward_layer = backward_layer
        for attr in ("return_sequences", "return_state"):
            if getattr(self.forward_layer, attr) != getattr(self.backward_layer, attr):
                raise ArgumentError(
                    f"Bidirectional '{self.name}': forward and backward layers differ in {attr} "
                    f"({getattr(self.forward_layer, attr)} vs "
                    f"{getattr(self.backward_layer, attr)}). Hint: give both the same {attr}."
                )
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ArgumentError(
                f"Bidirectional '{self.name}': the backward layer must read the other way, got "
                f"go_backwards={self.backward_layer.go_backwards} for both. Hint: give "
                "backward_layer go_backwards=True, or leave backward_layer=None."
            )
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = self.return_sequences
        self._initial_weights = weights

    def build(self, input_shape):
        self.forward_layer.build_from_shape(input_shape)
        self.backward_layer.build_from_shape(input_shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs, initial_state=None, mask=None, training=False):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(inputs, initial_state=forward_state, mask=mask, training=training)
        y_rev = self.backward_layer(inputs, initial_state=backward_state, mask=mask,
                                    training=training)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev[:, ::-1]  # back into time order
        if self.merge_mode == "concat":
            out = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            out = y + y_rev
        elif self.merge_mode == "ave":
            out = (y + y_rev) * 0.5
        elif self.merge_mode == "mul":
            out = y * y_rev
        else:
            out = [y, y_rev]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        if self.merge_mode is None:
            out = [out, out]
        if self.return_state:
            n = self.forward_layer.n_states * 2
            return (out if isinstance(out, list) else [out]) + [None] * n
        return out

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            states = list(shape[1:]) * 2
            shape = shape[0]
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (2 * shape[-1],)
        out = [tuple(shape), tuple(shape)] if self.merge_mode is None else tuple(shape)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def get_config(self):
        config = super().get_config()
        config.update(merge_mode=self.merge_mode, layer=_serialize(self.forward_layer),
                      backward_layer=_serialize(self.backward_layer))
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = _deserialize(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = _deserialize(config["backward_layer"])
        return cls(**config)


class TimeDistributed(Wrapper):
    """Keras's ``TimeDistributed(layer)``: the same layer on every timestep (axis 1).

    The (batch, time) axes are merged into one batch axis, the layer runs once, and the result
    is split back, so the timesteps share the layer's weights.

    >>> import numpy as np
    >>> from shendu.layers import Dense
    >>> layer = TimeDistributed(Dense(3))
    >>> layer(np.ones((2, 4, 5))).shape, [w.shape for w in layer.get_weights()]
    ((2, 4, 3), [(5, 3), (3,)])
    """

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ShapeError(
                f"TimeDistributed '{self.name}': expected inputs of at least 3 axes (batch, "
                f"time, ...), got shape {tuple(input_shape)}. Hint: the wrapped layer runs on "
                "each step of axis 1."
            )
        self.layer.build_from_shape((None,) + tuple(input_shape[2:]))

    def call(self, inputs, training=False, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        flat = ops.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {}
        if mask is not None:
            mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
            if mask.ndim < 2 or tuple(mask.shape[:2]) != (batch, steps):
                raise ShapeError(
                    f"TimeDistributed '{self.name}': the mask must start with the input's "
                    f"(batch, time) = {(batch, steps)}, got shape {tuple(mask.shape)}. "
                    "Hint: a (batch, time) mask from Masking or Embedding(mask_zero=True)."
                )
            if self.layer._accepts_mask():  # each step's mask goes to the wrapped layer
                kwargs["mask"] = mask.reshape((batch * steps,) + tuple(mask.shape[2:]))
        out = self.layer(flat, training=training, **kwargs)
        return ops.reshape(out, (batch, steps) + tuple(out.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])
