"""BatchNormalization and LayerNormalization, Keras's arguments, defaults and weight order.

>>> import numpy as np
>>> from shendu.layers import BatchNormalization
>>> layer = BatchNormalization()
>>> layer(np.ones((4, 3)), training=True).shape
(4, 3)
>>> [w.shape for w in layer.get_weights()]  # gamma, beta, moving_mean, moving_variance
[(3,), (3,), (3,), (3,)]
"""

from __future__ import annotations

import numpy as np

from .. import constraints, initializers, regularizers
from ..autograd import Tensor
from ..errors import ArgumentError, ShapeError
from ..ops.normalization import BatchNorm, LayerNorm, batch_norm, layer_norm
from .base import Layer


def _check_epsilon(layer: Layer, epsilon) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
        raise ArgumentError(
            f"{type(layer).__name__} '{layer.name}': epsilon must be a non-negative number, "
            f"got {epsilon!r}. Hint: the Keras default is 1e-3."
        )
    return float(epsilon)


def _normalize_axes(layer: Layer, axis, ndim: int) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not isinstance(a, int) or not -ndim <= a < ndim or a % ndim == 0:
            raise ShapeError(
                f"{type(layer).__name__} '{layer.name}': axis {axis!r} does not fit inputs of "
                f"rank {ndim} (the batch axis 0 cannot be normalized over). "
                "Hint: axis=-1 normalizes the last (features/channels) axis."
            )
    return tuple(sorted(a % ndim for a in axes))


class _Affine:
    """Shared construction of γ/β arguments (initializers, regularizers, constraints)."""

    def _init_affine(self, center, scale, beta_initializer, gamma_initializer,
                     beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint):
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _build_affine(self, shape):
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def _affine_weights(self):
        return [w for w in (self.gamma, self.beta) if w is not None]

    def _affine_config(self) -> dict:
        return dict(
            center=self.center, scale=self.scale,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            beta_regularizer=regularizers.serialize(self.beta_regularizer),
            gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
            beta_constraint=constraints.serialize(self.beta_constraint),
            gamma_constraint=constraints.serialize(self.gamma_constraint),
        )


class BatchNormalization(_Affine, Layer):
    """Keras's ``BatchNormalization``: normalize each feature with batch or moving statistics.

    In training (``fit``, or ``training=True``) each feature is normalized with the batch's
    mean and (biased) variance over every other axis, and the moving statistics are updated as
    ``moving = moving * momentum + batch * (1 - momentum)``. In inference the moving statistics
    are used. ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``. A mask (from
    ``Embedding(mask_zero=True)`` or ``Masking``) limits the training statistics to the
    unmasked positions, as in Keras; every position is still normalized. A layer with
    ``trainable=False`` always runs in inference mode, as in Keras. Weights, in Keras's order:
    gamma, beta (trainable), moving_mean, moving_variance (non-trainable).

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import BatchNormalization, Dense
    >>> model = Sequential([Dense(4, input_dim=3), BatchNormalization(), Dense(1)])
    >>> len(model.layers[1].trainable_weights), len(model.layers[1].non_trainable_weights)
    (2, 2)
    """

    supports_masking = True  # the mask passes through unchanged

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized: bool = False, renorm: bool = False, renorm_clipping=None,
                 renorm_momentum: float = 0.99, **kwargs):
        super().__init__(**kwargs)
        if renorm:
            raise ArgumentError(
                f"BatchNormalization '{self.name}': renorm=True (batch renormalization) is not "
                f"supported, got renorm={renorm!r}. Hint: use the default renorm=False."
            )
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ArgumentError(
                f"BatchNormalization '{self.name}': axis must be an integer, got {axis!r}. "
                "Hint: axis=-1 for channels_last, axis=1 for channels_first."
            )
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) \
                or not 0 <= momentum <= 1:
            raise ArgumentError(
                f"BatchNormalization '{self.name}': momentum must be in [0, 1], got "
                f"{momentum!r}. Hint: Keras's default is 0.99 (PyTorch's 0.1 is 1 - 0.9)."
            )
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = _check_epsilon(self, epsilon)
        self.synchronized = bool(synchronized)
        self.renorm, self.renorm_clipping = False, renorm_clipping
        self.renorm_momentum = float(renorm_momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        (self._axis,) = _normalize_axes(self, self.axis, ndim)
        self._ndim = ndim
        size = input_shape[self._axis]
        if size is None:
            raise ShapeError(
                f"BatchNormalization '{self.name}': the normalized axis {self.axis} of input "
                f"shape {tuple(input_shape)} has unknown size. Hint: give the model an "
                "input_shape with that axis set."
            )
        shape = (int(size),)
        self._build_affine(shape)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)

    def _check(self, inputs):
        if inputs.ndim != self._ndim or inputs.shape[self._axis] != self.moving_mean.shape[0]:
            raise ShapeError(
                f"BatchNormalization '{self.name}': expected inputs of rank {self._ndim} with "
                f"{self.moving_mean.shape[0]} features on axis {self.axis}, got shape "
                f"{tuple(inputs.shape)}. Hint: the layer was built for another input shape."
            )

    def _settings(self, training: bool) -> dict:
        return dict(axis=self._axis, epsilon=self.epsilon, training=training,
                    moving_mean=self.moving_mean.data, moving_variance=self.moving_variance.data,
                    momentum=self.momentum, scale=self.scale, center=self.center)

    def call(self, inputs, training=False, mask=None):
        self._check(inputs)
        training = bool(training) and self.trainable
        if mask is not None:
            mask = self._check_mask(inputs, mask)
        return batch_norm(inputs, self.gamma, self.beta, axis=self._axis, epsilon=self.epsilon,
                          training=training, moving_mean=self.moving_mean.data,
                          moving_variance=self.moving_variance.data, momentum=self.momentum,
                          mask=mask)

    def _check_mask(self, inputs, mask):
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        shape = tuple(inputs.shape)
        fits = mask.ndim == len(shape) - 1 and all(
            m in (1, d) for m, d in zip(mask.shape + (1,), shape))
        if not fits:
            raise ShapeError(
                f"BatchNormalization '{self.name}': the mask must have one axis fewer than the "
                f"input and broadcast over its last axis; got mask {mask.shape} for input "
                f"{shape}. Hint: a (batch, time) mask goes with (batch, time, features) inputs."
            )
        return mask

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path."""
        if not self.built:
            return None
        return [(BatchNorm(**self._settings(bool(training) and self.trainable)),
                 self._affine_weights())]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis, momentum=self.momentum, epsilon=self.epsilon,
            moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
            moving_variance_initializer=initializers.serialize(self.moving_variance_initializer),
            synchronized=self.synchronized, renorm=self.renorm,
            renorm_clipping=self.renorm_clipping, renorm_momentum=self.renorm_momentum,
            **self._affine_config(),
        )
        return config


class LayerNormalization(_Affine, Layer):
    """Keras's ``LayerNormalization``: normalize each sample over ``axis`` (int or list).

    ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta`` with the mean and (biased) variance
    of each sample over ``axis``; gamma and beta have the input's shape on those axes. The same
    in training and inference.

    >>> import numpy as np
    >>> layer = LayerNormalization(epsilon=0.0)
    >>> layer(np.array([[1.0, 3.0]])).data
    array([[-1.,  1.]], dtype=float32)
    """

    supports_masking = True  # a time mask passes through unchanged

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 rms_scaling: bool = False, beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:
            raise ArgumentError(
                f"LayerNormalization '{self.name}': rms_scaling=True is not supported, got "
                f"{rms_scaling!r}. Hint: use the default rms_scaling=False."
            )
        if not isinstance(axis, (int, list, tuple)) or isinstance(axis, bool):
            raise ArgumentError(
                f"LayerNormalization '{self.name}': axis must be an int or a list of ints, "
                f"got {axis!r}. Hint: axis=-1 normalizes the features of each sample."
            )
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = _check_epsilon(self, epsilon)
        self.rms_scaling = False
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        self._ndim = len(input_shape)
        self._axes = _normalize_axes(self, self.axis, self._ndim)
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ShapeError(
                f"LayerNormalization '{self.name}': the normalized axes {self.axis} of input "
                f"shape {tuple(input_shape)} must have known sizes. Hint: give the model an "
                "input_shape, or normalize only the last axis."
            )
        self._param_shape = tuple(int(d) for d in shape)
        self._build_affine(self._param_shape)

    def call(self, inputs):
        if inputs.ndim != self._ndim or tuple(inputs.shape[a] for a in self._axes) \
                != self._param_shape:
            raise ShapeError(
                f"LayerNormalization '{self.name}': expected inputs of rank {self._ndim} with "
                f"sizes {self._param_shape} on axes {self.axis}, got shape "
                f"{tuple(inputs.shape)}. Hint: the layer was built for another input shape."
            )
        return layer_norm(inputs, self.gamma, self.beta, axis=self._axes, epsilon=self.epsilon)

    def chain_steps(self, training=False):
        """The op of ``call`` for the Sequential fast path."""
        if not self.built:
            return None
        return [(LayerNorm(axes=self._axes, epsilon=self.epsilon, scale=self.scale,
                           center=self.center), self._affine_weights())]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, rms_scaling=self.rms_scaling,
                      **self._affine_config())
        return config
