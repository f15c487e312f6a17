"""The fast path of a Sequential model: its layers' Functions run as a chain, with no graph.

A Sequential is a chain, so it needs no tape: each layer hands over the ops it would run
(``layer.chain_steps(training)`` → ``[(Function, weights), ...]``), the forward calls each
``Function.forward`` in order, and the backward calls each ``Function.backward`` in reverse,
adding weight gradients into the flat gradient buffer. It is the same forward and backward code
the autograd path runs, minus the bookkeeping: no Tensor per op, no topological sort.

The plan is built once per ``fit`` (``Model._ensure_flat``): the Functions, their
``needs_input_grad`` and, when no weight has a regularizer, the flat gradient views each
``Linear`` writes dL/dW and dL/db into directly (so no ``zero_grad`` and no extra add).

The loss: when the model ends in sigmoid/softmax + the matching cross-entropy, or a linear
output + mean squared error, with the default reduction and no sample weights or
regularization, ``Loss.value_and_grad`` gives the value and dL/dz on arrays (the same fused
Functions, no graph). Otherwise the loss (and regularization) goes through autograd, on a
leaf holding the last layer's output — or its logits, when the model ends in sigmoid/softmax.
A model with any layer that cannot hand over its ops uses the plain autograd path; all paths
give the same numbers (tests/test_chain.py).

>>> import numpy as np
>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> model = Sequential([Dense(4, activation="relu", input_dim=3), Dense(1, activation="sigmoid")])
>>> ChainPlan.for_model(model) is not None
True
"""

from __future__ import annotations

from ..autograd import Tensor
from ..ops.activations import Activation, Sigmoid, Softmax, activation
from ..ops.fused import Linear


class ChainPlan:
    """Runs training and inference steps of a chain of layers without recording a graph."""

    def __init__(self, model, train_steps):
        self.model = model
        self.layers = tuple(model.layers)
        self.head = None  # the final Sigmoid/Softmax op, left to the loss
        if train_steps:
            fn = train_steps[-1][0]
            if isinstance(fn, Activation) and isinstance(fn.kernel, (Sigmoid, Softmax)):
                self.head = fn
                train_steps = train_steps[:-1]
        self.train_steps = train_steps
        self._predict_steps = None
        flat = getattr(model, "_flat", None)
        self.flat_key = None if flat is None else flat.key
        self.direct_grads = False
        if flat is not None:
            from .model import Model

            regularized = type(model).compute_loss is not Model.compute_loss or any(
                w.regularizer is not None for w in model.trainable_weights)
            # each weight's gradient written straight into its flat view (no zero_grad, no add)
            self.direct_grads = self._wire(train_steps, allow_direct=not regularized)
            flat.zero_grad()

    @classmethod
    def for_model(cls, model) -> ChainPlan | None:
        """A plan when every layer of ``model`` can hand over its ops; None otherwise."""
        from .sequential import Sequential

        if type(model).call is not Sequential.call or not model.layers:
            return None
        steps = cls._collect(model.layers, training=True)
        return None if steps is None else cls(model, steps)

    def matches(self, model) -> bool:
        """True while the model still has these layers (and the same flat layout)."""
        flat = getattr(model, "_flat", None)
        return (self.layers == tuple(model.layers)
                and self.flat_key == (None if flat is None else flat.key))

    @staticmethod
    def _collect(layers, training: bool):
        steps = []
        for layer in layers:
            layer_steps = layer.chain_steps(training) if hasattr(layer, "chain_steps") else None
            if layer_steps is None:
                return None
            steps.extend(layer_steps)
        return steps

    def _wire(self, steps, allow_direct: bool) -> bool:
        """Set needs_input_grad once; give Linear ops their gradient views. True when every
        trainable weight is written exactly once per step by a Linear."""
        seen, direct = set(), allow_direct
        for i, (fn, weights) in enumerate(steps):
            fn.needs_input_grad = (i > 0,) + tuple(w.grad is not None for w in weights)
            for w in weights:
                if w.grad is not None:
                    direct = direct and id(w) not in seen and isinstance(fn, Linear)
                    seen.add(id(w))
        direct = direct and len(seen) == len(self.model._flat.variables)
        if direct:
            for fn, weights in steps:
                if isinstance(fn, Linear):
                    grads = [w.grad for w in weights]
                    fn.grad_out = (grads + [None, None])[:2]
        return direct

    def forward(self, x, training: bool):
        """Run the chain (training: up to the head's input, i.e. the logits)."""
        h = x
        if training:
            for fn, weights in self.train_steps:
                h = fn.forward(h, *[w.data for w in weights])
            return h
        for fn, weights in self.predict_steps():
            h = fn.forward(h, *[w.data for w in weights])
        return h

    def predict_steps(self):
        if self._predict_steps is None:
            steps = self._collect(self.layers, training=False)
            for fn, _ in steps:
                fn.needs_input_grad = ()
            self._predict_steps = steps
        return self._predict_steps

    def _loss_and_grad(self, x, y, z, sample_weight):
        """(loss value, dL/dz, predictions): fused on arrays when possible, else autograd."""
        model = self.model
        head = self.head
        if self.direct_grads and sample_weight is None and hasattr(model.loss, "value_and_grad"):
            fused = model.loss.value_and_grad(y, z, None if head is None else head.kernel)
            if fused is not None:
                return fused[0], fused[1], head.forward(z) if head is not None else z
        model._clear_layer_losses()
        out = Tensor(z, requires_grad=True)
        pred = activation(out, head.kernel) if head is not None else out
        loss = model.compute_loss(x, y, pred, sample_weight)
        loss.backward()  # loss and regularization: into out.grad and the weights' grads
        return float(loss.data), out.grad, pred.data

    def train_step(self, x, y, sample_weight=None):
        """Forward, loss, backward and update; returns (loss value, predictions array)."""
        model = self.model
        flat = model._flat
        direct = self.direct_grads
        if not direct:
            flat.zero_grad()
        x = x.astype(model.compute_dtype, copy=False)
        z = self.forward(x, training=True)
        loss_value, g, y_pred = self._loss_and_grad(x, y, z, sample_weight)
        for fn, weights in reversed(self.train_steps):
            grads = fn.backward(g)
            if not isinstance(grads, tuple):
                grads = (grads,)
            g = grads[0]
            if not direct:
                for w, gw in zip(weights, grads[1:]):
                    if gw is not None and w.grad is not None:
                        w.grad += gw
        model.optimizer.apply(flat)
        return loss_value, y_pred

    def predict(self, x):
        """Inference on one batch: the chain's forward, nothing recorded."""
        return self.forward(x.astype(self.model.compute_dtype, copy=False), training=False)
