"""The fast path of a Sequential model: its layers' Functions run as a chain, with no graph.

A Sequential is a chain, so it needs no tape: each layer hands over the ops it would run
(``layer.chain_steps(training)`` → ``[(Function, weights), ...]``), the forward calls each
``Function.forward`` in order, and the backward calls each ``Function.backward`` in reverse,
adding weight gradients into the flat gradient buffer. It is the same forward and backward code
the autograd path runs, minus the bookkeeping: no Tensor per op, no topological sort.

The plan is built once per ``fit`` (``Model._ensure_flat``) and kept for ``predict``: the
Functions, their ``needs_input_grad`` and, when no weight has a regularizer, the flat gradient
views each ``Linear`` writes dL/dW and dL/db into directly (so no ``zero_grad`` and no extra
add). A Function is reused across steps only when its class says so (``reusable = True``:
its forward keeps nothing from one call to the next); the steps of a layer with any other op
(random augmentation draws, one-shot settings) are asked for again at every step.

A training step allocates (almost) nothing: each ``Linear`` of the training chain keeps its
output, the copy of z its activation may need and dL/dx from one step to the next (one set per
batch size, ``Linear.use_buffers``), and applies a plain relu's derivative in place to the
gradient it is handed when that gradient is its own (made by the Linear after it, or the loss's
fresh dL/dz). So no array made inside the training chain outlives its step: the predictions
handed to the metrics are a fresh array, and ``predict`` runs separate ops.

The loss: when the model ends in sigmoid/softmax + the matching cross-entropy, or a linear
output + mean squared error, with the default reduction and no sample weights or
regularization, ``Loss.value_and_grad`` gives the value and dL/dz on arrays (the same fused
Functions, no graph). Otherwise the loss (and regularization) goes through autograd, on a
leaf holding the last layer's output — or its logits, when the model ends in sigmoid/softmax.
A model with any layer that cannot hand over its ops uses the plain autograd path; all paths
give the same numbers (tests/test_chain.py). A convolution followed by max pooling runs as one
op that applies the activation after the pooling (``ops/conv_pool.py``).

>>> import numpy as np
>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> model = Sequential([Dense(4, activation="relu", input_dim=3), Dense(1, activation="sigmoid")])
>>> ChainPlan.for_model(model) is not None
True
"""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..loss_heads import fused_head
from ..ops.activations import Activation, Sigmoid, Softmax, activation
from ..ops.activations import Linear as LinearKernel
from ..ops.conv_pool import ConvMaxPool, fuse_conv_pool
from ..ops.fused import Linear


class ChainPlan:
    """Runs training and inference steps of a chain of layers without recording a graph."""

    def __init__(self, model, layer_steps):
        self.model = model
        self.layers = tuple(model.layers)
        # per layer: its training steps when they can be reused, else None (asked each step)
        self._cached = [steps if _reusable(steps) else None for steps in layer_steps]
        self._fixed = all(steps is not None for steps in self._cached)
        self._predict_cache = None
        flat = getattr(model, "_flat", None)
        self.flat_key = None if flat is None else flat.key
        self.allow_direct = False
        if flat is not None:
            from .model import Model

            regularized = type(model).compute_loss is not Model.compute_loss or any(
                w.regularizer is not None for w in model.trainable_weights)
            self.allow_direct = not regularized
        self.direct_grads = False
        self.dtype = np.dtype(model.compute_dtype)
        self._arrange([s for steps in layer_steps for s in steps])
        if flat is not None:
            flat.zero_grad()

    @classmethod
    def for_model(cls, model) -> ChainPlan | None:
        """A plan when every layer of ``model`` can hand over its ops; None otherwise."""
        from .sequential import Sequential

        if type(model).call is not Sequential.call or not model.layers:
            return None
        layer_steps = []
        for layer in model.layers:
            if getattr(layer, "creates_mask", False):
                return None  # masks need the layer-by-layer path (Sequential.call)
            if getattr(layer, "activity_regularizer", None) is not None:
                return None  # its penalty is added by Layer.__call__
            steps = layer.chain_steps(True) if hasattr(layer, "chain_steps") else None
            if steps is None:
                return None
            layer_steps.append(steps)
        return cls(model, layer_steps)

    def matches(self, model) -> bool:
        """True while the model still has these layers (and the same flat layout)."""
        flat = getattr(model, "_flat", None)
        return (self.layers == tuple(model.layers)
                and self.flat_key == (None if flat is None else flat.key))

    def _arrange(self, steps) -> None:
        """Split off the head (a final sigmoid/softmax op, left to the loss) and wire the ops:
        needs_input_grad, and each weight's gradient written straight into its flat view
        (no zero_grad, no add) when every trainable weight is written once, by a Linear."""
        self.head = None
        steps = fuse_conv_pool(steps)
        if steps:
            fn = steps[-1][0]
            if isinstance(fn, Activation) and isinstance(fn.kernel, (Sigmoid, Softmax)):
                self.head, steps = fn, steps[:-1]
        self.train_steps = steps
        flat = getattr(self.model, "_flat", None)
        if flat is None:
            return
        seen, direct = set(), self.allow_direct
        for i, (fn, weights) in enumerate(steps):
            fn.needs_input_grad = (i > 0,) + tuple(w.grad is not None for w in weights)
            for w in weights:
                if w.grad is not None:
                    direct = direct and id(w) not in seen and isinstance(fn, Linear)
                    seen.add(id(w))
        self.direct_grads = direct and len(seen) == len(flat.variables)
        if self.direct_grads:
            for fn, weights in steps:
                if isinstance(fn, Linear):
                    fn.grad_out = ([w.grad for w in weights] + [None, None])[:2]
        # buffers kept between steps; a Linear may apply its derivative in place to the
        # gradient it is handed when that gradient is its own: made by the Linear after it
        # (dL/dx) or by the loss (a fresh array, see _loss_and_grad)
        for i, (fn, _) in enumerate(steps):
            if isinstance(fn, Linear):
                fn.use_buffers(grad_owned=i + 1 == len(steps)
                               or isinstance(steps[i + 1][0], Linear))
            elif isinstance(fn, ConvMaxPool):
                fn.keep_io = True  # its output and dL/dx: kept buffers, read within the step
        self._backward_steps = steps[::-1]
        self._loss_step = None
        if self.allow_direct and getattr(self.model, "_loss_weight", 1.0) == 1.0:
            self._loss_step = fused_head(self.model.loss,
                                         None if self.head is None else self.head.kernel)

    def _refresh(self) -> None:
        """Ask the layers whose ops cannot be reused for new ones (once per step)."""
        steps = []
        for layer, cached in zip(self.layers, self._cached):
            steps.extend(cached if cached is not None else layer.chain_steps(True))
        self._arrange(steps)

    def forward(self, x, training: bool):
        """Run the chain (training: up to the head's input, i.e. the logits)."""
        h = x
        for fn, weights in self.train_steps if training else self.predict_steps():
            h = fn.forward(h, *[w.data for w in weights])
        return h

    def predict_steps(self):
        """The inference chain (built once when its ops are reusable); a linear ``Linear``
        followed by an activation op (a Dense's sigmoid/softmax, kept apart for the loss in
        training) runs as one op here."""
        if self._predict_cache is not None:
            return self._predict_cache
        steps = []
        for layer in self.layers:
            for fn, weights in layer.chain_steps(False):
                prev = steps[-1][0] if steps else None
                if (isinstance(fn, Activation) and not weights and isinstance(prev, Linear)
                        and isinstance(prev.kernel, LinearKernel)
                        and getattr(fn.kernel, "axis", -1) == -1):  # Linear works on 2-D z
                    steps[-1] = (Linear(kernel=fn.kernel), steps[-1][1])
                else:
                    steps.append((fn, weights))
        steps = fuse_conv_pool(steps)
        for fn, _ in steps:
            fn.needs_input_grad = ()
        if _reusable(steps):
            self._predict_cache = steps
        return steps

    def _loss_and_grad(self, x, y, z, sample_weight):
        """(loss value, dL/dz, predictions): fused on arrays when possible, else autograd.
        dL/dz is always a fresh array (the last Linear may overwrite it)."""
        model = self.model
        head = self.head
        step = self._loss_step
        # a LossScaleOptimizer gets gradients of scale_loss(loss), as in Keras's fit
        scale = model.optimizer.loss_scale
        if step is not None and sample_weight is None and isinstance(y, np.ndarray) and isinstance(
                z, np.ndarray):
            fused = step(y, z)
            if fused is not None:
                if scale is not None:
                    fused = (fused[0], fused[1] * scale, fused[2])
                return fused
        model._clear_layer_losses()
        out = Tensor(z, requires_grad=True)
        pred = activation(out, head.kernel) if head is not None else out
        loss = model.compute_loss(x, y, pred, sample_weight)
        # loss and regularization: into out.grad and the weights' grads
        loss.backward(model.optimizer.backward_seed(loss))
        return float(loss.data), out.grad.copy(), pred.data

    def train_step(self, x, y, sample_weight=None):
        """Forward, loss, backward and update; returns (loss value, predictions array)."""
        model = self.model
        flat = model._flat
        if not self._fixed:
            self._refresh()
        direct = self.direct_grads
        if not direct:
            flat.zero_grad()
        x = x.astype(self.dtype, copy=False)
        h = x
        for fn, weights in self.train_steps:
            h = fn.forward(h, *[w.data for w in weights])
        loss_value, g, y_pred = self._loss_and_grad(x, y, h, sample_weight)
        if y_pred is h:  # the last op's output array is reused by the next step
            y_pred = h.copy()
        for fn, weights in self._backward_steps:
            grads = fn.backward(g)
            if type(grads) is not tuple:
                g = grads
                continue
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


def _reusable(steps) -> bool:
    """True when every op of ``steps`` may run again (its class sets ``reusable = True``)."""
    return all(getattr(type(fn), "reusable", False) for fn, _ in steps)
