"""Layers whose output is their input: Identity, and ActivityRegularization, which also adds a
penalty on that input to the training loss.

>>> import numpy as np
>>> from shendu.layers import ActivityRegularization, Identity
>>> Identity()(np.ones((1, 2))).data
array([[1., 1.]], dtype=float32)
>>> layer = ActivityRegularization(l1=0.5)
>>> y = layer(np.array([[1.0, -3.0]]))
>>> float(layer.losses[0].data)  # 0.5 * (|1| + |-3|) / batch size 1
2.0
"""

from __future__ import annotations

from ..number_args import number_arg
from ..regularizers import L1L2
from .base import Layer


class Identity(Layer):
    """Keras's ``Identity()``: returns its input unchanged (a placeholder, e.g. for a layer
    that a configuration switches off). Masks pass through.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import Dense, Identity
    >>> model = Sequential([Dense(2, input_dim=3), Identity()])
    >>> model.predict(np.zeros((4, 3)), verbose=0).shape
    (4, 2)
    """

    supports_masking = True

    def call(self, inputs):
        return inputs

    def chain_steps(self, training=False):
        """No op for the Sequential fast path."""
        return []

    def compute_output_shape(self, input_shape):
        return input_shape if isinstance(input_shape, list) else tuple(input_shape)


class ActivityRegularization(Layer):
    """Keras's ``ActivityRegularization(l1=0.0, l2=0.0)``: passes its input x through and adds
    ``(l1 * sum(|x|) + l2 * sum(x ** 2)) / batch_size`` to the training loss (Keras 3 divides
    an activity penalty by the batch size, so its strength does not depend on it). The penalty
    travels through ``add_loss`` and ``layer.losses``, as the ``activity_regularizer`` of
    Dense and Conv layers does; a Sequential holding this layer trains on the autograd path.

    >>> import numpy as np
    >>> from shendu.models import Sequential
    >>> from shendu.layers import ActivityRegularization, Dense
    >>> model = Sequential([Dense(2, input_dim=3), ActivityRegularization(l2=0.01)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> loss = model.train_on_batch(np.ones((4, 3)), np.zeros((4, 2)))
    """

    supports_masking = True

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        where = f"ActivityRegularization '{self.name}'"
        self.l1 = number_arg(l1, where, "l1", low=0.0, hint="l1=0.01 adds 0.01 * sum(|x|)")
        self.l2 = number_arg(l2, where, "l2", low=0.0, hint="l2=0.01 adds 0.01 * sum(x**2)")
        self.activity_regularizer = L1L2(l1=self.l1, l2=self.l2) if self.l1 or self.l2 else None

    def call(self, inputs):
        return inputs  # Layer.__call__ adds the penalty, as for every activity_regularizer

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(l1=self.l1, l2=self.l2)
        return config
