"""The fast path of a Sequential model: its layers' Functions run as a chain, with no graph.

A Sequential is a chain, so it needs no tape: each layer hands over the ops it would run
(``layer.chain_steps(training)`` → ``[(Function, weights), ...]``), the forward calls each
``Function.forward`` in order, and the backward calls each ``Function.backward`` in reverse,
adding weight gradients into the flat gradient buffer. It is the same forward and backward code
the autograd path runs, minus the bookkeeping: no Tensor per op, no topological sort.

The loss (and regularization) still goes through autograd, on a leaf holding the last
layer's output — or its logits, when the model ends in sigmoid/softmax, so cross-entropy keeps
its fused ``p - y`` backward. A model with any layer that cannot hand over its ops uses the
plain autograd path; both give the same numbers (tests/test_chain.py).

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


class ChainPlan:
    """Runs training and inference steps of a chain of layers without recording a graph."""

    def __init__(self, model):
        self.model = model

    @classmethod
    def for_model(cls, model) -> ChainPlan | None:
        """A plan when every layer of ``model`` can hand over its ops; None otherwise."""
        from .sequential import Sequential

        if type(model).call is not Sequential.call or not model.layers:
            return None
        for layer in model.layers:
            if not hasattr(layer, "chain_steps") or layer.chain_steps(training=True) is None:
                return None
        return cls(model)

    def _steps(self, training: bool):
        steps = []
        for layer in self.model.layers:
            layer_steps = layer.chain_steps(training)
            if layer_steps is None:
                return None
            steps.extend(layer_steps)
        return steps

    def forward(self, x, training: bool, keep_logits: bool = False):
        """Run the chain; returns (output, tape, final kernel left unapplied or None)."""
        steps = self._steps(training)
        final_kernel = None
        if keep_logits and steps:
            fn, weights = steps[-1]
            if isinstance(fn, Activation) and isinstance(fn.kernel, (Sigmoid, Softmax)):
                final_kernel = fn.kernel
                steps = steps[:-1]
        h = x
        tape = []
        for i, (fn, weights) in enumerate(steps):
            if training:
                fn.needs_input_grad = (i > 0,) + tuple(w.grad is not None for w in weights)
            else:
                fn.needs_input_grad = ()
            h = fn.forward(h, *[w.data for w in weights])
            tape.append((fn, weights))
        return h, tape, final_kernel

    def train_step(self, x, y, sample_weight=None):
        """Forward, loss, backward and update; returns (loss value, predictions array)."""
        model = self.model
        flat = model._flat
        flat.zero_grad()
        model._clear_layer_losses()
        x = x.astype(model.compute_dtype, copy=False)
        h, tape, final_kernel = self.forward(x, training=True, keep_logits=True)
        out = Tensor(h, requires_grad=True)
        y_pred = activation(out, final_kernel) if final_kernel is not None else out
        loss = model.compute_loss(x, y, y_pred, sample_weight)
        loss.backward()  # loss and regularization: into out.grad and the weights' grads
        g = out.grad
        for fn, weights in reversed(tape):
            grads = fn.backward(g)
            if not isinstance(grads, tuple):
                grads = (grads,)
            g = grads[0]
            for w, gw in zip(weights, grads[1:]):
                if gw is not None and w.grad is not None:
                    w.grad += gw
        model.optimizer.apply(flat)
        return float(loss.data), y_pred.data

    def predict(self, x):
        """Inference on one batch: the chain's forward, nothing recorded."""
        return self.forward(x.astype(self.model.compute_dtype, copy=False), training=False)[0]
