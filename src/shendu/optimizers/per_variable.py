"""A base for optimizers whose step looks at each variable whole (its norm, its rows).

Lamb scales each variable's step by the ratio of two norms and Adafactor factors the second
moment over a variable's last two axes, so neither can run as one operation over the flat
buffer. :class:`PerVariableOptimizer` runs ``update_variable(params, grads, lr)`` once per
variable, with the slots pointed at that variable's views and shaped like it, both on a
model's flat buffer and on loose variables.

>>> import numpy as np
>>> from shendu.layers import Variable
>>> from shendu.optimizers import Lamb
>>> w = Variable(np.array([[3.0, 4.0]]), "w")
>>> _ = Lamb(learning_rate=0.1).apply_gradients([(np.array([[1.0, 1.0]]), w)])
>>> w.data.shape
(1, 2)
"""

from __future__ import annotations

from .base import Optimizer


class PerVariableOptimizer(Optimizer):
    """Runs :meth:`update_variable` on each variable in turn, slots viewed in its shape.

    >>> issubclass(__import__("shendu").optimizers.Adafactor, PerVariableOptimizer)
    True
    """

    def update(self, params, grads, lr):
        layout = self._layout
        if self._flat is not None and params is self._flat.data:
            for i in layout.all():
                with layout.views(self, i):
                    self.update_variable(layout.slot_view(params, i),
                                         layout.grad_view(grads, i), lr)
        else:  # one loose variable: base already points the slots at its views
            self.update_variable(params, grads, lr)

    def update_variable(self, params, grads, lr) -> None:  # pragma: no cover - interface
        raise NotImplementedError
