"""PyTorch's side: nn.Sequential and the idiomatic zero_grad / backward / step loop."""

from __future__ import annotations

import time

from common import Skip, predict_result, time_calls


def build(workload: str):
    from torch import nn

    if workload == "seed":  # logits + BCEWithLogitsLoss: the idiomatic (fused) sigmoid + BCE
        return nn.Sequential(nn.Linear(100, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),
                             nn.Linear(32, 1)), nn.BCEWithLogitsLoss()
    if workload == "mnist-mlp":  # logits + CrossEntropyLoss: the fused softmax + cross-entropy
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10)), nn.CrossEntropyLoss()
    if workload == "mnist-cnn":  # NCHW, PyTorch's native layout
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(64 * 5 * 5, 10)), nn.CrossEntropyLoss()
    if workload == "lstm-text":  # logits on the last hidden state + BCEWithLogitsLoss
        return _LSTMText(), nn.BCEWithLogitsLoss()
    raise Skip(f"unknown workload {workload}")


def _LSTMText():
    from torch import nn

    class LSTMText(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(1000, 64)
            self.lstm = nn.LSTM(64, 64, batch_first=True)
            self.out = nn.Linear(64, 1)

        def forward(self, x):
            _, (h, _) = self.lstm(self.embed(x))
            return self.out(h[-1])

    return LSTMText()


def train(workload, x, y, epochs: int) -> dict:
    import torch

    torch.manual_seed(0)
    model, loss_fn = build(workload.name)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)  # Keras's epsilon
    X = torch.from_numpy(x)
    if workload.name == "mnist-cnn":
        X = X.reshape(-1, 1, 28, 28)
    binary = workload.name in ("seed", "lstm-text")
    Y = torch.from_numpy(y).reshape(-1, 1) if binary else torch.from_numpy(y)
    n, bs = len(X), workload.batch_size
    generator = torch.Generator().manual_seed(0)
    times, epoch_loss = [], float("nan")
    for _ in range(1 + epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=generator)
        total_loss, correct = 0.0, 0
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            xb, yb = X[idx], Y[idx]
            optimizer.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(idx)  # running loss and accuracy, as fit reports
            with torch.no_grad():
                pred = (out > 0).float() if binary else out.argmax(1)
                correct += int((pred == yb).sum())
        epoch_loss = total_loss / n
        times.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(X[i:i + 1024]) for i in range(0, n, 1024)])
        pred = (out > 0).float() if binary else out.argmax(1)
        accuracy = float((pred == Y).float().mean())
    return {"epoch_s": times, "loss": epoch_loss, "accuracy": accuracy}


def predict(x, calls: int, batch: int) -> dict:
    import torch

    torch.manual_seed(0)
    model, _ = build("seed")
    model.eval()
    one = x[:1]
    xs = x[:batch]

    def call_one():
        with torch.no_grad():
            return model(torch.from_numpy(one)).numpy()

    def call_many():
        with torch.no_grad():
            return model(torch.from_numpy(xs)).numpy()

    return predict_result({"module(x) under no_grad": time_calls(call_one, calls)},
                          {"module(x) under no_grad": time_calls(call_many, 10, warmup=2)})
