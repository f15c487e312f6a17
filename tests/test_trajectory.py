"""Training trajectories against PyTorch: same initial weights, same batches, same optimizer —
the weights agree to 1e-6 relative after 200 steps (float64).

Keras's Adam adds epsilon to √v, PyTorch's to √v̂; with a tiny epsilon (1e-16) in both the two
formulas agree, so any difference left would be a bug in the gradients or the update.
"""

from __future__ import annotations

import numpy as np
import pytest

from shendu import backend, optimizers
from shendu.layers import Dense
from shendu.models import Sequential

STEPS = 200
BATCH = 32
SAMPLES = 640  # 20 batches per epoch, 10 epochs



def _data(target):
    rng = np.random.default_rng(42)
    x = rng.normal(size=(SAMPLES, 100))
    score = np.sin(x[:, 0]) + x[:, 1] * x[:, 2] - 0.5 * x[:, 3]
    if target == "binary":
        return x, (score > 0).astype(np.float64)
    return x, score[:, None] + 0.1 * rng.normal(size=(SAMPLES, 1))


def _seed_network(final_activation):
    model = Sequential()
    model.add(Dense(64, activation="relu", input_dim=100))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(1, activation=final_activation))
    return model


def _torch_copy(model):
    import torch

    layers = []
    for i, layer in enumerate(model.layers):
        kernel, bias = layer.get_weights()
        linear = torch.nn.Linear(*kernel.shape).double()
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(kernel.T))
            linear.bias.copy_(torch.tensor(bias))
        layers.append(linear)
        if i < len(model.layers) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)  # ends with logits (sigmoid is inside the loss)


def _assert_same_weights(model, net):
    linears = [m for m in net if hasattr(m, "weight")]
    for layer, linear in zip(model.layers, linears):
        kernel, bias = layer.get_weights()
        ref_kernel = linear.weight.detach().numpy().T
        ref_bias = linear.bias.detach().numpy()
        for ours, ref in ((kernel, ref_kernel), (bias, ref_bias)):
            relative = np.linalg.norm(ours - ref) / np.linalg.norm(ref)
            assert relative < 1e-6, f"{layer.name}: relative difference {relative:.2e}"
            np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-9)


def _torch_train(net, optimizer, loss_fn, x, y, steps):
    import torch

    tx, ty = torch.tensor(x), torch.tensor(y)
    per_epoch = len(x) // BATCH
    for step in range(steps):
        start = (step % per_epoch) * BATCH
        xb, yb = tx[start:start + BATCH], ty[start:start + BATCH]
        optimizer.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        optimizer.step()


def test_seed_network_with_adam_follows_pytorch():
    import torch

    backend.set_floatx("float64")
    x, y = _data("binary")
    model = _seed_network("sigmoid")
    model.compile(loss="binary_crossentropy",
                  optimizer=optimizers.Adam(learning_rate=0.001, epsilon=1e-16),
                  metrics=["accuracy"])
    net = _torch_copy(model)
    history = model.fit(x, y, batch_size=BATCH, epochs=STEPS * BATCH // SAMPLES, shuffle=False,
                        verbose=0)
    assert model.optimizer.iterations == STEPS
    assert history.history["loss"][-1] < history.history["loss"][0]

    optimizer = torch.optim.Adam(net.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-16)
    loss_fn = lambda logits, target: torch.nn.functional.binary_cross_entropy_with_logits(  # noqa: E731
        logits, target[:, None])
    _torch_train(net, optimizer, loss_fn, x, y, STEPS)
    _assert_same_weights(model, net)

    with torch.no_grad():
        expected = torch.sigmoid(net(torch.tensor(x))).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("fast_path", [True, False], ids=["chain", "autograd"])
def test_regression_net_with_nesterov_sgd_follows_pytorch(fast_path):
    import torch

    backend.set_floatx("float64")
    x, y = _data("regression")
    model = _seed_network("linear")
    model.use_fast_path = fast_path
    model.compile(loss="mse",
                  optimizer=optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True))
    net = _torch_copy(model)
    per_epoch = SAMPLES // BATCH
    losses = []
    for step in range(STEPS):
        start = (step % per_epoch) * BATCH
        losses.append(model.train_on_batch(x[start:start + BATCH], y[start:start + BATCH]))
    assert model.optimizer.iterations == STEPS
    assert np.mean(losses[-20:]) < np.mean(losses[:20])

    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    _torch_train(net, optimizer, torch.nn.functional.mse_loss, x, y, STEPS)
    _assert_same_weights(model, net)
