"""Where a Sequential model's training step goes, op by op: the convnet and LSTM workloads.

    python benchmarks/profile_ops.py                      # mnist-cnn
    python benchmarks/profile_ops.py --workload lstm-text

It trains the workload's model (benchmarks/bench_shendu.py) for a warm-up epoch, then prints

  1. in the loop: milliseconds per step that each op of the fast path's chain spends in its
     forward and backward over one epoch (every op class timed at class level), the optimizer,
     and the rest (batching, loss, metrics, Python);
  2. alone: the least time of each op's forward over 30 calls on one batch, and of a forward
     followed by its backward, less the forward (some ops free what they kept once their
     backward has run): what the op costs with warm caches and nothing else competing.

The gap between the two is what the ops cost each other (caches, memory traffic). Threads: as
the environment sets them (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS to pin).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_shendu import build  # noqa: E402
from workloads import TRAINING, load_mnist10k, make_lstm_text_data  # noqa: E402


def workload_data(name):
    if name == "mnist-cnn":
        x, y = load_mnist10k()
        return x.reshape(-1, 28, 28, 1), y
    return make_lstm_text_data()


def in_the_loop(model, x, y, batch):
    """ms per step of each op's forward/backward over one epoch of fit."""
    spent = collections.defaultdict(float)
    labels = {}  # fit builds a new plan (new op objects): ops are named when first met

    def label(fn):
        if id(fn) not in labels:
            steps = model._plan.train_steps
            index = next((i for i, (f, _) in enumerate(steps) if f is fn), None)
            labels[id(fn)] = None if index is None else f"{index}:{type(fn).__name__}"
        return labels[id(fn)]

    patched = []
    for cls in {type(fn) for fn, _ in model._plan.train_steps}:
        for name in ("forward", "backward"):
            original = cls.__dict__.get(name)
            if original is None:
                continue

            def timed(self, *args, _original=original, _name=name):
                t0 = time.perf_counter()
                out = _original(self, *args)
                key = label(self)
                if key is not None:
                    spent[f"{key}.{_name}"] += time.perf_counter() - t0
                return out

            setattr(cls, name, timed)
            patched.append((cls, name, original))
    optimizer = model.optimizer
    apply = optimizer.apply

    def timed_apply(*args):
        t0 = time.perf_counter()
        out = apply(*args)
        spent["optimizer"] += time.perf_counter() - t0
        return out

    optimizer.apply = timed_apply
    try:
        t0 = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        total = time.perf_counter() - t0
    finally:
        for cls, name, original in patched:
            setattr(cls, name, original)
        del optimizer.apply
    n_steps = -(-len(x) // batch)
    return total, n_steps, spent


def alone(model, x, batch, calls=30):
    """(label, forward ms, backward ms): each op on one batch, least of ``calls``."""
    h = x[:batch].astype(model.compute_dtype)
    rows, inputs = [], []
    for fn, weights in model._plan.train_steps:
        inputs.append(h)
        h = fn.forward(h, *[w.data for w in weights])
    rng = np.random.default_rng(0)
    for i, ((fn, weights), h_in) in enumerate(zip(model._plan.train_steps, inputs)):
        arrays = [w.data for w in weights]
        out = fn.forward(h_in, *arrays)
        g = rng.standard_normal(out.shape).astype(out.dtype)
        forward = least(lambda: fn.forward(h_in, *arrays), calls)  # noqa: B023
        # some ops free what they kept once their backward has run: time the pair, less forward
        both = least(lambda: (fn.forward(h_in, *arrays), fn.backward(g.copy())), calls)  # noqa: B023
        backward = max(both - forward, 0.0)
        rows.append((f"{i}:{type(fn).__name__}", forward, backward))
    return rows


def least(fn, calls):
    best = float("inf")
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["mnist-cnn", "lstm-text"], default="mnist-cnn")
    args = parser.parse_args()
    from shendu.utils import set_random_seed

    set_random_seed(0)
    x, y = workload_data(args.workload)
    batch = TRAINING[args.workload].batch_size
    model = build(args.workload)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up: buffers, plan
    total, n_steps, spent = in_the_loop(model, x, y, batch)
    print(f"{args.workload}: {total * 1e3:.0f} ms for one epoch of {n_steps} steps "
          f"({total * 1e3 / n_steps:.2f} ms/step)\n")
    print("in the loop (ms/step)")
    for key, seconds in spent.items():
        if seconds * 1e3 / n_steps >= 0.01:
            print(f"  {key:32s} {seconds * 1e3 / n_steps:7.2f}")
    rest = total - sum(spent.values())
    print(f"  {'rest (batching, loss, metrics)':32s} {rest * 1e3 / n_steps:7.2f}\n")
    print("alone, warm caches (ms per call: forward, backward)")
    total_alone = 0.0
    for label, forward, backward in alone(model, x, batch):
        if forward + backward >= 0.01:
            print(f"  {label:32s} {forward:7.2f} {backward:7.2f}")
        total_alone += forward + backward
    print(f"  {'sum':32s} {total_alone:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
