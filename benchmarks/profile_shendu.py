"""Where shendu's training time goes, on the seed and mnist-mlp workloads.

    python benchmarks/profile_shendu.py                 # both workloads, cProfile + floors
    python benchmarks/profile_shendu.py --workload seed --top 30

For each workload it prints
  1. shendu's epoch time (model.fit, metrics=["accuracy"], as in run.py) and without metrics;
  2. the BLAS floor: the same matmuls one step does (3 forward, 5 backward), timed alone;
  3. a hand-written NumPy loop (fused forward/backward, flat Adam, no framework) — what a
     NumPy implementation can reach on this machine;
  4. the parts of one train_step, each the least over many blocks of fixed batches;
  5. cProfile of one shendu epoch: the functions with the most own time, and the cumulative
     time of the parts of a step (forward, loss, backward, optimizer, metrics, batching).
The numbers feed the profile section of benchmarks/README.md. Threads: as the environment sets
them (run with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS to pin).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from workloads import TRAINING, load_mnist10k, make_seed_data  # noqa: E402

SIZES = {"seed": [100, 64, 32, 1], "mnist-mlp": [784, 256, 128, 10]}


def data(name):
    return make_seed_data() if name == "seed" else load_mnist10k()


def shendu_epoch(name, x, y, metrics=True, epochs=2) -> float:
    from shendu import layers as L
    from shendu.callbacks import Callback
    from shendu.models import Sequential
    from shendu.utils import set_random_seed

    set_random_seed(0)
    sizes = SIZES[name]
    last = "sigmoid" if sizes[-1] == 1 else "softmax"
    model = Sequential([L.Dense(sizes[1], activation="relu", input_dim=sizes[0]),
                        L.Dense(sizes[2], activation="relu"), L.Dense(sizes[3], activation=last)])
    loss = "binary_crossentropy" if sizes[-1] == 1 else "sparse_categorical_crossentropy"
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"] if metrics else None)

    class Timer(Callback):
        times: list = []

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.t0)

    timer = Timer()
    timer.times = []
    model.fit(x, y, batch_size=TRAINING[name].batch_size, epochs=epochs, verbose=0,
              callbacks=[timer])
    return min(timer.times[1:] or timer.times), model


def blas_floor(name, n) -> float:
    """Seconds per epoch of the step's matmuls alone (float32, same shapes)."""
    rng = np.random.default_rng(0)
    bs = TRAINING[name].batch_size
    sizes = SIZES[name]
    W = [rng.standard_normal((a, b)).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    hs = [rng.standard_normal((bs, s)).astype(np.float32) for s in sizes]
    steps = math.ceil(n / bs)

    def step():
        for i, w in enumerate(W):  # forward
            hs[i] @ w
        for i in reversed(range(len(W))):  # backward: gW = hᵀ g, gx = g Wᵀ (not for layer 0)
            hs[i].T @ hs[i + 1]
            if i:
                hs[i + 1] @ W[i].T

    for _ in range(20):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - t0


def numpy_loop(name, x, y) -> float:
    """One epoch of a minimal NumPy MLP trainer: the floor for a NumPy library (seconds)."""
    rng = np.random.default_rng(0)
    sizes = SIZES[name]
    bs = TRAINING[name].batch_size
    shapes = [(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    total = sum(a * b + b for a, b in shapes)
    flat, grad = np.zeros(total, np.float32), np.zeros(total, np.float32)
    m, v, tmp = np.zeros_like(flat), np.zeros_like(flat), np.zeros_like(flat)
    Ws, bs_, gWs, gbs = [], [], [], []
    off = 0
    for a, b in shapes:
        Ws.append(flat[off:off + a * b].reshape(a, b))
        gWs.append(grad[off:off + a * b].reshape(a, b))
        off += a * b
        bs_.append(flat[off:off + b])
        gbs.append(grad[off:off + b])
        off += b
        lim = math.sqrt(6 / (a + b))
        Ws[-1][...] = rng.uniform(-lim, lim, (a, b))
    binary = sizes[-1] == 1
    t = 0
    t0 = time.perf_counter()
    order = rng.permutation(len(x))
    xs, ys = x[order], y[order]
    for start in range(0, len(x), bs):
        xb, yb = xs[start:start + bs], ys[start:start + bs]
        hs = [xb]
        for i, (W, b) in enumerate(zip(Ws, bs_)):
            z = hs[-1] @ W
            z += b
            if i < len(Ws) - 1:
                np.maximum(z, 0, out=z)
            hs.append(z)
        z = hs[-1]
        if binary:  # dL/dz = σ(z) − y
            g = 1 / (1 + np.exp(-z))
            g[:, 0] -= yb
        else:  # dL/dz = softmax(z) − onehot(y)
            g = np.exp(z - z.max(1, keepdims=True))
            g /= g.sum(1, keepdims=True)
            g[np.arange(len(yb)), yb] -= 1
        g /= len(xb)
        for i in reversed(range(len(Ws))):
            np.matmul(hs[i].T, g, out=gWs[i])
            g.sum(0, out=gbs[i])
            if i:
                g = g @ Ws[i].T
                g *= hs[i] > 0
        t += 1  # Adam on the flat buffer
        alpha = 1e-3 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        m *= 0.9
        np.multiply(grad, 0.1, out=tmp)
        m += tmp
        v *= 0.999
        np.multiply(grad, grad, out=tmp)
        tmp *= 0.001
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += 1e-7
        np.divide(m, tmp, out=tmp)
        tmp *= alpha
        flat -= tmp
    return time.perf_counter() - t0


def _phase_targets(model):
    """(label, owner class, method name) of the parts of a training step, as the code has them.

    Only methods whose wrapping changes no decision are wrapped (wrapping ``compute_loss``
    would make the fast path believe the model overrides it, and take the autograd loss)."""
    from shendu.models import chain
    from shendu.ops.fused import Linear

    targets = [("train_step (one whole step)", type(model), "train_step"),
               ("  layers forward (Linear.forward)", Linear, "forward"),
               ("  loss value, dL/dz, predictions (fused head)", chain.ChainPlan,
                "_loss_and_grad"),
               ("  layers backward (Linear.backward)", Linear, "backward"),
               ("  optimizer.apply (flat buffer)", type(model.optimizer), "apply"),
               ("  metrics update", type(model), "_update_metrics")]
    return [(label, owner, name) for label, owner, name in targets if hasattr(owner, name)]


def phase_times(name, x, y) -> str:
    """Wall time of each part of a step, by wrapping the methods with counters (no profiler)."""
    _, model = shendu_epoch(name, x, y, metrics=True, epochs=1)  # warm-up, built
    totals: dict = {}
    patched = []

    def wrap(label, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - t0
        return timed

    for label, owner, attr in _phase_targets(model):
        original = owner.__dict__.get(attr)
        fn = getattr(owner, attr)
        setattr(owner, attr, wrap(label, fn))
        patched.append((owner, attr, original))
    try:
        t0 = time.perf_counter()
        model.fit(x, y, batch_size=TRAINING[name].batch_size, epochs=1, verbose=0)
        epoch = time.perf_counter() - t0
    finally:
        for owner, attr, original in patched:
            if original is None:
                delattr(owner, attr)
            else:
                setattr(owner, attr, original)
    steps = math.ceil(len(x) / TRAINING[name].batch_size)
    def line(label, sec):
        return f"  {label:<50} {sec * 1000:8.1f} ms  {sec / steps * 1e6:7.1f} µs/step"

    lines = [f"### Parts of a step, {name} (wall time, method wrappers, no profiler)", "",
             line("whole fit epoch", epoch)]
    for label, _, _ in _phase_targets(model):
        if label in totals:
            lines.append(line(label, totals[label]))
    step = totals.get("train_step (one whole step)", 0.0)
    known = sum(v for k, v in totals.items() if k.startswith("  "))
    lines.append(line("  rest of the step (glue: chain loop, batch cast)", step - known))
    lines.append(line("fit loop outside the step (batching, callbacks)", epoch - step))
    return "\n".join(lines)


def step_parts(name, x, y, blocks: int = 40) -> str:
    """µs per step of the parts of ``train_step``, each the least over ``blocks`` runs of 20
    fixed batches (the least is what a quiet machine gives; robust on a shared one). Each
    part is timed as a growing prefix of the step (forward; + loss head; + backward), so the
    parts add up to the step's own work; "glue" is the step minus its parts."""
    _, model = shendu_epoch(name, x, y, metrics=True, epochs=1)
    plan, flat, opt = model._plan, model._flat, model.optimizer
    if plan is None:
        return f"### Parts of a step, {name}: no chain plan (autograd path)"
    bs = TRAINING[name].batch_size
    xs, ys, _ = model._check_xy(x[:bs * 20], y[:bs * 20])
    batches = [(xs[i:i + bs], ys[i:i + bs]) for i in range(0, bs * 20, bs)]
    state: dict = {}

    def forward(xb, yb):
        h = xb
        for fn, weights in plan.train_steps:
            h = fn.forward(h, *[w.data for w in weights])
        state["z"] = h

    def head(xb, yb):
        forward(xb, yb)
        state["out"] = plan._loss_and_grad(xb, yb, state["z"], None)

    def backward(xb, yb):
        head(xb, yb)
        g = state["out"][1]
        for fn, _ in plan._backward_steps:
            grads = fn.backward(g)
            g = grads[0] if type(grads) is tuple else grads

    parts = {"forward (Linear.forward, 3 layers)": forward,
             "loss head (value, dL/dz, predictions)": head,
             "backward (Linear.backward, 3 layers)": backward,
             "optimizer.apply (Adam on the flat buffer)": lambda xb, yb: opt.apply(flat),
             "metrics update (accuracy)":
                 lambda xb, yb: model._update_metrics(yb, state["out"][2], None),
             "model.train_step (whole)": lambda xb, yb: model.train_step(xb, yb)}
    best = dict.fromkeys(parts, math.inf)
    for _ in range(blocks):
        for label, fn in parts.items():
            t0 = time.perf_counter()
            for xb, yb in batches:
                fn(xb, yb)
            best[label] = min(best[label], (time.perf_counter() - t0) / len(batches) * 1e6)
    labels = list(parts)
    own = dict(best)
    own[labels[1]] = best[labels[1]] - best[labels[0]]
    own[labels[2]] = best[labels[2]] - best[labels[1]]
    own["glue (chain loop, batch cast, model.train_step)"] = best[labels[5]] - sum(
        own[k] for k in labels[:5])
    rows = [f"### Parts of a step, {name} (µs, least of {blocks} blocks of 20 batches)", "",
            "| part | µs/step |", "|---|--:|"]
    rows += [f"| {k} | {v:.1f} |" for k, v in own.items() if k != labels[5]]
    rows.append(f"| **{labels[5]}** | **{best[labels[5]]:.1f}** |")
    return "\n".join(rows)


def profile_epoch(name, x, y, top: int) -> str:
    _, model = shendu_epoch(name, x, y, metrics=True, epochs=1)  # warm-up, built
    prof = cProfile.Profile()
    prof.enable()
    model.fit(x, y, batch_size=TRAINING[name].batch_size, epochs=1, verbose=0)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return "\n".join([f"### cProfile, one epoch of {name} (the profiler inflates Python-heavy "
                      "parts)", "", out.getvalue()])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=sorted(SIZES), action="append")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for name in args.workload or list(SIZES):
        x, y = data(name)
        steps = math.ceil(len(x) / TRAINING[name].batch_size)
        with_m, _ = shendu_epoch(name, x, y, metrics=True)
        without_m, _ = shendu_epoch(name, x, y, metrics=False)
        floor = min(blas_floor(name, len(x)) for _ in range(3))
        loop = min(numpy_loop(name, x, y) for _ in range(3))
        print(f"## {name}: {len(x)} samples, batch {TRAINING[name].batch_size}, {steps} steps")
        for label, sec in (("shendu fit, metrics=['accuracy']", with_m),
                           ("shendu fit, no metrics", without_m),
                           ("hand-written NumPy loop (floor)", loop),
                           ("BLAS matmuls alone", floor)):
            print(f"  {label:<36} {sec * 1000:8.1f} ms/epoch  {sec / steps * 1e6:7.1f} µs/step")
        print()
        print(step_parts(name, x, y))
        print()
        print(phase_times(name, x, y))
        print()
        print(profile_epoch(name, x, y, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
