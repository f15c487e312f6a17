"""One framework, one workload, in a fresh process: ``python worker.py '<json job>'``.

The parent (run.py) has already set OMP/OPENBLAS/MKL thread counts in the environment; this
sets the framework's own thread pools to the same number, runs the job, and prints one line
``BENCH_RESULT {json}`` with the timings and the process's peak resident memory.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Skip, peak_rss_mb  # noqa: E402


def set_threads(framework: str, threads: int) -> None:
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)
    elif framework == "keras":
        from bench_keras import set_threads as keras_threads

        keras_threads(threads)


def main(job: dict) -> dict:
    from workloads import PREDICT_BATCH, TRAINING, read_data

    framework = job["framework"]
    set_threads(framework, job["threads"])
    runner = importlib.import_module(f"bench_{framework}")
    if job["task"] == "train":
        workload = TRAINING[job["workload"]]
        x, y = read_data(job["data_dir"], workload.data, job.get("samples"))
        result = runner.train(workload, x, y, job["epochs"])
    elif job["task"] == "predict":
        if not hasattr(runner, "predict"):
            raise Skip("no predict benchmark for this framework")
        x, _ = read_data(job["data_dir"], "seed")
        result = runner.predict(x, job["calls"], PREDICT_BATCH)
    else:
        raise ValueError(f"unknown task {job['task']!r}")
    return {"status": "ok", **result}


if __name__ == "__main__":
    job = json.loads(sys.argv[1])
    try:
        out = main(job)
    except Skip as exc:
        out = {"status": "skipped", "note": str(exc)}
    except Exception as exc:  # reported in the table, with the traceback on stderr
        traceback.print_exc()
        out = {"status": "error", "note": f"{type(exc).__name__}: {exc}"}
    out["max_rss_mb"] = peak_rss_mb()
    print("BENCH_RESULT " + json.dumps(out), flush=True)
